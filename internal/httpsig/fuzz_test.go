package httpsig

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sentinels are the errors every Verify failure must wrap (beside the
// resolver's own).
var sentinels = []error{ErrNoSignature, ErrMalformed, ErrMissingComponent, ErrDigestMismatch,
	ErrExpired, ErrUnsupportedAlgorithm, ErrBadSignature, errNoSuchKey}

// checkOutcome checks what KeyID and Verify say about one request.
func checkOutcome(t *testing.T, r *http.Request, body []byte, v *Verifier) {
	t.Helper()
	id, idErr := KeyID(r)
	pk, err := v.Verify(context.Background(), r, body)
	if err != nil {
		known := false
		for _, s := range sentinels {
			known = known || errors.Is(err, s)
		}
		if !known {
			t.Fatalf("Verify error %v wraps none of the sentinels", err)
		}
		return
	}
	if idErr != nil || id != pk.ID {
		t.Fatalf("Verify accepted key %q but KeyID = %q, %v", pk.ID, id, idErr)
	}
}

func FuzzCavageHeader(f *testing.F) {
	k := keys(f)
	r := newRequest(f, http.MethodPost, inboxURL)
	if err := NewSigner(testKeyID, k.rsa).Sign(r, testBody, signTime); err != nil {
		f.Fatal(err)
	}
	sig := r.Header.Get("Signature")
	f.Add(sig)
	f.Add(strings.ReplaceAll(sig, `",`, `", `))
	f.Add(strings.Replace(sig, `algorithm="rsa-sha256",`, "", 1))
	f.Add(`keyId="k",algorithm="hs2019",created=1740830400,expires=1740830700,headers="(request-target) (created) (expires) host digest",signature="AAAA"`)
	f.Add(`keyId="k",headers="",signature=""`)
	sr := received(f, r, testBody)
	v := NewVerifier(newResolver(testKeyID, k.rsa.Public()), VerifierOptions{Now: func() time.Time { return signTime }})
	f.Fuzz(func(t *testing.T, sig string) {
		r := sr.Clone(context.Background())
		r.Header["Signature"] = []string{sig}
		checkOutcome(t, r, testBody, v)
		delete(r.Header, "Signature")
		r.Header["Authorization"] = []string{"Signature " + sig}
		checkOutcome(t, r, testBody, v)
	})
}

func FuzzSignatureInput(f *testing.F) {
	k := keys(f)
	seed := func(key string, body []byte) *http.Request {
		r := newRequest(f, http.MethodPost, inboxURL)
		s := NewSigner(testKeyID, k.rsa)
		if key == "ed25519" {
			s = NewSigner(testKeyID, k.ed)
		}
		if err := s.SignRFC9421(r, body, signTime); err != nil {
			f.Fatal(err)
		}
		return r
	}
	r := seed("rsa", testBody)
	f.Add(r.Header.Get("Signature-Input"), r.Header.Get("Signature"), r.Header.Get("Content-Digest"))
	re := seed("ed25519", testBody)
	f.Add(re.Header.Get("Signature-Input"), re.Header.Get("Signature"), re.Header.Get("Content-Digest"))
	f.Add(`a=("@method");created=1;keyid="x", `+r.Header.Get("Signature-Input"), `a=:AAAA:, `+r.Header.Get("Signature"), r.Header.Get("Content-Digest"))
	f.Add(`sig1=("@method" "@authority" "@path" "@query" "@request-target" "@scheme" "host" "content-digest");created=1740830400;expires=1740830700;keyid="k";alg="ed25519";nonce="n"`,
		`sig1=:AAAA:`, `sha-512=:AAAA:, sha-256=:BBBB:`)
	sr := received(f, r, testBody)
	v := NewVerifier(newResolver(testKeyID, k.rsa.Public()), VerifierOptions{Now: func() time.Time { return signTime }, Scheme: "https"})
	f.Fuzz(func(t *testing.T, input, sig, digest string) {
		r := sr.Clone(context.Background())
		r.Header["Signature-Input"] = []string{input}
		r.Header["Signature"] = []string{sig}
		r.Header["Content-Digest"] = []string{digest}
		checkOutcome(t, r, testBody, v)
	})
}
