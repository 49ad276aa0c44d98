package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/store"
)

// seedFollowers makes a data folder with two followers.
func seedFollowers(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"https://social.example/users/alice", "https://other.example/users/bob"} {
		f := store.Follower{ActorID: id, Inbox: id + "/inbox", FollowID: id + "/follows/1", Since: time.Now()}
		if _, err := st.AddFollower(t.Context(), f); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// adminSession runs the maintenance commands against data, either on the
// store directly or through a running serve.
func exerciseAdmin(t *testing.T, data string) {
	t.Helper()
	code, out, errOut := runCmd(t, "followers", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "https://social.example/users/alice") || !strings.Contains(out, "2 followers") {
		t.Fatalf("followers list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "followers", "remove", "https://other.example/users/bob", "--data", data)
	if code != 0 {
		t.Fatalf("followers remove: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCmd(t, "followers", "remove", "https://other.example/users/bob", "--data", data)
	if code != 1 || !strings.Contains(errOut, "not a follower") {
		t.Fatalf("removing a non-follower: exit %d, %s", code, errOut)
	}
	// Blocking social.example removes alice.
	if code, out, errOut = runCmd(t, "block", "add", "social.example", "--reason", "spam", "--data", data); code != 0 {
		t.Fatalf("block add: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "followers", "list", "--json", "--data", data)
	var fs []store.Follower
	if code != 0 || json.Unmarshal([]byte(out), &fs) != nil || len(fs) != 0 {
		t.Fatalf("followers after the block: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "block", "list", "--json", "--data", data)
	var bs []store.Block
	if code != 0 || json.Unmarshal([]byte(out), &bs) != nil || len(bs) != 1 || bs[0].Domain != "social.example" || bs[0].Reason != "spam" {
		t.Fatalf("block list: exit %d\n%s", code, out)
	}
	if code, out, errOut = runCmd(t, "block", "remove", "social.example", "--data", data); code != 0 {
		t.Fatalf("block remove: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut = runCmd(t, "block", "add", "not a domain", "--data", data); code != 2 {
		t.Fatalf("block add of nonsense: exit %d, %s", code, errOut)
	}
	if code, out, errOut = runCmd(t, "deliveries", "--data", data); code != 0 {
		t.Fatalf("deliveries: exit %d\n%s%s", code, out, errOut)
	}
}

func TestAdminCommandsOnStore(t *testing.T) {
	exerciseAdmin(t, seedFollowers(t))
}

func TestAdminCommandsThroughServe(t *testing.T) {
	data := seedFollowers(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCmdContext(ctx, t, "serve", "--site", "../../example", "--data", data,
			"--addr", "127.0.0.1:0", "--base-url", "http://127.0.0.1/", "--log-level", "error")
		done <- code
	}()
	sock := filepath.Join(data, adminSocketName)
	for i := 0; ; i++ {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		if i == 200 {
			cancel()
			t.Fatalf("serve did not open %s", sock)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if info, err := os.Stat(sock); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, %v; want 0600", info.Mode().Perm(), err)
	}
	exerciseAdmin(t, data)
	cancel()
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// TestAnswerWhileStopped checks that approving a follow request with serve
// stopped keeps the answer for serve, and says so.
func TestAnswerWhileStopped(t *testing.T) {
	data := t.TempDir()
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	const alice = "https://social.example/users/alice"
	err = st.AddFollowRequest(t.Context(), store.Follower{ActorID: alice, Inbox: alice + "/inbox", FollowID: alice + "/follows/1", Since: time.Now()})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "followers", "approve", alice, "--data", data)
	if code != 0 || !strings.Contains(out, "approved the follow request of "+alice+"; serve sends the answer when it starts") {
		t.Fatalf("followers approve: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCmd(t, "followers", "reject", "https://social.example/users/nobody", "--data", data)
	if code != 1 || !strings.Contains(errOut, "no follow request") {
		t.Fatalf("rejecting no request: exit %d, %s", code, errOut)
	}
	code, out, _ = runCmd(t, "followers", "requests", "--json", "--data", data)
	var reqs []store.Follower
	if code != 0 || json.Unmarshal([]byte(out), &reqs) != nil || len(reqs) != 1 || reqs[0].Answer != store.AnswerApprove {
		t.Fatalf("requests after approving: exit %d\n%s", code, out)
	}
}
