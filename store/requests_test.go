package store

import (
	"testing"
	"time"
)

func TestFollowRequests(t *testing.T) {
	st, _ := openTemp(t)
	ctx := t.Context()
	alice := Follower{ActorID: "https://a.example/users/alice", Inbox: "https://a.example/users/alice/inbox",
		FollowID: "https://a.example/f/1", Since: time.Unix(200, 0)}
	bob := Follower{ActorID: "https://b.example/users/bob", Inbox: "https://b.example/users/bob/inbox",
		FollowID: "https://b.example/f/1", Since: time.Unix(100, 0)}
	for _, f := range []Follower{alice, bob} {
		if err := st.AddFollowRequest(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddFollowRequest(ctx, Follower{ActorID: "https://c.example/u/c"}); err == nil {
		t.Error("a request without an inbox was accepted")
	}
	reqs, err := st.FollowRequests(ctx)
	if err != nil || len(reqs) != 2 || reqs[0].ActorID != bob.ActorID {
		t.Fatalf("requests %+v, %v; want bob then alice", reqs, err)
	}
	if n, _ := st.FollowerCount(ctx); n != 0 {
		t.Fatalf("a request counts as a follower: %d", n)
	}
	got, ok, err := st.TakeFollowRequest(ctx, alice.ActorID)
	if err != nil || !ok || got.FollowID != alice.FollowID {
		t.Fatalf("take: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := st.TakeFollowRequest(ctx, alice.ActorID); ok {
		t.Fatal("a request was taken twice")
	}
	if err := st.AddBlock(ctx, Block{Domain: "b.example"}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddFollowRequest(ctx, bob); err == nil {
		t.Fatal("a blocked actor's request was recorded")
	}
}
