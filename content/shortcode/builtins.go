package shortcode

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"strings"
)

// builtinDefinitions returns Hugo's built-in shortcodes, rendered without
// any network access as plain semantic HTML: embeds become links.
func builtinDefinitions() map[string]*definition {
	defs := map[string]*definition{}
	add := func(render func(*expander, *call) (string, error), inner bool, names ...string) {
		for _, n := range names {
			defs[n] = &definition{name: n, inner: inner, builtin: render}
		}
	}
	add(figure, false, "figure")
	add(highlight, true, "highlight")
	add(xPost, false, "x", "x_simple", "twitter", "twitter_simple", "tweet")
	add(youtube, false, "youtube")
	add(vimeo, false, "vimeo", "vimeo_simple")
	add(instagram, false, "instagram", "instagram_simple")
	add(gist, false, "gist")
	add(func(x *expander, c *call) (string, error) { return ref(x, c, false) }, false, "ref")
	add(func(x *expander, c *call) (string, error) { return ref(x, c, true) }, false, "relref")
	add(param, false, "param")
	add(details, true, "details")
	add(qr, true, "qr")
	add(func(*expander, *call) (string, error) { return "", nil }, true, "comment")
	return defs
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// attr writes ` name="value"` when value is not empty.
func attr(b *strings.Builder, name, value string) {
	if value == "" {
		return
	}
	b.WriteString(" ")
	b.WriteString(name)
	b.WriteString(`="`)
	b.WriteString(esc(value))
	b.WriteString(`"`)
}

// attrURL returns u escaped for an attribute, or "#ZgotmplZ" (as
// html/template does) when its scheme could run code.
func attrURL(u string) string {
	if i := strings.IndexByte(u, ':'); i >= 0 && !strings.ContainsAny(u[:i], "/?#") {
		switch strings.ToLower(strings.TrimSpace(u[:i])) {
		case "http", "https", "mailto", "tel":
		default:
			return "#ZgotmplZ"
		}
	}
	return esc(u)
}

// urlAttr writes ` name="url"` when u is not empty.
func urlAttr(b *strings.Builder, name, u string) {
	if u == "" {
		return
	}
	b.WriteString(" ")
	b.WriteString(name)
	b.WriteString(`="`)
	b.WriteString(attrURL(u))
	b.WriteString(`"`)
}

// figure renders Hugo's figure: an image with an optional link and caption.
func figure(x *expander, c *call) (string, error) {
	get := func(k string) string { return c.arg(k, -1) }
	src := get("src")
	if src == "" {
		return "", errors.New("figure needs a src")
	}
	if u, err := url.Parse(src); err == nil && !u.IsAbs() && !strings.HasPrefix(src, "/") {
		if r := x.pageData().resources.Get(strings.TrimPrefix(u.Path, "./")); r != nil {
			src = r.relPermalink
		}
	}
	var b strings.Builder
	b.WriteString("<figure")
	attr(&b, "class", get("class"))
	b.WriteString(">")
	link := get("link")
	if link != "" {
		b.WriteString("<a")
		urlAttr(&b, "href", link)
		attr(&b, "target", get("target"))
		attr(&b, "rel", get("rel"))
		b.WriteString(">")
	}
	b.WriteString(`<img src="`)
	b.WriteString(attrURL(src))
	b.WriteString(`"`)
	caption := get("caption")
	captionHTML := ""
	if caption != "" {
		h, err := x.markdownify(caption)
		if err != nil {
			return "", fmt.Errorf("caption: %w", err)
		}
		captionHTML = h
	}
	if alt := get("alt"); alt != "" {
		attr(&b, "alt", alt)
	} else if caption != "" {
		b.WriteString(` alt="`)
		b.WriteString(esc(strings.TrimSpace(html.UnescapeString(plainify(captionHTML)))))
		b.WriteString(`"`)
	}
	attr(&b, "width", get("width"))
	attr(&b, "height", get("height"))
	attr(&b, "loading", get("loading"))
	b.WriteString(">")
	if link != "" {
		b.WriteString("</a>")
	}
	title, attribution := get("title"), get("attr")
	if title != "" || caption != "" || attribution != "" {
		b.WriteString("<figcaption>")
		if title != "" {
			b.WriteString("<h4>")
			b.WriteString(esc(title))
			b.WriteString("</h4>")
		}
		if caption != "" || attribution != "" {
			b.WriteString("<p>")
			b.WriteString(captionHTML)
			if attribution != "" {
				h, err := x.markdownify(attribution)
				if err != nil {
					return "", fmt.Errorf("attr: %w", err)
				}
				if al := get("attrlink"); al != "" {
					b.WriteString("<a")
					urlAttr(&b, "href", al)
					b.WriteString(">")
					b.WriteString(h)
					b.WriteString("</a>")
				} else {
					b.WriteString(h)
				}
			}
			b.WriteString("</p>")
		}
		b.WriteString("</figcaption>")
	}
	b.WriteString("</figure>")
	return b.String(), nil
}

// highlight renders Hugo's highlight: {{< highlight LANG "OPTIONS" >}}.
func highlight(x *expander, c *call) (string, error) {
	code := strings.Trim(deindent(c.inner), "\n")
	lang, opts := c.arg("lang", 0), c.arg("options", 1)
	return x.highlight(code, lang, opts)
}

// highlight highlights code with the site's settings; without a
// highlighter, or when it fails, the code is shown escaped.
func (x *expander) highlight(code, lang, opts string) (string, error) {
	if x.env.Highlight != nil {
		h, err := x.env.Highlight(code, lang, opts)
		if err == nil {
			return h, nil
		}
		return plainCode(code, lang), fmt.Errorf("highlight: %w", err)
	}
	return plainCode(code, lang), nil
}

func plainCode(code, lang string) string {
	var b strings.Builder
	b.WriteString("<pre><code")
	if lang != "" {
		attr(&b, "class", "language-"+lang)
		attr(&b, "data-lang", lang)
	}
	b.WriteString(">")
	b.WriteString(esc(code))
	b.WriteString("</code></pre>")
	return b.String()
}

// xPost renders a post on X (Hugo's x, and its older names twitter and
// tweet) as a quote linking to the post: user and id named, or positional
// as id alone or user then id.
func xPost(_ *expander, c *call) (string, error) {
	user, id := c.arg("user", 0), c.arg("id", 1)
	if !c.named && len(c.args) == 1 {
		user, id = "", c.args[0].val
	}
	if id == "" {
		return "", fmt.Errorf("the %q shortcode requires two named parameters: user and id", c.name)
	}
	var b strings.Builder
	b.Grow(128 + 2*len(user) + len(id))
	b.WriteString(`<blockquote class="twitter-tweet"><p><a href="`)
	if user != "" {
		b.WriteString(esc("https://x.com/" + url.PathEscape(user) + "/status/" + url.PathEscape(id)))
		b.WriteString(`">Post by @`)
		b.WriteString(esc(user))
		b.WriteString(" on X</a></p></blockquote>")
	} else {
		b.WriteString(esc("https://x.com/i/status/" + url.PathEscape(id)))
		b.WriteString(`">Post on X</a></p></blockquote>`)
	}
	return b.String(), nil
}

// videoCard renders a link to a video: no player, no thumbnail.
func videoCard(service, class, href, title, fallback string) string {
	var b strings.Builder
	b.WriteString(`<figure class="video `)
	b.WriteString(service)
	if class != "" {
		b.WriteString(" ")
		b.WriteString(esc(class))
	}
	b.WriteString(`"><a class="video-card" href="`)
	b.WriteString(esc(href))
	b.WriteString(`">▶ `)
	if title == "" {
		title = fallback
	}
	b.WriteString(esc(title))
	b.WriteString("</a></figure>")
	return b.String()
}

// youtube renders a link to a YouTube video: id positional or named, with
// title, start and class.
func youtube(_ *expander, c *call) (string, error) {
	id := c.arg("id", 0)
	if id == "" {
		return "", errors.New("the youtube shortcode requires a video id")
	}
	href := "https://www.youtube.com/watch?v=" + url.QueryEscape(id)
	if start := c.arg("start", -1); start != "" {
		href += "&t=" + url.QueryEscape(start) + "s"
	}
	return videoCard("youtube", c.arg("class", -1), href, c.arg("title", -1), "Watch on YouTube"), nil
}

// vimeo renders a link to a Vimeo video: id positional or named, with title
// and class.
func vimeo(_ *expander, c *call) (string, error) {
	id := c.arg("id", 0)
	if id == "" {
		return "", errors.New("the vimeo shortcode requires a video id")
	}
	return videoCard("vimeo", c.arg("class", 1), "https://vimeo.com/"+url.PathEscape(id), c.arg("title", 2), "Watch on Vimeo"), nil
}

// embedCard renders a link to content hosted elsewhere.
func embedCard(service, href, text string) string {
	return `<figure class="embed-card ` + service + `"><a href="` + esc(href) + `">` + esc(text) + `</a></figure>`
}

// instagram renders a link to an Instagram post.
func instagram(_ *expander, c *call) (string, error) {
	id := c.arg("id", 0)
	if id == "" {
		return "", errors.New("the instagram shortcode requires a post id")
	}
	return embedCard("instagram", "https://www.instagram.com/p/"+url.PathEscape(id)+"/", "View this post on Instagram"), nil
}

// gist renders a link to a GitHub gist: user, id and optional file,
// positional or named.
func gist(_ *expander, c *call) (string, error) {
	user, id, file := c.arg("user", 0), c.arg("id", 1), c.arg("file", 2)
	if user == "" || id == "" {
		return "", errors.New("the gist shortcode requires a user and a gist id")
	}
	href := "https://gist.github.com/" + url.PathEscape(user) + "/" + url.PathEscape(id)
	text := "View gist " + user + "/" + id + " on GitHub"
	if file != "" {
		href += "#file-" + url.PathEscape(strings.ToLower(strings.NewReplacer(".", "-", " ", "-").Replace(file)))
		text = "View " + file + " from gist " + user + "/" + id + " on GitHub"
	}
	return embedCard("gist", href, text), nil
}

// ref renders the URL of another page: path positional or named, with lang
// and outputFormat named. An unresolvable reference is reported and
// renders as "#".
func ref(x *expander, c *call, relative bool) (string, error) {
	p := c.arg("path", 0)
	line := c.pos.LineNumber
	if lang := c.arg("lang", -1); lang != "" && lang != x.page.Lang {
		x.warn(line, "shortcode %q: lang %q is not supported; %q is resolved in the page's language", c.name, lang, p)
	}
	if f := c.arg("outputFormat", -1); f != "" && !strings.EqualFold(f, "html") {
		x.warn(line, "shortcode %q: output format %q is not supported; %q is resolved as HTML", c.name, f, p)
	}
	u, err := x.resolveRef(p, relative)
	if err != nil {
		x.problem(line, "shortcode %q: %v", c.name, err)
		return "#", nil
	}
	return esc(u), nil
}

// resolveRef resolves a reference with the site's resolver.
func (x *expander) resolveRef(p string, relative bool) (string, error) {
	if p == "" {
		return "", errors.New("missing reference")
	}
	if x.env.Ref == nil {
		return "", fmt.Errorf("cannot resolve %q: no page index", p)
	}
	u, err := x.env.Ref(p, relative)
	if err != nil {
		return "", err
	}
	return u, nil
}

// param renders a page parameter, else a site parameter; dotted names
// reach into nested parameters.
func param(x *expander, c *call) (string, error) {
	name := c.arg("name", 0)
	if name == "" {
		return "", errors.New("missing param key")
	}
	v, err := x.pageData().Param(name)
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", fmt.Errorf("param %q not found", name)
	}
	s, err := toString(v)
	if err != nil {
		s = fmt.Sprint(v)
	}
	return esc(s), nil
}

// details renders Hugo's details: a collapsible section whose summary and
// inner content are Markdown.
func details(x *expander, c *call) (string, error) {
	summary := c.arg("summary", -1)
	if summary == "" {
		summary = "Details"
	}
	sum, err := x.markdownify(summary)
	if err != nil {
		return "", fmt.Errorf("summary: %w", err)
	}
	inner, err := x.markdown(c.inner)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("<details")
	attr(&b, "class", c.arg("class", -1))
	attr(&b, "name", c.arg("name", -1))
	switch strings.ToLower(c.arg("open", -1)) {
	case "true", "1":
		b.WriteString(" open")
	}
	attr(&b, "title", c.arg("title", -1))
	b.WriteString(">\n<summary>")
	b.WriteString(sum)
	b.WriteString("</summary>\n")
	b.WriteString(inner)
	b.WriteString("</details>")
	return b.String(), nil
}
