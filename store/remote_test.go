package store

import (
	"errors"
	"testing"
	"time"
)

func TestRemoteKeys(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	rsaKey := RemoteKey{ID: "https://a.example/users/a#main-key", Owner: "https://a.example/users/a", Type: KeyTypeRSA,
		PEM: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n", Fetched: t0}
	rotated := rsaKey
	rotated.PEM, rotated.Fetched = "-----BEGIN PUBLIC KEY-----\nMIIC\n-----END PUBLIC KEY-----\n", t0.Add(time.Hour)
	edKey := RemoteKey{ID: "https://b.example/users/b#ed25519-key", Owner: "https://b.example/users/b", Type: KeyTypeEd25519,
		PEM: "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", Fetched: t0.In(time.FixedZone("CET", 3600))}
	edStored := edKey
	edStored.Fetched = t0
	tests := []struct {
		name    string
		put     []RemoteKey
		get     string
		want    RemoteKey
		wantOK  bool
		wantErr error
	}{
		{name: "RSA key", put: []RemoteKey{rsaKey}, get: rsaKey.ID, want: rsaKey, wantOK: true},
		{name: "ed25519 key, time kept in UTC", put: []RemoteKey{edKey}, get: edKey.ID, want: edStored, wantOK: true},
		{name: "replaced by a fetch of a rotated key", put: []RemoteKey{rsaKey, rotated}, get: rsaKey.ID, want: rotated, wantOK: true},
		{name: "unknown key", put: []RemoteKey{rsaKey}, get: edKey.ID},
		{name: "empty id", get: "", wantErr: ErrInvalidID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			for _, k := range tt.put {
				if err := s.PutRemoteKey(t.Context(), k); err != nil {
					t.Fatal(err)
				}
			}
			got, ok, err := s.RemoteKey(t.Context(), tt.get)
			if !errors.Is(err, tt.wantErr) || ok != tt.wantOK || got != tt.want {
				t.Errorf("RemoteKey = %+v, %v, %v; want %+v, %v, %v", got, ok, err, tt.want, tt.wantOK, tt.wantErr)
			}
		})
	}
	s, _ := openTemp(t)
	if err := s.PutRemoteKey(t.Context(), RemoteKey{Owner: "https://a.example/users/a"}); !errors.Is(err, ErrInvalidID) {
		t.Errorf("PutRemoteKey without an id: %v, want ErrInvalidID", err)
	}
}

func TestRemoteActors(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ann := RemoteActor{ID: "https://a.example/users/ann", Inbox: "https://a.example/users/ann/inbox",
		SharedInbox: "https://a.example/inbox", PreferredUsername: "ann", Fetched: t0}
	moved := RemoteActor{ID: ann.ID, Inbox: "https://a.example/u/ann/inbox", Fetched: t0.Add(time.Hour)}
	tests := []struct {
		name    string
		put     []RemoteActor
		get     string
		want    RemoteActor
		wantOK  bool
		wantErr error
	}{
		{name: "actor", put: []RemoteActor{ann}, get: ann.ID, want: ann, wantOK: true},
		{name: "replaced when fetched again", put: []RemoteActor{ann, moved}, get: ann.ID, want: moved, wantOK: true},
		{name: "unknown actor", put: []RemoteActor{ann}, get: "https://a.example/users/bob"},
		{name: "empty id", get: "", wantErr: ErrInvalidID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			for _, a := range tt.put {
				if err := s.PutRemoteActor(t.Context(), a); err != nil {
					t.Fatal(err)
				}
			}
			got, ok, err := s.RemoteActor(t.Context(), tt.get)
			if !errors.Is(err, tt.wantErr) || ok != tt.wantOK || got != tt.want {
				t.Errorf("RemoteActor = %+v, %v, %v; want %+v, %v, %v", got, ok, err, tt.want, tt.wantOK, tt.wantErr)
			}
		})
	}
	s, _ := openTemp(t)
	if err := s.PutRemoteActor(t.Context(), RemoteActor{Inbox: "https://a.example/inbox"}); !errors.Is(err, ErrInvalidID) {
		t.Errorf("PutRemoteActor without an id: %v, want ErrInvalidID", err)
	}
}

func TestPutRemoteKeyWithActor(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	key := RemoteKey{ID: "https://a.example/users/ann#main-key", Owner: "https://a.example/users/ann", Type: KeyTypeRSA,
		PEM: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n", Fetched: t0}
	ann := RemoteActor{ID: key.Owner, Inbox: key.Owner + "/inbox", SharedInbox: "https://a.example/inbox", Fetched: t0}
	s, _ := openTemp(t)
	if err := s.PutRemoteKeyWithActor(t.Context(), key, &ann); err != nil {
		t.Fatal(err)
	}
	wantKey, wantActor := key, ann
	wantKey.Fetched, wantActor.Fetched = t0.UTC(), t0.UTC()
	if got, ok, err := s.RemoteKey(t.Context(), key.ID); err != nil || !ok || got != wantKey {
		t.Errorf("RemoteKey = %+v, %v, %v; want %+v", got, ok, err, wantKey)
	}
	if got, ok, err := s.RemoteActor(t.Context(), ann.ID); err != nil || !ok || got != wantActor {
		t.Errorf("RemoteActor = %+v, %v, %v; want %+v", got, ok, err, wantActor)
	}

	// Without an actor, the key alone; with an invalid actor, neither.
	bob := RemoteKey{ID: "https://b.example/users/bob#main-key", Owner: "https://b.example/users/bob", Type: KeyTypeRSA, PEM: "x", Fetched: t0}
	if err := s.PutRemoteKeyWithActor(t.Context(), bob, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.RemoteKey(t.Context(), bob.ID); err != nil || !ok {
		t.Errorf("RemoteKey(%s) = %v, %v after a put without an actor", bob.ID, ok, err)
	}
	cat := RemoteKey{ID: "https://c.example/users/cat#main-key", Owner: "https://c.example/users/cat", PEM: "x", Fetched: t0}
	if err := s.PutRemoteKeyWithActor(t.Context(), cat, &RemoteActor{Inbox: "https://c.example/inbox"}); !errors.Is(err, ErrInvalidID) {
		t.Errorf("PutRemoteKeyWithActor with an actor without an id: %v, want ErrInvalidID", err)
	}
	if _, ok, _ := s.RemoteKey(t.Context(), cat.ID); ok {
		t.Errorf("the key %s was stored with an invalid actor", cat.ID)
	}
}
