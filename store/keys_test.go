package store

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestActorKeyGeneratedOnceAndKept(t *testing.T) {
	ctx := t.Context()
	s, dir := openTemp(t)
	k1, err := s.ActorKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bits := k1.Private.N.BitLen(); bits != ActorKeyBits {
		t.Errorf("key has %d bits, want %d", bits, ActorKeyBits)
	}
	if k1.Created.IsZero() {
		t.Error("key has no creation time")
	}
	k2, err := s.ActorKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Private.Equal(k2.Private) {
		t.Error("second call returned a different key")
	}
	s.Close()
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k3, err := s.ActorKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Private.Equal(k3.Private) || !k3.Created.Equal(k1.Created) {
		t.Error("key changed across a reopen")
	}

	pemText, err := k3.PublicKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(pemText))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("public key PEM %q", pemText)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Private.PublicKey.Equal(pub) {
		t.Error("public key PEM does not match the private key")
	}
}

func TestActorKeyConcurrentFirstCalls(t *testing.T) {
	s, _ := openTemp(t)
	keys := make([]*ActorKey, 3)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := s.ActorKey(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i := 1; i < len(keys); i++ {
		if keys[i] == nil || keys[0] == nil || !keys[i].Private.Equal(keys[0].Private) {
			t.Fatal("concurrent first calls returned different keys")
		}
	}
}

func TestActorKeyUnreadableIsNotReplaced(t *testing.T) {
	tests := []struct {
		name   string
		record string
	}{
		{"not json", "garbage"},
		{"bad pem", `{"private_key_pem":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`},
		{"no pem", `{"private_key_pem":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			err := s.db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketKeys).Put(keyActor, []byte(tt.record))
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ActorKey(t.Context()); err == nil || !strings.Contains(err.Error(), "not replaced") {
				t.Fatalf("ActorKey with a broken record: err = %v, want an error saying it is kept", err)
			}
			var after string
			s.db.View(func(tx *bolt.Tx) error {
				after = string(tx.Bucket(bucketKeys).Get(keyActor))
				return nil
			})
			if after != tt.record {
				t.Errorf("record changed to %q", after)
			}
		})
	}
}

func TestImportActorKey(t *testing.T) {
	ctx := t.Context()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)}))
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

	s, _ := openTemp(t)
	if err := s.ImportActorKey(ctx, pkcs1, created); err != nil {
		t.Fatal(err)
	}
	k, err := s.ActorKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Private.Equal(priv) || !k.Created.Equal(created) {
		t.Error("ActorKey does not return the imported key")
	}
	if err := s.ImportActorKey(ctx, pkcs1, created); !errors.Is(err, ErrKeyExists) {
		t.Errorf("second import: err = %v, want ErrKeyExists", err)
	}

	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(small)
	s2, _ := openTemp(t)
	if err := s2.ImportActorKey(ctx, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), created); err == nil {
		t.Error("a 1024-bit key was imported")
	}
	if err := s2.ImportActorKey(ctx, "not a key", created); err == nil {
		t.Error("text without a key was imported")
	}
}

func TestMigrateFromVersion1(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the file as schema version 1 left it: only the meta bucket.
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketKeys, bucketObjects} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.setVersion(1); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.Version(); v != SchemaVersion {
		t.Fatalf("version after migration = %d, want %d", v, SchemaVersion)
	}
	if _, err := s.ActorKey(context.Background()); err != nil {
		t.Errorf("ActorKey after migration: %v", err)
	}
	if err := s.PutObjects(t.Context(), []Object{{ID: "a"}}); err != nil {
		t.Errorf("PutObjects after migration: %v", err)
	}
}
