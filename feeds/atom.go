package feeds

import (
	"time"

	"github.com/gorilla/feeds"
)

// atomFeed is gorilla's AtomFeed with what Atom 1.0 allows beyond it: the
// feed's language and several links (self, hub, the HTML page and the
// feed in the other formats).
type atomFeed struct {
	*feeds.AtomFeed
	Lang    string           `xml:"xml:lang,attr,omitempty"`
	Links   []feeds.AtomLink `xml:"link"`
	Entries []*atomEntry     `xml:"entry"`
}

// FeedXml returns the document to marshal, for feeds.WriteXML.
func (a *atomFeed) FeedXml() any { return a }

// atomEntry is gorilla's AtomEntry with categories that carry a term and
// scheme, as Atom requires, and every author.
type atomEntry struct {
	*feeds.AtomEntry
	Categories []atomCategory      `xml:"category"`
	Authors    []*feeds.AtomAuthor `xml:"author"`
}

// atomCategory is an Atom <category term scheme>.
type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
}

// sourceToAtom converts src into an Atom 1.0 document.
func sourceToAtom(src *source) *atomFeed {
	base := (&feeds.Atom{Feed: src.feed}).AtomFeed()
	base.Id = src.urls[formatAtom]
	base.Icon = src.icon
	if base.Author != nil {
		base.Author.Uri = src.author.uri
	} else {
		// Atom requires an author for every entry; a site that names none
		// is its own.
		base.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: src.siteTitle}}
	}
	doc := &atomFeed{AtomFeed: base, Lang: src.lang, Entries: make([]*atomEntry, len(base.Entries))}
	doc.Links = append(doc.Links, feeds.AtomLink{Href: src.urls[formatAtom], Rel: "self", Type: formatAtom.mediaType()})
	if src.hub != "" {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: src.hub, Rel: "hub"})
	}
	doc.Links = append(doc.Links,
		feeds.AtomLink{Href: src.feed.Link.Href, Rel: "alternate", Type: "text/html"},
		feeds.AtomLink{Href: src.urls[formatRSS], Rel: "alternate", Type: formatRSS.mediaType()},
		feeds.AtomLink{Href: src.urls[formatJSON], Rel: "alternate", Type: formatJSON.mediaType()},
	)
	for i, be := range base.Entries {
		item, e := src.feed.Items[i], src.entries[i]
		if !item.Created.IsZero() {
			be.Published = item.Created.Format(time.RFC3339)
		}
		if be.Updated == "" {
			be.Updated = src.feed.Updated.Format(time.RFC3339)
		}
		for j := range be.Links {
			if be.Links[j].Rel == "enclosure" && be.Links[j].Length == "0" {
				be.Links[j].Length = "" // unknown; Atom lets it be left out
			}
		}
		ae := &atomEntry{AtomEntry: be}
		for _, c := range e.categories {
			ae.Categories = append(ae.Categories, atomCategory{Term: c.term, Scheme: c.scheme})
		}
		for _, a := range e.authors {
			ae.Authors = append(ae.Authors, &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: a.name, Email: a.email, Uri: a.uri}})
		}
		doc.Entries[i] = ae
	}
	return doc
}
