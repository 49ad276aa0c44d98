package activitypub

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// document is a response ready to send: its body, a gzip copy when that is
// smaller, and every header value prepared once, so serving it encodes and
// allocates nothing.
type document struct {
	status       int
	body, gz     []byte
	contentType  []string
	length       []string
	gzLength     []string
	etag         []string
	gzETag       []string
	cacheControl []string
}

// Media types of the documents.
const (
	contentTypeActivity = "application/activity+json; charset=utf-8"
	contentTypeJRD      = "application/jrd+json; charset=utf-8"
	contentTypeXRD      = "application/xrd+xml; charset=utf-8"
	contentTypeJSON     = "application/json; charset=utf-8"
)

// gzipMin is the smallest body worth compressing: below it the saving does
// not pay for the header.
const gzipMin = 1024

func (h *Handler) newDocument(status int, contentType string, body []byte) *document {
	sum := sha256.Sum256(body)
	etag := base64.RawURLEncoding.EncodeToString(sum[:15])
	cache := "public, max-age=60"
	if h.cfg.SecureMode {
		cache = "private, max-age=60"
	}
	if status >= 400 {
		cache = "public, max-age=300"
	}
	d := &document{
		status:       status,
		body:         body,
		contentType:  []string{contentType},
		length:       []string{strconv.Itoa(len(body))},
		etag:         []string{`"` + etag + `"`},
		gzETag:       []string{`"` + etag + `-gzip"`},
		cacheControl: []string{cache},
	}
	if len(body) >= gzipMin {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		if zw.Close() == nil && buf.Len() < len(body) {
			d.gz = buf.Bytes()
			d.gzLength = []string{strconv.Itoa(len(d.gz))}
		}
	}
	return d
}

// serveDocument sends d, gzipped when the client accepts it, or 304 when
// the client holds it. negotiated marks a response chosen by the Accept
// header.
func (h *Handler) serveDocument(w http.ResponseWriter, r *http.Request, d *document, negotiated bool) {
	hdr := w.Header()
	gz := d.gz != nil && httpcache.AcceptsGzip(r.Header["Accept-Encoding"])
	etag := d.etag
	if gz {
		etag = d.gzETag
	}
	hdr["Etag"] = etag
	hdr["Cache-Control"] = d.cacheControl
	hdr["Access-Control-Allow-Origin"] = h.hdrCORS
	switch {
	case negotiated:
		hdr["Vary"] = h.hdrVaryAcceptEncoding
	case d.gz != nil:
		hdr["Vary"] = h.hdrVaryEncoding
	}
	if d.status == http.StatusOK {
		if httpcache.NotModified(r, etag[0], time.Time{}) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr["Content-Type"] = d.contentType
	hdr["X-Content-Type-Options"] = h.hdrNosniff
	body := d.body
	if gz {
		body = d.gz
		hdr["Content-Encoding"] = h.hdrGzip
		hdr["Content-Length"] = d.gzLength
	} else {
		hdr["Content-Length"] = d.length
	}
	w.WriteHeader(d.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
