package feeds

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/content"
)

func TestServe(t *testing.T) {
	snap := load(t, exampleSite)
	h := New(Options{Snapshot: fixed(snap)}).Wrap(notFound())
	plain := get(t, h, http.MethodGet, "/index.xml")
	body := readBody(t, plain)
	etag, modified := plain.Header.Get("ETag"), plain.Header.Get("Last-Modified")
	zipped := get(t, h, http.MethodGet, "/index.xml", "Accept-Encoding: gzip")
	gzETag := zipped.Header.Get("ETag")
	if etag == "" || gzETag == "" || etag == gzETag {
		t.Fatalf("ETags %q and %q: want two different strong validators", etag, gzETag)
	}

	tests := []struct {
		name, method, path string
		header             []string
		status             int
		wantHeader         map[string]string // "" means absent
		gzip               bool              // body is the gzipped document
		emptyBody          bool
	}{
		{
			name: "RSS", method: "GET", path: "/index.xml", status: 200,
			wantHeader: map[string]string{
				"Content-Type":     "application/rss+xml; charset=utf-8",
				"Cache-Control":    "public, no-cache",
				"Vary":             "Accept-Encoding",
				"Content-Encoding": "",
				"ETag":             etag,
				"Last-Modified":    "Tue, 20 Jan 2026 12:00:00 GMT",
				"Link":             "",
			},
		},
		{name: "Atom", method: "GET", path: "/atom.xml", status: 200, wantHeader: map[string]string{"Content-Type": "application/atom+xml; charset=utf-8"}},
		{name: "JSON Feed", method: "GET", path: "/feed.json", status: 200, wantHeader: map[string]string{"Content-Type": "application/feed+json; charset=utf-8"}},
		{name: "section", method: "GET", path: "/posts/index.xml", status: 200},
		{name: "term", method: "GET", path: "/tags/operations/atom.xml", status: 200},
		{name: "other language", method: "GET", path: "/es/feed.json", status: 200},
		{name: "query is ignored", method: "GET", path: "/index.xml?utm_source=x", status: 200},
		{
			name: "gzip", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: gzip, deflate, br"}, status: 200, gzip: true,
			wantHeader: map[string]string{"Content-Encoding": "gzip", "ETag": gzETag, "Vary": "Accept-Encoding"},
		},
		{name: "gzip with q-value", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: br;q=1.0, gzip;q=0.5"}, status: 200, gzip: true},
		{name: "gzip refused", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: gzip;q=0, br"}, status: 200, wantHeader: map[string]string{"Content-Encoding": ""}},
		{name: "any coding", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: *"}, status: 200, gzip: true},
		{name: "any but gzip", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: *, gzip;q=0"}, status: 200, wantHeader: map[string]string{"Content-Encoding": ""}},
		{name: "other codings only", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: br, zstd"}, status: 200, wantHeader: map[string]string{"Content-Encoding": ""}},
		{
			name: "HEAD", method: "HEAD", path: "/index.xml", status: 200, emptyBody: true,
			wantHeader: map[string]string{"Content-Length": plain.Header.Get("Content-Length"), "ETag": etag},
		},
		{name: "If-None-Match", method: "GET", path: "/index.xml", header: []string{"If-None-Match: " + etag}, status: 304, emptyBody: true, wantHeader: map[string]string{"ETag": etag, "Content-Type": "", "Vary": "Accept-Encoding"}},
		{name: "If-None-Match weak", method: "GET", path: "/index.xml", header: []string{"If-None-Match: W/" + etag}, status: 304, emptyBody: true},
		{name: "If-None-Match list", method: "GET", path: "/index.xml", header: []string{`If-None-Match: "other", ` + etag}, status: 304, emptyBody: true},
		{name: "If-None-Match star", method: "GET", path: "/index.xml", header: []string{"If-None-Match: *"}, status: 304, emptyBody: true},
		{name: "If-None-Match gzip", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: gzip", "If-None-Match: " + gzETag}, status: 304, emptyBody: true, wantHeader: map[string]string{"ETag": gzETag}},
		{name: "If-None-Match other encoding", method: "GET", path: "/index.xml", header: []string{"Accept-Encoding: gzip", "If-None-Match: " + etag}, status: 200, gzip: true},
		{name: "If-None-Match stale", method: "GET", path: "/index.xml", header: []string{`If-None-Match: "stale"`}, status: 200},
		{name: "If-None-Match HEAD", method: "HEAD", path: "/index.xml", header: []string{"If-None-Match: " + etag}, status: 304, emptyBody: true},
		{name: "If-Modified-Since same", method: "GET", path: "/index.xml", header: []string{"If-Modified-Since: " + modified}, status: 304, emptyBody: true},
		{name: "If-Modified-Since later", method: "GET", path: "/index.xml", header: []string{"If-Modified-Since: Wed, 21 Jan 2026 00:00:00 GMT"}, status: 304, emptyBody: true},
		{name: "If-Modified-Since earlier", method: "GET", path: "/index.xml", header: []string{"If-Modified-Since: Mon, 19 Jan 2026 00:00:00 GMT"}, status: 200},
		{name: "If-Modified-Since malformed", method: "GET", path: "/index.xml", header: []string{"If-Modified-Since: yesterday"}, status: 200},
		{name: "If-None-Match wins over If-Modified-Since", method: "GET", path: "/index.xml", header: []string{`If-None-Match: "stale"`, "If-Modified-Since: " + modified}, status: 200},
		{name: "POST", method: "POST", path: "/index.xml", status: 405, wantHeader: map[string]string{"Allow": "GET, HEAD"}},
		{name: "not a feed", method: "GET", path: "/posts/", status: 404, wantHeader: map[string]string{"X-Next": "yes"}},
		{name: "no feed for a taxonomy list", method: "GET", path: "/tags/index.xml", status: 404, wantHeader: map[string]string{"X-Next": "yes"}},
		{name: "no feed for a post", method: "GET", path: "/posts/hello-fediverse/index.xml", status: 404, wantHeader: map[string]string{"X-Next": "yes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, h, tt.method, tt.path, tt.header...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for k, want := range tt.wantHeader {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			got := readBody(t, resp)
			switch {
			case tt.emptyBody:
				if len(got) != 0 {
					t.Errorf("body of %d bytes, want none", len(got))
				}
			case tt.gzip:
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
				}
				zr, err := gzip.NewReader(bytes.NewReader(got))
				if err != nil {
					t.Fatal(err)
				}
				unzipped, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(unzipped, body) {
					t.Error("gzipped body is not the document")
				}
				if len(got) >= len(body) || resp.Header.Get("Content-Length") != itoa(len(got)) {
					t.Errorf("gzip body %d bytes, Content-Length %s, document %d bytes", len(got), resp.Header.Get("Content-Length"), len(body))
				}
			case tt.status == 200:
				if resp.Header.Get("Content-Length") != itoa(len(got)) {
					t.Errorf("Content-Length %s, body %d bytes", resp.Header.Get("Content-Length"), len(got))
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestNoSnapshot passes every request on while there is no snapshot yet.
func TestNoSnapshot(t *testing.T) {
	f := New(Options{Snapshot: func() *content.Snapshot { return nil }})
	if resp := get(t, f.Wrap(notFound()), http.MethodGet, "/index.xml"); resp.Header.Get("X-Next") != "yes" {
		t.Errorf("request not passed on: status %d", resp.StatusCode)
	}
	if links := f.Links(&content.Page{Kind: content.KindHome}); links != nil {
		t.Errorf("links %v with no snapshot", links)
	}
}

// TestBuiltOncePerSnapshot expects a document to be built on its first
// request and kept until the snapshot changes, and its validators to stay
// the same across snapshots while its bytes do.
func TestBuiltOncePerSnapshot(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, exampleSite, dir)
	current := load(t, dir)
	f := New(Options{Snapshot: func() *content.Snapshot { return current }})
	h := f.Wrap(notFound())

	if fd := f.indexFor(current).feeds["/index.xml"]; fd.doc != nil {
		t.Fatal("built before any request")
	}
	first := get(t, h, http.MethodGet, "/index.xml")
	fd := f.indexFor(current).feeds["/index.xml"]
	doc := fd.doc
	if doc == nil {
		t.Fatal("not kept after the first request")
	}
	if other := f.indexFor(current).feeds["/atom.xml"]; other.doc != nil {
		t.Error("a format nobody asked for was built")
	}
	get(t, h, http.MethodGet, "/index.xml", "Accept-Encoding: gzip")
	if f.indexFor(current).feeds["/index.xml"].doc != doc {
		t.Fatal("rebuilt for a second request to the same snapshot")
	}

	// A new snapshot with the same pages: new index, same bytes, same
	// validators.
	current = load(t, dir)
	same := get(t, h, http.MethodGet, "/index.xml")
	if f.indexFor(current).feeds["/index.xml"].doc == doc {
		t.Fatal("document of the old snapshot served for the new one")
	}
	for _, k := range []string{"ETag", "Last-Modified"} {
		if same.Header.Get(k) != first.Header.Get(k) {
			t.Errorf("%s changed with identical bytes: %q, then %q", k, first.Header.Get(k), same.Header.Get(k))
		}
	}

	// An edit that leaves every date alone still moves Last-Modified
	// forward, so a client that only sends If-Modified-Since sees it.
	post := dir + "/content/posts/hello-fediverse.md"
	writeFile(t, post, strings.Replace(mustRead(t, post), "replies are welcome", "replies are very welcome", 1))
	current = load(t, dir)
	changed := get(t, h, http.MethodGet, "/index.xml", "If-Modified-Since: "+first.Header.Get("Last-Modified"))
	if changed.StatusCode != http.StatusOK {
		t.Fatalf("status %d after an edit, want 200", changed.StatusCode)
	}
	before, _ := http.ParseTime(first.Header.Get("Last-Modified"))
	after, _ := http.ParseTime(changed.Header.Get("Last-Modified"))
	if !after.After(before) || changed.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Errorf("after an edit: ETag %s, Last-Modified %v; before: %s, %v", changed.Header.Get("ETag"), after, first.Header.Get("ETag"), before)
	}
	if after.After(current.BuiltAt.Add(time.Second)) {
		t.Errorf("Last-Modified %v is after the snapshot was built (%v)", after, current.BuiltAt)
	}
}

func TestLinks(t *testing.T) {
	snap := load(t, exampleSite)
	f := New(Options{Snapshot: fixed(snap)})
	en, es := snap.Site("en"), snap.Site("es")
	tests := []struct {
		name  string
		page  *content.Page
		dir   string // where the advertised feeds are
		title string
	}{
		{name: "home", page: en.Home, dir: "http://localhost:8080/", title: "Field Notes"},
		{name: "section", page: en.Sections["posts"], dir: "http://localhost:8080/posts/", title: "Posts on Field Notes"},
		{name: "term", page: en.Taxonomies["tags"].Terms[0], dir: "http://localhost:8080/tags/backpressure/", title: "backpressure on Field Notes"},
		{name: "taxonomy", page: en.Taxonomies["tags"], dir: "http://localhost:8080/", title: "Field Notes"},
		{name: "post", page: en.Pages[0], dir: "http://localhost:8080/", title: "Field Notes"},
		{name: "other language", page: es.Pages[0], dir: "http://localhost:8080/es/", title: "Notas de campo"},
		{name: "page of an older snapshot", page: &content.Page{Kind: content.KindSection, Lang: "en", RelPermalink: "/notes/"}, dir: "http://localhost:8080/notes/", title: "Notes on Field Notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.Links(tt.page)
			want := []Alternate{
				{Type: "application/rss+xml", Href: tt.dir + "index.xml", Title: tt.title + " (RSS)"},
				{Type: "application/atom+xml", Href: tt.dir + "atom.xml", Title: tt.title + " (Atom)"},
				{Type: "application/feed+json", Href: tt.dir + "feed.json", Title: tt.title + " (JSON Feed)"},
			}
			if len(got) != len(want) {
				t.Fatalf("links %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("link %d = %+v, want %+v", i, got[i], want[i])
				}
			}
			// Every advertised feed is served.
			h := f.Wrap(notFound())
			for _, a := range got {
				path := strings.TrimPrefix(a.Href, "http://localhost:8080")
				if resp := get(t, h, http.MethodGet, path); resp.StatusCode != http.StatusOK {
					t.Errorf("%s advertised but answers %d", a.Href, resp.StatusCode)
				}
			}
		})
	}
}
