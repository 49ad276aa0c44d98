package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/blogbridge/blogbridge/content/shortcode"
)

// renderedContent is the rendering of one page body.
type renderedContent struct {
	page  *Page // the regular page built from it; nil for list pages
	html  []byte
	summ  []byte
	text  string // summary as plain text
	trunc bool
	words int
	imgs  []Image
	diags []Diagnostic
}

// render renders the body of pp: shortcodes, Markdown, absolute URLs,
// summary. It reports whether the page refers to other pages.
func (b *builder) render(pp *placedPage, byRef map[string]*placedPage) (renderedContent, bool) {
	s := pp.src
	var rc renderedContent
	body, err := b.body(s)
	if err != nil {
		rc.diags = append(rc.diags, diagnosticOf(s.rel, err))
		return rc, false
	}
	base, err := url.Parse(b.cfg.absURL(pp.raw))
	if err != nil {
		rc.diags = append(rc.diags, Diagnostic{File: s.rel, Severity: Error, Message: fmt.Sprintf("permalink %q: %v", pp.rel, err)})
		return rc, false
	}
	body, hasDivider := markDivider(body)

	usesRefs := false
	env := shortcode.Env{
		Markdownify: func(src string) (string, error) {
			h, _, err := b.md.render([]byte(src), base)
			return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(h)), "<p>"), "</p>"), err
		},
		Highlight: func(code, lang, opts string) (string, error) {
			o, err := b.hl.parseOptions(opts)
			if err != nil {
				return "", err
			}
			var buf bytes.Buffer
			err = b.hl.highlight(&buf, code, lang, o)
			return buf.String(), err
		},
		Ref: func(ref string, relative bool) (string, error) {
			usesRefs = true
			return b.resolveRef(pp, byRef, ref, relative)
		},
	}
	exp := b.sc.Expand(body, s.bodyLine, b.shortcodePage(pp), b.shortcodeSite(s.lang), env)
	for _, p := range exp.Problems {
		sev := Error
		if p.Warning {
			sev = Warning
		}
		rc.diags = append(rc.diags, Diagnostic{File: s.rel, Line: p.Line, Severity: sev, Message: p.Message})
	}
	h, res, err := b.md.render(exp.Markdown, base)
	if err != nil {
		rc.diags = append(rc.diags, Diagnostic{File: s.rel, Line: s.bodyLine, Severity: Error, Message: fmt.Sprintf("markdown: %v", err)})
		return rc, usesRefs
	}
	h = exp.Restore(h)
	rc.imgs = res.images
	if len(exp.Used) > 0 || res.rawHTML {
		h, rc.imgs = absolutizeHTML(h, base)
	}
	rc.words = res.words

	switch {
	case hasDivider:
		rc.summ, rc.html, _ = cutDivider(h)
		rc.trunc = len(bytes.TrimSpace(rc.html)) > len(bytes.TrimSpace(rc.summ))
	case s.fm.Summary != "":
		sh, _, err := b.md.render([]byte(s.fm.Summary), base)
		if err != nil {
			rc.diags = append(rc.diags, Diagnostic{File: s.rel, Line: 1, Severity: Warning, Message: fmt.Sprintf("summary: %v", err)})
		}
		rc.html, rc.summ, rc.trunc = h, sh, true
	case s.fm.Description != "":
		rc.html = h
		rc.summ = []byte("<p>" + template.HTMLEscapeString(s.fm.Description) + "</p>\n")
		rc.trunc = true
	default:
		rc.html = h
		rc.summ, rc.trunc = autoSummary(h, b.cfg.SummaryLength)
	}
	rc.text = htmlToText(rc.summ)
	if pp.kind == KindPage {
		rc.page = b.newPage(pp, &rc)
	}
	return rc, usesRefs
}

