package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// SiteConfig is what blogbridge reads from a Hugo site's configuration
// (hugo.toml|yaml|json, config.toml|yaml|json, or config/_default/). Every field
// has the value Hugo would use when the site does not set it.
type SiteConfig struct {
	BaseURL                        string // absolute, always ends in "/"
	Title                          string
	LanguageCode                   string // e.g. "en-us"
	DefaultContentLanguage         string // e.g. "en"
	DefaultContentLanguageInSubdir bool
	Languages                      []Language // sorted by weight, then code; never empty
	Params                         map[string]any
	Author                         Author
	Description                    string // params.description, else params.subtitle
	Avatar                         string // params.avatar (or params.images[0]), as written
	MainSections                   []string
	Permalinks                     map[string]string // section name -> pattern, for regular pages
	Taxonomies                     map[string]string // singular -> plural, e.g. "tag" -> "tags"
	Goldmark                       GoldmarkConfig
	Highlight                      HighlightConfig
	Paginate                       int  // pages per list page
	SummaryLength                  int  // words in an automatic summary (Hugo default 70)
	DisablePathToLower             bool // Hugo lowercases paths unless this is set
	UglyURLs                       bool
	ContentDir                     string // "content" unless configured
	Theme                          []string
	ConfigFiles                    []string // the files the configuration was read from

	// UglyURLSections holds uglyURLs given per section ([uglyURLs] posts =
	// true); UglyURLs applies to every section.
	UglyURLSections map[string]bool
	// SectionPermalinks, TaxonomyPermalinks and TermPermalinks are the
	// permalink patterns of [permalinks.section], [permalinks.taxonomy] and
	// [permalinks.term], by section or taxonomy name. A legacy
	// [permalinks] entry sets both Permalinks and TermPermalinks, as in Hugo.
	SectionPermalinks  map[string]string
	TaxonomyPermalinks map[string]string
	TermPermalinks     map[string]string
	// TimeZone is the zone of front matter dates written without one
	// (timeZone, default UTC).
	TimeZone *time.Location
	// FrontMatter says which front matter keys each page date is read from.
	FrontMatter FrontMatterConfig
}

// FrontMatterConfig is Hugo's [frontmatter] configuration: for each date of
// a page, the front matter keys to read it from, first found wins. ":filename"
// takes the date (and slug) from a file name like 2024-03-24-kafka.md;
// ":fileModTime" and ":git" are accepted but give nothing.
type FrontMatterConfig struct {
	Date        []string
	Lastmod     []string
	PublishDate []string
	ExpiryDate  []string
}

// Language is one of the site's languages.
type Language struct {
	Code         string // "en", "es"
	Name         string // languageName, e.g. "English"
	LanguageCode string // e.g. "en-US"; falls back to Code
	Title        string // the site title in this language
	Weight       int
	ContentDir   string // per-language content folder, "" when shared
	Params       map[string]any
}

// Author is the site's default author.
type Author struct {
	Name  string
	Email string
	URL   string
}

// GoldmarkConfig holds the markup.goldmark settings blogbridge honours.
type GoldmarkConfig struct {
	Unsafe                             bool // renderer.unsafe: pass raw HTML through
	Typographer                        bool
	Footnote                           bool
	DefinitionList                     bool
	Table                              bool
	Strikethrough                      bool
	Linkify                            bool
	LinkifyProtocol                    string // "https" (default) or "http": given to linkified www. addresses
	TaskList                           bool
	AutoHeadingID                      bool
	AutoHeadingIDType                  string // "github" (default), "github-ascii" or "blackfriday"
	HardWraps                          bool
	XHTML                              bool
	AttributeTitle                     bool // parser.attribute.title
	AttributeBlock                     bool // parser.attribute.block
	WrapStandAloneImageWithinParagraph bool
}

// HighlightConfig holds the markup.highlight settings.
type HighlightConfig struct {
	Style              string // chroma style, default "monokai"
	NoClasses          bool   // inline styles (Hugo default true)
	LineNos            bool
	LineNumbersInTable bool
	TabWidth           int
	CodeFences         bool // highlight fenced code blocks (default true)
	GuessSyntax        bool
}

// Hugo's defaults for what a site does not configure.
const (
	defaultLanguage      = "en"
	defaultPagerSize     = 10
	defaultSummaryLength = 70
	defaultContentDir    = "content"
)

