package content

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// exampleSite is the site bundled with the project.
const exampleSite = "../example"

// seedPost is the real conference write-up shared with the project.
const seedPost = "../../shared/seed/kafka-summit-london-2024"

func load(t *testing.T, opts Options) *Snapshot {
	t.Helper()
	snap, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", opts.SiteDir, err)
	}
	return snap
}

// writeSite writes files (path -> content) into a new temporary site.
func writeSite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestExampleSite(t *testing.T) {
	snap := load(t, Options{SiteDir: exampleSite})
	if errs := snap.Errors(); len(errs) > 0 {
		t.Fatalf("example site has errors: %v", errs)
	}
	tests := []struct {
		path, title, lang string
	}{
		{"/posts/stream-days-lisbon-2025/", "Notes from Stream Days Lisbon 2025", "en"},
		{"/posts/disk-full-postmortem/", "", "en"},
		{"/posts/go-http-server-timeouts/", "", "en"},
		{"/notes/2025/02/a-first-note-from-the-workbench/", "", "en"},
		{"/es/notes/2025/02/primera-nota/", "", "es"},
		{"/about/", "", "en"},
	}
	for _, tt := range tests {
		r, ok := snap.Lookup(tt.path)
		if !ok || r.Page == nil {
			t.Errorf("Lookup(%s): no page", tt.path)
			continue
		}
		if r.Page.Lang != tt.lang {
			t.Errorf("%s: lang %q, want %q", tt.path, r.Page.Lang, tt.lang)
		}
		if tt.title != "" && r.Page.Title != tt.title {
			t.Errorf("%s: title %q, want %q", tt.path, r.Page.Title, tt.title)
		}
	}
	for _, path := range []string{"/posts/schema-registry-migration/", "/posts/ten-years-of-on-call/"} {
		if _, ok := snap.Lookup(path); ok {
			t.Errorf("%s: draft or future page is served", path)
		}
	}
	if r, ok := snap.Lookup("/posts/stream-days-lisbon-2025/cover.jpg"); !ok || r.Resource == nil || r.Resource.MediaType() != "image/jpeg" {
		t.Errorf("bundle resource not found: %+v", r)
	}
	if r, ok := snap.Lookup("/tags/backpressure/"); !ok || r.Page == nil || r.Page.Kind != KindTerm || len(r.Page.Pages) == 0 {
		t.Errorf("term page: %+v", r)
	}
	if r, ok := snap.Lookup("/posts/"); !ok || r.Page == nil || r.Page.Kind != KindSection {
		t.Errorf("section page: %+v", r)
	}
	// The home page lists the main section's posts, newest first.
	home := snap.DefaultSite().Home
	for i := 1; i < len(home.Pages); i++ {
		if home.Pages[i].Date.After(home.Pages[i-1].Date) {
			t.Errorf("home pages not newest first: %s before %s", home.Pages[i-1].File, home.Pages[i].File)
		}
	}
	for _, p := range home.Pages {
		if p.Section != "posts" {
			t.Errorf("home lists %s from section %q", p.File, p.Section)
		}
	}
}

