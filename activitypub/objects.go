package activitypub

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
	"github.com/microcosm-cc/bluemonday"

	"github.com/blogbridge/blogbridge/content"
)

// The object types a post can be served as.
const (
	TypeArticle = "Article"
	TypeNote    = "Note"
)

// publicAudience is the special collection that addresses everyone.
const publicAudience = "https://www.w3.org/ns/activitystreams#Public"

// summaryLength is the most runes of an Article's summary: FEP-b2b8 asks
// for "a few sentences; or a short paragraph", about 500 characters.
const summaryLength = 500

// defaultWarning is the content warning of a sensitive post that gives no
// warning text.
const defaultWarning = "Sensitive content"

// post is what the converters need to know about a federated post beyond
// its page: its identity in the ledger and its links to tag pages.
type post struct {
	page *content.Page
	// id is the object's URL; objectType "Article" or "Note".
	id         *url.URL
	objectType string
	// published is the page's date; updated when the post was edited after
	// it, zero otherwise.
	published time.Time
	updated   time.Time
	tags      []tagLink
}

// tagLink is a post's tag as a Hashtag: its name without "#", and the
// site's page for the tag.
type tagLink struct {
	name, href string
}

// converter turns posts into ActivityStreams objects. Its functions are
// pure: they read the post, never the store or the clock.
type converter struct {
	urls actorURLs
	// rich keeps the elements an article needs (headings, images, lists,
	// tables); strict those Mastodon keeps in a status.
	rich, strict *bluemonday.Policy
}

func newConverter(u actorURLs) *converter {
	return &converter{urls: u, rich: newRichPolicy(), strict: newStrictPolicy()}
}

// postToObject converts p to the type it is federated as.
func (c *converter) postToObject(p *post) vocab.Type {
	if p.objectType == TypeNote {
		return c.postToNote(p)
	}
	return c.postToArticle(p)
}

// postToArticle converts p to an Article: the title as name, the lead as a
// plain summary (what Mastodon shows, with the title and a link), the whole
// sanitised post as content, and a Note preview (FEP-b2b8) for readers that
// show short text only.
func (c *converter) postToArticle(p *post) vocab.ActivityStreamsArticle {
	a := streams.NewActivityStreamsArticle()
	c.fillCommon(a, p)
	if p.page.Title != "" {
		setName(a, p.page.Title)
	}
	if p.page.Sensitive {
		setSummary(a, "<p>"+html.EscapeString(warning(p.page))+"</p>")
	} else {
		setSummary(a, "<p>"+html.EscapeString(leadText(p.page))+"</p>")
	}
	setContent(a, p.page.Lang, c.rich.Sanitize(string(p.page.Content())))

	preview := streams.NewActivityStreamsNote()
	setAttributedTo(preview, mustURL(c.urls.actor))
	setContent(preview, "", c.noteContent(p))
	pp := streams.NewActivityStreamsPreviewProperty()
	pp.AppendActivityStreamsNote(preview)
	a.SetActivityStreamsPreview(pp)

	if img, ok := p.page.LeadImage(); ok {
		if u, ok := parseURL(img.URL); ok {
			ip := streams.NewActivityStreamsImageProperty()
			ip.AppendActivityStreamsImage(newImage(u, img.MediaType, img.Alt, img.Width, img.Height))
			a.SetActivityStreamsImage(ip)
		}
	}
	return a
}

// postToNote converts p to a Note whose content is what Mastodon users read
// in full: the title, the lead, a link to the post and its hashtags, with
// the post's images attached.
func (c *converter) postToNote(p *post) vocab.ActivityStreamsNote {
	n := streams.NewActivityStreamsNote()
	c.fillCommon(n, p)
	if p.page.Sensitive {
		// Mastodon shows a Note's summary as its content warning, as plain
		// text.
		setSummary(n, warning(p.page))
	}
	setContent(n, p.page.Lang, c.noteContent(p))
	return n
}

// commonObject is what Article and Note share.
type commonObject interface {
	withID
	withURL
	withAttributedTo
	withPublished
	withUpdated
	withAudience
	withExtensions
	SetActivityStreamsTag(vocab.ActivityStreamsTagProperty)
	SetActivityStreamsAttachment(vocab.ActivityStreamsAttachmentProperty)
}

// fillCommon sets what every object of a post carries: id, url, author,
// dates, audience, hashtags, image attachments and sensitivity.
func (c *converter) fillCommon(o commonObject, p *post) {
	setID(o, p.id)
	if u, ok := parseURL(p.page.Permalink); ok {
		setURL(o, u)
	}
	setAttributedTo(o, mustURL(c.urls.actor))
	setPublished(o, p.published)
	if !p.updated.IsZero() {
		setUpdated(o, p.updated)
	}
	setPublic(o, mustURL(c.urls.followers))
	if len(p.tags) > 0 {
		tp := streams.NewActivityStreamsTagProperty()
		for _, t := range p.tags {
			tp.AppendActivityStreamsLink(hashtag(t))
		}
		o.SetActivityStreamsTag(tp)
	}
	if images := attachedImages(p.page); len(images) > 0 {
		ap := streams.NewActivityStreamsAttachmentProperty()
		for _, img := range images {
			if u, ok := parseURL(img.URL); ok {
				ap.AppendActivityStreamsImage(newImage(u, img.MediaType, img.Alt, img.Width, img.Height))
			}
		}
		o.SetActivityStreamsAttachment(ap)
	}
	setExtension(o, "sensitive", p.page.Sensitive)
}

