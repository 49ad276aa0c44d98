package delivery

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/internal/httpsig"
	"github.com/blogbridge/blogbridge/internal/outbound"
	"github.com/blogbridge/blogbridge/store"
)

const testKeyID = "https://blog.example/actor#main-key"

// testKey is the blog's RSA-2048 key, made once per test binary.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// keyResolver knows only the test key.
type keyResolver struct{}

func (keyResolver) ResolveKey(_ context.Context, keyID string, _ bool) (*httpsig.PublicKey, error) {
	if keyID != testKeyID {
		return nil, fmt.Errorf("unknown key %s", keyID)
	}
	return &httpsig.PublicKey{ID: testKeyID, Owner: "https://blog.example/actor", Key: &testKey().PublicKey}, nil
}

// received is one request an inbox got.
type received struct {
	path     string
	activity string // the activity's id
	kind     string // its type
	status   int    // what the inbox answered
	at       time.Time
	close    bool // the request asked to close the connection
}

// inboxServer is a test server whose paths are inboxes. It verifies every
// request's signature and records it.
type inboxServer struct {
	*httptest.Server
	verifier *httpsig.Verifier
	// respond chooses the answer to a request: the status and headers.
	respond func(r *http.Request, n int) (int, http.Header)

	mu   sync.Mutex
	got  []received
	errs []error
}

// newInboxServer starts an inbox server; respond nil answers 202.
func newInboxServer(t testing.TB, respond func(r *http.Request, n int) (int, http.Header)) *inboxServer {
	s := &inboxServer{
		verifier: httpsig.NewVerifier(keyResolver{}, httpsig.VerifierOptions{}),
		respond:  respond,
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *inboxServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != contentType {
			err = fmt.Errorf("%s with content type %q", r.Method, r.Header.Get("Content-Type"))
		} else if _, verr := s.verifier.Verify(r.Context(), r, body); verr != nil {
			err = fmt.Errorf("signature: %w", verr)
		} else if !strings.Contains(r.Header.Get("Signature"), `algorithm="rsa-sha256"`) ||
			!strings.Contains(r.Header.Get("Signature"), `headers="(request-target) host date digest"`) {
			err = fmt.Errorf("signature header %q", r.Header.Get("Signature"))
		}
	}
	var a struct{ ID, Type string }
	if err == nil {
		err = json.Unmarshal(body, &a)
	}
	s.mu.Lock()
	n := 1
	for _, g := range s.got {
		if g.path == r.URL.Path {
			n++
		}
	}
	status, header := http.StatusAccepted, http.Header(nil)
	if s.respond != nil {
		status, header = s.respond(r, n)
	}
	if err != nil {
		s.errs = append(s.errs, err)
	}
	s.got = append(s.got, received{path: r.URL.Path, activity: a.ID, kind: a.Type, status: status, at: time.Now(), close: r.Close})
	s.mu.Unlock()
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
}

// requests returns what the server got, in order.
func (s *inboxServer) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// accepted counts the requests to path that were answered 2xx.
func (s *inboxServer) accepted(path string) int {
	n := 0
	for _, g := range s.requests() {
		if g.path == path && g.status < 300 {
			n++
		}
	}
	return n
}

// checkSignatures fails t if any request was badly signed.
func (s *inboxServer) checkSignatures(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, err := range s.errs {
		t.Errorf("inbox %s: %v", s.URL, err)
	}
}

// testWriter logs to t.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// openStore opens a store in dir, closed when the test ends (after the
// queues started after it stop).
func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newTestQueue returns a queue over st with test options: opts fields left
// zero take the test defaults.
func newTestQueue(t testing.TB, st *store.Store, opts Options) *Queue {
	t.Helper()
	opts.Store = st
	if opts.Client == nil {
		opts.Client = newClient()
	}
	opts.KeyID, opts.Key = testKeyID, testKey()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if opts.BackoffBase == 0 {
		opts.BackoffBase = 20 * time.Millisecond
	}
	if opts.BackoffMax == 0 {
		opts.BackoffMax = 100 * time.Millisecond
	}
	q, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// start runs q until the returned stop is called (or the test ends); stop
// returns Run's error.
func start(t testing.TB, q *Queue) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				err = errors.New("Run did not return")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return stop
}

// waitFor waits until cond holds, failing t after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// activity returns an activity of the given type about object.
func activity(id, kind, object string) Activity {
	body, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id,
		"type":     kind,
		"actor":    "https://blog.example/actor",
		"object":   object,
	})
	return Activity{ID: id, ObjectID: object, Body: body}
}

// queueStats returns q's stats, failing t on error.
func queueStats(t testing.TB, q *Queue) Stats {
	t.Helper()
	st, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// newClient returns a client that may reach loopback.
func newClient() *outbound.Client {
	return outbound.New(outbound.Options{AllowPrivate: true, Timeout: 5 * time.Second})
}
