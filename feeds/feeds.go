package feeds

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/feeds"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// DefaultItems is how many entries a feed holds when Options.Items is 0.
const DefaultItems = 20

// Options are the dependencies and settings of Feeds.
type Options struct {
	// Snapshot returns the snapshot to serve. It is called on every
	// request and must not be nil; it may return nil while the first
	// snapshot is being built, and requests then go to the wrapped handler.
	Snapshot func() *content.Snapshot
	// Items is the most entries a feed holds, newest first: DefaultItems
	// when 0, every page when negative.
	Items int
	// Hub is the URL of a WebSub hub that feeds advertise and Run
	// notifies; empty for none.
	Hub string
	// Client sends notifications to the hub; nil means a client with a
	// timeout of its own.
	Client *http.Client
	// Logger receives server errors and hub failures; nil discards them.
	Logger *slog.Logger
}

// Feeds serves the feeds of the current snapshot and knows which feeds a
// page advertises. Each feed document is built once per snapshot, on first
// use, and kept in memory with its gzip copy.
type Feeds struct {
	snapshot func() *content.Snapshot
	items    int
	hub      string
	client   *http.Client
	logger   *slog.Logger
	// publishTimeout bounds one notification of the hub.
	publishTimeout time.Duration

	idx     atomic.Pointer[index]
	buildMu sync.Mutex // serializes building indexes

	stampMu sync.Mutex       // guards stamps
	stamps  map[string]stamp // by feed path: validators of the bytes last built
}

// stamp is what Feeds remembers of the last document built for a path, so
// that Last-Modified moves only when the bytes change.
type stamp struct {
	etag     string
	modified time.Time
	version  uint64
}

// Alternate is a feed a page advertises with <link rel="alternate">.
type Alternate struct {
	Type  string // media type, e.g. "application/atom+xml"
	Href  string // absolute URL
	Title string
}

// New returns Feeds serving the snapshots opts.Snapshot returns. It panics
// when opts.Snapshot is nil, a programming error.
func New(opts Options) *Feeds {
	if opts.Snapshot == nil {
		panic("feeds: New: Options.Snapshot is nil")
	}
	f := &Feeds{
		snapshot: opts.Snapshot,
		items:    opts.Items,
		hub:      opts.Hub,
		client:   opts.Client,
		logger:   opts.Logger,
		stamps:   map[string]stamp{},

		publishTimeout: defaultPublishTimeout,
	}
	if f.items == 0 {
		f.items = DefaultItems
	}
	if f.client == nil {
		f.client = &http.Client{Timeout: defaultPublishTimeout}
	}
	if f.logger == nil {
		f.logger = slog.New(slog.DiscardHandler)
	}
	return f
}

// Links returns the feeds page p advertises: a home, section or term page
// its own feeds, every other page the feeds of its language's home page.
// RSS comes first, the format Hugo advertises. The result is nil when
// there is no snapshot yet.
func (f *Feeds) Links(p *content.Page) []Alternate {
	snap := f.snapshot()
	if snap == nil || p == nil {
		return nil
	}
	idx := f.indexFor(snap)
	if a, ok := idx.alternates[p.RelPermalink]; ok {
		return slices.Clone(a)
	}
	if home := snap.Sites[p.Lang]; home != nil && home.Home != nil {
		return slices.Clone(idx.alternates[home.Home.RelPermalink])
	}
	return nil
}

// index is what Feeds derives from one snapshot: its feeds by path, built
// lazily, and the items they share.
type index struct {
	snap       *content.Snapshot
	feeds      map[string]*feed       // by unescaped request path
	paths      []string               // keys of feeds, in build order
	alternates map[string][]Alternate // by a list page's RelPermalink
	sites      map[string]site        // by language code

	itemMu sync.Mutex
	items  map[*content.Page]item // converted pages, shared by every feed
}

// item is a page converted for the feeds.
type item struct {
	item  *feeds.Item
	entry *entry
}

// feed is one feed document of an index.
type feed struct {
	path   string // unescaped request path, "/posts/atom.xml"
	url    string // absolute URL
	format format
	list   *content.Page
	pages  []*content.Page
	urls   [numFormats]string // this list's feed in every format

	once sync.Once
	doc  *httpcache.Document
	err  error
}

// indexFor returns the index of snap, building it on first use.
func (f *Feeds) indexFor(snap *content.Snapshot) *index {
	if idx := f.idx.Load(); idx != nil && idx.snap == snap {
		return idx
	}
	f.buildMu.Lock()
	defer f.buildMu.Unlock()
	cur := f.idx.Load()
	if cur != nil && cur.snap == snap {
		return cur
	}
	idx := f.newIndex(snap)
	if cur == nil || snap.Version >= cur.snap.Version {
		f.idx.Store(idx)
	}
	return idx
}

