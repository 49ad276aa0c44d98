package shortcode

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewPrecedence(t *testing.T) {
	e := mustEngine(t, "testdata/layouts", "testdata/theme/layouts", "testdata/newstyle/layouts", "testdata/does-not-exist")
	tests := []struct {
		name, src, want string
	}{
		{"site template wins over the theme's", `{{< note >}}x{{< /note >}}`, `<aside class="note note-info">x</aside>`},
		{"theme template is found", `{{< themeonly >}}`, `<em>from the theme</em>`},
		{"theme template wins over the built-in", `{{< youtube abc >}}`, `<div class="theme-youtube">abc</div>`},
		{"template in a subfolder", `{{< sub/badge label="new" >}}`, `<span class="badge">NEW</span>`},
		{"_shortcodes folder", `{{< modern 1 >}}`, `<i>modern 1</i>`},
		{"built-ins stay", `{{< x user="u" id="1" >}}`, `<blockquote class="twitter-tweet"><p><a href="https://x.com/u/status/1">Post by @u on X</a></p></blockquote>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := inline(e, tt.src, testPage(), testEnv())
			if strings.TrimSpace(got) != tt.want || len(probs) > 0 {
				t.Errorf("got %q %v, want %q", got, probs, tt.want)
			}
		})
	}
}

func TestNewProblems(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "shortcodes")
	if err := os.MkdirAll(sc, 0o755); err != nil {
		t.Fatal(err)
	}
	// A broken site template falls back to the theme's.
	if err := os.WriteFile(filepath.Join(sc, "note.html"), []byte("{{ .Inner "), 0o644); err != nil {
		t.Fatal(err)
	}
	e, probs := New([]string{"testdata/broken/layouts", dir, "testdata/theme/layouts"})
	var got []string
	for _, p := range probs {
		got = append(got, strings.TrimPrefix(filepath.ToSlash(p.String()), filepath.ToSlash(dir)+"/"))
	}
	want := []string{
		`testdata/broken/layouts/shortcodes/broken.html:4: shortcode "broken": unexpected EOF`,
		`testdata/broken/layouts/shortcodes/nofunc.html:1: shortcode "nofunc": function "readFile" not defined`,
		`shortcodes/note.html:1: shortcode "note": unclosed action`,
	}
	if !equalStrings(got, want) {
		t.Errorf("problems:\ngot:  %q\nwant: %q", got, want)
	}

	out, calls := inline(e, "{{< note >}}kept{{< /note >}}\n{{< broken >}}", testPage(), testEnv())
	wantOut := "<div class=\"theme-note\">kept</div>\n\n" +
		`<span class="shortcode-error" title="template could not be loaded: unexpected EOF">[shortcode broken could not be rendered]</span>`
	if out != wantOut {
		t.Errorf("output:\ngot:  %q\nwant: %q", out, wantOut)
	}
	wantCalls := []string{`2: shortcode "broken": template could not be loaded: unexpected EOF`}
	if !equalStrings(calls, wantCalls) {
		t.Errorf("call problems: got %q, want %q", calls, wantCalls)
	}
}

func TestTemplateShortcodes(t *testing.T) {
	e := mustEngine(t, "testdata/layouts", "testdata/theme/layouts")
	fr := testPage()
	fr.Lang = "fr"
	de := testPage()
	de.Lang = "de"
	tests := []struct {
		name     string
		src      string
		page     *Page
		want     string
		problems []string
	}{
		{
			name: "inner markdownified, named argument with default",
			src:  `{{< note type="warn" >}}Some *md*{{< /note >}} {{< note >}}x{{< /note >}}`,
			want: "<aside class=\"note note-warn\">Some <em>md</em></aside>\n <aside class=\"note note-info\">x</aside>\n",
		},
		{
			name: "page resources and positional arguments",
			src:  `{{< img "img/a.jpg" "An A" >}}`,
			want: `<img src="/posts/kafka/img/a.jpg" alt="An A">`,
		},
		{
			name:     "errorf reports at the call's line and rendering goes on",
			src:      "x\n\n{{< img \"nope.jpg\" >}}",
			want:     "x\n\n",
			problems: []string{`3: shortcode "img": image "nope.jpg" not found in the bundle: content/posts/kafka/index.md:3:1`},
		},
		{
			name: "name, ordinal, position and parent",
			src:  "{{< who >}}\n{{< box >}}{{< who >}} {{< box >}}{{< who >}}{{< /box >}}{{< /box >}}",
			want: "who#0@1\n" + `<div class="box" data-ordinal="1">[box>who#0@2] <div class="box" data-ordinal="1">[box>who#0@2]</div>` + "\n</div>\n",
		},
		{
			name: "language variant",
			src:  `{{< hello Ana >}}`,
			page: fr,
			want: "Bonjour Ana\n",
		},
		{
			name: "default variant for other languages",
			src:  `{{< hello Ana >}}`,
			page: de,
			want: "Hello Ana\n",
		},
		{
			name:     "execution error",
			src:      "a\n{{< fails >}}\nb",
			want:     "a\n" + `<span class="shortcode-error" title="template: shortcodes/fails.html:1:11: executing &#34;shortcodes/fails.html&#34; at &lt;.Page.Nope&gt;: can&#39;t evaluate field Nope in type *shortcode.pageData">[shortcode fails could not be rendered]</span>` + "\nb",
			problems: []string{`2: shortcode "fails": template: shortcodes/fails.html:1:11: executing "shortcodes/fails.html" at <.Page.Nope>: can't evaluate field Nope in type *shortcode.pageData`},
		},
		{
			name:     "warnf and errorf",
			src:      "{{< warns >}}",
			want:     "<b>still here</b>\n",
			problems: []string{`1: shortcode "warns": deprecated: use note instead [warning]`, `1: shortcode "warns": broken: 42`},
		},
		{
			name:     "partial is reported and renders empty",
			src:      "{{< usespartial >}}",
			want:     "beforeafter\n",
			problems: []string{`1: shortcode "usespartial": partial foo.html: partials are not available to shortcodes here`},
		},
		{
			name: "page and site",
			src:  "{{< pageinfo >}}",
			want: "Kafka Summit|https://example.org/posts/kafka/|/posts/kafka/|Jorge|2024-03-24|Apr 1, 2024|posts|page|en|Jeqo&#39;s blog|https://example.org/|blue|en-us|kafka|red\n",
		},
		{
			name: "resources matched by glob",
			src:  "{{< gallery >}}",
			want: `<img src="/posts/kafka/img/a.jpg" data-type="image"><img src="/posts/kafka/img/b.jpg" data-type="image">`,
		},
		{
			name: "named arguments keep their types",
			src:  `{{< args s="x" n=3 b=true f=2.5 >}}`,
			want: "named: b=true(bool) f=2.5(float64) n=3(int) s=x(string)",
		},
		{
			name: "positional arguments keep their types",
			src:  "{{< args x 3 true `raw` >}}",
			want: "positional: x(string) 3(int) true(bool) raw(string)",
		},
		{
			name: "no arguments",
			src:  "{{< args >}}",
			want: "positional:",
		},
		{
			name: "inner deindented",
			src:  "{{< code >}}\n    a\n      b\n{{< /code >}}",
			want: "<pre>\na\n  b\n</pre>\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := tt.page
			if page == nil {
				page = testPage()
			}
			got, probs := inline(e, tt.src, page, testEnv())
			if got != tt.want {
				t.Errorf("output:\ngot:  %q\nwant: %q", got, tt.want)
			}
			if !equalStrings(probs, tt.problems) {
				t.Errorf("problems:\ngot:  %q\nwant: %q", probs, tt.problems)
			}
		})
	}
}