func TestExampleConferencePost(t *testing.T) {
	snap := load(t, Options{SiteDir: exampleSite})
	r, _ := snap.Lookup("/posts/stream-days-lisbon-2025/")
	p := r.Page
	if p == nil {
		t.Fatal("conference post missing")
	}
	if !p.Truncated || !strings.Contains(p.SummaryText, "Stream Days Lisbon") || strings.Contains(string(p.Summary), "<h2") {
		t.Errorf("summary should be the lead before <!--more-->: %q", p.Summary)
	}
	if strings.Contains(string(p.Content()), "BBSUMMARY") || strings.Contains(string(p.Content()), "more--") {
		t.Error("the summary divider leaks into the content")
	}
	if !strings.Contains(string(p.Content()), `src="http://localhost:8080/posts/stream-days-lisbon-2025/opening-stage.jpg"`) {
		t.Error("bundle image is not absolute in the content")
	}
	if !strings.Contains(string(p.Content()), "https://x.com/") {
		t.Error("tweet shortcode is not rendered as a link to the post")
	}
	imgs := p.Images()
	if len(imgs) < 6 {
		t.Fatalf("images = %d, want at least 6", len(imgs))
	}
	for _, img := range imgs {
		if img.Resource == "" || img.MediaType == "" || img.Width == 0 || img.Height == 0 {
			t.Errorf("bundle image lacks metadata: %+v", img)
		}
	}
	if lead, ok := p.LeadImage(); !ok || !strings.HasSuffix(lead.URL, "/cover.jpg") {
		t.Errorf("lead image = %+v, want the front matter cover", lead)
	}
	if got := p.Tags(); len(got) != 4 || got[0] != "stream-days" {
		t.Errorf("tags = %v", got)
	}
}

func TestSeedPost(t *testing.T) {
	if _, err := os.Stat(seedPost); err != nil {
		t.Skipf("seed post not found at %s (it sits in ../shared beside the repository): %v", seedPost, err)
	}
	dir := writeSite(t, map[string]string{"hugo.toml": "baseURL = 'https://blog.example/'\ntitle = 'Seed'\n"})
	bundle := filepath.Join(dir, "content", "posts", "kafka-summit-london-2024")
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(seedPost)
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(mustAbs(t, seedPost), e.Name()), filepath.Join(bundle, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	// Symlinked bundle files are not served; copy the page itself.
	os.Remove(filepath.Join(bundle, "index.md"))
	src, _ := os.ReadFile(filepath.Join(seedPost, "index.md"))
	os.WriteFile(filepath.Join(bundle, "index.md"), src, 0o644)
	for _, e := range entries {
		if e.Name() != "index.md" {
			os.Remove(filepath.Join(bundle, e.Name()))
			b, _ := os.ReadFile(filepath.Join(seedPost, e.Name()))
			os.WriteFile(filepath.Join(bundle, e.Name()), b, 0o644)
		}
	}

	snap := load(t, Options{SiteDir: dir})
	if errs := snap.Errors(); len(errs) > 0 {
		t.Fatalf("seed post has errors: %v", errs)
	}
	r, ok := snap.Lookup("/posts/kafka-summit-london-2024/")
	if !ok || r.Page == nil {
		t.Fatal("seed post not at Hugo's permalink /posts/kafka-summit-london-2024/")
	}
	p := r.Page
	if p.Title != "Impressions from Kafka Summit London 2024" {
		t.Errorf("title = %q", p.Title)
	}
	if want := time.Date(2024, 3, 24, 0, 0, 0, 0, time.UTC); !p.Date.Equal(want) {
		t.Errorf("date = %v, want %v", p.Date, want)
	}
	if !strings.HasPrefix(p.SummaryText, "I have been lucky to attend Kafka Summit London") || strings.Contains(p.SummaryText, "Keynote") {
		t.Errorf("summary = %q", p.SummaryText)
	}
	html := string(p.Content())
	if n := strings.Count(html, `class="twitter-tweet"`); n != 4 {
		t.Errorf("%d tweets rendered, want 4", n)
	}
	if !strings.Contains(html, "https://x.com/jeqo89/status/1770087702978757098") {
		t.Error("tweet link missing")
	}
	if !strings.Contains(html, "&mdash;given that is Kafka Summit") {
		t.Error("--- is not an em dash")
	}
	jpegs, _ := filepath.Glob(filepath.Join(seedPost, "*.jpg"))
	imgs := p.Images()
	if len(imgs) != len(jpegs) {
		t.Errorf("images = %d, want the bundle's %d", len(imgs), len(jpegs))
	}
	if imgs[0].Alt != "Roadmap" || imgs[0].URL != "https://blog.example/posts/kafka-summit-london-2024/keynote-1.jpg" ||
		imgs[0].MediaType != "image/jpeg" || imgs[0].Width == 0 {
		t.Errorf("first image = %+v", imgs[0])
	}
	if got := p.Tags(); len(got) != 1 || got[0] != "kafka-summit" {
		t.Errorf("tags = %v", got)
	}
}

func mustAbs(t *testing.T, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestPublishingRules(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	dir := writeSite(t, map[string]string{
		"hugo.toml":                 "baseURL = 'https://b.example/'\n",
		"content/posts/live.md":     "---\ntitle: Live\ndate: 2026-01-01\n---\nx",
		"content/posts/draft.md":    "---\ntitle: Draft\ndate: 2026-01-01\ndraft: true\n---\nx",
		"content/posts/future.md":   "---\ntitle: Future\ndate: 2026-07-01\n---\nx",
		"content/posts/expired.md":  "---\ntitle: Expired\ndate: 2026-01-01\nexpiryDate: 2026-02-01\n---\nx",
		"content/posts/expiring.md": "---\ntitle: Expiring\ndate: 2026-01-01\nexpiryDate: 2026-06-15\n---\nx",
	})
	titles := func(s *Snapshot) string {
		var ts []string
		for _, p := range s.RegularPages() {
			ts = append(ts, p.Title)
		}
		return strings.Join(ts, ",")
	}
	clock := func() time.Time { return now }
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"defaults", Options{}, "Expiring,Live"},
		{"drafts", Options{Drafts: true}, "Draft,Expiring,Live"},
		{"future", Options{Future: true}, "Future,Expiring,Live"},
		{"expired", Options{Expired: true}, "Expired,Expiring,Live"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.SiteDir, tt.opts.Now = dir, clock
			snap := load(t, tt.opts)
			// Same date: listed by title.
			if got := titles(snap); got != tt.want {
				t.Errorf("pages = %s, want %s", got, tt.want)
			}
		})
	}
	snap := load(t, Options{SiteDir: dir, Now: clock})
	if want := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC); !snap.NextChange.Equal(want) {
		t.Errorf("NextChange = %v, want the expiry %v", snap.NextChange, want)
	}
}

