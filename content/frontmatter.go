package content

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	toml "github.com/pelletier/go-toml/v2"
)

// frontMatter is what a content file's front matter says about its page,
// read as Hugo reads it.
type frontMatter struct {
	// Format is "YAML", "TOML" or "JSON"; empty when the file has no front
	// matter.
	Format string

	Title       string
	LinkTitle   string
	Description string
	Summary     string
	// Slug replaces the file or bundle name in the page's URL; Hugo trims
	// hyphens from both ends.
	Slug string
	// URL is the page's path as written in front matter; it replaces the
	// whole computed path.
	URL string

	// Date falls back to publishDate, then lastmod; Lastmod to date;
	// PublishDate to date, as Hugo's [frontmatter] defaults say.
	Date        time.Time
	PublishDate time.Time
	Lastmod     time.Time
	ExpiryDate  time.Time

	Draft    bool
	Headless bool
	Weight   int

	Aliases  []string
	Images   []string
	Authors  []string
	Keywords []string
	// Taxonomies maps each configured taxonomy's plural name to the page's
	// terms, as written.
	Taxonomies     map[string][]string
	TranslationKey string
	// Params holds every front matter key lowercased, nested maps too, with
	// the keys of a "params" map merged in, as Hugo's .Params.
	Params map[string]any

	// Blogbridge's own settings, from the "blogbridge" map.
	Federate       bool   // default true
	Sensitive      bool   // set by contentWarning too
	ContentWarning string // shown before the content
	ObjectType     string // "Article", "Note", or empty for the site default
	Pinned         bool

	// Build holds Hugo's build options (build, or the legacy _build).
	Build buildOptions
}

// buildOptions are Hugo's page build options.
type buildOptions struct {
	List             string // "always", "local" or "never"
	Render           string // "always", "link" or "never"
	PublishResources bool
}

// Values of buildOptions.List and Render.
const (
	buildAlways = "always"
	buildNever  = "never"
	buildLocal  = "local"
	buildLink   = "link"
)

func newFrontMatter() *frontMatter {
	return &frontMatter{
		Taxonomies: map[string][]string{},
		Params:     map[string]any{},
		Federate:   true,
		Build:      buildOptions{List: buildAlways, Render: buildAlways, PublishResources: true},
	}
}

// parseFrontMatter splits a content file into its front matter and body
// and reads the front matter. Front matter is YAML between "---" lines,
// TOML between "+++" lines, or a JSON object, at the start of the file
// after any white space; a file may have none. A byte order mark and CRLF
// line endings are accepted.
//
// It returns the front matter, the body, the 1-based line the body starts
// on, and warnings. The error, when the file cannot be read at all, names
// the file and the line: invalid UTF-8, an unclosed front matter block, a
// syntax error.
func parseFrontMatter(cfg *SiteConfig, file string, src []byte) (*frontMatter, []byte, int, []Diagnostic, error) {
	src = trimBOM(src)
	if off := firstInvalidUTF8(src); off >= 0 {
		return nil, nil, 0, nil, &fileError{File: file, Line: lineAt(src, off), Msg: "invalid UTF-8"}
	}
	blk, err := splitFrontMatter(src)
	if err != nil {
		err.File = file
		return nil, nil, 0, nil, err
	}
	fm := newFrontMatter()
	body := src[blk.bodyStart:]
	bodyLine := lineAt(src, blk.bodyStart)
	if blk.format == "" {
		fm.applyDates(cfg, file, nil, nil)
		return fm, body, bodyLine, nil, nil
	}
	content := src[blk.start:blk.end]
	m, derr := decodeMap(blk.format, content)
	if derr != nil {
		line := blk.openLine
		msg := derr.Error()
		if se, ok := derr.(*syntaxError); ok && se.line > 0 {
			line = blk.contentLine + se.line - 1
		}
		return nil, nil, 0, nil, &fileError{File: file, Line: line, Msg: msg}
	}
	fm.Format = string(blk.format)
	r := &fmReader{cfg: cfg, file: file, fm: fm, m: m, blk: blk, content: content}
	r.read()
	sort.SliceStable(r.diags, func(i, j int) bool { return r.diags[i].Line < r.diags[j].Line })
	return fm, body, bodyLine, r.diags, nil
}