// defaultSiteConfig returns the configuration of a Hugo site with no
// configuration at all.
func defaultSiteConfig() *SiteConfig {
	return &SiteConfig{
		DefaultContentLanguage: defaultLanguage,
		Languages:              []Language{{Code: defaultLanguage, LanguageCode: defaultLanguage, Params: map[string]any{}}},
		Params:                 map[string]any{},
		Taxonomies:             map[string]string{"tag": "tags", "category": "categories"},
		Goldmark: GoldmarkConfig{
			Typographer:                        true,
			Footnote:                           true,
			DefinitionList:                     true,
			Table:                              true,
			Strikethrough:                      true,
			Linkify:                            true,
			LinkifyProtocol:                    "https",
			TaskList:                           true,
			AutoHeadingID:                      true,
			AutoHeadingIDType:                  "github",
			AttributeTitle:                     true,
			WrapStandAloneImageWithinParagraph: true,
		},
		Highlight: HighlightConfig{
			Style:              "monokai",
			NoClasses:          true,
			LineNumbersInTable: true,
			TabWidth:           4,
			CodeFences:         true,
		},
		Paginate:      defaultPagerSize,
		SummaryLength: defaultSummaryLength,
		ContentDir:    defaultContentDir,
		TimeZone:      time.UTC,
		FrontMatter:   defaultFrontMatterConfig(),
	}
}

// defaultFrontMatterConfig is Hugo's [frontmatter] default, aliases
// included: a page's date falls back to its publishDate, then lastmod; its
// lastmod to its date; its publishDate to its date.
func defaultFrontMatterConfig() FrontMatterConfig {
	return FrontMatterConfig{
		Date:        expandDateKeys([]string{"date", "publishdate", "lastmod"}, nil),
		Lastmod:     expandDateKeys([]string{":git", "lastmod", "date", "publishdate"}, nil),
		PublishDate: expandDateKeys([]string{"publishdate", "date"}, nil),
		ExpiryDate:  expandDateKeys([]string{"expirydate"}, nil),
	}
}

// hugoFrontMatter is defaultFrontMatterConfig, to read only.
var hugoFrontMatter = defaultFrontMatterConfig()

// expandDateKeys lowercases keys, replaces ":default" with defaults and
// adds Hugo's aliases after each key (modified for lastmod, pubdate and
// published for publishDate, unpublishdate for expiryDate).
func expandDateKeys(keys, defaults []string) []string {
	aliases := map[string][]string{
		"lastmod":     {"modified"},
		"publishdate": {"pubdate", "published"},
		"expirydate":  {"unpublishdate"},
	}
	var out []string
	add := func(k string) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	for _, k := range keys {
		k = strings.ToLower(k)
		if k == ":default" {
			for _, d := range defaults {
				add(d)
			}
			continue
		}
		add(k)
		for _, a := range aliases[k] {
			add(a)
		}
	}
	return out
}

// LoadConfig reads the configuration of the Hugo site in siteDir as Hugo
// does: the first of hugo.toml, hugo.yaml, hugo.yml, hugo.json, config.toml,
// config.yaml, config.yml, config.json, then every file of config/_default/
// and config/production/ merged over it (params.toml under params,
// languages.toml under languages, params.fr.toml under languages.fr.params
// and so on; menus are not read). Keys are case-insensitive.
//
// A folder without any configuration is a site too: its content is in
// content/ when there is one, else the folder itself is the content.
//
// A file that cannot be parsed is an error naming the file and line ("hugo.toml:3:
// ..."); values that are wrong are returned as diagnostics, and the default
// is used in their place.
func LoadConfig(siteDir string) (*SiteConfig, []Diagnostic, error) {
	fi, err := os.Stat(siteDir)
	if err != nil {
		return nil, nil, fmt.Errorf("content: load config: %w", err)
	}
	if !fi.IsDir() {
		return nil, nil, fmt.Errorf("content: load config: %s is not a folder", siteDir)
	}
	l := &configLoader{siteDir: siteDir, root: map[string]any{}}
	if err := l.readFiles(); err != nil {
		return nil, nil, err
	}
	cfg := defaultSiteConfig()
	cfg.ConfigFiles = l.files
	l.decode(cfg)
	return cfg, l.diags, nil
}