// TestBadInput checks that every broken file is reported with its file and
// line, and that the rest of the site is still served.
func TestBadInput(t *testing.T) {
	files := map[string]string{
		"hugo.toml":                   "baseURL = 'https://b.example/'\n",
		"content/posts/good.md":       "---\ntitle: Good\ndate: 2024-01-01\n---\nFine.",
		"content/posts/bad-yaml.md":   "---\ntitle: Bad\ndate: 2024-01-01\ntags: [a, b\n---\nx",
		"content/posts/unclosed.md":   "---\ntitle: Unclosed\n\nno end",
		"content/posts/bad-toml.md":   "+++\ntitle = 'x\n+++\nx",
		"content/posts/shortcode.md":  "---\ntitle: Shortcode\ndate: 2024-01-01\n---\nline one\n\n{{< details summary=\"x\" >}}\nnever closed\n",
		"content/posts/unknown-sc.md": "---\ntitle: Unknown shortcode\ndate: 2024-01-01\n---\n{{< nosuchthing >}}\n",
		"content/posts/dup-a.md":      "---\ntitle: A\ndate: 2024-01-01\nurl: /same/\n---\nx",
		"content/posts/dup-b.md":      "---\ntitle: B\ndate: 2024-01-01\nurl: /same/\n---\nx",
	}
	dir := writeSite(t, files)
	if err := os.WriteFile(filepath.Join(dir, "content/posts/bad-utf8.md"), []byte("---\ntitle: U\n---\nok\nbad \xff here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, MaxFileSize+1)
	copy(big, "---\ntitle: Big\n---\n")
	if err := os.WriteFile(filepath.Join(dir, "content/posts/big.md"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop", filepath.Join(dir, "content/posts/loop")); err != nil {
		t.Fatal(err)
	}

	snap := load(t, Options{SiteDir: dir})
	if r, ok := snap.Lookup("/posts/good/"); !ok || r.Page == nil {
		t.Fatal("the good page is not served next to the broken ones")
	}
	diag := func(file string) []Diagnostic {
		var ds []Diagnostic
		for _, d := range snap.Diagnostics {
			if d.File == file {
				ds = append(ds, d)
			}
		}
		return ds
	}
	tests := []struct {
		file    string
		line    int // 0: any
		sev     Severity
		message string
		served  string // path that must still be served, if any
	}{
		{file: "content/posts/bad-yaml.md", line: 4, sev: Error},
		{file: "content/posts/unclosed.md", line: 1, sev: Error, message: "front matter"},
		{file: "content/posts/bad-toml.md", line: 2, sev: Error},
		{file: "content/posts/bad-utf8.md", line: 5, sev: Error, message: "UTF-8"},
		{file: "content/posts/big.md", sev: Error, message: "limit"},
		{file: "content/posts/loop", sev: Error, message: "symlink"},
		{file: "content/posts/shortcode.md", line: 7, sev: Error, served: "/posts/shortcode/"},
		{file: "content/posts/unknown-sc.md", line: 5, sev: Error, served: "/posts/unknown-sc/"},
		{file: "content/posts/dup-b.md", sev: Error, message: "already used by content/posts/dup-a.md"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ds := diag(tt.file)
			if len(ds) == 0 {
				t.Fatalf("no diagnostic for %s; all: %v", tt.file, snap.Diagnostics)
			}
			d := ds[0]
			if d.Severity != tt.sev || (tt.line > 0 && d.Line != tt.line) || !strings.Contains(d.Message, tt.message) {
				t.Errorf("diagnostic = %s; want %s at line %d mentioning %q", d, tt.sev, tt.line, tt.message)
			}
			if tt.served != "" {
				if r, ok := snap.Lookup(tt.served); !ok || r.Page == nil {
					t.Errorf("%s is not served despite a degraded shortcode", tt.served)
				} else if !strings.Contains(string(r.Page.Content()), "shortcode") {
					t.Errorf("degraded shortcode not visible in %s: %s", tt.served, r.Page.Content())
				}
			}
		})
	}
	if r, ok := snap.Lookup("/same/"); !ok || r.Page.Title != "A" {
		t.Errorf("the first page keeps a duplicated permalink: %+v", r.Page)
	}
}

func TestBareContentFolder(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"posts/hello.md": "---\ntitle: Hello\ndate: 2024-01-01\n---\nHi.",
		"about.md":       "---\ntitle: About\n---\nMe.",
	})
	snap := load(t, Options{SiteDir: dir, BaseURL: "http://localhost:9999/"})
	for _, path := range []string{"/posts/hello/", "/about/"} {
		if r, ok := snap.Lookup(path); !ok || r.Page == nil {
			t.Errorf("%s not served from a bare content folder", path)
		}
	}
	if r, _ := snap.Lookup("/posts/hello/"); r.Page != nil && r.Page.Permalink != "http://localhost:9999/posts/hello/" {
		t.Errorf("permalink = %s, want the --base-url", r.Page.Permalink)
	}
}

