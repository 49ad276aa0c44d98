package content

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
