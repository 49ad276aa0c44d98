package feeds

import (
	"bytes"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/blogbridge/blogbridge/content"
)

// TestGofeedReadsEveryFeed parses every feed of the example site and of a
// site holding the seed post with gofeed, an independent parser, and checks
// that readers get each list's newest pages with their titles, links,
// dates, categories, authors, summaries, full content and lead images.
func TestGofeedReadsEveryFeed(t *testing.T) {
	tests := []struct {
		name  string
		site  func(t *testing.T) string
		items int
	}{
		{name: "example", site: func(*testing.T) string { return exampleSite }},
		{name: "example, two items", site: func(*testing.T) string { return exampleSite }, items: 2},
		{name: "seed post", site: func(t *testing.T) string { return seedSite(t) }},
		{name: "awkward post", site: awkwardSite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := load(t, tt.site(t))
			f := New(Options{Snapshot: fixed(snap), Items: tt.items})
			h := f.Wrap(notFound())
			limit := cmpOr(tt.items, DefaultItems)
			ids := map[string]string{} // list + item index -> id, to compare formats
			paths := allFeeds(f, snap)
			if len(paths) == 0 {
				t.Fatal("no feeds")
			}
			for _, path := range paths {
				fd := f.indexFor(snap).feeds[path]
				resp := get(t, h, http.MethodGet, path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d", path, resp.StatusCode)
				}
				body := readBody(t, resp)
				parsed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: gofeed: %v", path, err)
				}
				checkParsedFeed(t, snap, path, fd.list, parsed, limit)
				for i, it := range parsed.Items {
					key := fd.list.RelPermalink + "#" + strconv.Itoa(i)
					if prev, ok := ids[key]; ok && prev != it.GUID {
						t.Errorf("%s: item %d id %q, another format of the list says %q", path, i, it.GUID, prev)
					}
					ids[key] = it.GUID
				}
			}
		})
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// checkParsedFeed checks what a parser read from the feed of list at path.
func checkParsedFeed(t *testing.T, snap *content.Snapshot, path string, list *content.Page, parsed *gofeed.Feed, limit int) {
	t.Helper()
	var lang content.Language
	for _, l := range snap.Languages {
		if l.Code == list.Lang {
			lang = l
		}
	}
	siteTitle := lang.Title
	if siteTitle == "" {
		siteTitle = snap.Config.Title
	}
	wantTitle := siteTitle
	if list.Kind != content.KindHome {
		wantTitle = list.Title + " on " + siteTitle
	}
	wantType := map[string]string{"index.xml": "rss", "atom.xml": "atom", "feed.json": "json"}[path[strings.LastIndexByte(path, '/')+1:]]
	wantLang := lang.LanguageCode
	if wantLang == "" {
		wantLang = lang.Code
	}
	self := list.Permalink + path[strings.LastIndexByte(path, '/')+1:]

	if parsed.FeedType != wantType {
		t.Errorf("%s: type %q, want %q", path, parsed.FeedType, wantType)
	}
	if parsed.Title != wantTitle {
		t.Errorf("%s: title %q, want %q", path, parsed.Title, wantTitle)
	}
	if parsed.Link != list.Permalink {
		t.Errorf("%s: link %q, want %q", path, parsed.Link, list.Permalink)
	}
	if parsed.FeedLink != self {
		t.Errorf("%s: feed link %q, want %q", path, parsed.FeedLink, self)
	}
	if !strings.EqualFold(parsed.Language, wantLang) {
		t.Errorf("%s: language %q, want %q", path, parsed.Language, wantLang)
	}

	pages := list.Pages
	if list.Kind == content.KindHome {
		pages = snap.Sites[list.Lang].Pages
	}
	if len(pages) > limit {
		pages = pages[:limit]
	}
	if len(parsed.Items) != len(pages) {
		t.Fatalf("%s: %d items, want %d", path, len(parsed.Items), len(pages))
	}
	// XML cannot carry control characters: they arrive as U+FFFD.
	text := func(s string) string { return s }
	if wantType != "json" {
		text = xmlText
	}
	for i, it := range parsed.Items {
		p := pages[i]
		where := path + " item " + strconv.Itoa(i)
		if it.Title != text(p.Title) {
			t.Errorf("%s: title %q, want %q", where, it.Title, text(p.Title))
		}
		if it.Link != p.Permalink {
			t.Errorf("%s: link %q, want %q", where, it.Link, p.Permalink)
		}
		if it.GUID == "" || it.GUID == p.Permalink && !p.Date.IsZero() {
			t.Errorf("%s: id %q, want a tag: URI", where, it.GUID)
		}
		if it.PublishedParsed == nil || !it.PublishedParsed.Equal(p.Date) {
			t.Errorf("%s: published %v, want %v", where, it.PublishedParsed, p.Date)
		}
		if i > 0 && parsed.Items[i-1].PublishedParsed != nil && it.PublishedParsed != nil && it.PublishedParsed.After(*parsed.Items[i-1].PublishedParsed) {
			t.Errorf("%s: newer than the item before it", where)
		}
		if wantType != "rss" {
			updated := p.Lastmod
			if p.Date.After(updated) {
				updated = p.Date
			}
			if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(updated) {
				t.Errorf("%s: updated %v, want %v", where, it.UpdatedParsed, updated)
			}
		}
		var terms []string
		for _, name := range slices.Sorted(maps.Keys(p.Taxonomies)) {
			for _, term := range p.Taxonomies[name] {
				if wantType != "json" || !slices.Contains(terms, term) {
					terms = append(terms, term)
				}
			}
		}
		got := slices.Clone(it.Categories)
		slices.Sort(got)
		slices.Sort(terms)
		if !slices.Equal(got, terms) {
			t.Errorf("%s: categories %q, want %q", where, got, terms)
		}
		var authors []string
		for _, a := range it.Authors {
			authors = append(authors, a.Name)
		}
		wantAuthors := p.Authors
		if wantType == "rss" && len(wantAuthors) > 1 {
			wantAuthors = wantAuthors[:1] // gofeed reads one dc:creator
		}
		if !slices.Equal(authors, wantAuthors) {
			t.Errorf("%s: authors %q, want %q", where, authors, p.Authors)
		}
		if it.Content != text(string(p.Content())) {
			t.Errorf("%s: content differs from the page's:\n got %.200q\nwant %.200q", where, it.Content, p.Content())
		}
		wantSummary := text(string(p.Summary))
		if wantType == "json" {
			wantSummary = p.SummaryText
		}
		if it.Description != wantSummary {
			t.Errorf("%s: summary %.100q, want %.100q", where, it.Description, wantSummary)
		}
		checkLeadImage(t, where, wantType, p, it)
	}
}

