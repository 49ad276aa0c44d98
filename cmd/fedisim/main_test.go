package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
)

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "no command", args: nil, code: 2, want: "Usage:"},
		{name: "unknown command", args: []string{"dance"}, code: 2, want: `unknown command "dance"`},
		{name: "help", args: []string{"--help"}, code: 0},
		{name: "follow help", args: []string{"follow", "--help"}, code: 0, want: "--target"},
		{name: "follow without target", args: []string{"follow"}, code: 2, want: "--target is required"},
		{name: "follow bad style", args: []string{"follow", "--target", "http://127.0.0.1:1/a", "--style", "pgp"}, code: 2, want: `--style "pgp"`},
		{name: "follow negative rate", args: []string{"follow", "--target", "http://127.0.0.1:1/a", "--rate", "-1"}, code: 2, want: "--rate must not be negative"},
		{name: "follow zero servers", args: []string{"follow", "--target", "http://127.0.0.1:1/a", "--servers", "0"}, code: 2, want: "--servers must be between"},
		{name: "follow public target", args: []string{"follow", "--target", "https://mastodon.social/users/a", "--servers", "1", "--actors-per-server", "1", "--keys", "1"}, code: 1, want: "not a loopback address"},
		{name: "follow stray argument", args: []string{"follow", "extra"}, code: 2, want: `unexpected argument "extra"`},
		{name: "serve bad flag", args: []string{"serve", "--servrs", "3"}, code: 2, want: "flag provided but not defined"},
		{name: "serve unknown fault", args: []string{"serve", "--faults", "flaky=0.1"}, code: 2, want: `unknown fault "flaky"`},
		{name: "serve shares over one", args: []string{"serve", "--faults", "gone=0.6,unavailable=0.6"}, code: 2, want: "more than 1"},
		{name: "serve bad share", args: []string{"serve", "--faults", "gone=lots"}, code: 2, want: "number from 0 to 1"},
		{name: "serve negative for", args: []string{"serve", "--for", "-1s"}, code: 2, want: "--for must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(t.Context(), tt.args, &out, &errOut)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut.String())
			}
			if all := out.String() + errOut.String(); !strings.Contains(all, tt.want) {
				t.Errorf("output does not mention %q:\n%s", tt.want, all)
			}
		})
	}
}

func TestFollow(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	target, err := fedisim.Start(ctx, fedisim.Options{Servers: 1, Keys: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	actor := target.Actors()[0]

	var out, errOut bytes.Buffer
	code := run(ctx, []string{"follow", "--target", actor.ID, "--servers", "3", "--actors-per-server", "2",
		"--keys", "1", "--concurrency", "3", "--linger", "0s", "--json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep followReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	if rep.Target != actor.ID || rep.Inbox != actor.SharedInbox || rep.Actors != 6 || rep.Sent != 6 || rep.Status[202] != 6 {
		t.Errorf("report %+v", rep)
	}
	st := target.Stats()
	if st.ByType["Follow"] != 6 || st.Accepted != 6 || st.Inboxes != 1 {
		t.Errorf("target received %+v", st)
	}
	for _, d := range target.Deliveries() {
		if d.Object != actor.ID || d.Inbox != actor.SharedInbox {
			t.Errorf("delivery %+v", d)
		}
	}
}

func TestServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "actors.json")
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"serve", "--servers", "4", "--actors-per-server", "3", "--keys", "1",
		"--for", "1200ms", "--faults", "gone=0.25", "--actors-out", path}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var actors []fedisim.Actor
	if err := json.Unmarshal(body, &actors); err != nil {
		t.Fatal(err)
	}
	if len(actors) != 12 || actors[11].Server != 3 || actors[0].KeyID != actors[0].ID+"#main-key" {
		t.Errorf("actors file: %d actors, last %+v", len(actors), actors[len(actors)-1])
	}
	text := out.String()
	if !strings.Contains(text, "serving 4 servers") || !strings.Contains(text, "faults: gone=1") {
		t.Errorf("output:\n%s", text)
	}
	if n := strings.Count(text, " deliveries 0 (+0)"); n < 2 {
		t.Errorf("%d report lines, want at least 2:\n%s", n, text)
	}
}
