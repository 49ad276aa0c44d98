package shortcode

import (
	"fmt"
	"html/template"
	"mime"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Position locates a shortcode call in its file, as Hugo's .Position.
type Position struct {
	Filename     string
	LineNumber   int
	ColumnNumber int
}

// String formats the position as "FILE:LINE:COLUMN".
func (p Position) String() string {
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.LineNumber, p.ColumnNumber)
}

// call is one shortcode call: the dot of a shortcode template.
type call struct {
	x       *expander
	name    string
	args    []arg
	named   bool
	params  any // typed arguments, made on first use
	typed   bool
	inner   string
	ordinal int
	parent  *call
	markup  bool
	pos     Position
	scratch *Scratch
}

// Get returns a positional argument by index or a named one by name, as
// Hugo does: "" when an argument is missing, nil when asked by index for
// named arguments or the reverse.
func (c *call) Get(key any) any {
	c.typeParams()
	switch k := key.(type) {
	case string:
		m, ok := c.params.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok := m[k]; ok {
			return v
		}
		return ""
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		s, ok := c.params.([]any)
		if !ok {
			return nil
		}
		i := int(reflect.ValueOf(k).Convert(reflect.TypeFor[int64]()).Int())
		if i < 0 || i >= len(s) {
			return ""
		}
		return s[i]
	}
	return nil
}

// Params returns the arguments: a map for named arguments, else a slice.
func (c *call) Params() any {
	c.typeParams()
	if c.params == nil {
		return []any{}
	}
	return c.params
}

// Inner returns the content between the opening and closing tags.
func (c *call) Inner() template.HTML { return template.HTML(c.inner) }

// InnerDeindent returns Inner with the indentation common to its lines
// removed.
func (c *call) InnerDeindent() template.HTML { return template.HTML(deindent(c.inner)) }

// Name returns the shortcode's name.
func (c *call) Name() string { return c.name }

// Ordinal returns the zero-based position of the call among the calls of
// its parent (the page, or the enclosing shortcode).
func (c *call) Ordinal() int { return c.ordinal }

// Position returns where the call is written.
func (c *call) Position() Position { return c.pos }

// Parent returns the enclosing call, or nil at the top level.
func (c *call) Parent() *call { return c.parent }

// IsNamedParams reports whether the arguments are named.
func (c *call) IsNamedParams() bool { return c.named }

// Page returns the page being rendered.
func (c *call) Page() *pageData { return c.x.pageData() }

// Site returns the site.
func (c *call) Site() *siteData { return c.x.siteData() }

// Scratch returns a scratch pad local to this call.
func (c *call) Scratch() *Scratch {
	if c.scratch == nil {
		c.scratch = &Scratch{}
	}
	return c.scratch
}

// Store is Scratch under its newer name.
func (c *call) Store() *Scratch { return c.Scratch() }

// arg returns the named argument key, or when the arguments are positional
// the one at index pos (pos < 0: named only), as written.
func (c *call) arg(key string, pos int) string {
	if c.named {
		for i := len(c.args) - 1; i >= 0; i-- {
			if c.args[i].key == key {
				return c.args[i].val
			}
		}
		return ""
	}
	if pos >= 0 && pos < len(c.args) {
		return c.args[pos].val
	}
	return ""
}

func (c *call) typeParams() {
	if !c.typed {
		c.params, c.typed = params(c.args, c.named), true
	}
}

// deindent removes the leading whitespace common to all non-blank lines.
func deindent(s string) string {
	lines := strings.Split(s, "\n")
	prefix := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ind := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = ind, false
			continue
		}
		for !strings.HasPrefix(ind, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	if prefix == "" {
		return s
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, prefix)
	}
	return strings.Join(lines, "\n")
}

// Scratch is a scratch pad for templates, as Hugo's .Scratch.
type Scratch struct {
	mu     sync.Mutex
	values map[string]any
}

// Set stores value under key.
func (s *Scratch) Set(key string, value any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]any{}
	}
	s.values[key] = value
	return ""
}

// Get returns the value under key, or nil.
func (s *Scratch) Get(key string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[key]
}