// fmBlock locates the front matter in a file.
type fmBlock struct {
	format      dataFormat // empty when there is no front matter
	openLine    int        // line of the opening delimiter
	contentLine int        // line the front matter text starts on
	start, end  int        // the front matter text
	bodyStart   int
}

// splitFrontMatter finds the front matter the way Hugo's page lexer does.
func splitFrontMatter(src []byte) (fmBlock, *fileError) {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case '+', '-':
			return splitDelimited(src, i)
		case '{':
			return splitJSON(src, i)
		default:
			if strings.HasPrefix(string(src[i:min(i+3, len(src))]), "\ufeff") {
				i += 2
				continue
			}
			return fmBlock{bodyStart: 0}, nil
		}
	}
	return fmBlock{bodyStart: 0}, nil
}

func splitDelimited(src []byte, i int) (fmBlock, *fileError) {
	c := src[i]
	f, name := formatYAML, "YAML"
	if c == '+' {
		f, name = formatTOML, "TOML"
	}
	delim := strings.Repeat(string(c), 3)
	open := lineAt(src, i)
	if !strings.HasPrefix(string(src[i:min(i+3, len(src))]), delim) {
		return fmBlock{}, &fileError{Line: open, Msg: fmt.Sprintf("invalid %s front matter delimiter: want %s", name, delim)}
	}
	pos := i + 3
	pos, wasEOL := consumeCRLF(src, pos)
	start := pos
	for {
		var eol bool
		if !wasEOL {
			if pos >= len(src) {
				return fmBlock{}, &fileError{Line: open, Msg: fmt.Sprintf("%s front matter opened with %s is not closed: no line starting with %s follows", name, delim, delim)}
			}
			eol = src[pos] == '\n' || src[pos] == '\r'
			pos++
		}
		if (wasEOL || eol) && strings.HasPrefix(string(src[pos:min(pos+3, len(src))]), delim) {
			end := pos
			body, _ := consumeCRLF(src, pos+3)
			return fmBlock{format: f, openLine: open, contentLine: lineAt(src, start), start: start, end: end, bodyStart: body}, nil
		}
		wasEOL = false
	}
}

// consumeCRLF skips an optional "\r" and then an optional "\n".
func consumeCRLF(src []byte, pos int) (int, bool) {
	consumed := false
	if pos < len(src) && src[pos] == '\r' {
		pos++
		consumed = true
	}
	if pos < len(src) && src[pos] == '\n' {
		pos++
		consumed = true
	}
	return pos, consumed
}

func splitJSON(src []byte, i int) (fmBlock, *fileError) {
	open := lineAt(src, i)
	level := 0
	inQuote := false
	pos := i
	for {
		if pos >= len(src) {
			return fmBlock{}, &fileError{Line: open, Msg: "JSON front matter opened with { is not closed"}
		}
		switch src[pos] {
		case '{':
			if !inQuote {
				level++
			}
		case '}':
			if !inQuote {
				level--
			}
		case '"':
			inQuote = !inQuote
		case '\\':
			pos++
		}
		pos++
		if level == 0 {
			break
		}
	}
	end := min(pos, len(src))
	body, _ := consumeCRLF(src, end)
	return fmBlock{format: formatJSON, openLine: open, contentLine: open, start: i, end: end, bodyStart: body}, nil
}

// fmReader turns decoded front matter into a frontMatter, reporting values
// of the wrong type at their line.
type fmReader struct {
	cfg     *SiteConfig
	file    string
	fm      *frontMatter
	m       map[string]any
	blk     fmBlock
	content []byte
	locate  keyLocator
	diags   []Diagnostic
}

// line returns the file line of a front matter key, or the opening line
// when the key cannot be found.
func (r *fmReader) line(keys ...string) int {
	if r.locate == nil {
		r.locate = newKeyLocator(r.blk.format, r.content)
	}
	if l := r.locate(keys); l > 0 {
		return r.blk.contentLine + l - 1
	}
	return r.blk.openLine
}

