package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// bucketRequests holds the follow requests waiting for the writer's
// approval, when the actor approves followers by hand; keyed by actor id.
var bucketRequests = []byte("follow_requests")

// AddFollowRequest records a follow waiting for approval, replacing an
// earlier request of the same actor. It fails with ErrBlocked for a
// blocked actor.
func (s *Store) AddFollowRequest(ctx context.Context, f Follower) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: add follow request %s: %w", f.ActorID, err)
	}
	if err := checkKey("follower actor id", f.ActorID); err != nil {
		return err
	}
	if f.Inbox == "" {
		return fmt.Errorf("%w: follower %s has no inbox", ErrInvalidID, f.ActorID)
	}
	raw, err := json.Marshal(&f)
	if err != nil {
		return fmt.Errorf("store: add follow request %s: %w", f.ActorID, err)
	}
	err = s.batch(func(tx *bolt.Tx) error {
		if blockedIn(tx, f.ActorID) {
			return fmt.Errorf("%w: %s", ErrBlocked, f.ActorID)
		}
		return tx.Bucket(bucketRequests).Put([]byte(f.ActorID), raw)
	})
	if err != nil {
		return fmt.Errorf("store: add follow request %s: %w", f.ActorID, err)
	}
	return nil
}

// ErrNoFollowRequest is returned for an actor with no follow request.
var ErrNoFollowRequest = errors.New("no follow request from that actor")

// AnswerFollowRequest records the answer (AnswerApprove or AnswerReject)
// to the follow request of actorID, for serve to send when it starts. It
// fails with ErrNoFollowRequest when there is no request.
func (s *Store) AnswerFollowRequest(ctx context.Context, actorID, answer string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: answer follow request %s: %w", actorID, err)
	}
	if answer != AnswerApprove && answer != AnswerReject {
		return fmt.Errorf("store: answer follow request %s: answer %q, want %q or %q", actorID, answer, AnswerApprove, AnswerReject)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRequests)
		raw := b.Get([]byte(actorID))
		if raw == nil {
			return ErrNoFollowRequest
		}
		var f Follower
		if err := json.Unmarshal(raw, &f); err != nil {
			return err
		}
		f.Answer = answer
		raw, err := json.Marshal(&f)
		if err != nil {
			return err
		}
		return b.Put([]byte(actorID), raw)
	})
	if err != nil {
		return fmt.Errorf("store: answer follow request %s: %w", actorID, err)
	}
	return nil
}

// FollowRequests returns the follow requests waiting for approval, oldest
// first.
func (s *Store) FollowRequests(ctx context.Context) ([]Follower, error) {
	out, err := readAll[Follower](ctx, s, bucketRequests, "follow requests", "request")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Follower) int { return a.Since.Compare(b.Since) })
	return out, nil
}

// TakeFollowRequest removes the follow request of actorID and returns it;
// false when there is none.
func (s *Store) TakeFollowRequest(ctx context.Context, actorID string) (Follower, bool, error) {
	var f Follower
	if err := ctx.Err(); err != nil {
		return f, false, fmt.Errorf("store: take follow request %s: %w", actorID, err)
	}
	found := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRequests)
		raw := b.Get([]byte(actorID))
		if raw == nil {
			return nil
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return err
		}
		found = true
		return b.Delete([]byte(actorID))
	})
	if err != nil {
		return f, false, fmt.Errorf("store: take follow request %s: %w", actorID, err)
	}
	return f, found, nil
}