// checkLeadImage checks that the page's lead image reached the item: as an
// enclosure with its size in RSS and Atom, as the image in JSON Feed.
func checkLeadImage(t *testing.T, where, feedType string, p *content.Page, it *gofeed.Item) {
	t.Helper()
	img, ok := p.LeadImage()
	if !ok {
		if len(it.Enclosures) > 0 || it.Image != nil {
			t.Errorf("%s: has an image, the page has none", where)
		}
		return
	}
	if feedType == "json" {
		if it.Image == nil || it.Image.URL != img.URL {
			t.Errorf("%s: image %v, want %s", where, it.Image, img.URL)
		}
		return
	}
	if len(it.Enclosures) != 1 {
		t.Fatalf("%s: %d enclosures, want the lead image %s", where, len(it.Enclosures), img.URL)
	}
	enc := it.Enclosures[0]
	if enc.URL != img.URL || enc.Type != img.MediaType {
		t.Errorf("%s: enclosure %s %s, want %s %s", where, enc.URL, enc.Type, img.URL, img.MediaType)
	}
	if img.Resource != "" {
		if want := strconv.FormatInt(fileSize(p.Resource(img.Resource).Path()), 10); enc.Length != want {
			t.Errorf("%s: enclosure length %q, want the file's %s", where, enc.Length, want)
		}
	}
}

// TestEntryIDSurvivesTitleEdit changes a post's title and slug and
// expects its entry to keep its id, so readers do not show it twice.
func TestEntryIDSurvivesTitleEdit(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, exampleSite, dir)
	before := load(t, dir)
	post := dir + "/content/posts/hello-fediverse.md"
	src := mustRead(t, post)
	edited := strings.Replace(src, "title: Hello, fediverse", "title: Hello again, fediverse\nslug: hello-again", 1)
	if edited == src {
		t.Fatal("fixture changed: title line not found")
	}
	writeFile(t, post, edited)
	after := load(t, dir)

	id := func(snap *content.Snapshot, title string) (string, string) {
		f := New(Options{Snapshot: fixed(snap)})
		parsed, err := gofeed.NewParser().Parse(bytes.NewReader(readBody(t, get(t, f.Wrap(notFound()), http.MethodGet, "/atom.xml"))))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range parsed.Items {
			if it.Title == title {
				return it.GUID, it.Link
			}
		}
		t.Fatalf("no entry titled %q", title)
		return "", ""
	}
	oldID, oldLink := id(before, "Hello, fediverse")
	newID, newLink := id(after, "Hello again, fediverse")
	if oldLink == newLink {
		t.Fatalf("permalink did not change (%s); the test needs it to", oldLink)
	}
	if oldID != newID {
		t.Errorf("id changed with the title: %q, then %q", oldID, newID)
	}
	if want := "tag:localhost,2024:posts/hello-fediverse"; newID != want {
		t.Errorf("id = %q, want %q", newID, want)
	}
}

func TestEntryID(t *testing.T) {
	s := site{tagHost: "blog.example", contentDir: "content"}
	date := time.Date(2024, 3, 24, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, file, permalink string
		date                  time.Time
		want                  string
	}{
		{name: "single file", file: "content/posts/kafka.md", date: date, want: "tag:blog.example,2024:posts/kafka"},
		{name: "leaf bundle", file: "content/posts/kafka/index.md", date: date, want: "tag:blog.example,2024:posts/kafka"},
		{name: "translated file", file: "content/posts/kafka.es.md", date: date, want: "tag:blog.example,2024:posts/kafka.es"},
		{name: "translated bundle", file: "content/posts/kafka/index.es.md", date: date, want: "tag:blog.example,2024:posts/kafka.es"},
		{name: "language content folder", file: "content/es/posts/kafka.md", date: date, want: "tag:blog.example,2024:es/posts/kafka"},
		{name: "escaped", file: "content/posts/café au lait.md", date: date, want: "tag:blog.example,2024:posts/caf%C3%A9%20au%20lait"},
		{name: "no date", file: "content/posts/kafka.md", permalink: "https://blog.example/posts/kafka/", want: "https://blog.example/posts/kafka/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &content.Page{File: tt.file, Date: tt.date, Permalink: tt.permalink}
			if got := entryID(s, p); got != tt.want {
				t.Errorf("entryID = %q, want %q", got, tt.want)
			}
		})
	}
}
