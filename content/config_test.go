package content

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	tests := []struct {
		name  string
		dir   string
		check func(t *testing.T, c *SiteConfig)
	}{
		{
			name: "toml with everything a blog sets",
			dir:  "toml",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "BaseURL", c.BaseURL, "https://example.org/blog/")
				sameValue(t, "Title", c.Title, "Jorge's Notes")
				sameValue(t, "LanguageCode", c.LanguageCode, "en-us")
				sameValue(t, "TimeZone", c.TimeZone, madrid)
				sameValue(t, "Theme", c.Theme, []string{"papermod"})
				sameValue(t, "SummaryLength", c.SummaryLength, 40)
				sameValue(t, "DisablePathToLower", c.DisablePathToLower, true)
				sameValue(t, "Paginate", c.Paginate, 5)
				sameValue(t, "Description", c.Description, "Notes on streaming")
				sameValue(t, "MainSections", c.MainSections, []string{"posts", "notes"})
				sameValue(t, "Avatar", c.Avatar, "/img/me.png")
				sameValue(t, "Author", c.Author, Author{Name: "Jorge", Email: "jorge@example.org", URL: "https://example.org/about/"})
				sameValue(t, "Taxonomies", c.Taxonomies, map[string]string{"tag": "tags", "series": "series"})
				sameValue(t, "Permalinks", c.Permalinks, map[string]string{"posts": "/:year/:month/:slug/"})
				sameValue(t, "TermPermalinks", c.TermPermalinks, map[string]string{"posts": "/:year/:month/:slug/"})
				sameValue(t, "Languages", c.Languages, []Language{{Code: "en", LanguageCode: "en-us", Title: "Jorge's Notes", Params: c.Params}})
				sameValue(t, "ContentDir", c.ContentDir, "content")
				sameValue(t, "ConfigFiles", c.ConfigFiles, []string{"hugo.toml"})
				want := defaultSiteConfig().Goldmark
				want.Unsafe, want.HardWraps, want.Linkify, want.Typographer = true, true, false, false
				want.AutoHeadingIDType, want.AttributeBlock = "github-ascii", true
				sameValue(t, "Goldmark", c.Goldmark, want)
				sameValue(t, "Highlight", c.Highlight, HighlightConfig{Style: "dracula", NoClasses: false, LineNos: true, LineNumbersInTable: true, TabWidth: 2, CodeFences: true})
			},
		},
		{
			name: "yaml config with lowercase keys and permalink kinds",
			dir:  "yaml",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "BaseURL", c.BaseURL, "https://yaml.example.org/")
				sameValue(t, "DefaultContentLanguage", c.DefaultContentLanguage, "es")
				sameValue(t, "Languages", c.Languages, []Language{{Code: "es", LanguageCode: "es", Title: "YAML Site", Params: c.Params}})
				sameValue(t, "Paginate", c.Paginate, 7)
				sameValue(t, "UglyURLs", c.UglyURLs, false)
				sameValue(t, "UglyURLSections", c.UglyURLSections, map[string]bool{"posts": true})
				sameValue(t, "Description", c.Description, "A subtitle stands in for the description")
				sameValue(t, "Avatar", c.Avatar, "/img/site.png")
				sameValue(t, "Author", c.Author, Author{Name: "Ada"})
				sameValue(t, "Permalinks", c.Permalinks, map[string]string{"posts": "/articles/:slug/"})
				sameValue(t, "SectionPermalinks", c.SectionPermalinks, map[string]string{"posts": "/articles/"})
				sameValue(t, "TermPermalinks", c.TermPermalinks, map[string]string{"tags": "/topics/:slug/"})
				sameValue(t, "FrontMatter.Date", c.FrontMatter.Date, []string{":filename", "date", "publishdate", "pubdate", "published", "lastmod", "modified"})
				sameValue(t, "FrontMatter.Lastmod", c.FrontMatter.Lastmod, defaultFrontMatterConfig().Lastmod)
				sameValue(t, "Taxonomies", c.Taxonomies, map[string]string{"tag": "tags", "category": "categories"})
				sameValue(t, "TimeZone", c.TimeZone, time.UTC)
			},
		},
		{
			name: "json config",
			dir:  "json",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "BaseURL", c.BaseURL, "http://json.example.org/")
				sameValue(t, "Theme", c.Theme, []string{"base", "child"})
				sameValue(t, "Taxonomies", c.Taxonomies, map[string]string{"category": "categories"})
				sameValue(t, "Description", c.Description, "From JSON")
				sameValue[any](t, "Params.nested", c.Params["nested"], map[string]any{"mixedcase": float64(1)})
				sameValue(t, "Goldmark.Footnote", c.Goldmark.Footnote, false)
				sameValue(t, "Goldmark.Table", c.Goldmark.Table, false)
				sameValue(t, "Goldmark.AutoHeadingID", c.Goldmark.AutoHeadingID, false)
				sameValue(t, "Goldmark.Strikethrough", c.Goldmark.Strikethrough, true)
				sameValue(t, "Goldmark.LinkifyProtocol", c.Goldmark.LinkifyProtocol, "http")
				sameValue(t, "Highlight.CodeFences", c.Highlight.CodeFences, false)
				sameValue(t, "Highlight.GuessSyntax", c.Highlight.GuessSyntax, true)
			},
		},
		{
			name: "config/_default and config/production merged",
			dir:  "dirconfig",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "BaseURL", c.BaseURL, "https://split.example.org/")
				sameValue(t, "Title", c.Title, "Split Configuration")
				sameValue(t, "Description", c.Description, "From params.toml")
				sameValue(t, "MainSections", c.MainSections, []string{"blog"})
				sameValue(t, "Permalinks", c.Permalinks, map[string]string{"blog": "/:year/:slug/"})
				sameValue(t, "Taxonomies", c.Taxonomies, map[string]string{"tag": "tags"})
				sameValue(t, "Goldmark.Unsafe", c.Goldmark.Unsafe, true)
				sameValue(t, "ConfigFiles", c.ConfigFiles, []string{
					"config/_default/hugo.toml", "config/_default/languages.toml", "config/_default/markup.yaml",
					"config/_default/params.toml", "config/_default/permalinks.toml", "config/_default/taxonomies.toml",
					"config/production/hugo.toml",
				})
				if len(c.Languages) != 2 {
					t.Fatalf("Languages = %+v, want en and es", c.Languages)
				}
				sameValue(t, "Languages[1].Title", c.Languages[1].Title, "Configuración separada")
				sameValue(t, "Languages[1].Name", c.Languages[1].Name, "Español")
				sameValue[any](t, "Languages[1].Params.description", c.Languages[1].Params["description"], "Desde languages.toml")
				sameValue[any](t, "Languages[0].Params.description", c.Languages[0].Params["description"], "From params.toml")
				if _, ok := c.Params["main"]; ok {
					t.Error("menus were read into params")
				}
			},
		},
		{
			name: "multilingual by weight, disabled languages left out",
			dir:  "multilingual",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "DefaultContentLanguage", c.DefaultContentLanguage, "fr")
				sameValue(t, "DefaultContentLanguageInSubdir", c.DefaultContentLanguageInSubdir, true)
				want := []Language{
					{Code: "fr", Name: "Français", LanguageCode: "fr-FR", Title: "Default Title", Weight: 1, ContentDir: "content/french",
						Params: map[string]any{"description": "root description", "color": "blue"}},
					{Code: "en", Name: "English", LanguageCode: "en-GB", Title: "English Title", Weight: 2, ContentDir: "content/english",
						Params: map[string]any{"description": "root description", "color": "red"}},
					{Code: "de", Name: "Deutsch", LanguageCode: "de", Title: "Default Title",
						Params: map[string]any{"description": "root description", "color": "blue"}},
				}
				sameValue(t, "Languages", c.Languages, want)
			},
		},
		{
			name: "hugo.toml wins over hugo.yaml and config.toml",
			dir:  "precedence",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "Title", c.Title, "from hugo.toml")
				sameValue(t, "BaseURL", c.BaseURL, "")
				sameValue(t, "ConfigFiles", c.ConfigFiles, []string{"hugo.toml"})
			},
		},
		{
			name: "bare content folder",
			dir:  "bare",
			check: func(t *testing.T, c *SiteConfig) {
				want := defaultSiteConfig()
				want.ContentDir = "."
				sameValue(t, "config", c, want)
			},
		},
		{
			name: "folder with content and no configuration",
			dir:  "barecontent",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "ContentDir", c.ContentDir, "content")
				sameValue(t, "Paginate", c.Paginate, 10)
				sameValue(t, "Languages", c.Languages, defaultSiteConfig().Languages)
			},
		},
		{
			name: "empty taxonomies table disables taxonomies",
			dir:  "notaxonomies",
			check: func(t *testing.T, c *SiteConfig) {
				if c.Taxonomies == nil || len(c.Taxonomies) != 0 {
					t.Errorf("Taxonomies = %#v, want an empty map", c.Taxonomies)
				}
			},
		},
		{
			name: "legacy keys",
			dir:  "legacy",
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "BaseURL", c.BaseURL, "https://legacy.example.org/")
				sameValue(t, "Paginate", c.Paginate, 3)
				sameValue(t, "Author", c.Author, Author{Name: "Legacy Author"})
				sameValue(t, "MainSections", c.MainSections, []string{"posts"})
				sameValue(t, "Highlight.Style", c.Highlight.Style, "github")
				sameValue(t, "Highlight.NoClasses", c.Highlight.NoClasses, false)
				sameValue(t, "Goldmark.Typographer", c.Goldmark.Typographer, false)
				sameValue(t, "Goldmark.Footnote", c.Goldmark.Footnote, false)
				sameValue(t, "Goldmark.AutoHeadingIDType", c.Goldmark.AutoHeadingIDType, "blackfriday")
				sameValue(t, "Goldmark.AttributeTitle", c.Goldmark.AttributeTitle, false)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, diags, err := LoadConfig(filepath.Join("testdata", "config", tt.dir))
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if len(diags) > 0 {
				t.Errorf("unexpected diagnostics: %v", diags)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadConfigMalformed(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string // prefix of the error text
	}{
		{
			name:    "toml syntax error",
			files:   map[string]string{"hugo.toml": "title = \"x\"\n\nbaseURL = \n"},
			wantErr: "hugo.toml:3: invalid TOML",
		},
		{
			name:    "yaml syntax error",
			files:   map[string]string{"hugo.yaml": "title: x\nparams:\n  a: [1, 2\n  b: 3\n"},
			wantErr: "hugo.yaml:3: invalid YAML",
		},
		{
			name:    "yaml mapping value in the wrong place",
			files:   map[string]string{"hugo.yaml": "title: x\nbad: a: b\n"},
			wantErr: "hugo.yaml:2: invalid YAML",
		},
		{
			name:    "yaml duplicate key",
			files:   map[string]string{"hugo.yaml": "title: x\nbaseURL: y\ntitle: z\n"},
			wantErr: "hugo.yaml:3: invalid YAML",
		},
		{
			name:    "yaml that is not a map",
			files:   map[string]string{"config.yaml": "# comment\n- a\n- b\n"},
			wantErr: "config.yaml:2: invalid YAML",
		},
		{
			name:    "json syntax error",
			files:   map[string]string{"hugo.json": "{\n  \"title\": \"x\",\n  \"baseURL\" \"y\"\n}\n"},
			wantErr: "hugo.json:3: invalid JSON",
		},
		{
			name:    "json truncated",
			files:   map[string]string{"hugo.json": "{\n  \"title\": \"x\",\n"},
			wantErr: "hugo.json:3: invalid JSON",
		},
		{
			name:    "error in config/_default",
			files:   map[string]string{"hugo.toml": "title = 'x'\n", "config/_default/params.toml": "a = 1\nb = [\n"},
			wantErr: "config/_default/params.toml:2: invalid TOML",
		},
		{
			name:    "invalid utf-8",
			files:   map[string]string{"hugo.toml": "title = 'x'\ndescription = '\xff'\n"},
			wantErr: "hugo.toml:2: invalid UTF-8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := makeSiteDir(t, tt.files)
			_, _, err := LoadConfig(dir)
			if err == nil {
				t.Fatal("LoadConfig succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to start with %q", err, tt.wantErr)
			}
			var fe *fileError
			if !errors.As(err, &fe) || fe.Line < 1 {
				t.Errorf("error %v carries no line", err)
			}
		})
	}
}

