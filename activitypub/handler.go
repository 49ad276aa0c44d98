package activitypub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-fed/activity/streams/vocab"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/internal/outbound"
	"github.com/blogbridge/blogbridge/store"
)

// Options are the dependencies of a Handler.
type Options struct {
	Config Config
	// Store keeps the actor's key and the ledger of federated posts. It
	// must not be nil.
	Store *store.Store
	// Snapshot returns the snapshot to serve; it is called on every
	// request. It must not be nil; it may return nil while the first
	// snapshot is being built.
	Snapshot func() *content.Snapshot
	// Logger receives server errors; nil discards them.
	Logger *slog.Logger
	// Version is the software version NodeInfo reports.
	Version string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Verifier checks the signatures of GET requests in secure mode. When
	// nil, the inbox's verifier is used.
	Verifier RequestVerifier
	// Client makes every request to other servers: fetching the keys that
	// sign incoming activities and the actors of followers. Without it,
	// or without Deliverer, the inbox answers 503.
	Client *outbound.Client
	// Deliverer sends the activities the inbox answers with (the Accept
	// of a Follow).
	Deliverer Deliverer
	// InboxLimits bound what one server may send to the inbox.
	InboxLimits InboxLimits
}

// RequestVerifier checks the HTTP signature of a request and returns the
// id of the key that signed it.
type RequestVerifier interface {
	VerifyRequest(r *http.Request) (keyID string, err error)
}

// Handler serves the blog's actor, its collections and its posts as
// ActivityPub objects, with WebFinger, host-meta and NodeInfo for discovery.
// It is safe for concurrent use.
type Handler struct {
	cfg      Config
	store    *store.Store
	snapshot func() *content.Snapshot
	logger   *slog.Logger
	version  string
	now      func() time.Time
	verifier RequestVerifier
	key      *store.ActorKey
	inbox    *inbox // nil when the inbox is off

	mu  sync.Mutex // serialises index builds and so ledger writes
	idx atomic.Pointer[index]
	// followersGen changes whenever the follower count may have changed.
	followersGen atomic.Uint64

	// Header values shared by every response; never modified.
	hdrCORS, hdrNosniff, hdrNoStore, hdrGzip              []string
	hdrVaryAccept, hdrVaryEncoding, hdrVaryAcceptEncoding []string
}

// errNoSnapshot is returned while the first snapshot is being built.
var errNoSnapshot = errors.New("activitypub: the site is not loaded yet")

// NewHandler returns a Handler. It loads the actor's key from the store,
// generating it on first start.
func NewHandler(ctx context.Context, opts Options) (*Handler, error) {
	if opts.Store == nil || opts.Snapshot == nil {
		return nil, errors.New("activitypub: NewHandler needs a store and a snapshot function")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("activitypub: %w", err)
	}
	inboxOn := opts.Client != nil && opts.Deliverer != nil
	if opts.Config.SecureMode && opts.Verifier == nil && !inboxOn {
		return nil, errors.New("activitypub: secure mode needs a verifier of HTTP signatures")
	}
	key, err := opts.Store.ActorKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("activitypub: %w", err)
	}
	h := &Handler{
		cfg:        opts.Config.withDefaults(),
		store:      opts.Store,
		snapshot:   opts.Snapshot,
		logger:     opts.Logger,
		version:    opts.Version,
		now:        opts.Now,
		verifier:   opts.Verifier,
		key:        key,
		hdrCORS:    []string{"*"},
		hdrNosniff: []string{"nosniff"},
		hdrNoStore: []string{"no-store"},
		hdrGzip:    []string{"gzip"},

		hdrVaryAccept:         []string{"Accept"},
		hdrVaryEncoding:       []string{"Accept-Encoding"},
		hdrVaryAcceptEncoding: []string{"Accept, Accept-Encoding"},
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if inboxOn {
		h.inbox = h.newInbox(opts)
		if h.verifier == nil {
			h.verifier = h.inbox.verifier
		}
	}
	return h, nil
}

