package content

import (
	"cmp"
	"html/template"
	"slices"
	"strings"
	"unicode"
)

// assemble builds the list pages and routes of snap from the published
// pages.
func (b *builder) assemble(snap *Snapshot, published []*placedPage) {
	snap.routes = make(map[string]Route, len(published)+len(published)/4)
	snap.translations = make(map[string][]*Page, len(published))
	byLang := map[string][]*placedPage{}
	for _, pp := range published {
		byLang[pp.src.lang] = append(byLang[pp.src.lang], pp)
	}
	for _, lang := range b.cfg.Languages {
		ls := b.assembleLang(lang, byLang[lang.Code])
		snap.Sites[lang.Code] = ls
		b.addRoutes(snap, ls, byLang[lang.Code])
	}
	for _, l := range b.cfg.Languages {
		for _, p := range snap.Sites[l.Code].Pages {
			snap.translations[translationKey(p)] = append(snap.translations[translationKey(p)], p)
		}
	}
}

func (b *builder) assembleLang(lang Language, pages []*placedPage) *LangSite {
	ls := &LangSite{Language: lang, Sections: map[string]*Page{}, Taxonomies: map[string]*Page{}}
	var regular []*Page
	branch := map[string]*placedPage{} // section path -> its _index.md
	var home *placedPage
	for _, pp := range pages {
		switch pp.kind {
		case KindPage:
			p := pp.src.rendered.page
			if p == nil || !pp.listed {
				continue
			}
			regular = append(regular, p)
		case KindSection:
			branch[strings.Join(pp.sections, "/")] = pp
		case KindHome:
			home = pp
		}
	}
	sortPages(regular)
	ls.Pages = regular

	// Sections: every section a page is in, and every _index.md.
	children := map[string][]*Page{}
	for _, p := range regular {
		for _, key := range p.sectionKeys() {
			children[key] = append(children[key], p)
		}
	}
	taxonomies := invert(b.cfg.Taxonomies)
	for key := range branch {
		if _, isTaxonomy := taxonomies[key]; isTaxonomy {
			continue // content/tags/_index.md describes the taxonomy page
		}
		if _, ok := children[key]; !ok {
			children[key] = nil
		}
	}
	for key, list := range children {
		sections := strings.Split(key, "/")
		sp := b.listPage(KindSection, lang.Code, branch[key], b.cfg.sectionPermalink(lang.Code, sections), humanize(sections[len(sections)-1]))
		sp.Section, sp.Sections = sections[0], sections
		sp.Pages = list
		ls.Sections[key] = sp
	}

	// Taxonomies and their terms.
	for _, plural := range sortedMapKeys(taxonomies) {
		tp := b.listPage(KindTaxonomy, lang.Code, branch[plural], b.cfg.taxonomyPermalink(lang.Code, plural), humanize(plural))
		tp.Section, tp.Sections = plural, []string{plural}
		terms := map[string]*Page{}
		for _, p := range regular {
			for i, term := range p.Taxonomies[plural] {
				key := p.termLinks[plural][i]
				t, ok := terms[key]
				if !ok {
					t = b.listPage(KindTerm, lang.Code, nil, key, term)
					t.Section, t.Sections = plural, []string{plural}
					terms[key] = t
				}
				if len(t.Pages) == 0 || t.Pages[len(t.Pages)-1] != p {
					t.Pages = append(t.Pages, p)
				}
			}
		}
		for _, t := range terms {
			tp.Terms = append(tp.Terms, t)
		}
		slices.SortFunc(tp.Terms, func(a, b *Page) int { return cmp.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) })
		ls.Taxonomies[plural] = tp
	}

	// The home page lists the main sections.
	title := lang.Title
	if title == "" {
		title = b.cfg.Title
	}
	ls.Home = b.listPage(KindHome, lang.Code, home, b.cfg.homePermalink(lang.Code), title)
	main := b.mainSections(ls)
	for _, p := range regular {
		if slices.Contains(main, p.Section) {
			ls.Home.Pages = append(ls.Home.Pages, p)
		}
	}
	return ls
}

// mainSections returns the sections the home page lists: params.mainSections,
// else the section with the most pages, as Hugo does.
func (b *builder) mainSections(ls *LangSite) []string {
	if len(b.cfg.MainSections) > 0 {
		return b.cfg.MainSections
	}
	best, n := "", -1
	for _, key := range sortedMapKeys(ls.Sections) {
		if !strings.Contains(key, "/") && len(ls.Sections[key].Pages) > n {
			best, n = key, len(ls.Sections[key].Pages)
		}
	}
	if best == "" {
		return nil
	}
	return []string{best}
}

// listPage makes a home, section, taxonomy or term page, from its
// _index.md when there is one.
func (b *builder) listPage(kind Kind, lang string, pp *placedPage, raw, title string) *Page {
	p := &Page{Kind: kind, Lang: lang, RelPermalink: b.cfg.relURL(raw), Permalink: b.cfg.absURL(raw), Title: title}
	if pp == nil {
		p.Hash = pageHash(p, [32]byte{})
		return p
	}
	fm, rc := pp.src.fm, &pp.src.rendered
	p.File = pp.src.rel
	if fm.Title != "" {
		p.Title = fm.Title
	}
	p.Description, p.Params = fm.Description, fm.Params
	p.Date, p.Lastmod, p.PublishDate = fm.Date, fm.Lastmod, fm.PublishDate
	p.content, p.Summary, p.SummaryText = rc.html, template.HTML(rc.summ), rc.text
	p.images = b.pageImages(p, rc.imgs, fm.Images)
	p.dims = new(imageDims)
	p.Hash = pageHash(p, rc.digest)
	return p
}

func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// humanize turns a folder name into a title: "release-notes" is
// "Release notes", as Hugo titles sections without an _index.md.
func humanize(s string) string {
	s = strings.NewReplacer("-", " ", "_", " ").Replace(s)
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// addRoutes adds every page of ls and its aliases to snap's routes. A list
// page never replaces a regular page at the same path.
func (b *builder) addRoutes(snap *Snapshot, ls *LangSite, pages []*placedPage) {
	add := func(p *Page) {
		key := p.route
		if key == "" {
			key = routeKey(p.RelPermalink)
		}
		if _, taken := snap.routes[key]; !taken {
			snap.routes[key] = Route{Page: p}
		}
	}
	for _, pp := range pages {
		if pp.kind == KindPage && pp.rendered && pp.src.rendered.page != nil {
			add(pp.src.rendered.page)
		}
	}
	add(ls.Home)
	for _, key := range sortedMapKeys(ls.Sections) {
		add(ls.Sections[key])
	}
	for _, key := range sortedMapKeys(ls.Taxonomies) {
		add(ls.Taxonomies[key])
		for _, t := range ls.Taxonomies[key].Terms {
			add(t)
		}
	}
	for _, p := range ls.Pages {
		for _, a := range p.Aliases {
			if key := routeKey(a); snap.routes[key] == (Route{}) {
				snap.routes[key] = Route{Redirect: p.Permalink}
			}
		}
	}
}
