package feeds

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/blogbridge/blogbridge/content"
)

// feedparserScript reads every feed file named on its command line and
// prints what it found as JSON. RSS and Atom go through feedparser; JSON
// Feed too when this feedparser reads it (6.1 and later), else through
// Python's json module with the checks JSON Feed 1.1 sets for readers.
const feedparserScript = `
import calendar, datetime, json, sys
import feedparser

def stamp(parsed):
    return calendar.timegm(parsed) if parsed else None

def iso(value):
    if not value:
        return None
    return int(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())

def read_json(raw):
    doc = json.loads(raw)
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version %r" % doc.get("version"))
    if not isinstance(doc.get("title"), str):
        problems.append("no title")
    if not isinstance(doc.get("items"), list):
        problems.append("no items list")
    entries = []
    for item in doc.get("items") or []:
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append("item without id")
        if "content_html" not in item and "content_text" not in item:
            problems.append("item without content")
        entries.append({
            "id": item.get("id"), "title": item.get("title"), "link": item.get("url"),
            "published": iso(item.get("date_published")), "updated": iso(item.get("date_modified")),
            "tags": item.get("tags") or [], "authors": [a.get("name") for a in item.get("authors") or []],
            "content": item.get("content_html"), "image": item.get("image"),
        })
    return {"parser": "json", "version": "json11" if not problems else "", "bozo": bool(problems),
            "bozo_exception": "; ".join(problems), "title": doc.get("title"),
            "link": doc.get("home_page_url"), "entries": entries}

def read_feedparser(raw):
    d = feedparser.parse(raw)
    entries = []
    for e in d.entries:
        content = e.get("content")
        entries.append({
            "id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
            "title_type": e.get("title_detail", {}).get("type"),
            "published": stamp(e.get("published_parsed")), "updated": stamp(e.get("updated_parsed")),
            "tags": [t.get("term") for t in e.get("tags", [])],
            "authors": [a.get("name") for a in e.get("authors", [])],
            "content": content[0].value if content else None,
            "image": (e.get("enclosures") or [{}])[0].get("href"),
        })
    return {"parser": "feedparser " + feedparser.__version__, "version": d.get("version", ""),
            "bozo": bool(d.get("bozo")), "bozo_exception": str(d.get("bozo_exception", "")),
            "title": d.feed.get("title"), "link": d.feed.get("link"), "entries": entries}

try:
    import feedparser.parsers.json
    reads_json = True
except ImportError:
    reads_json = False

out = {}
for name in sys.argv[1:]:
    raw = open(name, "rb").read()
    if name.endswith(".json") and not reads_json:
        out[name] = read_json(raw)
    else:
        out[name] = read_feedparser(raw)
json.dump(out, sys.stdout)
`

// feedparserResult is what the script prints for one feed.
type feedparserResult struct {
	Parser        string `json:"parser"`
	Version       string `json:"version"`
	Bozo          bool   `json:"bozo"`
	BozoException string `json:"bozo_exception"`
	Title         string `json:"title"`
	Link          string `json:"link"`
	Entries       []struct {
		ID        string   `json:"id"`
		Title     string   `json:"title"`
		TitleType string   `json:"title_type"`
		Link      string   `json:"link"`
		Published *int64   `json:"published"`
		Updated   *int64   `json:"updated"`
		Tags      []string `json:"tags"`
		Authors   []string `json:"authors"`
		Content   string   `json:"content"`
		Image     string   `json:"image"`
	} `json:"entries"`
}

// pythonWithFeedparser returns a Python that imports feedparser:
// $BLOGBRIDGE_PYTHON, else /usr/bin/python3 (where Debian's
// python3-feedparser installs it), else python3 on PATH.
func pythonWithFeedparser(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3", "python3"}
	if env := os.Getenv("BLOGBRIDGE_PYTHON"); env != "" {
		candidates = []string{env}
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import feedparser").Run() == nil {
			return py
		}
	}
	msg := "no python with feedparser (tried " + strings.Join(candidates, ", ") + "); apt-get install python3-feedparser or set BLOGBRIDGE_PYTHON"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestFeedparserReadsEveryFeed runs Python's feedparser, what many feed