// TestTemplateFuncs runs each function of the template library in a
// shortcode of its own.
func TestTemplateFuncs(t *testing.T) {
	tests := []struct {
		name     string
		tmpl     string
		call     string // the call; {{< f >}} when empty
		want     string
		problems []string
	}{
		{name: "seq", tmpl: `{{ range seq 3 }}{{ . }}{{ end }}|{{ seq 2 4 }}|{{ seq 5 -2 1 }}|{{ seq -2 }}`, want: `123|[2 3 4]|[5 3 1]|[-1 -2]`},
		{name: "printf and print", tmpl: `{{ printf "%03d-%s" 7 "x" }}{{ print "a" 1 }}`, want: `007-xa1`},
		{name: "safe values", tmpl: `<a href="{{ "javascript:x()" | safeURL }}" {{ "data-x=\"1\"" | safeHTMLAttr }} style="{{ "color: red" | safeCSS }}">{{ "<b>" | safeHTML }}</a><script>var x = {{ "1" | safeJS }};</script>`, want: `<a href="javascript:x%28%29" data-x="1" style="color: red"><b></a><script>var x = 1;</script>`},
		{name: "unsafe values are escaped", tmpl: `<a href="{{ "javascript:x()" }}">{{ "<b>" }}</a>`, want: `<a href="#ZgotmplZ">&lt;b&gt;</a>`},
		{name: "absURL and relURL", tmpl: `{{ absURL "a/b" }} {{ absURL "/c" }} {{ relURL "a" }} {{ absURL "https://x.org/" }}`, want: `https://example.org/a/b https://example.org/c /a https://x.org/`},
		{name: "markdownify", tmpl: `{{ "*hi* there" | markdownify }}|{{ "a\n\nb" | markdownify }}`, want: "<em>hi</em> there|<p>a</p>\n<p>b</p>\n"},
		{name: "default", tmpl: `{{ .Get "x" | default "d" }} {{ default "d" "" }} {{ default "d" 0 }} {{ default "d" false }} {{ default "d" "v" }} {{ .Get 0 | default "p" }}`, call: `{{< f x="" >}}`, want: `d d d false v p`},
		{name: "cond", tmpl: `{{ cond true "a" "b" }}{{ cond (eq 1 2) "a" "b" }}`, want: `ab`},
		{name: "string functions", tmpl: `{{ urlize "Hello World!" }} {{ lower "AbC" }} {{ upper "abc" }} {{ title "the lord of the rings" }} {{ trim "--x--" "-" }} {{ replace "aaa" "a" "b" 2 }} {{ anchorize "Hello, World" }}`, want: `hello-world abc ABC The Lord of the Rings x bba hello-world`},
		{name: "split and delimit", tmpl: `{{ delimit (split "a,b,c" ",") ", " " and " }}|{{ delimit (dict "b" 2 "a" 1) "-" }}`, want: `a, b and c|1-2`},
		{name: "in", tmpl: `{{ in (slice "a" "b") "b" }} {{ in "abc" "bc" }} {{ in (slice 1 2) 3 }} {{ in (slice 1 2) "1" }}`, want: `true true false false`},
		{name: "len, index, slice, dict", tmpl: `{{ len (slice 1 2 3) }} {{ index (slice "a" "b") 1 }} {{ index (dict "k" "v") "k" }} {{ len "héllo" }}`, want: `3 b v 6`},
		{name: "arithmetic", tmpl: `{{ add 1 2 }} {{ add 1 2.5 }} {{ sub 10 4 }} {{ mul 3 4 }} {{ div 7 2 }} {{ div 7.0 2 }} {{ mod 7 3 }} {{ add "a" "b" }} {{ add 1 2 3 }}`, want: `3 3.5 6 12 3 3.5 1 ab 6`},
		{name: "division by zero", tmpl: `{{ div 1 0 }}`, want: `<span class="shortcode-error" title="template: shortcodes/f.html:1:3: executing &#34;shortcodes/f.html&#34; at &lt;div 1 0&gt;: error calling div: can&#39;t divide the value by 0">[shortcode f could not be rendered]</span>`, problems: []string{`1: shortcode "f": template: shortcodes/f.html:1:3: executing "shortcodes/f.html" at <div 1 0>: error calling div: can't divide the value by 0`}},
		{name: "conversions", tmpl: `{{ int "42" }} {{ int 3.9 }} {{ string 5 }} {{ float "1.5" }} {{ printf "%T" (int "7") }}`, want: `42 3 5 1.5 int`},
		{name: "lenient comparison", tmpl: `{{ eq (.Get "n") 3 }} {{ eq "true" true }} {{ eq 1 1.0 }} {{ ne "a" "b" }} {{ lt 1 2.5 }} {{ ge "b" "a" }} {{ eq 1 2 1 }}`, call: `{{< f n=3 >}}`, want: `true false true true true true true`},
		{name: "strings namespace", tmpl: `{{ strings.HasPrefix "hello" "he" }} {{ strings.HasSuffix "hello" "lo" }} {{ strings.Contains "hello" "ell" }} {{ hasPrefix "abc" "b" }} {{ strings.TrimPrefix "he" "hello" }} {{ strings.Repeat 2 "ab" }} {{ strings.ToUpper "x" }} {{ strings.Count "l" "hello" }}`, want: `true true true false llo abab X 2`},
		{name: "dates", tmpl: `{{ .Page.Date.Format "Jan 2006" }} {{ time.Format "2006-01-02" .Page.Date }} {{ dateFormat "Monday" "2024-03-25" }} {{ dateFormat ":date_long" .Page.Date }} {{ (time "2020-02-03").Year }} {{ printf "%T" now }}`, want: `Mar 2024 2024-03-24 Monday March 24, 2024 2020 time.Time`},
		{name: "humanize", tmpl: `{{ humanize "my-first-post" }} {{ humanize "myCamelCase" }} {{ humanize 1 }} {{ humanize "22" }} {{ humanize 13 }}`, want: `My first post My camel case 1st 22nd 13th`},
		{name: "html text functions", tmpl: `{{ plainify "<p>a <b>b</b></p>" }} {{ htmlEscape "<a>" }} {{ htmlUnescape "&lt;b&gt;" }} {{ emojify ":smile:" }}`, want: `a b &amp;lt;a&amp;gt; &lt;b&gt; :smile:`},
		{name: "jsonify", tmpl: `{{ jsonify (dict "a" 1 "b" (slice "x")) }}`, want: `{"a":1,"b":["x"]}`},
		{name: "collections", tmpl: `{{ first 2 (slice 1 2 3) }} {{ last 1 (slice 1 2 3) }} {{ after 1 (slice 1 2 3) }} {{ sort (slice 3 1 2) }} {{ sort (slice 3 1 2) "value" "desc" }} {{ uniq (slice 1 1 2) }} {{ append 4 (slice 1 2) }}`, want: `[1 2] [3] [2 3] [1 2 3] [3 2 1] [1 2] [1 2 4]`},
		{name: "where and sort by key", tmpl: `{{ $s := slice (dict "n" "a" "w" 2) (dict "n" "b" "w" 1) (dict "n" "c" "w" 3) }}{{ range where $s "w" ">=" 2 }}{{ .n }}{{ end }}|{{ range sort $s "w" }}{{ .n }}{{ end }}|{{ range where $s "n" "b" }}{{ .w }}{{ end }}|{{ range where $s "n" "in" (slice "a" "c") }}{{ .n }}{{ end }}`, want: `ac|bac|1|ac`},
		{name: "where over resources", tmpl: `{{ range where .Page.Resources "ResourceType" "image" }}{{ .Name }} {{ end }}`, want: `keynote-1.jpg img/a.jpg img/b.jpg `},
		{name: "text functions", tmpl: `{{ substr "hello" 1 3 }} {{ substr "hello" -3 }} {{ truncate 10 "The quick brown fox" }} {{ replaceRE "(a+)" "<$1>" "baaad" }} {{ findRE "[0-9]+" "a1b22c" }} {{ isset (dict "a" 1) "a" }} {{ isset (slice 1) 3 }} {{ querify "q" "a b" "n" 1 }} {{ md5 "x" }}`, want: `ell llo The quick … b&lt;aaa&gt;d [1 22] true false n=1&amp;q=a&#43;b 9dd4e461268c8034f5c8564e155c67a6`},
		{name: "namespaces", tmpl: `{{ math.Round 2.5 }} {{ math.Max 1 5 3 }} {{ path.Base "a/b.txt" }} {{ path.Ext "a/b.txt" }} {{ path.Join "a" "b" }} {{ (urls.Parse "https://x.org/p?q=1").Host }} {{ hugo.IsProduction }}`, want: `3 5 b.txt .txt a/b x.org true`},
		{name: "site function and page methods", tmpl: `{{ site.Title }} {{ .Page.Param "social.mastodon" }} {{ .Site.Param "nested.key" }} {{ .Page.RenderString "**b**" }} {{ .Page.RenderString (dict "display" "block") "x" }}`, want: "Jeqo&#39;s blog @jeqo@example.social deep <strong>b</strong> <p>x</p>\n"},
		{name: "scratch", tmpl: `{{ .Scratch.Set "n" 1 }}{{ .Scratch.Add "n" 2 }}{{ .Page.Scratch.Add "list" (slice "a") }}{{ .Page.Scratch.Add "list" "b" }}{{ .Scratch.Get "n" }} {{ .Page.Store.Get "list" }}`, want: `3 [a b]`},
		{name: "highlight and ref functions", tmpl: `{{ highlight "x" "go" "" }}{{ ref . "posts/other.md" }} {{ relref . (dict "path" "/about.md") }}`, want: `<pre data-lang="go" data-opts="">x</pre>https://example.org/posts/other/ /about/`},
		{name: "unresolvable ref function", tmpl: `<a href="{{ relref . "gone.md" }}">`, want: `<a href="#">`, problems: []string{`1: shortcode "f": ref "gone.md": no such page`}},
		{name: "transform namespace", tmpl: `{{ transform.Markdownify "*a*" }} {{ transform.Plainify "<i>b</i>" }}`, want: `<em>a</em> b`},
		{name: "missing argument prints nothing", tmpl: `[{{ .Get 0 }}][{{ .Get "x" }}]`, call: `{{< f a="1" >}}`, want: `[][]`},
		{name: "seq too long", tmpl: `{{ range seq 20000 }}{{ end }}`, want: `<span class="shortcode-error" title="template: shortcodes/f.html:1:9: executing &#34;shortcodes/f.html&#34; at &lt;seq 20000&gt;: error calling seq: seq: more than 10000 numbers">[shortcode f could not be rendered]</span>`, problems: []string{`1: shortcode "f": template: shortcodes/f.html:1:9: executing "shortcodes/f.html" at <seq 20000>: error calling seq: seq: more than 10000 numbers`}},
		{name: "output limit", tmpl: `{{ range seq 3 }}{{ strings.Repeat 500000 "ab" }}{{ end }}`, want: `<span class="shortcode-error" title="output exceeds 1048576 bytes">[shortcode f could not be rendered]</span>`, problems: []string{`1: shortcode "f": output exceeds 1048576 bytes`}},
		{name: "define and template", tmpl: `{{ define "item" }}<li>{{ . }}</li>{{ end }}<ul>{{ range slice "a" "b" }}{{ template "item" . }}{{ end }}</ul>`, want: `<ul><li>a</li><li>b</li></ul>`},
	}
	dir := t.TempDir()
	sc := filepath.Join(dir, "shortcodes")
	if err := os.MkdirAll(sc, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(sc, "f.html"), []byte(tt.tmpl), 0o644); err != nil {
				t.Fatal(err)
			}
			e := mustEngine(t, dir)
			call := tt.call
			if call == "" {
				call = "{{< f >}}"
			}
			got, probs := inline(e, call, testPage(), testEnv())
			if got != tt.want {
				t.Errorf("output:\ngot:  %s\nwant: %s", got, tt.want)
			}
			if !equalStrings(probs, tt.problems) {
				t.Errorf("problems:\ngot:  %q\nwant: %q", probs, tt.problems)
			}
		})
	}
}

