package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// pruneChunk is how many records a prune deletes per transaction, so
// pruning a large backlog neither holds the writer lock long nor builds
// one huge transaction.
const pruneChunk = 10_000

// PruneRemote removes the remote keys and actors cached before before,
// and returns how many it removed. Keys and actors are fetched again when
// they are next needed, and are refetched when older than a day anyway;
// what is older only takes space.
func (s *Store) PruneRemote(ctx context.Context, before time.Time) (n int, err error) {
	for _, bucket := range [][]byte{bucketRemoteKeys, bucketActors} {
		pruned, err := s.pruneBucket(ctx, bucket, pruneChunk, func(v []byte) (bool, error) {
			var r struct{ Fetched time.Time }
			if err := json.Unmarshal(v, &r); err != nil {
				return false, err
			}
			return r.Fetched.Before(before), nil
		})
		n += pruned
		if err != nil {
			return n, fmt.Errorf("store: prune the cache of remote %s: %w", bucket, err)
		}
	}
	return n, nil
}

// pruneBucket deletes the records of bucket for which old reports true,
// at most chunk per transaction, and returns how many it deleted. A
// record old cannot read stops the prune with its key in the error.
func (s *Store) pruneBucket(ctx context.Context, bucket []byte, chunk int, old func(v []byte) (bool, error)) (int, error) {
	total := 0
	var from []byte // the first key the next transaction looks at
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var next []byte
		var done int
		err := s.db.Update(func(tx *bolt.Tx) error {
			next, done = nil, 0
			b := tx.Bucket(bucket)
			var gone [][]byte
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for ; k != nil; k, v = c.Next() {
				if len(gone) == chunk {
					next = bytes.Clone(k)
					break
				}
				isOld, err := old(v)
				if err != nil {
					return fmt.Errorf("record %q: %w", k, err)
				}
				if isOld {
					gone = append(gone, bytes.Clone(k))
				}
			}
			for _, k := range gone {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			done = len(gone)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += done
		if next == nil {
			return total, nil
		}
		from = next
	}
}

// removeIf removes, in tx, the records of bucket for which match reports
// true, adding their number to *n.
func removeIf(tx *bolt.Tx, bucket []byte, n *int, match func(k, v []byte) (bool, error)) error {
	b := tx.Bucket(bucket)
	var gone [][]byte
	err := b.ForEach(func(k, v []byte) error {
		ok, err := match(k, v)
		if err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		if ok {
			gone = append(gone, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	*n += len(gone)
	return nil
}
