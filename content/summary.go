package content

import (
	"bytes"
	"io"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// summaryDivider is Hugo's manual summary divider.
const summaryDivider = "<!--more-->"

// dividerToken replaces the divider in the Markdown source: letters only, so
// goldmark leaves it alone, in a paragraph of its own so it can be cut out of
// the rendered HTML without breaking an element.
const dividerToken = "BBSUMMARYDIVIDERX"

var dividerParagraph = []byte("<p>" + dividerToken + "</p>\n")

// markDivider replaces the first summary divider in src with dividerToken
// and reports whether there was one.
func markDivider(src []byte) ([]byte, bool) {
	i := bytes.Index(src, []byte(summaryDivider))
	if i < 0 {
		return src, false
	}
	out := make([]byte, 0, len(src)+len(dividerToken)+4)
	out = append(out, src[:i]...)
	out = append(out, "\n\n"+dividerToken+"\n\n"...)
	out = append(out, src[i+len(summaryDivider):]...)
	return out, true
}

// cutDivider removes the divider paragraph from rendered HTML, returning the
// HTML before it (the summary) and the whole content without it.
func cutDivider(h []byte) (summary, content []byte, ok bool) {
	i := bytes.Index(h, dividerParagraph)
	if i < 0 {
		// The divider ended up inside an element (a list, a quote): still
		// honour it, but keep it from showing.
		j := bytes.Index(h, []byte(dividerToken))
		if j < 0 {
			return nil, h, false
		}
		content = append(append([]byte{}, h[:j]...), h[j+len(dividerToken):]...)
		return closeOpenTags(h[:j]), content, true
	}
	content = append(append([]byte{}, h[:i]...), h[i+len(dividerParagraph):]...)
	return h[:i], content, true
}

// autoSummary returns the leading blocks of h that hold at least words
// words, as Hugo's automatic summary does: it never cuts a paragraph.
func autoSummary(h []byte, words int) (summary []byte, truncated bool) {
	z := html.NewTokenizer(bytes.NewReader(h))
	depth, count, offset := 0, 0, 0
	inWord := false
	for {
		tt := z.Next()
		offset += len(z.Raw())
		switch tt {
		case html.ErrorToken:
			return h, false
		case html.StartTagToken:
			if !isVoid(z) {
				depth++
			}
		case html.EndTagToken:
			depth--
			if depth <= 0 && count >= words {
				rest := bytes.TrimSpace(h[offset:])
				return h[:offset], len(rest) > 0
			}
		case html.TextToken:
			count += countWords(z.Text(), &inWord)
		}
	}
}

func isVoid(z *html.Tokenizer) bool {
	name, _ := z.TagName()
	switch string(name) {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}

// closeOpenTags appends the end tags of the elements left open in h.
func closeOpenTags(h []byte) []byte {
	z := html.NewTokenizer(bytes.NewReader(h))
	var open []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken:
			if !isVoid(z) {
				name, _ := z.TagName()
				open = append(open, string(name))
			}
		case html.EndTagToken:
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

// htmlToText returns the text of an HTML fragment with entities decoded and
// runs of white space folded into one space.
func htmlToText(h []byte) string {
	z := html.NewTokenizer(bytes.NewReader(h))
	var b strings.Builder
	space := true
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return strings.TrimRightFunc(b.String(), unicode.IsSpace)
			}
			return strings.TrimSpace(b.String())
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "p", "br", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "figcaption":
				if !space {
					b.WriteByte(' ')
					space = true
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if s := string(name); (s == "script" || s == "style") && skip > 0 {
				skip--
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			for _, r := range string(z.Text()) {
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
	}
}
