package shortcode

import (
	"strings"
	"testing"
)

func TestBuiltins(t *testing.T) {
	e := mustEngine(t)
	noEnv := Env{}
	tests := []struct {
		name     string
		src      string
		env      *Env // testEnv() when nil
		want     string
		problems []string
	}{
		// figure
		{
			name: "figure minimal",
			src:  `{{< figure src="https://cdn.example/a.jpg" >}}`,
			want: `<figure><img src="https://cdn.example/a.jpg"></figure>`,
		},
		{
			name: "figure of a bundle resource",
			src:  `{{< figure src="keynote-1.jpg" alt="Roadmap" >}}`,
			want: `<figure><img src="/posts/kafka/keynote-1.jpg" alt="Roadmap"></figure>`,
		},
		{
			name: "figure with every argument",
			src: `{{< figure src="img/a.jpg" link="https://l.example/big" target="_blank" rel="noopener" alt="Alt"
				title="Title" caption="A *big* cat" class="wide" height="480" width="640" attr="Photo by **me**"
				attrlink="https://ph.example/" loading="lazy" >}}`,
			want: `<figure class="wide"><a href="https://l.example/big" target="_blank" rel="noopener">` +
				`<img src="/posts/kafka/img/a.jpg" alt="Alt" width="640" height="480" loading="lazy"></a>` +
				`<figcaption><h4>Title</h4><p>A <em>big</em> cat<a href="https://ph.example/">Photo by <strong>me</strong></a></p></figcaption></figure>`,
		},
		{
			name: "figure caption is the alt text when there is none",
			src:  `{{< figure src="a.jpg" caption="A *big* cat" >}}`,
			want: `<figure><img src="a.jpg" alt="A big cat"><figcaption><p>A <em>big</em> cat</p></figcaption></figure>`,
		},
		{
			name: "figure escapes its arguments",
			src:  `{{< figure src="javascript:alert(1)" alt="\"><script>x</script>" class="a\"b" title="<b>" >}}`,
			want: `<figure class="a&#34;b"><img src="#ZgotmplZ" alt="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"><figcaption><h4>&lt;b&gt;</h4></figcaption></figure>`,
		},
		{
			name:     "figure without src",
			src:      `{{< figure alt="x" >}}`,
			want:     `<span class="shortcode-error" title="figure needs a src">[shortcode figure could not be rendered]</span>`,
			problems: []string{`1: shortcode "figure": figure needs a src`},
		},
		{
			name: "figure without a Markdown renderer escapes the caption",
			src:  `{{< figure src="a.jpg" caption="<i>x</i>" >}}`,
			env:  &noEnv,
			want: `<figure><img src="a.jpg" alt="&lt;i&gt;x&lt;/i&gt;"><figcaption><p>&lt;i&gt;x&lt;/i&gt;</p></figcaption></figure>`,
		},

		// highlight
		{
			name: "highlight with options",
			src:  "{{< highlight go \"linenos=table,hl_lines=2\" >}}\n    x := 1\n    y := 2\n{{< /highlight >}}",
			want: `<pre data-lang="go" data-opts="linenos=table,hl_lines=2">x := 1
y := 2</pre>`,
		},
		{
			name: "highlight without highlighter",
			src:  "{{< highlight html >}}\n<b>&</b>\n{{< /highlight >}}",
			env:  &noEnv,
			want: `<pre><code class="language-html" data-lang="html">&lt;b&gt;&amp;&lt;/b&gt;</code></pre>`,
		},
		{
			name:     "highlight failing falls back to plain code",
			src:      "{{< highlight fail >}}\nx\n{{< /highlight >}}",
			want:     `<span class="shortcode-error" title="highlight: no lexer for fail">[shortcode highlight could not be rendered]</span>`,
			problems: []string{`1: shortcode "highlight": highlight: no lexer for fail`},
		},

		// x, twitter, tweet
		{
			name: "twitter as in the seed post",
			src:  `{{< twitter user="jeqo89" id="1770087702978757098" >}}`,
			want: `<blockquote class="twitter-tweet"><p><a href="https://x.com/jeqo89/status/1770087702978757098">Post by @jeqo89 on X</a></p></blockquote>`,
		},
		{
			name: "x with positional user and id",
			src:  `{{< x gunnarmorling 1770122272021352905 >}}`,
			want: `<blockquote class="twitter-tweet"><p><a href="https://x.com/gunnarmorling/status/1770122272021352905">Post by @gunnarmorling on X</a></p></blockquote>`,
		},
		{
			name: "tweet with an id alone",
			src:  `{{< tweet 877500564405444608 >}}`,
			want: `<blockquote class="twitter-tweet"><p><a href="https://x.com/i/status/877500564405444608">Post on X</a></p></blockquote>`,
		},
		{
			name: "x escapes the user",
			src:  `{{< x user="a\"<b>" id="1" >}}`,
			want: `<blockquote class="twitter-tweet"><p><a href="https://x.com/a%22%3Cb%3E/status/1">Post by @a&#34;&lt;b&gt; on X</a></p></blockquote>`,
		},
		{
			name:     "x without id",
			src:      `{{< x user="jeqo89" >}}`,
			want:     `<span class="shortcode-error" title="the &#34;x&#34; shortcode requires two named parameters: user and id">[shortcode x could not be rendered]</span>`,
			problems: []string{`1: shortcode "x": the "x" shortcode requires two named parameters: user and id`},
		},

		// youtube, vimeo
		{
			name: "youtube positional",
			src:  `{{< youtube w7Ft2ymGmfc >}}`,
			want: `<figure class="video youtube"><a class="video-card" href="https://www.youtube.com/watch?v=w7Ft2ymGmfc">▶ Watch on YouTube</a></figure>`,
		},
		{
			name: "youtube named with title, start and class",
			src:  `{{< youtube id="0012" title="Talk & demo" start=90 class="wide" autoplay=true >}}`,
			want: `<figure class="video youtube wide"><a class="video-card" href="https://www.youtube.com/watch?v=0012&amp;t=90s">▶ Talk &amp; demo</a></figure>`,
		},
		{
			name:     "youtube without id",
			src:      `{{< youtube title="x" >}}`,
			want:     `<span class="shortcode-error" title="the youtube shortcode requires a video id">[shortcode youtube could not be rendered]</span>`,
			problems: []string{`1: shortcode "youtube": the youtube shortcode requires a video id`},
		},
		{
			name: "vimeo positional",
			src:  `{{< vimeo 55073825 >}}`,
			want: `<figure class="video vimeo"><a class="video-card" href="https://vimeo.com/55073825">▶ Watch on Vimeo</a></figure>`,
		},
		{
			name: "vimeo named",
			src:  `{{< vimeo id="55073825" title="A <film>" >}}`,
			want: `<figure class="video vimeo"><a class="video-card" href="https://vimeo.com/55073825">▶ A &lt;film&gt;</a></figure>`,
		},

		// instagram, gist
		{
			name: "instagram",
			src:  `{{< instagram CxOWiQNP2MO >}}`,
			want: `<figure class="embed-card instagram"><a href="https://www.instagram.com/p/CxOWiQNP2MO/">View this post on Instagram</a></figure>`,
		},
		{
			name: "gist",
			src:  `{{< gist jmooring 23932424365401ffa5e9d9810102a477 >}}`,
			want: `<figure class="embed-card gist"><a href="https://gist.github.com/jmooring/23932424365401ffa5e9d9810102a477">View gist jmooring/23932424365401ffa5e9d9810102a477 on GitHub</a></figure>`,
		},
		{
			name: "gist with a file",
			src:  `{{< gist user="spf13" id="7896402" file="img.html" >}}`,
			want: `<figure class="embed-card gist"><a href="https://gist.github.com/spf13/7896402#file-img-html">View img.html from gist spf13/7896402 on GitHub</a></figure>`,
		},

		// ref, relref
		{
			name: "ref",
			src:  `[other]({{< ref "posts/other.md" >}})`,
			want: `[other](https://example.org/posts/other/)`,
		},
		{
			name: "relref with a fragment, named",
			src:  `[about]({{< relref path="/about.md#team" >}})`,
			want: `[about](/about/#team)`,
		},
		{
			name:     "ref that does not resolve",
			src:      "x\n[gone]({{< ref \"nope.md\" >}})",
			want:     "x\n[gone](#)",
			problems: []string{`2: shortcode "ref": ref "nope.md": no such page`},
		},
		{
			name:     "ref in another language",
			src:      `{{< relref path="posts/other.md" lang="fr" >}}`,
			want:     `/posts/other/`,
			problems: []string{`1: shortcode "relref": lang "fr" is not supported; "posts/other.md" is resolved in the page's language [warning]`},
		},
		{
			name:     "ref without resolver",
			src:      `{{< ref "posts/other.md" >}}`,
			env:      &noEnv,
			want:     `#`,
			problems: []string{`1: shortcode "ref": cannot resolve "posts/other.md": no page index`},
		},

		// param
		{
			name: "param of the page",
			src:  `{{< param author >}} {{< param "Social.Mastodon" >}} {{< param count >}}`,
			want: `Jorge @jeqo@example.social 3`,
		},
		{
			name: "param of the site when the page has none",
			src:  `{{< param sitewide >}} {{< param color >}} {{< param nested.key >}}`,
			want: `yes red deep`,
		},
		{
			name:     "param not found",
			src:      `{{< param nope >}}`,
			want:     `<span class="shortcode-error" title="param &#34;nope&#34; not found">[shortcode param could not be rendered]</span>`,
			problems: []string{`1: shortcode "param": param "nope" not found`},
		},
		{
			name:     "param without key",
			src:      `{{< param >}}`,
			want:     `<span class="shortcode-error" title="missing param key">[shortcode param could not be rendered]</span>`,
			problems: []string{`1: shortcode "param": missing param key`},
		},

		// details
		{
			name: "details with every argument",
			src:  "{{< details summary=\"See *more*\" open=true class=\"c\" name=\"g\" title=\"t\" >}}\nSome **bold** text.\n\nAnd more.\n{{< /details >}}",
			want: "<details class=\"c\" name=\"g\" open title=\"t\">\n<summary>See <em>more</em></summary>\n<p>Some <strong>bold</strong> text.</p>\n<p>And more.</p>\n</details>",
		},
		{
			name: "details defaults",
			src:  "{{< details open=\"false\" >}}x{{< /details >}}",
			want: "<details>\n<summary>Details</summary>\n<p>x</p>\n</details>",
		},

		// qr, comment
		{
			name: "qr of a URL",
			src:  `{{< qr text="https://gohugo.io" />}}`,
			want: `<figure class="qr"><a href="https://gohugo.io">https://gohugo.io</a></figure>`,
		},
		{
			name: "qr of inner text",
			src:  "{{< qr class=\"small\" >}}\nWIFI:S:home;;\n{{< /qr >}}",
			want: `<figure class="qr small"><code>WIFI:S:home;;</code></figure>`,
		},
		{
			name: "comment renders nothing",
			src:  "a{{< comment >}}TODO: *rewrite*{{< /comment >}}b{{< comment />}}c",
			want: "abc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv()
			if tt.env != nil {
				env = *tt.env
			}
			got, probs := inline(e, tt.src, testPage(), env)
			if got != tt.want {
				t.Errorf("output:\ngot:  %s\nwant: %s", got, tt.want)
			}
			if !equalStrings(probs, tt.problems) {
				t.Errorf("problems:\ngot:  %q\nwant: %q", probs, tt.problems)
			}
		})
	}
}

