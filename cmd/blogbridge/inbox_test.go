package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
	"github.com/blogbridge/blogbridge/store"
)

// TestConcurrentFollows sends 1,000 follows at once, from 1,000 actors on
// 100 servers, through serve: exactly 1,000 followers, each accepted, and
// still there after a restart.
func TestConcurrentFollows(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1,000 follows")
	}
	const servers, perServer = 100, 10
	sim, err := fedisim.Start(t.Context(), fedisim.Options{Servers: servers, ActorsPerServer: perServer, Keys: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ls := startServe(t, "", "")
	actors := sim.Actors()
	res, err := sim.Blast(t.Context(), fedisim.BlastOptions{
		Inbox: ls.url + "ap/shared-inbox", Count: len(actors), Concurrency: 200, Presign: true,
		Make: func(i int) (*fedisim.Actor, map[string]any) {
			return actors[i], sim.Follow(actors[i], ls.url+"ap/actor")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status[http.StatusAccepted] != len(actors) {
		t.Fatalf("responses %v, errors %d (%s); want %d × 202", res.Status, res.Errors, res.FirstError, len(actors))
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := sim.WaitFor(ctx, func(s fedisim.Stats) bool { return s.ByType["Accept"] >= len(actors) }); err != nil {
		t.Fatalf("accepts: %v (%+v)", err, sim.Stats())
	}
	if st := sim.Stats(); st.ByType["Accept"] != len(actors) || st.Duplicates != 0 || st.RejectedTotal != 0 {
		t.Fatalf("accepts: %+v", st)
	}
	if code := ls.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	// After the restart, on the store itself.
	code, out, errOut := runCmd(t, "followers", "list", "--json", "--data", ls.data)
	var fs []store.Follower
	if code != 0 || json.Unmarshal([]byte(out), &fs) != nil {
		t.Fatalf("followers list: exit %d %s", code, errOut)
	}
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.ActorID] = true
	}
	if len(fs) != len(actors) || len(seen) != len(actors) {
		t.Fatalf("%d followers (%d distinct), want %d", len(fs), len(seen), len(actors))
	}
}

// TestSecureModeThroughServe checks that serve in secure mode answers
// objects and collections only to requests signed by a key it can fetch,
// and the actor and WebFinger to anyone.
func TestSecureModeThroughServe(t *testing.T) {
	sim, err := fedisim.Start(t.Context(), fedisim.Options{Servers: 1, ActorsPerServer: 1, Keys: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ls := startServe(t, "", "", "--fediverse-secure-mode")
	host := strings.TrimSuffix(strings.TrimPrefix(ls.url, "http://"), "/")
	for _, path := range []string{"ap/actor", ".well-known/webfinger?resource=acct:blog@" + host} {
		if code := getStatus(t, ls.url+path, nil); code != http.StatusOK {
			t.Errorf("unsigned GET /%s: %d, want 200", path, code)
		}
	}
	for _, path := range []string{"ap/outbox", "ap/followers"} {
		if code := getStatus(t, ls.url+path, nil); code != http.StatusUnauthorized {
			t.Errorf("unsigned GET /%s: %d, want 401", path, code)
		}
		req, err := sim.SignedGet(t.Context(), sim.Actors()[0], ls.url+path, fedisim.Cavage)
		if err != nil {
			t.Fatal(err)
		}
		if code := getStatus(t, "", req); code != http.StatusOK {
			t.Errorf("signed GET /%s: %d, want 200", path, code)
		}
	}
}

// getStatus sends req, or a plain GET of u, and returns the status.
func getStatus(t *testing.T, u string, req *http.Request) int {
	t.Helper()
	if req == nil {
		var err error
		if req, err = http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil); err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/activity+json")
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
