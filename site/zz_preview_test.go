//go:build preview

package site

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/content"
)

func TestPreview(t *testing.T) {
	seed := "/work/shared/seed/kafka-summit-london-2024"
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL
	var imgs []content.Image
	var body strings.Builder
	body.WriteString(`<p>I have been lucky to attend Kafka Summit London this year and wanted to share some notes on topics that caught my attention. Here is <code>inline code</code> and a <a href="#">link</a>.</p><h2 id="k">Keynote by Confluent</h2><ul><li>Managed Debezium Connectors</li><li>Flink-related features</li></ul><p>`)
	for i, n := range []string{"keynote-1.jpg", "keynote-2.jpg", "keynote-3.jpg"} {
		u := base + "/posts/kafka/" + n
		imgs = append(imgs, content.Image{URL: u, Width: 1600, Height: 1200, InContent: true})
		body.WriteString(`<img src="` + u + `" alt="slide">`)
		if i < 2 { body.WriteString("\n") }
	}
	body.WriteString(`</p><h2>Code</h2><pre tabindex="0" style="color:#f8f8f2;background-color:#272822;"><code><span style="color:#66d9ef">func</span> main() {}</code></pre><blockquote><p>A quote.</p></blockquote>`)
	mux.Handle("/posts/kafka/", http.StripPrefix("/posts/kafka/", http.FileServer(http.Dir(seed))))
	date := time.Date(2024, 3, 24, 0, 0, 0, 0, time.UTC)
	post := &content.Page{Kind: content.KindPage, Lang: "en", Title: "Impressions from Kafka Summit London 2024", Date: date, Lastmod: date.AddDate(0, 1, 0),
		Section: "posts", RelPermalink: "/posts/kafka/", Permalink: base + "/posts/kafka/", Content: template.HTML(body.String()),
		Summary: "<p>I have been lucky to attend Kafka Summit London this year and wanted to share some notes.</p>", Truncated: true, ReadingTime: 7,
		Taxonomies: map[string][]string{"tags": {"kafka-summit", "kafka", "conferences"}, "categories": {"events"}}, Images: imgs}
	p2 := &content.Page{Kind: content.KindPage, Lang: "en", Title: "Hello, fediverse", Date: date.AddDate(0, -3, 0), RelPermalink: "/posts/hello/", Permalink: base + "/posts/hello/", Summary: "<p>This blog now publishes to the fediverse.</p>", Sensitive: true, ContentWarning: "meta", Taxonomies: map[string][]string{"tags": {"meta"}}}
	home := &content.Page{Kind: content.KindHome, Lang: "en", Title: "Field Notes", RelPermalink: "/", Permalink: base + "/", Pages: []*content.Page{post, p2}}
	sec := &content.Page{Kind: content.KindSection, Lang: "en", Title: "Posts", RelPermalink: "/posts/", Permalink: base + "/posts/", Pages: home.Pages}
	kafka := &content.Page{Kind: content.KindTerm, Lang: "en", Title: "kafka", RelPermalink: "/tags/kafka/", Pages: []*content.Page{post}}
	meta := &content.Page{Kind: content.KindTerm, Lang: "en", Title: "meta", RelPermalink: "/tags/meta/", Pages: []*content.Page{p2}}
	tags := &content.Page{Kind: content.KindTaxonomy, Lang: "en", Title: "Tags", RelPermalink: "/tags/", Terms: []*content.Page{kafka, meta}}
	snap := &content.Snapshot{Config: &content.SiteConfig{Title: "Field Notes", Description: "Notes from building and running data systems.", Author: content.Author{Name: "Noor Halvorsen"}, DefaultContentLanguage: "en", Paginate: 1},
		Languages: []content.Language{{Code: "en", Name: "English", LanguageCode: "en-US"}, {Code: "es", Name: "Español"}},
		Sites: map[string]*content.LangSite{"en": {Home: home, Pages: home.Pages, Sections: map[string]*content.Page{"posts": sec}, Taxonomies: map[string]*content.Page{"tags": tags}}}}
	h := NewHandler(Options{Snapshot: func() *content.Snapshot { return snap }})
	idx := h.siteIndex(snap)
	pages := map[string]*content.Page{"/": home, "/posts/kafka/": post, "/tags/": tags, "/posts/": sec}
	for path, p := range pages {
		p := p
		b, err := h.renderPage(idx, p, 1, nil)
		if err != nil { t.Fatal(err) }
		mux.HandleFunc("GET "+path+"{$}", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Type", "text/html"); w.Write(b) })
	}
	mux.Handle("GET /_bb/", h)
	for _, shot := range []struct{ name, path, size string }{{"post-desktop", "/posts/kafka/", "1280,2400"}, {"post-mobile", "/posts/kafka/", "390,1800"}, {"home-desktop", "/", "1280,1000"}, {"home-mobile", "/", "390,1000"}, {"tags", "/tags/", "1280,600"}} {
		out, err := exec.Command("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=/tmp/preview/"+shot.name+".png", "--window-size="+shot.size, srv.URL+shot.path).CombinedOutput()
		if err != nil { t.Fatalf("%v %s", err, out) }
	}
	out, err := exec.Command("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--force-dark-mode", "--hide-scrollbars", "--screenshot=/tmp/preview/dark.png", "--window-size=1280,1400", srv.URL+"/posts/kafka/").CombinedOutput()
	if err != nil { t.Fatalf("%v %s", err, out) }
	os.WriteFile("/tmp/preview/done", nil, 0o644)
}
