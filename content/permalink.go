package content

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// pageLocation is where a content file sits, as Hugo's permalink rules
// need it.
type pageLocation struct {
	Lang string
	// Sections is Hugo's section path of the page: the first folder, then
	// each deeper folder that has an _index file.
	Sections []string
	// Dir is the slash path of the file's folder, relative to the
	// language's content folder ("posts/kafka" for posts/kafka/index.md).
	Dir string
	// BaseName is the file name without language and extension.
	BaseName string
	// BundleName is the leaf bundle's folder name; empty for a single file.
	BundleName string
	// IsBranch is set for _index files: the home page and section lists.
	IsBranch bool
}

// pagePermalink returns the path of a page relative to the site root
// ("/posts/kafka/"), unescaped, as Hugo computes it: front matter url
// wins, then the site's permalinks pattern for the page's section, then the
// folder path with the slug, bundle name or file name, all lowercased
// unless disablePathToLower is set. The language prefix is added as Hugo
// adds it.
//
// The result is relative to the base URL's path; absURL and relURL add it.
// Build options are not looked at: a page that Hugo does not render still
// gets the path it would have.
func (c *SiteConfig) pagePermalink(loc pageLocation, fm *frontMatter) (string, error) {
	if fm == nil {
		fm = newFrontMatter()
	}
	if loc.IsBranch {
		return c.branchPermalink(loc, fm)
	}
	sections := normalizeAll(loc.Sections)
	section := ""
	if len(sections) > 0 {
		section = sections[0]
	}
	isBundle := loc.BundleName != ""
	name := loc.BaseName
	container := strings.Trim(loc.Dir, "/")
	if isBundle {
		name = loc.BundleName
		container = path.Dir(container)
		if container == "." {
			container = ""
		}
	}
	hugoPath := "/" + normalizePathBasic(strings.TrimPrefix(container+"/"+name, "/"))

	src := permalinkSource{
		title:           fm.Title,
		slug:            fm.Slug,
		date:            fm.Date,
		section:         section,
		sections:        sections,
		filename:        name,
		contentBaseName: name,
	}
	d := targetSpec{
		kind:         KindPage,
		isBundle:     isBundle,
		containerDir: c.pathFromContent(container),
		baseName:     c.pathFromContent(name),
		ugly:         c.isUgly(section),
		prefix:       c.langPrefix(loc.Lang),
	}
	if fm.Slug != "" {
		d.baseName = fm.Slug
	}
	var err error
	if d.url, err = c.expandURL(fm.URL, src); err != nil {
		return "", err
	}
	if pattern, ok := matchPermalink(c.Permalinks, hugoPath); ok {
		if d.expanded, err = c.expandPermalinkPath(pattern, src); err != nil {
			return "", err
		}
	}
	return c.targetPath(d), nil
}

// branchPermalink is the path of the home page or a section page.
func (c *SiteConfig) branchPermalink(loc pageLocation, fm *frontMatter) (string, error) {
	if len(loc.Sections) == 0 {
		return c.homePermalink(loc.Lang), nil
	}
	if fm.URL != "" {
		sections := normalizeAll(loc.Sections)
		url, err := c.expandURL(fm.URL, c.sectionSource(loc.Sections, fm))
		if err != nil {
			return "", err
		}
		return c.targetPath(targetSpec{kind: KindSection, url: url, ugly: c.isUgly(sections[0]), prefix: c.langPrefix(loc.Lang)}), nil
	}
	return c.sectionPath(loc.Lang, loc.Sections, fm), nil
}

// sectionPermalink returns the path of the section list of sections
// ("/posts/" for ["posts"]), honouring [permalinks.section].
func (c *SiteConfig) sectionPermalink(lang string, sections []string) string {
	if len(sections) == 0 {
		return c.homePermalink(lang)
	}
	return c.sectionPath(lang, sections, nil)
}

func (c *SiteConfig) sectionPath(lang string, sections []string, fm *frontMatter) string {
	norm := normalizeAll(sections)
	d := targetSpec{
		kind:        KindSection,
		sectionBase: "/" + c.pathFromContent(strings.Join(sections, "/")),
		ugly:        c.isUgly(norm[0]),
		prefix:      c.langPrefix(lang),
	}
	if pattern, ok := matchPermalink(c.SectionPermalinks, "/"+strings.Join(norm, "/")); ok {
		// A pattern that cannot be expanded was reported when the
		// configuration was loaded; the section keeps its default path.
		d.expanded, _ = c.expandPermalinkPath(pattern, c.sectionSource(sections, fm))
	}
	return c.targetPath(d)
}

