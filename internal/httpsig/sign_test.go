package httpsig

import (
	"crypto"
	"net/http"
	"strings"
	"testing"

	gofed "github.com/go-fed/httpsig"
)

// TestSignAsGoFed checks that Sign makes the Signature, Date and Digest
// headers go-fed/httpsig makes for the same request, key and time, with the
// algorithm named rsa-sha256 for RSA keys as Mastodon expects.
func TestSignAsGoFed(t *testing.T) {
	k := keys(t)
	requests := []struct {
		name, method, url string
		body              []byte
	}{
		{"post", http.MethodPost, "https://blog.example/users/blog/inbox", testBody},
		{"empty body", http.MethodPost, "https://blog.example/inbox", []byte{}},
		{"get", http.MethodGet, "https://blog.example/users/blog/outbox?page=2&x=%2F", nil},
		{"escaped path", http.MethodGet, "https://blog.example/posts/caf%C3%A9%20au%20lait", nil},
		{"port", http.MethodGet, "https://blog.example:8443/users/alice", nil},
	}
	keyTypes := []struct {
		name string
		key  crypto.Signer
		algo gofed.Algorithm
	}{
		{"rsa", k.rsa, gofed.RSA_SHA256},
		{"ed25519", k.ed, gofed.ED25519},
	}
	for _, kt := range keyTypes {
		for _, rc := range requests {
			t.Run(kt.name+"/"+rc.name, func(t *testing.T) {
				got := newRequest(t, rc.method, rc.url)
				if err := NewSigner(testKeyID, kt.key).Sign(got, rc.body, signTime); err != nil {
					t.Fatal(err)
				}

				want := newRequest(t, rc.method, rc.url)
				headers := []string{gofed.RequestTarget, "host", "date"}
				if rc.body != nil {
					headers = append(headers, "digest")
				}
				gs, _, err := gofed.NewSigner([]gofed.Algorithm{kt.algo}, gofed.DigestSha256, headers, gofed.Signature, 0)
				if err != nil {
					t.Fatal(err)
				}
				want.Header.Set("Date", signTime.UTC().Format(http.TimeFormat))
				want.Header.Set("Host", want.URL.Host)
				want.URL.Path, want.URL.RawPath = requestPath(want.URL), ""
				if err := gs.SignRequest(kt.key, testKeyID, want, rc.body); err != nil {
					t.Fatal(err)
				}
				wantSig := want.Header.Get("Signature")
				if kt.name == "rsa" {
					wantSig = strings.Replace(wantSig, `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1)
				}

				for _, name := range []string{"Signature", "Date", "Digest"} {
					g, w := got.Header.Values(name), want.Header.Values(name)
					if name == "Signature" {
						w = []string{wantSig}
					}
					if strings.Join(g, "\n") != strings.Join(w, "\n") {
						t.Errorf("%s:\n got %q\nwant %q", name, g, w)
					}
				}
			})
		}
	}
}
