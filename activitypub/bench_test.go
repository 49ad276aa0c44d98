package activitypub

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServe measures a request for a prepared document through Wrap,
// the handler's own cost without the network.
func BenchmarkServe(b *testing.B) {
	f := newFixture(b, Config{})
	for _, bc := range []struct{ name, target, accept string }{
		{"actor", "/ap/actor", ""},
		{"webfinger", "/.well-known/webfinger?resource=acct:blog@blog.example", ""},
		{"object", f.objectPath("/posts/stream-days/"), ""},
		{"permalink", "/posts/stream-days/", "application/activity+json"},
		{"site page", "/about/", "text/html"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, bc.target, nil)
			if bc.accept != "" {
				r.Header.Set("Accept", bc.accept)
			}
			w := &discardWriter{h: http.Header{}}
			f.srv.ServeHTTP(w, r)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				f.srv.ServeHTTP(w, r)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(status int) { w.status = status }
