package site

import (
	"html/template"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/blogbridge/blogbridge/content"
)

// siteIndex holds what the pages of one snapshot need from one another:
// which list pages translate which, and the term page each term name leads
// to. It is built once per snapshot, on the first request that sees it,
// from the list pages only: the snapshot knows the translations of regular
// pages, and a site has a few list pages for thousands of posts.
type siteIndex struct {
	snap *content.Snapshot

	// keys is the translation key of every list page; byKey the list
	// pages sharing a key, one per language.
	keys  map[*content.Page]string
	byKey map[string][]*content.Page
	// terms maps language, then taxonomy, then a normalized term name to
	// the term's page.
	terms map[string]map[string]map[string]*content.Page

	// contents caches each regular page's Content with image sizes added.
	contents sync.Map // *content.Page -> template.HTML
}

// siteIndex returns the index of snap, building it when snap is new.
func (h *Handler) siteIndex(snap *content.Snapshot) *siteIndex {
	if idx := h.index.Load(); idx != nil && idx.snap == snap {
		return idx
	}
	idx := buildIndex(snap)
	h.index.Store(idx)
	return idx
}

// buildIndex indexes the list pages of snap.
func buildIndex(snap *content.Snapshot) *siteIndex {
	idx := &siteIndex{
		snap:  snap,
		keys:  map[*content.Page]string{},
		byKey: map[string][]*content.Page{},
		terms: map[string]map[string]map[string]*content.Page{},
	}
	add := func(p *content.Page, key string) {
		if p == nil || key == "" {
			return
		}
		if k := translationKey(p); k != "" {
			key = k
		}
		idx.keys[p] = key
		idx.byKey[key] = append(idx.byKey[key], p)
	}
	for _, lang := range snap.Languages {
		ls := snap.Sites[lang.Code]
		if ls == nil {
			continue
		}
		add(ls.Home, "home")
		for name, p := range ls.Sections {
			add(p, "section:"+name)
		}
		byTax := map[string]map[string]*content.Page{}
		for name, tax := range ls.Taxonomies {
			if tax == nil {
				continue
			}
			add(tax, "taxonomy:"+name)
			names := map[string]*content.Page{}
			for _, term := range tax.Terms {
				seg := lastSegment(term.RelPermalink)
				add(term, "term:"+name+":"+seg)
				names[seg] = term
				if t := strings.ToLower(term.Title); t != "" {
					if _, ok := names[t]; !ok {
						names[t] = term
					}
				}
			}
			byTax[name] = names
		}
		idx.terms[lang.Code] = byTax
	}
	order := map[string]int{}
	for i, l := range snap.Languages {
		order[l.Code] = i
	}
	for _, pages := range idx.byKey {
		sort.SliceStable(pages, func(i, j int) bool { return order[pages[i].Lang] < order[pages[j].Lang] })
	}
	return idx
}

// translationKey returns "tk:" and the page's translationKey front matter,
// or "" when it has none.
func translationKey(p *content.Page) string {
	if p.TranslationKey != "" {
		return "tk:" + p.TranslationKey
	}
	return ""
}

// translations returns the pages translating p, in language order, not
// counting p.
func (idx *siteIndex) translations(p *content.Page) []*content.Page {
	all := idx.byKey[idx.keys[p]]
	if p.Kind == content.KindPage {
		all = idx.snap.Translations(p)
	}
	var out []*content.Page
	for _, q := range all {
		if q != p && q.Lang != p.Lang {
			out = append(out, q)
		}
	}
	return out
}

// termURL returns the path of the page of term in taxonomy, in language
// lang, or "" when there is none.
func (idx *siteIndex) termURL(lang, taxonomy, term string) string {
	names := idx.terms[lang][taxonomy]
	if names == nil {
		return ""
	}
	for _, k := range []string{urlize(term), strings.ToLower(term)} {
		if p, ok := names[k]; ok {
			return p.RelPermalink
		}
	}
	return ""
}

// lastSegment returns the last element of a URL path, unescaped.
func lastSegment(p string) string {
	seg := path.Base(strings.TrimSuffix(p, "/"))
	if u, err := url.PathUnescape(seg); err == nil {
		seg = u
	}
	return seg
}

// urlize turns a term into the path segment Hugo makes of it: lower case,
// spaces as hyphens, without punctuation other than "-", "_" and ".".
func urlize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte('-')
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// content returns p's Content with the known sizes of its images added,
// computed once per page.
func (idx *siteIndex) content(p *content.Page) template.HTML {
	if c, ok := idx.contents.Load(p); ok {
		return c.(template.HTML)
	}
	c := sizeImages(p.Content(), p.Images())
	idx.contents.Store(p, c)
	return c
}
