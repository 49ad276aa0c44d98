package content

import (
	"net/url"
	"path"
	"strings"
	"time"
)

// Snapshot is the whole site at one moment: every published page of every
// language, rendered. A Snapshot is immutable once built; the Watcher swaps in
// a new one atomically, so a reader holding one never sees a half state.
type Snapshot struct {
	Config  *SiteConfig
	SiteDir string // absolute site root
	BuiltAt time.Time
	// Version counts the snapshots built by one Watcher, starting at 1.
	Version uint64

	// Languages are the site's languages in weight order; Sites holds the
	// pages of each, by language code.
	Languages []Language
	Sites     map[string]*LangSite

	// StaticDirs are the folders whose files are served as they are, site
	// first, then themes; a file in an earlier folder wins.
	StaticDirs []string

	// Diagnostics are every warning and error found while building.
	Diagnostics []Diagnostic

	// NextChange is when a future page comes due or a page expires, so the
	// snapshot must be rebuilt; zero when nothing is scheduled.
	NextChange time.Time

	routes       map[string]Route
	translations map[string][]*Page
}

// LangSite is the part of a snapshot in one language.
type LangSite struct {
	Language Language
	Home     *Page
	// Pages are the regular pages, newest first.
	Pages []*Page
	// Sections are the section list pages, by section path ("posts").
	Sections map[string]*Page
	// Taxonomies are the taxonomy pages, by plural name ("tags"); each
	// holds its terms in Terms.
	Taxonomies map[string]*Page
}

// Route is what a root-relative path of the site leads to: a page, a bundle
// resource, or a redirect (a Hugo alias).
type Route struct {
	Page     *Page
	Resource *Resource
	Redirect string // absolute URL
}

// Lookup finds what path leads to. path is root-relative and unescaped
// ("/posts/kafka/"); a page path without its trailing slash is found too, and
// "/posts/kafka/keynote.jpg" finds the resource of the bundle at
// "/posts/kafka/".
func (s *Snapshot) Lookup(path string) (Route, bool) {
	if r, ok := s.routes[path]; ok {
		return r, true
	}
	if !strings.HasSuffix(path, "/") {
		if r, ok := s.routes[path+"/"]; ok && r.Page != nil {
			return r, true
		}
	}
	for i := strings.LastIndexByte(path, '/'); i > 0; i = strings.LastIndexByte(path[:i], '/') {
		r, ok := s.routes[path[:i+1]]
		if !ok || r.Page == nil {
			continue
		}
		if res := r.Page.Resource(path[i+1:]); res != nil {
			return Route{Resource: res}, true
		}
	}
	return Route{}, false
}

// Translations returns the pages that translate p, p included, in language
// weight order; nil when p has none.
func (s *Snapshot) Translations(p *Page) []*Page {
	t := s.translations[translationKey(p)]
	if len(t) < 2 {
		return nil
	}
	return t
}

// Site returns the pages of language lang, or of the default language when
// lang is empty.
func (s *Snapshot) Site(lang string) *LangSite {
	if lang == "" {
		lang = s.Config.DefaultContentLanguage
	}
	return s.Sites[lang]
}

// DefaultSite returns the pages of the default content language.
func (s *Snapshot) DefaultSite() *LangSite { return s.Site("") }

// RegularPages returns the regular pages of every language, newest first
// within each language, languages in weight order.
func (s *Snapshot) RegularPages() []*Page {
	var all []*Page
	for _, l := range s.Languages {
		if ls := s.Sites[l.Code]; ls != nil {
			all = append(all, ls.Pages...)
		}
	}
	return all
}

// Errors returns the diagnostics of Error severity.
func (s *Snapshot) Errors() []Diagnostic {
	var errs []Diagnostic
	for _, d := range s.Diagnostics {
		if d.Severity == Error {
			errs = append(errs, d)
		}
	}
	return errs
}

// translationKey is what the translations of one page share: their
// translationKey, else their file path in its content folder, without
// language and extension, so that "content/posts/a.es.md" and, with
// per-language content folders, "content/es/posts/a.md" both give
// "posts/a". Pages built by the builder have it already.
func translationKey(p *Page) string {
	if p.tkey != "" {
		return p.tkey
	}
	return fileTranslationKey(p, p.File)
}

// translationKey is translationKey for a page of source s.
func (b *builder) translationKey(p *Page, s *source) string {
	rel := s.rel
	if root := b.roots[s.dir.root].dir; root != "." {
		rel = strings.TrimPrefix(rel, root+"/")
	}
	return fileTranslationKey(p, rel)
}

// fileTranslationKey is the translation key of p, whose file is file.
func fileTranslationKey(p *Page, file string) string {
	if p.TranslationKey != "" {
		return "key:" + p.TranslationKey
	}
	dir, name := path.Split(file)
	base := strings.TrimSuffix(name, path.Ext(name))
	if i := strings.LastIndexByte(base, '.'); i > 0 && base[i+1:] == p.Lang {
		base = base[:i]
	}
	return "file:" + dir + base
}

// routeKey is the key of a root-relative URL path in the routes: unescaped,
// as net/http gives a request's path.
func routeKey(rel string) string {
	if u, err := url.PathUnescape(rel); err == nil {
		return u
	}
	return rel
}