// readers and services are built on, over every feed of the example site
// and of the seed post, and expects no bozo flag and every entry as the
// site has it.
func TestFeedparserReadsEveryFeed(t *testing.T) {
	py := pythonWithFeedparser(t)
	tests := []struct {
		name string
		site func(t *testing.T) string
	}{
		{name: "example", site: func(*testing.T) string { return exampleSite }},
		{name: "seed post", site: func(t *testing.T) string { return seedSite(t) }},
		{name: "awkward post", site: awkwardSite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := load(t, tt.site(t))
			f := New(Options{Snapshot: fixed(snap), Hub: "https://hub.example/"})
			h := f.Wrap(notFound())
			dir := t.TempDir()
			files := map[string]string{} // file -> feed path
			for _, path := range allFeeds(f, snap) {
				resp := get(t, h, http.MethodGet, path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d", path, resp.StatusCode)
				}
				name := filepath.Join(dir, strings.ReplaceAll(strings.Trim(path, "/"), "/", "_"))
				writeFile(t, name, string(readBody(t, resp)))
				files[name] = path
			}
			cmd := exec.Command(py, append([]string{"-c", feedparserScript}, slices.Sorted(maps.Keys(files))...)...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v", py, err)
			}
			var results map[string]feedparserResult
			if err := json.Unmarshal(out, &results); err != nil {
				t.Fatalf("reading the script's output: %v", err)
			}
			if len(results) != len(files) {
				t.Fatalf("%d results for %d feeds", len(results), len(files))
			}
			for name, path := range files {
				checkFeedparser(t, snap, f.indexFor(snap).feeds[path], results[name])
			}
		})
	}
}

func checkFeedparser(t *testing.T, snap *content.Snapshot, fd *feed, got feedparserResult) {
	t.Helper()
	path := fd.path
	wantVersion := map[format]string{formatRSS: "rss20", formatAtom: "atom10", formatJSON: "json11"}[fd.format]
	if got.Bozo {
		t.Errorf("%s: %s sets bozo: %s", path, got.Parser, got.BozoException)
	}
	if got.Version != wantVersion {
		t.Errorf("%s: %s reads version %q, want %q", path, got.Parser, got.Version, wantVersion)
	}
	if got.Link != fd.list.Permalink {
		t.Errorf("%s: link %q, want %q", path, got.Link, fd.list.Permalink)
	}
	if len(got.Entries) != len(fd.pages) {
		t.Fatalf("%s: %d entries, want %d", path, len(got.Entries), len(fd.pages))
	}
	for i, e := range got.Entries {
		p := fd.pages[i]
		where := path + " entry " + strconv.Itoa(i)
		// XML cannot carry control characters: they arrive as U+FFFD.
		wantTitle, wantContent := p.Title, string(p.Content())
		if fd.format != formatJSON {
			wantTitle, wantContent = xmlText(wantTitle), xmlText(wantContent)
		}
		// An RSS title may hold HTML for all a reader knows: when feedparser
		// takes it for HTML, it must show what the title shows as HTML.
		gotTitle := e.Title
		if e.TitleType == "text/html" {
			gotTitle, wantTitle = htmlText(gotTitle), htmlText(wantTitle)
		}
		if gotTitle != wantTitle || e.Link != p.Permalink {
			t.Errorf("%s: %q %s, want %q %s", where, gotTitle, e.Link, wantTitle, p.Permalink)
		}
		if !strings.HasPrefix(e.ID, "tag:") {
			t.Errorf("%s: id %q, want a tag: URI", where, e.ID)
		}
		if e.Published == nil || *e.Published != p.Date.Unix() {
			t.Errorf("%s: published %v, want %d (%v)", where, e.Published, p.Date.Unix(), p.Date)
		}
		if fd.format != formatRSS {
			updated := max(p.Date.Unix(), p.Lastmod.Unix())
			if e.Updated == nil || *e.Updated != updated {
				t.Errorf("%s: updated %v, want %d", where, e.Updated, updated)
			}
		}
		var terms []string
		for _, name := range slices.Sorted(maps.Keys(p.Taxonomies)) {
			for _, term := range p.Taxonomies[name] {
				if fd.format != formatJSON || !slices.Contains(terms, term) {
					terms = append(terms, term)
				}
			}
		}
		tags := slices.Clone(e.Tags)
		slices.Sort(tags)
		slices.Sort(terms)
		if !slices.Equal(tags, terms) {
			t.Errorf("%s: tags %q, want %q", where, tags, terms)
		}
		if !slices.Equal(e.Authors, p.Authors) {
			t.Errorf("%s: authors %q, want %q", where, e.Authors, p.Authors)
		}
		// feedparser sanitizes HTML (drops attributes such as aria-label,
		// reorders others): the text and every link must survive it.
		want := wantContent
		if got, want := htmlText(e.Content), htmlText(want); got != want {
			t.Errorf("%s: content text differs:\n got %.300q\nwant %.300q", where, got, want)
		}
		for _, u := range regexp.MustCompile(`(?:href|src)="https?://[^"]+"`).FindAllString(want, -1) {
			if !strings.Contains(e.Content, u) {
				t.Errorf("%s: content lost the link %s", where, u)
			}
		}
		if img, ok := p.LeadImage(); ok && e.Image != img.URL {
			t.Errorf("%s: image %q, want %q", where, e.Image, img.URL)
		}
	}
}

// htmlText is the text of an HTML fragment with white space collapsed.
func htmlText(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		}
		b.WriteByte(' ')
	}
}