// configLoader merges a site's configuration files and decodes them,
// keeping where each key came from for diagnostics.
type configLoader struct {
	siteDir string
	root    map[string]any
	files   []string
	sources []configSource
	diags   []Diagnostic
}

// configSource is one configuration file: its keys sit under prefix in
// the merged configuration.
type configSource struct {
	file   string // relative to the site, slash-separated
	prefix []string
	locate keyLocator
}

func (l *configLoader) readFiles() error {
	found := false
	for _, name := range []string{"hugo", "config"} {
		for _, ext := range []string{"toml", "yaml", "yml", "json"} {
			ok, err := l.readFile(name+"."+ext, nil, "")
			if err != nil {
				return err
			}
			if ok {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	for _, env := range []string{"_default", "production"} {
		dir := filepath.Join(l.siteDir, "config", env)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			base := d.Name()
			ext := strings.TrimPrefix(filepath.Ext(base), ".")
			if _, ok := formatFromExt(ext); !ok {
				return nil
			}
			name := strings.ToLower(strings.TrimSuffix(base, "."+ext))
			var prefix []string
			unwrap := ""
			if name != "hugo" && name != "config" {
				key, lang := name, ""
				if i := strings.LastIndexByte(name, '.'); i >= 0 {
					key, lang = name[:i], name[i+1:]
				}
				if key == "menu" || key == "menus" {
					return nil
				}
				unwrap = key
				prefix = []string{key}
				if lang != "" {
					prefix = []string{"languages", lang}
					if key == "params" {
						prefix = append(prefix, "params")
					}
				}
			}
			rel, err := filepath.Rel(l.siteDir, p)
			if err != nil {
				return err
			}
			_, err = l.readFile(filepath.ToSlash(rel), prefix, unwrap)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// readFile reads and merges one configuration file, rel to the site. It
// reports false when the file does not exist.
func (l *configLoader) readFile(rel string, prefix []string, unwrap string) (bool, error) {
	src, err := os.ReadFile(filepath.Join(l.siteDir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		if isDirErr(filepath.Join(l.siteDir, filepath.FromSlash(rel))) {
			return false, nil
		}
		return false, fmt.Errorf("content: read config %s: %w", rel, err)
	}
	src = trimBOM(src)
	f, _ := formatFromExt(strings.TrimPrefix(path.Ext(rel), "."))
	if off := firstInvalidUTF8(src); off >= 0 {
		return false, &fileError{File: rel, Line: lineAt(src, off), Msg: "invalid UTF-8"}
	}
	m, err := decodeMap(f, src)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return false, &fileError{File: rel, Line: se.line, Msg: se.msg}
		}
		return false, &fileError{File: rel, Msg: err.Error()}
	}
	locate := newKeyLocator(f, src)
	var v any = m
	if unwrap != "" && len(m) == 1 {
		if inner, ok := m[unwrap]; ok {
			// params.toml may hold [params] itself; its keys are then one
			// level deeper in the file than in the merged configuration.
			v = inner
			outer := locate
			locate = func(p []string) int { return outer(append([]string{unwrap}, p...)) }
		}
	}
	l.sources = append(l.sources, configSource{file: rel, prefix: prefix, locate: locate})
	l.merge(prefix, v)
	l.files = append(l.files, rel)
	return true, nil
}

func isDirErr(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// merge sets v at prefix in the merged configuration.
func (l *configLoader) merge(prefix []string, v any) {
	for i := len(prefix) - 1; i >= 0; i-- {
		v = map[string]any{prefix[i]: v}
	}
	if m, ok := v.(map[string]any); ok {
		mergeMaps(l.root, m)
	}
}

// get returns the merged value at a lowercase key path.
func (l *configLoader) get(keys ...string) (any, bool) {
	var cur any = l.root
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// where returns the file and line that set the key path, the last file
// to set it winning as in the merge.
func (l *configLoader) where(keys ...string) (string, int) {
	for i := len(l.sources) - 1; i >= 0; i-- {
		s := l.sources[i]
		if len(keys) < len(s.prefix) || !slices.Equal(keys[:len(s.prefix)], s.prefix) {
			continue
		}
		rest := keys[len(s.prefix):]
		if len(rest) == 0 {
			return s.file, 0
		}
		if line := s.locate(rest); line > 0 {
			return s.file, line
		}
	}
	if len(l.files) > 0 {
		return l.files[0], 0
	}
	return "", 0
}

func (l *configLoader) report(sev Severity, keys []string, format string, args ...any) {
	file, line := l.where(keys...)
	l.diags = append(l.diags, Diagnostic{File: file, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// wrongType reports a value of the wrong type; the key is then ignored.
func (l *configLoader) wrongType(keys []string, v any, want string) {
	l.report(Warning, keys, "%s: want %s, got %s; ignored", displayKey(keys), want, describeValue(v))
}

// displayKey writes a key path as Hugo's documentation does.
func displayKey(keys []string) string {
	return strings.Join(keys, ".")
}

func (l *configLoader) str(dst *string, keys ...string) bool {
	v, ok := l.get(keys...)
	if !ok || v == nil {
		return false
	}
	switch v.(type) {
	case []any, map[string]any:
		l.wrongType(keys, v, "a string")
		return false
	}
	s, ok := asString(v)
	if !ok {
		l.wrongType(keys, v, "a string")
		return false
	}
	*dst = s
	return true
}

func (l *configLoader) boolean(dst *bool, keys ...string) bool {
	v, ok := l.get(keys...)
	if !ok || v == nil {
		return false
	}
	b, ok := asBool(v)
	if !ok {
		l.wrongType(keys, v, "true or false")
		return false
	}
	*dst = b
	return true
}

func (l *configLoader) integer(dst *int, keys ...string) bool {
	v, ok := l.get(keys...)
	if !ok || v == nil {
		return false
	}
	n, ok := asInt(v)
	if !ok {
		l.wrongType(keys, v, "a whole number")
		return false
	}
	*dst = n
	return true
}

func (l *configLoader) stringMap(keys ...string) (map[string]any, bool) {
	v, ok := l.get(keys...)
	if !ok || v == nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		l.wrongType(keys, v, "a map")
		return nil, false
	}
	return m, true
}

// decode fills cfg from the merged configuration.
func (l *configLoader) decode(cfg *SiteConfig) {
	if len(l.files) == 0 {
		// A bare folder: content/ if there is one, else the folder itself.
		if fi, err := os.Stat(filepath.Join(l.siteDir, defaultContentDir)); err == nil && fi.IsDir() {
			cfg.ContentDir = defaultContentDir
		} else {
			cfg.ContentDir = "."
		}
	}
	l.decodeBaseURL(cfg)
	l.str(&cfg.Title, "title")
	l.str(&cfg.LanguageCode, "languagecode")
	if cfg.LanguageCode == "" {
		l.str(&cfg.LanguageCode, "locale")
	}
	dclSet := l.str(&cfg.DefaultContentLanguage, "defaultcontentlanguage")
	if lower := strings.ToLower(cfg.DefaultContentLanguage); lower != cfg.DefaultContentLanguage {
		l.report(Error, []string{"defaultcontentlanguage"}, "defaultContentLanguage %q must be lower case, as language names are", cfg.DefaultContentLanguage)
		cfg.DefaultContentLanguage = lower
	}
	if cfg.DefaultContentLanguage == "" {
		cfg.DefaultContentLanguage, dclSet = defaultLanguage, false
	}
	l.boolean(&cfg.DefaultContentLanguageInSubdir, "defaultcontentlanguageinsubdir")
	if p, ok := l.stringMap("params"); ok {
		cfg.Params = p
	}
	l.decodeSiteParams(cfg)
	l.decodeLanguages(cfg, dclSet)
	l.decodeTaxonomies(cfg)
	l.decodePermalinks(cfg)
	l.decodeMarkup(cfg)
	l.decodePagination(cfg)
	if l.integer(&cfg.SummaryLength, "summarylength") && cfg.SummaryLength < 0 {
		l.report(Error, []string{"summarylength"}, "summaryLength must not be negative")
		cfg.SummaryLength = defaultSummaryLength
	}
	l.boolean(&cfg.DisablePathToLower, "disablepathtolower")
	l.decodeUglyURLs(cfg)
	var contentDir string
	if l.str(&contentDir, "contentdir") && contentDir != "" {
		cfg.ContentDir = path.Clean(filepath.ToSlash(contentDir))
	}
	if v, ok := l.get("theme"); ok && v != nil {
		if t, ok := asStringSlice(v, true); ok {
			cfg.Theme = t
		} else {
			l.wrongType([]string{"theme"}, v, "a theme name or a list of them")
		}
	}
	l.decodeTimeZone(cfg)
	l.decodeFrontMatterDates(cfg)
}

func (l *configLoader) decodeBaseURL(cfg *SiteConfig) {
	var s string
	if !l.str(&s, "baseurl") {
		return
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	u, err := parseBaseURL(s)
	if err != nil {
		l.report(Error, []string{"baseurl"}, "baseURL %v", err)
		return
	}
	cfg.BaseURL = u
}

// decodeSiteParams fills the values blogbridge takes from site params.
func (l *configLoader) decodeSiteParams(cfg *SiteConfig) {
	p := cfg.Params
	if v, ok := p["mainsections"]; ok {
		if s, ok := asStringSlice(v, true); ok {
			cfg.MainSections = s
			if cfg.MainSections == nil {
				cfg.MainSections = []string{}
			}
		} else {
			l.wrongType([]string{"params", "mainsections"}, v, "a list of sections")
		}
	} else if v, ok := l.get("mainsections"); ok {
		if s, ok := asStringSlice(v, true); ok {
			cfg.MainSections = s
		} else {
			l.wrongType([]string{"mainsections"}, v, "a list of sections")
		}
	}

	if v, ok := p["author"]; ok {
		cfg.Author = l.author([]string{"params", "author"}, v)
	}
	if cfg.Author == (Author{}) {
		if v, ok := l.get("author"); ok {
			cfg.Author = l.author([]string{"author"}, v)
		}
	}

	for _, k := range []string{"description", "subtitle"} {
		if v, ok := p[k]; ok && v != nil {
			if s, ok := asString(v); ok && !isComposite(v) {
				if s != "" {
					cfg.Description = s
					break
				}
			} else {
				l.wrongType([]string{"params", k}, v, "a string")
			}
		}
	}

	if v, ok := p["avatar"]; ok && v != nil {
		if s, ok := asString(v); ok && !isComposite(v) {
			cfg.Avatar = s
		} else {
			l.wrongType([]string{"params", "avatar"}, v, "a string")
		}
	}
	if cfg.Avatar == "" {
		if v, ok := p["images"]; ok && v != nil {
			if imgs, ok := asStringSlice(v, true); ok && len(imgs) > 0 {
				cfg.Avatar = imgs[0]
			}
		}
	}
}

func isComposite(v any) bool {
	switch v.(type) {
	case []any, []string, map[string]any:
		return true
	}
	return false
}

// author reads an author given as a name or as a map of name, email and url.
func (l *configLoader) author(keys []string, v any) Author {
	switch vv := v.(type) {
	case nil:
		return Author{}
	case string:
		return Author{Name: vv}
	case []any:
		// Themes such as PaperMod take a list of names.
		names, ok := asStringSlice(vv, true)
		if ok {
			return Author{Name: strings.Join(names, ", ")}
		}
	case map[string]any:
		var a Author
		for k, dst := range map[string]*string{"name": &a.Name, "email": &a.Email, "url": &a.URL} {
			if s, ok := vv[k]; ok {
				if str, ok := asString(s); ok && !isComposite(s) {
					*dst = str
				} else {
					l.wrongType(append(slices.Clone(keys), k), s, "a string")
				}
			}
		}
		return a
	}
	l.wrongType(keys, v, "a name or a map with name, email and url")
	return Author{}
}

func (l *configLoader) decodeLanguages(cfg *SiteConfig, dclSet bool) {
	langs, ok := l.stringMap("languages")
	var disabled []string
	if v, ok := l.get("disablelanguages"); ok {
		if s, ok := asStringSlice(v, false); ok {
			for _, d := range s {
				disabled = append(disabled, strings.ToLower(d))
			}
		}
	}
	if !ok || len(langs) == 0 {
		code := cfg.DefaultContentLanguage
		lc := cfg.LanguageCode
		if lc == "" {
			lc = code
		}
		cfg.Languages = []Language{{Code: code, LanguageCode: lc, Title: cfg.Title, Params: cfg.Params}}
		return
	}
	var list []Language
	for code, v := range langs {
		keys := []string{"languages", code}
		m, ok := v.(map[string]any)
		if !ok {
			if v != nil {
				l.wrongType(keys, v, "a map")
			}
			m = map[string]any{}
		}
		if code == "" {
			l.report(Error, keys, "language name cannot be empty")
			continue
		}
		var off bool
		if dv, ok := m["disabled"]; ok {
			off, _ = asBool(dv)
		}
		if off || slices.Contains(disabled, code) {
			if code == cfg.DefaultContentLanguage && dclSet {
				l.report(Error, keys, "default language %q is disabled", code)
			}
			continue
		}
		lang := Language{Code: code, Title: cfg.Title}
		l.integer(&lang.Weight, append(keys, "weight")...)
		l.str(&lang.Title, append(keys, "title")...)
		if !l.str(&lang.Name, append(keys, "label")...) {
			l.str(&lang.Name, append(keys, "languagename")...)
		}
		if !l.str(&lang.LanguageCode, append(keys, "locale")...) {
			l.str(&lang.LanguageCode, append(keys, "languagecode")...)
		}
		if l.str(&lang.ContentDir, append(keys, "contentdir")...) && lang.ContentDir != "" {
			lang.ContentDir = path.Clean(filepath.ToSlash(lang.ContentDir))
		}
		lang.Params = map[string]any{}
		mergeMaps(lang.Params, cfg.Params)
		if lp, ok := l.stringMap(append(keys, "params")...); ok {
			mergeMaps(lang.Params, lp)
		}
		list = append(list, lang)
	}
	if len(list) == 0 {
		l.report(Error, []string{"languages"}, "every language is disabled")
		code := cfg.DefaultContentLanguage
		list = []Language{{Code: code, Title: cfg.Title, Params: cfg.Params}}
	}
	// Hugo's order: by weight, languages without a weight last, then by code.
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Weight == b.Weight {
			return a.Code < b.Code
		}
		if b.Weight == 0 {
			return true
		}
		if a.Weight == 0 {
			return false
		}
		return a.Weight < b.Weight
	})
	idx := slices.IndexFunc(list, func(x Language) bool { return x.Code == cfg.DefaultContentLanguage })
	if idx < 0 {
		if dclSet {
			l.report(Error, []string{"defaultcontentlanguage"}, "defaultContentLanguage %q is not one of the languages", cfg.DefaultContentLanguage)
		}
		// Not set: English if configured, else the first language.
		idx = max(slices.IndexFunc(list, func(x Language) bool { return x.Code == defaultLanguage }), 0)
		cfg.DefaultContentLanguage = list[idx].Code
	}
	if list[idx].LanguageCode == "" && cfg.LanguageCode != "" {
		list[idx].LanguageCode = cfg.LanguageCode
	}
	for i := range list {
		if list[i].LanguageCode == "" {
			list[i].LanguageCode = list[i].Code
		}
	}
	cfg.Languages = list
}

func (l *configLoader) decodeTaxonomies(cfg *SiteConfig) {
	keys := []string{"taxonomies"}
	v, ok := l.get("taxonomies")
	if !ok {
		keys = []string{"indexes"}
		if v, ok = l.get("indexes"); !ok {
			return
		}
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		if v != nil {
			l.wrongType(keys, v, "a map of singular to plural names")
		}
		// An empty value disables taxonomies, as an empty map does.
		cfg.Taxonomies = map[string]string{}
		return
	}
	cfg.Taxonomies = map[string]string{}
	for singular, pv := range m {
		plural, ok := asString(pv)
		if !ok || isComposite(pv) {
			l.wrongType(append(keys, singular), pv, "a plural name")
			continue
		}
		plural = strings.ToLower(strings.TrimSpace(plural))
		if singular == "" || plural == "" {
			continue
		}
		cfg.Taxonomies[singular] = plural
	}
}

func (l *configLoader) decodePermalinks(cfg *SiteConfig) {
	v, ok := l.get("permalinks")
	if !ok || v == nil {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		l.report(Warning, []string{"permalinks"}, "permalinks: only the map forms ([permalinks] and [permalinks.page] etc.) are supported; ignored")
		return
	}
	set := func(keys []string, section string, pattern any, dsts ...*map[string]string) {
		s, ok := pattern.(string)
		if !ok {
			l.wrongType(keys, pattern, "a pattern string")
			return
		}
		if err := checkPermalinkPattern(s); err != nil {
			l.report(Error, keys, "permalink %q: %v", s, err)
			return
		}
		for _, dst := range dsts {
			if *dst == nil {
				*dst = map[string]string{}
			}
			(*dst)[strings.Trim(section, " /")] = s
		}
	}
	for k, pv := range m {
		keys := []string{"permalinks", k}
		switch pv := pv.(type) {
		case string:
			// [permalinks] posts = "...": regular pages and terms.
			set(keys, k, pv, &cfg.Permalinks, &cfg.TermPermalinks)
		case map[string]any:
			var dst *map[string]string
			switch k {
			case "page":
				dst = &cfg.Permalinks
			case "section":
				dst = &cfg.SectionPermalinks
			case "taxonomy":
				dst = &cfg.TaxonomyPermalinks
			case "term":
				dst = &cfg.TermPermalinks
			default:
				l.report(Error, keys, "permalinks configuration not supported for kind %q, supported kinds are page, section, taxonomy and term", k)
				continue
			}
			for section, p := range pv {
				set(append(keys, section), section, p, dst)
			}
		default:
			l.wrongType(keys, pv, "a pattern string or a map of them")
		}
	}
}

func (l *configLoader) decodeMarkup(cfg *SiteConfig) {
	g := &cfg.Goldmark
	gm := []string{"markup", "goldmark"}
	at := func(k ...string) []string { return append(slices.Clone(gm), k...) }
	l.boolean(&g.Unsafe, at("renderer", "unsafe")...)
	l.boolean(&g.HardWraps, at("renderer", "hardwraps")...)
	l.boolean(&g.XHTML, at("renderer", "xhtml")...)

	// typographer and footnote are maps in Hugo today and were booleans.
	if v, ok := l.get(at("extensions", "typographer")...); ok {
		if _, ok := v.(map[string]any); ok {
			var off bool
			if l.boolean(&off, at("extensions", "typographer", "disable")...) {
				g.Typographer = !off
			}
		} else if b, ok := asBool(v); ok && v != nil {
			g.Typographer = b
		} else if v != nil {
			l.wrongType(at("extensions", "typographer"), v, "true, false or a map")
		}
	}
	if v, ok := l.get(at("extensions", "footnote")...); ok {
		if _, ok := v.(map[string]any); ok {
			l.boolean(&g.Footnote, at("extensions", "footnote", "enable")...)
		} else if b, ok := asBool(v); ok && v != nil {
			g.Footnote = b
		} else if v != nil {
			l.wrongType(at("extensions", "footnote"), v, "true, false or a map")
		}
	}
	l.boolean(&g.DefinitionList, at("extensions", "definitionlist")...)
	l.boolean(&g.Table, at("extensions", "table")...)
	l.boolean(&g.Strikethrough, at("extensions", "strikethrough")...)
	l.boolean(&g.Linkify, at("extensions", "linkify")...)
	protoKeys := at("extensions", "linkifyprotocol")
	var proto string
	if l.str(&proto, protoKeys...) {
		switch proto {
		case "http", "https":
			g.LinkifyProtocol = proto
		default:
			l.report(Error, protoKeys, "%s %q: want https or http", displayKey(protoKeys), proto)
		}
	}
	l.boolean(&g.TaskList, at("extensions", "tasklist")...)

	l.boolean(&g.AutoHeadingID, at("parser", "autoheadingid")...)
	l.boolean(&g.WrapStandAloneImageWithinParagraph, at("parser", "wrapstandaloneimagewithinparagraph")...)
	// autoHeadingIDType was renamed autoIDType; the old name wins, as in Hugo.
	idKeys := at("parser", "autoheadingidtype")
	var idType string
	if !l.str(&idType, idKeys...) || idType == "" {
		idKeys = at("parser", "autoidtype")
		l.str(&idType, idKeys...)
	}
	if idType != "" {
		switch idType {
		case "github", "github-ascii", "blackfriday":
			g.AutoHeadingIDType = idType
		default:
			l.report(Error, idKeys, "%s %q: want github, github-ascii or blackfriday", displayKey(idKeys), idType)
		}
	}
	if v, ok := l.get(at("parser", "attribute")...); ok {
		if _, ok := v.(map[string]any); ok {
			l.boolean(&g.AttributeTitle, at("parser", "attribute", "title")...)
			l.boolean(&g.AttributeBlock, at("parser", "attribute", "block")...)
		} else if b, ok := asBool(v); ok && v != nil {
			g.AttributeTitle = b
		} else if v != nil {
			l.wrongType(at("parser", "attribute"), v, "true, false or a map")
		}
	}

	h := &cfg.Highlight
	hk := func(k string) []string { return []string{"markup", "highlight", k} }
	if !l.str(&h.Style, hk("style")...) {
		l.str(&h.Style, "pygmentsstyle")
	}
	if !l.boolean(&h.NoClasses, hk("noclasses")...) {
		var classes bool
		if l.boolean(&classes, "pygmentsuseclasses") {
			h.NoClasses = !classes
		}
	}
	l.boolean(&h.LineNos, hk("linenos")...)
	l.boolean(&h.LineNumbersInTable, hk("linenumbersintable")...)
	if l.integer(&h.TabWidth, hk("tabwidth")...) && h.TabWidth < 1 {
		l.report(Error, hk("tabwidth"), "markup.highlight.tabWidth must be at least 1")
		h.TabWidth = 4
	}
	if !l.boolean(&h.CodeFences, hk("codefences")...) {
		l.boolean(&h.CodeFences, "pygmentscodefences")
	}
	if !l.boolean(&h.GuessSyntax, hk("guesssyntax")...) {
		l.boolean(&h.GuessSyntax, "pygmentscodefencesguesssyntax")
	}
}

func (l *configLoader) decodePagination(cfg *SiteConfig) {
	keys := []string{"pagination", "pagersize"}
	n := cfg.Paginate
	if !l.integer(&n, keys...) {
		keys = []string{"paginate"}
		if !l.integer(&n, keys...) {
			return
		}
	}
	if n < 1 {
		l.report(Error, keys, "%s must be at least 1, got %d", displayKey(keys), n)
		return
	}
	cfg.Paginate = n
}

func (l *configLoader) decodeUglyURLs(cfg *SiteConfig) {
	v, ok := l.get("uglyurls")
	if !ok || v == nil {
		return
	}
	if m, ok := v.(map[string]any); ok {
		cfg.UglyURLSections = map[string]bool{}
		for section, sv := range m {
			b, ok := asBool(sv)
			if !ok {
				l.wrongType([]string{"uglyurls", section}, sv, "true or false")
				continue
			}
			cfg.UglyURLSections[section] = b
		}
		return
	}
	l.boolean(&cfg.UglyURLs, "uglyurls")
}

func (l *configLoader) decodeTimeZone(cfg *SiteConfig) {
	var tz string
	if !l.str(&tz, "timezone") || tz == "" {
		return
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		l.report(Error, []string{"timezone"}, "timeZone %q: %v", tz, err)
		return
	}
	cfg.TimeZone = loc
}

func (l *configLoader) decodeFrontMatterDates(cfg *SiteConfig) {
	m, ok := l.stringMap("frontmatter")
	if !ok {
		return
	}
	def := FrontMatterConfig{
		Date:        []string{"date", "publishdate", "lastmod"},
		Lastmod:     []string{":git", "lastmod", "date", "publishdate"},
		PublishDate: []string{"publishdate", "date"},
		ExpiryDate:  []string{"expirydate"},
	}
	for k, dst := range map[string]*[]string{"date": &cfg.FrontMatter.Date, "lastmod": &cfg.FrontMatter.Lastmod, "publishdate": &cfg.FrontMatter.PublishDate, "expirydate": &cfg.FrontMatter.ExpiryDate} {
		v, ok := m[k]
		if !ok {
			continue
		}
		keys, ok := asStringSlice(v, true)
		if !ok {
			l.wrongType([]string{"frontmatter", k}, v, "a list of front matter keys")
			continue
		}
		var defaults []string
		switch k {
		case "date":
			defaults = def.Date
		case "lastmod":
			defaults = def.Lastmod
		case "publishdate":
			defaults = def.PublishDate
		case "expirydate":
			defaults = def.ExpiryDate
		}
		*dst = expandDateKeys(keys, expandDateKeys(defaults, nil))
	}
}

// isUgly reports whether pages of the top-level section use ugly URLs.
func (c *SiteConfig) isUgly(section string) bool {
	if c.UglyURLs {
		return true
	}
	return c.UglyURLSections[section]
}

// location returns the time zone of dates written without one.
func (c *SiteConfig) location() *time.Location {
	if c.TimeZone == nil {
		return time.UTC
	}
	return c.TimeZone
}
