package site

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/blogbridge/blogbridge/content"
)

// exampleDir is the example site shipped with the project.
const exampleDir = "../example"

// loadSnapshot loads the site at dir through the content loader.
func loadSnapshot(t testing.TB, dir, baseURL string) *content.Snapshot {
	t.Helper()
	snap, err := content.Load(t.Context(), content.Options{
		SiteDir: dir,
		BaseURL: baseURL,
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("content.Load(%s): %v", dir, err)
	}
	for _, d := range snap.Errors() {
		t.Logf("site diagnostic: %s", d)
	}
	return snap
}

// newTestHandler returns a Handler over snap with a logger writing to logs.
func newTestHandler(snap *content.Snapshot, logs io.Writer, headLinks func(*content.Page) []Link) *Handler {
	if logs == nil {
		logs = io.Discard
	}
	return NewHandler(Options{
		Snapshot:  func() *content.Snapshot { return snap },
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
		HeadLinks: headLinks,
	})
}

// do sends a request to h and returns the recorded response. hdr holds
// header name and value pairs.
func do(t testing.TB, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// writeFiles writes files, by slash-separated path relative to dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pngImage returns a PNG image of the given size.
func pngImage(t testing.TB, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x * 5), uint8(y * 7), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// doc is a parsed HTML page.
type doc struct {
	root *html.Node
}

// parseDoc parses an HTML page.
func parseDoc(t testing.TB, body string) *doc {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return &doc{root: n}
}

// all returns the elements named tag whose attributes include every pair
// of attrs (name, value).
func (d *doc) all(tag string, attrs ...string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			ok := true
			for i := 0; i+1 < len(attrs); i += 2 {
				if v, has := attr(n, attrs[i]); !has || v != attrs[i+1] {
					ok = false
				}
			}
			if ok {
				out = append(out, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return out
}

// text returns the text content of the first element named tag.
func (d *doc) text(tag string, attrs ...string) string {
	els := d.all(tag, attrs...)
	if len(els) == 0 {
		return ""
	}
	return textOf(els[0])
}

// meta returns the content of every <meta> with the given property (or
// name, for names without a colon prefix).
func (d *doc) meta(key string) []string {
	var out []string
	for _, n := range d.all("meta") {
		p, _ := attr(n, "property")
		nm, _ := attr(n, "name")
		if p == key || nm == key {
			c, _ := attr(n, "content")
			out = append(out, c)
		}
	}
	return out
}

// first returns the first of vals, or "".
func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

// linkHref returns the href of the first <link> with rel.
func (d *doc) linkHref(rel string) string {
	for _, n := range d.all("link", "rel", rel) {
		h, _ := attr(n, "href")
		return h
	}
	return ""
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// d2text returns the text of the first element named tag inside n.
func d2text(n *html.Node, tag string) string {
	return (&doc{root: n}).text(tag)
}