func TestLoadConfigDiagnostics(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []Diagnostic
		check func(t *testing.T, c *SiteConfig)
	}{
		{
			name: "invalid values fall back to defaults",
			files: map[string]string{"hugo.toml": `title = "x"
baseURL = "example.org"
paginate = 0
[markup.goldmark.parser]
autoHeadingIDType = "gitlab"
[markup.goldmark.extensions]
linkifyProtocol = "ftp"
`},
			want: []Diagnostic{
				{File: "hugo.toml", Line: 2, Severity: Error},
				{File: "hugo.toml", Line: 7, Severity: Error},
				{File: "hugo.toml", Line: 5, Severity: Error},
				{File: "hugo.toml", Line: 3, Severity: Error},
			},
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "BaseURL", c.BaseURL, "")
				sameValue(t, "Paginate", c.Paginate, 10)
				sameValue(t, "AutoHeadingIDType", c.Goldmark.AutoHeadingIDType, "github")
				sameValue(t, "LinkifyProtocol", c.Goldmark.LinkifyProtocol, "https")
			},
		},
		{
			name:  "pager size in yaml",
			files: map[string]string{"hugo.yaml": "title: x\npagination:\n  pagerSize: -2\n"},
			want:  []Diagnostic{{File: "hugo.yaml", Line: 3, Severity: Error}},
		},
		{
			name:  "relative base url in json",
			files: map[string]string{"hugo.json": "{\n  \"title\": \"x\",\n  \"baseURL\": \"/blog/\"\n}\n"},
			want:  []Diagnostic{{File: "hugo.json", Line: 3, Severity: Error}},
		},
		{
			name:  "value set in config/_default",
			files: map[string]string{"hugo.toml": "title = 'x'\n", "config/_default/hugo.toml": "\n\nbaseURL = 'ftp://x.org/'\n"},
			want:  []Diagnostic{{File: "config/_default/hugo.toml", Line: 3, Severity: Error}},
		},
		{
			name:  "wrong type is a warning",
			files: map[string]string{"hugo.toml": "title = ['a', 'b']\n"},
			want:  []Diagnostic{{File: "hugo.toml", Line: 1, Severity: Warning}},
			check: func(t *testing.T, c *SiteConfig) { sameValue(t, "Title", c.Title, "") },
		},
		{
			name:  "unknown permalink token",
			files: map[string]string{"hugo.toml": "[permalinks]\nposts = '/:year/:author/'\n"},
			want:  []Diagnostic{{File: "hugo.toml", Line: 2, Severity: Error}},
			check: func(t *testing.T, c *SiteConfig) { sameValue(t, "Permalinks", len(c.Permalinks), 0) },
		},
		{
			name:  "unknown time zone",
			files: map[string]string{"hugo.toml": "timeZone = 'Mars/Olympus'\n"},
			want:  []Diagnostic{{File: "hugo.toml", Line: 1, Severity: Error}},
			check: func(t *testing.T, c *SiteConfig) { sameValue(t, "TimeZone", c.TimeZone, time.UTC) },
		},
		{
			name:  "author list as themes write it",
			files: map[string]string{"hugo.toml": "[params]\nauthor = ['Ana', 'Bo']\n"},
			check: func(t *testing.T, c *SiteConfig) { sameValue(t, "Author", c.Author, Author{Name: "Ana, Bo"}) },
		},
		{
			name:  "upper case default language",
			files: map[string]string{"hugo.yaml": "title: x\ndefaultContentLanguage: EN\n"},
			want:  []Diagnostic{{File: "hugo.yaml", Line: 2, Severity: Error}},
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "DefaultContentLanguage", c.DefaultContentLanguage, "en")
			},
		},
		{
			name:  "default language missing from languages",
			files: map[string]string{"hugo.toml": "defaultContentLanguage = 'de'\n[languages.en]\n[languages.fr]\n"},
			want:  []Diagnostic{{File: "hugo.toml", Line: 1, Severity: Error}},
			check: func(t *testing.T, c *SiteConfig) {
				sameValue(t, "DefaultContentLanguage", c.DefaultContentLanguage, "en")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, diags, err := LoadConfig(makeSiteDir(t, tt.files))
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if len(diags) != len(tt.want) {
				t.Fatalf("diagnostics = %v, want %d", diags, len(tt.want))
			}
			for _, w := range tt.want {
				found := false
				for _, d := range diags {
					if d.File == w.File && d.Line == w.Line && d.Severity == w.Severity && d.Message != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s diagnostic at %s:%d in %v", w.Severity, w.File, w.Line, diags)
				}
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestLoadConfigMissingFolder(t *testing.T) {
	if _, _, err := LoadConfig(filepath.Join(t.TempDir(), "nowhere")); err == nil {
		t.Error("LoadConfig of a missing folder succeeded")
	}
}

// makeSiteDir writes files (slash paths) into a new temporary site folder.
func makeSiteDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sameValue[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}