// TestWatcherRebuildsOnlyWhatChanged edits one file and checks that the new
// snapshot has the edit, that untouched pages are the same values (not
// rendered again), and that new and removed files are picked up.
func TestWatcherRebuildsOnlyWhatChanged(t *testing.T) {
	files := map[string]string{"hugo.toml": "baseURL = 'https://b.example/'\n"}
	for i := range 20 {
		files[fmt.Sprintf("content/posts/p%02d/index.md", i)] = fmt.Sprintf("---\ntitle: Post %d\ndate: 2024-01-%02d\n---\nBody %d.", i, i+1, i)
	}
	dir := writeSite(t, files)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := NewWatcher(ctx, Options{SiteDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	updates := w.Subscribe()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	before := w.Current()
	page := func(s *Snapshot, path string) *Page {
		r, _ := s.Lookup(path)
		return r.Page
	}
	waitFor := func(cond func(*Snapshot) bool) *Snapshot {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			if s := w.Current(); cond(s) {
				return s
			}
			select {
			case <-updates:
			case <-deadline:
				t.Fatal("no snapshot with the change within 10s")
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	// fsnotify may need a moment before the first events are delivered.
	time.Sleep(50 * time.Millisecond)

	edited := filepath.Join(dir, "content/posts/p03/index.md")
	if err := os.WriteFile(edited, []byte("---\ntitle: Post 3 edited\ndate: 2024-01-04\n---\nNew body."), 0o644); err != nil {
		t.Fatal(err)
	}
	after := waitFor(func(s *Snapshot) bool {
		p := page(s, "/posts/p03/")
		return p != nil && p.Title == "Post 3 edited"
	})
	if after.Version <= before.Version {
		t.Errorf("version %d not after %d", after.Version, before.Version)
	}
	if page(after, "/posts/p07/") != page(before, "/posts/p07/") {
		t.Error("an untouched page was rendered again")
	}
	if page(before, "/posts/p03/").Title != "Post 3" {
		t.Error("the old snapshot changed: snapshots must be immutable")
	}

	newFile := filepath.Join(dir, "content/posts/p99/index.md")
	os.MkdirAll(filepath.Dir(newFile), 0o755)
	if err := os.WriteFile(newFile, []byte("---\ntitle: New\ndate: 2024-02-01\n---\nNew."), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(func(s *Snapshot) bool { return page(s, "/posts/p99/") != nil })

	if err := os.RemoveAll(filepath.Dir(edited)); err != nil {
		t.Fatal(err)
	}
	waitFor(func(s *Snapshot) bool { return page(s, "/posts/p03/") == nil })

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestRefResolvesOtherPages(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"hugo.toml":                "baseURL = 'https://b.example/'\n",
		"content/posts/a.md":       "---\ntitle: A\ndate: 2024-01-01\n---\nSee [B]({{< ref \"b.md\" >}}) and [C]({{< relref \"/notes/c\" >}}#part).",
		"content/posts/b.md":       "---\ntitle: B\ndate: 2024-01-02\nslug: bee\n---\nB.",
		"content/notes/c/index.md": "---\ntitle: C\ndate: 2024-01-03\n---\nC.",
		"content/posts/broken.md":  "---\ntitle: Broken\ndate: 2024-01-04\n---\n[x]({{< ref \"nope.md\" >}})",
	})
	snap := load(t, Options{SiteDir: dir})
	r, _ := snap.Lookup("/posts/a/")
	if r.Page == nil {
		t.Fatal("page a missing")
	}
	html := string(r.Page.Content())
	for _, want := range []string{`href="https://b.example/posts/bee/"`, `href="https://b.example/notes/c/#part"`} {
		if !strings.Contains(html, want) {
			t.Errorf("content lacks %s:\n%s", want, html)
		}
	}
	found := false
	for _, d := range snap.Diagnostics {
		if d.File == "content/posts/broken.md" && strings.Contains(d.Message, "nope.md") {
			found = true
		}
	}
	if !found {
		t.Errorf("no diagnostic for the unresolvable ref: %v", snap.Diagnostics)
	}
}

// TestPatchedRebuild edits only the body of a post: the rebuild patches the
// last snapshot, and every list and route must show the new version while
// the old snapshot stays as it was.
func TestPatchedRebuild(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"hugo.toml":          "baseURL = 'https://b.example/'\n",
		"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\ntags: [go]\naliases: [/old-a/]\n---\nFirst body.",
		"content/posts/b.md": "---\ntitle: B\ndate: 2024-01-02\ntags: [go]\n---\nB body.",
	})
	tb, before := newTestBuild(t, dir)
	after := tb.edit("content/posts/a.md", "---\ntitle: A\ndate: 2024-01-01\ntags: [go]\naliases: [/old-a/]\n---\nSecond body, longer.")
	r, _ := after.Lookup("/posts/a/")
	cur := r.Page
	if cur == nil || !strings.Contains(string(cur.Content()), "Second body") {
		t.Fatalf("route serves the old version: %v", cur)
	}
	old, _ := before.Lookup("/posts/a/")
	if !strings.Contains(string(old.Page.Content()), "First body") {
		t.Error("the previous snapshot changed")
	}
	lists := map[string]*Page{"home": after.DefaultSite().Home, "section": after.DefaultSite().Sections["posts"]}
	term, _ := after.Lookup("/tags/go/")
	lists["term"] = term.Page
	for name, l := range lists {
		if !slices.Contains(l.Pages, cur) || slices.Contains(l.Pages, old.Page) {
			t.Errorf("%s list does not hold the new version", name)
		}
	}
	if !slices.Contains(after.DefaultSite().Pages, cur) {
		t.Error("LangSite.Pages does not hold the new version")
	}
	if tax := after.DefaultSite().Taxonomies["tags"]; !slices.Contains(tax.Terms, term.Page) {
		t.Error("the taxonomy page lists the old term page")
	}
	if bPage, _ := after.Lookup("/posts/b/"); bPage.Page != mustLookup(t, before, "/posts/b/") {
		t.Error("an unchanged page was replaced")
	}
	if r, ok := after.Lookup("/old-a/"); !ok || r.Redirect != "https://b.example/posts/a/" {
		t.Errorf("alias lost: %+v", r)
	}
	if !slices.Contains(before.DefaultSite().Home.Pages, old.Page) {
		t.Error("the previous snapshot's home list changed")
	}
}

func mustLookup(t *testing.T, s *Snapshot, path string) *Page {
	t.Helper()
	r, ok := s.Lookup(path)
	if !ok || r.Page == nil {
		t.Fatalf("no page at %s", path)
	}
	return r.Page
}

// TestRenameKeepsListsRight renames posts: alone on its date (the rebuild
// may patch the last snapshot) and sharing its date with another post (the
// title decides the order, so the lists must be sorted again).
func TestRenameKeepsListsRight(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"hugo.toml":          "baseURL = 'https://b.example/'\n",
		"content/posts/a.md": "---\ntitle: Alpha\ndate: 2024-01-01\n---\nA.",
		"content/posts/m.md": "---\ntitle: Mike\ndate: 2024-02-01\n---\nM.",
		"content/posts/n.md": "---\ntitle: November\ndate: 2024-02-01\n---\nN.",
	})
	tb, _ := newTestBuild(t, dir)
	titles := func(s *Snapshot) []string {
		var ts []string
		for _, p := range s.DefaultSite().Home.Pages {
			ts = append(ts, p.Title)
		}
		return ts
	}
	s := tb.edit("content/posts/a.md", "---\ntitle: Aardvark\ndate: 2024-01-01\n---\nA.")
	if got := titles(s); !slices.Equal(got, []string{"Mike", "November", "Aardvark"}) {
		t.Errorf("after renaming a post alone on its date: %v", got)
	}
	if r, _ := s.Lookup("/posts/a/"); r.Page.Title != "Aardvark" {
		t.Errorf("page title %q", r.Page.Title)
	}
	s = tb.edit("content/posts/m.md", "---\ntitle: Zulu\ndate: 2024-02-01\n---\nM.")
	if got := titles(s); !slices.Equal(got, []string{"November", "Zulu", "Aardvark"}) {
		t.Errorf("after renaming a post that shares its date: %v", got)
	}
}

