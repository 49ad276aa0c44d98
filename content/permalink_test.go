package content

import (
	"strings"
	"testing"
	"time"
)

// multilingual configures English (default) and French.
func multilingual(c *SiteConfig) {
	c.Languages = []Language{{Code: "en", Weight: 1}, {Code: "fr", Weight: 2}}
}

func TestPagePermalink(t *testing.T) {
	date := time.Date(2024, 3, 24, 10, 0, 0, 0, time.UTC) // a Sunday, day 84
	bundle := pageLocation{Sections: []string{"posts"}, Dir: "posts/kafka-summit-london-2024", BaseName: "index", BundleName: "kafka-summit-london-2024"}
	single := pageLocation{Sections: []string{"posts"}, Dir: "posts", BaseName: "hello-world"}
	seed := &frontMatter{Title: "Impressions from Kafka Summit London 2024", Date: date}
	tests := []struct {
		name string
		cfg  func(c *SiteConfig)
		loc  pageLocation
		fm   *frontMatter
		want string
	}{
		{name: "leaf bundle", loc: bundle, want: "/posts/kafka-summit-london-2024/"},
		{name: "single file", loc: single, want: "/posts/hello-world/"},
		{name: "no front matter", loc: single, fm: nil, want: "/posts/hello-world/"},
		{name: "slug", loc: single, fm: &frontMatter{Slug: "My Slug"}, want: "/posts/my-slug/"},
		{name: "slug of a bundle", loc: bundle, fm: &frontMatter{Slug: "kafka"}, want: "/posts/kafka/"},
		{name: "slug kept as sanitized, not unescaped", loc: single, fm: &frontMatter{Slug: "C++ tips"}, want: "/posts/c++-tips/"},
		{name: "slug index", loc: single, fm: &frontMatter{Slug: "index"}, want: "/posts/"},
		{name: "upper case and spaces", loc: pageLocation{Sections: []string{"Posts"}, Dir: "Posts", BaseName: "My First Post"}, want: "/posts/my-first-post/"},
		{name: "two spaces become two hyphens", loc: pageLocation{Sections: []string{"posts"}, Dir: "posts", BaseName: "a  b"}, want: "/posts/a--b/"},
		{name: "punctuation dropped", loc: pageLocation{Sections: []string{"posts"}, Dir: "posts", BaseName: "What's new? (2024)"}, want: "/posts/whats-new-2024/"},
		{name: "unicode kept", loc: pageLocation{Sections: []string{"blog"}, Dir: "blog", BaseName: "Café Ñandú"}, want: "/blog/café-ñandú/"},
		{
			name: "disablePathToLower",
			cfg:  func(c *SiteConfig) { c.DisablePathToLower = true },
			loc:  pageLocation{Sections: []string{"Posts"}, Dir: "Posts", BaseName: "My First Post"},
			want: "/Posts/My-First-Post/",
		},
		{name: "folders below a section", loc: pageLocation{Sections: []string{"posts"}, Dir: "posts/2024/03", BaseName: "foo"}, want: "/posts/2024/03/foo/"},
		{name: "bundle below a nested section", loc: pageLocation{Sections: []string{"posts", "tech"}, Dir: "posts/tech/go-tips", BaseName: "index", BundleName: "go-tips"}, want: "/posts/tech/go-tips/"},
		{name: "root page", loc: pageLocation{BaseName: "about"}, want: "/about/"},
		{name: "root bundle", loc: pageLocation{Dir: "about", BaseName: "index", BundleName: "about"}, want: "/about/"},
		{name: "url", loc: single, fm: &frontMatter{URL: "/custom/path/"}, want: "/custom/path/"},
		{name: "url without trailing slash", loc: single, fm: &frontMatter{URL: "/about"}, want: "/about/"},
		{name: "url with an extension", loc: single, fm: &frontMatter{URL: "/feed.xml"}, want: "/feed.xml"},
		{name: "url keeps its case", loc: single, fm: &frontMatter{URL: "/Mixed Case/Path/"}, want: "/Mixed Case/Path/"},
		{name: "url with dot segments", loc: single, fm: &frontMatter{URL: "/a/../b/"}, want: "/b/"},
		{name: "url wins over slug", loc: single, fm: &frontMatter{URL: "/u/", Slug: "s"}, want: "/u/"},
		{name: "url with tokens", loc: single, fm: &frontMatter{URL: "/archive/:year/:slug/", Slug: "x", Date: date}, want: "/archive/2024/x/"},
		{name: "ugly single file", cfg: func(c *SiteConfig) { c.UglyURLs = true }, loc: single, want: "/posts/hello-world.html"},
		{name: "ugly bundle", cfg: func(c *SiteConfig) { c.UglyURLs = true }, loc: bundle, want: "/posts/kafka-summit-london-2024.html"},
		{name: "ugly and url", cfg: func(c *SiteConfig) { c.UglyURLs = true }, loc: single, fm: &frontMatter{URL: "/about/"}, want: "/about/"},
		{name: "ugly in one section", cfg: func(c *SiteConfig) { c.UglyURLSections = map[string]bool{"notes": true} }, loc: pageLocation{Sections: []string{"notes"}, Dir: "notes", BaseName: "n1"}, want: "/notes/n1.html"},
		{name: "pretty in another section", cfg: func(c *SiteConfig) { c.UglyURLSections = map[string]bool{"notes": true} }, loc: single, want: "/posts/hello-world/"},
		{
			name: "legacy permalinks for the seed post",
			cfg:  func(c *SiteConfig) { c.Permalinks = map[string]string{"posts": "/:year/:month/:slug/"} },
			loc:  bundle, fm: seed,
			want: "/2024/03/impressions-from-kafka-summit-london-2024/",
		},
		{
			name: "permalink not applied to another section",
			cfg:  func(c *SiteConfig) { c.Permalinks = map[string]string{"posts": "/:year/:slug/"} },
			loc:  pageLocation{Sections: []string{"notes"}, Dir: "notes", BaseName: "n1"}, fm: seed,
			want: "/notes/n1/",
		},
		{
			name: "permalink ugly",
			cfg: func(c *SiteConfig) {
				c.Permalinks = map[string]string{"posts": "/:year/:month/:slug/"}
				c.UglyURLs = true
			},
			loc: bundle, fm: seed,
			want: "/2024/03/impressions-from-kafka-summit-london-2024.html",
		},
		{
			name: "every named token",
			cfg: func(c *SiteConfig) {
				c.Permalinks = map[string]string{"posts": "/:year/:month/:monthname/:day/:weekday/:weekdayname/:yearday/:section/:sections/:title/:slug/:slugorfilename/:filename/:contentbasename/:slugorcontentbasename/"}
			},
			loc:  pageLocation{Sections: []string{"posts", "tech"}, Dir: "posts/tech/My Bundle", BaseName: "index", BundleName: "My Bundle"},
			fm:   &frontMatter{Title: "Hello World", Date: date},
			want: "/2024/03/march/24/0/sunday/84/posts/posts/tech/hello-world/hello-world/my-bundle/my-bundle/my-bundle/my-bundle/",
		},
		{
			name: "slug tokens prefer the slug",
			cfg: func(c *SiteConfig) {
				c.Permalinks = map[string]string{"posts": "/:slug/:slugorfilename/:slugorcontentbasename/"}
			},
			loc: single, fm: &frontMatter{Title: "T", Slug: "Custom Slug"},
			want: "/custom-slug/custom-slug/custom-slug/",
		},
		{
			name: "sections slices",
			cfg: func(c *SiteConfig) {
				c.Permalinks = map[string]string{"posts": "/:sections[1:]/:sections[last]/:sections[0]/:sections[:1]/:sections[5]/:slug/"}
			},
			loc:  pageLocation{Sections: []string{"posts", "tech", "go"}, Dir: "posts/tech/go", BaseName: "p"},
			fm:   &frontMatter{Slug: "p"},
			want: "/tech/go/go/posts/posts/p/",
		},
		{
			name: "go time layouts",
			cfg:  func(c *SiteConfig) { c.Permalinks = map[string]string{"posts": "/:2006/:01/:02/:Jan/:slug/"} },
			loc:  single, fm: &frontMatter{Slug: "x", Date: date},
			want: "/2024/03/24/mar/x/",
		},
		{
			name: "escaped colon and literal text",
			cfg:  func(c *SiteConfig) { c.Permalinks = map[string]string{"posts": `/blog-\:year/:year/:slug.html`} },
			loc:  single, fm: &frontMatter{Slug: "x", Date: date},
			want: "/blog-year/2024/x.html/",
		},
		{
			name: "title unescaped the way Hugo does",
			cfg:  func(c *SiteConfig) { c.Permalinks = map[string]string{"posts": "/:title/"} },
			loc:  single, fm: &frontMatter{Title: "C++ tips"},
			want: "/c-tips/",
		},
		{
			name: "unicode title",
			cfg:  func(c *SiteConfig) { c.Permalinks = map[string]string{"posts": "/:title/"} },
			loc:  single, fm: &frontMatter{Title: "Café déjà vu"},
			want: "/café-déjà-vu/",
		},
		{
			name: "root key for root pages",
			cfg: func(c *SiteConfig) {
				c.Permalinks = map[string]string{"/": "/pages/:filename/", "posts": "/p/:filename/"}
			},
			loc:  pageLocation{BaseName: "about"},
			want: "/pages/about/",
		},
		{
			name: "root key leaves sections alone",
			cfg:  func(c *SiteConfig) { c.Permalinks = map[string]string{"/": "/pages/:filename/"} },
			loc:  single,
			want: "/posts/hello-world/",
		},
		{
			name: "nested section key wins",
			cfg: func(c *SiteConfig) {
				c.Permalinks = map[string]string{"posts": "/p/:filename/", "posts/tech": "/t/:filename/"}
			},
			loc:  pageLocation{Sections: []string{"posts", "tech"}, Dir: "posts/tech", BaseName: "go"},
			want: "/t/go/",
		},
		{name: "other language", cfg: multilingual, loc: pageLocation{Lang: "fr", Sections: []string{"posts"}, Dir: "posts", BaseName: "bonjour"}, want: "/fr/posts/bonjour/"},
		{name: "default language", cfg: multilingual, loc: pageLocation{Lang: "en", Sections: []string{"posts"}, Dir: "posts", BaseName: "hello"}, want: "/posts/hello/"},
		{
			name: "default language in a subfolder",
			cfg:  func(c *SiteConfig) { multilingual(c); c.DefaultContentLanguageInSubdir = true },
			loc:  pageLocation{Lang: "en", Sections: []string{"posts"}, Dir: "posts", BaseName: "hello"},
			want: "/en/posts/hello/",
		},
		{
			name: "one language in a subfolder",
			cfg:  func(c *SiteConfig) { c.DefaultContentLanguageInSubdir = true },
			loc:  single,
			want: "/en/posts/hello-world/",
		},
		{name: "absolute url in another language", cfg: multilingual, loc: pageLocation{Lang: "fr", Sections: []string{"posts"}, Dir: "posts", BaseName: "b"}, fm: &frontMatter{URL: "/fixe/"}, want: "/fixe/"},
		{name: "relative url in another language", cfg: multilingual, loc: pageLocation{Lang: "fr", Sections: []string{"posts"}, Dir: "posts", BaseName: "b"}, fm: &frontMatter{URL: "relatif/"}, want: "/fr/relatif/"},
		{name: "relative url in the default language", cfg: multilingual, loc: single, fm: &frontMatter{URL: "relative"}, want: "/relative/"},
		{name: "section list page", loc: pageLocation{Sections: []string{"posts"}, Dir: "posts", BaseName: "_index", IsBranch: true}, fm: &frontMatter{Slug: "ignored"}, want: "/posts/"},
		{name: "section list page with url", loc: pageLocation{Sections: []string{"posts"}, Dir: "posts", BaseName: "_index", IsBranch: true}, fm: &frontMatter{URL: "/blog/"}, want: "/blog/"},
		{name: "home page", cfg: multilingual, loc: pageLocation{Lang: "fr", BaseName: "_index", IsBranch: true}, fm: &frontMatter{URL: "/ignored/"}, want: "/fr/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultSiteConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			got, err := cfg.pagePermalink(tt.loc, tt.fm)
			if err != nil {
				t.Fatalf("pagePermalink: %v", err)
			}
			if got != tt.want {
				t.Errorf("pagePermalink = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPagePermalinkErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(c *SiteConfig)
		fm   *frontMatter
	}{
		{name: "unknown token in url", fm: &frontMatter{URL: "/:year/:author/"}},
		{name: "unknown token in pattern", cfg: func(c *SiteConfig) { c.Permalinks = map[string]string{"posts": "/:nope/"} }, fm: &frontMatter{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultSiteConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			_, err := cfg.pagePermalink(pageLocation{Sections: []string{"posts"}, Dir: "posts", BaseName: "p"}, tt.fm)
			if err == nil || !strings.Contains(err.Error(), "not recognised") {
				t.Errorf("err = %v, want an unknown attribute error", err)
			}
		})
	}
}

func TestListPermalinks(t *testing.T) {
	ugly := func(c *SiteConfig) { c.UglyURLs = true }
	tests := []struct {
		name string
		cfg  func(c *SiteConfig)
		got  func(c *SiteConfig) string
		want string
	}{
		{name: "home", got: func(c *SiteConfig) string { return c.homePermalink("") }, want: "/"},
		{name: "home ugly", cfg: ugly, got: func(c *SiteConfig) string { return c.homePermalink("en") }, want: "/index.html"},
		{name: "home other language", cfg: multilingual, got: func(c *SiteConfig) string { return c.homePermalink("fr") }, want: "/fr/"},
		{name: "home default language in subfolder", cfg: func(c *SiteConfig) { multilingual(c); c.DefaultContentLanguageInSubdir = true }, got: func(c *SiteConfig) string { return c.homePermalink("en") }, want: "/en/"},
		{name: "section", got: func(c *SiteConfig) string { return c.sectionPermalink("", []string{"posts"}) }, want: "/posts/"},
		{name: "nested section", got: func(c *SiteConfig) string { return c.sectionPermalink("", []string{"posts", "Go Tips"}) }, want: "/posts/go-tips/"},
		{name: "no sections is home", got: func(c *SiteConfig) string { return c.sectionPermalink("", nil) }, want: "/"},
		{name: "section ugly", cfg: ugly, got: func(c *SiteConfig) string { return c.sectionPermalink("", []string{"posts"}) }, want: "/posts/index.html"},
		{name: "section other language", cfg: multilingual, got: func(c *SiteConfig) string { return c.sectionPermalink("fr", []string{"posts"}) }, want: "/fr/posts/"},
		{
			name: "section permalink",
			cfg:  func(c *SiteConfig) { c.SectionPermalinks = map[string]string{"posts": "/articles/"} },
			got:  func(c *SiteConfig) string { return c.sectionPermalink("", []string{"posts"}) },
			want: "/articles/",
		},
		{
			name: "section permalink with tokens",
			cfg:  func(c *SiteConfig) { c.SectionPermalinks = map[string]string{"docs": "/manual/:sections[1:]/"} },
			got:  func(c *SiteConfig) string { return c.sectionPermalink("", []string{"docs", "install"}) },
			want: "/manual/install/",
		},
		{name: "taxonomy", got: func(c *SiteConfig) string { return c.taxonomyPermalink("", "tags") }, want: "/tags/"},
		{name: "taxonomy ugly", cfg: ugly, got: func(c *SiteConfig) string { return c.taxonomyPermalink("", "tags") }, want: "/tags/index.html"},
		{name: "taxonomy other language", cfg: multilingual, got: func(c *SiteConfig) string { return c.taxonomyPermalink("fr", "tags") }, want: "/fr/tags/"},
		{
			name: "taxonomy permalink",
			cfg:  func(c *SiteConfig) { c.TaxonomyPermalinks = map[string]string{"tags": "/topics/"} },
			got:  func(c *SiteConfig) string { return c.taxonomyPermalink("", "tags") },
			want: "/topics/",
		},
		{name: "term", got: func(c *SiteConfig) string { return c.termPermalink("", "tags", "Kafka Summit") }, want: "/tags/kafka-summit/"},
		{name: "term as written", got: func(c *SiteConfig) string { return c.termPermalink("", "tags", "kafka-summit") }, want: "/tags/kafka-summit/"},
		{name: "term with a hash", got: func(c *SiteConfig) string { return c.termPermalink("", "tags", "C#") }, want: "/tags/c#/"},
		{name: "term with a dot", got: func(c *SiteConfig) string { return c.termPermalink("", "categories", "Node.js") }, want: "/categories/node.js/"},
		{name: "term with spaced hyphen", got: func(c *SiteConfig) string { return c.termPermalink("", "tags", "a - b") }, want: "/tags/a---b/"},
		{name: "term with punctuation", got: func(c *SiteConfig) string { return c.termPermalink("", "tags", "what's up?") }, want: "/tags/whats-up/"},
		{name: "term keeps case", cfg: func(c *SiteConfig) { c.DisablePathToLower = true }, got: func(c *SiteConfig) string { return c.termPermalink("", "tags", "Kafka Summit") }, want: "/tags/Kafka-Summit/"},
		{name: "term ugly", cfg: ugly, got: func(c *SiteConfig) string { return c.termPermalink("", "tags", "Kafka") }, want: "/tags/kafka.html"},
		{name: "term other language", cfg: multilingual, got: func(c *SiteConfig) string { return c.termPermalink("fr", "tags", "Kafka") }, want: "/fr/tags/kafka/"},
		{
			name: "term permalink",
			cfg:  func(c *SiteConfig) { c.TermPermalinks = map[string]string{"tags": "/topics/:slug/"} },
			got:  func(c *SiteConfig) string { return c.termPermalink("", "tags", "Kafka Summit") },
			want: "/topics/kafka-summit/",
		},
		{
			name: "term permalink for another taxonomy",
			cfg:  func(c *SiteConfig) { c.TermPermalinks = map[string]string{"tags": "/topics/:slug/"} },
			got:  func(c *SiteConfig) string { return c.termPermalink("", "categories", "News") },
			want: "/categories/news/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultSiteConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			if got := tt.got(cfg); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPermalinkURLs(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		rel     string
		abs     string
		relURL  string
	}{
		{name: "base with a path", baseURL: "https://x.org/blog/", rel: "/posts/a/", abs: "https://x.org/blog/posts/a/", relURL: "/blog/posts/a/"},
		{name: "home", baseURL: "https://x.org/blog/", rel: "/", abs: "https://x.org/blog/", relURL: "/blog/"},
		{name: "root base", baseURL: "https://x.org/", rel: "/posts/a/", abs: "https://x.org/posts/a/", relURL: "/posts/a/"},
		{name: "escaped", baseURL: "https://x.org/", rel: "/tags/café/", abs: "https://x.org/tags/caf%C3%A9/", relURL: "/tags/caf%C3%A9/"},
		{name: "hash and space", baseURL: "https://x.org/", rel: "/tags/c#/a b/", abs: "https://x.org/tags/c%23/a%20b/", relURL: "/tags/c%23/a%20b/"},
		{name: "file", baseURL: "https://x.org/b/", rel: "/posts/a.html", abs: "https://x.org/b/posts/a.html", relURL: "/b/posts/a.html"},
		{name: "no base URL", baseURL: "", rel: "/posts/a/", abs: "/posts/a/", relURL: "/posts/a/"},
		{name: "already absolute", baseURL: "https://x.org/", rel: "https://other.org/x", abs: "https://other.org/x", relURL: "https://other.org/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultSiteConfig()
			c.BaseURL = tt.baseURL
			if got := c.absURL(tt.rel); got != tt.abs {
				t.Errorf("absURL(%q) = %q, want %q", tt.rel, got, tt.abs)
			}
			if got := c.relURL(tt.rel); got != tt.relURL {
				t.Errorf("relURL(%q) = %q, want %q", tt.rel, got, tt.relURL)
			}
		})
	}
}

func TestPermalinkSeedPost(t *testing.T) {
	cfg := defaultSiteConfig()
	cfg.BaseURL = "https://example.org/"
	fm, _, _, _, err := parseFrontMatter(cfg, "content/posts/kafka-summit-london-2024/index.md", []byte(readSeed(t)))
	if err != nil {
		t.Fatal(err)
	}
	loc := pageLocation{Sections: []string{"posts"}, Dir: "posts/kafka-summit-london-2024", BaseName: "index", BundleName: "kafka-summit-london-2024"}
	rel, err := cfg.pagePermalink(loc, fm)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://example.org/posts/kafka-summit-london-2024/"; cfg.absURL(rel) != want {
		t.Errorf("permalink = %q, want %q", cfg.absURL(rel), want)
	}
	if got, want := cfg.termPermalink("", "tags", fm.Taxonomies["tags"][0]), "/tags/kafka-summit/"; got != want {
		t.Errorf("term permalink = %q, want %q", got, want)
	}
}

func TestCheckPermalinkPattern(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
	}{
		{"/:year/:month/:slug/", true},
		{"/:sections[1:]/:filename/", true},
		{"/:2006/:Jan/", true},
		{`/\:literal/:slug/`, true},
		{"/static/path/", true},
		{"/:author/", false},
		{"/:slug/:Title/", false},
		{"/:sectionslug/:slug/", false},
		{"/:sectionslugs[1:]/:slug/", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			if err := checkPermalinkPattern(tt.pattern); (err == nil) != tt.ok {
				t.Errorf("checkPermalinkPattern(%q) = %v, want ok=%v", tt.pattern, err, tt.ok)
			}
		})
	}
}