// Add adds value to the value under key: numbers are summed, strings
// joined, slices appended.
func (s *Scratch) Add(key string, value any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]any{}
	}
	old, ok := s.values[key]
	if !ok {
		s.values[key] = value
		return "", nil
	}
	if rv := reflect.ValueOf(old); rv.Kind() == reflect.Slice {
		s.values[key] = appendAny(old, value)
		return "", nil
	}
	sum, err := arith('+', old, value)
	if err != nil {
		return "", err
	}
	s.values[key] = sum
	return "", nil
}

// SetInMap stores value under mapKey in the map under key.
func (s *Scratch) SetInMap(key, mapKey string, value any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]any{}
	}
	m, _ := s.values[key].(map[string]any)
	if m == nil {
		m = map[string]any{}
		s.values[key] = m
	}
	m[mapKey] = value
	return ""
}

// GetSortedMapValues returns the values of the map under key, sorted by key.
func (s *Scratch) GetSortedMapValues(key string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, _ := s.values[key].(map[string]any)
	if m == nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// Delete removes key.
func (s *Scratch) Delete(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.values, key)
	return ""
}

func appendAny(slice any, items ...any) any {
	rv := reflect.ValueOf(slice)
	out := make([]any, 0, rv.Len()+len(items))
	for i := 0; i < rv.Len(); i++ {
		out = append(out, rv.Index(i).Interface())
	}
	for _, it := range items {
		if iv := reflect.ValueOf(it); iv.Kind() == reflect.Slice && iv.Type().Elem().Kind() != reflect.Uint8 {
			for i := 0; i < iv.Len(); i++ {
				out = append(out, iv.Index(i).Interface())
			}
			continue
		}
		out = append(out, it)
	}
	return out
}

// pageData is the page as shortcode templates see it.
type pageData struct {
	x         *expander
	p         *Page
	resources resourceList
	scratch   Scratch
	file      fileData
}

func (x *expander) pageData() *pageData {
	if x.tpage == nil {
		p := x.page
		pd := &pageData{x: x, p: p}
		for _, name := range p.Resources {
			pd.resources = append(pd.resources, &resource{
				name:         name,
				relPermalink: joinURL(p.RelPermalink, name),
				permalink:    joinURL(p.Permalink, name),
			})
		}
		pd.file = newFileData(p.File, p.Lang)
		x.tpage = pd
	}
	return x.tpage
}