// sectionSource is what a permalink pattern reads of a section page. A
// section's date is not known here and is zero.
func (c *SiteConfig) sectionSource(sections []string, fm *frontMatter) permalinkSource {
	norm := normalizeAll(sections)
	last := sections[len(sections)-1]
	src := permalinkSource{title: last, section: norm[0], sections: norm, contentBaseName: last}
	if fm != nil {
		if fm.Title != "" {
			src.title = fm.Title
		}
		src.slug = fm.Slug
		src.date = fm.Date
	}
	return src
}

// taxonomyPermalink returns the path of a taxonomy's list of terms
// ("/tags/"), honouring [permalinks.taxonomy].
func (c *SiteConfig) taxonomyPermalink(lang, plural string) string {
	key := strings.ToLower(sanitizePath(strings.Trim(plural, "/ ")))
	d := targetSpec{
		kind:        KindTaxonomy,
		sectionBase: "/" + key,
		ugly:        c.isUgly(key),
		prefix:      c.langPrefix(lang),
	}
	if pattern, ok := matchPermalink(c.TaxonomyPermalinks, "/"+key); ok {
		d.expanded, _ = c.expandPermalinkPath(pattern, permalinkSource{title: plural, section: key, sections: []string{key}, contentBaseName: plural})
	}
	return c.targetPath(d)
}

// termPermalink returns the path of a term's page ("/tags/kafka-summit/"
// for the term "Kafka Summit"), honouring [permalinks.term] and legacy
// [permalinks] entries.
func (c *SiteConfig) termPermalink(lang, plural, term string) string {
	key := strings.ToLower(sanitizePath(strings.Trim(plural, "/ ")))
	normTerm := normalizePathBasic(term)
	d := targetSpec{
		kind:        KindTerm,
		sectionBase: "/" + c.pathFromContent(plural+"/"+term),
		ugly:        c.isUgly(key),
		prefix:      c.langPrefix(lang),
	}
	if pattern, ok := matchPermalink(c.TermPermalinks, "/"+key+"/"+normTerm); ok {
		d.expanded, _ = c.expandPermalinkPath(pattern, permalinkSource{title: term, section: key, sections: []string{key, normTerm}, contentBaseName: term})
	}
	return c.targetPath(d)
}

// homePermalink returns the path of a language's home page: "/", or
// "/fr/" for a language that is not the default or when the default
// language is in a subfolder.
func (c *SiteConfig) homePermalink(lang string) string {
	return c.targetPath(targetSpec{kind: KindHome, sectionBase: "/", ugly: c.isUgly(""), prefix: c.langPrefix(lang)})
}

// absURL returns the absolute URL of a root-relative, unescaped path,
// keeping the base URL's own path: "/posts/a/" on https://x.org/blog/ is
// https://x.org/blog/posts/a/. Without a base URL it returns the escaped
// path.
func (c *SiteConfig) absURL(rel string) string {
	if strings.HasPrefix(rel, "http://") || strings.HasPrefix(rel, "https://") {
		return rel
	}
	if c.BaseURL == "" {
		return escapePath("/" + strings.TrimPrefix(rel, "/"))
	}
	base := c.BaseURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + strings.TrimPrefix(escapePath("/"+strings.TrimPrefix(rel, "/")), "/")
}

// relURL returns a root-relative path as Hugo's RelPermalink writes it:
// escaped, below the base URL's path ("/blog/posts/a/").
func (c *SiteConfig) relURL(rel string) string {
	if strings.HasPrefix(rel, "http://") || strings.HasPrefix(rel, "https://") {
		return rel
	}
	rel = "/" + strings.TrimPrefix(rel, "/")
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err == nil && u.Path != "" && u.Path != "/" {
			hadSlash := strings.HasSuffix(rel, "/")
			rel = path.Join(u.Path, rel)
			if hadSlash && !strings.HasSuffix(rel, "/") {
				rel += "/"
			}
		}
	}
	return escapePath(rel)
}

