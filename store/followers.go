package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketFollowers holds one record per follower, keyed by the follower's
// actor id.
var bucketFollowers = []byte("followers")

// ErrInvalidID is returned when an id is empty or too long to be a key, or
// when a record lacks a field it cannot be used without, such as a
// follower's inbox.
var ErrInvalidID = errors.New("store: invalid id")

// ErrBlocked is returned by AddFollower when the actor or its domain is
// blocked.
var ErrBlocked = errors.New("store: blocked")

// Follower is a remote actor who follows the blog's actor: where to
// deliver to them, and the Follow activity that made them a follower.
type Follower struct {
	ActorID string `json:"actor_id"`
	// Inbox is the follower's own inbox; SharedInbox, when the follower's
	// server has one, is where activities for all its users go at once.
	Inbox       string `json:"inbox"`
	SharedInbox string `json:"shared_inbox,omitempty"`
	// FollowID is the id of the Follow activity, which an Undo names.
	FollowID string `json:"follow_id"`
	// Since is when the actor first followed.
	Since time.Time `json:"since"`
	// Answer, on a follow request answered while serve was stopped, is
	// AnswerApprove or AnswerReject: serve sends it when it starts.
	Answer string `json:"answer,omitempty"`
}

// Answers to a follow request, kept until serve sends them.
const (
	AnswerApprove = "approve"
	AnswerReject  = "reject"
)

// AddFollower records f as a follower, durably. Adding an actor that
// already follows updates its inboxes and FollowID and keeps its Since;
// added reports whether the actor was new. A zero Since means now. It fails
// with an error wrapping ErrBlocked when the actor or its domain is blocked
// (checked in the same transaction, so a follow cannot slip in beside a
// block being added) and with ErrInvalidID when f has no actor id or no
// inbox.
func (s *Store) AddFollower(ctx context.Context, f Follower) (added bool, err error) {
	err = s.Apply(ctx, AddFollowerChange(f, &added))
	return added, err
}

// AddFollowerChange is AddFollower as a Change, for Apply.
func AddFollowerChange(f Follower, added *bool) Change {
	if err := checkKey("follower actor id", f.ActorID); err != nil {
		return failed(err)
	}
	if f.Inbox == "" {
		return failed(fmt.Errorf("%w: follower %s has no inbox", ErrInvalidID, f.ActorID))
	}
	if f.Since.IsZero() {
		f.Since = time.Now()
	}
	f.Since = f.Since.UTC()
	key := []byte(f.ActorID)
	return Change{apply: func(tx *bolt.Tx) error {
		set(added, false)
		if blockedIn(tx, f.ActorID) {
			return fmt.Errorf("%w: %s may not follow", ErrBlocked, f.ActorID)
		}
		b := tx.Bucket(bucketFollowers)
		rec := f
		old := b.Get(key)
		if old != nil {
			var prev Follower
			// An unreadable old record is replaced by the new one.
			if json.Unmarshal(old, &prev) == nil && !prev.Since.IsZero() {
				rec.Since = prev.Since
			}
		}
		raw, err := json.Marshal(rec)
		if err == nil {
			err = b.Put(key, raw)
		}
		if err != nil {
			return fmt.Errorf("store: add follower %s: %w", f.ActorID, err)
		}
		set(added, old == nil)
		return nil
	}}
}

// RemoveFollower removes the follower with the actor id, durably; removed
// reports whether it was a follower.
func (s *Store) RemoveFollower(ctx context.Context, actorID string) (removed bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: remove follower %s: %w", actorID, err)
	}
	if err := checkKey("follower actor id", actorID); err != nil {
		return false, err
	}
	key := []byte(actorID)
	err = s.batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFollowers)
		removed = b.Get(key) != nil
		if !removed {
			return nil
		}
		return b.Delete(key)
	})
	if err != nil {
		return false, fmt.Errorf("store: remove follower %s: %w", actorID, err)
	}
	return removed, nil
}

