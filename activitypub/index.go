package activitypub

import (
	"cmp"
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-fed/activity/streams/vocab"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/internal/httpcache"
	"github.com/blogbridge/blogbridge/store"
)

// index is everything the handler derives from one snapshot: the ledger
// records of its posts, the URLs, and the documents, each built on first
// request and then served from memory until the next snapshot.
type index struct {
	snap    *content.Snapshot
	expires time.Time // when a post comes due or expires; zero for never

	urls        actorURLs
	conv        *converter
	prof        profile
	origin      string // scheme://host of the base URL
	servingHost string // host of the base URL
	basePath    string // path of the base URL, ending in "/"
	pageSize    int

	entries  []*entry          // federated posts, newest first
	byID     map[string]*entry // by ledger id
	byPath   map[string]*entry // by URL path of the permalink
	byPage   map[*content.Page]*entry
	gone     map[string]store.Object // deleted posts, by ledger id
	gonePath map[string]store.Object // deleted posts, by URL path of their last permalink
	homes    map[string]bool         // URL paths of the home pages
	featured []*entry

	headLinks []HeadLink // the links every page gets
	mux       *http.ServeMux

	actor, webfinger, hostMeta, hostMetaJSON lazy[*httpcache.Document]
	nodeInfoLinks, nodeInfo20, nodeInfo21    lazy[*httpcache.Document]
	outbox, following, featuredDoc           lazy[*httpcache.Document]
	outboxPages                              []lazy[*httpcache.Document]
	followers                                atomic.Pointer[countedDocument]
	followersMu                              sync.Mutex
}

// entry is a federated post and its documents.
type entry struct {
	post   *post
	id     string // ledger id
	object *lazy[objectDocs]
	create *lazy[*httpcache.Document]
}

// objectDocs are a post's object as a go-fed value, for embedding in
// activities and collections, and as its own document.
type objectDocs struct {
	value vocab.Type
	doc   *httpcache.Document
}

// countedDocument is a document that depends on a count kept in the store,
// with the generation of that count it was built at.
type countedDocument struct {
	gen uint64
	doc *httpcache.Document
}

// lazy is a value built once, on first use.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(build func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = build() })
	return l.v, l.err
}

