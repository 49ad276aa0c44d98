package feeds

import (
	"strings"
	"unicode/utf8"

	"github.com/gorilla/feeds"
)

// rssDocument is gorilla's <rss> element with the Atom and Dublin Core
// namespaces that RSS 2.0 feeds use for self and hub links and for
// authors known by name only.
type rssDocument struct {
	*feeds.RssFeedXml
	AtomNamespace string      `xml:"xmlns:atom,attr"`
	DCNamespace   string      `xml:"xmlns:dc,attr"`
	Channel       *rssChannel `xml:"channel"`
}

// FeedXml returns the document to marshal, for feeds.WriteXML.
func (r *rssDocument) FeedXml() any { return r }

// rssChannel is gorilla's RssFeed with atom:link elements and items that
// have every category.
type rssChannel struct {
	*feeds.RssFeed
	AtomLinks []rssAtomLink `xml:"atom:link"`
	Items     []*rssItem    `xml:"item"`
}

// rssAtomLink is an <atom:link> inside an RSS channel.
type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem is gorilla's RssItem with every category and, for authors known
// by name only, <dc:creator>: RSS's own <author> must be an address.
type rssItem struct {
	*feeds.RssItem
	Creators   []string      `xml:"dc:creator"`
	Categories []rssCategory `xml:"category"`
}

// rssCategory is an RSS <category domain>.
type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Name   string `xml:",chardata"`
}

// sourceToRSS converts src into an RSS 2.0 document.
func sourceToRSS(src *source) *rssDocument {
	base := (&feeds.Rss{Feed: src.feed}).RssFeed()
	base.Language = src.lang
	base.Generator = generator
	base.ManagingEditor = ""
	if a := src.author; a.email != "" {
		base.ManagingEditor = rssPerson(a)
	}
	ch := &rssChannel{RssFeed: base, Items: make([]*rssItem, len(base.Items))}
	ch.AtomLinks = append(ch.AtomLinks, rssAtomLink{Href: src.urls[formatRSS], Rel: "self", Type: formatRSS.mediaType()})
	if src.hub != "" {
		ch.AtomLinks = append(ch.AtomLinks, rssAtomLink{Href: src.hub, Rel: "hub"})
	}
	ch.AtomLinks = append(ch.AtomLinks,
		rssAtomLink{Href: src.urls[formatAtom], Rel: "alternate", Type: formatAtom.mediaType()},
		rssAtomLink{Href: src.urls[formatJSON], Rel: "alternate", Type: formatJSON.mediaType()},
	)
	for i, bi := range base.Items {
		e := src.entries[i]
		if bi.Content != nil {
			bi.Content.Content = xmlText(bi.Content.Content)
		}
		ri := &rssItem{RssItem: bi}
		bi.Author = ""
		if len(e.authors) == 1 && e.authors[0].email != "" {
			bi.Author = rssPerson(e.authors[0])
		} else {
			for _, a := range e.authors {
				ri.Creators = append(ri.Creators, a.name)
			}
		}
		for _, c := range e.categories {
			ri.Categories = append(ri.Categories, rssCategory{Domain: c.scheme, Name: c.term})
		}
		ch.Items[i] = ri
	}
	return &rssDocument{
		RssFeedXml:    base.FeedXml().(*feeds.RssFeedXml),
		AtomNamespace: "http://www.w3.org/2005/Atom",
		DCNamespace:   "http://purl.org/dc/elements/1.1/",
		Channel:       ch,
	}
}

// rssPerson writes a person as RSS wants it: "address (name)".
func rssPerson(a person) string {
	if a.name == "" {
		return a.email
	}
	return a.email + " (" + a.name + ")"
}

// xmlText replaces the characters XML 1.0 does not allow with U+FFFD, for
// text written as CDATA, which the encoder does not check.
func xmlText(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !xmlChar(r) }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if !xmlChar(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// xmlChar reports whether r is a Char of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
