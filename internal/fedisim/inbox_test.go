package fedisim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// do sends req and returns its status.
func do(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestInboxAcceptsSignedDeliveries(t *testing.T) {
	s := startSim(t, Options{Servers: 3, ActorsPerServer: 2, KeepBodies: true})
	actors := s.Actors()
	from, to := actors[0], actors[3]

	follow := s.Follow(from, to.ID)
	status, err := s.Send(t.Context(), from, to.Inbox, follow, Cavage)
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("Send Follow to personal inbox = %d, %v", status, err)
	}
	status, err = s.Send(t.Context(), from, to.SharedInbox, s.Like(from, "http://127.0.0.1:1/posts/1"), Cavage)
	if err != nil || status != http.StatusAccepted {
		t.Fatalf("Send Like to shared inbox = %d, %v", status, err)
	}
	// The same Follow again is a duplicate at that inbox.
	if status, err := s.Send(t.Context(), from, to.Inbox, follow, Cavage); err != nil || status != http.StatusAccepted {
		t.Fatalf("resend = %d, %v", status, err)
	}

	st := s.Stats()
	if st.Received != 3 || st.Accepted != 3 || st.RejectedTotal != 0 {
		t.Errorf("received %d accepted %d rejected %d, want 3 3 0", st.Received, st.Accepted, st.RejectedTotal)
	}
	if st.ByType["Follow"] != 2 || st.ByType["Like"] != 1 {
		t.Errorf("by type %v", st.ByType)
	}
	if st.Duplicates != 1 || st.Inboxes != 2 {
		t.Errorf("duplicates %d inboxes %d, want 1 2", st.Duplicates, st.Inboxes)
	}
	if st.KeyFetches != 1 {
		t.Errorf("key fetched %d times, want 1 (cached)", st.KeyFetches)
	}
	ds := s.Deliveries()
	if len(ds) != 3 {
		t.Fatalf("%d deliveries", len(ds))
	}
	d := ds[0]
	if d.Server != to.Server || d.Inbox != to.Inbox || d.Type != "Follow" || d.ID != follow["id"] ||
		d.Object != to.ID || d.Actor != from.ID || d.KeyID != from.KeyID || !d.Verified || d.Duplicate {
		t.Errorf("first delivery %+v", d)
	}
	var body map[string]any
	if err := json.Unmarshal(d.Body, &body); err != nil || body["id"] != follow["id"] {
		t.Errorf("kept body %s (%v)", d.Body, err)
	}
	if !ds[2].Duplicate {
		t.Errorf("resent Follow not marked duplicate")
	}

	s.Reset()
	if st := s.Stats(); st.Received != 0 || len(s.Deliveries()) != 0 || st.Duplicates != 0 {
		t.Errorf("after Reset: %+v", st)
	}
	if status, _ := s.Send(t.Context(), from, to.Inbox, follow, Cavage); status != http.StatusAccepted {
		t.Fatalf("send after reset = %d", status)
	}
	if st := s.Stats(); st.Duplicates != 0 {
		t.Errorf("duplicate after Reset: %+v", st)
	}
}

