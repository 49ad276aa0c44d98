package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucketObjects = []byte("objects")

// Object is the ledger record of one post the blog federates: which object
// id the post was given, what it looked like when last recorded, and whether
// it is gone. Records are never removed: a deleted post keeps its record so
// its id answers with a Tombstone and is never given to another post.
type Object struct {
	// ID is the object's opaque id, the last segment of its URL
	// (/ap/posts/{ID}). It never changes once given.
	ID string `json:"id"`
	// File and Lang are the post's source file, relative to the site root,
	// and its language: how a post is recognised from one snapshot to the
	// next.
	File string `json:"file"`
	Lang string `json:"lang"`
	// Type is the ActivityStreams type the post is served as ("Article",
	// "Note").
	Type string `json:"type"`
	// Permalink is the post's URL when last recorded; FirstPermalink its
	// URL when it was first recorded. A post whose file moved is recognised
	// by its permalink.
	Permalink      string `json:"permalink"`
	FirstPermalink string `json:"first_permalink"`
	// ContentHash is the digest of the post as last recorded; it changes
	// exactly when what a reader sees changes.
	ContentHash string `json:"content_hash"`
	// Published is when the post was first recorded as federated; Updated
	// when its content last changed after that (zero when it never did).
	Published time.Time `json:"published"`
	Updated   time.Time `json:"updated,omitzero"`
	// DeletedAt is when the post stopped being federated (removed, made a
	// draft, expired or opted out); zero while it is live.
	DeletedAt time.Time `json:"deleted_at,omitzero"`

	// What was last sent to followers about the post: the activity type
	// (Create, Update, Delete; Archived for a post that was already
	// published when federation started, recorded without being sent),
	// the content hash it carried, and when it was queued for delivery.
	Sent     string    `json:"sent,omitempty"`
	SentHash string    `json:"sent_hash,omitempty"`
	SentAt   time.Time `json:"sent_at,omitzero"`
}

// What Object.Sent records.
const (
	SentArchived = "Archived"
	SentCreate   = "Create"
	SentUpdate   = "Update"
	SentDelete   = "Delete"
)

// keyPublishing records when the blog started publishing to followers.
var keyPublishing = []byte("publishing_since")

// PublishingSince returns when the blog started sending its posts to
// followers, and false before the first start that did.
func (s *Store) PublishingSince(ctx context.Context) (time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, false, fmt.Errorf("store: publishing start: %w", err)
	}
	var t time.Time
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keyPublishing)
		if raw == nil {
			return nil
		}
		ok = true
		return t.UnmarshalText(raw)
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: publishing start: %w", err)
	}
	return t, ok, nil
}

// StartPublishing records the ledger's records in objs and that publishing
// started at, in one transaction.
func (s *Store) StartPublishing(ctx context.Context, at time.Time, objs []Object) error {
	if err := s.PutObjects(ctx, objs); err != nil {
		return err
	}
	raw, _ := at.UTC().MarshalText()
	err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyPublishing, raw) })
	if err != nil {
		return fmt.Errorf("store: publishing start: %w", err)
	}
	return nil
}

// Deleted reports whether the post is gone.
func (o *Object) Deleted() bool { return !o.DeletedAt.IsZero() }

// Objects returns every ledger record, deleted ones included, ordered by
// id.
func (s *Store) Objects(ctx context.Context) ([]Object, error) {
	return readAll[Object](ctx, s, bucketObjects, "objects", "record")
}

// PutObjects writes the records in one durable transaction, replacing
// records with the same ids.
func (s *Store) PutObjects(ctx context.Context, objs []Object) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: write objects: %w", err)
	}
	if len(objs) == 0 {
		return nil
	}
	vals := make([][]byte, len(objs))
	for i := range objs {
		if objs[i].ID == "" {
			return errors.New("store: write objects: a record has no id")
		}
		v, err := json.Marshal(&objs[i])
		if err != nil {
			return fmt.Errorf("store: write object %s: %w", objs[i].ID, err)
		}
		vals[i] = v
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketObjects)
		for i := range objs {
			if err := b.Put([]byte(objs[i].ID), vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: write objects: %w", err)
	}
	return nil
}

// ErrNotArchived is returned by MarkForAnnounce for an address that is not
// an archived post.
var ErrNotArchived = errors.New("not an archived post")

// MarkForAnnounce finds the live post at permalink (its URL, or the URL's
// path), which must be archived (recorded when federation started and never
// sent), and clears what the ledger says was sent, so that the next
// publishing sends the post to followers as new. It returns the record as
// it was.
func (s *Store) MarkForAnnounce(ctx context.Context, permalink string) (Object, error) {
	if err := ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("store: announce %s: %w", permalink, err)
	}
	u, err := url.Parse(permalink)
	if err != nil {
		return Object{}, fmt.Errorf("store: announce: %w: %q is not a URL", ErrNotArchived, permalink)
	}
	path := u.Path
	var found Object
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketObjects)
		var key []byte
		err := b.ForEach(func(k, v []byte) error {
			var o Object
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("record %q: %w", k, err)
			}
			if u, err := url.Parse(o.Permalink); err == nil && u.Path == path && !o.Deleted() {
				found, key = o, k
			}
			return nil
		})
		switch {
		case err != nil:
			return err
		case key == nil:
			return fmt.Errorf("%w: no federated post has the address %s", ErrNotArchived, path)
		case found.Sent == "":
			return fmt.Errorf("%w: %s is waiting to be sent already", ErrNotArchived, found.Permalink)
		case found.Sent != SentArchived:
			return fmt.Errorf("%w: %s was sent to followers already (%s, %s)", ErrNotArchived, found.Permalink,
				found.Sent, found.SentAt.Format(time.RFC3339))
		}
		o := found
		o.Sent = ""
		v, err := json.Marshal(&o)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
	if err != nil {
		return Object{}, fmt.Errorf("store: announce %s: %w", path, err)
	}
	return found, nil
}