// resolveRef finds the page ref names, as Hugo's ref and relref do: by path
// in the content folder (absolute, or relative to the page), with an
// optional #fragment.
func (b *builder) resolveRef(from *placedPage, byRef map[string]*placedPage, ref string, relative bool) (string, error) {
	target, frag, _ := strings.Cut(ref, "#")
	if frag != "" {
		frag = "#" + frag
	}
	if target == "" {
		return b.link(from.raw, relative) + frag, nil
	}
	lang := from.src.lang + ":"
	candidates := []string{target}
	if !strings.HasPrefix(target, "/") {
		root := b.roots[from.src.dir.root].dir
		dir := strings.TrimPrefix(strings.TrimPrefix(from.src.dir.rel, root), "/")
		if root == "." {
			dir = from.src.dir.rel
		}
		candidates = append([]string{path.Join("/", dir, target)}, candidates...)
	}
	for _, c := range candidates {
		c = strings.TrimSuffix(c, "/")
		if pp, ok := byRef[lang+c]; ok {
			return b.link(pp.raw, relative) + frag, nil
		}
	}
	return "", fmt.Errorf("ref %q: no such page", ref)
}

// link returns the URL of the page at raw, root-relative or absolute.
func (b *builder) link(raw string, relative bool) string {
	if relative {
		return b.cfg.relURL(raw)
	}
	return b.cfg.absURL(raw)
}

func (b *builder) shortcodePage(pp *placedPage) *shortcode.Page {
	s := pp.src
	p := &shortcode.Page{
		File:         s.rel,
		Title:        s.fm.Title,
		Permalink:    b.cfg.absURL(pp.raw),
		RelPermalink: pp.rel,
		Lang:         s.lang,
		Kind:         string(pp.kind),
		Date:         s.fm.Date,
		Lastmod:      s.fm.Lastmod,
		Params:       s.fm.Params,
	}
	if len(pp.sections) > 0 {
		p.Section = pp.sections[0]
	}
	for _, r := range s.dir.resources {
		p.Resources = append(p.Resources, r.Name)
	}
	return p
}

func (b *builder) shortcodeSite(lang string) *shortcode.Site {
	site := &shortcode.Site{Title: b.cfg.Title, BaseURL: b.cfg.BaseURL, LanguageCode: b.cfg.LanguageCode, Params: b.cfg.Params}
	for _, l := range b.cfg.Languages {
		if l.Code == lang {
			if l.Title != "" {
				site.Title = l.Title
			}
			site.LanguageCode = l.LanguageCode
		}
	}
	return site
}

// newPage builds the regular page pp from its rendering.
func (b *builder) newPage(pp *placedPage, rc *renderedContent) *Page {
	s, fm := pp.src, pp.src.fm
	p := &Page{
		Kind:           KindPage,
		Lang:           s.lang,
		File:           s.rel,
		Sections:       pp.sections,
		Title:          fm.Title,
		Description:    fm.Description,
		Slug:           fm.Slug,
		Date:           fm.Date,
		PublishDate:    fm.PublishDate,
		Lastmod:        fm.Lastmod,
		ExpiryDate:     fm.ExpiryDate,
		Draft:          fm.Draft,
		Weight:         fm.Weight,
		Taxonomies:     fm.Taxonomies,
		Authors:        fm.Authors,
		Params:         fm.Params,
		Federate:       fm.Federate,
		Sensitive:      fm.Sensitive,
		ContentWarning: fm.ContentWarning,
		ObjectType:     fm.ObjectType,
		Pinned:         fm.Pinned,
		TranslationKey: fm.TranslationKey,
		RelPermalink:   pp.rel,
		Permalink:      b.cfg.absURL(pp.raw),
		Content:        template.HTML(rc.html),
		Summary:        template.HTML(rc.summ),
		SummaryText:    rc.text,
		Truncated:      rc.trunc,
		WordCount:      rc.words,
		ReadingTime:    (rc.words + 212) / 213,
	}
	if len(pp.sections) > 0 {
		p.Section = pp.sections[0]
	}
	if len(p.Authors) == 0 && b.cfg.Author.Name != "" {
		p.Authors = []string{b.cfg.Author.Name}
	}
	for _, a := range fm.Aliases {
		p.Aliases = append(p.Aliases, b.aliasPath(pp.raw, a))
	}
	if s.dir.leaf {
		p.Dir = b.absDir(s.dir.rel)
		p.Resources = s.dir.resources
	}
	p.Images = b.pageImages(p, rc.imgs, fm.Images)
	p.Hash = pageHash(p)
	return p
}