// KeyID returns the id of the key the blog's actor signs with, which
// follows the base URL; "" before the first snapshot is served.
func (h *Handler) KeyID() string {
	if idx := h.idx.Load(); idx != nil {
		return idx.urls.keyID
	}
	return ""
}

// FollowersChanged tells the handler that the follower count changed, so
// the followers collection is counted again on its next request.
func (h *Handler) FollowersChanged() { h.followersGen.Add(1) }

// Wrap returns a handler that answers the ActivityPub, WebFinger,
// host-meta and NodeInfo requests, and requests for a post's permalink (or
// a home page) that ask for ActivityStreams JSON, and passes every other
// request to next.
func (h *Handler) Wrap(next http.Handler) http.Handler {
	return &wrapped{h: h, next: next}
}

type wrapped struct {
	h    *Handler
	next http.Handler
}

var _ http.Handler = (*wrapped)(nil)

func (wr *wrapped) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, path := wr.h, r.URL.Path
	mayBeOurs := strings.HasPrefix(path, "/.well-known/") || strings.HasPrefix(path, "/nodeinfo/") ||
		strings.Contains(path, "/ap/")
	isGet := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !mayBeOurs && !isGet {
		wr.next.ServeHTTP(w, r)
		return
	}
	idx, err := h.current(r.Context())
	if err != nil {
		if errors.Is(err, errNoSnapshot) {
			wr.next.ServeHTTP(w, r) // the site answers 503
			return
		}
		if mayBeOurs {
			h.writeError(w, r, http.StatusInternalServerError, err)
			return
		}
		h.logger.LogAttrs(r.Context(), slog.LevelError, "activitypub: index failed; serving the site without it",
			slog.String("path", path), slog.Any("error", err))
		wr.next.ServeHTTP(w, r)
		return
	}
	if mayBeOurs {
		if handler, pattern := idx.mux.Handler(r); pattern != "" {
			handler.ServeHTTP(w, r)
			return
		}
	}
	if isGet && h.negotiate(w, r, idx) {
		return
	}
	wr.next.ServeHTTP(w, r)
}

// routes returns the handler's routes for idx: the discovery documents at
// the root of the host, the actor and its collections below the base URL.
// A GET pattern answers HEAD too; every path also has a pattern for the
// other methods, answered with 405.
func (h *Handler) routes(idx *index) *http.ServeMux {
	mux := http.NewServeMux()
	ap := idx.basePath + "ap/"
	get := func(path string, f http.HandlerFunc) {
		mux.HandleFunc("GET "+path, f)
		mux.HandleFunc(path, h.methodNotAllowed("GET, HEAD"))
	}
	open := func(l *lazy[*document], build func() (*document, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { h.serveLazy(w, r, l, build) }
	}
	signed := func(f http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if h.signed(w, r) {
				f(w, r)
			}
		}
	}

	get("/.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) { h.serveWebFinger(w, r, idx) })
	get("/.well-known/host-meta", open(&idx.hostMeta, h.buildHostMeta(idx, false)))
	get("/.well-known/host-meta.json", open(&idx.hostMetaJSON, h.buildHostMeta(idx, true)))
	get(pathNodeInfoDiscovery, open(&idx.nodeInfoLinks, h.buildNodeInfoLinks(idx)))
	get(pathNodeInfo20, open(&idx.nodeInfo20, h.buildNodeInfo(idx, "2.0")))
	get(pathNodeInfo21, open(&idx.nodeInfo21, h.buildNodeInfo(idx, "2.1")))

	get(ap+"actor", open(&idx.actor, h.buildActor(idx)))
	get(ap+"outbox", signed(func(w http.ResponseWriter, r *http.Request) { h.serveOutbox(w, r, idx) }))
	get(ap+"followers", signed(func(w http.ResponseWriter, r *http.Request) {
		doc, err := h.followersDocument(r.Context(), idx)
		if err != nil {
			h.writeError(w, r, http.StatusInternalServerError, err)
			return
		}
		h.serveDocument(w, r, doc, false)
	}))
	get(ap+"following", signed(open(&idx.following, h.buildCount(idx.urls.following, 0))))
	get(ap+"featured", signed(open(&idx.featuredDoc, h.buildFeatured(idx))))
	get(ap+"posts/", signed(func(w http.ResponseWriter, r *http.Request) {
		id, activity := strings.TrimPrefix(r.URL.Path, ap+"posts/"), false
		if i := strings.IndexByte(id, '/'); i >= 0 {
			if id[i:] != "/activity" {
				h.writeJSONError(w, r, http.StatusNotFound, "no such object")
				return
			}
			id, activity = id[:i], true
		}
		h.servePost(w, r, idx, id, activity, false)
	}))
	for _, inbox := range []string{ap + "inbox", ap + "shared-inbox"} {
		mux.HandleFunc("POST "+inbox, func(w http.ResponseWriter, r *http.Request) { h.serveInbox(w, r, idx) })
		mux.HandleFunc(inbox, h.methodNotAllowed("POST"))
	}
	mux.HandleFunc(ap, func(w http.ResponseWriter, r *http.Request) {
		h.writeJSONError(w, r, http.StatusNotFound, "no such object")
	})
	return mux
}

// methodNotAllowed answers 405, naming the allowed methods.
func (h *Handler) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		h.writeJSONError(w, r, http.StatusMethodNotAllowed, "use "+allow)
	}
}

