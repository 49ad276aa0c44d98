package activitypub

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testNow is the clock of every test: after the test site's posts, before
// its future post.
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// keyCreated is when the test key was made, the actor's published date
// unless a post is older.
var keyCreated = time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)

// testKeyPEM is one RSA key for every test in the run: generating one per
// test would dominate the run time.
var testKeyPEM = sync.OnceValues(func() (string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
})

// fixture is a Handler over a copy of testdata/site, with its own store,
// wrapped around a stand-in for the site that says which path it served.
type fixture struct {
	t     testing.TB
	dir   string
	store *store.Store
	snap  atomic.Pointer[content.Snapshot]
	h     *Handler
	srv   http.Handler
	now   time.Time
	load  content.Options
}

func newFixture(t testing.TB, cfg Config, change ...func(*Options)) *fixture {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	if err := os.CopyFS(dir, os.DirFS("testdata/site")); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keyPEM, err := testKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ImportActorKey(t.Context(), keyPEM, keyCreated); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, store: st, now: testNow}
	f.load = content.Options{SiteDir: dir, Now: func() time.Time { return f.now }}
	f.reload()
	opts := Options{
		Config:   cfg,
		Store:    st,
		Snapshot: f.snap.Load,
		Version:  "1.2.3",
		Now:      func() time.Time { return f.now },
	}
	for _, c := range change {
		c(&opts)
	}
	h, err := NewHandler(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
	f.srv = h.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("site:" + r.URL.Path))
	}))
	return f
}

// reload reads the site again, as the watcher does after a change.
func (f *fixture) reload() {
	f.t.Helper()
	snap, err := content.Load(context.Background(), f.load)
	if err != nil {
		f.t.Fatal(err)
	}
	f.snap.Store(snap)
}

// write replaces a file of the site (relative to its root) and reloads.
func (f *fixture) write(rel, text string) {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.reload()
}

// remove deletes a file of the site and reloads.
func (f *fixture) remove(rel string) {
	f.t.Helper()
	if err := os.Remove(filepath.Join(f.dir, filepath.FromSlash(rel))); err != nil {
		f.t.Fatal(err)
	}
	f.reload()
}

// rename moves a file of the site and reloads.
func (f *fixture) rename(from, to string) {
	f.t.Helper()
	if err := os.Rename(filepath.Join(f.dir, filepath.FromSlash(from)), filepath.Join(f.dir, filepath.FromSlash(to))); err != nil {
		f.t.Fatal(err)
	}
	f.reload()
}

// do sends a request through the wrapped handler.
func (f *fixture) do(method, target string, hdr http.Header) *httptest.ResponseRecorder {
	f.t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	return w
}

func (f *fixture) get(target, accept string) *httptest.ResponseRecorder {
	f.t.Helper()
	var hdr http.Header
	if accept != "" {
		hdr = http.Header{"Accept": {accept}}
	}
	return f.do(http.MethodGet, target, hdr)
}

// objectID returns the object URL path of the post at permalink path p,
// as the actor's outbox knows it.
func (f *fixture) objectPath(permalinkPath string) string {
	f.t.Helper()
	idx, err := f.h.current(f.t.Context())
	if err != nil {
		f.t.Fatal(err)
	}
	e := idx.byPath[permalinkPath]
	if e == nil {
		f.t.Fatalf("no federated post at %s", permalinkPath)
	}
	return e.post.id.Path
}

// decode parses a JSON response body.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, body)
	}
	return m
}

// pemPattern matches a PEM public key inside JSON, which changes with each
// run's key.
var pemPattern = regexp.MustCompile(`-----BEGIN PUBLIC KEY-----[^"]*-----END PUBLIC KEY-----\\n`)

// checkGolden compares body, indented and with the public key replaced, to
// testdata/golden/name, or rewrites the file under -update.
func checkGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	got := pemPattern.ReplaceAll(body, []byte("PUBLIC KEY"))
	if filepath.Ext(name) == ".json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, got, "", "  "); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, body)
		}
		buf.WriteByte('\n')
		got = buf.Bytes()
	}
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
