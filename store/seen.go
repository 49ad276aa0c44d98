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
	err = s.Apply(ctx, MarkSeenChange(activityID, at, &first))
	return first, err
}

// MarkSeenChange is MarkSeen as a Change, for Apply.
func MarkSeenChange(activityID string, at time.Time, first *bool) Change {
	if err := checkKey("activity id", activityID); err != nil {
		return failed(err)
	}
	if at.IsZero() {
		at = time.Now()
	}
	raw, err := json.Marshal(at.UTC())
	if err != nil {
		return failed(fmt.Errorf("store: mark seen %s: %w", activityID, err))
	}
	key := []byte(activityID)
	return Change{apply: func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		isNew := b.Get(key) == nil
		set(first, isNew)
		if !isNew {
			return nil
		}
		if err := b.Put(key, raw); err != nil {
			return fmt.Errorf("store: mark seen %s: %w", activityID, err)
		}
		return nil
	}}
}

// Seen reports whether the activity with the id was recorded by MarkSeen.
func (s *Store) Seen(ctx context.Context, activityID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: read seen %s: %w", activityID, err)
	}
	if err := checkKey("activity id", activityID); err != nil {
		return false, err
	}
	var seen bool
	err := s.db.View(func(tx *bolt.Tx) error {
		seen = tx.Bucket(bucketSeen).Get([]byte(activityID)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: read seen %s: %w", activityID, err)
	}
	return seen, nil
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
