package site

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/blogbridge/blogbridge/content"
)

// Options are the dependencies of a Handler.
type Options struct {
	// Snapshot returns the snapshot to serve; it is called on every request,
	// so a watcher can swap snapshots while the handler runs. It must not be
	// nil; it may return nil while the first snapshot is being built, and
	// the handler then answers 503.
	Snapshot func() *content.Snapshot
	// Logger receives server errors; nil discards them.
	Logger *slog.Logger
	// HeadLinks, when set, returns extra <link> and <meta> elements for the
	// <head> of a page, such as rel="alternate" feeds, rel="me" or
	// fediverse:creator. It is called on every request for a page, before
	// the ETag is computed, and must not modify the page.
	HeadLinks func(*content.Page) []Link
}

// Handler serves the HTML pages, bundle resources and static files of the
// snapshot Options.Snapshot returns.
type Handler struct {
	snapshot  func() *content.Snapshot
	logger    *slog.Logger
	headLinks func(*content.Page) []Link

	mux         *http.ServeMux
	templates   *templates
	assets      *assets
	assetDigest string // changes every page's ETag when an asset changes

	// index caches what is derived from the current snapshot.
	index atomic.Pointer[siteIndex]
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns a Handler serving the snapshots opts.Snapshot returns.
// It panics when opts.Snapshot is nil or the embedded templates do not
// parse, both programming errors.
func NewHandler(opts Options) *Handler {
	if opts.Snapshot == nil {
		panic("site: NewHandler: Options.Snapshot is nil")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	as, err := loadAssets()
	if err != nil {
		panic(err)
	}
	tm, err := parseTemplates()
	if err != nil {
		panic(err)
	}
	h := &Handler{
		snapshot:  opts.Snapshot,
		logger:    logger,
		headLinks: opts.HeadLinks,
		templates: tm,
		assets:    as,
	}
	h.assetDigest = as.fingerprint() + "," + tm.digest
	h.mux = h.routes()
	return h
}

// routes returns the handler's routes. A GET pattern answers HEAD too.
func (h *Handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+assetPrefix+"{name}", h.serveAsset)
	mux.HandleFunc("GET /{path...}", h.serveSite)
	return mux
}

// ServeHTTP answers a request for a page, resource or static file. A path
// that could reach outside the site is answered with 404 before routing.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !safePath(r.URL.Path, r.URL.RawPath) {
		h.writeError(w, r, http.StatusNotFound, nil)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// safePath reports whether a request path may be served: it must be
// absolute and hold no NUL byte, backslash, empty, "." or ".." segment, no
// encoded slash or backslash, and no hidden segment other than a leading
// .well-known, which sites use for public files such as security.txt.
func safePath(path, rawPath string) bool {
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "\x00\\") {
		return false
	}
	raw := strings.ToLower(rawPath)
	if strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") || strings.Contains(raw, "%00") {
		return false
	}
	segs := strings.Split(strings.TrimSuffix(path[1:], "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return true // the root
	}
	for i, s := range segs {
		switch {
		case s == "", s == ".", s == "..":
			return false
		case strings.HasPrefix(s, "."):
			if i != 0 || s != ".well-known" {
				return false
			}
		}
	}
	return true
}

// serveSite answers every path that is not an asset: pages, pagination,
// aliases, bundle resources and static files, in that order.
func (h *Handler) serveSite(w http.ResponseWriter, r *http.Request) {
	snap := h.snapshot()
	if snap == nil {
		h.writeError(w, r, http.StatusServiceUnavailable, nil)
		return
	}
	idx := h.siteIndex(snap)
	path := r.URL.Path

	if route, ok := snap.Lookup(path); ok {
		switch {
		case route.Page != nil:
			if path != route.Page.RelPermalink && path+"/" == route.Page.RelPermalink {
				redirect(w, r, route.Page.RelPermalink)
				return
			}
			h.servePage(w, r, idx, route.Page, 1)
		case route.Resource != nil:
			h.serveResource(w, r, route.Resource)
		case route.Redirect != "":
			redirect(w, r, route.Redirect)
		default:
			h.writeError(w, r, http.StatusNotFound, nil)
		}
		return
	}
	if list, n, ok := pagerRoute(snap, path); ok {
		if n == 1 {
			redirect(w, r, list.RelPermalink)
			return
		}
		h.servePage(w, r, idx, list, n)
		return
	}
	if h.serveStatic(w, r, snap.StaticDirs, path) {
		return
	}
	h.writeError(w, r, http.StatusNotFound, nil)
}

// redirect answers with a permanent redirect to target, keeping the query
// of a root-relative target.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if strings.HasPrefix(target, "/") && r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

// pagerPath is the path element before a page number, Hugo's default
// paginatePath.
const pagerPath = "page"

// pagerRoute parses a pagination path such as /posts/page/2/ and returns
// the list page it belongs to and the page number. It fails for paths that
// are not pagination paths, lists that are not paginated, and numbers out
// of range.
func pagerRoute(snap *content.Snapshot, path string) (*content.Page, int, bool) {
	p := strings.TrimSuffix(path, "/")
	i := strings.LastIndex(p, "/"+pagerPath+"/")
	if i < 0 {
		return nil, 0, false
	}
	num := p[i+len(pagerPath)+2:]
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || strconv.Itoa(n) != num {
		return nil, 0, false
	}
	route, ok := snap.Lookup(p[:i+1])
	if !ok || route.Page == nil || !paginated(route.Page) {
		return nil, 0, false
	}
	if n > pageCount(len(route.Page.Pages), pageSize(snap)) {
		return nil, 0, false
	}
	return route.Page, n, true
}

// writeError answers with status and the themed error page. A server error
// is logged here, once, with the request's attributes; the client only sees
// a generic message.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status >= 500 {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "site: request failed",
			slog.Int("status", status),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("remote_addr", r.RemoteAddr),
			slog.String("user_agent", r.UserAgent()),
			slog.Any("error", err),
		)
	}
	hdr := w.Header()
	for _, k := range []string{"ETag", "Last-Modified", "Content-Length", "Content-Encoding"} {
		hdr.Del(k)
	}
	setPageHeaders(hdr)
	hdr.Set("Cache-Control", "no-store")

	var body []byte
	if snap := h.snapshot(); snap != nil {
		b, rerr := h.renderError(snap, r.URL.Path, status)
		if rerr != nil && status < 500 {
			h.logger.LogAttrs(r.Context(), slog.LevelError, "site: render error page",
				slog.Int("status", status), slog.String("path", r.URL.Path), slog.Any("error", rerr))
		}
		body = b
	}
	if body == nil {
		body = fmt.Appendf(nil, "<!doctype html><meta charset=utf-8><title>%d %s</title><h1>%d %s</h1>\n",
			status, http.StatusText(status), status, http.StatusText(status))
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// contentSecurityPolicy allows the page's own stylesheet, inline styles
// (syntax highlighting writes them), images and media from anywhere, and no
// scripts at all.
const contentSecurityPolicy = "default-src 'self'; img-src * data:; media-src * data:; " +
	"style-src 'self' 'unsafe-inline'; script-src 'none'; object-src 'none'; " +
	"frame-src https:; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

// setPageHeaders sets the headers every HTML response carries.
func setPageHeaders(hdr http.Header) {
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
}
