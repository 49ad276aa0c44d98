package httpsig

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func BenchmarkSignRSA2048(b *testing.B) {
	k := keys(b)
	s := NewSigner(testKeyID, k.rsa)
	r := newRequest(b, http.MethodPost, inboxURL)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Sign(r, testBody, signTime); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignRFC9421RSA2048(b *testing.B) {
	k := keys(b)
	s := NewSigner(testKeyID, k.rsa)
	r := newRequest(b, http.MethodPost, inboxURL)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SignRFC9421(r, testBody, signTime); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkVerify verifies one received POST over and over.
func benchmarkVerify(b *testing.B, sign func(*Signer, *http.Request, []byte, time.Time) error) {
	k := keys(b)
	r := newRequest(b, http.MethodPost, inboxURL)
	if err := sign(NewSigner(testKeyID, k.rsa), r, testBody, signTime); err != nil {
		b.Fatal(err)
	}
	sr := received(b, r, testBody)
	v := NewVerifier(newResolver(testKeyID, k.rsa.Public()), VerifierOptions{Now: func() time.Time { return signTime }, Scheme: "https"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, sr, testBody); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRSA2048(b *testing.B) {
	benchmarkVerify(b, (*Signer).Sign)
}

func BenchmarkVerifyRFC9421RSA2048(b *testing.B) {
	benchmarkVerify(b, (*Signer).SignRFC9421)
}

func BenchmarkKeyID(b *testing.B) {
	k := keys(b)
	r := newRequest(b, http.MethodPost, inboxURL)
	if err := NewSigner(testKeyID, k.rsa).Sign(r, testBody, signTime); err != nil {
		b.Fatal(err)
	}
	sr := received(b, r, testBody)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := KeyID(sr); err != nil {
			b.Fatal(err)
		}
	}
}
