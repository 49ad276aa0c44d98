package content

import (
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// highlighter renders code blocks with chroma as the site's markup.highlight
// says. Fenced code in Markdown and the highlight shortcode both go through it.
type highlighter struct {
	cfg HighlightConfig
}

func newHighlighter(cfg HighlightConfig) *highlighter {
	return &highlighter{cfg: cfg}
}

// highlightOptions are the per-block options Hugo accepts, as in
// `{{< highlight go "linenos=table,hl_lines=2 4-6" >}}` or a fence's
// `{linenos=true hl_lines=[2,"4-6"]}`.
type highlightOptions struct {
	lineNos      bool
	lineNosTable bool
	lineStart    int
	hlLines      [][2]int
	style        string
	noClasses    bool
}

func (h *highlighter) defaults() highlightOptions {
	return highlightOptions{
		lineNos:      h.cfg.LineNos,
		lineNosTable: h.cfg.LineNumbersInTable,
		lineStart:    1,
		style:        h.cfg.Style,
		noClasses:    h.cfg.NoClasses,
	}
}

// parseHighlightOptions reads Hugo's option syntax: key=value pairs separated
// by commas or spaces, where hl_lines may be "2 4-6" or [2,"4-6"].
func (h *highlighter) parseOptions(s string) (highlightOptions, error) {
	o := h.defaults()
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "{}"))
	for len(s) > 0 {
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			return o, fmt.Errorf("option %q has no value", s)
		}
		key = strings.ToLower(strings.Trim(strings.TrimSpace(key), ", "))
		rest = strings.TrimLeft(rest, " ")
		var val string
		switch {
		case strings.HasPrefix(rest, "["):
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return o, fmt.Errorf("option %s: unclosed [", key)
			}
			val, s = rest[1:end], rest[end+1:]
		case strings.HasPrefix(rest, `"`):
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return o, fmt.Errorf("option %s: unclosed quote", key)
			}
			val, s = rest[1:end+1], rest[end+2:]
		default:
			end := strings.IndexAny(rest, ", ")
			if end < 0 {
				end = len(rest)
			}
			val, s = rest[:end], rest[end:]
			if key == "hl_lines" {
				// hl_lines=2 4-6: the value runs to the next key.
				for {
					t := strings.TrimLeft(s, " ")
					next := strings.IndexAny(t, ", =")
					if t == "" || (next >= 0 && t[next] == '=') || t[0] == ',' {
						break
					}
					if next < 0 {
						next = len(t)
					}
					val += " " + t[:next]
					s = t[next:]
				}
			}
		}
		s = strings.TrimLeft(s, ", ")
		if err := o.set(key, val); err != nil {
			return o, err
		}
	}
	return o, nil
}

func (o *highlightOptions) set(key, val string) error {
	val = strings.TrimSpace(val)
	switch key {
	case "linenos":
		switch strings.ToLower(val) {
		case "table":
			o.lineNos, o.lineNosTable = true, true
		case "inline":
			o.lineNos, o.lineNosTable = true, false
		case "true":
			o.lineNos = true
		case "false", "":
			o.lineNos = false
		default:
			return fmt.Errorf("linenos=%q: want true, false, table or inline", val)
		}
	case "linenostart":
		n, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("linenostart=%q: not a number", val)
		}
		o.lineStart = n
	case "hl_lines":
		for _, f := range strings.FieldsFunc(val, func(r rune) bool { return r == ' ' || r == ',' }) {
			f = strings.Trim(f, `"`)
			from, to, isRange := strings.Cut(f, "-")
			a, err := strconv.Atoi(from)
			if err != nil {
				return fmt.Errorf("hl_lines=%q: %q is not a line", val, f)
			}
			b := a
			if isRange {
				if b, err = strconv.Atoi(to); err != nil {
					return fmt.Errorf("hl_lines=%q: %q is not a range", val, f)
				}
			}
			o.hlLines = append(o.hlLines, [2]int{a, b})
		}
	case "style":
		o.style = val
	case "noclasses":
		o.noClasses = val != "false"
	case "anchorlinenos", "lineanchors", "guesssyntax", "hl_inline", "wrapperclass", "codefences", "tabwidth", "linenumbersintable":
		// Accepted for compatibility; they do not change blogbridge's output.
	default:
		return fmt.Errorf("unknown option %q", key)
	}
	return nil
}

// highlight writes code as a highlighted block. An unknown language is not an
// error: the code is written escaped, unhighlighted, as Hugo does.
func (h *highlighter) highlight(w io.Writer, code, lang string, o highlightOptions) error {
	var lexer chroma.Lexer
	if lang != "" {
		lexer = lexers.Get(lang)
	}
	if lexer == nil && h.cfg.GuessSyntax {
		lexer = lexers.Analyse(code)
	}
	if lexer == nil {
		_, err := fmt.Fprintf(w, "<pre><code%s>%s</code></pre>\n", langAttrs(lang), html.EscapeString(code))
		return err
	}
	lexer = chroma.Coalesce(lexer)
	style := styles.Get(o.style)
	if style == nil {
		style = styles.Fallback
	}
	tabWidth := h.cfg.TabWidth
	if tabWidth <= 0 {
		tabWidth = 4
	}
	f := chromahtml.New(
		chromahtml.WithClasses(!o.noClasses),
		chromahtml.WithLineNumbers(o.lineNos),
		chromahtml.LineNumbersInTable(o.lineNosTable),
		chromahtml.BaseLineNumber(o.lineStart),
		chromahtml.HighlightLines(o.hlLines),
		chromahtml.TabWidth(tabWidth),
		chromahtml.WithPreWrapper(codePreWrapper{lang: lang}),
	)
	it, err := lexer.Tokenise(nil, code)
	if err != nil {
		return fmt.Errorf("highlight %s: %w", lang, err)
	}
	if _, err := io.WriteString(w, `<div class="highlight">`); err != nil {
		return err
	}
	if err := f.Format(w, style, it); err != nil {
		return fmt.Errorf("highlight %s: %w", lang, err)
	}
	_, err = io.WriteString(w, "</div>\n")
	return err
}

func langAttrs(lang string) string {
	if lang == "" {
		return ""
	}
	l := html.EscapeString(lang)
	return ` class="language-` + l + `" data-lang="` + l + `"`
}

// codePreWrapper writes Hugo's <pre tabindex="0"><code class="language-x">.
type codePreWrapper struct{ lang string }

func (p codePreWrapper) Start(code bool, styleAttr string) string {
	if !code {
		return `<pre tabindex="0"` + styleAttr + `>`
	}
	return `<pre tabindex="0"` + styleAttr + `><code` + langAttrs(p.lang) + `>`
}

func (p codePreWrapper) End(code bool) string {
	if !code {
		return "</pre>"
	}
	return "</code></pre>"
}