func joinURL(base, name string) string {
	if base == "" {
		return name
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + strings.TrimPrefix(name, "/")
}

// Title returns the page's title.
func (p *pageData) Title() string { return p.p.Title }

// LinkTitle returns the title used in links: the title here.
func (p *pageData) LinkTitle() string {
	if s, ok := p.p.Params["linktitle"].(string); ok && s != "" {
		return s
	}
	return p.p.Title
}

// Description returns the description front matter.
func (p *pageData) Description() string {
	s, _ := p.p.Params["description"].(string)
	return s
}

// Permalink returns the page's absolute URL.
func (p *pageData) Permalink() string { return p.p.Permalink }

// RelPermalink returns the page's root-relative URL.
func (p *pageData) RelPermalink() string { return p.p.RelPermalink }

// Lang returns the page's language code.
func (p *pageData) Lang() string { return p.p.Lang }

// Language returns the page's language.
func (p *pageData) Language() languageData {
	return languageData{Lang: p.p.Lang, LanguageCode: p.x.site.LanguageCode}
}

// Section returns the page's top-level section.
func (p *pageData) Section() string { return p.p.Section }

// Type returns the page's content type: its "type" front matter, else its
// section, else "page".
func (p *pageData) Type() string {
	if s, ok := p.p.Params["type"].(string); ok && s != "" {
		return s
	}
	if p.p.Section != "" {
		return p.p.Section
	}
	return "page"
}

// Kind returns the page's kind.
func (p *pageData) Kind() string { return p.p.Kind }

// IsPage reports whether the page is a regular page.
func (p *pageData) IsPage() bool { return p.p.Kind == "page" || p.p.Kind == "" }

// IsHome reports whether the page is the home page.
func (p *pageData) IsHome() bool { return p.p.Kind == "home" }

// IsSection reports whether the page is a section list.
func (p *pageData) IsSection() bool { return p.p.Kind == "section" }

// Date returns the page's date.
func (p *pageData) Date() time.Time { return p.p.Date }

// PublishDate returns the page's date.
func (p *pageData) PublishDate() time.Time { return p.p.Date }

// Lastmod returns the page's last modification date.
func (p *pageData) Lastmod() time.Time {
	if p.p.Lastmod.IsZero() {
		return p.p.Date
	}
	return p.p.Lastmod
}

// Draft reports whether the page is a draft.
func (p *pageData) Draft() bool { b, _ := p.p.Params["draft"].(bool); return b }

// Params returns the page's front matter.
func (p *pageData) Params() map[string]any { return p.p.Params }

// Param returns the page parameter key, else the site parameter key;
// dotted keys reach into nested maps.
func (p *pageData) Param(key any) (any, error) {
	k, err := toString(key)
	if err != nil {
		return nil, err
	}
	if v, ok := lookupParam(p.p.Params, k); ok {
		return v, nil
	}
	v, _ := lookupParam(p.x.site.Params, k)
	return v, nil
}

// Resources returns the page bundle's files.
func (p *pageData) Resources() resourceList { return p.resources }

// Site returns the site.
func (p *pageData) Site() *siteData { return p.x.siteData() }

// File returns the page's source file.
func (p *pageData) File() fileData { return p.file }

// Scratch returns the page's scratch pad, shared by its shortcodes.
func (p *pageData) Scratch() *Scratch { return &p.scratch }

// Store is Scratch under its newer name.
func (p *pageData) Store() *Scratch { return &p.scratch }

// RenderString renders Markdown, inline unless the options (a map given
// first) say "display" "block".
func (p *pageData) RenderString(args ...any) (template.HTML, error) {
	if len(args) == 0 || len(args) > 2 {
		return "", fmt.Errorf("RenderString takes the markup and an optional map of options")
	}
	block := false
	if len(args) == 2 {
		if m, ok := args[0].(map[string]any); ok {
			d, _ := m["display"].(string)
			block = d == "block"
		}
	}
	src, err := toString(args[len(args)-1])
	if err != nil {
		return "", err
	}
	if block {
		h, err := p.x.markdown(src)
		return template.HTML(h), err
	}
	h, err := p.x.markdownify(src)
	return template.HTML(h), err
}

// lookupParam finds a dotted key in params, ignoring case.
func lookupParam(params map[string]any, key string) (any, bool) {
	var cur any = params
	for _, part := range strings.Split(key, ".") {
		v, ok := mapValueFold(cur, part)
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, cur != nil
}

func mapValueFold(m any, key string) (any, bool) {
	switch m := m.(type) {
	case map[string]any:
		if v, ok := m[key]; ok {
			return v, true
		}
		if v, ok := m[strings.ToLower(key)]; ok {
			return v, true
		}
		for k, v := range m {
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
	case map[any]any:
		for k, v := range m {
			if ks, ok := k.(string); ok && strings.EqualFold(ks, key) {
				return v, true
			}
		}
	}
	return nil, false
}

// languageData is a language as templates see it.
type languageData struct {
	Lang         string
	LanguageCode string
}

// fileData is a page's source file as templates see it.
type fileData struct {
	Path            string // as given: relative to the site root
	Dir             string // with a trailing slash
	BaseFileName    string // "index"
	LogicalName     string // "index.md"
	Ext             string // "md"
	ContentBaseName string // the bundle's folder name for index files, else BaseFileName
	Lang            string
}

func newFileData(file, lang string) fileData {
	if file == "" {
		return fileData{Lang: lang}
	}
	dir, base := path.Split(file)
	ext := path.Ext(base)
	f := fileData{
		Path:         file,
		Dir:          dir,
		LogicalName:  base,
		BaseFileName: strings.TrimSuffix(base, ext),
		Ext:          strings.TrimPrefix(ext, "."),
		Lang:         lang,
	}
	f.ContentBaseName = f.BaseFileName
	if f.BaseFileName == "index" || f.BaseFileName == "_index" {
		f.ContentBaseName = path.Base(strings.TrimSuffix(dir, "/"))
	}
	return f
}

// resourceList is a page bundle's files.
type resourceList []*resource

// Get returns the resource with the given name, or nil.
func (rs resourceList) Get(name any) *resource {
	n, err := toString(name)
	if err != nil {
		return nil
	}
	for _, r := range rs {
		if r.name == n || strings.EqualFold(r.name, n) {
			return r
		}
	}
	return nil
}

// GetMatch returns the first resource whose name matches the glob, or nil.
func (rs resourceList) GetMatch(pattern any) *resource {
	m := rs.Match(pattern)
	if len(m) == 0 {
		return nil
	}
	return m[0]
}

// Match returns the resources whose names match the glob, case-insensitive.
func (rs resourceList) Match(pattern any) resourceList {
	p, err := toString(pattern)
	if err != nil {
		return nil
	}
	re, err := globRegexp(p)
	if err != nil {
		return nil
	}
	var out resourceList
	for _, r := range rs {
		if re.MatchString(strings.ToLower(r.name)) {
			out = append(out, r)
		}
	}
	return out
}

// ByType returns the resources of a type: "image", "text", "video"...
func (rs resourceList) ByType(typ any) resourceList {
	t, _ := toString(typ)
	var out resourceList
	for _, r := range rs {
		if r.ResourceType() == t {
			out = append(out, r)
		}
	}
	return out
}

// globRegexp translates a Hugo resource glob into a regexp over lowercased
// names: * matches within a folder, ** across folders, {a,b} either.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	g := strings.ToLower(glob)
	depth := 0
	for i := 0; i < len(g); i++ {
		switch c := g[i]; c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '{':
			b.WriteString("(?:")
			depth++
		case '}':
			if depth > 0 {
				b.WriteString(")")
				depth--
			} else {
				b.WriteString(`\}`)
			}
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '[':
			j := strings.IndexByte(g[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(g[i : i+j+1])
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	for ; depth > 0; depth-- {
		b.WriteString(")")
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// resource is a file of the page bundle.
type resource struct {
	name, relPermalink, permalink string
}

// Name returns the file's name in the bundle.
func (r *resource) Name() string { return r.name }

// Title returns the file's name in the bundle.
func (r *resource) Title() string { return r.name }

// RelPermalink returns the file's root-relative URL.
func (r *resource) RelPermalink() string { return r.relPermalink }

// Permalink returns the file's absolute URL.
func (r *resource) Permalink() string { return r.permalink }

// MediaType returns the file's media type, from its extension.
func (r *resource) MediaType() mediaType {
	t := mime.TypeByExtension(path.Ext(r.name))
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	main, sub, _ := strings.Cut(t, "/")
	return mediaType{Type: t, MainType: main, SubType: sub}
}

// ResourceType returns the main part of the media type: "image" for images.
func (r *resource) ResourceType() string {
	if mt := r.MediaType(); mt.MainType != "" {
		return mt.MainType
	}
	return "application"
}

// mediaType is a media type as templates see it.
type mediaType struct {
	Type, MainType, SubType string
}

// String returns the full media type, "image/jpeg".
func (m mediaType) String() string { return m.Type }

// siteData is the site as templates see it.
type siteData struct {
	s *Site
}

func (x *expander) siteData() *siteData {
	if x.tsite == nil {
		x.tsite = &siteData{s: x.site}
	}
	return x.tsite
}

// Title returns the site's title.
func (s *siteData) Title() string { return s.s.Title }

// BaseURL returns the site's base URL.
func (s *siteData) BaseURL() string { return s.s.BaseURL }

// LanguageCode returns the site's language code.
func (s *siteData) LanguageCode() string { return s.s.LanguageCode }

// Params returns the site's parameters.
func (s *siteData) Params() map[string]any { return s.s.Params }

// Param returns a site parameter; dotted keys reach into nested maps.
func (s *siteData) Param(key any) (any, error) {
	k, err := toString(key)
	if err != nil {
		return nil, err
	}
	v, _ := lookupParam(s.s.Params, k)
	return v, nil
}

// Language returns the site's language.
func (s *siteData) Language() languageData {
	return languageData{LanguageCode: s.s.LanguageCode, Lang: strings.SplitN(s.s.LanguageCode, "-", 2)[0]}
}
