package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Interaction types.
const (
	InteractionLike     = "like"
	InteractionAnnounce = "announce"
	InteractionReply    = "reply"
)

// ErrNotOwner is returned by PutInteraction when an interaction with the id
// exists and belongs to another actor.
var ErrNotOwner = errors.New("store: the interaction belongs to another actor")

// Interaction is a remote actor's like, announce (boost) or reply of one of
// the blog's posts.
type Interaction struct {
	// ID is the remote activity's or object's id: the Like's, the
	// Announce's, or the reply Note's.
	ID string `json:"id"`
	// Type is InteractionLike, InteractionAnnounce or InteractionReply.
	Type  string `json:"type"`
	Actor string `json:"actor"`
	// Object is the id (full URL) of the blog's post interacted with.
	Object string `json:"object"`
	// URL is where a reply can be read, when it says.
	URL string `json:"url,omitempty"`
	// Content is a reply's text, as sanitised HTML.
	Content   string    `json:"content,omitempty"`
	Published time.Time `json:"published"`
	Updated   time.Time `json:"updated,omitzero"`
}

// The interactions bucket keeps each interaction under "i:" and its id, and
// indexes them by post under "o:", the post's object id (prefixed with its
// length, so no object id is a prefix of another's entries) and the
// interaction's id, with the interaction's type as value.
var (
	interactionPrefix = []byte("i:")
	objectIndexPrefix = []byte("o:")
)

// interactionKey returns the key of the interaction with the id.
func interactionKey(id string) []byte {
	return append(bytes.Clone(interactionPrefix), id...)
}

// objectIndexPrefixOf returns the prefix of the index entries of object's
// interactions.
func objectIndexPrefixOf(object string) []byte {
	k := binary.BigEndian.AppendUint32(bytes.Clone(objectIndexPrefix), uint32(len(object)))
	return append(k, object...)
}

// objectIndexKey returns the index entry of the interaction id of object.
func objectIndexKey(object, id string) []byte {
	return append(objectIndexPrefixOf(object), id...)
}

// PutInteraction stores in, durably, replacing the interaction with its id
// (as when a reply is edited), which must be the same actor's: otherwise
// it fails with an error wrapping ErrNotOwner and stores nothing.
func (s *Store) PutInteraction(ctx context.Context, in Interaction) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: save interaction %s: %w", in.ID, err)
	}
	if err := checkKey("interaction id", in.ID); err != nil {
		return err
	}
	if in.Actor == "" {
		return fmt.Errorf("%w: interaction %s has no actor", ErrInvalidID, in.ID)
	}
	if in.Object == "" {
		return fmt.Errorf("%w: interaction %s has no object", ErrInvalidID, in.ID)
	}
	if err := checkKey("interaction object and id", string(objectIndexKey(in.Object, in.ID))); err != nil {
		return err
	}
	switch in.Type {
	case InteractionLike, InteractionAnnounce, InteractionReply:
	default:
		return fmt.Errorf("store: save interaction %s: unknown type %q", in.ID, in.Type)
	}
	in.Published = in.Published.UTC()
	in.Updated = in.Updated.UTC()
	raw, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("store: save interaction %s: %w", in.ID, err)
	}
	var otherActor string
	err = s.batch(func(tx *bolt.Tx) error {
		otherActor = ""
		b := tx.Bucket(bucketInteractions)
		key := interactionKey(in.ID)
		if old := b.Get(key); old != nil {
			var prev Interaction
			// An unreadable record is replaced; its index entry, if any,
			// is skipped by readers as it names another object.
			if json.Unmarshal(old, &prev) == nil {
				if prev.Actor != in.Actor {
					otherActor = prev.Actor
					return nil
				}
				if err := b.Delete(objectIndexKey(prev.Object, prev.ID)); err != nil {
					return err
				}
			}
		}
		if err := b.Put(key, raw); err != nil {
			return err
		}
		return b.Put(objectIndexKey(in.Object, in.ID), []byte(in.Type))
	})
	if err != nil {
		return fmt.Errorf("store: save interaction %s: %w", in.ID, err)
	}
	if otherActor != "" {
		return fmt.Errorf("%w: %s is %s's, not %s's", ErrNotOwner, in.ID, otherActor, in.Actor)
	}
	return nil
}

