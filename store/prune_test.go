package store

import (
	"testing"
	"time"
)

func TestPruneRemote(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for i, fetched := range []time.Time{now.Add(-30 * 24 * time.Hour), now.Add(-time.Hour)} {
		id := []string{"https://old.example/users/a", "https://new.example/users/b"}[i]
		if err := s.PutRemoteKey(ctx, RemoteKey{ID: id + "#main-key", Owner: id, Type: KeyTypeRSA, PEM: "x", Fetched: fetched}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRemoteActor(ctx, RemoteActor{ID: id, Inbox: id + "/inbox", Fetched: fetched}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneRemote(ctx, now.Add(-7*24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneRemote = %d, %v; want the old key and actor", n, err)
	}
	for _, c := range []struct {
		id   string
		want bool
	}{{"https://old.example/users/a", false}, {"https://new.example/users/b", true}} {
		_, keyOK, err1 := s.RemoteKey(ctx, c.id+"#main-key")
		_, actorOK, err2 := s.RemoteActor(ctx, c.id)
		if err1 != nil || err2 != nil || keyOK != c.want || actorOK != c.want {
			t.Errorf("%s: key kept %v, actor kept %v (%v, %v); want %v", c.id, keyOK, actorOK, err1, err2, c.want)
		}
	}
}
