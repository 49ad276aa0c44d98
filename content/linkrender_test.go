package content

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// TestURLRendererMatchesGoldmark renders links, autolinks and images, safe
// and dangerous, with the site's renderer and with goldmark's own, and wants
// the same HTML.
func TestURLRendererMatchesGoldmark(t *testing.T) {
	urls := []string{
		"https://example.com/a?b=c&d=e", "post/", "../up.png", "#frag", "mailto:a@example.com",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "javascript&colon;alert(1)", "java&#115;cript:x", "java&#x73;cript:x", `javascript\:x`, "jav&amp;ascript:x",
		"vbscript:x", "VBScript:x", "file:///etc/passwd", "FILE:x", "data:text/html,<b>", "DATA:x",
		"data:image/png;base64,AAAA", "data:image/PNG;base64,AAAA", "data:IMAGE/gif;x", "data:image/jpeg;x",
		"data:image/webp;x", "data:image/png", "data:image/pngx", "data:image/svg+xml;x", "data:image/", "data:ima", "javascript", "jav",
		"\u212Aavascript:x", "%6Aavascript:x", "https://example.com/ü ñ", "",
	}
	var src strings.Builder
	for _, u := range urls {
		src.WriteString("[link](<" + u + "> \"t\") ![alt *em* `c`](<" + u + ">) <" + u + ">\n\n")
	}
	src.WriteString("www.example.com and a@example.com and javascript:alert(1) linkified\n")
	for _, xhtml := range []bool{false, true} {
		cfg := GoldmarkConfig{Linkify: true, Typographer: true, XHTML: xhtml}
		var opts []goldmark.Option
		if xhtml {
			opts = append(opts, goldmark.WithRendererOptions(gmhtml.WithXHTML()))
		}
		ref := goldmark.New(append(opts, goldmark.WithExtensions(extension.Linkify, extension.Typographer))...)
		var want bytes.Buffer
		if err := ref.Convert([]byte(src.String()), &want); err != nil {
			t.Fatal(err)
		}
		got, _, err := newMarkdown(cfg, newHighlighter(hugoHighlight())).render([]byte(src.String()), nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
			gl, wl := strings.Split(string(got), "\n"), strings.Split(want.String(), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Errorf("xhtml=%v: line %d\n got %s\nwant %s", xhtml, i+1, gl[i], wl[i])
				}
			}
			if len(gl) != len(wl) {
				t.Errorf("xhtml=%v: %d lines, want %d", xhtml, len(gl), len(wl))
			}
		}
	}
}

func TestIsDangerousURL(t *testing.T) {
	for _, u := range []string{
		"javascript:x", "JAVASCRIPT:x", "vbscript:", "file:", "data:", "data:text/plain",
		"data:image/svg+xml", "data:image/", "data:image/pn", "https://a", "", "java", "data:image/png",
		"data:image/png;", "Data:Image/WebP;x", "data:image/gif;", "data:image/jpeg;", "data:image/jpg;", "\u212Aavascript:x",
	} {
		if got, want := isDangerousURL([]byte(u)), gmhtml.IsDangerousURL([]byte(u)); got != want {
			t.Errorf("isDangerousURL(%q) = %v, goldmark says %v", u, got, want)
		}
	}
}