// aliasPath resolves a front matter alias as Hugo does: an absolute alias
// is a path below the base URL, a relative one is relative to the page's
// folder. The result is root-relative like RelPermalink.
func (b *builder) aliasPath(raw, alias string) string {
	if !strings.HasPrefix(alias, "/") {
		joined := path.Join(raw, "..", alias)
		if strings.HasSuffix(alias, "/") {
			joined += "/"
		}
		alias = joined
	}
	return b.cfg.relURL(alias)
}

// pageImages lists a page's images: those its content shows, in order, then
// the bundle's other images, then front matter images, each enriched with
// the resource's media type and dimensions when it is one.
func (b *builder) pageImages(p *Page, content []Image, fmImages []string) []Image {
	byName := map[string]Resource{}
	for _, r := range p.Resources {
		byName[r.Name] = r
	}
	used := map[string]bool{}
	var imgs []Image
	enrich := func(img Image) Image {
		if name, ok := strings.CutPrefix(img.URL, p.Permalink); ok {
			if r, ok := byName[name]; ok {
				img.Resource = r.Name
				img.MediaType = r.MediaType
				if img.Width == 0 || img.Height == 0 {
					sz := b.images.get(r)
					img.Width, img.Height = sz.width, sz.height
				}
				used[name] = true
			}
		}
		if img.MediaType == "" {
			if u, err := url.Parse(img.URL); err == nil {
				if t := MediaType(u.Path); isImage(t) {
					img.MediaType = t
				}
			}
		}
		return img
	}
	seen := map[string]bool{}
	for _, img := range content {
		if img.URL == "" || seen[img.URL] {
			continue
		}
		seen[img.URL] = true
		imgs = append(imgs, enrich(img))
	}
	for _, r := range p.Resources {
		if isImage(r.MediaType) && !used[r.Name] {
			imgs = append(imgs, enrich(Image{URL: p.Permalink + r.Name}))
		}
	}
	for _, src := range fmImages {
		u := src
		if _, ok := byName[src]; ok {
			u = p.Permalink + src
		} else if pu, err := url.Parse(src); err == nil && !pu.IsAbs() {
			u = b.cfg.absURL("/" + strings.TrimPrefix(src, "/"))
		}
		i := slices.IndexFunc(imgs, func(img Image) bool { return img.URL == u })
		if i >= 0 {
			imgs[i].FromFrontMatter = true
			continue
		}
		img := enrich(Image{URL: u})
		img.FromFrontMatter = true
		imgs = append(imgs, img)
	}
	return imgs
}

func (b *builder) absDir(rel string) string {
	return filepath.Join(b.siteDir, filepath.FromSlash(rel))
}

// pageHash digests everything a reader of p sees.
func pageHash(p *Page) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%v\x00%v\x00%v\x00%v\x00%s\x00%v\x00%s\x00",
		p.Title, p.Description, p.RelPermalink, p.Date.UTC(), p.Lastmod.UTC(), p.Taxonomies, p.Authors,
		p.Federate, p.Sensitive, p.ContentWarning, p.Pinned, p.ObjectType)
	h.Write([]byte(p.Content))
	h.Write([]byte{0})
	h.Write([]byte(p.Summary))
	for _, img := range p.Images {
		fmt.Fprintf(h, "\x00%s %s %d %d", img.URL, img.Alt, img.Width, img.Height)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
