package shortcode

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// expander holds the state of one Expand call.
type expander struct {
	e    *Engine
	page *Page
	site *Site
	env  Env

	problems []Problem
	used     []string

	prefix     string
	outputs    []string
	outputSize int

	pageOutput int  // bytes of shortcode output so far
	overflow   bool // pageOutput went past maxPageOutput
	calls      int
	seqLeft    int // elements seq may still make; set on first use

	tpage *pageData // the page as templates see it, made on first use
	tsite *siteData
}

// problem records an error at line.
func (x *expander) problem(line int, format string, args ...any) {
	x.problems = append(x.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// warn records a warning at line.
func (x *expander) warn(line int, format string, args ...any) {
	x.problems = append(x.problems, Problem{Line: line, Warning: true, Message: fmt.Sprintf(format, args...)})
}

// nodeKind tells the nodes of a parsed body apart.
type nodeKind int

const (
	nodeText      nodeKind = iota // text, as written
	nodeShortcode                 // a shortcode call
	nodeError                     // source shown as an error marker
)

// node is one piece of a parsed body.
type node struct {
	kind     nodeKind
	text     []byte // nodeText: the text; nodeError: the source shown
	msg      string // nodeError: why
	tag      *tag   // nodeShortcode
	def      *definition
	paired   bool // the call has a closing tag; children are its inner content
	children []node
}

// How a tag item takes part in the tree, as decided by parse.
const (
	tagError      uint8 = iota // shown as an error marker
	tagLeaf                    // a call without inner content
	tagOpen                    // a call whose inner content runs to its closing tag
	tagClose                   // the closing tag of a tagOpen
	tagUnclosed                // a call that needs a closing tag and has none
	tagCloseQuiet              // a closing tag shown as is, already reported
)

// parse matches opening and closing tags and builds the tree of calls,
// reporting unknown shortcodes, unclosed and stray tags. Matching is done
// with a stack first, so that a missing closing tag costs nothing more than
// a report.
func (x *expander) parse(items []item) []node {
	role := make([]uint8, len(items))
	closeAt := make([]int, len(items))
	var why map[int]string         // the problem of each tagError
	var stack []int                // indexes of open calls awaiting their closing tag
	var unknownOpen map[string]int // unknown shortcodes whose closing tag may follow
	for i := range items {
		it := &items[i]
		switch it.kind {
		case itemBad:
			x.problem(it.line, "%s", it.msg)
		case itemTag:
			t := it.tag
			if !t.closing {
				def := x.e.lookup(t.name)
				switch {
				case def == nil:
					why, unknownOpen = lazyMaps(why, unknownOpen)
					why[i] = fmt.Sprintf("template for shortcode %q not found", t.name)
					x.problem(t.line, "%s", why[i])
					role[i] = tagError
					if !t.selfClosing {
						unknownOpen[t.name]++
					}
				case !def.inner || t.selfClosing:
					role[i] = tagLeaf
				case len(stack) >= maxDepth:
					why, unknownOpen = lazyMaps(why, unknownOpen)
					why[i] = fmt.Sprintf("shortcode %q is nested deeper than %d shortcodes", t.name, maxDepth)
					x.problem(t.line, "%s", why[i])
					role[i] = tagError
					unknownOpen[t.name]++
				default:
					role[i] = tagOpen
					stack = append(stack, i)
				}
				continue
			}
			k := len(stack) - 1
			for k >= 0 && items[stack[k]].tag.name != t.name {
				k--
			}
			if k < 0 {
				why, unknownOpen = lazyMaps(why, unknownOpen)
				switch def := x.e.lookup(t.name); {
				case unknownOpen[t.name] > 0:
					unknownOpen[t.name]--
					role[i] = tagCloseQuiet
					continue
				case def != nil && !def.inner:
					why[i] = fmt.Sprintf("shortcode %q does not evaluate .Inner or .InnerDeindent, yet a closing tag was provided", t.name)
				default:
					why[i] = fmt.Sprintf("closing tag for shortcode %q does not match any open shortcode", t.name)
				}
				x.problem(t.line, "%s", why[i])
				role[i] = tagError
				continue
			}
			for _, j := range stack[k+1:] {
				x.unclosed(items[j].tag)
				role[j] = tagUnclosed
			}
			closeAt[stack[k]] = i
			role[i] = tagClose
			stack = stack[:k]
		}
	}
	for _, j := range stack {
		x.unclosed(items[j].tag)
		role[j] = tagUnclosed
	}
	return x.build(items, role, closeAt, why, 0, len(items))
}

// lazyMaps makes parse's maps on first need: most bodies need neither.
func lazyMaps(why map[int]string, open map[string]int) (map[int]string, map[string]int) {
	if why == nil {
		why, open = map[int]string{}, map[string]int{}
	}
	return why, open
}

// unclosed reports a call that needed a closing tag and has none.
func (x *expander) unclosed(t *tag) {
	x.problem(t.line, "shortcode %q must be closed or self-closed", t.name)
}

// build makes the nodes of items[from:to].
func (x *expander) build(items []item, role []uint8, closeAt []int, why map[int]string, from, to int) []node {
	nodes := make([]node, 0, to-from)
	for i := from; i < to; i++ {
		it := &items[i]
		switch it.kind {
		case itemText:
			nodes = append(nodes, node{kind: nodeText, text: it.text})
		case itemBad:
			nodes = append(nodes, node{kind: nodeError, text: it.text, msg: it.msg})
		case itemTag:
			t := it.tag
			switch role[i] {
			case tagLeaf:
				nodes = append(nodes, node{kind: nodeShortcode, tag: t, def: x.e.lookup(t.name)})
			case tagUnclosed:
				// Rendering it as if closed would hide the mistake: show the
				// call itself, marked, and keep the text after it.
				nodes = append(nodes, node{kind: nodeError, text: t.src, msg: fmt.Sprintf("shortcode %q must be closed or self-closed", t.name)})
			case tagOpen:
				end := closeAt[i]
				nodes = append(nodes, node{
					kind:     nodeShortcode,
					tag:      t,
					def:      x.e.lookup(t.name),
					paired:   true,
					children: x.build(items, role, closeAt, why, i+1, end),
				})
				i = end
			case tagCloseQuiet:
				nodes = append(nodes, node{kind: nodeError, text: t.src})
			default:
				nodes = append(nodes, node{kind: nodeError, text: t.src, msg: why[i]})
			}
		}
	}
	return nodes
}

// renderTop renders the top-level nodes into the Markdown source: text as
// is, {{% %}} output inline, everything else as placeholders. It writes in
// buf's storage when that holds size bytes.
func (x *expander) renderTop(buf []byte, nodes []node, size int) []byte {
	md := buf[:0]
	if cap(md) < size {
		md = make([]byte, 0, size)
	}
	ordinal := 0
	for i := range nodes {
		n := &nodes[i]
		switch n.kind {
		case nodeText:
			md = append(md, n.text...)
		case nodeError:
			md = x.appendPlaceholder(md, errorCode(n.text, n.msg))
		case nodeShortcode:
			out, ok := x.render(n, 0, nil, ordinal)
			ordinal++
			if ok && n.tag.markup {
				md = append(md, out...)
			} else {
				md = x.appendPlaceholder(md, out)
			}
		}
	}
	return md
}

// appendPlaceholder appends a placeholder token standing for html.
func (x *expander) appendPlaceholder(md []byte, html string) []byte {
	n := len(x.outputs)
	x.outputs = append(x.outputs, html)
	x.outputSize += len(html)
	md = append(md, x.prefix...)
	for d := 1000; d > 1 && n < d; d /= 10 {
		md = append(md, '0')
	}
	md = strconv.AppendInt(md, int64(n), 10)
	return append(md, 'X')
}

// render runs one call and returns its output. ok is false when the output
// is an error marker.
func (x *expander) render(n *node, level int, parent *call, ordinal int) (out string, ok bool) {
	t := n.tag
	x.calls++
	if x.calls > maxCalls {
		if x.calls == maxCalls+1 {
			x.problem(t.line, "more than %d shortcode calls in one page", maxCalls)
		}
		return errorCode(t.src, "too many shortcode calls"), false
	}
	if x.overflow {
		return errorSpan(t.name, "shortcode output limit reached"), false
	}
	c := &call{
		x:       x,
		name:    t.name,
		args:    t.args,
		named:   t.named,
		ordinal: ordinal,
		parent:  parent,
		markup:  t.markup,
		pos:     Position{Filename: x.page.File, LineNumber: t.line, ColumnNumber: t.col},
	}
	if n.paired {
		var b strings.Builder
		ord := 0
		for i := range n.children {
			ch := &n.children[i]
			switch ch.kind {
			case nodeText:
				b.Write(ch.text)
			case nodeError:
				b.WriteString(errorCode(ch.text, ch.msg))
			case nodeShortcode:
				s, _ := x.render(ch, level+1, c, ord)
				ord++
				b.WriteString(s)
			}
		}
		inner := b.String()
		if t.markup && level > 0 {
			// Hugo renders the inner content of a nested {{% %}} call as
			// Markdown, unwrapping a one-line paragraph.
			h, err := x.markdown(inner)
			if err != nil {
				x.problem(t.line, "shortcode %q: inner content: %v", t.name, err)
			}
			if !strings.Contains(inner, "\n") {
				h = trimShortHTML(h)
			}
			inner = h
		}
		c.inner = inner
	}
	x.markUsed(t.name)

	out, err := x.exec(n.def, c)
	if err != nil {
		x.problem(t.line, "shortcode %q: %v", t.name, err)
		return errorSpan(t.name, err.Error()), false
	}
	x.pageOutput += len(out)
	if x.pageOutput > maxPageOutput {
		x.overflow = true
		x.problem(t.line, "shortcode output of the page exceeds %d bytes; later shortcodes are not rendered", maxPageOutput)
		return errorSpan(t.name, "shortcode output limit reached"), false
	}
	return out, true
}

// exec runs the definition of a call, turning a panic into an error.
func (x *expander) exec(def *definition, c *call) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	if def.builtin != nil {
		return def.builtin(x, c)
	}
	return def.tmpl.execute(x, c)
}

func (x *expander) markUsed(name string) {
	for _, u := range x.used {
		if u == name {
			return
		}
	}
	x.used = append(x.used, name)
}

// markdown renders src with the site's Markdown renderer, or escapes it when
// there is none.
func (x *expander) markdown(src string) (string, error) {
	if x.env.Markdownify == nil {
		if src == "" {
			return "", nil
		}
		return "<p>" + template.HTMLEscapeString(strings.TrimSpace(src)) + "</p>\n", nil
	}
	return x.env.Markdownify(src)
}

// markdownify renders src inline, as Hugo's markdownify: a lone paragraph
// loses its wrapper.
func (x *expander) markdownify(src string) (string, error) {
	h, err := x.markdown(src)
	return trimShortHTML(h), err
}

// trimShortHTML removes the <p> wrapper around HTML made of one paragraph.
func trimShortHTML(h string) string {
	t := strings.TrimSpace(h)
	if strings.HasPrefix(t, "<p>") && strings.HasSuffix(t, "</p>") && strings.Count(t, "<p") == 1 {
		return t[3 : len(t)-4]
	}
	return h
}

// errorSpan is the marker shown where a call could not be rendered.
func errorSpan(name, msg string) string {
	return `<span class="shortcode-error" title="` + template.HTMLEscapeString(msg) + `">[shortcode ` +
		template.HTMLEscapeString(name) + ` could not be rendered]</span>`
}

// errorCode is the marker shown for source that is not a valid call.
func errorCode(raw []byte, msg string) string {
	var b strings.Builder
	b.WriteString(`<code class="shortcode-error"`)
	if msg != "" {
		b.WriteString(` title="`)
		b.WriteString(template.HTMLEscapeString(msg))
		b.WriteString(`"`)
	}
	b.WriteString(">")
	b.WriteString(template.HTMLEscapeString(string(raw)))
	b.WriteString("</code>")
	return b.String()
}

// HasPlaceholder reports whether b holds a placeholder of this expansion: a
// {{< >}} call whose output Restore has yet to put in, as in a link written
// [text]({{< ref "other.md" >}}).
func (r *Result) HasPlaceholder(b []byte) bool {
	return r.prefix != "" && bytes.Contains(b, []byte(r.prefix))
}

// MapOutputs replaces the output of every {{< >}} call with f of it, before
// Restore puts the outputs back: for work on what shortcodes wrote, such as
// making their URLs absolute, without reading the whole page again.
func (r *Result) MapOutputs(f func(string) string) {
	r.size = 0
	for i, o := range r.outputs {
		r.outputs[i] = f(o)
		r.size += len(r.outputs[i])
	}
}

// Restore replaces the placeholders in html, the Markdown rendering of
// r.Markdown, with the output they stand for. A placeholder that is alone
// in a paragraph replaces the whole paragraph, so block output is not
// wrapped in <p>. A placeholder lowercased into a heading's id becomes the
// output's text, anchorized.
func (r Result) Restore(html []byte) []byte { return r.RestoreInto(nil, html) }

// RestoreSize is the most bytes Restore(html) may return.
func (r Result) RestoreSize(html []byte) int { return len(html) + r.size }

// RestoreInto is Restore writing in buf's storage when it is large enough:
// RestoreSize(html) bytes. The result is html itself when there is nothing
// to restore.
func (r Result) RestoreInto(buf, html []byte) []byte {
	if len(r.outputs) == 0 {
		return html
	}
	prefix := []byte(r.prefix)
	out := buf[:0]
	if cap(out) < r.RestoreSize(html) {
		out = make([]byte, 0, r.RestoreSize(html))
	}
	pos := 0
	for {
		i := bytes.Index(html[pos:], prefix)
		if i < 0 {
			break
		}
		start := pos + i
		n, end, ok := r.token(html, start+len(prefix), 'X')
		if !ok {
			out = append(out, html[pos:start+len(prefix)]...)
			pos = start + len(prefix)
			continue
		}
		if start-3 >= pos && string(html[start-3:start]) == "<p>" && bytes.HasPrefix(html[end:], []byte("</p>")) {
			start -= 3
			end += 4
		}
		out = append(out, html[pos:start]...)
		out = append(out, r.outputs[n]...)
		pos = end
	}
	out = append(out, html[pos:]...)

	lower := bytes.ToLower(prefix)
	if !bytes.Contains(out, lower) {
		return out
	}
	res := make([]byte, 0, len(out))
	pos = 0
	for {
		i := bytes.Index(out[pos:], lower)
		if i < 0 {
			break
		}
		start := pos + i
		n, end, ok := r.token(out, start+len(lower), 'x')
		if !ok {
			res = append(res, out[pos:start+len(lower)]...)
			pos = start + len(lower)
			continue
		}
		res = append(res, out[pos:start]...)
		res = append(res, anchorize(plainify(r.outputs[n]))...)
		pos = end
	}
	return append(res, out[pos:]...)
}

// token reads the number and terminator of a placeholder at b[at:].
func (r Result) token(b []byte, at int, term byte) (n, end int, ok bool) {
	p := at
	for p < len(b) && p-at < 9 && b[p] >= '0' && b[p] <= '9' {
		n = n*10 + int(b[p]-'0')
		p++
	}
	if p == at || p >= len(b) || b[p] != term || n >= len(r.outputs) {
		return 0, 0, false
	}
	return n, p + 1, true
}
