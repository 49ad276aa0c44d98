package feeds

import (
	"slices"

	"github.com/gorilla/feeds"
)

// jsonFeed is gorilla's JSONFeed whose items are always present, as JSON
// Feed 1.1 requires even when there are none, and carry their language.
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

// jsonItem is gorilla's JSONItem with JSON Feed 1.1's item language.
type jsonItem struct {
	*feeds.JSONItem
	Language string `json:"language,omitempty"`
}

// sourceToJSON converts src into a JSON Feed 1.1 document.
func sourceToJSON(src *source) *jsonFeed {
	base := (&feeds.JSON{Feed: src.feed}).JSONFeed()
	base.Language = src.lang
	base.FeedUrl = src.urls[formatJSON]
	base.Icon = src.icon
	base.Favicon = src.icon
	base.Author, base.Authors = nil, nil
	if a := src.author; a.name != "" {
		base.Authors = []*feeds.JSONAuthor{jsonAuthor(a)}
		base.Author = base.Authors[0]
	}
	if src.hub != "" {
		base.Hubs = []*feeds.JSONHub{{Type: "WebSub", Url: src.hub}}
	}
	doc := &jsonFeed{JSONFeed: base, Items: make([]*jsonItem, len(base.Items))}
	for i, bi := range base.Items {
		e := src.entries[i]
		bi.Summary = e.summaryText
		bi.Image = e.image
		bi.Author, bi.Authors = nil, nil
		for _, a := range e.authors {
			if a.name != "" {
				bi.Authors = append(bi.Authors, jsonAuthor(a))
			}
		}
		if len(bi.Authors) > 0 {
			bi.Author = bi.Authors[0]
		}
		for _, c := range e.categories {
			if !slices.Contains(bi.Tags, c.term) {
				bi.Tags = append(bi.Tags, c.term)
			}
		}
		doc.Items[i] = &jsonItem{JSONItem: bi, Language: e.lang}
	}
	base.Items = nil
	return doc
}

// jsonAuthor converts a person into a JSON Feed author, who has no address.
func jsonAuthor(a person) *feeds.JSONAuthor {
	return &feeds.JSONAuthor{Name: a.name, Url: a.uri, Avatar: a.avatar}
}
