package feeds

import (
	"cmp"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/blogbridge/blogbridge/content"
)

// format is one of the document formats every feed is served in.
type format int

const (
	formatRSS format = iota
	formatAtom
	formatJSON
	numFormats
)

// fileName is the name of a list's feed in format f, appended to the
// list's path.
func (f format) fileName() string {
	switch f {
	case formatAtom:
		return "atom.xml"
	case formatJSON:
		return "feed.json"
	}
	return "index.xml"
}

// mediaType is the media type of format f, as autodiscovery links and
// Content-Type headers name it.
func (f format) mediaType() string {
	switch f {
	case formatAtom:
		return "application/atom+xml"
	case formatJSON:
		return "application/feed+json"
	}
	return "application/rss+xml"
}

// String names format f for people.
func (f format) String() string {
	switch f {
	case formatAtom:
		return "Atom"
	case formatJSON:
		return "JSON Feed"
	}
	return "RSS"
}

// generator names blogbridge in the feeds it writes.
const generator = "blogbridge"

// source is one feed before it takes a format: gorilla's generic feed and
// what that has no field for.
type source struct {
	feed    *feeds.Feed
	entries []*entry // one per feed.Items, in the same order
	lang    string   // language tag of the feed, "en-us"
	// urls are the absolute URLs of this feed in each format.
	urls      [numFormats]string
	hub       string // WebSub hub URL; empty for none
	siteTitle string
	author    person // the site's author
	icon      string // absolute URL of the site's avatar
}

// entry is what a post's feed entry carries beyond gorilla's Item.
type entry struct {
	summaryText string
	lang        string
	authors     []person
	categories  []category
	image       string // absolute URL of the lead image; empty for none
}

// person is an author.
type person struct {
	name, email, uri, avatar string
}

// category is a term of one of the site's taxonomies.
type category struct {
	term   string // as written in front matter
	scheme string // absolute URL of the taxonomy's page
}

// site is what the feeds of one language take from the snapshot.
type site struct {
	title       string
	description string
	lang        string // language tag, "en-us"
	author      person
	icon        string
	tagHost     string // authority of entry tag: URIs; empty for none
	contentDir  string
	taxonomies  map[string]string // plural name -> absolute URL
	staticDirs  []string
	baseURL     string
}

// snapshotToSite reads the site-wide facts of language lang from snap.
func snapshotToSite(snap *content.Snapshot, lang string) site {
	cfg := snap.Config
	var language content.Language
	for _, l := range snap.Languages {
		if l.Code == lang {
			language = l
		}
	}
	desc, _ := language.Params["description"].(string)
	s := site{
		title:       cmp.Or(language.Title, cfg.Title),
		description: cmp.Or(desc, cfg.Description),
		lang:        cmp.Or(language.LanguageCode, language.Code, cfg.LanguageCode, "en"),
		author:      person{name: cfg.Author.Name, email: cfg.Author.Email, uri: cfg.Author.URL},
		icon:        absoluteURL(cfg.BaseURL, cfg.Avatar),
		contentDir:  cfg.ContentDir,
		taxonomies:  map[string]string{},
		staticDirs:  snap.StaticDirs,
		baseURL:     cfg.BaseURL,
	}
	s.author.avatar = s.icon
	if u, err := url.Parse(cfg.BaseURL); err == nil {
		s.tagHost = strings.ToLower(u.Hostname())
	}
	if ls := snap.Sites[lang]; ls != nil {
		for name, tp := range ls.Taxonomies {
			s.taxonomies[name] = tp.Permalink
		}
	}
	return s
}

// absoluteURL resolves ref, as a site's configuration writes it, against
// base: an absolute URL stays, anything else is below base.
func absoluteURL(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	if u, err := url.Parse(ref); err != nil || u.IsAbs() {
		if err != nil {
			return ""
		}
		return ref
	}
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(ref, "/")
}

// listTitle is the title of the feed of list, as Hugo titles its RSS: the
// site's title for the home page, "Posts on Site" for the others.
func listTitle(s site, list *content.Page) string {
	if list.Kind == content.KindHome || list.Title == "" || list.Title == s.title {
		return s.title
	}
	return list.Title + " on " + s.title
}

// listDescription is the description of the feed of list.
func listDescription(s site, list *content.Page) string {
	if d := strings.TrimSpace(list.Description); d != "" {
		return d
	}
	if list.Kind == content.KindHome && s.description != "" {
		return s.description
	}
	if list.Kind == content.KindHome || list.Title == "" || list.Title == s.title {
		return "Recent content on " + s.title
	}
	return "Recent content in " + list.Title + " on " + s.title
}