// current returns the index of the current snapshot, building it (and
// bringing the ledger up to date) when the snapshot changed or a post came
// due or expired since the last one.
func (h *Handler) current(ctx context.Context) (*index, error) {
	snap := h.snapshot()
	if snap == nil {
		return nil, errNoSnapshot
	}
	idx := h.idx.Load()
	if idx != nil && idx.snap == snap && (idx.expires.IsZero() || h.now().Before(idx.expires)) {
		return idx, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	idx = h.idx.Load()
	if idx != nil && idx.snap == snap && (idx.expires.IsZero() || h.now().Before(idx.expires)) {
		return idx, nil
	}
	next, err := h.buildIndex(ctx, snap, idx)
	if err != nil {
		return nil, err
	}
	h.idx.Store(next)
	return next, nil
}

// Sync brings the ledger and the served documents up to date with the
// current snapshot now rather than on the next request. Call it after a new
// snapshot is published.
func (h *Handler) Sync(ctx context.Context) error {
	_, err := h.current(ctx)
	return err
}

// buildIndex derives the index of snap, recording in the ledger what snap
// federates. Documents of posts that did not change since prev are carried
// over.
func (h *Handler) buildIndex(ctx context.Context, snap *content.Snapshot, prev *index) (*index, error) {
	now := h.now()
	cands, expires := federatedPages(snap, h.cfg, now)
	records, err := h.store.Objects(ctx)
	if err != nil {
		return nil, err
	}
	st := reconcile(records, cands, brokenFiles(snap), now)
	if err := h.store.PutObjects(ctx, st.changed); err != nil {
		return nil, err
	}

	base := snap.Config.BaseURL
	bu, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	idx := &index{
		snap:        snap,
		expires:     expires,
		urls:        newActorURLs(base),
		origin:      bu.Scheme + "://" + bu.Host,
		servingHost: bu.Host,
		basePath:    bu.Path,
		pageSize:    h.cfg.PageSize,
		byID:        make(map[string]*entry, len(cands)),
		byPath:      make(map[string]*entry, len(cands)),
		byPage:      make(map[*content.Page]*entry, len(cands)),
		gone:        st.deleted,
		gonePath:    make(map[string]store.Object, len(st.deleted)),
		homes:       make(map[string]bool, len(snap.Sites)),
	}
	if !strings.HasSuffix(idx.basePath, "/") {
		idx.basePath += "/"
	}
	idx.conv = newConverter(idx.urls)
	if prev != nil && prev.urls == idx.urls {
		idx.conv = prev.conv // same URLs; keeps the sanitisers
	}

	tags := tagLinks(snap)
	for _, c := range cands {
		rec := st.live[c.page]
		p := &post{
			page:       c.page,
			id:         mustURL(idx.urls.object(rec.ID)),
			objectType: c.objectType,
			published:  c.page.Date,
			tags:       tags[c.page],
		}
		if p.published.IsZero() {
			p.published = rec.Published
		}
		p.updated = updatedAt(c.page, rec, p.published)
		e := &entry{post: p, id: rec.ID}
		if old := prev.reusable(e, idx.urls); old != nil {
			e.object, e.create = old.object, old.create
		} else {
			e.object, e.create = new(lazy[objectDocs]), new(lazy[*httpcache.Document])
		}
		idx.entries = append(idx.entries, e)
		idx.byID[rec.ID] = e
		idx.byPage[c.page] = e
		idx.byPath[urlPath(c.page.Permalink)] = e
	}
	slices.SortStableFunc(idx.entries, func(a, b *entry) int {
		if c := b.post.published.Compare(a.post.published); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, e := range idx.entries {
		if e.post.page.Pinned {
			idx.featured = append(idx.featured, e)
		}
	}
	for id, r := range st.deleted {
		if p := urlPath(r.Permalink); p != "" && idx.byPath[p] == nil {
			idx.gonePath[p] = st.deleted[id]
		}
	}
	for _, ls := range snap.Sites {
		if ls.Home != nil {
			idx.homes[urlPath(ls.Home.Permalink)] = true
		}
	}
	idx.outboxPages = make([]lazy[*httpcache.Document], pageCount(len(idx.entries), idx.pageSize))

	key, err := h.key.PublicKeyPEM()
	if err != nil {
		return nil, err
	}
	idx.prof = h.siteProfile(snap, idx, key)
	idx.headLinks = h.commonHeadLinks(idx.prof)
	idx.mux = h.routes(idx)
	return idx, nil
}

// reusable returns the entry of the previous index whose documents e can
// share: same post, same content, same dates, same tags, same URLs.
func (prev *index) reusable(e *entry, urls actorURLs) *entry {
	if prev == nil || prev.urls != urls {
		return nil
	}
	old := prev.byID[e.id]
	if old == nil {
		return nil
	}
	a, b := old.post, e.post
	if a.page.Hash != b.page.Hash || a.objectType != b.objectType ||
		!a.published.Equal(b.published) || !a.updated.Equal(b.updated) || !slices.Equal(a.tags, b.tags) {
		return nil
	}
	return old
}

// updatedAt is when the post was last edited: its lastmod when later than
// its date, or when the ledger saw its content change, whichever is later;
// zero when neither.
func updatedAt(p *content.Page, rec store.Object, published time.Time) time.Time {
	var t time.Time
	if p.Lastmod.After(published) {
		t = p.Lastmod
	}
	if rec.Updated.After(t) && rec.Updated.After(published) {
		t = rec.Updated
	}
	return t
}

// federatedPages returns the pages snap federates, with their types, and
// when that set next changes by the clock alone (a post coming due or
// expiring; zero for never). A page is federated when it is a regular page
// with a source file, in a federated section, not a draft, not in the
// future, not expired, and not opted out.
func federatedPages(snap *content.Snapshot, cfg Config, now time.Time) ([]candidate, time.Time) {
	var (
		out     []candidate
		expires time.Time
	)
	soonest := func(t time.Time) {
		if expires.IsZero() || t.Before(expires) {
			expires = t
		}
	}
	for _, lang := range snap.Languages {
		ls := snap.Sites[lang.Code]
		if ls == nil {
			continue
		}
		pages := ls.Pages
		if len(cfg.Sections) == 0 && ls.Home != nil {
			pages = ls.Home.Pages // the main sections
		}
		for _, p := range pages {
			if !p.IsRegular() || p.File == "" || p.Draft || !p.Federate {
				continue
			}
			if len(cfg.Sections) > 0 && !slices.Contains(cfg.Sections, p.Section) {
				continue
			}
			if len(cfg.Tags) > 0 && !slices.ContainsFunc(p.Tags(), func(t string) bool {
				return slices.ContainsFunc(cfg.Tags, func(want string) bool { return strings.EqualFold(t, want) })
			}) {
				continue
			}
			due := p.PublishDate
			if due.IsZero() {
				due = p.Date
			}
			if due.After(now) {
				soonest(due)
				continue
			}
			if !p.ExpiryDate.IsZero() {
				if !p.ExpiryDate.After(now) {
					continue
				}
				soonest(p.ExpiryDate)
			}
			t := cfg.ObjectType
			if p.ObjectType != "" {
				t = p.ObjectType
			}
			out = append(out, candidate{page: p, objectType: t})
		}
	}
	return out, expires
}

// brokenFiles returns the files with errors in snap: their pages may be
// missing from it only until the writer fixes them.
func brokenFiles(snap *content.Snapshot) map[string]bool {
	out := map[string]bool{}
	for _, d := range snap.Errors() {
		if d.File != "" {
			out[d.File] = true
		}
	}
	return out
}

// tagLinks returns the hashtags of every regular page of snap, in the
// order of the page's tags, linking to the tag pages.
func tagLinks(snap *content.Snapshot) map[*content.Page][]tagLink {
	out := make(map[*content.Page][]tagLink)
	for _, ls := range snap.Sites {
		tax := ls.Taxonomies["tags"]
		if tax == nil {
			continue
		}
		terms := make(map[*content.Page][]*content.Page)
		for _, t := range tax.Terms {
			for _, p := range t.Pages {
				terms[p] = append(terms[p], t)
			}
		}
		for p, ts := range terms {
			out[p] = orderTags(p.Tags(), ts)
		}
	}
	return out
}

// orderTags matches a page's tags, as written, with the term pages that
// list it, and returns them as hashtags in the page's order.
func orderTags(names []string, terms []*content.Page) []tagLink {
	used := make([]bool, len(terms))
	ordered := make([]*content.Page, 0, len(terms))
	for _, n := range names {
		for i, t := range terms {
			if !used[i] && strings.EqualFold(t.Title, n) {
				used[i] = true
				ordered = append(ordered, t)
				break
			}
		}
	}
	for i, t := range terms {
		if !used[i] {
			ordered = append(ordered, t)
		}
	}
	var out []tagLink
	seen := map[string]bool{}
	for _, t := range ordered {
		name := hashtagName(t.Title)
		if _, ok := parseURL(t.Permalink); !ok || name == "" || seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		out = append(out, tagLink{name: name, href: t.Permalink})
	}
	return out
}

// siteProfile gathers what the actor says about the blog.
func (h *Handler) siteProfile(snap *content.Snapshot, idx *index, publicKeyPEM string) profile {
	cfg := snap.Config
	pr := profile{
		cfg:          h.cfg,
		host:         h.cfg.Host,
		name:         cfg.Title,
		summary:      strings.Join(strings.Fields(cfg.Description), " "),
		url:          cfg.BaseURL,
		icon:         siteURL(cfg, cfg.Avatar),
		image:        siteURL(cfg, stringParam(cfg.Params, "banner")),
		publicKeyPEM: publicKeyPEM,
		published:    h.key.Created.UTC().Truncate(time.Second),
	}
	if pr.host == "" {
		pr.host = idx.servingHost
	}
	if ls := snap.DefaultSite(); ls != nil {
		if ls.Language.Title != "" {
			pr.name = ls.Language.Title
		}
		if ls.Home != nil && ls.Home.Permalink != "" {
			pr.url = ls.Home.Permalink
		}
	}
	if pr.name == "" {
		pr.name = h.cfg.Username
	}
	for _, e := range idx.entries {
		if d := e.post.published.UTC().Truncate(time.Second); d.Before(pr.published) {
			pr.published = d
		}
	}
	for _, host := range []string{pr.host, idx.servingHost} {
		if hn, _, err := net.SplitHostPort(host); err == nil {
			host = hn
		}
		host = strings.ToLower(host)
		if host != "" && !slices.Contains(pr.domains, host) {
			pr.domains = append(pr.domains, host)
		}
	}
	return pr
}

// siteURL makes an image named in the site's configuration absolute: a
// relative one names a file of static/, below the base URL as Hugo
// publishes it.
func siteURL(cfg *content.SiteConfig, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if u.IsAbs() {
		return s
	}
	return strings.TrimSuffix(cfg.BaseURL, "/") + "/" + strings.TrimPrefix(s, "/")
}

// stringParam returns a string site parameter, "" when absent.
func stringParam(params map[string]any, name string) string {
	s, _ := params[name].(string)
	return s
}

// urlPath returns the unescaped path of an absolute URL, as a request's
// URL.Path has it; "" when it cannot be parsed.
func urlPath(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Path
}
