package content

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFrontMatter(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	day := func(y int, m time.Month, d int, loc *time.Location) time.Time {
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}

	tests := []struct {
		name     string
		cfg      func(c *SiteConfig)
		src      string
		body     string
		bodyLine int
		check    func(t *testing.T, fm *frontMatter)
	}{
		{
			name:     "yaml",
			src:      "---\ntitle: Hello\nslug: -hello-world-\ndraft: true\nweight: 3\ntags: [a, b]\ncategories: news\n---\nBody\n",
			body:     "Body\n",
			bodyLine: 9,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Format", fm.Format, "YAML")
				sameValue(t, "Title", fm.Title, "Hello")
				sameValue(t, "Slug", fm.Slug, "hello-world")
				sameValue(t, "Draft", fm.Draft, true)
				sameValue(t, "Weight", fm.Weight, 3)
				sameValue(t, "Taxonomies", fm.Taxonomies, map[string][]string{"tags": {"a", "b"}, "categories": {"news"}})
				sameValue[any](t, "Params.tags", fm.Params["tags"], []string{"a", "b"})
				sameValue[any](t, "Params.categories", fm.Params["categories"], "news")
				sameValue(t, "Federate", fm.Federate, true)
			},
		},
		{
			name:     "toml with native dates",
			src:      "+++\ntitle = \"TOML\"\ndate = 2024-03-24T10:30:00+02:00\nlastmod = 2024-04-01\naliases = [\"/old/\", \"/older/\"]\n+++\n\nBody",
			body:     "\nBody",
			bodyLine: 7,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Format", fm.Format, "TOML")
				sameValue(t, "Date", fm.Date.Equal(time.Date(2024, 3, 24, 8, 30, 0, 0, time.UTC)), true)
				sameValue(t, "Lastmod", fm.Lastmod, day(2024, 4, 1, time.UTC))
				sameValue(t, "PublishDate", fm.PublishDate.Equal(fm.Date), true)
				sameValue(t, "Aliases", fm.Aliases, []string{"/old/", "/older/"})
			},
		},
		{
			name:     "json",
			src:      "{\n  \"title\": \"JSON {braces} and \\\"quotes\\\"\",\n  \"tags\": [\"x\"],\n  \"date\": \"2024-03-24\"\n}\nBody\n",
			body:     "Body\n",
			bodyLine: 6,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Format", fm.Format, "JSON")
				sameValue(t, "Title", fm.Title, `JSON {braces} and "quotes"`)
				sameValue(t, "Taxonomies", fm.Taxonomies, map[string][]string{"tags": {"x"}})
				sameValue(t, "Date", fm.Date, day(2024, 3, 24, time.UTC))
			},
		},
		{
			name:     "no front matter",
			src:      "# Just Markdown\n\nText.\n",
			body:     "# Just Markdown\n\nText.\n",
			bodyLine: 1,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Format", fm.Format, "")
				sameValue(t, "Date", fm.Date.IsZero(), true)
				sameValue(t, "Federate", fm.Federate, true)
				sameValue(t, "Build", fm.Build, buildOptions{List: "always", Render: "always", PublishResources: true})
			},
		},
		{
			name:     "byte order mark, CRLF and leading blank lines",
			src:      "\ufeff\r\n---\r\ntitle: Windows\r\ntags:\r\n- one\r\n---\r\nBody\r\n",
			body:     "Body\r\n",
			bodyLine: 7,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Title", fm.Title, "Windows")
				sameValue(t, "Taxonomies", fm.Taxonomies, map[string][]string{"tags": {"one"}})
			},
		},
		{
			name:     "empty front matter",
			src:      "---\n---\nBody",
			body:     "Body",
			bodyLine: 3,
			check:    func(t *testing.T, fm *frontMatter) { sameValue(t, "Title", fm.Title, "") },
		},
		{
			name:     "closing delimiter at end of file",
			src:      "+++\ntitle = 'x'\n+++",
			body:     "",
			bodyLine: 3,
			check:    func(t *testing.T, fm *frontMatter) { sameValue(t, "Title", fm.Title, "x") },
		},
		{
			name:     "dates fall back as Hugo's defaults say",
			src:      "---\npublishDate: 2024-01-02\nexpiryDate: 2030-01-01\n---\n",
			bodyLine: 5,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Date", fm.Date, day(2024, 1, 2, time.UTC))
				sameValue(t, "PublishDate", fm.PublishDate, day(2024, 1, 2, time.UTC))
				sameValue(t, "Lastmod", fm.Lastmod, day(2024, 1, 2, time.UTC))
				sameValue(t, "ExpiryDate", fm.ExpiryDate, day(2030, 1, 1, time.UTC))
				sameValue[any](t, "Params.date", fm.Params["date"], day(2024, 1, 2, time.UTC))
			},
		},
		{
			name:     "date from lastmod, and aliases of date keys",
			src:      "---\nmodified: 2023-05-06 07:08:09\npubdate: 2023-01-01T00:00:00Z\nunpublishdate: 02 Jan 2031\n---\n",
			bodyLine: 6,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Date", fm.Date, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
				sameValue(t, "Lastmod", fm.Lastmod, time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC))
				sameValue(t, "ExpiryDate", fm.ExpiryDate, day(2031, 1, 2, time.UTC))
			},
		},
		{
			name:     "dates without a zone are in the site's time zone",
			cfg:      func(c *SiteConfig) { c.TimeZone = madrid },
			src:      "+++\ndate = 2024-03-24T10:00:00\nlastmod = 2024-06-01\npublishDate = \"2024-03-25 08:00:00\"\nexpiryDate = \"2030-01-01T00:00:00Z\"\n+++\n",
			bodyLine: 7,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Date", fm.Date, time.Date(2024, 3, 24, 10, 0, 0, 0, madrid))
				sameValue(t, "Lastmod", fm.Lastmod, day(2024, 6, 1, madrid))
				sameValue(t, "PublishDate", fm.PublishDate, time.Date(2024, 3, 25, 8, 0, 0, 0, madrid))
				sameValue(t, "ExpiryDate", fm.ExpiryDate.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)), true)
			},
		},
		{
			name:     "yaml dates are read in the site's time zone",
			cfg:      func(c *SiteConfig) { c.TimeZone = madrid },
			src:      "---\ndate: 2024-03-24\nlastmod: 2024-03-25T10:00:00+05:00\n---\n",
			bodyLine: 5,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Date", fm.Date, day(2024, 3, 24, madrid))
				sameValue(t, "Lastmod.Equal", fm.Lastmod.Equal(time.Date(2024, 3, 25, 5, 0, 0, 0, time.UTC)), true)
			},
		},
		{
			name: "date and slug from the file name",
			cfg: func(c *SiteConfig) {
				c.FrontMatter.Date = expandDateKeys([]string{":filename", ":default"}, defaultFrontMatterConfig().Date)
			},
			src:      "---\ntitle: Dated\n---\n",
			bodyLine: 4,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Date", fm.Date, day(2024, 3, 24, time.UTC))
				sameValue(t, "Lastmod", fm.Lastmod, day(2024, 3, 24, time.UTC))
				sameValue(t, "PublishDate", fm.PublishDate, day(2024, 3, 24, time.UTC))
				sameValue(t, "Slug", fm.Slug, "kafka-summit")
			},
		},
		{
			name:     "params lowercased and merged",
			src:      "---\nTitle: Case\nCustomKey: 1\nNested:\n  InnerKey: {DeepKey: x}\nparams:\n  Color: red\n  customkey: 2\n---\n",
			bodyLine: 10,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Title", fm.Title, "Case")
				sameValue[any](t, "Params.customkey", fm.Params["customkey"], 2)
				sameValue[any](t, "Params.color", fm.Params["color"], "red")
				sameValue[any](t, "Params.nested", fm.Params["nested"], map[string]any{"innerkey": map[string]any{"deepkey": "x"}})
				sameValue[any](t, "Params.title", fm.Params["title"], "Case")
			},
		},
		{
			name:     "authors, images and a custom taxonomy",
			cfg:      func(c *SiteConfig) { c.Taxonomies = map[string]string{"series": "series"} },
			src:      "---\nauthor: Jorge\nimages: cover.jpg\nseries: Kafka\ntags: [not, a, taxonomy]\n---\n",
			bodyLine: 7,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Authors", fm.Authors, []string{"Jorge"})
				sameValue(t, "Images", fm.Images, []string{"cover.jpg"})
				sameValue(t, "Taxonomies", fm.Taxonomies, map[string][]string{"series": {"Kafka"}})
			},
		},
		{
			name:     "authors list wins over author",
			src:      "+++\nauthor = 'Solo'\nauthors = ['Ana', 'Bo']\nkeywords = 'one two'\n+++\n",
			bodyLine: 6,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Authors", fm.Authors, []string{"Ana", "Bo"})
				sameValue(t, "Keywords", fm.Keywords, []string{"one", "two"})
			},
		},
		{
			name:     "blogbridge settings",
			src:      "---\nblogbridge:\n  federate: false\n  contentWarning: Spoilers\n  type: note\n  pinned: true\n---\n",
			bodyLine: 8,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Federate", fm.Federate, false)
				sameValue(t, "Sensitive", fm.Sensitive, true)
				sameValue(t, "ContentWarning", fm.ContentWarning, "Spoilers")
				sameValue(t, "ObjectType", fm.ObjectType, "Note")
				sameValue(t, "Pinned", fm.Pinned, true)
			},
		},
		{
			name:     "blogbridge settings under params",
			src:      "+++\n[params.blogbridge]\nsensitive = true\ntype = \"Article\"\n+++\n",
			bodyLine: 6,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Sensitive", fm.Sensitive, true)
				sameValue(t, "ContentWarning", fm.ContentWarning, "")
				sameValue(t, "ObjectType", fm.ObjectType, "Article")
			},
		},
		{
			name:     "build options",
			src:      "---\nbuild:\n  render: never\n  list: local\n  publishResources: false\n---\n",
			bodyLine: 7,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Build", fm.Build, buildOptions{List: "local", Render: "never", PublishResources: false})
			},
		},
		{
			name:     "legacy _build with booleans wins over build",
			src:      "---\n_build:\n  render: false\n  list: true\nbuild:\n  list: never\n---\n",
			bodyLine: 8,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Build", fm.Build, buildOptions{List: "always", Render: "never", PublishResources: true})
			},
		},
		{
			name:     "headless",
			src:      "---\nheadless: true\n---\n",
			bodyLine: 4,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Headless", fm.Headless, true)
				sameValue(t, "Build", fm.Build, buildOptions{List: "never", Render: "never", PublishResources: true})
			},
		},
		{
			name:     "published false means draft",
			src:      "---\npublished: false\n---\n",
			bodyLine: 4,
			check:    func(t *testing.T, fm *frontMatter) { sameValue(t, "Draft", fm.Draft, true) },
		},
		{
			name:     "scalars are read as Hugo casts them",
			src:      "---\ntitle: 2024\ndraft: \"true\"\nweight: \"7\"\n---\n",
			bodyLine: 6,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Title", fm.Title, "2024")
				sameValue(t, "Draft", fm.Draft, true)
				sameValue(t, "Weight", fm.Weight, 7)
			},
		},
		{
			name:     "seed post",
			src:      readSeed(t),
			bodyLine: 8,
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Title", fm.Title, "Impressions from Kafka Summit London 2024")
				sameValue(t, "Date", fm.Date, day(2024, 3, 24, time.UTC))
				sameValue(t, "Lastmod", fm.Lastmod, day(2024, 3, 24, time.UTC))
				sameValue(t, "Taxonomies", fm.Taxonomies, map[string][]string{"tags": {"kafka-summit"}})
				sameValue(t, "Draft", fm.Draft, false)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultSiteConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			fm, body, line, diags, err := parseFrontMatter(cfg, "content/posts/2024-03-24-kafka-summit.md", []byte(tt.src))
			if err != nil {
				t.Fatalf("parseFrontMatter: %v", err)
			}
			if len(diags) > 0 {
				t.Errorf("unexpected diagnostics: %v", diags)
			}
			if tt.body != "" || tt.name != "seed post" {
				sameValue(t, "body", string(body), tt.body)
			}
			sameValue(t, "body line", line, tt.bodyLine)
			tt.check(t, fm)
		})
	}
}