// serveLazy serves the document l holds, building it on first use.
func (h *Handler) serveLazy(w http.ResponseWriter, r *http.Request, l *lazy[*document], build func() (*document, error)) {
	doc, err := l.get(build)
	if err != nil {
		h.writeError(w, r, http.StatusInternalServerError, err)
		return
	}
	h.serveDocument(w, r, doc, false)
}

// serveOutbox answers for the outbox, or one of its pages with ?page=N
// (Mastodon's ?page=true is the first).
func (h *Handler) serveOutbox(w http.ResponseWriter, r *http.Request, idx *index) {
	page := r.URL.Query().Get("page")
	if page == "" {
		h.serveLazy(w, r, &idx.outbox, h.buildOutbox(idx))
		return
	}
	n, err := strconv.Atoi(page)
	if page == "true" {
		n, err = 1, nil
	}
	if err != nil || n < 1 || n > len(idx.outboxPages) {
		h.writeJSONError(w, r, http.StatusNotFound, "no such page")
		return
	}
	h.serveLazy(w, r, &idx.outboxPages[n-1], h.buildOutboxPage(idx, n))
}

// servePost answers for the object (or its Create activity) with ledger id
// id: the document, a Tombstone with 410 when the post is gone, or 404.
func (h *Handler) servePost(w http.ResponseWriter, r *http.Request, idx *index, id string, activity, vary bool) {
	e := idx.byID[id]
	if e == nil {
		if rec, ok := idx.gone[id]; ok {
			doc, err := h.buildTombstone(idx, rec, activity)()
			if err != nil {
				h.writeError(w, r, http.StatusInternalServerError, err)
				return
			}
			h.serveDocument(w, r, doc, vary)
			return
		}
		h.writeJSONError(w, r, http.StatusNotFound, "no such object")
		return
	}
	var (
		doc *document
		err error
	)
	if activity {
		doc, err = e.create.get(h.buildCreate(idx, e))
	} else {
		var od objectDocs
		od, err = e.object.get(h.buildObject(idx, e))
		doc = od.doc
	}
	if err != nil {
		h.writeError(w, r, http.StatusInternalServerError, err)
		return
	}
	h.serveDocument(w, r, doc, vary)
}