// RemoveFollowersByInbox removes every follower whose inbox or shared inbox
// is inbox, as when delivery there answers 410 Gone, and returns how many
// it removed.
func (s *Store) RemoveFollowersByInbox(ctx context.Context, inbox string) (n int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: remove followers of inbox %s: %w", inbox, err)
	}
	if inbox == "" {
		return 0, fmt.Errorf("%w: no inbox to remove the followers of", ErrInvalidID)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return removeIf(tx, bucketFollowers, &n, func(_, v []byte) (bool, error) {
			var f Follower
			if err := json.Unmarshal(v, &f); err != nil {
				return false, err
			}
			return f.Inbox == inbox || f.SharedInbox == inbox, nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: remove followers of inbox %s: %w", inbox, err)
	}
	return n, nil
}

// RemoveFollowersOfDomain removes every follower whose actor id is on host
// or on a subdomain of it (host compared without regard to case), and
// returns how many it removed.
func (s *Store) RemoveFollowersOfDomain(ctx context.Context, host string) (n int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: remove followers of %s: %w", host, err)
	}
	domain := normalizeHost(host)
	if domain == "" {
		return 0, fmt.Errorf("%w: no domain to remove the followers of", ErrInvalidID)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return removeFollowersOfDomain(tx, domain, &n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: remove followers of %s: %w", host, err)
	}
	return n, nil
}

// removeFollowersOfDomain removes, in tx, the followers on the normalised
// domain or its subdomains, adding their number to *n.
func removeFollowersOfDomain(tx *bolt.Tx, domain string, n *int) error {
	return removeIf(tx, bucketFollowers, n, func(k, _ []byte) (bool, error) {
		return withinDomain(hostOf(string(k)), domain), nil
	})
}

// Follower returns the follower with the actor id, and whether there is
// one.
func (s *Store) Follower(ctx context.Context, actorID string) (Follower, bool, error) {
	if err := checkKey("follower actor id", actorID); err != nil {
		return Follower{}, false, err
	}
	var f Follower
	ok, err := s.getJSON(ctx, bucketFollowers, actorID, &f)
	if err != nil {
		return Follower{}, false, fmt.Errorf("store: read follower %s: %w", actorID, err)
	}
	return f, ok, nil
}

// Followers returns every follower, ordered by actor id.
func (s *Store) Followers(ctx context.Context) ([]Follower, error) {
	return readAll[Follower](ctx, s, bucketFollowers, "followers", "follower")
}

// FollowerInboxes returns where to deliver an activity to every follower:
// each follower's shared inbox when it has one, else its inbox, each
// target once, sorted.
func (s *Store) FollowerInboxes(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: read follower inboxes: %w", err)
	}
	seen := make(map[string]struct{})
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFollowers).ForEach(func(k, v []byte) error {
			var f struct {
				Inbox       string `json:"inbox"`
				SharedInbox string `json:"shared_inbox"`
			}
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("follower %q: %w", k, err)
			}
			target := f.SharedInbox
			if target == "" {
				target = f.Inbox
			}
			if target != "" {
				seen[target] = struct{}{}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: read follower inboxes: %w", err)
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

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

// checkKey returns an error wrapping ErrInvalidID when id, named what in
// the message, is empty or too long to be a key.
func checkKey(what, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalidID, what)
	}
	if len(id) > bolt.MaxKeySize {
		return fmt.Errorf("%w: %s of %d bytes is longer than the %d a key may be", ErrInvalidID, what, len(id), bolt.MaxKeySize)
	}
	return nil
}

// getJSON decodes the record with key id (already checked) in bucket into
// v and reports whether there was one.
func (s *Store) getJSON(ctx context.Context, bucket []byte, id string, v any) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var raw []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		raw = append(raw, tx.Bucket(bucket).Get([]byte(id))...)
		return nil
	})
	if err != nil || raw == nil {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, err
	}
	return true, nil
}

// putJSON stores v as JSON under key id in bucket, durably, batched with
// other writers.
func (s *Store) putJSON(bucket []byte, id string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	key := []byte(id)
	return s.batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put(key, raw)
	})
}
