package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MarkSeen records, durably, that the activity with the id arrived at at
// (now when zero). first is false when the id was recorded before: the
// activity is a replay or a redelivery. Of concurrent calls with the same
// id, exactly one gets first.
func (s *Store) MarkSeen(ctx context.Context, activityID string, at time.Time) (first bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: mark seen %s: %w", activityID, err)
	}
	if err := checkKey("activity id", activityID); err != nil {
		return false, err
	}
	if at.IsZero() {
		at = time.Now()
	}
	raw, err := json.Marshal(at.UTC())
	if err != nil {
		return false, fmt.Errorf("store: mark seen %s: %w", activityID, err)
	}
	key := []byte(activityID)
	err = s.batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		first = b.Get(key) == nil
		if !first {
			return nil
		}
		return b.Put(key, raw)
	})
	if err != nil {
		return false, fmt.Errorf("store: mark seen %s: %w", activityID, err)
	}
	return first, nil
}

// ForgetSeen removes the record of the activity with the id, so that it is
// handled when it arrives again: for an activity whose handling failed
// after MarkSeen, which the sender will retry.
func (s *Store) ForgetSeen(ctx context.Context, activityID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: forget seen %s: %w", activityID, err)
	}
	if err := checkKey("activity id", activityID); err != nil {
		return err
	}
	key := []byte(activityID)
	err := s.batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeen).Delete(key)
	})
	if err != nil {
		return fmt.Errorf("store: forget seen %s: %w", activityID, err)
	}
	return nil
}

// PruneSeen removes the records of activities first seen before before,
// and returns how many it removed. Senders give up redelivering after a
// few days, so records older than that only take space.
func (s *Store) PruneSeen(ctx context.Context, before time.Time) (n int, err error) {
	n, err = s.pruneSeen(ctx, before, pruneChunk)
	if err != nil {
		return n, fmt.Errorf("store: prune seen: %w", err)
	}
	return n, nil
}

// pruneSeen is PruneSeen deleting at most chunk records per transaction.
func (s *Store) pruneSeen(ctx context.Context, before time.Time, chunk int) (int, error) {
	return s.pruneBucket(ctx, bucketSeen, chunk, func(v []byte) (bool, error) {
		var at time.Time
		if err := json.Unmarshal(v, &at); err != nil {
			return false, err
		}
		return at.Before(before), nil
	})
}
