package front

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// serve runs a Server on ln until the test ends, and then shuts it down.
func serve(t *testing.T, opts Options, ln net.Listener) *Server {
	t.Helper()
	s := New(opts)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return s
}

// startTCP runs a Server on a loopback port and returns it and its address.
func startTCP(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, opts, ln), ln.Addr().String()
}

// start runs a Server on an in-memory listener and returns a client for
// it; every URL's host reaches the server.
func start(t *testing.T, opts Options) *http.Client {
	t.Helper()
	ln := fasthttputil.NewInmemoryListener()
	serve(t, opts, ln)
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:        func(context.Context, string, string) (net.Conn, error) { return ln.Dial() },
			DisableCompression: true,
		},
	}
}

// response is what a test compares of a response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", r.status)
	r.header.Write(&b)
	fmt.Fprintf(&b, "%d bytes", len(r.body))
	return b.String()
}

// TestServeFastMatchesServe sends every document through fasthttp and
// through net/http for the same requests: the status, every header but
// Date, and the bytes must be the same.
func TestServeFastMatchesServe(t *testing.T) {
	big := bytes.Repeat([]byte(`{"content": "<p>a post</p>"} `), 200)
	modified := time.Date(2024, 3, 19, 10, 0, 0, 0, time.UTC)
	docs := map[string]*httpcache.Document{
		"/big": httpcache.NewDocument(big, httpcache.Spec{
			ContentType: "application/activity+json; charset=utf-8", CacheControl: "public, max-age=60", CORS: true}),
		"/small": httpcache.NewDocument([]byte(`{"subject": "acct:blog@blog.example"}`), httpcache.Spec{
			ContentType: "application/jrd+json; charset=utf-8", CacheControl: "public, max-age=60", CORS: true}),
		"/feed": httpcache.NewDocument(big, httpcache.Spec{
			ContentType: "application/rss+xml; charset=utf-8", CacheControl: "public, no-cache",
			LastModified: modified, Link: `<https://hub.example/>; rel="hub"`}),
		"/gone": httpcache.NewDocument(big, httpcache.Spec{
			Status: http.StatusGone, ContentType: "application/activity+json; charset=utf-8", CacheControl: "public, max-age=300"}),
	}
	client := start(t, Options{
		Find:    []Finder{func(path, _ string) *httpcache.Document { return docs[path] }},
		Handler: http.NotFoundHandler(),
	})

	requests := []struct {
		method string
		header http.Header
	}{
		{http.MethodGet, nil},
		{http.MethodHead, nil},
		{http.MethodGet, http.Header{"Accept-Encoding": {"gzip"}}},
		{http.MethodHead, http.Header{"Accept-Encoding": {"gzip, br"}}},
		{http.MethodGet, http.Header{"Accept-Encoding": {"br", "gzip;q=0.5"}}},
		{http.MethodGet, http.Header{"Accept-Encoding": {"gzip;q=0"}}},
		{http.MethodGet, http.Header{"If-Modified-Since": {modified.Format(http.TimeFormat)}}},
		{http.MethodGet, http.Header{"If-Modified-Since": {modified.Add(-time.Hour).Format(http.TimeFormat)}}},
	}
	for path, doc := range docs {
		etag, gzETag := doc.ETag(), strings.TrimSuffix(doc.ETag(), `"`)+`-gzip"`
		all := append(requests[:len(requests):len(requests)],
			struct {
				method string
				header http.Header
			}{http.MethodGet, http.Header{"If-None-Match": {etag}}},
			struct {
				method string
				header http.Header
			}{http.MethodGet, http.Header{"If-None-Match": {`"other", W/` + gzETag}, "Accept-Encoding": {"gzip"}}},
			struct {
				method string
				header http.Header
			}{http.MethodGet, http.Header{"If-None-Match": {gzETag}}},
		)
		for _, rq := range all {
			name := fmt.Sprintf("%s %s %v", rq.method, path, rq.header)
			want := viaNetHTTP(doc, rq.method, rq.header)
			got := viaFront(t, client, rq.method, path, rq.header)
			got.header.Del("Date")
			if got.status != want.status || !bytes.Equal(got.body, want.body) || !equalHeaders(got.header, want.header) {
				t.Errorf("%s:\nfasthttp:\n%s\nnet/http:\n%s", name, got, want)
			}
		}
	}
}