// negotiate answers a GET for a post's permalink, or a home page, with the
// ActivityStreams document when the request asks for one, and reports
// whether it did. Otherwise it marks the response as varying by Accept
// when the path has both representations.
func (h *Handler) negotiate(w http.ResponseWriter, r *http.Request, idx *index) bool {
	path := r.URL.Path
	e := idx.byPath[path]
	rec, gone := idx.gonePath[path]
	home := idx.homes[path]
	if e == nil && !gone && !home {
		return false
	}
	if !wantsActivity(r.Header["Accept"]) {
		w.Header()["Vary"] = h.hdrVaryAccept
		return false
	}
	switch {
	case home:
		doc, err := idx.actor.get(h.buildActor(idx))
		if err != nil {
			h.writeError(w, r, http.StatusInternalServerError, err)
			return true
		}
		h.serveDocument(w, r, doc, true)
	case e != nil:
		if h.signed(w, r) {
			h.servePost(w, r, idx, e.id, false, true)
		}
	default:
		if h.signed(w, r) {
			h.servePost(w, r, idx, rec.ID, false, true)
		}
	}
	return true
}

// signed enforces secure mode: it answers 401 to a request without a valid
// signature and reports whether the request may go on.
func (h *Handler) signed(w http.ResponseWriter, r *http.Request) bool {
	if !h.cfg.SecureMode {
		return true
	}
	if r.Header.Get("Signature") == "" && r.Header.Get("Signature-Input") == "" {
		h.writeJSONError(w, r, http.StatusUnauthorized, "this server requires signed requests")
		return false
	}
	if _, err := h.verifier.VerifyRequest(r); err != nil {
		h.writeJSONError(w, r, http.StatusUnauthorized, "the request signature is not valid")
		return false
	}
	return true
}

// serveWebFinger answers a WebFinger query: 400 without a resource or with
// a malformed one, 404 for anyone but the actor.
func (h *Handler) serveWebFinger(w http.ResponseWriter, r *http.Request, idx *index) {
	w.Header()["Access-Control-Allow-Origin"] = h.hdrCORS
	q := r.URL.Query()
	res, err := parseResource(q.Get("resource"))
	if err != nil {
		h.writeJSONError(w, r, http.StatusBadRequest, "the resource parameter must be an acct: URI or a URL")
		return
	}
	if !res.matches(idx.prof, idx.urls, idx.servingHost) {
		h.writeJSONError(w, r, http.StatusNotFound, "no such account")
		return
	}
	doc, err := idx.webfinger.get(h.buildWebFinger(idx))
	if err != nil {
		h.writeError(w, r, http.StatusInternalServerError, err)
		return
	}
	h.serveDocument(w, r, doc, false)
}

// followersDocument returns the followers collection, counting the
// followers again when they may have changed.
func (h *Handler) followersDocument(ctx context.Context, idx *index) (*document, error) {
	gen := h.followersGen.Load()
	if c := idx.followers.Load(); c != nil && c.gen == gen {
		return c.doc, nil
	}
	idx.followersMu.Lock()
	defer idx.followersMu.Unlock()
	if c := idx.followers.Load(); c != nil && c.gen == gen {
		return c.doc, nil
	}
	n, err := h.store.FollowerCount(ctx)
	if err != nil {
		return nil, err
	}
	doc, err := h.buildCount(idx.urls.followers, n)()
	if err != nil {
		return nil, err
	}
	idx.followers.Store(&countedDocument{gen: gen, doc: doc})
	return doc, nil
}

// writeError answers a server error: logged here, once, with the
// request's attributes; the client sees only the status.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.logger.LogAttrs(r.Context(), slog.LevelError, "activitypub: request failed",
		slog.Int("status", status),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("remote_addr", r.RemoteAddr),
		slog.String("user_agent", r.UserAgent()),
		slog.Any("error", err),
	)
	h.writeJSONError(w, r, status, http.StatusText(status))
}

// writeJSONError answers with status and a JSON body {"error": msg}. It is
// the one place error responses are written.
func (h *Handler) writeJSONError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	body, _ := encodeJSON(map[string]string{"error": msg})
	hdr := w.Header()
	hdr.Del("Etag")
	hdr["Cache-Control"] = h.hdrNoStore
	hdr["Content-Type"] = []string{contentTypeJSON}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	hdr["X-Content-Type-Options"] = h.hdrNosniff
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// Builders of the documents. Each returns a function for lazy.get, so a
// document is built once per snapshot, on its first request.

