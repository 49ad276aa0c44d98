package activitypub

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-fed/activity/streams/vocab"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/internal/httpcache"
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
	// Signer signs the fetches the inbox makes with the actor's key, whose
	// public key it must have; the key from the store signs when nil.
	Signer crypto.Signer
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
	signer   crypto.Signer // signs with key
	inbox    *inbox        // nil when the inbox is off

	mu  sync.Mutex // serialises index builds and so ledger writes
	idx atomic.Pointer[index]
	// followersGen changes whenever the follower count may have changed.
	followersGen atomic.Uint64

	// Header values shared by every response; never modified.
	hdrCORS, hdrNosniff, hdrNoStore, hdrVaryAccept []string
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
		cfg:           opts.Config.withDefaults(),
		store:         opts.Store,
		snapshot:      opts.Snapshot,
		logger:        opts.Logger,
		version:       opts.Version,
		now:           opts.Now,
		verifier:      opts.Verifier,
		key:           key,
		signer:        opts.Signer,
		hdrCORS:       []string{"*"},
		hdrNosniff:    []string{"nosniff"},
		hdrNoStore:    []string{"no-store"},
		hdrVaryAccept: []string{"Accept"},
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.signer == nil {
		h.signer = key.Private
	} else if !key.Private.PublicKey.Equal(h.signer.Public()) {
		return nil, errors.New("activitypub: the signer's public key is not the actor's")
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
	mayBeOurs := mayBeOurs(path)
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
	if mayBeOurs && isGet {
		doc, signed, err := h.find(r.Context(), idx, path, r.URL.RawQuery)
		switch {
		case err != nil:
			h.writeError(w, r, http.StatusInternalServerError, err)
			return
		case doc != nil:
			if !signed || h.signed(w, r) {
				doc.Serve(w, r, false)
			}
			return
		}
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

// mayBeOurs reports whether path may be one the handler routes itself
// rather than a page of the site: discovery, NodeInfo, or below an ap/
// prefix.
func mayBeOurs(path string) bool {
	return strings.HasPrefix(path, "/.well-known/") || strings.HasPrefix(path, "/nodeinfo/") ||
		strings.Contains(path, "/ap/")
}

// Find returns the document that answers a GET or HEAD request for path
// with the query rawQuery, whatever else the request holds but its
// Accept-Encoding and cache validators: a discovery document, the actor,
// one of its collections or a post, those that must be signed only when
// secure mode is off. It returns nil for every other request, and when
// the document cannot be built; the Handler answers those itself.
func (h *Handler) Find(path, rawQuery string) *httpcache.Document {
	if !mayBeOurs(path) {
		return nil
	}
	ctx := context.Background()
	idx, err := h.current(ctx)
	if err != nil {
		return nil
	}
	doc, signed, err := h.find(ctx, idx, path, rawQuery)
	if err != nil || signed && h.cfg.SecureMode {
		return nil
	}
	return doc
}

// find returns the document of idx that a GET for path and rawQuery
// answers, and whether secure mode requires that request to be signed; a
// nil document when the request is not for one. It is the one router of
// the documents: the handler's mux answers only what find leaves, the
// errors and the other methods.
func (h *Handler) find(ctx context.Context, idx *index, path, rawQuery string) (doc *httpcache.Document, signed bool, err error) {
	switch path {
	case "/.well-known/webfinger":
		res, err := parseResource(queryValue(rawQuery, "resource"))
		if err != nil || !res.matches(idx.prof, idx.urls, idx.servingHost) {
			return nil, false, nil // serveWebFinger says what is wrong
		}
		doc, err = idx.webfinger.get(h.buildWebFinger(idx))
	case "/.well-known/host-meta":
		doc, err = idx.hostMeta.get(h.buildHostMeta(idx, false))
	case "/.well-known/host-meta.json":
		doc, err = idx.hostMetaJSON.get(h.buildHostMeta(idx, true))
	case pathNodeInfoDiscovery:
		doc, err = idx.nodeInfoLinks.get(h.buildNodeInfoLinks(idx))
	case pathNodeInfo20:
		doc, err = idx.nodeInfo20.get(h.buildNodeInfo(idx, "2.0"))
	case pathNodeInfo21:
		doc, err = idx.nodeInfo21.get(h.buildNodeInfo(idx, "2.1"))
	default:
		rest, ok := strings.CutPrefix(path, idx.basePath+"ap/")
		if !ok {
			return nil, false, nil
		}
		return h.findAP(ctx, idx, rest, rawQuery)
	}
	return doc, false, err
}

// findAP is find for the paths below the actor's prefix, given without
// it: "actor", "outbox", "posts/ID".
func (h *Handler) findAP(ctx context.Context, idx *index, rest, rawQuery string) (doc *httpcache.Document, signed bool, err error) {
	switch rest {
	case "actor":
		doc, err = idx.actor.get(h.buildActor(idx))
		return doc, false, err
	case "outbox":
		if queryValue(rawQuery, "page") != "" {
			return nil, false, nil // serveOutbox answers for the pages
		}
		doc, err = idx.outbox.get(h.buildOutbox(idx))
	case "followers":
		doc, err = h.followersDocument(ctx, idx)
	case "following":
		doc, err = idx.following.get(h.buildCount(idx.urls.following, 0))
	case "featured":
		doc, err = idx.featuredDoc.get(h.buildFeatured(idx))
	default:
		id, ok := strings.CutPrefix(rest, "posts/")
		if !ok {
			return nil, false, nil
		}
		activity := false
		if i := strings.IndexByte(id, '/'); i >= 0 {
			if id[i:] != "/activity" {
				return nil, false, nil
			}
			id, activity = id[:i], true
		}
		doc, err = h.postDocument(idx, id, activity)
	}
	return doc, true, err
}

// routes returns the mux for the requests find leaves to it: the errors
// of WebFinger and of unknown objects, the outbox's pages, the inbox, and
// 405 for every method a path does not take. A GET pattern answers HEAD
// too.
func (h *Handler) routes(idx *index) *http.ServeMux {
	mux := http.NewServeMux()
	ap := idx.basePath + "ap/"
	getOnly := func(path string) {
		mux.HandleFunc(path, h.methodNotAllowed("GET, HEAD"))
	}
	notFound := func(msg string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { h.writeJSONError(w, r, http.StatusNotFound, msg) }
	}

	mux.HandleFunc("GET /.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) { h.serveWebFinger(w, r, idx) })
	mux.HandleFunc("GET "+ap+"outbox", func(w http.ResponseWriter, r *http.Request) {
		if h.signed(w, r) {
			h.serveOutbox(w, r, idx)
		}
	})
	mux.HandleFunc("GET "+ap+"posts/", notFound("no such object"))
	for _, path := range []string{"/.well-known/webfinger", "/.well-known/host-meta", "/.well-known/host-meta.json",
		pathNodeInfoDiscovery, pathNodeInfo20, pathNodeInfo21,
		ap + "actor", ap + "outbox", ap + "followers", ap + "following", ap + "featured", ap + "posts/"} {
		getOnly(path)
	}
	for _, inbox := range []string{ap + "inbox", ap + "shared-inbox"} {
		mux.HandleFunc("POST "+inbox, func(w http.ResponseWriter, r *http.Request) { h.serveInbox(w, r, idx) })
		mux.HandleFunc(inbox, h.methodNotAllowed("POST"))
	}
	mux.HandleFunc(ap, notFound("no such object"))
	return mux
}

// methodNotAllowed answers 405, naming the allowed methods.
func (h *Handler) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		h.writeJSONError(w, r, http.StatusMethodNotAllowed, "use "+allow)
	}
}

// serveOutbox answers for a page of the outbox, ?page=N (Mastodon's
// ?page=true is the first); find answers for the outbox itself.
func (h *Handler) serveOutbox(w http.ResponseWriter, r *http.Request, idx *index) {
	page := queryValue(r.URL.RawQuery, "page")
	n, err := strconv.Atoi(page)
	if page == "true" {
		n, err = 1, nil
	}
	if err != nil || n < 1 || n > len(idx.outboxPages) {
		h.writeJSONError(w, r, http.StatusNotFound, "no such page")
		return
	}
	doc, err := idx.outboxPages[n-1].get(h.buildOutboxPage(idx, n))
	if err != nil {
		h.writeError(w, r, http.StatusInternalServerError, err)
		return
	}
	doc.Serve(w, r, false)
}

// postDocument returns the object (or its Create activity) with ledger id
// id: its document, a Tombstone answered with 410 when the post is gone,
// or nil when there is no such post.
func (h *Handler) postDocument(idx *index, id string, activity bool) (*httpcache.Document, error) {
	e := idx.byID[id]
	if e == nil {
		if rec, ok := idx.gone[id]; ok {
			return h.buildTombstone(idx, rec, activity)()
		}
		return nil, nil
	}
	if activity {
		return e.create.get(h.buildCreate(idx, e))
	}
	od, err := e.object.get(h.buildObject(idx, e))
	return od.doc, err
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
		doc.Serve(w, r, true)
	case h.signed(w, r):
		id := rec.ID
		if e != nil {
			id = e.id
		}
		switch doc, err := h.postDocument(idx, id, false); {
		case err != nil:
			h.writeError(w, r, http.StatusInternalServerError, err)
		case doc == nil:
			h.writeJSONError(w, r, http.StatusNotFound, "no such object")
		default:
			doc.Serve(w, r, true)
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

// serveWebFinger answers a WebFinger query find did not: 400 without a
// resource or with a malformed one, 404 for anyone but the actor.
func (h *Handler) serveWebFinger(w http.ResponseWriter, r *http.Request, idx *index) {
	w.Header()["Access-Control-Allow-Origin"] = h.hdrCORS
	if _, err := parseResource(queryValue(r.URL.RawQuery, "resource")); err != nil {
		h.writeJSONError(w, r, http.StatusBadRequest, "the resource parameter must be an acct: URI or a URL")
		return
	}
	h.writeJSONError(w, r, http.StatusNotFound, "no such account")
}

// queryValue returns the first value of the parameter name in the URL
// query rawQuery, as url.Values.Get would, without building the map.
func queryValue(rawQuery, name string) string {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if strings.Contains(pair, ";") {
			continue // url.ParseQuery refuses these
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil || k != name {
			continue
		}
		if v, err = url.QueryUnescape(v); err == nil {
			return v
		}
	}
	return ""
}

// followersDocument returns the followers collection, counting the
// followers again when they may have changed.
func (h *Handler) followersDocument(ctx context.Context, idx *index) (*httpcache.Document, error) {
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

func (h *Handler) buildActor(idx *index) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
		body, err := toJSON(profileToActor(idx.prof, idx.urls))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildWebFinger(idx *index) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
		body, err := encodeJSON(actorToJRD(idx.prof, idx.urls))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeJRD, body), nil
	}
}

func (h *Handler) buildHostMeta(idx *index, asJSON bool) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
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

func (h *Handler) buildNodeInfoLinks(idx *index) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
		body, err := encodeJSON(nodeInfoDiscovery(idx.origin))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeJSON, body), nil
	}
}

func (h *Handler) buildNodeInfo(idx *index, schema string) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
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

func (h *Handler) buildCreate(idx *index, e *entry) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
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

func (h *Handler) buildOutbox(idx *index) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
		body, err := toJSON(idx.conv.outboxToCollection(len(idx.entries), idx.pageSize))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildOutboxPage(idx *index, n int) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
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

func (h *Handler) buildCount(id string, n int) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
		body, err := toJSON(countToCollection(id, n))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusOK, contentTypeActivity, body), nil
	}
}

func (h *Handler) buildFeatured(idx *index) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
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

func (h *Handler) buildTombstone(idx *index, rec store.Object, activity bool) func() (*httpcache.Document, error) {
	return func() (*httpcache.Document, error) {
		body, err := toJSON(idx.conv.recordToTombstone(rec, activity))
		if err != nil {
			return nil, err
		}
		return h.newDocument(http.StatusGone, contentTypeActivity, body), nil
	}
}
