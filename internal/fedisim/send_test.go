package fedisim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/blogbridge/blogbridge/internal/httpsig"
)

// simKeys resolves key ids by fetching the simulated actors over HTTP.
type simKeys struct{ client *http.Client }

func (k simKeys) ResolveKey(ctx context.Context, keyID string, _ bool) (*httpsig.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keyID, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	rk, err := keyFromDocument(body, keyID)
	if err != nil {
		return nil, err
	}
	return &httpsig.PublicKey{ID: rk.id, Owner: rk.owner, Key: rk.key}, nil
}

// verifyingInbox is an inbox that checks signatures with blogbridge's
// verifier and keeps what it saw.
type verifyingInbox struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []string // "status keyID type"
}

func newVerifyingInbox(t *testing.T) *verifyingInbox {
	v := httpsig.NewVerifier(simKeys{client: http.DefaultClient}, httpsig.VerifierOptions{})
	in := &verifyingInbox{}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		status := http.StatusAccepted
		keyID := ""
		key, err := v.Verify(r.Context(), r, body)
		if err != nil {
			status = http.StatusUnauthorized
		} else {
			keyID = key.ID
		}
		var act struct{ Type string }
		json.Unmarshal(body, &act)
		in.mu.Lock()
		in.got = append(in.got, fmt.Sprintf("%d %s %s", status, keyID, act.Type))
		in.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(in.srv.Close)
	return in
}

func TestSendIsVerifiedByOurVerifier(t *testing.T) {
	s := startSim(t, Options{Servers: 2, Ed25519: true})
	in := newVerifyingInbox(t)
	a := s.Actors()[1]
	tests := []struct {
		name     string
		style    SignStyle
		activity map[string]any
		keyID    string
	}{
		{name: "cavage follow", style: Cavage, activity: s.Follow(a, "http://127.0.0.1/actor"), keyID: a.KeyID},
		{name: "rfc9421 rsa like", style: RFC9421RSA, activity: s.Like(a, "http://127.0.0.1/p/1"), keyID: a.KeyID},
		{name: "rfc9421 ed25519 reply", style: RFC9421Ed25519, activity: s.Reply(a, "http://127.0.0.1/p/1", "<p>hi</p>"), keyID: a.Ed25519KeyID},
		{name: "cavage undo", style: Cavage, activity: s.Undo(a, s.Follow(a, "http://127.0.0.1/actor")), keyID: a.KeyID},
		{name: "cavage announce", style: Cavage, activity: s.Announce(a, "http://127.0.0.1/p/1"), keyID: a.KeyID},
		{name: "cavage delete", style: Cavage, activity: s.DeleteActor(a), keyID: a.KeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in.mu.Lock()
			in.got = nil
			in.mu.Unlock()
			status, err := s.Send(t.Context(), a, in.srv.URL+"/inbox", tt.activity, tt.style)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%d %s %s", http.StatusAccepted, tt.keyID, tt.activity["type"])
			in.mu.Lock()
			defer in.mu.Unlock()
			if status != http.StatusAccepted || len(in.got) != 1 || in.got[0] != want {
				t.Errorf("status %d, inbox saw %q, want %q", status, in.got, want)
			}
		})
	}
}

func TestSendRefusesPublicHosts(t *testing.T) {
	s := startSim(t, Options{Servers: 1})
	a := s.Actors()[0]
	for _, inbox := range []string{"https://mastodon.social/inbox", "http://10.0.0.1/inbox", "ftp://127.0.0.1/inbox"} {
		if _, err := s.Send(t.Context(), a, inbox, s.Follow(a, "x"), Cavage); err == nil {
			t.Errorf("Send to %s succeeded", inbox)
		}
	}
}

func TestSendEd25519NeedsKey(t *testing.T) {
	s := startSim(t, Options{Servers: 1})
	a := s.Actors()[0]
	if _, err := s.Send(t.Context(), a, a.Inbox, s.Follow(a, a.ID), RFC9421Ed25519); err == nil {
		t.Error("ed25519 send without an ed25519 key succeeded")
	}
}

func TestActivityBuilders(t *testing.T) {
	s := startSim(t, Options{Servers: 1})
	a := s.Actors()[0]
	follow := s.Follow(a, "http://127.0.0.1/target")
	tests := []struct {
		name     string
		activity map[string]any
		typ      string
		object   string
	}{
		{name: "follow", activity: follow, typ: "Follow", object: "http://127.0.0.1/target"},
		{name: "undo", activity: s.Undo(a, follow), typ: "Undo", object: follow["id"].(string)},
		{name: "like", activity: s.Like(a, "http://127.0.0.1/p/1"), typ: "Like", object: "http://127.0.0.1/p/1"},
		{name: "announce", activity: s.Announce(a, "http://127.0.0.1/p/1"), typ: "Announce", object: "http://127.0.0.1/p/1"},
		{name: "delete", activity: s.DeleteActor(a), typ: "Delete", object: a.ID},
	}
	ids := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(tt.activity)
			var head activityHead
			if err := json.Unmarshal(body, &head); err != nil {
				t.Fatal(err)
			}
			if head.Type != tt.typ || idOf(head.Object) != tt.object || idOf(head.Actor) != a.ID {
				t.Errorf("got %s of %s by %s", head.Type, idOf(head.Object), idOf(head.Actor))
			}
			if ids[head.ID] || len(head.ID) <= len(a.ID) || head.ID[:len(a.ID)] != a.ID {
				t.Errorf("id %q is not new or not under the actor", head.ID)
			}
			ids[head.ID] = true
		})
	}
	reply := s.Reply(a, "http://127.0.0.1/p/1", "<p>hi</p>")
	note, _ := reply["object"].(map[string]any)
	if reply["type"] != "Create" || note["type"] != "Note" || note["inReplyTo"] != "http://127.0.0.1/p/1" || note["attributedTo"] != a.ID {
		t.Errorf("reply %v", reply)
	}
}
