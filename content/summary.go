package content

import (
	"bytes"
	"html"
	"strings"
	"unicode"

	xhtml "golang.org/x/net/html"
)

// summaryDivider is Hugo's manual summary divider.
const summaryDivider = "<!--more-->"

// dividerToken replaces the divider in the Markdown source: letters only, so
// goldmark leaves it alone, in a paragraph of its own so it can be cut out of
// the rendered HTML without breaking an element.
const dividerToken = "BBSUMMARYDIVIDERX"

var dividerParagraph = []byte("<p>" + dividerToken + "</p>\n")

// markedDivider is what markDivider puts in place of the divider.
const markedDivider = "\n\n" + dividerToken + "\n\n"

// dividerGrowth is how much longer markDivider makes a source.
const dividerGrowth = len(markedDivider) - len(summaryDivider)

// markDivider replaces the first summary divider in src with dividerToken
// and reports whether there was one. It writes in src's storage when that
// has room for dividerGrowth more bytes.
func markDivider(src []byte) ([]byte, bool) {
	i := bytes.Index(src, []byte(summaryDivider))
	if i < 0 {
		return src, false
	}
	tail := src[i+len(summaryDivider):]
	n := len(src) + dividerGrowth
	out := src[:cap(src)]
	if cap(src) < n {
		out = make([]byte, n)
		copy(out, src[:i])
	}
	out = out[:n]
	copy(out[i+len(markedDivider):], tail)
	copy(out[i:], markedDivider)
	return out, true
}

// cutDivider finds the divider paragraph in rendered HTML and returns the
// HTML before it (the summary) and the content as the parts before and
// after the divider, all pointing into h.
func cutDivider(h []byte) (summary, before, after []byte) {
	if i := bytes.Index(h, dividerParagraph); i >= 0 {
		return h[:i], h[:i], h[i+len(dividerParagraph):]
	}
	// The divider ended up inside an element (a list, a quote): still
	// honour it, but keep it from showing.
	j := bytes.Index(h, []byte(dividerToken))
	if j < 0 {
		return h, h, nil
	}
	return closeOpenTags(h[:j]), h[:j], h[j+len(dividerToken):]
}

// autoSummary returns the leading blocks of h that hold at least words
// words, as Hugo's automatic summary does: it never cuts a paragraph.
func autoSummary(h []byte, words int) (summary []byte, truncated bool) {
	z := xhtml.NewTokenizer(bytes.NewReader(h))
	depth, count, offset := 0, 0, 0
	inWord := false
	for {
		tt := z.Next()
		offset += len(z.Raw())
		switch tt {
		case xhtml.ErrorToken:
			return h, false
		case xhtml.StartTagToken:
			if !isVoid(z) {
				depth++
			}
		case xhtml.EndTagToken:
			depth--
			if depth <= 0 && count >= words {
				rest := bytes.TrimSpace(h[offset:])
				return h[:offset], len(rest) > 0
			}
		case xhtml.TextToken:
			count += countWords(z.Text(), &inWord)
		}
	}
}

func isVoid(z *xhtml.Tokenizer) bool {
	name, _ := z.TagName()
	switch string(name) {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}

// closeOpenTags appends the end tags of the elements left open in h.
func closeOpenTags(h []byte) []byte {
	z := xhtml.NewTokenizer(bytes.NewReader(h))
	var open []string
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		switch tt {
		case xhtml.StartTagToken:
			if !isVoid(z) {
				name, _ := z.TagName()
				open = append(open, string(name))
			}
		case xhtml.EndTagToken:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	out := append([]byte{}, h...)
	for i := len(open) - 1; i >= 0; i-- {
		out = append(out, "</"+open[i]+">"...)
	}
	return out
}

// htmlToText returns the text of an HTML fragment that blogbridge rendered
// itself, with entities decoded, script and style left out, and runs of
// white space folded into one space. Block elements separate words.
func htmlToText(h []byte) string {
	var b strings.Builder
	b.Grow(len(h))
	space := true
	writeText := func(t []byte) {
		if bytes.IndexByte(t, '&') >= 0 {
			t = []byte(html.UnescapeString(string(t)))
		}
		for _, r := range string(t) {
			if unicode.IsSpace(r) {
				if !space {
					b.WriteByte(' ')
					space = true
				}
				continue
			}
			b.WriteRune(r)
			space = false
		}
	}
	for len(h) > 0 {
		lt := bytes.IndexByte(h, '<')
		if lt < 0 {
			writeText(h)
			break
		}
		writeText(h[:lt])
		h = h[lt:]
		end := tagEnd(h)
		name := tagName(h[:end])
		h = h[end:]
		switch name {
		case "script", "style":
			closeTag := []byte("</" + name)
			if i := bytes.Index(h, closeTag); i >= 0 {
				h = h[i:]
			} else {
				h = nil
			}
		case "p", "br", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "td", "th", "figcaption", "dt", "dd",
			"/p", "/li", "/div", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "/blockquote", "/pre", "/tr", "/td", "/th", "/figcaption", "/dt", "/dd":
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace)
}

// tagEnd returns the length of the tag or comment at the start of h, which
// begins with '<', minding quoted attribute values.
func tagEnd(h []byte) int {
	if bytes.HasPrefix(h, []byte("<!--")) {
		if i := bytes.Index(h[4:], []byte("-->")); i >= 0 {
			return 4 + i + 3
		}
		return len(h)
	}
	var quote byte
	for i := 1; i < len(h); i++ {
		switch c := h[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return len(h)
}

// tagName returns the lowercased name of a tag, with "/" before the name
// of an end tag: "p", "/p".
func tagName(tag []byte) string {
	t := tag[1:]
	end := bytes.IndexAny(t, " \t\n\r/>")
	if len(t) > 0 && t[0] == '/' {
		end = bytes.IndexAny(t[1:], " \t\n\r>")
		if end >= 0 {
			end++
		}
	}
	if end < 0 {
		end = len(t)
	}
	return strings.ToLower(string(t[:end]))
}
