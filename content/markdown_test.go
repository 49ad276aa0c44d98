package content

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// hugoGoldmark is Hugo's default goldmark configuration.
func hugoGoldmark() GoldmarkConfig {
	return GoldmarkConfig{
		Typographer: true, Footnote: true, DefinitionList: true, Table: true,
		Strikethrough: true, Linkify: true, LinkifyProtocol: "https", TaskList: true, AutoHeadingID: true,
		AutoHeadingIDType: "github",
	}
}

func hugoHighlight() HighlightConfig {
	return HighlightConfig{Style: "monokai", NoClasses: true, CodeFences: true, TabWidth: 4}
}

func TestMarkdownRender(t *testing.T) {
	base, _ := url.Parse("https://blog.example/posts/kafka/")
	tests := []struct {
		name    string
		cfg     func(*GoldmarkConfig)
		src     string
		want    []string // substrings of the HTML
		notWant []string
	}{
		{name: "em dash", src: "Kafka---and Flink -- both.", want: []string{"Kafka&mdash;and Flink &ndash; both."}},
		{name: "curly quotes", src: `He said "hello".`, want: []string{"&ldquo;hello&rdquo;"}},
		{name: "heading id github style", src: "## Keynote by Confluent!\n\n## Keynote by Confluent!", want: []string{`<h2 id="keynote-by-confluent">`, `<h2 id="keynote-by-confluent-1">`}},
		{name: "table", src: "| a | b |\n|---|---|\n| 1 | 2 |", want: []string{"<table>", "<td>1</td>"}},
		{name: "strikethrough", src: "~~gone~~", want: []string{"<del>gone</del>"}},
		{name: "task list", src: "- [x] done\n- [ ] todo", want: []string{`type="checkbox"`, "checked"}},
		{name: "footnote", src: "Text[^1].\n\n[^1]: The note.", want: []string{`class="footnotes"`, "The note."}},
		{name: "definition list", src: "Term\n: Definition", want: []string{"<dl>", "<dt>Term</dt>", "<dd>Definition</dd>"}},
		{name: "linkify", src: "See https://kafka.apache.org now", want: []string{`<a href="https://kafka.apache.org">`}},
		{name: "linkify www gets https", src: "See www.example.com and http://plain.example", want: []string{`<a href="https://www.example.com">www.example.com</a>`, `<a href="http://plain.example">`}},
		{name: "linkify protocol http", cfg: func(c *GoldmarkConfig) { c.LinkifyProtocol = "http" }, src: "See www.example.com", want: []string{`<a href="http://www.example.com">`}},
		{name: "relative image absolute", src: "![Roadmap](keynote-1.jpg)", want: []string{`src="https://blog.example/posts/kafka/keynote-1.jpg"`, `alt="Roadmap"`}},
		{name: "root-relative link absolute", src: "[about](/about/)", want: []string{`href="https://blog.example/about/"`}},
		{name: "parent link absolute", src: "[up](../other/)", want: []string{`href="https://blog.example/posts/other/"`}},
		{name: "absolute link kept", src: "[x](https://x.com/a)", want: []string{`href="https://x.com/a"`}},
		{name: "fragment kept", src: "[top](#top)", want: []string{`href="#top"`}},
		{name: "raw html omitted by default", src: "<script>alert(1)</script>\n\nok", want: []string{"raw HTML omitted"}, notWant: []string{"<script>"}},
		{name: "raw html when unsafe", cfg: func(c *GoldmarkConfig) { c.Unsafe = true }, src: "<div class=\"x\">hi</div>", want: []string{`<div class="x">hi</div>`}},
		{name: "typographer off", cfg: func(c *GoldmarkConfig) { c.Typographer = false }, src: "a---b", want: []string{"a---b"}},
		{name: "go code highlighted", src: "```go\nfunc main() {}\n```", want: []string{`<div class="highlight"><pre tabindex="0" style=`, `<code class="language-go" data-lang="go">`, "func"}},
		{name: "unknown language escaped", src: "```nosuchlang\n<b>\n```", want: []string{`<pre><code class="language-nosuchlang" data-lang="nosuchlang">&lt;b&gt;`}},
		{name: "fence options", src: "```go {linenos=table,hl_lines=[1]}\nx := 1\n```", want: []string{"<table"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := hugoGoldmark()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			md := newMarkdown(cfg, newHighlighter(hugoHighlight()))
			out, _, err := md.render([]byte(tt.src), base)
			if err != nil {
				t.Fatal(err)
			}
			h := string(out)
			for _, w := range tt.want {
				if !strings.Contains(h, w) {
					t.Errorf("output lacks %q:\n%s", w, h)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(h, w) {
					t.Errorf("output has %q:\n%s", w, h)
				}
			}
		})
	}
}

func TestMarkdownCollectsImagesAndWords(t *testing.T) {
	base, _ := url.Parse("https://blog.example/posts/kafka/")
	md := newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))
	_, res, err := md.render([]byte("One two three.\n\n![DBZ *history*](dbz-1.jpg \"Slide\")\n\nFour five\nsix."), base)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.images) != 1 {
		t.Fatalf("images = %+v, want one", res.images)
	}
	img := res.images[0]
	if img.url != "dbz-1.jpg" || img.alt != "DBZ history" || img.title != "Slide" {
		t.Errorf("image = %+v", img)
	}
	if res.words != 8 {
		t.Errorf("words = %d, want 8", res.words)
	}
}

