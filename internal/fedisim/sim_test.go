package fedisim

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// startSim starts a simulator for one test and closes it after.
func startSim(t *testing.T, opts Options) *Sim {
	t.Helper()
	if opts.Keys == 0 {
		opts.Keys = 2
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// getJSON fetches u with an Accept header and decodes the body.
func getJSON(t *testing.T, u, accept string, v any) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: decode: %v", u, err)
		}
	}
	return resp
}

func TestStartServersAndActors(t *testing.T) {
	s := startSim(t, Options{Servers: 3, ActorsPerServer: 2, Keys: 2})
	servers := s.Servers()
	if len(servers) != 3 {
		t.Fatalf("Servers() = %d, want 3", len(servers))
	}
	hosts := map[string]bool{}
	for i, sv := range servers {
		if sv.Index != i {
			t.Errorf("server %d has Index %d", i, sv.Index)
		}
		if hosts[sv.Host] {
			t.Errorf("host %s used twice", sv.Host)
		}
		hosts[sv.Host] = true
		if sv.SharedInbox != sv.URL+"/inbox" {
			t.Errorf("server %d shared inbox %s", i, sv.SharedInbox)
		}
	}
	actors := s.Actors()
	if len(actors) != 6 {
		t.Fatalf("Actors() = %d, want 6", len(actors))
	}
	keyIDs := map[string]bool{}
	for _, a := range actors {
		if keyIDs[a.KeyID] {
			t.Errorf("key id %s used twice", a.KeyID)
		}
		keyIDs[a.KeyID] = true
		if a.Inbox != a.ID+"/inbox" || a.SharedInbox != servers[a.Server].SharedInbox {
			t.Errorf("actor %s: inbox %s shared %s", a.ID, a.Inbox, a.SharedInbox)
		}
	}
	if actors[0].rsaKey == actors[1].rsaKey || actors[0].rsaKey != actors[2].rsaKey {
		t.Errorf("the two keys are not shared round robin")
	}
}

func TestWebFinger(t *testing.T) {
	s := startSim(t, Options{Servers: 3, ActorsPerServer: 2})
	a := s.Actors()[3]
	sv := s.Servers()[a.Server]
	other := s.Servers()[0]
	tests := []struct {
		name     string
		base     string
		resource string
		status   int
	}{
		{name: "acct", base: sv.URL, resource: "acct:" + a.Handle, status: http.StatusOK},
		{name: "actor URL", base: sv.URL, resource: a.ID, status: http.StatusOK},
		{name: "unknown user", base: sv.URL, resource: "acct:nobody@" + sv.Host, status: http.StatusNotFound},
		{name: "other server's actor", base: other.URL, resource: "acct:" + a.Handle, status: http.StatusNotFound},
		{name: "no resource", base: sv.URL, resource: "", status: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var jrd struct {
				Subject string `json:"subject"`
				Links   []struct {
					Rel, Type, Href string
				} `json:"links"`
			}
			u := tt.base + "/.well-known/webfinger?resource=" + url.QueryEscape(tt.resource)
			resp := getJSON(t, u, "application/jrd+json", &jrd)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != http.StatusOK {
				return
			}
			if jrd.Subject != "acct:"+a.Handle {
				t.Errorf("subject %q", jrd.Subject)
			}
			found := false
			for _, l := range jrd.Links {
				if l.Rel == "self" && l.Type == "application/activity+json" && l.Href == a.ID {
					found = true
				}
			}
			if !found {
				t.Errorf("no self link to %s in %+v", a.ID, jrd.Links)
			}
		})
	}
}

func TestActorDocument(t *testing.T) {
	s := startSim(t, Options{Servers: 3, ActorsPerServer: 2, Ed25519: true})
	a := s.Actors()[5]
	var doc map[string]any
	resp := getJSON(t, a.ID, "application/activity+json", &doc)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/activity+json" {
		t.Errorf("content type %q", ct)
	}
	want := map[string]string{
		"id":                a.ID,
		"type":              "Person",
		"preferredUsername": a.Name,
		"inbox":             a.Inbox,
		"outbox":            a.ID + "/outbox",
		"followers":         a.ID + "/followers",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %s", k, doc[k], v)
		}
	}
	if ep, _ := doc["endpoints"].(map[string]any); ep["sharedInbox"] != a.SharedInbox {
		t.Errorf("endpoints = %v", doc["endpoints"])
	}
	body, _ := json.Marshal(doc)
	rsaKey, err := keyFromDocument(body, a.KeyID)
	if err != nil {
		t.Fatalf("RSA key: %v", err)
	}
	if rsaKey.owner != a.ID || !rsaKey.key.(*rsa.PublicKey).Equal(&a.rsaKey.PublicKey) {
		t.Errorf("RSA key owner %s or key differs", rsaKey.owner)
	}
	edKey, err := keyFromDocument(body, a.Ed25519KeyID)
	if err != nil {
		t.Fatalf("ed25519 key: %v", err)
	}
	if edKey.owner != a.ID || !edKey.key.(ed25519.PublicKey).Equal(a.edKey.Public()) {
		t.Errorf("ed25519 key owner %s or key differs", edKey.owner)
	}
	if resp := getJSON(t, s.Servers()[a.Server].URL+"/users/nobody", "application/activity+json", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown actor: status %d", resp.StatusCode)
	}
}

func TestResolveActor(t *testing.T) {
	s := startSim(t, Options{Servers: 2})
	a := s.Actors()[1]
	got, err := s.ResolveActor(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := RemoteActor{ID: a.ID, Type: "Person", PreferredUsername: a.Name, Inbox: a.Inbox, SharedInbox: a.SharedInbox, KeyID: a.KeyID}
	if got != want {
		t.Errorf("ResolveActor = %+v, want %+v", got, want)
	}
	if got.DeliveryInbox() != a.SharedInbox {
		t.Errorf("DeliveryInbox = %s", got.DeliveryInbox())
	}
	if _, err := s.ResolveActor(t.Context(), "https://example.com/users/a"); err == nil {
		t.Error("ResolveActor of a public host succeeded")
	}
}

func TestEd25519Multibase(t *testing.T) {
	// A did:key test vector: the key with JWK x O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik.
	pub, err := base64.RawURLEncoding.DecodeString("O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik")
	if err != nil {
		t.Fatal(err)
	}
	const want = "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	if got := ed25519Multibase(pub); got != want {
		t.Errorf("multibase = %s, want %s", got, want)
	}
	back, err := parseEd25519Multibase(want)
	if err != nil || !back.Equal(ed25519.PublicKey(pub)) {
		t.Errorf("parse %s = %x, %v", want, back, err)
	}
}

func TestParseEd25519MultibaseRejects(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{name: "not base58btc", in: "u6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"},
		{name: "not base58", in: "z0OIl"},
		{name: "not an ed25519 multicodec", in: "z" + "2NEpo7TZRRrLZSi2U"},
		{name: "too short", in: "z6Mkf5rGMoatrSj1f4CyvuHBeXJELe9RPdzo2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k, err := parseEd25519Multibase(tt.in); err == nil {
				t.Errorf("parsed %s as %x", tt.in, k)
			}
		})
	}
}
