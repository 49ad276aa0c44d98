package feeds

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// representation is a feed document ready to send: its bytes, a gzip copy
// when that is smaller, and every header value prepared once, so a request
// costs no encoding, formatting or allocation here.
type representation struct {
	body, gz []byte

	contentType  []string
	length       []string
	gzLength     []string
	etag         []string
	gzETag       []string
	lastModified []string
	modified     time.Time
	link         []string // WebSub discovery; nil without a hub

	// Values shared by every response; kept here, not in package
	// variables, and never modified.
	cacheControl, vary, gzip, nosniff []string
}

// cacheControl lets caches keep a feed but makes them revalidate it every
// time, so a WebSub hub fetching right after a notification sees the new
// document; revalidation is a cheap 304.
const cacheControl = "public, no-cache"

// newRepresentation prepares body, the document of fd, for serving.
func newRepresentation(fd *feed, body []byte, etag string, modified time.Time, hub string) (*representation, error) {
	rep := &representation{
		body:         body,
		contentType:  []string{fd.format.mediaType() + "; charset=utf-8"},
		length:       []string{strconv.Itoa(len(body))},
		etag:         []string{`"` + etag + `"`},
		gzETag:       []string{`"` + etag + `-gzip"`},
		lastModified: []string{modified.UTC().Format(http.TimeFormat)},
		modified:     modified,
		cacheControl: []string{cacheControl},
		vary:         []string{"Accept-Encoding"},
		gzip:         []string{"gzip"},
		nosniff:      []string{"nosniff"},
	}
	if hub != "" {
		rep.link = []string{"<" + hub + `>; rel="hub", <` + fd.url + `>; rel="self"`}
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("feeds: gzip %s: %w", fd.url, err)
	}
	zw.Write(body) // a bytes.Buffer takes every write
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("feeds: gzip %s: %w", fd.url, err)
	}
	if buf.Len() < len(body) {
		rep.gz = buf.Bytes()
		rep.gzLength = []string{strconv.Itoa(len(rep.gz))}
	}
	return rep, nil
}

// etagOf is the entity tag of body: a digest, the same in every process
// for the same bytes.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.RawURLEncoding.EncodeToString(sum[:15])
}

// Wrap returns a handler that answers requests for the feeds of the
// current snapshot and passes every other request to next.
func (f *Feeds) Wrap(next http.Handler) http.Handler {
	return &wrapped{feeds: f, next: next}
}

type wrapped struct {
	feeds *Feeds
	next  http.Handler
}

var _ http.Handler = (*wrapped)(nil)

func (h *wrapped) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	snap := h.feeds.snapshot()
	if snap == nil {
		h.next.ServeHTTP(w, r)
		return
	}
	idx := h.feeds.indexFor(snap)
	fd := idx.feeds[r.URL.Path]
	if fd == nil {
		h.next.ServeHTTP(w, r)
		return
	}
	h.feeds.serve(w, r, idx, fd)
}

// serve answers a request for the feed fd: the document, gzipped when the
// client accepts it, or 304 when the client's copy is current.
func (f *Feeds) serve(w http.ResponseWriter, r *http.Request, idx *index, fd *feed) {
	hdr := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		f.writeError(w, r, http.StatusMethodNotAllowed, nil)
		return
	}
	rep, err := f.representation(idx, fd)
	if err != nil {
		f.writeError(w, r, http.StatusInternalServerError, err)
		return
	}
	gz := rep.gz != nil && httpcache.AcceptsGzip(r.Header["Accept-Encoding"])
	etag := rep.etag
	if gz {
		etag = rep.gzETag
	}
	hdr["Etag"] = etag
	hdr["Last-Modified"] = rep.lastModified
	hdr["Cache-Control"] = rep.cacheControl
	hdr["Vary"] = rep.vary
	if rep.link != nil {
		hdr["Link"] = rep.link
	}
	if httpcache.NotModified(r, etag[0], rep.modified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr["Content-Type"] = rep.contentType
	hdr["X-Content-Type-Options"] = rep.nosniff
	body := rep.body
	if gz {
		body = rep.gz
		hdr["Content-Encoding"] = rep.gzip
		hdr["Content-Length"] = rep.gzLength
	} else {
		hdr["Content-Length"] = rep.length
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// writeError answers with status and a short text. A server error is
// logged here, once, with the request's attributes.
func (f *Feeds) writeError(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status >= 500 {
		f.logger.LogAttrs(r.Context(), slog.LevelError, "feeds: request failed",
			slog.Int("status", status),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("remote_addr", r.RemoteAddr),
			slog.String("user_agent", r.UserAgent()),
			slog.Any("error", err),
		)
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	http.Error(w, strconv.Itoa(status)+" "+http.StatusText(status), status)
}
