package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketFollowers holds one record per follower, keyed by the follower's
// actor id.
var bucketFollowers = []byte("followers")

// FollowerCount returns how many followers the actor has: 0 until a follow
// has been recorded.
func (s *Store) FollowerCount(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: count followers: %w", err)
	}
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketFollowers); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: count followers: %w", err)
	}
	return n, nil
}