func (r *fmReader) report(sev Severity, keys []string, format string, args ...any) {
	r.diags = append(r.diags, Diagnostic{File: r.file, Line: r.line(keys...), Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func (r *fmReader) wrongType(keys []string, v any, want string) {
	r.report(Warning, keys, "front matter %s: want %s, got %s; ignored", strings.Join(keys, "."), want, describeValue(v))
}

// str reads a scalar as a string; lists and maps are reported.
func (r *fmReader) str(keys []string, v any) (string, bool) {
	if isComposite(v) {
		r.wrongType(keys, v, "a string")
		return "", false
	}
	s, ok := asString(v)
	if !ok {
		r.wrongType(keys, v, "a string")
	}
	return s, ok
}

func (r *fmReader) boolean(keys []string, v any) (bool, bool) {
	b, ok := asBool(v)
	if !ok {
		r.wrongType(keys, v, "true or false")
	}
	return b, ok
}

func (r *fmReader) list(keys []string, v any, preserveString bool) ([]string, bool) {
	s, ok := asStringSlice(v, preserveString)
	if !ok {
		r.wrongType(keys, v, "a list of strings")
	}
	return s, ok
}

func (r *fmReader) read() {
	fm, m := r.fm, r.m
	dates := r.cfg.FrontMatter
	if dates.Date == nil && dates.Lastmod == nil && dates.PublishDate == nil && dates.ExpiryDate == nil {
		dates = hugoFrontMatter
	}
	isDateKey := func(k string) bool {
		return slices.Contains(dates.Date, k) || slices.Contains(dates.Lastmod, k) ||
			slices.Contains(dates.PublishDate, k) || slices.Contains(dates.ExpiryDate, k)
	}
	taxonomies := map[string]bool{}
	for _, plural := range r.cfg.Taxonomies {
		taxonomies[strings.ToLower(plural)] = true
	}

	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var draft, published *bool
	var userParams map[string]any
	for _, k := range keys {
		v := m[k]
		kp := []string{k}
		if k == "params" {
			if pm, ok := v.(map[string]any); ok {
				userParams = pm
			} else if v != nil {
				r.wrongType(kp, v, "a map")
			}
			continue
		}
		if k == "published" {
			if b, ok := asBool(v); ok && v != nil {
				published = &b
			}
			continue
		}
		if isDateKey(k) {
			// Replaced by the parsed date when the date is read.
			fm.Params[k] = paramValue(v, r.cfg.location())
			continue
		}
		if v == nil {
			fm.Params[k] = nil
			continue
		}
		switch k {
		case "title", "linktitle", "summary", "description", "slug", "url", "translationkey", "type", "layout":
			s, ok := r.str(kp, v)
			if !ok {
				continue
			}
			switch k {
			case "title":
				fm.Title = s
			case "linktitle":
				fm.LinkTitle = s
			case "summary":
				fm.Summary = s
			case "description":
				fm.Description = s
			case "slug":
				s = strings.Trim(s, "-")
				fm.Slug = s
			case "url":
				if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
					r.report(Error, kp, "front matter url %q: URLs with a protocol are not supported; give a path such as /about/", s)
					continue
				}
				fm.URL = s
			case "translationkey":
				fm.TranslationKey = s
			}
			fm.Params[k] = s
		case "draft":
			if b, ok := r.boolean(kp, v); ok {
				draft = &b
			}
		case "headless":
			if b, ok := r.boolean(kp, v); ok {
				fm.Headless = b
				fm.Params[k] = b
			}
		case "weight":
			n, ok := asInt(v)
			if !ok {
				r.wrongType(kp, v, "a whole number")
				continue
			}
			fm.Weight = n
			fm.Params[k] = n
		case "aliases":
			s, ok := r.list(kp, v, false)
			if !ok {
				continue
			}
			for _, a := range s {
				if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
					r.report(Error, kp, "front matter alias %q: aliases with a protocol are not supported", a)
					continue
				}
				fm.Aliases = append(fm.Aliases, strings.ReplaceAll(a, "\\", "/"))
			}
			fm.Params[k] = fm.Aliases
		case "keywords":
			if s, ok := r.list(kp, v, false); ok {
				fm.Keywords = s
				fm.Params[k] = s
			}
		case "build", "_build", "blogbridge":
			// Read below, once every key is known.
			fm.Params[k] = v
		default:
			fm.Params[k] = paramValue(v, r.cfg.location())
		}
	}
	for k, v := range userParams {
		fm.Params[k] = paramValue(v, r.cfg.location())
	}

	// Images, authors and taxonomies are ordinary params in Hugo; blogbridge
	// reads them from the merged params so that params.images counts too.
	if v, ok := fm.Params["images"]; ok && v != nil {
		if s, ok := r.list(r.paramKey("images"), v, true); ok {
			fm.Images = s
		}
	}
	fm.Authors = r.authors()
	for plural := range taxonomies {
		v, ok := fm.Params[plural]
		if !ok || v == nil {
			continue
		}
		terms, ok := r.list(r.paramKey(plural), v, true)
		if !ok {
			continue
		}
		terms = slices.DeleteFunc(terms, func(s string) bool { return s == "" })
		if len(terms) > 0 {
			fm.Taxonomies[plural] = terms
		}
	}

	switch {
	case draft != nil:
		fm.Draft = *draft
	case published != nil:
		fm.Draft = !*published
	}
	fm.Params["draft"] = fm.Draft

	r.readBuild()
	r.readBlogbridge()
	fm.applyDates(r.cfg, r.file, m, r)
}

// paramKey returns the key path of a merged param: under "params" when the
// page's params map set it.
func (r *fmReader) paramKey(k string) []string {
	if pm, ok := r.m["params"].(map[string]any); ok {
		if _, ok := pm[k]; ok {
			return []string{"params", k}
		}
	}
	return []string{k}
}

// authors reads "authors" (a list or one name), else "author" (a name, a
// list, or a map with a name).
func (r *fmReader) authors() []string {
	for _, k := range []string{"authors", "author"} {
		v, ok := r.fm.Params[k]
		if !ok || v == nil {
			continue
		}
		if am, ok := v.(map[string]any); ok {
			if name, ok := asString(am["name"]); ok && name != "" && !isComposite(am["name"]) {
				return []string{name}
			}
			r.wrongType(r.paramKey(k), v, "a name or a list of names")
			continue
		}
		if s, ok := r.list(r.paramKey(k), v, true); ok && len(s) > 0 {
			return s
		}
	}
	return nil
}

// readBuild reads Hugo's build options; the legacy _build wins, as in Hugo.
func (r *fmReader) readBuild() {
	k := "build"
	v, ok := r.m["_build"]
	if ok {
		k = "_build"
	} else {
		v, ok = r.m["build"]
	}
	b := &r.fm.Build
	if ok && v != nil {
		bm, isMap := v.(map[string]any)
		if !isMap {
			r.wrongType([]string{k}, v, "a map of build options")
		}
		for opt, ov := range bm {
			kp := []string{k, opt}
			switch opt {
			case "list":
				b.List = buildValue(ov, []string{buildAlways, buildNever, buildLocal})
			case "render":
				b.Render = buildValue(ov, []string{buildAlways, buildNever, buildLink})
			case "publishresources":
				if pb, ok := r.boolean(kp, ov); ok {
					b.PublishResources = pb
				}
			}
		}
	}
	if r.fm.Headless {
		b.List, b.Render = buildNever, buildNever
	}
}

// buildValue reads list or render as Hugo does: one of allowed, or a legacy
// boolean; anything else means "always".
func buildValue(v any, allowed []string) string {
	switch vv := v.(type) {
	case bool:
		if vv {
			return buildAlways
		}
		return buildNever
	case string:
		switch s := strings.ToLower(vv); {
		case s == "false" || s == "0":
			return buildNever
		case slices.Contains(allowed, s):
			return s
		}
	case int, int64, float64:
		if n, _ := asInt(vv); n == 0 {
			return buildNever
		}
	}
	return buildAlways
}

// readBlogbridge reads blogbridge's own settings from the "blogbridge" map,
// or from params.blogbridge.
func (r *fmReader) readBlogbridge() {
	base := []string{"blogbridge"}
	v, ok := r.m["blogbridge"]
	if !ok {
		if pm, isMap := r.m["params"].(map[string]any); isMap {
			v, ok = pm["blogbridge"]
			base = []string{"params", "blogbridge"}
		}
	}
	if !ok || v == nil {
		return
	}
	bm, isMap := v.(map[string]any)
	if !isMap {
		r.wrongType(base, v, "a map")
		return
	}
	fm := r.fm
	at := func(k string) []string { return append(slices.Clone(base), k) }
	for _, k := range sortedFMKeys(bm) {
		ov := bm[k]
		if ov == nil {
			continue
		}
		switch k {
		case "federate":
			if b, ok := r.boolean(at(k), ov); ok {
				fm.Federate = b
			}
		case "sensitive":
			if b, ok := r.boolean(at(k), ov); ok {
				fm.Sensitive = fm.Sensitive || b
			}
		case "pinned":
			if b, ok := r.boolean(at(k), ov); ok {
				fm.Pinned = b
			}
		case "contentwarning":
			if s, ok := r.str(at(k), ov); ok {
				fm.ContentWarning = strings.TrimSpace(s)
				if fm.ContentWarning != "" {
					fm.Sensitive = true
				}
			}
		case "type":
			s, ok := r.str(at(k), ov)
			if !ok {
				continue
			}
			switch {
			case strings.EqualFold(s, "Article"):
				fm.ObjectType = "Article"
			case strings.EqualFold(s, "Note"):
				fm.ObjectType = "Note"
			default:
				r.report(Error, at(k), "blogbridge.type %q: want Article or Note", s)
			}
		default:
			r.report(Warning, at(k), "unknown blogbridge setting %q; want federate, sensitive, contentWarning, type or pinned", k)
		}
	}
}

func sortedFMKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// paramValue is a front matter value as Hugo's .Params holds it: lists of
// strings are []string, TOML local dates are times in the site's zone.
func paramValue(v any, loc *time.Location) any {
	switch vv := v.(type) {
	case []any:
		if len(vv) == 0 {
			return []string{}
		}
		strs := make([]string, len(vv))
		for i, e := range vv {
			s, ok := e.(string)
			if !ok {
				out := make([]any, len(vv))
				for j, e := range vv {
					out[j] = paramValue(e, loc)
				}
				return out
			}
			strs[i] = s
		}
		return strs
	case map[string]any:
		out := make(map[string]any, len(vv))
		for k, e := range vv {
			out[k] = paramValue(e, loc)
		}
		return out
	case toml.LocalDate:
		return vv.AsTime(loc)
	case toml.LocalDateTime:
		return vv.AsTime(loc)
	}
	return v
}

// applyDates resolves the page's four dates from the keys the site's
// [frontmatter] configuration names, first found wins. m is the decoded front
// matter (nil when there is none); r reports unparsable dates.
func (fm *frontMatter) applyDates(cfg *SiteConfig, file string, m map[string]any, r *fmReader) {
	conf := cfg.FrontMatter
	def := hugoFrontMatter
	if conf.Date == nil {
		conf.Date = def.Date
	}
	if conf.Lastmod == nil {
		conf.Lastmod = def.Lastmod
	}
	if conf.PublishDate == nil {
		conf.PublishDate = def.PublishDate
	}
	if conf.ExpiryDate == nil {
		conf.ExpiryDate = def.ExpiryDate
	}
	loc := cfg.location()
	warned := map[string]bool{}
	resolved := map[string]any{}
	_, hasSlug := m["slug"]
	resolve := func(chain []string) time.Time {
		for _, k := range chain {
			switch k {
			case ":filename":
				d, slug := dateAndSlugFromBaseFilename(loc, contentBaseName(cfg, file))
				if d.IsZero() {
					continue
				}
				if !hasSlug {
					fm.Slug = slug
				}
				return d
			case ":filemodtime", ":git":
				continue
			}
			v, ok := m[k]
			if !ok {
				// A date resolved by an earlier chain counts, as in Hugo:
				// lastmod falls back to the date even when that came from
				// the file name.
				v, ok = resolved[k]
			}
			if !ok || v == nil || v == "" {
				continue
			}
			if k == "published" {
				if _, isBool := v.(bool); isBool {
					continue
				}
			}
			fm.Params[k] = v
			t, err := parseDate(v, loc)
			if err != nil {
				if r != nil && !warned[k] {
					warned[k] = true
					r.report(Warning, []string{k}, "front matter %s %s is not a date Hugo can read (use 2006-01-02 or 2006-01-02T15:04:05-07:00); ignored", k, quoteValue(v))
				}
				continue
			}
			fm.Params[k] = t
			return t
		}
		return time.Time{}
	}
	set := func(dst *time.Time, key string, chain []string) {
		*dst = resolve(chain)
		if dst.IsZero() {
			return
		}
		if _, ok := m[key]; !ok {
			resolved[key] = *dst
		}
		if _, ok := fm.Params[key]; !ok {
			fm.Params[key] = *dst
		}
	}
	set(&fm.Date, "date", conf.Date)
	set(&fm.Lastmod, "lastmod", conf.Lastmod)
	set(&fm.PublishDate, "publishdate", conf.PublishDate)
	set(&fm.ExpiryDate, "expirydate", conf.ExpiryDate)
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return describeValue(v)
}

// parseDate reads a front matter date as Hugo does (with spf13/cast): TOML
// dates, and strings in one of Hugo's layouts. Dates without a zone are in
// loc. Numbers are Unix times.
func parseDate(v any, loc *time.Location) (time.Time, error) {
	switch vv := v.(type) {
	case time.Time:
		return vv, nil
	case toml.LocalDate:
		return vv.AsTime(loc), nil
	case toml.LocalDateTime:
		return vv.AsTime(loc), nil
	case int:
		return time.Unix(int64(vv), 0), nil
	case int64:
		return time.Unix(vv, 0), nil
	case uint64:
		if vv <= 1<<62 {
			return time.Unix(int64(vv), 0), nil
		}
	case float64:
		if vv > -1e15 && vv < 1e15 {
			return time.Unix(int64(vv), 0), nil
		}
	case string:
		return parseDateString(strings.TrimSpace(vv), loc)
	}
	return time.Time{}, fmt.Errorf("unable to parse date: %v", v)
}

// parseDateString tries the layouts of spf13/cast, which Hugo uses, in its
// order. Layouts without a zone, or with only a zone name, are read in loc.
func parseDateString(s string, loc *time.Location) (time.Time, error) {
	type layout struct {
		format string
		inLoc  bool // no zone, or a zone name without offset
	}
	layouts := []layout{
		{time.RFC3339, false},
		{"2006-01-02T15:04:05", true},
		{time.RFC1123Z, false},
		{time.RFC1123, true},
		{time.RFC822Z, false},
		{time.RFC822, true},
		{time.RFC850, true},
		{"2006-01-02 15:04:05.999999999 -0700 MST", false},
		{"2006-01-02T15:04:05-0700", false},
		{"2006-01-02 15:04:05Z0700", false},
		{"2006-01-02 15:04:05", true},
		{time.ANSIC, true},
		{time.UnixDate, true},
		{time.RubyDate, false},
		{"2006-01-02 15:04:05Z07:00", false},
		{"2006-01-02", true},
		{"02 Jan 2006", true},
		{"2006-01-02 15:04:05 -07:00", false},
		{"2006-01-02 15:04:05 -0700", false},
		{time.Kitchen, false},
		{time.Stamp, false},
		{time.StampMilli, false},
		{time.StampMicro, false},
		{time.StampNano, false},
	}
	for _, l := range layouts {
		t, err := time.Parse(l.format, s)
		if err != nil {
			continue
		}
		if l.inLoc {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("unable to parse date: %s", s)
}

// contentBaseName is Hugo's ContentBaseName of a content file: its name
// without extension and language, or for index.md and _index.md the name
// of their folder.
func contentBaseName(cfg *SiteConfig, file string) string {
	file = strings.ReplaceAll(file, "\\", "/")
	base := path.Base(file)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		lang := strings.ToLower(base[i+1:])
		if slices.ContainsFunc(cfg.Languages, func(l Language) bool { return l.Code == lang }) {
			base = base[:i]
		}
	}
	if base == "index" || base == "_index" {
		return path.Base(path.Dir(file))
	}
	return base
}

// dateAndSlugFromBaseFilename reads a date (YYYY-MM-DD, or
// YYYY-MM-DD-HH-MM-SS) from the start of a file name and returns it with
// the rest of the name as the slug, as Hugo's ":filename" does.
func dateAndSlugFromBaseFilename(loc *time.Location, base string) (time.Time, string) {
	const delimiters = " -_"
	if len(base) < 10 {
		return time.Time{}, ""
	}
	if len(base) >= 19 {
		ds := base[:10]
		ts := strings.ReplaceAll(base[11:19], "-", ":")
		if d, err := parseDateString(ds+"T"+ts, loc); err == nil {
			return d, strings.Trim(base[19:], delimiters)
		}
	}
	if d, err := parseDateString(base[:10], loc); err == nil {
		return d, strings.Trim(base[10:], delimiters)
	}
	return time.Time{}, ""
}
