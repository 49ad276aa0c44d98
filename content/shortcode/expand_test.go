package shortcode

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// render expands src, renders the Markdown with goldmark and restores the
// shortcode output, as the content package does.
func render(t testing.TB, e *Engine, src string, firstLine int) (string, Result) {
	t.Helper()
	r := e.Expand([]byte(src), firstLine, testPage(), testSite(), testEnv())
	var buf bytes.Buffer
	if err := testMarkdown().Convert(r.Markdown, &buf); err != nil {
		t.Fatal(err)
	}
	return string(r.Restore(buf.Bytes())), r
}

func TestExpandRendering(t *testing.T) {
	e := mustEngine(t, "testdata/layouts")
	tests := []struct {
		name     string
		src      string
		want     string
		problems []string
	}{
		{
			name: "block output alone in a paragraph replaces the paragraph",
			src:  "Intro.\n\n{{< figure src=\"a.jpg\" >}}\n\nOutro.",
			want: "<p>Intro.</p>\n<figure><img src=\"a.jpg\"></figure>\n<p>Outro.</p>\n",
		},
		{
			name: "inline output stays in its paragraph",
			src:  "See {{< sub/badge label=\"new\" >}} here.",
			want: "<p>See <span class=\"badge\">NEW</span>\n here.</p>\n",
		},
		{
			name: "output of {{< >}} is not Markdown",
			src:  "{{< args \"*not emphasis*\" >}}",
			want: "positional: *not emphasis*(string)\n",
		},
		{
			name: "output of {{% %}} is Markdown",
			src:  "{{% md \"Note\" %}}inner *x*{{% /md %}}",
			want: "<p><strong>Note</strong>: inner <em>x</em></p>\n",
		},
		{
			name: "inner of a nested {{% %}} call is rendered as Markdown",
			src:  "{{< box >}}{{% md \"N\" %}}*x*{{% /md %}}{{< /box >}}",
			want: "<div class=\"box\" data-ordinal=\"0\">**N**: <em>x</em>\n</div>\n\n",
		},
		{
			name: "shortcodes inside fenced code are expanded, escaped ones shown",
			src:  "```\n{{< param author >}}\n{{</* param author */>}}\n```",
			want: "<pre><code>Jorge\n{{&lt; param author &gt;}}\n</code></pre>\n",
		},
		{
			name: "placeholder in a heading id becomes the output's text",
			src:  "## Talk {{< sub/badge label=\"new\" >}}",
			want: "<h2 id=\"talk-new\">Talk <span class=\"badge\">NEW</span>\n</h2>\n",
		},
		{
			name: "text that looks like a placeholder is left alone",
			src:  "BBSHORTCODE0000X bbshortcode0000x {{< param author >}}",
			want: "<p>BBSHORTCODE0000X bbshortcode0000x Jorge</p>\n",
		},
		{
			name:     "unknown shortcode is shown escaped; the rest renders",
			src:      "a\n\n{{< nope x=\"<b>\" >}}\n\n*b*",
			want:     "<p>a</p>\n<code class=\"shortcode-error\" title=\"template for shortcode &#34;nope&#34; not found\">{{&lt; nope x=&#34;&lt;b&gt;&#34; &gt;}}</code>\n<p><em>b</em></p>\n",
			problems: []string{`3: template for shortcode "nope" not found`},
		},
		{
			name:     "unknown paired shortcode: both tags shown, inner rendered, one problem",
			src:      "{{< nope >}}*x*{{< /nope >}}",
			want:     "<p><code class=\"shortcode-error\" title=\"template for shortcode &#34;nope&#34; not found\">{{&lt; nope &gt;}}</code><em>x</em><code class=\"shortcode-error\">{{&lt; /nope &gt;}}</code></p>\n",
			problems: []string{`1: template for shortcode "nope" not found`},
		},
		{
			name:     "unclosed paired shortcode is shown marked and the rest follows",
			src:      "{{< details summary=\"S\" >}}\n\nafter *x*",
			want:     "<code class=\"shortcode-error\" title=\"shortcode &#34;details&#34; must be closed or self-closed\">{{&lt; details summary=&#34;S&#34; &gt;}}</code>\n<p>after <em>x</em></p>\n",
			problems: []string{`1: shortcode "details" must be closed or self-closed`},
		},
		{
			name:     "mismatched closing tag",
			src:      "{{< details >}}\nin\n{{< /note >}}\n{{< /details >}}",
			want:     "<details>\n<summary>Details</summary>\n<p>in\n<code class=\"shortcode-error\" title=\"closing tag for shortcode &#34;note&#34; does not match any open shortcode\">{{&lt; /note &gt;}}</code></p>\n</details>\n",
			problems: []string{`3: closing tag for shortcode "note" does not match any open shortcode`},
		},
		{
			name:     "closing an outer call closes the inner unclosed one",
			src:      "{{< details >}}{{< note >}}x{{< /details >}}",
			want:     "<details>\n<summary>Details</summary>\n<p><code class=\"shortcode-error\" title=\"shortcode &#34;note&#34; must be closed or self-closed\">{{&lt; note &gt;}}</code>x</p>\n</details>\n",
			problems: []string{`1: shortcode "note" must be closed or self-closed`},
		},
		{
			name:     "closing tag for a shortcode without inner content",
			src:      "{{< figure src=\"a.jpg\" >}}caption{{< /figure >}}",
			want:     "<p><figure><img src=\"a.jpg\"></figure>caption<code class=\"shortcode-error\" title=\"shortcode &#34;figure&#34; does not evaluate .Inner or .InnerDeindent, yet a closing tag was provided\">{{&lt; /figure &gt;}}</code></p>\n",
			problems: []string{`1: shortcode "figure" does not evaluate .Inner or .InnerDeindent, yet a closing tag was provided`},
		},
		{
			name:     "malformed tag",
			src:      "x {{< figure src=\"a.jpg >}} y",
			want:     "<p>x <code class=\"shortcode-error\" title=\"unterminated quoted string in shortcode parameter\">{{&lt; figure src=&#34;a.jpg &gt;}}</code> y</p>\n",
			problems: []string{`1: unterminated quoted string in shortcode parameter`},
		},
		{
			name:     "opening delimiter without end",
			src:      "x {{< figure",
			want:     "<p>x <code class=\"shortcode-error\" title=\"unclosed shortcode: no &gt;}}\">{{&lt;</code> figure</p>\n",
			problems: []string{`1: unclosed shortcode: no >}}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := render(t, e, tt.src, 1)
			if got != tt.want {
				t.Errorf("html:\ngot:  %q\nwant: %q", got, tt.want)
			}
			if probs := problems(r.Problems); !equalStrings(probs, tt.problems) {
				t.Errorf("problems:\ngot:  %q\nwant: %q", probs, tt.problems)
			}
		})
	}
}

func TestExpandLines(t *testing.T) {
	e := mustEngine(t, "testdata/layouts")
	src := "para\n\n{{< nope >}}\n\n```\n{{< figure >}}\n```\n{{< details\n  summary=\"x\" >}}\n\n{{< x user=\"a\" >}}"
	r := e.Expand([]byte(src), 20, testPage(), testSite(), testEnv())
	want := []string{
		`22: template for shortcode "nope" not found`,
		`25: shortcode "figure": figure needs a src`,
		`27: shortcode "details" must be closed or self-closed`,
		`30: shortcode "x": the "x" shortcode requires two named parameters: user and id`,
	}
	if got := problems(r.Problems); !equalStrings(got, want) {
		t.Errorf("problems:\ngot:  %q\nwant: %q", got, want)
	}
	if !equalStrings(r.Used, []string{"figure", "x"}) {
		t.Errorf("Used = %q", r.Used)
	}
}

func TestExpandWithoutShortcodes(t *testing.T) {
	e := mustEngine(t)
	body := []byte("# Title\n\n{{ .NotAShortcode }} text")
	r := e.Expand(body, 1, nil, nil, Env{})
	if &r.Markdown[0] != &body[0] || len(r.Problems) > 0 || len(r.Used) > 0 {
		t.Errorf("Expand changed a body without shortcodes: %+v", r)
	}
	html := []byte("<p>x</p>")
	if got := r.Restore(html); !bytes.Equal(got, html) {
		t.Errorf("Restore = %q", got)
	}
}

func TestExpandNilPageAndSite(t *testing.T) {
	e := mustEngine(t, "testdata/layouts")
	r := e.Expand([]byte("{{< pageinfo >}}{{< param x >}}{{< figure src=\"a.jpg\" >}}"), 1, nil, nil, Env{})
	got := string(r.Restore(r.Markdown))
	if !strings.Contains(got, "<figure><img src=\"a.jpg\"></figure>") || len(r.Problems) != 1 {
		t.Errorf("got %q %v", got, r.Problems)
	}
}

func TestExpandLimits(t *testing.T) {
	e := mustEngine(t, "testdata/layouts")
	t.Run("nesting depth", func(t *testing.T) {
		src := strings.Repeat("{{< box >}}", 40) + "x" + strings.Repeat("{{< /box >}}", 40)
		got, probs := inline(e, src, testPage(), testEnv())
		if len(probs) != 8 || probs[0] != `1: shortcode "box" is nested deeper than 32 shortcodes` {
			t.Errorf("problems: %q", probs)
		}
		if strings.Count(got, `<div class="box"`) != 32 || !strings.Contains(got, "x") {
			t.Errorf("output: %s", got)
		}
	})
	t.Run("page output", func(t *testing.T) {
		src := strings.Repeat("{{< highlight >}}"+strings.Repeat("a", 900_000)+"{{< /highlight >}}\n", 12)
		r := e.Expand([]byte(src), 1, testPage(), testSite(), Env{})
		probs := problems(r.Problems)
		if len(probs) != 1 || !strings.Contains(probs[0], "exceeds 8388608 bytes") {
			t.Errorf("problems: %q", probs)
		}
		if r.size > maxPageOutput+2_000_000 {
			t.Errorf("output size %d", r.size)
		}
	})
}

// TestRestoreToken checks placeholders next to text and malformed ones.
func TestRestoreToken(t *testing.T) {
	r := Result{prefix: "BBSHORTCODE", outputs: []string{"<i>A b</i>", "<B>"}}
	tests := []struct{ in, want string }{
		{"xBBSHORTCODE0000Xy", "x<i>A b</i>y"},
		{"<p>BBSHORTCODE0001X</p>\n", "<B>\n"},
		{"<p>BBSHORTCODE0001X and</p>", "<p><B> and</p>"},
		{"BBSHORTCODE0000XBBSHORTCODE0001X", "<i>A b</i><B>"},
		{"<p>BBSHORTCODE0000X</p>BBSHORTCODE0001X</p>", "<i>A b</i><B></p>"},
		{"BBSHORTCODE0002X BBSHORTCODEX BBSHORTCODE00", "BBSHORTCODE0002X BBSHORTCODEX BBSHORTCODE00"},
		{`<h2 id="x-bbshortcode0000x">`, `<h2 id="x-a-b">`},
	}
	for _, tt := range tests {
		if got := string(r.Restore([]byte(tt.in))); got != tt.want {
			t.Errorf("Restore(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPlaceholderPrefix(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{"plain", "BBSHORTCODE"},
		{"has BBSHORTCODE in it", "BBSHORTCODEQ"},
		{"has bbshortcode and BBSHORTCODEQ", "BBSHORTCODEQQ"},
	} {
		if got := placeholderPrefix([]byte(tt.body)); got != tt.want {
			t.Errorf("placeholderPrefix(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func ExampleEngine_Expand() {
	e, _ := New(nil)
	r := e.Expand([]byte("Look:\n\n{{< x user=\"jeqo89\" id=\"1770087702978757098\" >}}\n"), 1, nil, nil, Env{})
	html := []byte("<p>Look:</p>\n<p>" + strings.TrimSpace(string(r.Markdown[7:])) + "</p>\n")
	fmt.Print(string(r.Restore(html)))
	// Output:
	// <p>Look:</p>
	// <blockquote class="twitter-tweet"><p><a href="https://x.com/jeqo89/status/1770087702978757098">Post by @jeqo89 on X</a></p></blockquote>
}
