package site

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blogbridge/blogbridge/content"
)

//go:embed templates
var templateFS embed.FS

// templates are the parsed page templates by name. Each holds the base
// layout and partials plus one page's "main" block, and is executed through
// "base".
type templates struct {
	byName map[string]*template.Template
	digest string // of every template file, so a new layout changes ETags
}

// parseTemplates parses the embedded templates.
func parseTemplates() (*templates, error) {
	base, err := template.New("base").ParseFS(templateFS, "templates/base.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("site: parse layout: %w", err)
	}
	t := &templates{byName: map[string]*template.Template{}}
	sum := sha256.New()
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		fmt.Fprintf(sum, "%s\x00%d\x00", p, len(b))
		sum.Write(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("site: read templates: %w", err)
	}
	t.digest = hex.EncodeToString(sum.Sum(nil))
	for _, name := range []string{"home", "single", "section", "taxonomy", "term", "error"} {
		c, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("site: clone layout: %w", err)
		}
		if _, err := c.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("site: parse %s template: %w", name, err)
		}
		t.byName[name] = c
	}
	return t, nil
}

// execute renders the page template name with v.
func (t *templates) execute(w io.Writer, name string, v *view) error {
	tm, ok := t.byName[name]
	if !ok {
		return fmt.Errorf("site: no template %q", name)
	}
	return tm.ExecuteTemplate(w, "base", v)
}

// templateFor names the template of a page kind.
func templateFor(k content.Kind) string {
	switch k {
	case content.KindPage:
		return "single"
	case content.KindHome:
		return "home"
	case content.KindSection:
		return "section"
	case content.KindTaxonomy:
		return "taxonomy"
	case content.KindTerm:
		return "term"
	}
	return ""
}

// view is what a template renders.
type view struct {
	Lang      string // the page language's tag, for lang attributes
	Site      siteInfo
	Head      head
	Nav       []navItem
	Languages []langLink // the language switcher; empty without translations
	StyleURL  string

	Page       *content.Page
	Date       *date
	Lastmod    *date
	Authors    []string
	Taxonomies []taxonomyTerms
	Content    template.HTML

	Items []item  // the pages listed on this page of a list
	Pager *pager  // nil on pages that are not paginated
	Terms []count // a taxonomy page's terms

	Status  int // error pages only
	Title   string
	Message string

	languages []content.Language
}

// langTag returns the language tag of language code, e.g. "en-US".
func (v *view) langTag(code string) string {
	for _, l := range v.languages {
		if l.Code == code {
			return cmp.Or(l.LanguageCode, l.Code)
		}
	}
	return code
}

// siteInfo is the site as its layout shows it.
type siteInfo struct {
	Title       string
	Description string
	HomeURL     string
	Author      content.Author
	// Image is the absolute URL of the site's avatar, the image of pages
	// that have none of their own; "" when the site sets none.
	Image string
}

// navItem is an entry of the main navigation. Current marks the page being
// shown; Active a page inside the entry's part of the site.
type navItem struct {
	Title   string
	URL     string
	Current bool
	Active  bool
}

// langLink is an entry of the language switcher.
type langLink struct {
	Name    string
	Lang    string
	URL     string
	Current bool
}

// date is a time as a <time> element shows it.
type date struct {
	Datetime string
	Text     string
}

// taxonomyTerms are a page's terms in one taxonomy.
type taxonomyTerms struct {
	Name  string // "tags"
	Label string // "Tags"
	Terms []termLink
}

// termLink is a term and the path of its page, "" when it has none.
type termLink struct {
	Name string
	URL  string
}

// item is a page listed on a list page.
type item struct {
	Page *content.Page
	Date *date
	Tags []termLink
}

// pager says where a page of a paginated list is.
type pager struct {
	Number  int
	Total   int
	PrevURL string // the newer page; "" on the first
	NextURL string // the older page; "" on the last
}

// count is a term and the number of pages it lists.
type count struct {
	Name  string
	URL   string
	Count int
}