func TestAnchorize(t *testing.T) {
	tests := []struct{ in, kind, want string }{
		{"Hello World", "github", "hello-world"},
		{"Kafka Streams: state (v2)!", "github", "kafka-streams-state-v2"},
		{"Résumé café", "github", "résumé-café"},
		{"Résumé café", "github-ascii", "resume-cafe"},
		{"snake_case-and-dash", "github", "snake_case-and-dash"},
		{"Hello,  World!", "blackfriday", "hello-world"},
		{"Tabs\tand\nNEWLINES, 42 `code` & <b>", "github", "tabs-and-newlines-42-code--b"},
		{"ÜBER Ωmega Δ10 日本", "github", "über-ωmega-δ10-日本"},
		{"ÜBER Ωmega Δ10 日本", "github-ascii", "uber-mega-10-"},
		{"  Kafka---Flink  ", "github", "kafka---flink"},
	}
	for _, tt := range tests {
		if got := anchorize(tt.in, tt.kind); got != tt.want {
			t.Errorf("anchorize(%q, %s) = %q, want %q", tt.in, tt.kind, got, tt.want)
		}
	}
}

func TestMarkDivider(t *testing.T) {
	const src = "Lead.\n<!--more-->\nRest <!--more--> again."
	const want = "Lead.\n\n\n" + dividerToken + "\n\n\nRest <!--more--> again."
	for _, room := range []int{0, dividerGrowth - 1, dividerGrowth, 100} {
		b := append(make([]byte, 0, len(src)+room), src...)
		got, ok := markDivider(b)
		if !ok || string(got) != want {
			t.Errorf("with room for %d more bytes: %q, %v; want %q", room, got, ok, want)
		}
		if inPlace := &got[0] == &b[0]; inPlace != (room >= dividerGrowth) {
			t.Errorf("with room for %d more bytes: written in place %v", room, inPlace)
		}
	}
	if got, ok := markDivider([]byte("no divider")); ok || string(got) != "no divider" {
		t.Errorf("no divider: %q, %v", got, ok)
	}
}

