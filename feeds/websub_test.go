package feeds

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/content"
)

// hub is a WebSub hub on loopback that records what it is told.
type hub struct {
	*httptest.Server
	mu      sync.Mutex
	topics  []string
	bad     []string      // requests that were not a proper publish
	fail    atomic.Bool   // answer 500
	hang    atomic.Bool   // answer only when the client gives up
	got     chan struct{} // one value per request answered while not hanging
	release chan struct{} // closed when the test ends
	// tried gets one value per request a client of Client sends, whether
	// or not it reaches the server before the client gives up.
	tried chan struct{}
}

// Client returns an HTTP client for the hub that reports every attempt on
// h.tried.
func (h *hub) Client() *http.Client {
	c := *h.Server.Client()
	c.Transport = countingTransport{base: c.Transport, tried: h.tried}
	return &c
}

type countingTransport struct {
	base  http.RoundTripper
	tried chan struct{}
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case t.tried <- struct{}{}:
	default: // a test that does not count attempts must not block on them
	}
	return t.base.RoundTrip(r)
}

func newHub(t *testing.T) *hub {
	h := &hub{got: make(chan struct{}, 1000), tried: make(chan struct{}, 10000), release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.hang.Load() {
			io.Copy(io.Discard, r.Body) // so the server notices when the client leaves
			select {
			case <-r.Context().Done():
			case <-h.release:
			}
			return
		}
		defer func() { h.got <- struct{}{} }()
		if h.fail.Load() {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		err := r.ParseForm()
		h.mu.Lock()
		defer h.mu.Unlock()
		if err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
			r.PostForm.Get("hub.mode") != "publish" || len(r.PostForm["hub.url"]) != 1 {
			h.bad = append(h.bad, r.Method+" "+r.Header.Get("Content-Type")+" "+r.PostForm.Encode())
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		h.topics = append(h.topics, r.PostForm.Get("hub.url"))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(func() {
		close(h.release)
		h.Close()
	})
	return h
}

// waitTried waits until clients have tried n requests.
func (h *hub) waitTried(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-h.tried:
		case <-time.After(10 * time.Second):
			t.Fatalf("clients tried fewer than %d requests", n)
		}
	}
}

// wait waits for n requests answered while not hanging and returns the
// topics published since the last call, sorted.
func (h *hub) wait(t *testing.T, n int) []string {
	t.Helper()
	for range n {
		select {
		case <-h.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("hub got fewer than %d requests", n)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bad) > 0 {
		t.Fatalf("hub got malformed requests: %q", h.bad)
	}
	topics := h.topics
	h.topics = nil
	slices.Sort(topics)
	return topics
}

// feedURLs returns the URLs of the feeds of the lists at dirs, sorted.
func feedURLs(base string, dirs ...string) []string {
	var urls []string
	for _, d := range dirs {
		for _, name := range []string{"index.xml", "atom.xml", "feed.json"} {
			urls = append(urls, base+d+name)
		}
	}
	slices.Sort(urls)
	return urls
}

func TestWebSubAnnouncesChangedFeeds(t *testing.T) {
	hub := newHub(t)
	dir := t.TempDir()
	copyTree(t, exampleSite, dir)
	var current atomic.Pointer[content.Snapshot]
	current.Store(load(t, dir))
	f := New(Options{Snapshot: current.Load, Hub: hub.URL + "/hub", Client: hub.Client()})
	updates := make(chan *content.Snapshot, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, updates) }()

	// At start every feed is announced: what changed while blogbridge
	// was stopped is unknown.
	all := allFeeds(f, current.Load())
	var want []string
	for _, p := range all {
		want = append(want, "http://localhost:8080"+p)
	}
	slices.Sort(want)
	if got := hub.wait(t, len(all)); !slices.Equal(got, want) {
		t.Fatalf("at start the hub heard of\n%q\nwant every feed\n%q", got, want)
	}

	// A new title changes the feeds that list the post, and only those.
	post := dir + "/content/posts/hello-fediverse.md"
	writeFile(t, post, strings.Replace(mustRead(t, post), "title: Hello, fediverse", "title: Hello again, fediverse", 1))
	next := load(t, dir)
	current.Store(next)
	updates <- next
	if got, want := hub.wait(t, 9), feedURLs("http://localhost:8080", "/", "/posts/", "/tags/meta/"); !slices.Equal(got, want) {
		t.Errorf("after a title change the hub heard of\n%q\nwant\n%q", got, want)
	}

	// A rebuild that changes nothing announces nothing; the change after
	// it announces its own feeds alone.
	unchanged := load(t, dir)
	current.Store(unchanged)
	updates <- unchanged
	post = dir + "/content/notes/first-note.md"
	writeFile(t, post, strings.Replace(mustRead(t, post), "both are right", "both are correct", 1))
	edited := load(t, dir)
	current.Store(edited)
	updates <- edited
	if got, want := hub.wait(t, 12), feedURLs("http://localhost:8080", "/", "/notes/", "/tags/meta/", "/tags/notes/"); !slices.Equal(got, want) {
		t.Errorf("after a rebuild with no change and an edit the hub heard of\n%q\nwant\n%q", got, want)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestWebSubRetriesAndNeverBlocksServing(t *testing.T) {
	hub := newHub(t)
	snap := load(t, exampleSite)
	var current atomic.Pointer[content.Snapshot]
	current.Store(snap)
	f := New(Options{Snapshot: current.Load, Hub: hub.URL, Client: hub.Client()})
	f.publishTimeout = 20 * time.Millisecond
	hub.hang.Store(true)
	updates := make(chan *content.Snapshot, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.Run(ctx, updates)

	// While the hub hangs, every notification gives up after the timeout
	// and feeds are served as usual.
	hub.waitTried(t, 2)
	start := time.Now()
	if resp := get(t, f.Wrap(notFound()), http.MethodGet, "/index.xml"); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d while the hub hangs", resp.StatusCode)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("serving took %v while the hub hangs", took)
	}
	n := len(allFeeds(f, snap))
	hub.waitTried(t, n-2) // every feed tried once, bounded by the timeout

	// The next snapshot, even an identical one, tries every feed again.
	hub.hang.Store(false)
	again := load(t, exampleSite)
	current.Store(again)
	updates <- again
	if got := hub.wait(t, n); len(got) != n {
		t.Errorf("after the hub recovered it heard of %d feeds, want %d", len(got), n)
	}
}

func TestWebSubAdvertised(t *testing.T) {
	snap := load(t, exampleSite)
	const hubURL = "https://hub.example/"
	h := New(Options{Snapshot: fixed(snap), Hub: hubURL}).Wrap(notFound())
	tests := []struct {
		path, hub, self string
	}{
		{path: "/atom.xml", hub: `<link href="https://hub.example/" rel="hub">`, self: `<link href="http://localhost:8080/atom.xml" rel="self" type="application/atom+xml">`},
		{path: "/tags/meta/index.xml", hub: `<atom:link href="https://hub.example/" rel="hub">`, self: `<atom:link href="http://localhost:8080/tags/meta/index.xml" rel="self" type="application/rss+xml">`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := get(t, h, http.MethodGet, tt.path)
			body := string(readBody(t, resp))
			if !strings.Contains(body, tt.hub) || !strings.Contains(body, tt.self) {
				t.Errorf("document lacks %s or %s", tt.hub, tt.self)
			}
			want := `<https://hub.example/>; rel="hub", <http://localhost:8080` + tt.path + `>; rel="self"`
			if got := resp.Header.Get("Link"); got != want {
				t.Errorf("Link: %s, want %s", got, want)
			}
		})
	}
	t.Run("/feed.json", func(t *testing.T) {
		var doc struct {
			FeedURL string `json:"feed_url"`
			Hubs    []struct{ Type, URL string }
		}
		if err := json.Unmarshal(readBody(t, get(t, h, http.MethodGet, "/feed.json")), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.FeedURL != "http://localhost:8080/feed.json" || len(doc.Hubs) != 1 || doc.Hubs[0].Type != "WebSub" || doc.Hubs[0].URL != hubURL {
			t.Errorf("feed_url %q, hubs %+v", doc.FeedURL, doc.Hubs)
		}
	})
}

func TestRunWithoutHub(t *testing.T) {
	f := New(Options{Snapshot: fixed(load(t, exampleSite))})
	done := make(chan error, 1)
	go func() { done <- f.Run(context.Background(), make(chan *content.Snapshot)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run without a hub did not return")
	}
}
