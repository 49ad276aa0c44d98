// Package front is blogbridge's public HTTP server. It answers GET and HEAD
// requests for the documents held in memory (feeds, the actor, WebFinger,
// posts as objects) itself, with fasthttp, which sends them at about twice
// the rate net/http does on one core, and hands every other request to the
// net/http handlers the other packages build.
package front

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// A Finder returns the document that answers a GET or HEAD request for
// path (unescaped) with the query rawQuery, whatever else the request
// holds but its Accept-Encoding and cache validators; nil when the request
// is not for one.
type Finder func(path, rawQuery string) *httpcache.Document

// Options configure a Server.
type Options struct {
	// Find are asked in turn for each GET or HEAD request; the first
	// document found is the answer.
	Find []Finder
	// Handler answers every request no Finder does. It must not be nil.
	Handler http.Handler
	// BaseContext is the context of the requests Handler sees: canceled
	// when the server shuts down. context.Background when nil.
	BaseContext context.Context
	// MaxBodySize is the largest request body read; larger ones are
	// answered with 413.
	MaxBodySize int
	// MaxHeaderSize is the largest request head (request line and
	// headers) read; larger ones are answered with 431.
	MaxHeaderSize int
	// RequestTimeout bounds each request on a connection, from its first
	// byte to the last byte of its answer: reading it, answering it and
	// sending the answer. A new connection must begin its first request
	// within it too. IdleTimeout bounds the wait for the next request on a
	// kept-alive connection. Zero is no limit. Both are kept on a coarse
	// clock (see watch): a connection over its time is closed no sooner
	// than they say and at most two ticks later, a tick being the smaller of
	// a second and an eighth of the timeout.
	RequestTimeout, IdleTimeout time.Duration
	// Logger receives the errors of connections; nil discards them.
	Logger *slog.Logger
}

// Server is the public HTTP server.
type Server struct {
	find     []Finder
	fallback fasthttp.RequestHandler
	srv      *fasthttp.Server
	watch    *watch
	watching sync.Once
}

// New returns a Server.
func New(opts Options) *Server {
	base := opts.BaseContext
	if base == nil {
		base = context.Background()
	}
	next := opts.Handler
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, detach(r, base))
	})
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		find:     opts.Find,
		fallback: fasthttpadaptor.NewFastHTTPHandler(handler),
		watch: newWatch(map[fasthttp.ConnState]time.Duration{
			fasthttp.StateNew:    opts.RequestTimeout,
			fasthttp.StateActive: opts.RequestTimeout,
			fasthttp.StateIdle:   opts.IdleTimeout,
		}),
	}
	s.srv = &fasthttp.Server{
		Handler:            s.serve,
		ReadBufferSize:     opts.MaxHeaderSize,
		MaxRequestBodySize: opts.MaxBodySize,
		// The watch keeps the timeouts instead of fasthttp's deadlines,
		// and nothing asks a request's time.
		ConnState:                     s.watch.hook,
		LazyRequestTime:               true,
		Logger:                        logAdapter{logger},
		ErrorHandler:                  requestError,
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		DisablePreParseMultipartForm:  true,
		CloseOnShutdown:               true,
		DisableHeaderNamesNormalizing: false,
	}
	return s
}

// Serve answers the connections ln accepts until Shutdown; it closes ln.
func (s *Server) Serve(ln net.Listener) error {
	s.watching.Do(func() { go s.watch.run() })
	return s.srv.Serve(ln)
}

// Shutdown stops accepting connections, closes the idle ones and waits for
// the requests in flight, or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.watch.close()
	return s.srv.ShutdownWithContext(ctx)
}

// serve answers one request.
func (s *Server) serve(ctx *fasthttp.RequestCtx) {
	if ctx.IsGet() || ctx.IsHead() {
		path := string(ctx.Path())
		var rawQuery string
		if q := ctx.URI().QueryString(); len(q) > 0 {
			rawQuery = string(q)
		}
		for _, find := range s.find {
			if doc := find(path, rawQuery); doc != nil {
				doc.ServeFast(ctx)
				return
			}
		}
	}
	s.fallback(ctx)
}

// detach returns a copy of r, as fasthttp's adaptor made it, that owns its
// memory and has ctx as its context. The adaptor's strings (method, URL,
// headers) point into buffers fasthttp reuses for the next request on the
// connection, and its context is the fasthttp request, reused too; the
// handlers keep strings (key ids, hosts) in caches and leave work running
// after they answer, so they get a request of their own.
func detach(r *http.Request, ctx context.Context) *http.Request {
	d := r.WithContext(ctx)
	d.Method = strings.Clone(r.Method)
	d.Proto = strings.Clone(r.Proto)
	d.Host = strings.Clone(r.Host)
	d.RequestURI = strings.Clone(r.RequestURI)
	if u, err := url.ParseRequestURI(d.RequestURI); err == nil { // the adaptor parsed it already
		d.URL = u
	}
	d.Header = make(http.Header, len(r.Header))
	for k, vs := range r.Header {
		own := make([]string, len(vs))
		for i, v := range vs {
			own[i] = strings.Clone(v)
		}
		d.Header[strings.Clone(k)] = own
	}
	d.TransferEncoding = slices.Clone(r.TransferEncoding)
	for i, v := range d.TransferEncoding {
		d.TransferEncoding[i] = strings.Clone(v)
	}
	return d
}

// requestError answers a request fasthttp could not read, with the status
// that says why.
func requestError(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	status, reason := http.StatusBadRequest, "malformed request: "+err.Error()
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		status, reason = http.StatusRequestEntityTooLarge, "the request body is too large"
	case errors.As(err, &small):
		status, reason = http.StatusRequestHeaderFieldsTooLarge, "the request head is too large"
	case errors.As(err, &netErr) && netErr.Timeout():
		status, reason = http.StatusRequestTimeout, "the request took too long to arrive"
	}
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Error(strconv.Itoa(status)+" "+http.StatusText(status)+": "+reason+"\n", status)
}

// logAdapter is fasthttp's Logger writing to slog.
type logAdapter struct{ logger *slog.Logger }

func (l logAdapter) Printf(format string, args ...any) {
	l.logger.Warn("http: " + fmt.Sprintf(format, args...))
}