func (h *Handler) buildActor(idx *index) func() (*document, error) {
	return func() (*document, error) {
		body, err := toJSON(profileToActor(idx.prof, idx.urls))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildWebFinger(idx *index) func() (*document, error) {
	return func() (*document, error) {
		body, err := encodeJSON(actorToJRD(idx.prof, idx.urls))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeJRD, body), nil
	}
}

func (h *Handler) buildHostMeta(idx *index, asJSON bool) func() (*document, error) {
	return func() (*document, error) {
		template := idx.origin + "/.well-known/webfinger?resource={uri}"
		if !asJSON {
			return h.newDocument(http.StatusOK, contentTypeXRD, hostMetaToXRD(template)), nil
		}
		body, err := encodeJSON(hostMetaToJRD(template))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeJSON, body), nil
	}
}

func (h *Handler) buildNodeInfoLinks(idx *index) func() (*document, error) {
	return func() (*document, error) {
		body, err := encodeJSON(nodeInfoDiscovery(idx.origin))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeJSON, body), nil
	}
}

func (h *Handler) buildNodeInfo(idx *index, schema string) func() (*document, error) {
	return func() (*document, error) {
		body, err := encodeJSON(siteToNodeInfo(schema, h.version, len(idx.entries), idx.prof))
		if err != nil {
			return nil, err
		}
		ct := `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/` + schema + `#"`
		return h.newDocument(http.StatusOK, ct, body), nil
	}
}

func (h *Handler) buildObject(idx *index, e *entry) func() (objectDocs, error) {
	return func() (objectDocs, error) {
		v := idx.conv.postToObject(e.post)
		body, err := toJSON(v)
		if err != nil {
			return objectDocs{}, err
		}
		return objectDocs{value: v, doc: h.newDocument(http.StatusOK, contentTypeActivity, body)}, nil
	}
}

// objectValue returns the go-fed value of e's object, building its
// document if needed.
func (h *Handler) objectValue(idx *index, e *entry) (vocab.Type, error) {
	od, err := e.object.get(h.buildObject(idx, e))
	return od.value, err
}

func (h *Handler) buildCreate(idx *index, e *entry) func() (*document, error) {
	return func() (*document, error) {
		v, err := h.objectValue(idx, e)
		if err != nil {
			return nil, err
		}
		body, err := toJSON(idx.conv.postToCreate(e.post, e.id, v))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildOutbox(idx *index) func() (*document, error) {
	return func() (*document, error) {
		body, err := toJSON(idx.conv.outboxToCollection(len(idx.entries), idx.pageSize))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildOutboxPage(idx *index, n int) func() (*document, error) {
	return func() (*document, error) {
		from := (n - 1) * idx.pageSize
		to := min(from+idx.pageSize, len(idx.entries))
		var creates []vocab.ActivityStreamsCreate
		for _, e := range idx.entries[from:to] {
			v, err := h.objectValue(idx, e)
			if err != nil {
				return nil, err
			}
			creates = append(creates, idx.conv.postToCreate(e.post, e.id, v))
		}
		body, err := toJSON(idx.conv.outboxToPage(n, len(idx.entries), idx.pageSize, creates))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildCount(id string, n int) func() (*document, error) {
	return func() (*document, error) {
		body, err := toJSON(countToCollection(id, n))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildFeatured(idx *index) func() (*document, error) {
	return func() (*document, error) {
		objects := make([]vocab.Type, 0, len(idx.featured))
		for _, e := range idx.featured {
			v, err := h.objectValue(idx, e)
			if err != nil {
				return nil, err
			}
			objects = append(objects, v)
		}
		oc, err := idx.conv.featuredToCollection(objects)
		if err != nil {
			return nil, err
		}
		body, err := toJSON(oc)
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildTombstone(idx *index, rec store.Object, activity bool) func() (*document, error) {
	return func() (*document, error) {
		body, err := toJSON(idx.conv.recordToTombstone(rec, activity))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusGone, contentTypeActivity, body), nil
	}
}