// TestPatchAfterPatch edits two posts of one folder in turn: each rebuild
// must serve and list the latest version of both.
func TestPatchAfterPatch(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"hugo.toml":          "baseURL = 'https://b.example/'\n",
		"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nA one.",
		"content/posts/m.md": "---\ntitle: M\ndate: 2024-02-01\n---\nM one.",
	})
	tb, _ := newTestBuild(t, dir)
	edits := []struct{ file, body, path, want string }{
		{"content/posts/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\nA two.", "/posts/a/", "A two."},
		{"content/posts/m.md", "---\ntitle: M\ndate: 2024-02-01\n---\nM two.", "/posts/m/", "M two."},
		{"content/posts/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\nA three.", "/posts/a/", "A three."},
	}
	for i, e := range edits {
		s := tb.edit(e.file, e.body)
		p := mustLookup(t, s, e.path)
		if !strings.Contains(string(p.Content()), e.want) {
			t.Errorf("edit %d: %s serves %q", i, e.path, p.Content())
		}
		if !slices.Contains(s.DefaultSite().Home.Pages, p) || !slices.Contains(s.DefaultSite().Sections["posts"].Pages, p) {
			t.Errorf("edit %d: lists do not hold the served version of %s", i, e.path)
		}
	}
}

// testBuild drives a builder the way the watcher does: a first build, then
// a rebuild after each edit.
type testBuild struct {
	t   *testing.T
	dir string
	b   *builder
}