// listToSource builds the feed of list from its newest pages, each already
// converted by item. urls are the feed's own URLs in every format; hub is
// the WebSub hub, or empty.
func listToSource(s site, list *content.Page, pages []*content.Page, item func(*content.Page) (*feeds.Item, *entry), urls [numFormats]string, hub string) *source {
	src := &source{
		feed: &feeds.Feed{
			Title:       listTitle(s, list),
			Link:        &feeds.Link{Href: list.Permalink},
			Description: listDescription(s, list),
			Id:          urls[formatAtom],
			Items:       make([]*feeds.Item, 0, len(pages)),
		},
		entries:   make([]*entry, 0, len(pages)),
		lang:      s.lang,
		urls:      urls,
		hub:       hub,
		siteTitle: s.title,
		author:    s.author,
		icon:      s.icon,
	}
	if s.author.name != "" || s.author.email != "" {
		src.feed.Author = &feeds.Author{Name: s.author.name, Email: s.author.email}
	}
	if s.icon != "" {
		src.feed.Image = &feeds.Image{Url: s.icon, Title: src.feed.Title, Link: list.Permalink}
	}
	for _, p := range pages {
		it, e := item(p)
		src.feed.Items = append(src.feed.Items, it)
		src.entries = append(src.entries, e)
		src.feed.Created = latest(src.feed.Created, it.Created)
		src.feed.Updated = latest(src.feed.Updated, it.Updated)
	}
	if src.feed.Updated.IsZero() {
		// A feed with no dated entry was never updated; formats that
		// require a date get the epoch rather than the time of the build,
		// so the document depends on the site alone.
		src.feed.Updated = time.Unix(0, 0).UTC()
	}
	return src
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// pageToItem converts a regular page into a feed item and the rest of its
// entry. It reads the size of the page's lead image from disk when the
// image is a bundle resource or a static file.
func pageToItem(s site, p *content.Page) (*feeds.Item, *entry) {
	it := &feeds.Item{
		Title:       p.Title,
		Link:        &feeds.Link{Href: p.Permalink},
		Description: string(p.Summary),
		Content:     string(p.Content()),
		Id:          entryID(s, p),
		Created:     p.Date,
		Updated:     latest(p.Date, p.Lastmod),
	}
	it.IsPermaLink = strconv.FormatBool(it.Id == p.Permalink)
	e := &entry{summaryText: p.SummaryText, lang: s.lang}
	for _, name := range p.Authors {
		a := person{name: name}
		if name == s.author.name {
			a = s.author
		}
		e.authors = append(e.authors, a)
	}
	if len(e.authors) == 0 && (s.author.name != "" || s.author.email != "") {
		e.authors = []person{s.author}
	}
	if len(e.authors) > 0 {
		it.Author = &feeds.Author{Name: e.authors[0].name, Email: e.authors[0].email}
	}
	e.categories = pageCategories(s, p)
	if img, ok := p.LeadImage(); ok && img.URL != "" {
		e.image = img.URL
		mediaType := cmp.Or(img.MediaType, content.MediaType(urlPath(img.URL)))
		if strings.HasPrefix(mediaType, "image/") {
			it.Enclosure = &feeds.Enclosure{Url: img.URL, Type: mediaType, Length: "0"}
			if n := imageSize(s, p, img); n > 0 {
				it.Enclosure.Length = strconv.FormatInt(n, 10)
			}
		}
	}
	return it, e
}

// pageCategories lists the terms of every taxonomy of p: tags first, then
// the other taxonomies by name, each in front matter order.
func pageCategories(s site, p *content.Page) []category {
	names := make([]string, 0, len(p.Taxonomies))
	for name := range p.Taxonomies {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == "tags") != (b == "tags") {
			if a == "tags" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var out []category
	for _, name := range names {
		for _, term := range p.Taxonomies[name] {
			out = append(out, category{term: term, scheme: s.taxonomies[name]})
		}
	}
	return out
}

// entryID returns the id of p's entry: a tag: URI (RFC 4151) of the site's
// host, the year of the post and its source file, such as
// "tag:blog.example,2024:posts/kafka-summit". It survives changes of title,
// slug, date within the year and permalink configuration. A page with no
// date, no file or a site with no host keeps its permalink as id.
func entryID(s site, p *content.Page) string {
	if p.Date.IsZero() || p.File == "" || s.tagHost == "" {
		return p.Permalink
	}
	rel := p.File
	if s.contentDir != "" {
		rel = strings.TrimPrefix(rel, s.contentDir+"/")
	}
	rel = strings.TrimSuffix(rel, path.Ext(rel))
	dir, base := path.Split(rel)
	switch {
	case base == "index":
		rel = strings.TrimSuffix(dir, "/")
	case strings.HasPrefix(base, "index."):
		rel = strings.TrimSuffix(dir, "/") + base[len("index"):]
	}
	if rel == "" {
		return p.Permalink
	}
	return "tag:" + s.tagHost + "," + strconv.Itoa(p.Date.Year()) + ":" + (&url.URL{Path: rel}).EscapedPath()
}

// imageSize returns the size in bytes of img, a lead image of p, when it is
// a file of p's bundle or of the site's static folders; 0 when unknown.
func imageSize(s site, p *content.Page, img content.Image) int64 {
	if img.Resource != "" {
		if r := p.Resource(img.Resource); r != nil {
			return fileSize(r.Path())
		}
		return 0
	}
	rel, ok := strings.CutPrefix(urlPath(img.URL), s.baseURL)
	if !ok || s.baseURL == "" {
		return 0
	}
	rel, err := url.PathUnescape(rel)
	if err != nil || !filepath.IsLocal(filepath.FromSlash(rel)) {
		return 0
	}
	for _, dir := range s.staticDirs {
		if n := fileSize(filepath.Join(dir, filepath.FromSlash(rel))); n > 0 {
			return n
		}
	}
	return 0
}

func fileSize(name string) int64 {
	fi, err := os.Stat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

// urlPath returns u without its query and fragment.
func urlPath(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}