// TestSeedPost expands the seed post: four twitter calls and nothing else
// touched.
func TestSeedPost(t *testing.T) {
	body, line := readSeed(t)
	e := mustEngine(t)
	r := e.Expand(body, line, testPage(), testSite(), testEnv())
	if len(r.Problems) > 0 {
		t.Fatalf("problems: %v", r.Problems)
	}
	if !equalStrings(r.Used, []string{"twitter"}) {
		t.Errorf("Used = %v, want [twitter]", r.Used)
	}
	var buf strings.Builder
	if err := testMarkdown().Convert(r.Markdown, &buf); err != nil {
		t.Fatal(err)
	}
	html := string(r.Restore([]byte(buf.String())))
	for _, want := range []string{
		`<blockquote class="twitter-tweet"><p><a href="https://x.com/jeqo89/status/1770087702978757098">Post by @jeqo89 on X</a></p></blockquote>`,
		`<blockquote class="twitter-tweet"><p><a href="https://x.com/criccomini/status/1752405948260618519">Post by @criccomini on X</a></p></blockquote>`,
		`<blockquote class="twitter-tweet"><p><a href="https://x.com/gunnarmorling/status/1770122272021352905">Post by @gunnarmorling on X</a></p></blockquote>`,
		`<blockquote class="twitter-tweet"><p><a href="https://x.com/jeqo89/status/1770151322303582643">Post by @jeqo89 on X</a></p></blockquote>`,
	} {
		if strings.Count(html, want) != 1 {
			t.Errorf("rendered page lacks %s", want)
		}
	}
	if strings.Contains(html, "<p><blockquote") || strings.Contains(html, r.prefix) {
		t.Errorf("placeholder left or block wrapped in a paragraph:\n%s", html)
	}
	// Everything but the four calls is the body as written.
	stripped := string(r.Markdown)
	for i := range 4 {
		stripped = strings.Replace(stripped, r.prefix+"000"+string(rune('0'+i))+"X", "", 1)
	}
	orig := string(body)
	for _, line := range strings.Split(orig, "\n") {
		if strings.HasPrefix(line, "{{< twitter") {
			orig = strings.Replace(orig, line, "", 1)
		}
	}
	if stripped != orig {
		t.Errorf("the body around the shortcodes changed")
	}
}
