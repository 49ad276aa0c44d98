package httpsig

import (
	"context"
	"crypto"
	"crypto/tls"
	"net/http"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	k := keys(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	const keyID = "https://remote.example/users/alice#main-key"
	body := []byte(`{"type":"Follow","actor":"https://remote.example/users/alice"}`)
	type signFunc func(s *Signer, r *http.Request, body []byte, now time.Time) error
	kinds := []struct {
		name string
		sign signFunc
	}{
		{"cavage", (*Signer).Sign},
		{"rfc9421", (*Signer).SignRFC9421},
	}
	keyTypes := []struct {
		name string
		priv crypto.Signer
		pub  crypto.PublicKey
	}{
		{"rsa", k.rsa, k.rsa.Public()},
		{"ed25519", k.ed, k.ed.Public()},
	}
	requests := []struct {
		name   string
		method string
		url    string
		body   []byte
	}{
		{"post", http.MethodPost, "https://blog.example/users/blog/inbox", body},
		{"get", http.MethodGet, "https://blog.example/users/blog/outbox?page=2&x=%2F", nil},
		{"escaped path", http.MethodGet, "https://blog.example/posts/caf%C3%A9%20au%20lait", nil},
		{"non-default port", http.MethodPost, "https://blog.example:8443/inbox", []byte{}},
	}
	for _, kind := range kinds {
		for _, kt := range keyTypes {
			for _, rc := range requests {
				t.Run(kind.name+"/"+kt.name+"/"+rc.name, func(t *testing.T) {
					r := newRequest(t, rc.method, rc.url)
					if err := kind.sign(NewSigner(keyID, kt.priv), r, rc.body, now); err != nil {
						t.Fatal(err)
					}
					if _, ok := r.Header["Host"]; ok {
						t.Error("Sign left a Host header on the request")
					}
					sr := received(t, r, rc.body)
					sr.TLS = &tls.ConnectionState{}
					res := newResolver(keyID, kt.pub)
					v := NewVerifier(res, VerifierOptions{Now: func() time.Time { return now.Add(30 * time.Second) }})
					got, err := v.Verify(context.Background(), sr, rc.body)
					if err != nil {
						t.Fatalf("Verify: %v\nrequest headers: %v", err, sr.Header)
					}
					if got.ID != keyID || got.Owner != "https://remote.example/users/alice" {
						t.Errorf("Verify returned key %q of %q", got.ID, got.Owner)
					}
					if id, err := KeyID(sr); err != nil || id != keyID {
						t.Errorf("KeyID = %q, %v; want %q", id, err, keyID)
					}
					if calls := res.Calls(); len(calls) != 1 || calls[0].refresh {
						t.Errorf("resolver calls = %v, want one without refresh", calls)
					}
				})
			}
		}
	}
}
