package store

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestBlocked(t *testing.T) {
	blocks := []Block{
		{Domain: "Example.COM"},
		{Domain: "spam.example."},
		{Domain: "0.1"},
		{Domain: "192.0.2.7"},
		{Actor: "https://other.net/users/bad"},
	}
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{name: "actor on a blocked domain", id: "https://example.com/users/a", want: true},
		{name: "actor on a subdomain", id: "https://social.example.com/users/a", want: true},
		{name: "actor on a deeper subdomain", id: "https://a.b.example.com/users/a", want: true},
		{name: "host in upper case", id: "https://SOCIAL.Example.Com/users/a", want: true},
		{name: "host with a port", id: "https://social.example.com:8443/users/a", want: true},
		{name: "host with a trailing dot", id: "https://example.com./users/a", want: true},
		{name: "domain blocked with a trailing dot", id: "https://spam.example/users/a", want: true},
		{name: "key id on a blocked domain", id: "https://example.com/users/a#main-key", want: true},
		{name: "look-alike domain", id: "https://badexample.com/users/a", want: false},
		{name: "blocked domain as a path", id: "https://good.net/example.com", want: false},
		{name: "parent of a blocked domain", id: "https://com/users/a", want: false},
		{name: "blocked actor", id: "https://other.net/users/bad", want: true},
		{name: "key id of a blocked actor", id: "https://other.net/users/bad#main-key", want: true},
		{name: "another actor on a blocked actor's host", id: "https://other.net/users/good", want: false},
		{name: "actor id with a blocked actor's id as prefix", id: "https://other.net/users/badger", want: false},
		{name: "blocked IP address", id: "https://192.0.2.7/users/a", want: true},
		{name: "IP address is not matched by its suffix", id: "https://10.0.0.1/users/a", want: false},
		{name: "empty", id: "", want: false},
		{name: "not a URL", id: "%zz", want: false},
	}
	ctx := t.Context()
	s, dir := openTemp(t)
	for _, b := range blocks {
		if err := s.AddBlock(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// The view kept current by AddBlock, the view read from the file on
	// first use, and the check inside a transaction must all agree.
	fresh := reopen(t, s, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fresh.Blocked(tt.id); got != tt.want {
				t.Errorf("Blocked(%q) after reopen = %v, want %v", tt.id, got, tt.want)
			}
			var inTx bool
			if err := fresh.db.View(func(tx *bolt.Tx) error { inTx = blockedIn(tx, tt.id); return nil }); err != nil {
				t.Fatal(err)
			}
			if inTx != tt.want {
				t.Errorf("blocked in a transaction (%q) = %v, want %v", tt.id, inTx, tt.want)
			}
		})
	}
	s2, _ := openTemp(t)
	if s2.Blocked("https://example.com/users/a") {
		t.Fatal("a new store blocks")
	}
	for _, b := range blocks {
		if err := s2.AddBlock(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range tests {
		if got := s2.Blocked(tt.id); got != tt.want {
			t.Errorf("%s: Blocked(%q) after AddBlock = %v, want %v", tt.name, tt.id, got, tt.want)
		}
	}
}

func TestAddBlockRemovesWhatItCovers(t *testing.T) {
	const (
		apex  = "https://example.com/users/a"
		sub   = "https://social.example.com/users/b"
		alike = "https://badexample.com/users/c"
		other = "https://example.org/users/d"
	)
	all := []string{apex, sub, alike, other}
	tests := []struct {
		name     string
		block    Block
		wantLeft []string
	}{
		{name: "domain block removes the domain and its subdomains", block: Block{Domain: "EXAMPLE.com"},
			wantLeft: []string{alike, other}},
		{name: "subdomain block", block: Block{Domain: "social.example.com"}, wantLeft: []string{apex, alike, other}},
		{name: "actor block removes that actor", block: Block{Actor: alike}, wantLeft: []string{apex, sub, other}},
		{name: "actor block of a non-follower", block: Block{Actor: "https://example.com/users/z"}, wantLeft: all},
		{name: "domain without followers", block: Block{Domain: "example.net"}, wantLeft: all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			ctx := t.Context()
			const post = "https://blog.example/ap/posts/p1"
			for i, id := range all {
				mustAddFollower(t, s, testFollower(id, id+"/inbox", ""))
				req := testFollower(id+"/asks", id+"/inbox", "")
				if err := s.AddFollowRequest(ctx, req); err != nil {
					t.Fatal(err)
				}
				like := Interaction{ID: fmt.Sprintf("%s/likes/%d", id, i), Type: InteractionLike, Actor: id, Object: post}
				if err := s.PutInteraction(ctx, like); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.AddBlock(ctx, tt.block); err != nil {
				t.Fatal(err)
			}
			assertFollowers(t, s, tt.wantLeft...)

			// Likes and follow requests are kept for the same actors;
			// follow requests come from id+"/asks", covered by a domain
			// block of id and not by an actor block of id.
			ins, err := s.Interactions(ctx, post)
			if err != nil {
				t.Fatal(err)
			}
			var likers []string
			for _, in := range ins {
				likers = append(likers, in.Actor)
			}
			reqs, err := s.FollowRequests(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var asking []string
			for _, r := range reqs {
				asking = append(asking, strings.TrimSuffix(r.ActorID, "/asks"))
			}
			slices.Sort(likers)
			slices.Sort(asking)
			wantLikers := slices.Sorted(slices.Values(tt.wantLeft))
			wantAsking := wantLikers
			if tt.block.Actor != "" {
				wantAsking = slices.Sorted(slices.Values(all))
			}
			if !slices.Equal(likers, wantLikers) {
				t.Errorf("likes left from %v, want %v", likers, wantLikers)
			}
			if !slices.Equal(asking, wantAsking) {
				t.Errorf("follow requests left from %v, want %v", asking, wantAsking)
			}
		})
	}
}

func TestAddBlockInvalid(t *testing.T) {
	tests := []struct {
		name  string
		block Block
	}{
		{name: "neither domain nor actor", block: Block{Reason: "x"}},
		{name: "both domain and actor", block: Block{Domain: "example.com", Actor: "https://example.com/users/a"}},
		{name: "blank domain", block: Block{Domain: "  "}},
		{name: "domain of a dot", block: Block{Domain: "."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			if err := s.AddBlock(t.Context(), tt.block); !errors.Is(err, ErrInvalidID) {
				t.Errorf("AddBlock error = %v, want ErrInvalidID", err)
			}
			if _, err := s.RemoveBlock(t.Context(), tt.block); !errors.Is(err, ErrInvalidID) {
				t.Errorf("RemoveBlock error = %v, want ErrInvalidID", err)
			}
			if blocks, err := s.Blocks(t.Context()); err != nil || len(blocks) != 0 {
				t.Errorf("Blocks = %v, %v; want none", blocks, err)
			}
		})
	}
}

func TestBlocksListed(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	in := []Block{
		{Domain: " Spam.Example. ", Created: t0, Reason: "spam"},
		{Actor: "https://b.example/users/b", Created: t0},
		{Domain: "abc.example", Created: t0},
		{Actor: "https://a.example/users/a", Created: t0, Reason: "abuse"},
	}
	for _, b := range in {
		if err := s.AddBlock(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// The same domain again replaces the block.
	if err := s.AddBlock(ctx, Block{Domain: "spam.example", Created: t0, Reason: "more spam"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Blocks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := t0.UTC()
	want := []Block{
		{Actor: "https://a.example/users/a", Created: u, Reason: "abuse"},
		{Actor: "https://b.example/users/b", Created: u},
		{Domain: "abc.example", Created: u},
		{Domain: "spam.example", Created: u, Reason: "more spam"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Blocks =\n%+v\nwant\n%+v", got, want)
	}
}

func TestRemoveBlock(t *testing.T) {
	tests := []struct {
		name   string
		block  Block
		remove Block
		id     string
	}{
		{name: "domain", block: Block{Domain: "example.com", Reason: "spam"}, remove: Block{Domain: "Example.com."},
			id: "https://social.example.com/users/a"},
		{name: "actor", block: Block{Actor: "https://example.com/users/a"}, remove: Block{Actor: "https://example.com/users/a"},
			id: "https://example.com/users/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, dir := openTemp(t)
			if err := s.AddBlock(ctx, tt.block); err != nil {
				t.Fatal(err)
			}
			if !s.Blocked(tt.id) {
				t.Fatalf("%s not blocked after AddBlock", tt.id)
			}
			removed, err := s.RemoveBlock(ctx, tt.remove)
			if err != nil || !removed {
				t.Fatalf("RemoveBlock = %v, %v; want true", removed, err)
			}
			if s.Blocked(tt.id) {
				t.Errorf("%s still blocked after RemoveBlock", tt.id)
			}
			if removed, err := s.RemoveBlock(ctx, tt.remove); err != nil || removed {
				t.Errorf("second RemoveBlock = %v, %v; want false", removed, err)
			}
			if _, err := s.AddFollower(ctx, testFollower(tt.id, tt.id+"/inbox", "")); err != nil {
				t.Errorf("AddFollower after the block was lifted: %v", err)
			}
			s = reopen(t, s, dir)
			if s.Blocked(tt.id) {
				t.Errorf("%s blocked again after reopening", tt.id)
			}
		})
	}
}

// TestBlockedWhileBlocksChange reads the view while blocks are added and
// removed; run with -race it checks the view is safely published.
func TestBlockedWhileBlocksChange(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					s.Blocked("https://h3.example/users/a")
				}
			}
		})
	}
	var writers sync.WaitGroup
	for i := range 4 {
		writers.Go(func() {
			b := Block{Domain: fmt.Sprintf("h%d.example", i)}
			for range 5 {
				if err := s.AddBlock(ctx, b); err != nil {
					t.Error(err)
				}
				if _, err := s.RemoveBlock(ctx, b); err != nil {
					t.Error(err)
				}
			}
			if err := s.AddBlock(ctx, b); err != nil {
				t.Error(err)
			}
		})
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	for i := range 4 {
		if id := fmt.Sprintf("https://x.h%d.example/users/a", i); !s.Blocked(id) {
			t.Errorf("%s not blocked after the last AddBlock", id)
		}
	}
}

// BenchmarkBlocked checks an actor not blocked against a thousand domain
// blocks and a thousand actor blocks, the inbox's case for every request.
func BenchmarkBlocked(b *testing.B) {
	ctx := b.Context()
	s := openBench(b)
	for i := range 1000 {
		if err := s.AddBlock(ctx, Block{Domain: fmt.Sprintf("d%d.example", i)}); err != nil {
			b.Fatal(err)
		}
		if err := s.AddBlock(ctx, Block{Actor: fmt.Sprintf("https://a.example/users/u%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if s.Blocked("https://social.fine.example/users/someone#main-key") {
			b.Fatal("blocked")
		}
	}
}