// DeleteInteraction removes the interaction with the id when actor is its
// actor, durably, and reports whether it removed one. An interaction of
// another actor is left alone.
func (s *Store) DeleteInteraction(ctx context.Context, id, actor string) (deleted bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: delete interaction %s: %w", id, err)
	}
	if err := checkKey("interaction id", id); err != nil {
		return false, err
	}
	if actor == "" {
		return false, fmt.Errorf("%w: no actor to delete interaction %s of", ErrInvalidID, id)
	}
	err = s.batch(func(tx *bolt.Tx) error {
		deleted = false
		b := tx.Bucket(bucketInteractions)
		key := interactionKey(id)
		old := b.Get(key)
		if old == nil {
			return nil
		}
		var prev Interaction
		if err := json.Unmarshal(old, &prev); err != nil {
			return fmt.Errorf("record %q: %w", key, err)
		}
		if prev.Actor != actor {
			return nil
		}
		deleted = true
		if err := b.Delete(key); err != nil {
			return err
		}
		return b.Delete(objectIndexKey(prev.Object, prev.ID))
	})
	if err != nil {
		return false, fmt.Errorf("store: delete interaction %s: %w", id, err)
	}
	return deleted, nil
}

// DeleteInteractionsByActor removes every interaction of actor, as when
// the actor is deleted, and returns how many it removed.
func (s *Store) DeleteInteractionsByActor(ctx context.Context, actor string) (n int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: delete interactions of %s: %w", actor, err)
	}
	if actor == "" {
		return 0, fmt.Errorf("%w: no actor to delete the interactions of", ErrInvalidID)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		return removeInteractionsIf(tx, &n, func(in *Interaction) bool { return in.Actor == actor })
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete interactions of %s: %w", actor, err)
	}
	return n, nil
}

// removeInteractionsIf removes, in tx, the interactions for which match
// reports true, with their index entries, adding their number to *n.
func removeInteractionsIf(tx *bolt.Tx, n *int, match func(*Interaction) bool) error {
	b := tx.Bucket(bucketInteractions)
	var gone [][]byte
	c := b.Cursor()
	for k, v := c.Seek(interactionPrefix); k != nil && bytes.HasPrefix(k, interactionPrefix); k, v = c.Next() {
		var in Interaction
		if err := json.Unmarshal(v, &in); err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		if match(&in) {
			gone = append(gone, bytes.Clone(k), objectIndexKey(in.Object, in.ID))
			*n++
		}
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Interactions returns the interactions with the blog's post whose object
// id is object, oldest first (by Published, then id).
func (s *Store) Interactions(ctx context.Context, object string) ([]Interaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: read interactions of %s: %w", object, err)
	}
	if object == "" {
		return nil, fmt.Errorf("%w: no object to read the interactions of", ErrInvalidID)
	}
	prefix := objectIndexPrefixOf(object)
	var out []Interaction
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInteractions)
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			key := interactionKey(string(k[len(prefix):]))
			raw := b.Get(key)
			if raw == nil {
				continue
			}
			var in Interaction
			if err := json.Unmarshal(raw, &in); err != nil {
				return fmt.Errorf("record %q: %w", key, err)
			}
			if in.Object == object {
				out = append(out, in)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read interactions of %s: %w", object, err)
	}
	slices.SortFunc(out, func(a, b Interaction) int {
		return cmp.Or(a.Published.Compare(b.Published), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// InteractionCounts returns how many likes, announces and replies the
// blog's post whose object id is object has.
func (s *Store) InteractionCounts(ctx context.Context, object string) (likes, announces, replies int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, 0, fmt.Errorf("store: count interactions of %s: %w", object, err)
	}
	if object == "" {
		return 0, 0, 0, fmt.Errorf("%w: no object to count the interactions of", ErrInvalidID)
	}
	prefix := objectIndexPrefixOf(object)
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketInteractions).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			switch string(v) {
			case InteractionLike:
				likes++
			case InteractionAnnounce:
				announces++
			case InteractionReply:
				replies++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("store: count interactions of %s: %w", object, err)
	}
	return likes, announces, replies, nil
}