// langPrefix returns the folder a language's pages are in, as Hugo's
// LanguagePrefix: none for the default language (unless
// defaultContentLanguageInSubdir) or a site with one language.
func (c *SiteConfig) langPrefix(lang string) string {
	if lang == "" {
		lang = c.DefaultContentLanguage
	}
	if c.DefaultContentLanguageInSubdir && lang == c.DefaultContentLanguage {
		return lang
	}
	if len(c.Languages) <= 1 || lang == c.DefaultContentLanguage {
		return ""
	}
	return lang
}

// pathFromContent is a content path as Hugo's page path holds it before
// sanitizing: lowercased with spaces as hyphens, or untouched when
// disablePathToLower is set.
func (c *SiteConfig) pathFromContent(p string) string {
	if c.DisablePathToLower {
		return p
	}
	return normalizePathBasic(p)
}

func normalizeAll(s []string) []string {
	out := make([]string, len(s))
	for i, e := range s {
		out[i] = normalizePathBasic(e)
	}
	return out
}

// matchPermalink finds the pattern for a page at hugoPath (lowercase,
// "/posts/kafka"): the key "posts" matches /posts and everything below it,
// the key "" (written "/") matches pages at the root. The longest matching
// key wins.
func matchPermalink(patterns map[string]string, hugoPath string) (string, bool) {
	best, found := "", false
	var pattern string
	for k, p := range patterns {
		key := strings.ToLower(strings.Trim(k, " /"))
		var ok bool
		if key == "" {
			ok = strings.Count(hugoPath, "/") == 1
		} else {
			ok = hugoPath == "/"+key || strings.HasPrefix(hugoPath, "/"+key+"/")
		}
		if ok && (!found || len(key) > len(best)) {
			best, pattern, found = key, p, true
		}
	}
	return pattern, found
}

// permalinkSource is what a permalink pattern can read of a page.
type permalinkSource struct {
	title           string
	slug            string
	date            time.Time
	section         string   // first section, normalized
	sections        []string // section path, normalized
	filename        string   // file name without extension, or bundle name; empty for lists
	contentBaseName string
}

// expandURL expands a front matter url holding permalink tokens, as Hugo
// does when the url contains a colon.
func (c *SiteConfig) expandURL(u string, src permalinkSource) (string, error) {
	if u == "" || !strings.Contains(u, ":") {
		return u, nil
	}
	out, err := c.expandPermalink(u, src)
	if err != nil {
		return "", err
	}
	if out == "" {
		return u, nil
	}
	if un, err := url.QueryUnescape(out); err == nil {
		out = un
	}
	return out, nil
}

// expandPermalinkPath expands a configured pattern and cleans the result
// as Hugo does before using it as a path.
func (c *SiteConfig) expandPermalinkPath(pattern string, src permalinkSource) (string, error) {
	out, err := c.expandPermalink(pattern, src)
	if err != nil {
		return "", err
	}
	if out == "" {
		return "", nil
	}
	if un, err := url.QueryUnescape(out); err == nil {
		out = un
	}
	return path.Clean(out), nil
}

// checkPermalinkPattern reports a pattern token Hugo does not know, or one
// blogbridge cannot expand.
func checkPermalinkPattern(pattern string) error {
	for _, tok := range permalinkTokens(strings.ReplaceAll(pattern, `\:`, "\x00")) {
		if isSectionSlugToken(tok[1:]) {
			return errSectionSlug(tok)
		}
		if !knownPermalinkToken(tok[1:]) {
			return fmt.Errorf("permalink attribute not recognised: %s", tok)
		}
	}
	return nil
}

// isSectionSlugToken reports :sectionslug and :sectionslugs, which read the
// slug or title of each section's _index page; blogbridge does not have
// those when it computes a permalink.
func isSectionSlugToken(attr string) bool {
	return attr == "sectionslug" || attr == "sectionslugs" || strings.HasPrefix(attr, "sectionslugs[")
}

func errSectionSlug(tok string) error {
	return fmt.Errorf("permalink attribute %s is not supported; use :section or :sections", tok)
}

func knownPermalinkToken(attr string) bool {
	switch attr {
	case "year", "month", "monthname", "day", "weekday", "weekdayname", "yearday",
		"section", "sections", "title", "slug", "slugorfilename", "filename",
		"contentbasename", "slugorcontentbasename":
		return true
	}
	if strings.HasPrefix(attr, "sections[") {
		return true
	}
	return isDateLayout(attr)
}

// isDateLayout reports whether attr is a Go time layout such as "2006" or
// "Jan", which Hugo formats the page date with.
func isDateLayout(attr string) bool {
	ref := time.Date(2019, time.November, 9, 23, 1, 42, 1, time.UTC)
	return ref.Format(attr) != attr
}

