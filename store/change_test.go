package store

import (
	"errors"
	"testing"
	"time"
)

// followChanges are the changes of one follow: its Follow marked seen, its
// Accept queued and the follower, last so that a follower refused undoes
// the others.
func followChanges(f Follower, added, first *bool, queued *int) []Change {
	accept := OutgoingActivity{ID: "https://blog.example/ap/actor#accepts/1", ObjectID: f.FollowID, Body: []byte(`{"type":"Accept"}`)}
	return []Change{
		MarkSeenChange(f.FollowID, time.Now(), first),
		EnqueueDeliveriesChange(accept, []string{f.Inbox}, time.Now(), queued, nil),
		AddFollowerChange(f, added),
	}
}

func TestApply(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	f := Follower{ActorID: "https://a.example/users/alice", Inbox: "https://a.example/users/alice/inbox",
		FollowID: "https://a.example/follows/1"}
	var added, first bool
	var queued int
	if err := s.Apply(ctx, followChanges(f, &added, &first, &queued)...); err != nil {
		t.Fatal(err)
	}
	if !added || !first || queued != 1 {
		t.Errorf("first follow: added %v, first %v, queued %d; want true, true, 1", added, first, queued)
	}
	if err := s.Apply(ctx, followChanges(f, &added, &first, &queued)...); err != nil {
		t.Fatal(err)
	}
	if added || first || queued != 1 {
		t.Errorf("the same follow again: added %v, first %v, queued %d; want false, false, 1", added, first, queued)
	}
	if n, err := s.FollowerCount(ctx); err != nil || n != 1 {
		t.Errorf("FollowerCount = %d, %v; want 1", n, err)
	}
}

// TestApplyAllOrNothing checks that when one change fails, none is made.
func TestApplyAllOrNothing(t *testing.T) {
	tests := []struct {
		name   string
		block  Block
		f      Follower
		wantIs error
	}{
		{
			name:   "blocked actor",
			block:  Block{Actor: "https://a.example/users/mallory"},
			f:      Follower{ActorID: "https://a.example/users/mallory", Inbox: "https://a.example/inbox", FollowID: "https://a.example/follows/2"},
			wantIs: ErrBlocked,
		},
		{
			name:   "follower without an inbox",
			f:      Follower{ActorID: "https://a.example/users/bob", FollowID: "https://a.example/follows/3"},
			wantIs: ErrInvalidID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			ctx := t.Context()
			if tt.block != (Block{}) {
				if err := s.AddBlock(ctx, tt.block); err != nil {
					t.Fatal(err)
				}
			}
			err := s.Apply(ctx, followChanges(tt.f, nil, nil, nil)...)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("Apply = %v, want %v", err, tt.wantIs)
			}
			if seen, err := s.Seen(ctx, tt.f.FollowID); err != nil || seen {
				t.Errorf("Seen = %v, %v: the Follow was marked seen", seen, err)
			}
			if st, err := s.QueueStats(ctx); err != nil || st.Unfinished() != 0 {
				t.Errorf("QueueStats = %+v, %v: the Accept was queued", st, err)
			}
			if n, err := s.FollowerCount(ctx); err != nil || n != 0 {
				t.Errorf("FollowerCount = %d, %v; want 0", n, err)
			}
		})
	}
}