// hashtag returns t as a Hashtag: a Link of that type, as Mastodon writes
// it.
func hashtag(t tagLink) vocab.ActivityStreamsLink {
	l := streams.NewActivityStreamsLink()
	setType(l, "Hashtag")
	hp := streams.NewActivityStreamsHrefProperty()
	hp.Set(mustURL(t.href))
	l.SetActivityStreamsHref(hp)
	setName(l, "#"+t.name)
	return l
}

// noteContent is the HTML of a post as a status: title, lead, link,
// hashtags.
func (c *converter) noteContent(p *post) string {
	var b strings.Builder
	if p.page.Title != "" {
		b.WriteString("<p><strong>")
		b.WriteString(html.EscapeString(p.page.Title))
		b.WriteString("</strong></p>")
	}
	lead := strings.TrimSpace(c.strict.Sanitize(string(p.page.Summary)))
	if strings.Trim(lead, "<p></p> \n") == "" {
		if t := leadText(p.page); t != p.page.Title {
			lead = "<p>" + html.EscapeString(t) + "</p>"
		} else {
			lead = ""
		}
	}
	b.WriteString(lead)
	link := html.EscapeString(p.page.Permalink)
	b.WriteString(`<p><a href="` + link + `">` + link + `</a></p>`)
	if len(p.tags) > 0 {
		b.WriteString("<p>")
		for i, t := range p.tags {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(`<a href="` + html.EscapeString(t.href) + `" class="mention hashtag" rel="tag">#<span>` +
				html.EscapeString(t.name) + `</span></a>`)
		}
		b.WriteString("</p>")
	}
	return b.String()
}

// leadText is the post's lead as one line of plain text, at most
// summaryLength runes, cut at a word: the summary, else the description,
// else the title.
func leadText(p *content.Page) string {
	for _, t := range []string{p.SummaryText, p.Description, p.Title} {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) <= summaryLength {
			return t
		}
		cut := string([]rune(t)[:summaryLength])
		if i := strings.LastIndexByte(cut, ' '); i > summaryLength/2 {
			cut = cut[:i]
		}
		return strings.TrimRight(cut, " ,.;:—–-") + "…"
	}
	return ""
}

// warning is the content warning of a sensitive post.
func warning(p *content.Page) string {
	if w := strings.Join(strings.Fields(p.ContentWarning), " "); w != "" {
		return w
	}
	return defaultWarning
}

// attachedImages returns the images a post's object carries: the lead
// image first (Mastodon shows the first four attachments), then the others
// in order of use, each once.
func attachedImages(p *content.Page) []content.Image {
	all := p.Images()
	out := make([]content.Image, 0, len(all))
	seen := make(map[string]bool, len(all))
	if lead, ok := p.LeadImage(); ok {
		out = append(out, lead)
		seen[lead.URL] = true
	}
	for _, img := range all {
		if !seen[img.URL] {
			seen[img.URL] = true
			out = append(out, img)
		}
	}
	return out
}

// hashtagName turns a term into a hashtag Mastodon accepts: letters,
// digits and underscores, words joined in camel case ("kafka-summit"
// becomes "KafkaSummit"); "" when the term has no letter.
func hashtagName(term string) string {
	words := strings.FieldsFunc(term, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	if len(words) == 0 {
		return ""
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 || len(words) > 1 {
			r, size := utf8.DecodeRuneInString(w)
			b.WriteRune(unicode.ToUpper(r))
			w = w[size:]
		}
		b.WriteString(w)
	}
	name := b.String()
	if strings.IndexFunc(name, unicode.IsLetter) < 0 {
		return ""
	}
	return name
}

// parseURL parses an absolute http or https URL from the content.
func parseURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, false
	}
	return u, true
}

// linkSchemes are the URL schemes Mastodon keeps in links.
func linkSchemes() []string {
	return []string{"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"}
}

// newStrictPolicy keeps the elements and attributes Mastodon keeps in a
// status (its MASTODON_STRICT sanitiser), plus headings, which Mastodon
// turns into bold paragraphs itself. Spans go (their text stays): in a
// post they only carry the styles of highlighted code.
func newStrictPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "del", "s", "pre", "code", "b", "strong", "u", "i", "em",
		"ul", "ol", "li", "blockquote", "ruby", "rt", "rp", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^-?[0-9]+$`)).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`^(reversed)?$`)).OnElements("ol")
	p.AllowAttrs("value").Matching(regexp.MustCompile(`^-?[0-9]+$`)).OnElements("li")
	p.AllowURLSchemes(linkSchemes()...)
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	return p
}

// newRichPolicy is newStrictPolicy plus what a long post needs and
// FEP-b2b8 lists: images, rules, figures, tables, definition lists,
// superscripts. No scripts, frames, forms, styles or event handlers.
func newRichPolicy() *bluemonday.Policy {
	p := newStrictPolicy()
	p.AllowElements("hr", "figure", "figcaption", "sup", "sub", "dl", "dt", "dd",
		"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "abbr", "mark", "kbd", "small")
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img", "abbr")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]+$`)).OnElements("img")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]+$`)).OnElements("td", "th")
	return p
}