// TestTemplateReuse runs one template many times, in turn and at once, so
// that pooled clones are reused and never share a call's state.
func TestTemplateReuse(t *testing.T) {
	e := mustEngine(t, "testdata/layouts")
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 50 {
				want := fmt.Sprintf("<span class=\"badge\">G%dI%d</span>\n", g, i)
				got, probs := inline(e, fmt.Sprintf(`{{< sub/badge label="g%di%d" >}}`, g, i), testPage(), testEnv())
				if got != want || len(probs) > 0 {
					done <- fmt.Errorf("got %q %v, want %q", got, probs, want)
					return
				}
				got, probs = inline(e, `{{< warns >}}`, testPage(), testEnv())
				if len(probs) != 2 || got != "<b>still here</b>\n" {
					done <- fmt.Errorf("warns: got %q %v", got, probs)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestTemplateName(t *testing.T) {
	tests := []struct{ rel, name, variant string }{
		{"note.html", "note", ""},
		{"sub/deep/note.html", "sub/deep/note", ""},
		{"note.fr.html", "note", "fr"},
		{"note.html.html", "note", ""},
		{"note.fr.html.html", "note", "fr"},
		{"note.amp.html", "", ""},
		{"a.b.c.d.html", "", ""},
	}
	for _, tt := range tests {
		if name, variant := templateName(tt.rel); name != tt.name || variant != tt.variant {
			t.Errorf("templateName(%q) = %q, %q; want %q, %q", tt.rel, name, variant, tt.name, tt.variant)
		}
	}
}
