package httpcache

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// A Document is a response held in memory: its body, a gzip copy when
// that is smaller, and every header value prepared once, so serving it
// encodes and allocates nothing. Serve writes it to a net/http response,
// ServeFast to a fasthttp one; both send the same status, headers and
// bytes. A Document is never modified after NewDocument returns it.
type Document struct {
	status   int
	body, gz []byte
	modified time.Time // zero: no Last-Modified

	// Header values for net/http: one-element slices put straight into
	// the header map.
	contentType, length, gzLength, etag, gzETag []string
	cacheControl, lastModified, link            []string
	cors                                        bool

	// The same headers for fasthttp: those of a 304 answer, as canonical
	// key and value bytes, with the entity tag of each encoding; and the
	// whole header of a full answer in each encoding, copied into a
	// response at once.
	notModified          []field
	etagField, gzETField field
	full, gzFull         *fasthttp.ResponseHeader
}

// field is a header for fasthttp.
type field struct{ key, value []byte }

// Spec describes a Document.
type Spec struct {
	// Status is the status of the response; 200 when zero. Only a 200
	// response is answered with 304 Not Modified.
	Status       int
	ContentType  string
	CacheControl string
	// ETag is the entity tag of the body, unquoted; ETag(body) when "".
	ETag string
	// LastModified, when not zero, is sent as Last-Modified and checked
	// against If-Modified-Since.
	LastModified time.Time
	// Link, when not "", is sent as a Link header.
	Link string
	// CORS lets any origin read the document
	// (Access-Control-Allow-Origin: *).
	CORS bool
}

// gzipMin is the smallest body worth compressing: below it the saving does
// not pay for the header.
const gzipMin = 1024

// Header values every Document shares; never modified.
var (
	valueStar            = []string{"*"}
	valueNosniff         = []string{"nosniff"}
	valueGzip            = []string{"gzip"}
	valueVaryEncoding    = []string{"Accept-Encoding"}
	valueVaryNegotiation = []string{"Accept, Accept-Encoding"}
)

// ETag returns the entity tag of body, unquoted: a digest, the same in
// every process for the same bytes.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.RawURLEncoding.EncodeToString(sum[:15])
}

// NewDocument returns the Document that sends body as s describes, with a
// gzip copy made at the best compression when that is smaller.
func NewDocument(body []byte, s Spec) *Document {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	if s.ETag == "" {
		s.ETag = ETag(body)
	}
	d := &Document{
		status:       s.Status,
		body:         body,
		contentType:  []string{s.ContentType},
		length:       []string{strconv.Itoa(len(body))},
		etag:         []string{`"` + s.ETag + `"`},
		gzETag:       []string{`"` + s.ETag + `-gzip"`},
		cacheControl: []string{s.CacheControl},
		cors:         s.CORS,
	}
	if !s.LastModified.IsZero() {
		d.modified = s.LastModified
		d.lastModified = []string{s.LastModified.UTC().Format(http.TimeFormat)}
	}
	if s.Link != "" {
		d.link = []string{s.Link}
	}
	if len(body) >= gzipMin {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level
		zw.Write(body)                                           // a bytes.Buffer takes every write
		if zw.Close() == nil && buf.Len() < len(body) {
			d.gz = buf.Bytes()
			d.gzLength = []string{strconv.Itoa(len(d.gz))}
		}
	}
	d.prepareFast()
	return d
}

// Status returns the status the document is sent with.
func (d *Document) Status() int { return d.status }

// Body returns the document's bytes, uncompressed. They must not be
// modified.
func (d *Document) Body() []byte { return d.body }

// ETag returns the entity tag of the uncompressed document, quoted.
func (d *Document) ETag() string { return d.etag[0] }

