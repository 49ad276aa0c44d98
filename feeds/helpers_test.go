package feeds

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blogbridge/blogbridge/content"
)

// exampleSite is the site bundled with the repository.
const exampleSite = "../example"

// seedPost is the real conference write-up shared with the project; it
// sits in ../shared beside the repository and may be absent.
const seedPost = "../../shared/seed/kafka-summit-london-2024"

// load reads the site at dir once.
func load(t testing.TB, dir string) *content.Snapshot {
	t.Helper()
	snap, err := content.Load(context.Background(), content.Options{SiteDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Errors(); len(errs) > 0 {
		t.Fatalf("site %s has errors: %v", dir, errs)
	}
	return snap
}

// fixed returns a snapshot function that always returns snap.
func fixed(snap *content.Snapshot) func() *content.Snapshot {
	return func() *content.Snapshot { return snap }
}

// copyTree copies the regular files below src into dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// seedSite writes a site holding only the seed post, as a Hugo user would
// keep it, and returns its folder; it skips the test when the seed post is
// not there.
func seedSite(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(seedPost); err != nil {
		t.Skipf("seed post not found at %s (it sits in ../shared beside the repository): %v", seedPost, err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hugo.toml"), []byte("baseURL = 'https://blog.example/'\ntitle = 'Seed'\n[params.author]\nname = 'Seed Author'\n"), 0o644)
	copyTree(t, seedPost, filepath.Join(dir, "content", "posts", filepath.Base(seedPost)))
	return dir
}

// get requests path from h with the given header lines ("Name: value").
func get(t testing.TB, h http.Handler, method, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for _, line := range header {
		name, value, _ := strings.Cut(line, ":")
		r.Header.Add(name, strings.TrimSpace(value))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func readBody(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// notFound is the handler Feeds wraps in tests: it answers 404 and says so.
func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Next", "yes")
		http.NotFound(w, r)
	})
}

// allFeeds returns every feed path of snap, as Feeds serves them.
func allFeeds(f *Feeds, snap *content.Snapshot) []string {
	return f.indexFor(snap).paths
}

func mustRead(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t testing.TB, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// awkwardSite writes a site whose post has what trips feed writers: markup
// characters and a control character in the title and text, a CDATA end
// marker, raw HTML, non-ASCII terms with spaces, several authors and a
// static lead image.
func awkwardSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"hugo.toml": "baseURL = 'https://blog.example/'\ntitle = 'Awkward <&> \"site\"'\n" +
			"[markup.goldmark.renderer]\nunsafe = true\n",
		"static/img/lead.png": "not really a png, but a file of known size",
		"content/posts/awkward.md": "---\ntitle: \"Q&A: <b>bold</b> \\\"quotes\\\" ]]> and \\f form feed\"\n" +
			"date: 2025-03-01T10:00:00+05:30\nlastmod: 2025-04-01T10:00:00Z\n" +
			"authors: [\"Ana Núñez\", \"Bo Li\"]\ntags: [\"café au lait\", \"c++\", \"ÜBER\"]\ncategories: [\"misc\"]\n" +
			"images: [\"/img/lead.png\"]\n---\n\n" +
			"Text with ]]> inside, a form feed \f here, <em>raw html</em> & an ampersand.\n\n<!--more-->\n\n" +
			"<span title=\"a]]>b\">an attribute that ends CDATA</span>\n\n" +
			"```go\nif a < b && c > d { fmt.Println(\"]]>\") }\n```\n\n[a relative link](../other/)\n",
		"content/posts/plain.md": "---\ntitle: Plain\ndate: 2025-01-01\n---\n\nNothing special.\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, data)
	}
	return dir
}
