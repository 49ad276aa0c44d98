package store

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// openBench opens a store in a temporary folder for a benchmark.
func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// reopen closes s and opens the store in dir again.
func reopen(t testing.TB, s *Store, dir string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustAddFollower(t testing.TB, s *Store, f Follower) {
	t.Helper()
	if _, err := s.AddFollower(t.Context(), f); err != nil {
		t.Fatal(err)
	}
}

// testFollower returns a follower record for the actor id.
func testFollower(id, inbox, shared string) Follower {
	return Follower{ActorID: id, Inbox: inbox, SharedInbox: shared, FollowID: id + "#follow",
		Since: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

// actorIDs returns the actor ids of fs.
func actorIDs(fs []Follower) []string {
	ids := []string{}
	for _, f := range fs {
		ids = append(ids, f.ActorID)
	}
	return ids
}

func TestAddFollower(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	first := Follower{ActorID: "https://social.example/users/ann", Inbox: "https://social.example/users/ann/inbox",
		SharedInbox: "https://social.example/inbox", FollowID: "https://social.example/follows/1", Since: t0}
	again := Follower{ActorID: first.ActorID, Inbox: "https://social.example/u/ann/inbox",
		FollowID: "https://social.example/follows/2", Since: t0.Add(time.Hour)}
	inZone := first
	inZone.Since = t0.In(time.FixedZone("CET", 3600))
	tests := []struct {
		name      string
		blocks    []Block
		prior     []Follower
		add       Follower
		wantAdded bool
		wantErr   error
		want      *Follower // the stored record afterwards; nil when none
	}{
		{name: "new follower", add: first, wantAdded: true, want: &first},
		{name: "since kept in UTC", add: inZone, wantAdded: true, want: &first},
		{name: "follow again updates inboxes and follow id, keeps since", prior: []Follower{first}, add: again,
			want: &Follower{ActorID: first.ActorID, Inbox: again.Inbox, FollowID: again.FollowID, Since: t0}},
		{name: "no actor id", add: Follower{Inbox: "https://x/inbox"}, wantErr: ErrInvalidID},
		{name: "no inbox", add: Follower{ActorID: first.ActorID}, wantErr: ErrInvalidID},
		{name: "blocked actor", blocks: []Block{{Actor: first.ActorID}}, add: first, wantErr: ErrBlocked},
		{name: "blocked parent domain", blocks: []Block{{Domain: "SOCIAL.example"}},
			add:     Follower{ActorID: "https://eu.social.example/users/b", Inbox: "https://eu.social.example/users/b/inbox"},
			wantErr: ErrBlocked},
		{name: "block of a look-alike domain does not apply", blocks: []Block{{Domain: "al.example"}}, add: first,
			wantAdded: true, want: &first},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openTemp(t)
			for _, b := range tt.blocks {
				if err := s.AddBlock(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tt.prior {
				mustAddFollower(t, s, f)
			}
			added, err := s.AddFollower(ctx, tt.add)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AddFollower error = %v, want %v", err, tt.wantErr)
			}
			if added != tt.wantAdded {
				t.Errorf("added = %v, want %v", added, tt.wantAdded)
			}
			if tt.add.ActorID == "" {
				return
			}
			got, ok, err := s.Follower(ctx, tt.add.ActorID)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == nil && ok:
				t.Errorf("stored %+v, want no record", got)
			case tt.want != nil && !reflect.DeepEqual(got, *tt.want):
				t.Errorf("stored %+v (found %v), want %+v", got, ok, *tt.want)
			}
		})
	}
}

func TestAddFollowerZeroSinceIsNow(t *testing.T) {
	s, _ := openTemp(t)
	before := time.Now().UTC()
	mustAddFollower(t, s, Follower{ActorID: "https://a.example/users/a", Inbox: "https://a.example/inbox"})
	f, _, err := s.Follower(t.Context(), "https://a.example/users/a")
	if err != nil {
		t.Fatal(err)
	}
	if f.Since.Before(before) || f.Since.After(time.Now()) || f.Since.Location() != time.UTC {
		t.Errorf("Since = %v, want a UTC time from the call", f.Since)
	}
}

func TestAddFollowerConcurrent(t *testing.T) {
	s, _ := openTemp(t)
	const n = 50
	var newDup atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("https://a.example/users/u%d", i)
			if _, err := s.AddFollower(t.Context(), Follower{ActorID: id, Inbox: id + "/inbox"}); err != nil {
				errs <- err
			}
			added, err := s.AddFollower(t.Context(), Follower{ActorID: "https://b.example/users/dup",
				Inbox: "https://b.example/users/dup/inbox", FollowID: fmt.Sprint(i)})
			if err != nil {
				errs <- err
			}
			if added {
				newDup.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := newDup.Load(); got != 1 {
		t.Errorf("the same actor was reported added %d times, want 1", got)
	}
	if c, err := s.FollowerCount(t.Context()); err != nil || c != n+1 {
		t.Errorf("FollowerCount = %d, %v; want %d", c, err, n+1)
	}
}

func TestRemoveFollower(t *testing.T) {
	const ann = "https://a.example/users/ann"
	tests := []struct {
		name        string
		remove      string
		wantRemoved bool
		wantErr     error
		wantLeft    []string
	}{
		{name: "a follower", remove: ann, wantRemoved: true, wantLeft: []string{"https://a.example/users/bob"}},
		{name: "not a follower", remove: "https://a.example/users/cat", wantLeft: []string{ann, "https://a.example/users/bob"}},
		{name: "empty id", remove: "", wantErr: ErrInvalidID, wantLeft: []string{ann, "https://a.example/users/bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			mustAddFollower(t, s, testFollower(ann, ann+"/inbox", ""))
			mustAddFollower(t, s, testFollower("https://a.example/users/bob", "https://a.example/users/bob/inbox", ""))
			removed, err := s.RemoveFollower(t.Context(), tt.remove)
			if !errors.Is(err, tt.wantErr) || removed != tt.wantRemoved {
				t.Errorf("RemoveFollower = %v, %v; want %v, %v", removed, err, tt.wantRemoved, tt.wantErr)
			}
			assertFollowers(t, s, tt.wantLeft...)
		})
	}
}

// assertFollowers checks that the followers are exactly the actor ids
// given, in any order.
func assertFollowers(t *testing.T, s *Store, want ...string) {
	t.Helper()
	fs, err := s.Followers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fs {
		got[f.ActorID] = true
	}
	wantSet := map[string]bool{}
	for _, id := range want {
		wantSet[id] = true
	}
	if !reflect.DeepEqual(got, wantSet) {
		t.Errorf("followers %v, want %v", actorIDs(fs), want)
	}
}

func TestRemoveFollowersByInbox(t *testing.T) {
	const (
		ann = "https://m.example/users/ann"
		bob = "https://m.example/users/bob"
		cat = "https://p.example/users/cat"
	)
	tests := []struct {
		name     string
		inbox    string
		wantN    int
		wantErr  error
		wantLeft []string
	}{
		{name: "shared inbox", inbox: "https://m.example/inbox", wantN: 2, wantLeft: []string{cat}},
		{name: "own inbox", inbox: cat + "/inbox", wantN: 1, wantLeft: []string{ann, bob}},
		{name: "own inbox of a follower with a shared inbox", inbox: ann + "/inbox", wantN: 1, wantLeft: []string{bob, cat}},
		{name: "unknown inbox", inbox: "https://q.example/inbox", wantLeft: []string{ann, bob, cat}},
		{name: "empty", inbox: "", wantErr: ErrInvalidID, wantLeft: []string{ann, bob, cat}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			mustAddFollower(t, s, testFollower(ann, ann+"/inbox", "https://m.example/inbox"))
			mustAddFollower(t, s, testFollower(bob, bob+"/inbox", "https://m.example/inbox"))
			mustAddFollower(t, s, testFollower(cat, cat+"/inbox", ""))
			n, err := s.RemoveFollowersByInbox(t.Context(), tt.inbox)
			if !errors.Is(err, tt.wantErr) || n != tt.wantN {
				t.Errorf("RemoveFollowersByInbox = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			assertFollowers(t, s, tt.wantLeft...)
		})
	}
}

func TestRemoveFollowersOfDomain(t *testing.T) {
	const (
		apex  = "https://example.com/users/a"
		sub   = "https://Social.Example.com/users/b"
		alike = "https://badexample.com/users/c"
		other = "https://example.org/users/d"
	)
	tests := []struct {
		name     string
		host     string
		wantN    int
		wantErr  error
		wantLeft []string
	}{
		{name: "domain and its subdomains", host: "example.com", wantN: 2, wantLeft: []string{alike, other}},
		{name: "any case, trailing dot", host: "EXAMPLE.com.", wantN: 2, wantLeft: []string{alike, other}},
		{name: "subdomain only", host: "social.example.com", wantN: 1, wantLeft: []string{apex, alike, other}},
		{name: "look-alike domain", host: "badexample.com", wantN: 1, wantLeft: []string{apex, sub, other}},
		{name: "no follower there", host: "example.net", wantLeft: []string{apex, sub, alike, other}},
		{name: "empty", host: " ", wantErr: ErrInvalidID, wantLeft: []string{apex, sub, alike, other}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			for _, id := range []string{apex, sub, alike, other} {
				mustAddFollower(t, s, testFollower(id, id+"/inbox", ""))
			}
			n, err := s.RemoveFollowersOfDomain(t.Context(), tt.host)
			if !errors.Is(err, tt.wantErr) || n != tt.wantN {
				t.Errorf("RemoveFollowersOfDomain = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			assertFollowers(t, s, tt.wantLeft...)
		})
	}
}

func TestFollowersAndInboxes(t *testing.T) {
	tests := []struct {
		name        string
		followers   []Follower
		wantIDs     []string
		wantInboxes []string
	}{
		{name: "none", wantIDs: []string{}, wantInboxes: []string{}},
		{
			name: "shared inbox once, else own inbox, sorted",
			followers: []Follower{
				testFollower("https://z.example/users/z", "https://z.example/users/z/inbox", ""),
				testFollower("https://m.example/users/b", "https://m.example/users/b/inbox", "https://m.example/inbox"),
				testFollower("https://m.example/users/a", "https://m.example/users/a/inbox", "https://m.example/inbox"),
				testFollower("https://a.example/users/a", "https://a.example/users/a/inbox", ""),
			},
			wantIDs: []string{"https://a.example/users/a", "https://m.example/users/a", "https://m.example/users/b",
				"https://z.example/users/z"},
			wantInboxes: []string{"https://a.example/users/a/inbox", "https://m.example/inbox", "https://z.example/users/z/inbox"},
		},
		{
			name: "two followers sharing an own inbox",
			followers: []Follower{
				testFollower("https://a.example/users/a", "https://a.example/inbox", ""),
				testFollower("https://a.example/users/b", "https://a.example/inbox", ""),
			},
			wantIDs:     []string{"https://a.example/users/a", "https://a.example/users/b"},
			wantInboxes: []string{"https://a.example/inbox"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openTemp(t)
			for _, f := range tt.followers {
				mustAddFollower(t, s, f)
			}
			fs, err := s.Followers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := actorIDs(fs); !reflect.DeepEqual(got, tt.wantIDs) {
				t.Errorf("Followers = %v, want %v", got, tt.wantIDs)
			}
			inboxes, err := s.FollowerInboxes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inboxes, tt.wantInboxes) {
				t.Errorf("FollowerInboxes = %v, want %v", inboxes, tt.wantInboxes)
			}
			if n, err := s.FollowerCount(ctx); err != nil || n != len(tt.wantIDs) {
				t.Errorf("FollowerCount = %d, %v; want %d", n, err, len(tt.wantIDs))
			}
		})
	}
}

// TestInboxStateSurvivesReopen writes some of everything the inbox keeps,
// closes the store and checks it is all there after opening it again.
func TestInboxStateSurvivesReopen(t *testing.T) {
	ctx := t.Context()
	s, dir := openTemp(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f := testFollower("https://a.example/users/a", "https://a.example/users/a/inbox", "https://a.example/inbox")
	mustAddFollower(t, s, f)
	if err := s.AddBlock(ctx, Block{Domain: "spam.example", Created: t0, Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddBlock(ctx, Block{Actor: "https://b.example/users/troll", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if first, err := s.MarkSeen(ctx, "https://a.example/activities/1", t0); err != nil || !first {
		t.Fatalf("MarkSeen = %v, %v", first, err)
	}
	key := RemoteKey{ID: "https://a.example/users/a#main-key", Owner: f.ActorID, Type: KeyTypeRSA, PEM: "pem", Fetched: t0}
	if err := s.PutRemoteKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	actor := RemoteActor{ID: f.ActorID, Inbox: f.Inbox, SharedInbox: f.SharedInbox, PreferredUsername: "a", Fetched: t0}
	if err := s.PutRemoteActor(ctx, actor); err != nil {
		t.Fatal(err)
	}
	like := Interaction{ID: "https://a.example/likes/1", Type: InteractionLike, Actor: f.ActorID,
		Object: "https://blog.example/ap/posts/1", Published: t0}
	if err := s.PutInteraction(ctx, like); err != nil {
		t.Fatal(err)
	}

	s = reopen(t, s, dir)

	if got, ok, err := s.Follower(ctx, f.ActorID); err != nil || !ok || !reflect.DeepEqual(got, f) {
		t.Errorf("follower after reopen = %+v, %v, %v", got, ok, err)
	}
	for id, want := range map[string]bool{
		"https://www.spam.example/users/x":   true,
		"https://b.example/users/troll":      true,
		"https://b.example/users/troll#key":  true,
		"https://b.example/users/fine":       false,
		"https://a.example/users/a":          false,
		"https://notspam.example/users/fine": false,
	} {
		if got := s.Blocked(id); got != want {
			t.Errorf("after reopen, Blocked(%s) = %v, want %v", id, got, want)
		}
	}
	blocks, err := s.Blocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantBlocks := []Block{{Actor: "https://b.example/users/troll", Created: t0}, {Domain: "spam.example", Created: t0, Reason: "spam"}}
	if !reflect.DeepEqual(blocks, wantBlocks) {
		t.Errorf("blocks after reopen = %+v, want %+v", blocks, wantBlocks)
	}
	if first, err := s.MarkSeen(ctx, "https://a.example/activities/1", t0.Add(time.Minute)); err != nil || first {
		t.Errorf("MarkSeen of an activity seen before the reopen = %v, %v; want false", first, err)
	}
	if got, ok, err := s.RemoteKey(ctx, key.ID); err != nil || !ok || got != key {
		t.Errorf("remote key after reopen = %+v, %v, %v", got, ok, err)
	}
	if got, ok, err := s.RemoteActor(ctx, actor.ID); err != nil || !ok || got != actor {
		t.Errorf("remote actor after reopen = %+v, %v, %v", got, ok, err)
	}
	if got, err := s.Interactions(ctx, like.Object); err != nil || !reflect.DeepEqual(got, []Interaction{like}) {
		t.Errorf("interactions after reopen = %+v, %v", got, err)
	}
}

// BenchmarkAddFollowerParallel adds distinct followers from many
// goroutines at once, as the inbox does when follows arrive together. The
// parallelism is goroutines per CPU. Each goroutine waits for its write
// before making the next, so with few goroutines the figure is bounded by
// batchDelay, not by the store: the store alone, with nothing else for the
// CPU to do, would do better with shorter waits (batchDelay).
func BenchmarkAddFollowerParallel(b *testing.B) {
	for _, p := range []int{1, 8, 32, 128} {
		b.Run(fmt.Sprintf("goroutines=%dxCPU", p), func(b *testing.B) {
			s := openBench(b)
			var next atomic.Int64
			b.SetParallelism(p)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := next.Add(1)
					id := fmt.Sprintf("https://h%d.example/users/u%d", n%97, n)
					if _, err := s.AddFollower(b.Context(), Follower{ActorID: id, Inbox: id + "/inbox",
						SharedInbox: "https://shared.example/inbox", FollowID: id + "#follow"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
