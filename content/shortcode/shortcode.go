package shortcode

import (
	"bytes"
	"fmt"
	"time"
)

// Page is what shortcodes see of the page whose body is expanded.
type Page struct {
	File         string // source file relative to the site root, slash-separated
	Title        string
	Permalink    string // absolute
	RelPermalink string // "/posts/kafka-summit/"
	Lang         string
	Section      string
	Kind         string // "page", "home", "section", "taxonomy" or "term"
	Date         time.Time
	Lastmod      time.Time
	// Params holds the page's front matter, keys lowercased.
	Params map[string]any
	// Resources are the names of the page bundle's files, relative to the
	// bundle and slash-separated ("img/a.jpg").
	Resources []string
}

// Site is what shortcodes see of the site.
type Site struct {
	Title        string
	BaseURL      string
	LanguageCode string
	Params       map[string]any // keys lowercased
}

// Env gives shortcodes the site's renderers. Every field may be nil: a nil
// Markdownify or Highlight shows the text escaped, a nil Ref makes every
// reference unresolvable.
type Env struct {
	// Markdownify renders Markdown with the site's settings and returns the
	// HTML as rendered, paragraphs included; shortcodes that need inline
	// HTML unwrap a lone paragraph themselves, as Hugo's markdownify does.
	Markdownify func(src string) (string, error)
	// Highlight highlights code with the site's highlighting settings;
	// options are Hugo's, as in "linenos=table,hl_lines=2".
	Highlight func(code, lang, options string) (string, error)
	// Ref resolves a ref or relref argument ("posts/other.md#part") to the
	// page's permalink, relative (root-relative) when relative is set.
	Ref func(ref string, relative bool) (string, error)
}

// Problem is something wrong with a shortcode call. The page still renders:
// the call is shown in a degraded way.
type Problem struct {
	Line int // 1-based line in the file
	// Warning is set for what Hugo would only warn about; the others would
	// make Hugo refuse to build the page.
	Warning bool
	Message string
}

// String formats the problem as "LINE: MESSAGE".
func (p Problem) String() string {
	return fmt.Sprintf("%d: %s", p.Line, p.Message)
}

// LoadProblem is a shortcode template that could not be loaded.
type LoadProblem struct {
	File    string // path of the template file, as found under the layouts folder given to New
	Line    int    // 1-based line in the template; 0 when unknown
	Message string
}

// String formats the problem as "FILE:LINE: MESSAGE".
func (p LoadProblem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// Result is the expansion of one body.
type Result struct {
	// Markdown is the body with every shortcode expanded, ready for the
	// Markdown renderer. It is the body itself when the body holds no
	// shortcode.
	Markdown []byte
	// Problems are in order of line.
	Problems []Problem
	// Used names the shortcodes called, each once, in order of first use.
	Used []string

	prefix  string   // the placeholder prefix, absent from the body
	outputs []string // placeholder n stands for outputs[n]
	size    int      // total length of outputs
}

// Limits that keep a hostile or broken page from taking the site down.
const (
	maxDepth      = 32      // nested paired shortcodes
	maxCallOutput = 1 << 20 // bytes one template call may write
	maxPageOutput = 8 << 20 // bytes of shortcode output one body may produce
	maxSeq        = 10000   // elements one seq call may make
	maxSeqPage    = 100000  // elements all seq calls of one body may make
	maxCalls      = 100000  // shortcode calls in one body
)

// Expand expands the shortcodes in body, whose first byte is on line
// firstLine of its file. page and site may be nil. Expand is safe for
// concurrent use and never panics: every problem is reported in the Result
// and the call degrades visibly.
func (e *Engine) Expand(body []byte, firstLine int, page *Page, site *Site, env Env) Result {
	return e.ExpandInto(nil, body, firstLine, page, site, env)
}

// ExpandInto is Expand writing the expanded Markdown in buf's storage when
// it is large enough, so that a caller can reuse one buffer: ExpandSize(body)
// is, unless {{% %}} calls write more than that.
func (e *Engine) ExpandInto(buf, body []byte, firstLine int, page *Page, site *Site, env Env) (res Result) {
	if firstLine < 1 {
		firstLine = 1
	}
	if !bytes.Contains(body, leftNoMarkup) && !bytes.Contains(body, leftWithMarkup) {
		return Result{Markdown: body}
	}
	if page == nil {
		page = &Page{}
	}
	if site == nil {
		site = &Site{}
	}
	defer func() {
		if r := recover(); r != nil {
			res = Result{Markdown: body, Problems: []Problem{{
				Line:    firstLine,
				Message: fmt.Sprintf("shortcodes could not be expanded: internal error: %v", r),
			}}}
		}
	}()
	x := &expander{
		e:       e,
		page:    page,
		site:    site,
		env:     env,
		prefix:  placeholderPrefix(body),
		seqLeft: maxSeqPage,
	}
	nodes := x.parse(lex(body, firstLine))
	md := x.renderTop(buf, nodes, ExpandSize(body))
	sortProblems(x.problems)
	return Result{
		Markdown: md,
		Problems: x.problems,
		Used:     x.used,
		prefix:   x.prefix,
		outputs:  x.outputs,
		size:     x.outputSize,
	}
}

// ExpandSize is the room ExpandInto makes for the Markdown of body: an
// eighth more than the body, for what {{% %}} calls add.
func ExpandSize(body []byte) int { return len(body) + len(body)/8 }

// placeholderPrefix returns a prefix for placeholder tokens that appears in
// body in neither upper nor lower case, so that Restore only ever finds the
// tokens Expand wrote.
func placeholderPrefix(body []byte) string {
	p := []byte("BBSHORTCODE")
	lower := []byte("bbshortcode")
	for bytes.Contains(body, p) || bytes.Contains(body, lower) {
		p, lower = append(p, 'Q'), append(lower, 'q')
	}
	return string(p)
}

// sortProblems sorts problems by line, keeping the order of those on one
// line. Problems are few and nearly sorted: insertion sort.
func sortProblems(ps []Problem) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Line < ps[j-1].Line; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}