// defaultPageSize is the page size when the site sets none, as in Hugo.
const defaultPageSize = 10

// pageSize returns the number of pages on one page of a list.
func pageSize(snap *content.Snapshot) int {
	if snap.Config != nil && snap.Config.Paginate > 0 {
		return snap.Config.Paginate
	}
	return defaultPageSize
}

// pageCount returns how many pages a list of total entries takes; an empty
// list still has one.
func pageCount(total, size int) int {
	if total <= size {
		return 1
	}
	return (total + size - 1) / size
}

// paginated reports whether p lists pages over several pages.
func paginated(p *content.Page) bool {
	return p.Kind == content.KindHome || p.Kind == content.KindSection || p.Kind == content.KindTerm
}

// pagerURL returns the URL of page n of the list at base, Hugo's
// base/page/n/.
func pagerURL(base string, n int) string {
	if n <= 1 || base == "" {
		return base
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + pagerPath + "/" + strconv.Itoa(n) + "/"
}

// servePage answers with page n of p. The ETag is derived from the snapshot,
// the page, the stylesheet and the head links, so a matching If-None-Match
// is answered with 304 before anything is rendered. Pages are sent with
// Cache-Control: no-cache: a writer expects an edit to show at once, and
// revalidating costs a 304.
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request, idx *siteIndex, p *content.Page, n int) {
	var extra []Link
	if h.headLinks != nil {
		extra = h.headLinks(p)
	}
	etag := h.pageETag(idx.snap, p, n, extra)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		hdr := w.Header()
		hdr.Set("ETag", etag)
		hdr.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, err := h.renderPage(idx, p, n, extra)
	if err != nil {
		h.writeError(w, r, http.StatusInternalServerError, fmt.Errorf("site: render %s: %w", p.RelPermalink, err))
		return
	}
	hdr := w.Header()
	setPageHeaders(hdr)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// pageETag returns the validator of page n of p as served now.
func (h *Handler) pageETag(snap *content.Snapshot, p *content.Page, n int, extra []Link) string {
	d := sha256.New()
	fmt.Fprintf(d, "%s\x00%d\x00%d\x00%s\x00%s\x00%d\x00", h.assetDigest, snap.Version,
		snap.BuiltAt.UnixNano(), p.RelPermalink, p.Hash, n)
	for _, l := range extra {
		fmt.Fprintf(d, "%q\x00", l)
	}
	return `"` + hex.EncodeToString(d.Sum(nil))[:24] + `"`
}

// etagMatch reports whether an If-None-Match header matches etag, with the
// weak comparison RFC 9110 asks for.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// renderPage renders page n of p into memory, so that a failing template
// never leaves a half page on the wire.
func (h *Handler) renderPage(idx *siteIndex, p *content.Page, n int, extra []Link) ([]byte, error) {
	snap := idx.snap
	v := h.newView(snap, p.Lang, p)
	translations := idx.translations(p)
	if len(translations) > 0 {
		for _, l := range snap.Languages {
			link := langLink{Name: cmp.Or(l.Name, l.Code), Lang: cmp.Or(l.LanguageCode, l.Code)}
			if l.Code == p.Lang {
				link.Current = true
				link.URL = p.RelPermalink
			} else if i := slices.IndexFunc(translations, func(t *content.Page) bool { return t.Lang == l.Code }); i >= 0 {
				link.URL = translations[i].RelPermalink
			} else {
				continue
			}
			v.Languages = append(v.Languages, link)
		}
	}

	v.Date = formatDate(p.Date, v.Lang)
	if lm := formatDate(p.Lastmod, v.Lang); lm != nil && p.Lastmod.After(p.Date) && (v.Date == nil || lm.Text != v.Date.Text) {
		v.Lastmod = lm
	}
	v.Content = p.Content()
	switch p.Kind {
	case content.KindPage:
		v.Content = idx.content(p)
		v.Authors = p.Authors
		if len(v.Authors) == 0 && snap.Config != nil && snap.Config.Author.Name != "" {
			v.Authors = []string{snap.Config.Author.Name}
		}
		v.Taxonomies = pageTerms(idx, p)
	case content.KindTaxonomy:
		for _, t := range p.Terms {
			v.Terms = append(v.Terms, count{Name: t.Title, URL: t.RelPermalink, Count: len(t.Pages)})
		}
	}
	if paginated(p) {
		size := pageSize(snap)
		total := pageCount(len(p.Pages), size)
		v.Pager = &pager{Number: n, Total: total}
		if n > 1 {
			v.Pager.PrevURL = pagerURL(p.RelPermalink, n-1)
		}
		if n < total {
			v.Pager.NextURL = pagerURL(p.RelPermalink, n+1)
		}
		start := min((n-1)*size, len(p.Pages))
		end := min(start+size, len(p.Pages))
		for _, q := range p.Pages[start:end] {
			v.Items = append(v.Items, item{Page: q, Date: formatDate(q.Date, v.Lang), Tags: termLinks(idx, q, "tags")})
		}
	}
	v.Head = h.pageHead(v, p, n, translations, extra)

	name := templateFor(p.Kind)
	var buf bytes.Buffer
	if err := h.templates.execute(&buf, name, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// renderError renders the error page for status in the language urlPath
// belongs to.
func (h *Handler) renderError(snap *content.Snapshot, urlPath string, status int) ([]byte, error) {
	lang := langForPath(snap, urlPath)
	v := h.newView(snap, lang, nil)
	v.Status = status
	switch status {
	case http.StatusNotFound:
		v.Title = "Page not found"
		v.Message = "There is nothing at this address. The page may have moved, or the link may be mistyped."
		if ls := snap.Sites[lang]; ls != nil {
			for _, q := range ls.Pages[:min(5, len(ls.Pages))] {
				v.Items = append(v.Items, item{Page: q, Date: formatDate(q.Date, v.Lang)})
			}
		}
	case http.StatusInternalServerError:
		v.Title = "Something went wrong"
		v.Message = "This page could not be shown. Please try again later."
	default:
		v.Title = http.StatusText(status)
		v.Message = "The request could not be answered."
	}
	v.Head = head{Title: pageTitle(v.Site.Title, &content.Page{Title: v.Title}, 1), NoIndex: true}
	var buf bytes.Buffer
	if err := h.templates.execute(&buf, "error", v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newView starts the view of a page in language lang: the site, its
// navigation and stylesheet. current is the page shown, nil on error pages.
func (h *Handler) newView(snap *content.Snapshot, lang string, current *content.Page) *view {
	v := &view{Page: current, StyleURL: h.assets.url("style.css"), languages: snap.Languages}
	var language content.Language
	for _, l := range snap.Languages {
		if l.Code == lang {
			language = l
		}
	}
	cfg := snap.Config
	if cfg == nil {
		cfg = &content.SiteConfig{}
	}
	v.Lang = cmp.Or(language.LanguageCode, language.Code, cfg.LanguageCode, "en")
	desc, _ := language.Params["description"].(string)
	v.Site = siteInfo{
		Title:       cmp.Or(language.Title, cfg.Title),
		Description: cmp.Or(desc, cfg.Description),
		HomeURL:     "/",
		Author:      cfg.Author,
		Image:       siteImage(cfg),
	}
	ls := snap.Sites[lang]
	if ls == nil {
		return v
	}
	if ls.Home != nil {
		v.Site.HomeURL = ls.Home.RelPermalink
	}
	add := func(name string, p *content.Page) {
		if p == nil {
			return
		}
		it := navItem{Title: cmp.Or(p.Title, capitalize(name)), URL: p.RelPermalink}
		if current != nil {
			it.Current = current == p
			it.Active = strings.HasPrefix(current.RelPermalink, p.RelPermalink)
		}
		v.Nav = append(v.Nav, it)
	}
	for _, name := range navSections(cfg.MainSections, ls) {
		add(name, ls.Sections[name])
	}
	for _, p := range rootPages(ls) {
		add("", p)
	}
	taxonomies := make([]string, 0, len(ls.Taxonomies))
	for name := range ls.Taxonomies {
		taxonomies = append(taxonomies, name)
	}
	slices.Sort(taxonomies)
	for _, name := range taxonomies {
		add(name, ls.Taxonomies[name])
	}
	return v
}

// siteImage returns the site's avatar as an absolute URL; a relative one
// names a file of static/, below the base URL as Hugo publishes it.
func siteImage(cfg *content.SiteConfig) string {
	a := strings.TrimSpace(cfg.Avatar)
	if a == "" {
		return ""
	}
	if u, err := url.Parse(a); err != nil || u.IsAbs() {
		if err != nil {
			return ""
		}
		return a
	}
	if cfg.BaseURL == "" {
		return ""
	}
	return strings.TrimSuffix(cfg.BaseURL, "/") + "/" + strings.TrimPrefix(a, "/")
}

// navSections returns the top-level sections of ls for the navigation: the
// main sections first, in their order, then the others by name.
func navSections(main []string, ls *content.LangSite) []string {
	var names, rest []string
	for _, name := range main {
		if ls.Sections[name] != nil && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for name := range ls.Sections {
		if !strings.Contains(name, "/") && !slices.Contains(names, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// rootPages returns the regular pages outside every section, such as an
// about page, by weight and then title.
func rootPages(ls *content.LangSite) []*content.Page {
	var pages []*content.Page
	for _, p := range ls.Pages {
		if p.Section == "" {
			pages = append(pages, p)
		}
	}
	slices.SortStableFunc(pages, func(a, b *content.Page) int {
		if c := cmp.Compare(a.Weight, b.Weight); c != 0 {
			return c
		}
		return cmp.Compare(a.Title, b.Title)
	})
	return pages
}

// langForPath returns the language whose home path is the longest prefix
// of urlPath, the default language when none is.
func langForPath(snap *content.Snapshot, urlPath string) string {
	lang, best := "", 0
	if snap.Config != nil {
		lang = snap.Config.DefaultContentLanguage
	}
	for code, ls := range snap.Sites {
		if ls == nil || ls.Home == nil {
			continue
		}
		home := ls.Home.RelPermalink
		if len(home) > best && strings.HasPrefix(urlPath, home) {
			lang, best = code, len(home)
		}
	}
	return lang
}

// pageTerms returns p's terms in every taxonomy, taxonomies by name.
func pageTerms(idx *siteIndex, p *content.Page) []taxonomyTerms {
	names := make([]string, 0, len(p.Taxonomies))
	for name, terms := range p.Taxonomies {
		if len(terms) > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []taxonomyTerms
	for _, name := range names {
		out = append(out, taxonomyTerms{Name: name, Label: capitalize(name), Terms: termLinks(idx, p, name)})
	}
	return out
}

// termLinks returns p's terms in taxonomy with the paths of their pages.
func termLinks(idx *siteIndex, p *content.Page, taxonomy string) []termLink {
	var out []termLink
	for _, t := range p.Taxonomies[taxonomy] {
		out = append(out, termLink{Name: t, URL: idx.termURL(p.Lang, taxonomy, t)})
	}
	return out
}

// formatDate returns t as a <time> element shows it, or nil for the zero
// time. English pages get "March 24, 2024"; others the ISO date, which
// reads the same in every language.
func formatDate(t time.Time, lang string) *date {
	if t.IsZero() {
		return nil
	}
	layout := "2006-01-02"
	if lang == "en" || strings.HasPrefix(strings.ToLower(lang), "en-") {
		layout = "January 2, 2006"
	}
	return &date{Datetime: t.Format(time.RFC3339), Text: t.Format(layout)}
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