// newTestBuild builds the site in dir and returns its first snapshot.
func newTestBuild(t *testing.T, dir string) (*testBuild, *Snapshot) {
	t.Helper()
	b, err := newBuilder(Options{SiteDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b.scanAll()
	s, err := b.build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &testBuild{t: t, dir: dir, b: b}, s
}

// edit writes body to the site-relative file and rebuilds.
func (tb *testBuild) edit(file, body string) *Snapshot {
	tb.t.Helper()
	if err := os.WriteFile(filepath.Join(tb.dir, filepath.FromSlash(file)), []byte(body), 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.b.refresh(path.Dir(file))
	s, err := tb.b.build(context.Background())
	if err != nil {
		tb.t.Fatal(err)
	}
	return s
}

// TestTranslations links the translations of a page by file name, in a
// shared content folder and in per-language ones, and by translationKey.
func TestTranslations(t *testing.T) {
	shared := writeSite(t, map[string]string{
		"hugo.toml": `baseURL = "https://blog.example/"
defaultContentLanguage = "en"
[languages.en]
weight = 1
[languages.fr]
weight = 2
`,
		"content/posts/a.md":          "---\ntitle: A\ndate: 2024-01-01\n---\nA",
		"content/posts/a.fr.md":       "---\ntitle: A fr\ndate: 2024-01-01\n---\nA",
		"content/posts/b/index.md":    "---\ntitle: B\ndate: 2024-01-02\n---\nB",
		"content/posts/b/index.fr.md": "---\ntitle: B fr\ndate: 2024-01-02\n---\nB",
		"content/posts/c.md":          "---\ntitle: C\ndate: 2024-01-03\ntranslationKey: see\n---\nC",
		"content/posts/cf.fr.md":      "---\ntitle: C fr\ndate: 2024-01-03\ntranslationKey: see\n---\nC",
		"content/posts/alone.md":      "---\ntitle: Alone\ndate: 2024-01-04\n---\nD",
	})
	perLanguage := writeSite(t, map[string]string{
		"hugo.toml": `baseURL = "https://blog.example/"
defaultContentLanguage = "en"
[languages.en]
weight = 1
contentDir = "content/en"
[languages.es]
weight = 2
contentDir = "content/es"
`,
		"content/en/posts/a.md":       "---\ntitle: A\ndate: 2024-01-01\n---\nA",
		"content/es/posts/a.md":       "---\ntitle: A es\ndate: 2024-01-01\n---\nA",
		"content/en/posts/b/index.md": "---\ntitle: B\ndate: 2024-01-02\n---\nB",
		"content/es/posts/b/index.md": "---\ntitle: B es\ndate: 2024-01-02\n---\nB",
		"content/en/posts/alone.md":   "---\ntitle: Alone\ndate: 2024-01-04\n---\nD",
	})
	tests := []struct {
		site, path string
		want       []string
	}{
		{shared, "/posts/a/", []string{"A", "A fr"}},
		{shared, "/fr/posts/a/", []string{"A", "A fr"}},
		{shared, "/fr/posts/b/", []string{"B", "B fr"}},
		{shared, "/fr/posts/cf/", []string{"C", "C fr"}},
		{shared, "/posts/alone/", nil},
		{perLanguage, "/posts/a/", []string{"A", "A es"}},
		{perLanguage, "/es/posts/b/", []string{"B", "B es"}},
		{perLanguage, "/posts/alone/", nil},
	}
	snaps := map[string]*Snapshot{}
	for _, tt := range tests {
		snap := snaps[tt.site]
		if snap == nil {
			snap = load(t, Options{SiteDir: tt.site})
			snaps[tt.site] = snap
		}
		r, ok := snap.Lookup(tt.path)
		if !ok || r.Page == nil {
			t.Errorf("no page at %s", tt.path)
			continue
		}
		var got []string
		for _, p := range snap.Translations(r.Page) {
			got = append(got, p.Title)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("translations of %s = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestPagesKeepNothingOfFileBuffers loads sites in YAML, TOML and JSON, then
// overwrites every pooled file buffer: no page may change, since files are
// read into reused buffers.
func TestPagesKeepNothingOfFileBuffers(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"hugo.toml": "baseURL = 'https://blog.example/'\ntitle = 'T'\n",
		"content/posts/yaml/index.md": "---\ntitle: \"YAML «post»\"\ndate: 2024-05-01\ntags: [kafka, flink]\nparams:\n  note: kept\naliases: [/old/yaml/]\nimages: [lead.jpg]\n---\n" +
			"Lead with a [link](other/) and ![the alt](lead.jpg \"a title\").\n\n<!--more-->\n\n## A heading\n\n{{< x user=\"someone\" id=\"123\" >}}\n",
		"content/posts/yaml/lead.jpg": "not really a JPEG",
		"content/posts/toml.md":       "+++\ntitle = 'TOML post'\ndate = 2024-05-02T10:00:00Z\ncategories = ['talks']\ndescription = 'Said in TOML'\n[params]\nmood = 'calm'\n+++\nBody of the TOML post, with jo@example.com and https://kafka.apache.org.\n",
		"content/posts/json.md":       "{\n\"title\": \"JSON post\",\n\"date\": \"2024-05-03\",\n\"summary\": \"A *summary* in front matter\",\n\"slug\": \"from-json\"\n}\nThe JSON body --- with a dash.\n",
	})
	describe := func(snap *Snapshot) string {
		var b strings.Builder
		for _, p := range snap.RegularPages() {
			fmt.Fprintf(&b, "%s|%s|%s|%s|%v|%v|%v|%v|%s|%s|%s|%v|%v\n", p.File, p.Title, p.Description, p.Slug, p.Date, p.Taxonomies,
				p.Params, p.Aliases, p.Summary, p.SummaryText, p.Content(), p.Images(), p.Resources)
		}
		return b.String()
	}
	snap := load(t, Options{SiteDir: dir})
	if n := len(snap.RegularPages()); n != 3 {
		t.Fatalf("%d pages, want 3", n)
	}
	before := describe(snap)
	var held []*[]byte
	for {
		p, ok := fileBuffers.Get().(*[]byte)
		if !ok {
			break
		}
		b := (*p)[:cap(*p)]
		for i := range b {
			b[i] = '#'
		}
		held = append(held, p)
	}
	if len(held) == 0 {
		t.Log("no file buffer was pooled; nothing was overwritten")
	}
	if after := describe(snap); after != before {
		t.Errorf("pages changed when file buffers were reused:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