// Serve sends d for r: gzipped when the client accepts it, or 304 when the
// client holds it. negotiated marks a document chosen by the request's
// Accept header, so caches keep one copy per media type.
func (d *Document) Serve(w http.ResponseWriter, r *http.Request, negotiated bool) {
	hdr := w.Header()
	gz := d.gz != nil && AcceptsGzip(r.Header["Accept-Encoding"])
	etag := d.etag
	if gz {
		etag = d.gzETag
	}
	hdr["Etag"] = etag
	hdr["Cache-Control"] = d.cacheControl
	if d.lastModified != nil {
		hdr["Last-Modified"] = d.lastModified
	}
	if d.link != nil {
		hdr["Link"] = d.link
	}
	if d.cors {
		hdr["Access-Control-Allow-Origin"] = valueStar
	}
	switch {
	case negotiated:
		hdr["Vary"] = valueVaryNegotiation
	case d.gz != nil:
		hdr["Vary"] = valueVaryEncoding
	}
	if d.status == http.StatusOK && NotModified(r, etag[0], d.modified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr["Content-Type"] = d.contentType
	hdr["X-Content-Type-Options"] = valueNosniff
	body := d.body
	if gz {
		body = d.gz
		hdr["Content-Encoding"] = valueGzip
		hdr["Content-Length"] = d.gzLength
	} else {
		hdr["Content-Length"] = d.length
	}
	w.WriteHeader(d.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// prepareFast builds the headers ServeFast sends.
func (d *Document) prepareFast() {
	f := func(key string, value []string) field { return field{[]byte(key), []byte(value[0])} }
	d.notModified = []field{f("Cache-Control", d.cacheControl)}
	if d.lastModified != nil {
		d.notModified = append(d.notModified, f("Last-Modified", d.lastModified))
	}
	if d.link != nil {
		d.notModified = append(d.notModified, f("Link", d.link))
	}
	if d.cors {
		d.notModified = append(d.notModified, f("Access-Control-Allow-Origin", valueStar))
	}
	if d.gz != nil {
		d.notModified = append(d.notModified, f("Vary", valueVaryEncoding))
	}
	d.etagField, d.gzETField = f("Etag", d.etag), f("Etag", d.gzETag)
	full := func(etag field, more ...field) *fasthttp.ResponseHeader {
		h := new(fasthttp.ResponseHeader)
		h.SetNoDefaultContentType(true)
		for _, f := range slices.Concat(d.notModified, []field{etag}, more) {
			h.SetCanonical(f.key, f.value)
		}
		h.SetStatusCode(d.status)
		return h
	}
	plain := []field{f("Content-Type", d.contentType), f("X-Content-Type-Options", valueNosniff)}
	d.full = full(d.etagField, plain...)
	if d.gz != nil {
		d.gzFull = full(d.gzETField, append(plain, f("Content-Encoding", valueGzip))...)
	}
}

// ServeFast is Serve for fasthttp, for a request that did not choose d by
// its Accept header: it sends the same status, headers and bytes. A full
// answer copies a header prepared whole, which is twice as fast as setting
// its fields one by one.
func (d *Document) ServeFast(ctx *fasthttp.RequestCtx) {
	req, resp := &ctx.Request.Header, &ctx.Response
	gz := d.gz != nil && acceptsGzipFast(req.PeekAll("Accept-Encoding"))
	etag, header, body := d.etagField, d.full, d.body
	if gz {
		etag, header, body = d.gzETField, d.gzFull, d.gz
	}
	if d.status == http.StatusOK && notModifiedFast(req, etag.value, d.modified) {
		for _, f := range d.notModified {
			resp.Header.SetCanonical(f.key, f.value)
		}
		resp.Header.SetCanonical(etag.key, etag.value)
		resp.SetStatusCode(http.StatusNotModified)
		resp.Header.SetNoDefaultContentType(true)
		return
	}
	header.CopyTo(&resp.Header)
	resp.SetBodyRaw(body)
}

// acceptsGzipFast is AcceptsGzip for fasthttp's header values. The usual
// single header is converted on the stack.
func acceptsGzipFast(values [][]byte) bool {
	switch len(values) {
	case 0:
		return false
	case 1:
		return AcceptsGzip([]string{string(values[0])})
	}
	return AcceptsGzip(toStrings(values))
}

// notModifiedFast is NotModified for a fasthttp request.
func notModifiedFast(req *fasthttp.RequestHeader, etag []byte, modified time.Time) bool {
	inm := req.PeekAll("If-None-Match")
	ims := req.Peek("If-Modified-Since")
	if len(inm) == 0 && len(ims) == 0 {
		return false
	}
	return notModified(toStrings(inm), string(ims), string(etag), modified)
}

// toStrings copies fasthttp's header values, which point into buffers it
// reuses, into strings.
func toStrings(values [][]byte) []string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return s
}
