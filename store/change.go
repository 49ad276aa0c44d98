package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A Change is a write that Apply commits together with others, in one
// transaction: all of them or none. A follow is three: the follower, the
// Accept queued for delivery, and the Follow marked seen. Making them one
// commit makes the follow all-or-nothing and saves two waits for a commit.
//
// The functions that make Changes take pointers for their results (which
// may be nil), set when Apply returns nil.
type Change struct {
	// err, when set, is why the change cannot be made: Apply returns it
	// and writes nothing.
	err error
	// solo marks a change too large to share its commit with other
	// writers, such as a fan-out to many inboxes.
	solo bool
	// apply makes the change in tx. It may run more than once (see
	// batch), so it sets its results afresh each time. Its errors carry
	// the store's prefix and say what failed.
	apply func(tx *bolt.Tx) error
}

// Apply makes the changes in one durable transaction, in order. When one
// fails none is made, and its error is returned.
func (s *Store) Apply(ctx context.Context, changes ...Change) error {
	solo := false
	for _, c := range changes {
		if c.err != nil {
			return c.err
		}
		solo = solo || c.solo
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	update := s.batch
	if solo {
		update = s.db.Update
	}
	return update(func(tx *bolt.Tx) error {
		for _, c := range changes {
			if err := c.apply(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// failed is a Change that cannot be made, for err.
func failed(err error) Change { return Change{err: err} }

// set stores v in p unless p is nil.
func set[T any](p *T, v T) {
	if p != nil {
		*p = v
	}
}