func viaNetHTTP(doc *httpcache.Document, method string, header http.Header) response {
	r := httptest.NewRequest(method, "/", nil)
	r.Header = header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	w := httptest.NewRecorder()
	doc.Serve(w, r, false)
	h := w.Header().Clone()
	if w.Code == http.StatusNotModified {
		h.Del("Content-Length") // net/http's server drops it; the recorder keeps it
	}
	return response{w.Code, h, w.Body.Bytes()}
}

func viaFront(t *testing.T, client *http.Client, method, path string, header http.Header) response {
	t.Helper()
	r, err := http.NewRequest(method, "http://blog.example"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}

// TestHandlerGetsItsOwnRequest checks that what the net/http handler keeps
// of a request outlives it: fasthttp reuses a connection's buffers for its
// next request, so strings the adaptor points into them would change.
func TestHandlerGetsItsOwnRequest(t *testing.T) {
	type kept struct{ method, path, query, host, key, ctxValue string }
	var (
		mu   sync.Mutex
		seen []kept
	)
	type ctxKey struct{}
	base := context.WithValue(context.Background(), ctxKey{}, "base")
	client := start(t, Options{
		Find: []Finder{func(string, string) *httpcache.Document { return nil }},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v, _ := r.Context().Value(ctxKey{}).(string)
			mu.Lock()
			seen = append(seen, kept{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.Header.Get("X-Key"), v})
			mu.Unlock()
			io.WriteString(w, "ok")
		}),
		BaseContext: base,
	})
	var want []kept
	for i := range 20 {
		method := []string{http.MethodGet, http.MethodPost, http.MethodDelete}[i%3]
		k := kept{method, fmt.Sprintf("/path/%d/%s", i, strings.Repeat("x", i)), fmt.Sprintf("q=%d", i),
			fmt.Sprintf("host%d.example", i), strings.Repeat(string(rune('a'+i)), 40), "base"}
		want = append(want, k)
		r, err := http.NewRequest(method, "http://"+k.host+k.path+"?"+k.query, strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-Key", k.key)
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range want {
		if i >= len(seen) || seen[i] != want[i] {
			t.Fatalf("request %d kept %+v, want %+v", i, seen[i:], want[i])
		}
	}
}

// TestLimits checks the answers to a body or a head too large: 413 and
// 431, without the handler seeing the request.
func TestLimits(t *testing.T) {
	called := false
	client := start(t, Options{
		Handler:       http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }),
		MaxBodySize:   1 << 10,
		MaxHeaderSize: 4 << 10,
	})
	r, _ := http.NewRequest(http.MethodPost, "http://blog.example/ap/inbox", bytes.NewReader(make([]byte, 2<<10)))
	if resp, err := client.Do(r); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the limit: %v %v, want 413", resp, err)
	}
	r, _ = http.NewRequest(http.MethodGet, "http://blog.example/", nil)
	r.Header.Set("Cookie", strings.Repeat("c", 8<<10))
	if resp, err := client.Do(r); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("head over the limit: %v %v, want 431", resp, err)
	}
	if called {
		t.Error("the handler saw a request over a limit")
	}
}

// TestStalledReaderLosesConnection asks for a document far larger than the
// socket buffers and never reads it: the write timeout must close the
// server's side of the connection. (The client cannot see that close: the
// FIN waits behind the data it does not read.)
func TestStalledReaderLosesConnection(t *testing.T) {
	const timeout = 400 * time.Millisecond
	docs := map[string]*httpcache.Document{
		"/small": httpcache.NewDocument([]byte("small\n"), httpcache.Spec{ContentType: "text/plain"}),
		"/big":   httpcache.NewDocument(bytes.Repeat([]byte("0123456789abcdef"), 1<<20), httpcache.Spec{ContentType: "text/plain"}),
	}
	s, addr := startTCP(t, Options{
		Find:           []Finder{func(path, _ string) *httpcache.Document { return docs[path] }},
		Handler:        http.NotFoundHandler(),
		RequestTimeout: timeout,
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4 << 10)
	// One response read in full first: the timeout is per response, not
	// per connection.
	br := bufio.NewReader(c)
	fmt.Fprint(c, "GET /small HTTP/1.1\r\nHost: blog.example\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	fmt.Fprint(c, "GET /big HTTP/1.1\r\nHost: blog.example\r\n\r\n")
	asked := time.Now()
	for s.srv.GetOpenConnectionsCount() > 0 {
		if time.Since(asked) > 10*time.Second {
			t.Fatal("the connection of a reader that stopped reading is still open after 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(asked); took > 5*timeout {
		t.Errorf("closed %v after the request, want within the %v request timeout", took, timeout)
	}
}
