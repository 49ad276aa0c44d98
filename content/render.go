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
	"strconv"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/content/shortcode"
)

// renderedContent is the rendering of one page body.
type renderedContent struct {
	page   *Page // the regular page built from it; nil for list pages
	html   packedHTML
	summ   []byte
	digest [32]byte // of the HTML and summary, taken before they became strings
	text   string   // summary as plain text
	trunc  bool
	words  int
	imgs   []imageRef
	diags  []Diagnostic
}

// render renders the body of pp: shortcodes, Markdown, absolute URLs,
// summary. It reports whether the page refers to other pages.
// body is the page body when the caller has it, else nil to read it.
func (b *builder) render(pp *placedPage, byRef func() map[string]*placedPage, body []byte) (renderedContent, bool) {
	s := pp.src
	var rc renderedContent
	if body == nil {
		var err error
		if body, err = b.readBody(s); err != nil {
			rc.diags = append(rc.diags, diagnosticOf(s.rel, err))
			return rc, false
		}
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
			return string(h), err
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
			return b.resolveRef(pp, byRef(), ref, relative)
		},
	}
	sc := getScratch()
	defer putScratch(sc)
	sc.md = slices.Grow(sc.md[:0], shortcode.ExpandSize(body))
	exp := b.sc.ExpandInto(sc.md, body, s.bodyLine, b.shortcodePage(pp), b.shortcodeSite(s.lang), env)
	for _, p := range exp.Problems {
		sev := Error
		if p.Warning {
			sev = Warning
		}
		rc.diags = append(rc.diags, Diagnostic{File: s.rel, Line: p.Line, Severity: sev, Message: p.Message})
	}
	h, res, err := b.md.renderInto(sc, exp.Markdown, base, exp.HasPlaceholder)
	if err != nil {
		rc.diags = append(rc.diags, Diagnostic{File: s.rel, Line: s.bodyLine, Severity: Error, Message: fmt.Sprintf("markdown: %v", err)})
		return rc, usesRefs
	}
	rc.imgs = res.images
	// Raw HTML, or links that shortcodes fill in, may hold relative URLs
	// and images anywhere: then the whole page is read once restored.
	// Otherwise Markdown links are absolute already; only what shortcodes
	// wrote needs reading.
	readAll := res.rawHTML || res.deferred
	if !readAll {
		exp.MapOutputs(func(out string) string {
			abs, imgs := absolutizeHTML([]byte(out), base)
			rc.imgs = append(rc.imgs, imgs...)
			if string(abs) == out {
				return out
			}
			return string(abs)
		})
	}
	sc.html = slices.Grow(sc.html[:0], exp.RestoreSize(h))
	h = exp.RestoreInto(sc.html, h)
	if readAll {
		h, rc.imgs = absolutizeHTML(h, base)
	}
	rc.words = res.words

	// The content is before+after: the HTML around the summary divider.
	before, after := h, []byte(nil)
	switch {
	case hasDivider:
		rc.summ, before, after = cutDivider(h)
		rc.trunc = len(bytes.TrimSpace(after)) > 0
	case s.fm.Summary != "":
		sh, _, err := b.md.render([]byte(s.fm.Summary), base)
		if err != nil {
			rc.diags = append(rc.diags, Diagnostic{File: s.rel, Line: 1, Severity: Warning, Message: fmt.Sprintf("summary: %v", err)})
		}
		rc.summ, rc.trunc = sh, true
	case s.fm.Description != "":
		rc.summ = []byte("<p>" + template.HTMLEscapeString(s.fm.Description) + "</p>\n")
		rc.trunc = true
	default:
		rc.summ, rc.trunc = autoSummary(h, b.cfg.SummaryLength)
	}
	d := sha256.New()
	d.Write(before)
	d.Write(after)
	d.Write(rc.summ)
	d.Sum(rc.digest[:0])
	rc.html = packHTML(before, after)
	rc.text = htmlToText(rc.summ)
	if pp.kind == KindPage {
		rc.page = b.newPage(pp, &rc)
		// The page holds the HTML now; keep one copy only.
		rc.html, rc.summ, rc.imgs = packedHTML{}, nil, nil
	} else {
		// They may point into the scratch buffers.
		rc.summ, rc.imgs = bytes.Clone(rc.summ), slices.Clone(rc.imgs)
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
	if len(s.dir.resources) > 0 {
		p.Resources = make([]string, len(s.dir.resources))
		for i, r := range s.dir.resources {
			p.Resources[i] = r.Name
		}
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
		content:        rc.html,
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
	p.images = b.pageImages(p, rc.imgs, fm.Images)
	p.dims = new(imageDims)
	p.Hash = pageHash(p, rc.digest)
	p.tkey = b.translationKey(p, s)
	p.route = routeKey(p.RelPermalink)
	p.sections = p.sectionKeys()
	p.termLinks = make(map[string][]string, len(p.Taxonomies))
	for plural, terms := range p.Taxonomies {
		for _, term := range terms {
			p.termLinks[plural] = append(p.termLinks[plural], b.cfg.termPermalink(s.lang, plural, term))
		}
	}
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
// the bundle's other images, then front matter images. An image that is one
// of the bundle's files is kept by resource index.
func (b *builder) pageImages(p *Page, content []imageRef, fmImages []string) []imageRef {
	base, _ := url.Parse(p.Permalink)
	used := make([]bool, len(p.Resources))
	imgs := make([]imageRef, 0, len(content))
	add := func(img imageRef) {
		img.res = int32(b.resolveImage(p, base, img.url))
		if img.res >= 0 {
			if used[img.res] {
				return
			}
			used[img.res] = true
			img.url = ""
		} else {
			img.url = string(absolute(base, folderOf(base), []byte(img.url)))
			for _, seen := range imgs {
				if seen.res < 0 && seen.url == img.url {
					return
				}
			}
		}
		imgs = append(imgs, img)
	}
	for _, img := range content {
		if img.url != "" {
			add(img)
		}
	}
	for i, r := range p.Resources {
		if isImage(r.MediaType()) && !used[i] {
			imgs = append(imgs, imageRef{res: int32(i)})
			used[i] = true
		}
	}
	for _, src := range fmImages {
		ref := imageRef{url: src, fromFrontMatter: true}
		if i := b.resolveImage(p, base, src); i >= 0 {
			ref.res = int32(i)
		} else {
			ref.res = -1
			if u, err := url.Parse(src); err == nil && !u.IsAbs() {
				// Front matter images are relative to the site, as in
				// Hugo's templates.
				ref.url = b.cfg.absURL("/" + strings.TrimPrefix(src, "/"))
			}
		}
		found := false
		for i := range imgs {
			if (ref.res >= 0 && imgs[i].res == ref.res) || (ref.res < 0 && imgs[i].url == ref.url) {
				imgs[i].fromFrontMatter, found = true, true
				break
			}
		}
		if !found {
			if ref.res >= 0 {
				ref.url = ""
			}
			imgs = append(imgs, ref)
		}
	}
	return slices.Clip(imgs)
}

// resolveImage returns the index of the bundle resource an image URL (as
// written, or absolute) names, or -1.
func (b *builder) resolveImage(p *Page, base *url.URL, src string) int {
	if len(p.Resources) == 0 || src == "" {
		return -1
	}
	name, ok := strings.CutPrefix(src, p.Permalink)
	if !ok {
		if strings.Contains(src, ":") || strings.HasPrefix(src, "/") || strings.ContainsAny(src, "?#") {
			u, err := url.Parse(src)
			if err != nil {
				return -1
			}
			if name, ok = strings.CutPrefix(base.ResolveReference(u).String(), p.Permalink); !ok {
				return -1
			}
		} else {
			name = path.Clean(src)
		}
	}
	if unescaped, err := url.PathUnescape(name); err == nil {
		name = unescaped
	}
	return p.resourceIndex(name)
}

func (b *builder) absDir(rel string) string {
	return filepath.Join(b.siteDir, filepath.FromSlash(rel))
}

// pageHash digests everything a reader of p sees; content is the digest of
// its rendered HTML. The fields are written to the digest as one buffer,
// each followed by a zero byte.
func pageHash(p *Page, content [32]byte) string {
	buf := make([]byte, 0, 512)
	str := func(ss ...string) {
		for _, s := range ss {
			buf = append(append(buf, s...), 0)
		}
	}
	str(p.Title, p.Description, p.RelPermalink)
	buf = append(p.Date.UTC().AppendFormat(buf, time.RFC3339Nano), 0)
	buf = append(p.Lastmod.UTC().AppendFormat(buf, time.RFC3339Nano), 0)
	str(p.ContentWarning, p.ObjectType, strconv.FormatBool(p.Federate), strconv.FormatBool(p.Sensitive), strconv.FormatBool(p.Pinned))
	for _, k := range sortedMapKeys(p.Taxonomies) {
		str(k)
		str(p.Taxonomies[k]...)
	}
	str(p.Authors...)
	buf = append(buf, content[:]...)
	for _, img := range p.images {
		str(img.url, img.alt, img.title)
		buf = append(strconv.AppendInt(buf, int64(img.res), 10), 0)
	}
	for _, r := range p.Resources {
		str(r.Name)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16])
}
