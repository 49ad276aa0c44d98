package site

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blogbridge/blogbridge/content"
)

// Link is one element of a page's <head>. With Rel set it is a <link>:
//
//	<link rel="alternate" type="application/rss+xml" href="/index.xml" title="Feed">
//
// otherwise a <meta> with Name or Property and Content:
//
//	<meta name="fediverse:creator" content="@me@example.org">
//	<meta property="og:title" content="A post">
type Link struct {
	Rel      string // <link rel>, e.g. "alternate", "me"
	Type     string // <link type>, a media type
	Href     string // <link href>
	Title    string // <link title>
	Hreflang string // <link hreflang>

	Name     string // <meta name>
	Property string // <meta property>
	Content  string // <meta content>
}

// head is what a page's <head> says about it.
type head struct {
	Title       string
	Description string
	Canonical   string
	NoIndex     bool
	// Links are the Open Graph and Twitter card meta elements, the
	// alternate languages, pagination links, then Options.HeadLinks.
	Links []Link
}

// descriptionLength is the most runes a meta description holds.
const descriptionLength = 300

// pageHead builds the <head> of page number n of p.
func (h *Handler) pageHead(v *view, p *content.Page, n int, translations []*content.Page, extra []Link) head {
	hd := head{
		Title:       pageTitle(v.Site.Title, p, n),
		Description: describe(p.Description, p.SummaryText, v.Site.Description),
		Canonical:   pagerURL(p.Permalink, n),
	}
	if p.Kind == content.KindHome {
		hd.Description = describe(p.Description, v.Site.Description, p.SummaryText)
	}
	ogTitle := p.Title
	if ogTitle == "" || p.Kind == content.KindHome {
		ogTitle = v.Site.Title
	}
	ogType := "website"
	if p.IsRegular() {
		ogType = "article"
	}
	meta := func(property, value string) {
		if value != "" {
			hd.Links = append(hd.Links, Link{Property: property, Content: value})
		}
	}
	named := func(name, value string) {
		if value != "" {
			hd.Links = append(hd.Links, Link{Name: name, Content: value})
		}
	}
	meta("og:site_name", v.Site.Title)
	meta("og:title", ogTitle)
	meta("og:type", ogType)
	meta("og:url", hd.Canonical)
	meta("og:description", hd.Description)
	meta("og:locale", ogLocale(v.Lang))
	for _, t := range translations {
		meta("og:locale:alternate", ogLocale(v.langTag(t.Lang)))
	}
	img, hasImage := p.LeadImage()
	if hasImage {
		meta("og:image", img.URL)
		meta("og:image:type", img.MediaType)
		if img.Width > 0 && img.Height > 0 {
			meta("og:image:width", strconv.Itoa(img.Width))
			meta("og:image:height", strconv.Itoa(img.Height))
		}
		meta("og:image:alt", img.Alt)
	} else if v.Site.Image != "" {
		meta("og:image", v.Site.Image)
	}
	if p.IsRegular() {
		meta("article:published_time", rfc3339(p.Date))
		if !p.Lastmod.IsZero() {
			meta("article:modified_time", rfc3339(p.Lastmod))
		}
		meta("article:section", p.Section)
		for _, t := range p.Tags() {
			meta("article:tag", t)
		}
	}
	if hasImage {
		named("twitter:card", "summary_large_image")
		named("twitter:image", img.URL)
		named("twitter:image:alt", img.Alt)
	} else {
		named("twitter:card", "summary")
		named("twitter:image", v.Site.Image)
	}
	named("twitter:title", ogTitle)
	named("twitter:description", hd.Description)

	if len(translations) > 0 {
		hd.Links = append(hd.Links, Link{Rel: "alternate", Hreflang: v.Lang, Href: p.Permalink})
		for _, t := range translations {
			hd.Links = append(hd.Links, Link{Rel: "alternate", Hreflang: v.langTag(t.Lang), Href: t.Permalink})
		}
	}
	if v.Pager != nil {
		if v.Pager.PrevURL != "" {
			hd.Links = append(hd.Links, Link{Rel: "prev", Href: v.Pager.PrevURL})
		}
		if v.Pager.NextURL != "" {
			hd.Links = append(hd.Links, Link{Rel: "next", Href: v.Pager.NextURL})
		}
	}
	hd.Links = append(hd.Links, extra...)
	return hd
}

// pageTitle is the <title> of page number n of p.
func pageTitle(site string, p *content.Page, n int) string {
	t := p.Title
	if p.Kind == content.KindHome {
		t = ""
	}
	if n > 1 {
		if t == "" {
			t = "Page " + strconv.Itoa(n)
		} else {
			t += " – page " + strconv.Itoa(n)
		}
	}
	switch {
	case t == "":
		return site
	case site == "":
		return t
	}
	return t + " · " + site
}

// describe returns the first non-empty text, with white space collapsed and
// cut to descriptionLength runes at a word boundary.
func describe(texts ...string) string {
	for _, t := range texts {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) <= descriptionLength {
			return t
		}
		cut := string([]rune(t)[:descriptionLength])
		if i := strings.LastIndexByte(cut, ' '); i > descriptionLength/2 {
			cut = cut[:i]
		}
		return strings.TrimRight(cut, " ,.;:") + "…"
	}
	return ""
}

// ogLocale turns a language tag ("en-us") into an Open Graph locale
// ("en_US").
func ogLocale(tag string) string {
	lang, region, ok := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	if !ok {
		return strings.ToLower(lang)
	}
	return strings.ToLower(lang) + "_" + strings.ToUpper(region)
}

// rfc3339 formats t for machines, or returns "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
