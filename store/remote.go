package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Key types of RemoteKey.Type.
const (
	KeyTypeRSA     = "rsa"
	KeyTypeEd25519 = "ed25519"
)

// RemoteKey is a remote actor's public key, as fetched, cached so that
// verifying a signature need not fetch it again.
type RemoteKey struct {
	// ID is the key id signatures name, such as
	// https://host/users/a#main-key.
	ID string `json:"id"`
	// Owner is the id of the actor the key belongs to.
	Owner string `json:"owner"`
	// Type is KeyTypeRSA or KeyTypeEd25519.
	Type string `json:"type"`
	// PEM is the key as published: a PKIX "PUBLIC KEY" PEM block for RSA,
	// the multibase text for ed25519.
	PEM string `json:"pem"`
	// Fetched is when the key was fetched.
	Fetched time.Time `json:"fetched"`
}

// PutRemoteKey stores k, durably, replacing any key with its id.
func (s *Store) PutRemoteKey(ctx context.Context, k RemoteKey) error {
	return s.PutRemoteKeyWithActor(ctx, k, nil)
}

// PutRemoteKeyWithActor stores k and the actor a whose document it came in,
// durably, in one write, replacing any key and actor with their ids; a may
// be nil.
func (s *Store) PutRemoteKeyWithActor(ctx context.Context, k RemoteKey, a *RemoteActor) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: save remote key %s: %w", k.ID, err)
	}
	if err := checkKey("remote key id", k.ID); err != nil {
		return err
	}
	k.Fetched = k.Fetched.UTC()
	rawKey, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("store: save remote key %s: %w", k.ID, err)
	}
	var rawActor []byte
	if a != nil {
		if err := checkKey("remote actor id", a.ID); err != nil {
			return err
		}
		rec := *a
		rec.Fetched = rec.Fetched.UTC()
		if rawActor, err = json.Marshal(rec); err != nil {
			return fmt.Errorf("store: save remote actor %s: %w", a.ID, err)
		}
	}
	err = s.batch(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketRemoteKeys).Put([]byte(k.ID), rawKey); err != nil || a == nil {
			return err
		}
		return tx.Bucket(bucketActors).Put([]byte(a.ID), rawActor)
	})
	if err != nil {
		return fmt.Errorf("store: save remote key %s: %w", k.ID, err)
	}
	return nil
}

// RemoteKey returns the cached key with the id, and whether there is one.
func (s *Store) RemoteKey(ctx context.Context, id string) (RemoteKey, bool, error) {
	if err := checkKey("remote key id", id); err != nil {
		return RemoteKey{}, false, err
	}
	var k RemoteKey
	ok, err := s.getJSON(ctx, bucketRemoteKeys, id, &k)
	if err != nil {
		return RemoteKey{}, false, fmt.Errorf("store: read remote key %s: %w", id, err)
	}
	return k, ok, nil
}

// RemoteActor is what the blog keeps of a remote actor it has fetched:
// where to deliver to it and what to call it.
type RemoteActor struct {
	ID                string `json:"id"`
	Inbox             string `json:"inbox"`
	SharedInbox       string `json:"shared_inbox,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	// Fetched is when the actor was fetched.
	Fetched time.Time `json:"fetched"`
}

// PutRemoteActor stores a, durably, replacing any actor with its id.
func (s *Store) PutRemoteActor(ctx context.Context, a RemoteActor) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: save remote actor %s: %w", a.ID, err)
	}
	if err := checkKey("remote actor id", a.ID); err != nil {
		return err
	}
	a.Fetched = a.Fetched.UTC()
	if err := s.putJSON(bucketActors, a.ID, a); err != nil {
		return fmt.Errorf("store: save remote actor %s: %w", a.ID, err)
	}
	return nil
}

// RemoteActor returns the cached actor with the id, and whether there is
// one.
func (s *Store) RemoteActor(ctx context.Context, id string) (RemoteActor, bool, error) {
	if err := checkKey("remote actor id", id); err != nil {
		return RemoteActor{}, false, err
	}
	var a RemoteActor
	ok, err := s.getJSON(ctx, bucketActors, id, &a)
	if err != nil {
		return RemoteActor{}, false, fmt.Errorf("store: read remote actor %s: %w", id, err)
	}
	return a, ok, nil
}