func TestSummaries(t *testing.T) {
	t.Run("divider", func(t *testing.T) {
		src, ok := markDivider([]byte("Lead paragraph.\n<!--more-->\nRest."))
		if !ok {
			t.Fatal("divider not found")
		}
		md := newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))
		h, _, _ := md.render(src, nil)
		summary, before, after := cutDivider(h)
		if string(summary) != "<p>Lead paragraph.</p>\n" {
			t.Errorf("summary = %q", summary)
		}
		content := string(before) + string(after)
		if strings.Contains(content, dividerToken) || content != "<p>Lead paragraph.</p>\n<p>Rest.</p>\n" {
			t.Errorf("content = %q", content)
		}
	})
	t.Run("divider inside a list", func(t *testing.T) {
		src, _ := markDivider([]byte("- one <!--more--> two\n- three"))
		md := newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))
		h, _, _ := md.render(src, nil)
		summary, before, after := cutDivider(h)
		if content := string(before) + string(after); strings.Contains(content, dividerToken) {
			t.Errorf("content shows the divider: %q", content)
		}
		if string(summary) != "<ul>\n<li>one</li>\n</ul>\n" {
			t.Errorf("summary = %q, want the list item before the divider, closed", summary)
		}
	})
	t.Run("auto summary keeps whole paragraphs", func(t *testing.T) {
		h := []byte("<p>one two three</p>\n<p>four <em>five</em> six</p>\n<p>seven</p>\n")
		got, truncated := autoSummary(h, 4)
		if string(got) != "<p>one two three</p>\n<p>four <em>five</em> six</p>" || !truncated {
			t.Errorf("autoSummary = %q, %v", got, truncated)
		}
		got, truncated = autoSummary(h, 100)
		if string(got) != string(h) || truncated {
			t.Errorf("autoSummary of short content = %q, %v", got, truncated)
		}
	})
	t.Run("plain text", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"<p>Kafka &amp; <em>Flink</em></p>\n<p>second\n  line</p><script>x()</script>", "Kafka & Flink second line"},
			{`<p>a<a href="x" title="1 > 0">link</a>b</p><p>c</p>`, "alinkb c"},
			{"<style>p{}</style><h2 id=\"x\">Head</h2><ul><li>one</li><li>two</li></ul>", "Head one two"},
			{"<!-- raw HTML omitted --><p>&lt;tag&gt; &#39;q&#39;</p>", "<tag> 'q'"},
		}
		for _, tt := range tests {
			if got := htmlToText([]byte(tt.in)); got != tt.want {
				t.Errorf("htmlToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	})
}

func TestAbsolutizeHTML(t *testing.T) {
	base, _ := url.Parse("https://blog.example/posts/kafka/")
	out, imgs := absolutizeHTML([]byte(`<figure><img src="a.jpg" alt="A &amp; B" width="10" height="20" srcset="a.jpg 1x, /b.jpg 2x"><a href="../x/">x</a><a href="https://o.example/">o</a></figure>`), base)
	h := string(out)
	for _, w := range []string{
		`src="https://blog.example/posts/kafka/a.jpg"`,
		`srcset="https://blog.example/posts/kafka/a.jpg 1x, https://blog.example/b.jpg 2x"`,
		`href="https://blog.example/posts/x/"`,
		`href="https://o.example/"`,
	} {
		if !strings.Contains(h, w) {
			t.Errorf("output lacks %q:\n%s", w, h)
		}
	}
	if len(imgs) != 1 || imgs[0].alt != "A & B" || imgs[0].width != 10 || imgs[0].height != 20 {
		t.Errorf("images = %+v", imgs)
	}
}

func TestMayNeedRewrite(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`<blockquote><a href="https://x.com/a/status/1">Post</a></blockquote>`, false},
		{`<p>a = b</p>`, false},
		{`<a href="/rel">x</a>`, true},
		{`<a HREF='other.html'>x</a>`, true},
		{`<img src="https://o.example/a.jpg">`, true}, // images are collected
		{`<video poster=still.jpg>`, true},
		{`<a href="#top">top</a><a href="mailto:a@b">m</a>`, false},
	}
	for _, tt := range tests {
		if got := mayNeedRewrite([]byte(tt.in)); got != tt.want {
			t.Errorf("mayNeedRewrite(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPackedHTML(t *testing.T) {
	for _, parts := range [][][]byte{
		nil,
		{[]byte("<p>one</p>")},
		{[]byte("<p>before</p>"), []byte("<p>after</p>")},
		{[]byte(strings.Repeat("<p>long and repetitive</p>\n", 2000))},
	} {
		var want string
		for _, p := range parts {
			want += string(p)
		}
		if got := packHTML(parts...).String(); got != want {
			t.Errorf("packHTML round trip lost data: got %d bytes, want %d", len(got), len(want))
		}
	}
}

func TestCountWords(t *testing.T) {
	tests := []struct {
		in     string
		inWord bool
		want   int
		after  bool
	}{
		{"", false, 0, false},
		{"", true, 0, true},
		{"one", false, 1, true},
		{"one", true, 0, true},
		{" one", true, 1, true},
		{"one two  three\tfour\nfive\r\n", false, 5, false},
		{"Ünïcode wörds", false, 2, true},
		{"a\u00a0b\u2003c d", false, 4, true}, // no-break and em spaces separate words
		{"日本語 テキスト", false, 2, true},
		{"\xff\xfe x", false, 2, true}, // invalid UTF-8 counts as a word
	}
	for _, tt := range tests {
		in := tt.inWord
		if got := countWords([]byte(tt.in), &in); got != tt.want || in != tt.after {
			t.Errorf("countWords(%q, %v) = %d, in word %v; want %d, %v", tt.in, tt.inWord, got, in, tt.want, tt.after)
		}
	}
}

func BenchmarkCountWords(b *testing.B) {
	text := []byte(strings.Repeat("Partition object broker release iceberg, speaker debezium \"partition\" workflow throughput. ", 40))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		in := false
		countWords(text, &in)
	}
}

// FuzzCountWords checks the eight-bytes-at-a-time count against counting
// character by character.
func FuzzCountWords(f *testing.F) {
	f.Add([]byte("one two  three\tfour\nfive\r\n, and six."), false)
	f.Add([]byte("Ünïcode wörds\u00a0and\u2003spaces, 日本語 テキスト"), true)
	f.Add([]byte("\x1f\x20\x21\x08\x09\x0d\x0e\x7f\x80 x"), false)
	f.Fuzz(func(t *testing.T, s []byte, inWord bool) {
		want, wantIn := 0, inWord
		for _, r := range string(s) {
			if unicode.IsSpace(r) {
				wantIn = false
			} else if !wantIn {
				want++
				wantIn = true
			}
		}
		in := inWord
		if got := countWords(s, &in); got != want || in != wantIn {
			t.Errorf("countWords(%q, %v) = %d, in word %v; want %d, %v", s, inWord, got, in, want, wantIn)
		}
	})
}
