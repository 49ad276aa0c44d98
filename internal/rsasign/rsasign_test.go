package rsasign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"os"
	"strings"
	"sync"
	"testing"
)

// library loads libcrypto, or skips the test where it cannot be loaded.
// With BLOGBRIDGE_TEST_LIBCRYPTO=required, as .ci/run sets it, it fails
// instead.
func library(tb testing.TB) *Library {
	tb.Helper()
	lib, err := Load("")
	if err != nil {
		if os.Getenv("BLOGBRIDGE_TEST_LIBCRYPTO") == "required" {
			tb.Fatalf("libcrypto does not load, and BLOGBRIDGE_TEST_LIBCRYPTO=required: %v", err)
		}
		tb.Skipf("libcrypto does not load here, so only crypto/rsa signs: %v", err)
	}
	return lib
}

func newKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// newLibcryptoSigner makes a key and its libcrypto signer, or skips the
// test as library does.
func newLibcryptoSigner(t *testing.T) (*rsa.PrivateKey, crypto.Signer) {
	t.Helper()
	k := newKey(t)
	s, err := library(t).Signer(k)
	if err != nil {
		t.Fatal(err)
	}
	return k, s
}

func TestSameSignaturesAsCryptoRSA(t *testing.T) {
	lib := library(t)
	if !strings.Contains(lib.String(), "OpenSSL") {
		t.Errorf("String() = %q, want OpenSSL's version", lib.String())
	}
	for range 3 {
		k := newKey(t)
		s, err := lib.Signer(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*signer); !ok {
			t.Fatalf("Signer returned %T, not a libcrypto signer", s)
		}
		if !k.PublicKey.Equal(s.Public()) {
			t.Fatal("Public() is not the key's public key")
		}
		for _, msg := range []string{"", "(request-target): post /inbox", strings.Repeat("x", 5000)} {
			sum := sha256.Sum256([]byte(msg))
			got, err := s.Sign(rand.Reader, sum[:], crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			want, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("libcrypto's signature of %.20q differs from crypto/rsa's", msg)
			}
		}
	}
}

func TestConcurrentSigning(t *testing.T) {
	k, s := newLibcryptoSigner(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				sum := sha256.Sum256([]byte{byte(g), byte(i)})
				sig, err := s.Sign(nil, sum[:], crypto.SHA256)
				if err != nil {
					t.Error(err)
					return
				}
				if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
					t.Errorf("goroutine %d, signature %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestOtherSignaturesUseCryptoRSA(t *testing.T) {
	k, s := newLibcryptoSigner(t)
	sum := sha256.Sum256([]byte("pss"))
	pss := &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}
	sig, err := s.Sign(rand.Reader, sum[:], pss)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPSS(&k.PublicKey, crypto.SHA256, sum[:], sig, pss); err != nil {
		t.Errorf("PSS signature does not verify: %v", err)
	}
	if _, err := s.Sign(nil, sum[:20], crypto.SHA256); err == nil || !strings.Contains(err.Error(), "got 20") {
		t.Errorf("20-byte digest: err = %v, want one that names the length", err)
	}
}

func TestGoSignsWithTheKeyItself(t *testing.T) {
	lib, err := Load(Go)
	if lib != nil || err != nil {
		t.Fatalf("Load(Go) = %v, %v; want nil, nil", lib, err)
	}
	if lib.String() != "Go crypto/rsa" {
		t.Errorf("String() = %q", lib.String())
	}
	k := newKey(t)
	s, err := lib.Signer(k)
	if err != nil || s != crypto.Signer(k) {
		t.Fatalf("Signer = %T, %v; want the key itself", s, err)
	}
}

func TestLoadMissingLibrary(t *testing.T) {
	const name = "libcrypto-that-is-not-there.so.9"
	lib, err := Load(name)
	if lib != nil || err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("Load(%q) = %v, %v; want nil and an error naming the file", name, lib, err)
	}
}

// BenchmarkSign compares one signature with crypto/rsa and with libcrypto,
// on one goroutine: go test -bench Sign ./internal/rsasign.
func BenchmarkSign(b *testing.B) {
	k := newKey(b)
	sum := sha256.Sum256([]byte("(request-target): post /inbox"))
	b.Run("crypto-rsa", func(b *testing.B) {
		for b.Loop() {
			if _, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("libcrypto", func(b *testing.B) {
		s, err := library(b).Signer(k)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.Sign(nil, sum[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	})
}