// readSeed returns the seed post, a real Hugo post kept in ../shared beside
// the repository; the test skips when it is not there.
func readSeed(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(seedPost, "index.md"))
	if err != nil {
		t.Skipf("seed post not found at %s (it sits in ../shared beside the repository): %v", seedPost, err)
	}
	return string(b)
}

func TestParseFrontMatterDiagnostics(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		want  []Diagnostic // File is always the parsed file
		check func(t *testing.T, fm *frontMatter)
	}{
		{
			name: "wrong types in yaml",
			src:  "---\ntitle: [a, b]\ndraft: maybe\nweight: heavy\n---\n",
			want: []Diagnostic{{Line: 2, Severity: Warning}, {Line: 3, Severity: Warning}, {Line: 4, Severity: Warning}},
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Title", fm.Title, "")
				sameValue(t, "Draft", fm.Draft, false)
			},
		},
		{
			name: "wrong types in toml",
			src:  "+++\ntitle = 'ok'\n\n[blogbridge]\nfederate = 'perhaps'\n+++\n",
			want: []Diagnostic{{Line: 5, Severity: Warning}},
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "Title", fm.Title, "ok")
				sameValue(t, "Federate", fm.Federate, true)
			},
		},
		{
			name: "wrong types in json",
			src:  "\n{\n  \"title\": \"ok\",\n  \"tags\": {\"a\": 1}\n}\n",
			want: []Diagnostic{{Line: 4, Severity: Warning}},
		},
		{
			name:  "unparsable date",
			src:   "---\ntitle: x\ndate: next tuesday\n---\n",
			want:  []Diagnostic{{Line: 3, Severity: Warning}},
			check: func(t *testing.T, fm *frontMatter) { sameValue(t, "Date", fm.Date.IsZero(), true) },
		},
		{
			name: "unknown blogbridge type",
			src:  "---\nblogbridge:\n  type: Question\n---\n",
			want: []Diagnostic{{Line: 3, Severity: Error}},
			check: func(t *testing.T, fm *frontMatter) {
				sameValue(t, "ObjectType", fm.ObjectType, "")
			},
		},
		{
			name:  "url with a protocol",
			src:   "---\ntitle: x\nurl: https://elsewhere.example/\n---\n",
			want:  []Diagnostic{{Line: 3, Severity: Error}},
			check: func(t *testing.T, fm *frontMatter) { sameValue(t, "URL", fm.URL, "") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const file = "content/posts/p.md"
			fm, _, _, diags, err := parseFrontMatter(defaultSiteConfig(), file, []byte(tt.src))
			if err != nil {
				t.Fatalf("parseFrontMatter: %v", err)
			}
			if len(diags) != len(tt.want) {
				t.Fatalf("diagnostics = %v, want %d", diags, len(tt.want))
			}
			for i, w := range tt.want {
				d := diags[i]
				if d.File != file || d.Line != w.Line || d.Severity != w.Severity || d.Message == "" {
					t.Errorf("diagnostic %d = %v, want %s at line %d", i, d, w.Severity, w.Line)
				}
			}
			if tt.check != nil {
				tt.check(t, fm)
			}
		})
	}
}

