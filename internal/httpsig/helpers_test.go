package httpsig

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// testKeys are generated once per test binary: RSA key generation is slow.
type testKeys struct {
	rsa, rsaOther *rsa.PrivateKey
	ed, edOther   ed25519.PrivateKey
}

var loadTestKeys = sync.OnceValues(func() (*testKeys, error) {
	k := &testKeys{}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	if _, k.edOther, err = ed25519.GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	return k, nil
})

func keys(t testing.TB) *testKeys {
	t.Helper()
	k, err := loadTestKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// resolveCall records one ResolveKey call.
type resolveCall struct {
	keyID   string
	refresh bool
}

// resolver serves keys by id: cached with refresh false, fresh with refresh
// true (cached when fresh has no entry). It records every call.
type resolver struct {
	mu     sync.Mutex
	cached map[string]*PublicKey
	fresh  map[string]*PublicKey
	err    error
	// refreshErr is returned for refresh requests.
	refreshErr error
	calls      []resolveCall
}

func newResolver(keyID string, key crypto.PublicKey) *resolver {
	return &resolver{cached: map[string]*PublicKey{keyID: {ID: keyID, Owner: actorOf(keyID), Key: key}}}
}

func (r *resolver) ResolveKey(_ context.Context, keyID string, refresh bool) (*PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, resolveCall{keyID, refresh})
	if r.err != nil {
		return nil, r.err
	}
	if refresh && r.refreshErr != nil {
		return nil, r.refreshErr
	}
	if refresh {
		if k, ok := r.fresh[keyID]; ok {
			return k, nil
		}
	}
	if k, ok := r.cached[keyID]; ok {
		return k, nil
	}
	return nil, errNoSuchKey
}

func (r *resolver) Calls() []resolveCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]resolveCall(nil), r.calls...)
}

var errNoSuchKey = errors.New("no such key")

func actorOf(keyID string) string {
	id, _, _ := strings.Cut(keyID, "#")
	return id
}

// received returns r as a server reads it off the wire: r is written as a
// client sends it and parsed back with http.ReadRequest.
func received(t testing.TB, r *http.Request, body []byte) *http.Request {
	t.Helper()
	out := r.Clone(context.Background())
	if body != nil {
		out.Body = readCloser{bytes.NewReader(body)}
		out.ContentLength = int64(len(body))
	}
	var buf bytes.Buffer
	if err := out.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// newRequest returns a client request; it fails the test on error.
func newRequest(t testing.TB, method, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
