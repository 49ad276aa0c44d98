package shortcode

import (
	"bytes"
	"strings"
	"testing"
)

// BenchmarkExpand expands the seed post: 7 KB with four twitter calls.
func BenchmarkExpand(b *testing.B) {
	body, line := readSeed(b)
	e := mustEngine(b, "testdata/layouts")
	page, site, env := testPage(), testSite(), testEnv()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := e.Expand(body, line, page, site, env)
		if len(r.outputs) != 4 || len(r.Problems) > 0 {
			b.Fatalf("outputs %d, problems %v", len(r.outputs), r.Problems)
		}
	}
}

// BenchmarkExpandTemplates expands the seed post with its calls replaced
// by template shortcodes.
func BenchmarkExpandTemplates(b *testing.B) {
	body, line := readSeed(b)
	body = bytes.ReplaceAll(body, []byte("{{< twitter "), []byte("{{< sub/badge label=\"x\" "))
	e := mustEngine(b, "testdata/layouts")
	page, site, env := testPage(), testSite(), testEnv()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := e.Expand(body, line, page, site, env)
		if len(r.outputs) != 4 || len(r.Problems) > 0 {
			b.Fatalf("outputs %d, problems %v", len(r.outputs), r.Problems)
		}
	}
}

// BenchmarkRestore restores the four placeholders of the seed post.
func BenchmarkRestore(b *testing.B) {
	body, line := readSeed(b)
	e := mustEngine(b, "testdata/layouts")
	r := e.Expand(body, line, testPage(), testSite(), testEnv())
	var html strings.Builder
	if err := testMarkdown().Convert(r.Markdown, &html); err != nil {
		b.Fatal(err)
	}
	h := []byte(html.String())
	b.ReportAllocs()
	for b.Loop() {
		r.Restore(h)
	}
}
