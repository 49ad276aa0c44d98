package shortcode

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// testMarkdown renders Markdown as a site with raw HTML allowed and
// automatic heading ids would.
func testMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
	)
}

// testEnv returns an Env with a real Markdown renderer, a highlighter that
// shows what it was given, and a small page index.
func testEnv() Env {
	md := testMarkdown()
	pages := map[string]string{"posts/other.md": "/posts/other/", "/about.md": "/about/"}
	return Env{
		Markdownify: func(src string) (string, error) {
			var b bytes.Buffer
			err := md.Convert([]byte(src), &b)
			return b.String(), err
		},
		Highlight: func(code, lang, opts string) (string, error) {
			if lang == "fail" {
				return "", errors.New("no lexer for fail")
			}
			return fmt.Sprintf("<pre data-lang=%q data-opts=%q>%s</pre>", lang, opts, html.EscapeString(code)), nil
		},
		Ref: func(ref string, relative bool) (string, error) {
			target, frag, _ := strings.Cut(ref, "#")
			u, ok := pages[target]
			if !ok {
				return "", fmt.Errorf("ref %q: no such page", ref)
			}
			if frag != "" {
				u += "#" + frag
			}
			if !relative {
				u = "https://example.org" + u
			}
			return u, nil
		},
	}
}

func testPage() *Page {
	return &Page{
		File:         "content/posts/kafka/index.md",
		Title:        "Kafka Summit",
		Permalink:    "https://example.org/posts/kafka/",
		RelPermalink: "/posts/kafka/",
		Lang:         "en",
		Section:      "posts",
		Kind:         "page",
		Date:         time.Date(2024, 3, 24, 10, 0, 0, 0, time.UTC),
		Lastmod:      time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC),
		Params: map[string]any{
			"author": "Jorge",
			"color":  "red",
			"social": map[string]any{"mastodon": "@jeqo@example.social"},
			"count":  3,
		},
		Resources: []string{"keynote-1.jpg", "img/a.jpg", "img/b.jpg", "notes.txt"},
	}
}

func testSite() *Site {
	return &Site{
		Title:        "Jeqo's blog",
		BaseURL:      "https://example.org/",
		LanguageCode: "en-us",
		Params:       map[string]any{"color": "blue", "sitewide": "yes", "nested": map[string]any{"Key": "deep"}},
	}
}

// problems formats problems for comparison.
func problems(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		s := p.String()
		if p.Warning {
			s += " [warning]"
		}
		out = append(out, s)
	}
	return out
}

// inline expands src and puts every output back in place of its
// placeholder, without any Markdown rendering in between.
func inline(e *Engine, src string, page *Page, env Env) (string, []string) {
	r := e.Expand([]byte(src), 1, page, testSite(), env)
	return string(r.Restore(r.Markdown)), problems(r.Problems)
}

func mustEngine(t testing.TB, dirs ...string) *Engine {
	t.Helper()
	e, probs := New(dirs)
	if len(probs) > 0 {
		t.Fatalf("New(%v): %v", dirs, probs)
	}
	return e
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

// seedPost is the real conference write-up kept in ../shared beside the
// repository.
const seedPost = "../../../shared/seed/kafka-summit-london-2024/index.md"

// readSeed returns the body of the seed post, without its front matter,
// and the line the body starts on. The test skips when the seed post is not
// there.
func readSeed(t testing.TB) ([]byte, int) {
	t.Helper()
	src, err := os.ReadFile(seedPost)
	if err != nil {
		t.Skipf("seed post not found at %s (it sits in ../shared beside the repository): %v", seedPost, err)
	}
	end := bytes.Index(src[3:], []byte("\n---\n")) + 3 + len("\n---\n")
	return src[end:], bytes.Count(src[:end], []byte("\n")) + 1
}