func TestParseFrontMatterErrors(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantLine int
		wantMsg  string
	}{
		{name: "unclosed yaml", src: "---\ntitle: x\n\nBody\n", wantLine: 1, wantMsg: "not closed"},
		{name: "unclosed toml after blank lines", src: "\n\n+++\ntitle = 'x'\n", wantLine: 3, wantMsg: "not closed"},
		{name: "unclosed json", src: "{\n\"title\": \"x\"\n", wantLine: 1, wantMsg: "not closed"},
		{name: "yaml delimiter too short", src: "--\ntitle: x\n--\n", wantLine: 1, wantMsg: "delimiter"},
		{name: "yaml syntax error", src: "---\ntitle: x\nbad: a: b\n---\n", wantLine: 3, wantMsg: "invalid YAML"},
		{name: "yaml syntax error after leading lines", src: "\n\n---\ntitle: x\n\ntags: [a\nb: 1\n---\n", wantLine: 6, wantMsg: "invalid YAML"},
		{name: "yaml duplicate key", src: "---\ntitle: x\ndate: 2024-01-01\ntitle: y\n---\n", wantLine: 4, wantMsg: "already defined"},
		{name: "yaml list instead of map", src: "---\n- a\n---\n", wantLine: 2, wantMsg: "invalid YAML"},
		{name: "toml syntax error", src: "+++\ntitle = 'x'\ndate = \n+++\n", wantLine: 3, wantMsg: "invalid TOML"},
		{name: "json syntax error", src: "{\n  \"title\": \"x\"\n  \"date\": 1\n}\n", wantLine: 3, wantMsg: "invalid JSON"},
		{name: "invalid utf-8 in front matter", src: "---\ntitle: \xc3\x28\n---\n", wantLine: 2, wantMsg: "UTF-8"},
		{name: "invalid utf-8 in body", src: "---\ntitle: x\n---\n\nok\nbad \xff byte\n", wantLine: 6, wantMsg: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const file = "content/posts/p.md"
			_, _, _, _, err := parseFrontMatter(defaultSiteConfig(), file, []byte(tt.src))
			if err == nil {
				t.Fatal("parseFrontMatter succeeded, want an error")
			}
			var fe *fileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not located", err)
			}
			if fe.File != file || fe.Line != tt.wantLine || !strings.Contains(fe.Msg, tt.wantMsg) {
				t.Errorf("error = %q, want %s:%d: ...%s...", err, file, tt.wantLine, tt.wantMsg)
			}
			if d := fe.diagnostic(); d.Severity != Error || d.Line != tt.wantLine {
				t.Errorf("diagnostic = %v", d)
			}
		})
	}
}

func FuzzParseFrontMatter(f *testing.F) {
	seeds := []string{
		"---\ntitle: x\ndate: 2024-03-24\ntags: [a]\n---\nBody\n",
		"+++\ntitle = 'x'\ndate = 2024-03-24T10:00:00\n[blogbridge]\ntype = 'Note'\n+++\n",
		"{\"title\": \"x\", \"params\": {\"a\": [1, {\"b\": 2}]}}\nBody",
		"---\na: &x [*x]\n---\n",
		"---\nbuild:\n  render: 0\n_build: []\n---\n",
		"\ufeff\r\n---\r\ntitle: x\r\n---\r\n",
		"---\n",
		"{",
		"no front matter",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg := defaultSiteConfig()
		fm, body, line, diags, err := parseFrontMatter(cfg, "p.md", src)
		if err != nil {
			var fe *fileError
			if !errors.As(err, &fe) || fe.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		if fm == nil || line < 1 || len(body) > len(src) {
			t.Fatalf("fm=%v line=%d body=%d bytes of %d", fm, line, len(body), len(src))
		}
		for _, d := range diags {
			if d.Line < 1 || d.Message == "" {
				t.Fatalf("diagnostic without a line: %v", d)
			}
		}
	})
}