// expandPermalink replaces every token of pattern with what it reads of
// src, as Hugo's PermalinkExpander does; "\:" is a literal colon.
func (c *SiteConfig) expandPermalink(pattern string, src permalinkSource) (string, error) {
	escaped := strings.ReplaceAll(pattern, `\:`, "\x00")
	out := escaped
	for _, tok := range permalinkTokens(escaped) {
		v, err := c.permalinkToken(tok[1:], src)
		if err != nil {
			return "", fmt.Errorf("expand %q: %w", pattern, err)
		}
		out = strings.Replace(out, tok, v, 1)
	}
	return strings.ReplaceAll(out, "\x00", ":"), nil
}

func (c *SiteConfig) permalinkToken(attr string, src permalinkSource) (string, error) {
	d := src.date
	urlizeOr := func(slug string, fallback func() string) string {
		if slug != "" {
			return c.hugoURLize(slug)
		}
		return fallback()
	}
	title := func() string { return c.hugoURLize(src.title) }
	filename := func() string { return c.hugoURLize(src.filename) }
	contentBase := func() string { return c.hugoURLize(src.contentBaseName) }
	switch attr {
	case "year":
		return strconv.Itoa(d.Year()), nil
	case "month":
		return fmt.Sprintf("%02d", int(d.Month())), nil
	case "monthname":
		return d.Month().String(), nil
	case "day":
		return fmt.Sprintf("%02d", d.Day()), nil
	case "weekday":
		return strconv.Itoa(int(d.Weekday())), nil
	case "weekdayname":
		return d.Weekday().String(), nil
	case "yearday":
		return strconv.Itoa(d.YearDay()), nil
	case "section":
		return src.section, nil
	case "sections":
		return strings.Join(src.sections, "/"), nil
	case "title":
		return title(), nil
	case "slug":
		return urlizeOr(src.slug, title), nil
	case "slugorfilename":
		return urlizeOr(src.slug, filename), nil
	case "filename":
		return filename(), nil
	case "contentbasename":
		return contentBase(), nil
	case "slugorcontentbasename":
		return urlizeOr(src.slug, contentBase), nil
	}
	if isSectionSlugToken(attr) {
		return "", errSectionSlug(":" + attr)
	}
	if cut, ok := strings.CutPrefix(attr, "sections"); ok && strings.HasPrefix(cut, "[") {
		return path.Join(sliceSections(cut, src.sections)...), nil
	}
	if isDateLayout(attr) {
		return d.Format(attr), nil
	}
	return "", fmt.Errorf("permalink attribute not recognised: :%s", attr)
}