func TestInboxRejects(t *testing.T) {
	s := startSim(t, Options{Servers: 2, ActorsPerServer: 2, Keys: 2})
	actors := s.Actors()
	alice, bob, target := actors[0], actors[1], actors[2]
	if alice.rsaKey == bob.rsaKey {
		t.Fatal("alice and bob share a key")
	}

	// signed returns a delivery of a Follow by actor, signed as signer at now.
	signed := func(t *testing.T, actor, signer *Actor, now time.Time) (*http.Request, []byte) {
		body, _ := json.Marshal(s.Follow(actor, target.ID))
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target.Inbox, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/activity+json")
		if err := sign(req, body, signer, Cavage, now); err != nil {
			t.Fatal(err)
		}
		return req, body
	}
	setBody := func(req *http.Request, body []byte) {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}

	tests := []struct {
		name   string
		make   func(t *testing.T) *http.Request
		status int
		reason RejectReason
	}{
		{
			name: "correctly signed",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				return req
			},
			status: http.StatusAccepted,
		},
		{
			name: "unsigned",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				req.Header.Del("Signature")
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectUnsigned,
		},
		{
			name: "wrong digest",
			make: func(t *testing.T) *http.Request {
				req, body := signed(t, alice, alice, time.Now())
				setBody(req, bytes.Replace(body, []byte("Follow"), []byte("Follox"), 1))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectDigest,
		},
		{
			name: "stale date",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now().Add(-time.Hour-6*time.Minute))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectDate,
		},
		{
			name: "date too far ahead",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now().Add(time.Hour+time.Minute))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectDate,
		},
		{
			name: "key owner mismatch",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, bob, time.Now())
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectOwner,
		},
		{
			name: "signed by another key than named",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), alice.KeyID, bob.KeyID, 1))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectBadSignature,
		},
		{
			name: "digest not signed",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), " digest", "", 1))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectMissingHeader,
		},
		{
			name: "unsupported algorithm",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), `algorithm="rsa-sha256"`, `algorithm="hmac-sha256"`, 1))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectAlgorithm,
		},
		{
			name: "malformed signature",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				req.Header.Set("Signature", `keyId="`+alice.KeyID+`",headers="(request-target) host date digest`)
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectMalformed,
		},
		{
			name: "key not reachable",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), alice.KeyID, "https://example.com/users/a#main-key", 1))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectKeyFetch,
		},
		{
			name: "not JSON",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, alice, alice, time.Now())
				setBody(req, []byte("not json"))
				return req
			},
			status: http.StatusBadRequest,
			reason: RejectBody,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			if got := do(t, tt.make(t)); got != tt.status {
				t.Fatalf("status %d, want %d", got, tt.status)
			}
			st := s.Stats()
			if tt.reason == "" {
				if st.Accepted != 1 || st.RejectedTotal != 0 {
					t.Errorf("accepted %d rejected %v", st.Accepted, st.Rejected)
				}
				return
			}
			if st.Rejected[tt.reason] != 1 || st.RejectedTotal != 1 || st.Accepted != 0 {
				t.Errorf("rejected %v (accepted %d), want one %s", st.Rejected, st.Accepted, tt.reason)
			}
			ds := s.Deliveries()
			if len(ds) != 1 || ds[0].Verified || ds[0].Reason != tt.reason || ds[0].Detail == "" {
				t.Errorf("deliveries %+v", ds)
			}
		})
	}
}

// keyServer serves one actor whose key can be swapped, as a server that
// rotated its key would.
type keyServer struct {
	srv   *httptest.Server
	pem   atomic.Value // string
	gets  atomic.Int32
	actor string
}

func newKeyServer(t *testing.T) *keyServer {
	ks := &keyServer{}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.gets.Add(1)
		json.NewEncoder(w).Encode(map[string]any{
			"id":        ks.actor,
			"type":      "Person",
			"inbox":     ks.actor + "/inbox",
			"publicKey": map[string]any{"id": ks.actor + "#main-key", "owner": ks.actor, "publicKeyPem": ks.pem.Load()},
		})
	}))
	t.Cleanup(ks.srv.Close)
	ks.actor = ks.srv.URL + "/users/rotating"
	return ks
}

