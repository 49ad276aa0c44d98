package site

import (
	"bufio"
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/content"
)

// secretMarker is the content of files outside the site; no response may
// ever hold it.
const secretMarker = "TOP-SECRET-7c1e"

// testBlog writes a small bilingual site with five English posts, a page
// bundle with an image and its Spanish translation, two Spanish posts, and
// static files, among them a hidden file and a symbolic link to a file
// outside the site. Pages are paginated two to a page.
func testBlog(t *testing.T) string {
	t.Helper()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	writeFiles(t, outside, map[string]string{"secret.txt": secretMarker})

	dir := t.TempDir()
	files := map[string]string{
		"hugo.toml": `# ` + secretMarker + `
baseURL = "https://blog.example/"
title = "Test Blog"
languageCode = "en-us"
defaultContentLanguage = "en"
[pagination]
  pagerSize = 2
[params]
  description = "A blog for tests."
  avatar = "/images/me.png"
  [params.author]
    name = "Ada Tester"
[languages.en]
  languageName = "English"
  weight = 1
[languages.es]
  languageName = "Español"
  languageCode = "es-es"
  title = "Blog de pruebas"
  weight = 2
[taxonomies]
  tag = "tags"
  category = "categories"
`,
		"content/posts/_index.md": "---\ntitle: All posts\ndescription: Everything written here.\n---\nThe posts section intro.\n",
		"content/posts/bundle/index.md": `---
title: A bundle with a picture
date: 2024-02-01T10:00:00Z
lastmod: 2024-03-05T10:00:00Z
tags: [kafka, "Summit Talks"]
categories: [events]
images: [cover.png]
---
The lead paragraph.

![A small picture](picture.png)
`,
		"content/posts/bundle/index.es.md": `---
title: Un paquete con una imagen
date: 2024-02-01T10:00:00Z
tags: [kafka]
---
El primer párrafo.
`,
		"content/posts/p1.es.md": "---\ntitle: Uno\ndate: 2024-01-01T10:00:00Z\n---\nHola.\n",
		"content/posts/p2.es.md": "---\ntitle: Dos\ndate: 2024-01-02T10:00:00Z\n---\nHola otra vez.\n",
		"content/posts/p5.md": `---
title: Five <and> a half
date: 2024-01-05T10:00:00Z
tags: [go]
aliases: [/old/five/]
blogbridge:
  sensitive: true
  contentWarning: spoilers ahead
---
Intro of five.

<!--more-->

The rest of five.
`,
		"static/robots.txt":               "User-agent: *\n",
		"static/.well-known/security.txt": "Contact: mailto:ada@blog.example\n",
		"static/css/extra.css":            "body{}\n",
		"static/.env":                     secretMarker,
		"static/.git/config":              secretMarker,
		"static/docs/index.html":          "<!doctype html><title>Docs</title>\n",
	}
	for i, tag := range []string{"kafka", "kafka", "go", "go"} {
		files[fmt.Sprintf("content/posts/p%d.md", i+1)] = fmt.Sprintf(
			"---\ntitle: Post %d\ndate: 2024-01-0%dT10:00:00Z\ntags: [%s]\n---\nBody of post %d.\n", i+1, i+1, tag, i+1)
	}
	writeFiles(t, dir, files)
	writeFiles(t, dir, map[string]string{
		"content/posts/bundle/picture.png": pngImage(t, 40, 30),
		"content/posts/bundle/cover.png":   pngImage(t, 120, 63),
	})
	for _, link := range []string{"static/leak.txt", "content/posts/bundle/leak.txt"} {
		if err := os.Symlink(secret, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "static", "outside")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestExamplePages renders every page of the example site and checks its
// <head>.
func TestExamplePages(t *testing.T) {
	snap := loadSnapshot(t, exampleDir, "")
	h := newTestHandler(snap, nil, nil)

	var pages []*content.Page
	for _, l := range snap.Languages {
		ls := snap.Sites[l.Code]
		pages = append(pages, ls.Home)
		pages = append(pages, ls.Pages...)
		for _, p := range ls.Sections {
			pages = append(pages, p)
		}
		for _, tax := range ls.Taxonomies {
			pages = append(pages, tax)
			pages = append(pages, tax.Terms...)
		}
	}
	kinds := map[content.Kind]int{}
	for _, p := range pages {
		kinds[p.Kind]++
		t.Run(string(p.Kind)+p.RelPermalink, func(t *testing.T) {
			w := do(t, h, "GET", p.RelPermalink)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d", p.RelPermalink, w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			d := parseDoc(t, w.Body.String())
			title := d.text("title")
			if p.Kind != content.KindHome && !strings.HasPrefix(title, p.Title) {
				t.Errorf("<title> = %q, want it to start with %q", title, p.Title)
			}
			if got := first(d.meta("og:url")); got != p.Permalink {
				t.Errorf("og:url = %q, want %q", got, p.Permalink)
			}
			if got := d.linkHref("canonical"); got != p.Permalink {
				t.Errorf("canonical = %q, want %q", got, p.Permalink)
			}
			wantType := "website"
			if p.IsRegular() {
				wantType = "article"
				if got := d.text("h1"); got != p.Title {
					t.Errorf("<h1> = %q, want %q", got, p.Title)
				}
			}
			if got := first(d.meta("og:type")); got != wantType {
				t.Errorf("og:type = %q, want %q", got, wantType)
			}
			if first(d.meta("og:title")) == "" || first(d.meta("og:site_name")) == "" {
				t.Errorf("og:title or og:site_name missing")
			}
			htmlEl := d.all("html")[0]
			if lang, _ := attr(htmlEl, "lang"); !strings.HasPrefix(strings.ToLower(lang), p.Lang) {
				t.Errorf("<html lang=%q>, page language %q", lang, p.Lang)
			}
			for _, tag := range []string{"header", "nav", "main", "footer"} {
				if len(d.all(tag)) == 0 {
					t.Errorf("no <%s> landmark", tag)
				}
			}
		})
	}
	for _, k := range []content.Kind{content.KindHome, content.KindPage, content.KindSection, content.KindTaxonomy, content.KindTerm} {
		if kinds[k] == 0 {
			t.Errorf("example site has no page of kind %s", k)
		}
	}
}

// TestConferencePost checks the Open Graph image and article tags of the
// example's conference write-up, a leaf bundle with images.
func TestConferencePost(t *testing.T) {
	snap := loadSnapshot(t, exampleDir, "")
	h := newTestHandler(snap, nil, nil)
	post := conferencePost(t, snap)
	w := do(t, h, "GET", post.RelPermalink)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	d := parseDoc(t, w.Body.String())
	lead, _ := post.LeadImage()
	checks := []struct{ key, want string }{
		{"og:image", lead.URL},
		{"og:image:width", fmt.Sprint(lead.Width)},
		{"og:image:height", fmt.Sprint(lead.Height)},
		{"twitter:card", "summary_large_image"},
		{"article:published_time", post.Date.Format(time.RFC3339)},
		{"description", describe(post.Description, post.SummaryText)},
	}
	for _, c := range checks {
		if got := first(d.meta(c.key)); got != c.want {
			t.Errorf("%s = %q, want %q", c.key, got, c.want)
		}
	}
	if lead.Width == 0 {
		t.Errorf("lead image %s has no width", lead.URL)
	}
	if got, want := strings.Join(d.meta("article:tag"), ","), strings.Join(post.Tags(), ","); got != want {
		t.Errorf("article:tag = %s, want %s", got, want)
	}
	imgs := d.all("img")
	if len(imgs) == 0 {
		t.Fatal("no images in the post")
	}
	for _, img := range imgs {
		src, _ := attr(img, "src")
		if _, ok := attr(img, "width"); !ok {
			t.Errorf("<img src=%s> has no width", src)
		}
	}
}

// TestTestBlogPages checks the pages of a small site in detail.
func TestTestBlogPages(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	h := newTestHandler(snap, nil, nil)

	t.Run("home", func(t *testing.T) {
		w := do(t, h, "GET", "/")
		d := parseDoc(t, w.Body.String())
		if got := d.text("title"); got != "Test Blog" {
			t.Errorf("<title> = %q", got)
		}
		if got := d.text("h1"); got != "Test Blog" {
			t.Errorf("<h1> = %q", got)
		}
		if !strings.Contains(w.Body.String(), "A blog for tests.") || !strings.Contains(w.Body.String(), "Ada Tester") {
			t.Errorf("home lacks description or author")
		}
		if got := first(d.meta("og:type")); got != "website" {
			t.Errorf("og:type = %q", got)
		}
		if got := first(d.meta("description")); got != "A blog for tests." {
			t.Errorf("description = %q", got)
		}
		if got := first(d.meta("og:locale")); got != "en_US" {
			t.Errorf("og:locale = %q", got)
		}
		if got := len(d.all("article")); got != 2 {
			t.Errorf("home lists %d posts, want 2 (page size)", got)
		}
		if got := d.linkHref("next"); got != "/page/2/" {
			t.Errorf("rel=next = %q", got)
		}
	})

	t.Run("post", func(t *testing.T) {
		w := do(t, h, "GET", "/posts/bundle/")
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
		d := parseDoc(t, w.Body.String())
		if got := d.text("title"); got != "A bundle with a picture · Test Blog" {
			t.Errorf("<title> = %q", got)
		}
		times := d.all("time")
		if len(times) != 2 {
			t.Fatalf("%d <time> elements, want date and lastmod", len(times))
		}
		if got, _ := attr(times[0], "datetime"); got != "2024-02-01T10:00:00Z" {
			t.Errorf("date datetime = %q", got)
		}
		if got := textOf(times[1]); got != "March 5, 2024" {
			t.Errorf("lastmod text = %q", got)
		}
		if got := first(d.meta("article:modified_time")); got != "2024-03-05T10:00:00Z" {
			t.Errorf("article:modified_time = %q", got)
		}
		if !strings.Contains(w.Body.String(), "Ada Tester") {
			t.Errorf("no author")
		}
		links := map[string]bool{}
		for _, a := range d.all("a", "rel", "tag") {
			href, _ := attr(a, "href")
			links[textOf(a)+" "+href] = true
		}
		for _, want := range []string{"kafka /tags/kafka/", "Summit Talks /tags/summit-talks/", "events /categories/events/"} {
			if !links[want] {
				t.Errorf("no term link %q; have %v", want, links)
			}
		}
		if got := first(d.meta("og:image")); got != "https://blog.example/posts/bundle/cover.png" {
			t.Errorf("og:image = %q", got)
		}
		if got := first(d.meta("og:image:width")) + "x" + first(d.meta("og:image:height")); got != "120x63" {
			t.Errorf("og:image size = %s", got)
		}
		imgs := d.all("img")
		if len(imgs) != 1 {
			t.Fatalf("%d images, want 1", len(imgs))
		}
		wd, _ := attr(imgs[0], "width")
		ht, _ := attr(imgs[0], "height")
		if wd != "40" || ht != "30" {
			t.Errorf("img size %sx%s, want 40x30", wd, ht)
		}
		if len(d.all("details")) != 0 {
			t.Errorf("content warning on a page without one")
		}
	})

	t.Run("sensitive post", func(t *testing.T) {
		w := do(t, h, "GET", "/posts/p5/")
		d := parseDoc(t, w.Body.String())
		if got := d.text("title"); got != "Five <and> a half · Test Blog" {
			t.Errorf("<title> = %q", got)
		}
		det := d.all("details", "class", "cw")
		if len(det) != 1 {
			t.Fatalf("%d content warnings", len(det))
		}
		if got := textOf(det[0]); !strings.Contains(got, "spoilers ahead") || !strings.Contains(got, "The rest of five.") {
			t.Errorf("content warning = %q", got)
		}
		if got := first(d.meta("twitter:card")); got != "summary" {
			t.Errorf("twitter:card = %q", got)
		}
		if got := first(d.meta("og:image")); got != "https://blog.example/images/me.png" {
			t.Errorf("og:image of a page without images = %q, want the site avatar", got)
		}
	})

	t.Run("section", func(t *testing.T) {
		w := do(t, h, "GET", "/posts/")
		d := parseDoc(t, w.Body.String())
		if got := d.text("h1"); got != "All posts" {
			t.Errorf("<h1> = %q", got)
		}
		body := w.Body.String()
		for _, want := range []string{"Everything written here.", "The posts section intro.", "Read more"} {
			if !strings.Contains(body, want) {
				t.Errorf("section lacks %q", want)
			}
		}
		if got := d.text("span", "class", "page-number"); got != "Page 1 of 3" {
			t.Errorf("pager = %q", got)
		}
	})

	t.Run("taxonomy", func(t *testing.T) {
		w := do(t, h, "GET", "/tags/")
		d := parseDoc(t, w.Body.String())
		terms := map[string]string{}
		for _, li := range d.all("li") {
			if cls, _ := attr(li.Parent, "class"); cls == "term-list" {
				terms[d2text(li, "a")] = d2text(li, "span")
			}
		}
		if terms["kafka"] != "3 pages" || terms["go"] != "3 pages" {
			t.Errorf("terms = %v", terms)
		}
	})

	t.Run("term", func(t *testing.T) {
		w := do(t, h, "GET", "/tags/kafka/")
		d := parseDoc(t, w.Body.String())
		if got := len(d.all("article")); got != 2 {
			t.Errorf("%d entries, want 2", got)
		}
		if got := d.linkHref("next"); got != "/tags/kafka/page/2/" {
			t.Errorf("rel=next = %q", got)
		}
	})

	t.Run("language switcher", func(t *testing.T) {
		w := do(t, h, "GET", "/posts/bundle/")
		d := parseDoc(t, w.Body.String())
		as := d.all("a", "hreflang", "es-es")
		if len(as) != 1 {
			t.Fatalf("%d links to the Spanish translation", len(as))
		}
		if href, _ := attr(as[0], "href"); href != "/es/posts/bundle/" {
			t.Errorf("translation link = %q", href)
		}
		alts := d.all("link", "rel", "alternate", "hreflang", "es-es")
		if len(alts) != 1 {
			t.Errorf("%d hreflang alternates", len(alts))
		}
		w = do(t, h, "GET", "/es/posts/bundle/")
		d = parseDoc(t, w.Body.String())
		if lang, _ := attr(d.all("html")[0], "lang"); lang != "es-es" {
			t.Errorf("Spanish page lang = %q", lang)
		}
		if len(d.all("a", "hreflang", "en-us")) != 1 {
			t.Errorf("no link back to English")
		}
		w = do(t, h, "GET", "/posts/p3/")
		if strings.Contains(w.Body.String(), `aria-label="Languages"`) {
			t.Errorf("language switcher on a page without translations")
		}
	})
}

func TestPagination(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	h := newTestHandler(snap, nil, nil)
	tests := []struct {
		path     string
		status   int
		location string
		entries  int
		pager    string
	}{
		{path: "/page/2/", status: 200, entries: 2, pager: "Page 2 of 3"},
		{path: "/page/3/", status: 200, entries: 2, pager: "Page 3 of 3"},
		{path: "/page/3", status: 200, entries: 2, pager: "Page 3 of 3"},
		{path: "/page/4/", status: 404},
		{path: "/page/0/", status: 404},
		{path: "/page/02/", status: 404},
		{path: "/page/x/", status: 404},
		{path: "/page/1/", status: 301, location: "/"},
		{path: "/posts/page/1/", status: 301, location: "/posts/"},
		{path: "/posts/page/3/", status: 200, entries: 2, pager: "Page 3 of 3"},
		{path: "/tags/kafka/page/2/", status: 200, entries: 1, pager: "Page 2 of 2"},
		{path: "/tags/page/2/", status: 404},
		{path: "/posts/p1/page/2/", status: 404},
		{path: "/es/page/2/", status: 200, entries: 1, pager: "Page 2 of 2"},
		{path: "/es/page/1/", status: 301, location: "/es/"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := do(t, h, "GET", tt.path)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.location != "" {
				if got := w.Header().Get("Location"); got != tt.location {
					t.Errorf("Location = %q, want %q", got, tt.location)
				}
			}
			if tt.status != 200 {
				return
			}
			d := parseDoc(t, w.Body.String())
			if got := len(d.all("article")); got != tt.entries {
				t.Errorf("%d entries, want %d", got, tt.entries)
			}
			if got := d.text("span", "class", "page-number"); got != tt.pager {
				t.Errorf("pager = %q, want %q", got, tt.pager)
			}
			canon := strings.TrimSuffix(tt.path, "/") + "/"
			if got := d.linkHref("canonical"); !strings.HasSuffix(got, canon) {
				t.Errorf("canonical = %q, want it to end in %q", got, canon)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	h := newTestHandler(snap, nil, nil)
	tests := []struct {
		name, path, lang string
	}{
		{name: "unknown page", path: "/no/such/page/", lang: "en-us"},
		{name: "unknown file", path: "/missing.png", lang: "en-us"},
		{name: "spanish", path: "/es/nada/", lang: "es-es"},
		{name: "asset with wrong digest", path: "/_bb/style.0000.css", lang: "en-us"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, h, "GET", tt.path)
			if w.Code != http.StatusNotFound {
				t.Fatalf("status %d", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			d := parseDoc(t, w.Body.String())
			if got := d.text("h1"); got != "Page not found" {
				t.Errorf("<h1> = %q", got)
			}
			if lang, _ := attr(d.all("html")[0], "lang"); lang != tt.lang {
				t.Errorf("lang = %q, want %q", lang, tt.lang)
			}
			if len(d.all("link", "rel", "stylesheet")) != 1 {
				t.Errorf("404 page is not themed")
			}
			if len(d.meta("robots")) != 1 {
				t.Errorf("404 page lacks robots noindex")
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	h := newTestHandler(snap, nil, nil)
	tests := []struct{ path, location string }{
		{"/old/five/", "https://blog.example/posts/p5/"},
		{"/posts/p1", "/posts/p1/"},
		{"/posts/p1?x=1", "/posts/p1/?x=1"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := do(t, h, "GET", tt.path)
			if w.Code != http.StatusMovedPermanently {
				t.Fatalf("status %d", w.Code)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
		})
	}
}

func TestFiles(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	h := newTestHandler(snap, nil, nil)
	style := h.assets.url("style.css")
	tests := []struct {
		name, path, ctype, cache string
	}{
		{name: "bundle image", path: "/posts/bundle/picture.png", ctype: "image/png", cache: fileCacheControl},
		{name: "static text", path: "/robots.txt", ctype: "text/plain; charset=utf-8", cache: fileCacheControl},
		{name: "static css", path: "/css/extra.css", ctype: "text/css; charset=utf-8", cache: fileCacheControl},
		{name: "well-known", path: "/.well-known/security.txt", ctype: "text/plain; charset=utf-8", cache: fileCacheControl},
		{name: "static index", path: "/docs/", ctype: "text/html; charset=utf-8", cache: fileCacheControl},
		{name: "stylesheet", path: style, ctype: "text/css; charset=utf-8", cache: assetCacheControl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, h, "GET", tt.path)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			hdr := w.Header()
			if got := hdr.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got := hdr.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			if hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff")
			}
			etag := hdr.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if w := do(t, h, "GET", tt.path, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
				t.Errorf("revalidation with ETag: status %d, %d bytes", w.Code, w.Body.Len())
			}
			if lm := hdr.Get("Last-Modified"); lm != "" {
				if w := do(t, h, "GET", tt.path, "If-Modified-Since", lm); w.Code != http.StatusNotModified {
					t.Errorf("revalidation with date: status %d", w.Code)
				}
			} else if tt.cache != assetCacheControl {
				t.Errorf("no Last-Modified")
			}
			if w := do(t, h, "GET", tt.path, "If-None-Match", `"other"`); w.Code != http.StatusOK {
				t.Errorf("stale ETag: status %d", w.Code)
			}
		})
	}
	if !strings.Contains(do(t, h, "GET", "/").Body.String(), `href="`+style+`"`) {
		t.Errorf("pages do not link %s", style)
	}
}

func TestPageCaching(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	h := newTestHandler(snap, nil, nil)
	w := do(t, h, "GET", "/posts/p1/")
	hdr := w.Header()
	checks := map[string]string{
		"Cache-Control":           "no-cache",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": contentSecurityPolicy,
	}
	for k, want := range checks {
		if got := hdr.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	etag := hdr.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if w := do(t, h, "GET", "/posts/p1/", "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match: status %d, %d bytes", w.Code, w.Body.Len())
	}
	if got := do(t, h, "GET", "/posts/p2/").Header().Get("ETag"); got == etag {
		t.Errorf("two pages share ETag %s", etag)
	}
	if got := do(t, h, "GET", "/page/2/").Header().Get("ETag"); got == do(t, h, "GET", "/").Header().Get("ETag") {
		t.Errorf("pages 1 and 2 of the home share an ETag")
	}

	// A new snapshot of the same site changes every ETag.
	next := loadSnapshot(t, testBlog(t), "")
	h2 := newTestHandler(next, nil, nil)
	if w := do(t, h2, "GET", "/posts/p1/", "If-None-Match", etag); w.Code != http.StatusOK {
		t.Errorf("ETag of an older snapshot: status %d", w.Code)
	}

	// HeadLinks take part in the ETag.
	h3 := newTestHandler(snap, nil, func(*content.Page) []Link { return []Link{{Rel: "me", Href: "https://x.example/@a"}} })
	if w := do(t, h3, "GET", "/posts/p1/", "If-None-Match", etag); w.Code != http.StatusOK {
		t.Errorf("ETag without head links matched with them: status %d", w.Code)
	}
}

func TestHead(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	srv := httptest.NewServer(newTestHandler(snap, nil, nil))
	defer srv.Close()
	for _, path := range []string{"/", "/posts/bundle/", "/posts/bundle/picture.png", "/robots.txt", "/nope/"} {
		t.Run(path, func(t *testing.T) {
			get, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(get.Body)
			get.Body.Close()
			head, err := http.Head(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			hb, _ := io.ReadAll(head.Body)
			head.Body.Close()
			if head.StatusCode != get.StatusCode {
				t.Errorf("HEAD status %d, GET %d", head.StatusCode, get.StatusCode)
			}
			if len(hb) != 0 {
				t.Errorf("HEAD body has %d bytes", len(hb))
			}
			if head.ContentLength != int64(len(body)) {
				t.Errorf("HEAD Content-Length %d, GET body %d", head.ContentLength, len(body))
			}
			if head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
				t.Errorf("HEAD Content-Type %q, GET %q", head.Header.Get("Content-Type"), get.Header.Get("Content-Type"))
			}
		})
	}
	t.Run("recorder", func(t *testing.T) {
		w := do(t, newTestHandler(snap, nil, nil), "HEAD", "/nope/")
		if w.Code != http.StatusNotFound || w.Body.Len() != 0 {
			t.Errorf("HEAD of a missing page: status %d, %d bytes", w.Code, w.Body.Len())
		}
	})
	t.Run("post", func(t *testing.T) {
		resp, err := http.Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST status %d", resp.StatusCode)
		}
	})
}

func TestTraversal(t *testing.T) {
	dir := testBlog(t)
	snap := loadSnapshot(t, dir, "")
	h := newTestHandler(snap, nil, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()

	paths := []string{
		"/../hugo.toml",
		"/%2e%2e/hugo.toml",
		"/%2E%2E/%2e%2e/etc/passwd",
		"/posts/bundle/..%2f..%2f..%2fhugo.toml",
		"/posts/x/..%2f..%2fhugo.toml",
		"/posts/bundle/..%5c..%5chugo.toml",
		"/static/../../etc/passwd",
		"/..\\..\\hugo.toml",
		"/robots.txt%00.html",
		"//etc/passwd",
		"/./hugo.toml",
		"/leak.txt",
		"/outside/secret.txt",
		"/posts/bundle/leak.txt",
		"/.env",
		"/.git/config",
		"/%2eenv",
		"/hugo.toml",
		"/content/posts/p1.md",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			// Through the handler directly.
			if u, err := url.ParseRequestURI(p); err == nil {
				r := httptest.NewRequest("GET", "/", nil)
				r.URL, r.RequestURI = u, p
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusNotFound {
					t.Errorf("handler: status %d, want 404", w.Code)
				}
				if strings.Contains(w.Body.String(), secretMarker) || strings.Contains(w.Body.String(), "root:") {
					t.Errorf("handler: response leaks a file outside the site")
				}
			}

			// Through a real server, the request line sent as it is.
			status, body := rawGet(t, srv.Listener.Addr().String(), p)
			if status != http.StatusNotFound && status != http.StatusBadRequest {
				t.Errorf("server: status %d, want 404", status)
			}
			if strings.Contains(body, secretMarker) || strings.Contains(body, "root:") {
				t.Errorf("server: response leaks a file outside the site")
			}
		})
	}
}

// rawGet sends a GET request with target as it is on the request line.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHeadLinks(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	var seen []string
	h := newTestHandler(snap, nil, func(p *content.Page) []Link {
		seen = append(seen, p.RelPermalink)
		return []Link{
			{Rel: "alternate", Type: "application/activity+json", Href: p.Permalink + "ap.json"},
			{Rel: "me", Href: "https://social.example/@ada"},
			{Name: "fediverse:creator", Content: "@ada@social.example"},
			{Property: "og:see_also", Content: `x" onload="y`},
			{Rel: "me", Href: "javascript:alert(1)"},
		}
	})
	w := do(t, h, "GET", "/posts/p1/")
	d := parseDoc(t, w.Body.String())
	if len(seen) != 1 || seen[0] != "/posts/p1/" {
		t.Errorf("HeadLinks called for %v", seen)
	}
	alt := d.all("link", "rel", "alternate", "type", "application/activity+json")
	if len(alt) != 1 {
		t.Fatalf("%d activity+json alternates", len(alt))
	}
	if href, _ := attr(alt[0], "href"); href != "https://blog.example/posts/p1/ap.json" {
		t.Errorf("alternate href = %q", href)
	}
	if got := first(d.meta("fediverse:creator")); got != "@ada@social.example" {
		t.Errorf("fediverse:creator = %q", got)
	}
	if got := first(d.meta("og:see_also")); got != `x" onload="y` {
		t.Errorf("meta content not kept as one attribute: %q", got)
	}
	mes := d.all("link", "rel", "me")
	if len(mes) != 2 {
		t.Fatalf("%d rel=me links", len(mes))
	}
	if href, _ := attr(mes[1], "href"); strings.HasPrefix(href, "javascript:") {
		t.Errorf("javascript: URL passed into the head")
	}
	for _, n := range d.all("link") {
		if p := n.Parent; p == nil || p.Data != "head" {
			t.Errorf("<link> outside <head>")
		}
	}
}

func TestTemplateFailure(t *testing.T) {
	snap := loadSnapshot(t, testBlog(t), "")
	var logs bytes.Buffer
	h := newTestHandler(snap, &logs, nil)

	broken, err := h.templates.byName["single"].Clone()
	if err != nil {
		t.Fatal(err)
	}
	template.Must(broken.New("main").Parse(`<p>HALF-RENDERED</p>{{index .Page.Tags 99}}`))
	h.templates.byName["single"] = broken

	w := do(t, h, "GET", "/posts/p1/")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	body := w.Body.String()
	if strings.Contains(body, "HALF-RENDERED") || strings.Contains(body, "index out of range") || strings.Contains(body, "template") {
		t.Errorf("500 body shows the half page or the error:\n%s", body)
	}
	if d := parseDoc(t, body); d.text("h1") != "Something went wrong" {
		t.Errorf("500 page <h1> = %q", d.text("h1"))
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if w.Header().Get("ETag") != "" {
		t.Errorf("500 carries the page's ETag")
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("%d error logs, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "path=/posts/p1/") || !strings.Contains(logs.String(), "index out of range") {
		t.Errorf("error log lacks the request or the cause:\n%s", logs.String())
	}

	// Other pages still render.
	if w := do(t, h, "GET", "/"); w.Code != http.StatusOK {
		t.Errorf("home: status %d", w.Code)
	}
}

func TestNoSnapshot(t *testing.T) {
	h := NewHandler(Options{Snapshot: func() *content.Snapshot { return nil }})
	w := do(t, h, "GET", "/")
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
}
