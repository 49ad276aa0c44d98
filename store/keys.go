package store

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketKeys = []byte("keys")
	keyActor   = []byte("actor")
)

// ActorKeyBits is the size of the RSA key generated for the actor, the size
// Mastodon uses.
const ActorKeyBits = 2048

// ErrKeyExists is returned by ImportActorKey when the actor already has a
// key.
var ErrKeyExists = errors.New("store: the actor already has a key")

// ActorKey is the key pair the blog's actor signs requests with. Its public
// half is published in the actor document.
type ActorKey struct {
	Private *rsa.PrivateKey
	// Created is when the key was generated or imported.
	Created time.Time
}

// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" block (PKIX),
// the form ActivityPub actors publish as publicKeyPem.
func (k *ActorKey) PublicKeyPEM() (string, error) {
	der, err := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	if err != nil {
		return "", fmt.Errorf("store: encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// storedKey is how a key pair is kept: the private key as PKCS #8 PEM.
type storedKey struct {
	PrivateKeyPEM string    `json:"private_key_pem"`
	Created       time.Time `json:"created"`
}

// ActorKey returns the actor's key pair. The first call on a new database
// generates an RSA key of ActorKeyBits and stores it; every later call, in
// this process or after a restart, returns that key. A stored key that
// cannot be read is an error: the key is never silently replaced, since
// followers' servers know the actor by it.
func (s *Store) ActorKey(ctx context.Context) (*ActorKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: actor key: %w", err)
	}
	key, err := s.readActorKey()
	if err != nil || key != nil {
		return key, err
	}
	priv, err := rsa.GenerateKey(rand.Reader, ActorKeyBits)
	if err != nil {
		return nil, fmt.Errorf("store: generate actor key: %w", err)
	}
	err = s.putActorKey(&ActorKey{Private: priv, Created: time.Now().UTC()})
	if errors.Is(err, ErrKeyExists) {
		// Another caller stored its key first; that one is the key.
		return s.readActorKey()
	}
	if err != nil {
		return nil, err
	}
	return s.readActorKey()
}

// ImportActorKey makes the RSA private key in pemText (PKCS #8 or PKCS #1
// PEM, at least 2048 bits) the actor's key, as when an actor moves to this
// installation. It fails with ErrKeyExists when the actor has a key.
func (s *Store) ImportActorKey(ctx context.Context, pemText string, created time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: import actor key: %w", err)
	}
	priv, err := parsePrivateKey([]byte(pemText))
	if err != nil {
		return fmt.Errorf("store: import actor key: %w", err)
	}
	if priv.N.BitLen() < ActorKeyBits {
		return fmt.Errorf("store: import actor key: %d bits, want at least %d", priv.N.BitLen(), ActorKeyBits)
	}
	return s.putActorKey(&ActorKey{Private: priv, Created: created.UTC()})
}

// readActorKey returns the stored key, or nil when there is none.
func (s *Store) readActorKey() (*ActorKey, error) {
	var raw []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketKeys); b != nil {
			raw = append(raw, b.Get(keyActor)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read actor key: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	var sk storedKey
	if err := json.Unmarshal(raw, &sk); err != nil {
		return nil, fmt.Errorf("store: actor key record is unreadable (it is kept, not replaced): %w", err)
	}
	priv, err := parsePrivateKey([]byte(sk.PrivateKeyPEM))
	if err != nil {
		return nil, fmt.Errorf("store: actor key is unreadable (it is kept, not replaced): %w", err)
	}
	return &ActorKey{Private: priv, Created: sk.Created}, nil
}

// putActorKey stores k unless a key exists.
func (s *Store) putActorKey(k *ActorKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return fmt.Errorf("store: encode actor key: %w", err)
	}
	raw, err := json.Marshal(storedKey{
		PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		Created:       k.Created,
	})
	if err != nil {
		return fmt.Errorf("store: encode actor key: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		if b.Get(keyActor) != nil {
			return ErrKeyExists
		}
		return b.Put(keyActor, raw)
	})
	if err != nil && !errors.Is(err, ErrKeyExists) {
		return fmt.Errorf("store: save actor key: %w", err)
	}
	return err
}

// parsePrivateKey reads an RSA private key from PKCS #8 or PKCS #1 PEM.
func parsePrivateKey(text []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(text)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is a %T, not RSA", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	}
	return nil, fmt.Errorf("PEM block of type %q, want PRIVATE KEY", block.Type)
}

// migrateKeysAndObjects creates the buckets of schema version 2: the
// actor's keys and the ledger of federated posts.
func migrateKeysAndObjects(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketKeys, bucketObjects} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}