func (ks *keyServer) setKey(t *testing.T, k *rsa.PrivateKey) {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ks.pem.Store(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
}

func TestInboxRefetchesRotatedKey(t *testing.T) {
	s := startSim(t, Options{Servers: 1})
	target := s.Actors()[0]
	ks := newKeyServer(t)
	remote := &Actor{ID: ks.actor, KeyID: ks.actor + "#main-key"}

	send := func(key *rsa.PrivateKey) int {
		remote.rsaKey = key
		req, err := s.newDelivery(t.Context(), remote, target.Inbox, s.Like(remote, target.ID), Cavage)
		if err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	k2, _ := rsa.GenerateKey(rand.Reader, 2048)

	ks.setKey(t, k1)
	if got := send(k1); got != http.StatusAccepted {
		t.Fatalf("first key: status %d", got)
	}
	if got := send(k1); got != http.StatusAccepted || ks.gets.Load() != 1 {
		t.Fatalf("cached key: status %d after %d fetches", got, ks.gets.Load())
	}
	ks.setKey(t, k2)
	if got := send(k2); got != http.StatusAccepted {
		t.Fatalf("rotated key: status %d", got)
	}
	if n := ks.gets.Load(); n != 2 {
		t.Errorf("key fetched %d times, want 2", n)
	}
	// A forged signature makes one refetch, then fails.
	forged, _ := rsa.GenerateKey(rand.Reader, 2048)
	if got := send(forged); got != http.StatusUnauthorized {
		t.Fatalf("forged: status %d", got)
	}
	if n := ks.gets.Load(); n != 3 {
		t.Errorf("after a forged signature key fetched %d times, want 3", n)
	}
	if st := s.Stats(); st.Rejected[RejectBadSignature] != 1 || st.Accepted != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestWaitFor(t *testing.T) {
	s := startSim(t, Options{Servers: 2})
	from, to := s.Actors()[0], s.Actors()[1]
	go func() {
		time.Sleep(50 * time.Millisecond)
		s.Send(context.Background(), from, to.Inbox, s.Follow(from, to.ID), Cavage)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, func(st Stats) bool { return st.ByType["Follow"] == 1 }); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	if err := s.WaitFor(short, func(st Stats) bool { return st.Accepted > 1 }); err == nil {
		t.Error("WaitFor for something that never happens returned nil")
	}
}

func TestInboxRFC9421(t *testing.T) {
	s := startSim(t, Options{Servers: 2, Ed25519: true})
	alice, target := s.Actors()[0], s.Actors()[1]

	signed := func(t *testing.T, style SignStyle, now time.Time) (*http.Request, []byte) {
		body, _ := json.Marshal(s.Like(alice, target.ID))
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target.Inbox, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := sign(req, body, alice, style, now); err != nil {
			t.Fatal(err)
		}
		return req, body
	}
	tests := []struct {
		name   string
		make   func(t *testing.T) *http.Request
		status int
		reason RejectReason
		keyID  string
	}{
		{
			name: "rsa",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, RFC9421RSA, time.Now())
				return req
			},
			status: http.StatusAccepted,
			keyID:  alice.KeyID,
		},
		{
			name: "ed25519",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, RFC9421Ed25519, time.Now())
				return req
			},
			status: http.StatusAccepted,
			keyID:  alice.Ed25519KeyID,
		},
		{
			name: "tampered body",
			make: func(t *testing.T) *http.Request {
				req, body := signed(t, RFC9421Ed25519, time.Now())
				body = bytes.Replace(body, []byte("Like"), []byte("Lik3"), 1)
				req.Body = io.NopCloser(bytes.NewReader(body))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectDigest,
		},
		{
			name: "stale created",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, RFC9421RSA, time.Now().Add(-2*time.Hour))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectDate,
		},
		{
			name: "content-digest not covered",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, RFC9421RSA, time.Now())
				req.Header.Set("Signature-Input", strings.Replace(req.Header.Get("Signature-Input"), ` "content-digest"`, "", 1))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectMissingHeader,
		},
		{
			name: "other path",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, RFC9421RSA, time.Now())
				req.URL.Path = "/inbox"
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectBadSignature,
		},
		{
			name: "wrong alg for the key",
			make: func(t *testing.T) *http.Request {
				req, _ := signed(t, RFC9421Ed25519, time.Now())
				req.Header.Set("Signature-Input", strings.Replace(req.Header.Get("Signature-Input"), `alg="ed25519"`, `alg="rsa-v1_5-sha256"`, 1))
				return req
			},
			status: http.StatusUnauthorized,
			reason: RejectAlgorithm,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			if got := do(t, tt.make(t)); got != tt.status {
				t.Fatalf("status %d, want %d (%+v)", got, tt.status, s.Deliveries())
			}
			ds := s.Deliveries()
			if len(ds) != 1 {
				t.Fatalf("%d deliveries", len(ds))
			}
			if ds[0].Reason != tt.reason || ds[0].Verified != (tt.reason == "") {
				t.Errorf("delivery %+v, want reason %q", ds[0], tt.reason)
			}
			if tt.keyID != "" && ds[0].KeyID != tt.keyID {
				t.Errorf("key id %s, want %s", ds[0].KeyID, tt.keyID)
			}
		})
	}
}

func TestInboxUsesItsClock(t *testing.T) {
	sender := startSim(t, Options{Servers: 1})
	tests := []struct {
		name   string
		skew   time.Duration
		status int
	}{
		{name: "in step", skew: 0, status: http.StatusAccepted},
		{name: "receiver an hour and a minute ahead", skew: time.Hour + time.Minute, status: http.StatusAccepted},
		{name: "receiver two hours ahead", skew: 2 * time.Hour, status: http.StatusUnauthorized},
		{name: "receiver two hours behind", skew: -2 * time.Hour, status: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			receiver := startSim(t, Options{Servers: 1, Keys: 1, Now: func() time.Time { return time.Now().Add(tt.skew) }})
			from, to := sender.Actors()[0], receiver.Actors()[0]
			status, err := sender.Send(t.Context(), from, to.Inbox, sender.Follow(from, to.ID), Cavage)
			if err != nil || status != tt.status {
				t.Fatalf("status %d (%v), want %d", status, err, tt.status)
			}
			if tt.status != http.StatusAccepted && receiver.Stats().Rejected[RejectDate] != 1 {
				t.Errorf("rejected %v", receiver.Stats().Rejected)
			}
		})
	}
}
