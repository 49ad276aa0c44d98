package feeds

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// cacheControl lets caches keep a feed but makes them revalidate it every
// time, so a WebSub hub fetching right after a notification sees the new
// document; revalidation is a cheap 304.
const cacheControl = "public, no-cache"

// newDocument prepares body, the document of fd with entity tag etag, for
// serving.
func newDocument(fd *feed, body []byte, etag string, modified time.Time, hub string) *httpcache.Document {
	spec := httpcache.Spec{
		ContentType:  fd.format.mediaType() + "; charset=utf-8",
		CacheControl: cacheControl,
		ETag:         etag,
		LastModified: modified,
	}
	if hub != "" {
		spec.Link = "<" + hub + `>; rel="hub", <` + fd.url + `>; rel="self"`
	}
	return httpcache.NewDocument(body, spec)
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
	idx, fd := h.feeds.feedAt(r.URL.Path)
	if fd == nil {
		h.next.ServeHTTP(w, r)
		return
	}
	h.feeds.serve(w, r, idx, fd)
}

// Find returns the document of the feed at path, nil when path is not a
// feed's or its document cannot be built (the handler answers those). A
// feed is the same whatever the query, so rawQuery is not read.
func (f *Feeds) Find(path, rawQuery string) *httpcache.Document {
	idx, fd := f.feedAt(path)
	if fd == nil {
		return nil
	}
	doc, _ := f.document(idx, fd)
	return doc
}

// feedAt returns the feed at path in the current snapshot's index, with
// that index; a nil feed when path is not a feed's or no snapshot is
// loaded yet.
func (f *Feeds) feedAt(path string) (*index, *feed) {
	snap := f.snapshot()
	if snap == nil {
		return nil, nil
	}
	idx := f.indexFor(snap)
	return idx, idx.feeds[path]
}

// serve answers a request for the feed fd: the document, gzipped when the
// client accepts it, or 304 when the client's copy is current.
func (f *Feeds) serve(w http.ResponseWriter, r *http.Request, idx *index, fd *feed) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		f.writeError(w, r, http.StatusMethodNotAllowed, nil)
		return
	}
	doc, err := f.document(idx, fd)
	if err != nil {
		f.writeError(w, r, http.StatusInternalServerError, err)
		return
	}
	doc.Serve(w, r, false)
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