// newIndex lists the feeds of snap: for each language the home page, each
// section by path and each taxonomy term. When two lists would have a feed
// at the same path, the first keeps it.
func (f *Feeds) newIndex(snap *content.Snapshot) *index {
	idx := &index{
		snap:       snap,
		feeds:      map[string]*feed{},
		alternates: map[string][]Alternate{},
		sites:      map[string]site{},
		items:      map[*content.Page]item{},
	}
	for _, lang := range snap.Languages {
		ls := snap.Sites[lang.Code]
		if ls == nil || ls.Home == nil {
			continue
		}
		s := snapshotToSite(snap, lang.Code)
		idx.sites[lang.Code] = s
		idx.add(s, ls.Home, ls.Pages, f.items)
		for _, key := range sortedKeys(ls.Sections) {
			sp := ls.Sections[key]
			idx.add(s, sp, sp.Pages, f.items)
		}
		for _, name := range sortedKeys(ls.Taxonomies) {
			for _, t := range ls.Taxonomies[name].Terms {
				idx.add(s, t, t.Pages, f.items)
			}
		}
	}
	return idx
}

// add registers the feeds of list, holding the newest limit of pages.
func (idx *index) add(s site, list *content.Page, pages []*content.Page, limit int) {
	if limit >= 0 && len(pages) > limit {
		pages = pages[:limit]
	}
	dir := listDir(list.RelPermalink)
	absDir := listDir(list.Permalink)
	var urls [numFormats]string
	for ft := range numFormats {
		urls[ft] = absDir + ft.fileName()
	}
	title := listTitle(s, list)
	var alts []Alternate
	for ft := range numFormats {
		p := dir + ft.fileName()
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
		if _, taken := idx.feeds[p]; taken {
			continue
		}
		idx.feeds[p] = &feed{path: p, url: urls[ft], format: ft, list: list, pages: pages, urls: urls}
		idx.paths = append(idx.paths, p)
		alts = append(alts, Alternate{Type: ft.mediaType(), Href: urls[ft], Title: title + " (" + ft.String() + ")"})
	}
	if _, ok := idx.alternates[list.RelPermalink]; !ok && len(alts) > 0 {
		idx.alternates[list.RelPermalink] = alts
	}
}

// listDir is the folder a list's feeds sit in: its permalink, or for an
// ugly URL ("/tags/kafka.html") the folder of that name.
func listDir(permalink string) string {
	if strings.HasSuffix(permalink, "/") {
		return permalink
	}
	return strings.TrimSuffix(permalink, path.Ext(permalink)) + "/"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// item returns p converted for the feeds, converting it on first use.
func (idx *index) item(p *content.Page) (*feeds.Item, *entry) {
	idx.itemMu.Lock()
	c, ok := idx.items[p]
	idx.itemMu.Unlock()
	if ok {
		return c.item, c.entry
	}
	it, e := pageToItem(idx.sites[p.Lang], p)
	idx.itemMu.Lock()
	idx.items[p] = item{it, e}
	idx.itemMu.Unlock()
	return it, e
}

// document returns the document of fd, building it on first use.
func (f *Feeds) document(idx *index, fd *feed) (*httpcache.Document, error) {
	fd.once.Do(func() {
		src := listToSource(idx.sites[fd.list.Lang], fd.list, fd.pages, idx.item, fd.urls, f.hub)
		body, err := encode(fd.format, src)
		if err != nil {
			fd.err = err
			return
		}
		etag := httpcache.ETag(body)
		fd.doc = newDocument(fd, body, etag, f.lastModified(idx.snap, fd.path, etag, src.feed.Updated), f.hub)
	})
	return fd.doc, fd.err
}

// lastModified returns the Last-Modified time of the document with etag
// at path: the time of its newest entry when the path is new, the time it
// had when the bytes are those of the last build, else the time of the
// snapshot that changed them. It never goes back in time for a path, nor
// past the snapshot.
func (f *Feeds) lastModified(snap *content.Snapshot, path, etag string, updated time.Time) time.Time {
	built := snap.BuiltAt.UTC().Truncate(time.Second)
	modified := updated.UTC().Truncate(time.Second)
	if !built.IsZero() && modified.After(built) {
		modified = built
	}
	f.stampMu.Lock()
	defer f.stampMu.Unlock()
	prev, ok := f.stamps[path]
	switch {
	case !ok:
	case prev.etag == etag:
		modified = prev.modified
	case !modified.After(prev.modified):
		modified = cmp.Or(built, prev.modified)
		if !modified.After(prev.modified) {
			modified = prev.modified.Add(time.Second)
		}
	}
	if !ok || snap.Version >= prev.version {
		f.stamps[path] = stamp{etag: etag, modified: modified, version: snap.Version}
	}
	return modified
}

// encode writes src as a document of format ft.
func encode(ft format, src *source) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch ft {
	case formatAtom:
		err = feeds.WriteXML(sourceToAtom(src), &buf)
		buf.WriteByte('\n')
	case formatRSS:
		err = feeds.WriteXML(sourceToRSS(src), &buf)
		buf.WriteByte('\n')
	case formatJSON:
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(sourceToJSON(src))
	default:
		err = fmt.Errorf("unknown format %d", ft)
	}
	if err != nil {
		return nil, fmt.Errorf("feeds: encode %s %s: %w", ft, src.urls[ft], err)
	}
	return buf.Bytes(), nil
}