// permalinkTokens finds the tokens of a pattern: a colon, word characters,
// and an optional [...] slice, as the regular expression
// `:\w+(\[.+?\])?` Hugo uses.
func permalinkTokens(s string) []string {
	isWord := func(c byte) bool {
		return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	var toks []string
	for i := 0; i < len(s); i++ {
		if s[i] != ':' || i+1 >= len(s) || !isWord(s[i+1]) {
			continue
		}
		j := i + 1
		for j < len(s) && isWord(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '[' {
			// At least one character between the brackets, none a newline.
			for k := j + 2; k < len(s) && s[k-1] != '\n'; k++ {
				if s[k] == '\n' {
					break
				}
				if s[k] == ']' {
					j = k + 1
					break
				}
			}
		}
		toks = append(toks, s[i:j])
		i = j - 1
	}
	return toks
}

// sliceSections applies a [low:high], [n] or [last] slice to sections,
// leniently, as Hugo's toSliceFunc does.
func sliceSections(cut string, s []string) []string {
	cut = strings.ToLower(strings.TrimSpace(cut))
	if cut == "" {
		return s
	}
	if len(cut) < 3 || cut[0] != '[' || cut[len(cut)-1] != ']' {
		return nil
	}
	index := func(v string, low bool) int {
		switch v {
		case "":
			if low {
				return 0
			}
			return len(s)
		case "last":
			return len(s) - 1
		}
		n, _ := strconv.Atoi(v)
		if n < 0 {
			n = 0
		}
		if n >= len(s) {
			if low {
				return -1
			}
			return len(s)
		}
		return n
	}
	inner := cut[1 : len(cut)-1]
	if len(s) == 0 {
		return nil
	}
	lo, hi, isRange := strings.Cut(inner, ":")
	if !isRange {
		n := index(lo, true)
		if n < 0 {
			return []string{}
		}
		if s[n] == "" {
			return nil
		}
		return []string{s[n]}
	}
	n1, n2 := index(lo, true), index(hi, false)
	if n1 < 0 || n2 < 0 || n1 > n2 {
		return []string{}
	}
	return s[n1:n2]
}

// targetSpec describes a page for targetPath, as Hugo's
// TargetPathDescriptor does for the HTML output format.
type targetSpec struct {
	kind         Kind
	isBundle     bool
	containerDir string // regular pages: the folder holding the page or bundle
	baseName     string // regular pages: slug, bundle name or file name
	sectionBase  string // list pages: "/posts", "/tags/kafka"; "/" for home
	url          string // front matter url
	expanded     string // the expanded permalink pattern, cleaned
	ugly         bool
	prefix       string // language folder
}

// targetPath is Hugo's CreateTargetPaths, reduced to the link of the HTML
// output format, unescaped.
func (c *SiteConfig) targetPath(d targetSpec) string {
	const index = "index"
	const suffix = ".html"
	forcePrefix := d.url != "" && !strings.HasPrefix(d.url, "/")
	if d.url != "" && strings.Contains(d.url, "..") {
		d.url = path.Join("/", d.url)
	}
	var els []string
	add := func(el ...string) {
		for _, e := range el {
			if e != "" && e != "/" {
				els = append(els, e)
			}
		}
	}
	concatLast := func(s string) {
		if len(els) == 0 {
			add(s)
			return
		}
		old := strings.TrimSuffix(els[len(els)-1], "/")
		els[len(els)-1] = old + s
	}
	isHTMLIndex := func() bool { return len(els) > 0 && els[len(els)-1] == index+suffix }

	isUgly := d.ugly
	baseNameSameAsType := !d.isBundle && d.baseName != "" && d.baseName == index
	indexIsUglyKind := (d.kind == KindHome || d.kind == KindSection || d.kind == KindTaxonomy) && isUgly
	if d.expanded == "" && baseNameSameAsType {
		isUgly = true
	}
	needsBase := true
	linkUpper := 0
	prefixLink := ""

	if d.kind != KindPage && d.url == "" && d.sectionBase != "/" {
		if d.expanded != "" {
			add(d.expanded)
		} else {
			add(d.sectionBase)
		}
		needsBase = false
	}
	switch {
	case d.kind != KindHome && d.url != "":
		add(strings.FieldsFunc(d.url, func(r rune) bool { return r == '/' })...)
		if strings.HasSuffix(d.url, "/") || !strings.Contains(d.url, ".") {
			add(index + suffix)
		}
		if isHTMLIndex() {
			linkUpper = 1
		}
		if forcePrefix && d.prefix != "" && !strings.HasPrefix(d.url, "/"+d.prefix) {
			prefixLink = d.prefix
		}
	case d.kind == KindPage:
		if d.expanded != "" {
			add(d.expanded)
		} else {
			add(d.containerDir)
			add(d.baseName)
		}
		if isUgly {
			concatLast(suffix)
		} else {
			add(index + suffix)
		}
		if isHTMLIndex() {
			linkUpper = 1
		}
		prefixLink = d.prefix
	default:
		if needsBase || !isUgly || indexIsUglyKind {
			add(index + suffix)
		} else {
			concatLast(suffix)
		}
		if !indexIsUglyKind && isHTMLIndex() {
			linkUpper = 1
		}
		prefixLink = d.prefix
	}
	if d.url == "" {
		for i, el := range els {
			els[i] = makePath(el, c.DisablePathToLower)
		}
	}

	var b strings.Builder
	hadTrailingSlash := false
	for _, el := range els[:len(els)-linkUpper] {
		if !hadTrailingSlash && !strings.HasPrefix(el, "/") {
			b.WriteByte('/')
		}
		hadTrailingSlash = strings.HasSuffix(el, "/")
		b.WriteString(el)
	}
	link := b.String()
	if baseNameSameAsType {
		link = strings.TrimSuffix(link, d.baseName)
	}
	if prefixLink != "" {
		link = "/" + prefixLink + link
	}
	if linkUpper > 0 && !strings.HasSuffix(link, "/") {
		link += "/"
	}
	if link == "" {
		link = "/"
	}
	return link
}
