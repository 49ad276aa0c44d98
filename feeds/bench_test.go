package feeds

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// discard is a ResponseWriter that keeps nothing, so a benchmark measures
// the handler alone.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServe measures answering a request for the site feed from
// memory, the path every feed reader's poll takes.
func BenchmarkServe(b *testing.B) {
	snap := load(b, exampleSite)
	h := New(Options{Snapshot: fixed(snap)}).Wrap(http.NotFoundHandler())
	cases := []struct {
		name   string
		header []string
	}{
		{name: "identity"},
		{name: "gzip", header: []string{"Accept-Encoding", "gzip, deflate, br"}},
		{name: "not modified", header: []string{"If-None-Match", "*"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/index.xml", nil)
			for i := 0; i < len(c.header); i += 2 {
				r.Header.Set(c.header[i], c.header[i+1])
			}
			w := &discard{h: http.Header{}}
			h.ServeHTTP(w, r) // build the document
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}
