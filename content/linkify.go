package content

import (
	"bytes"
	"iter"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Linkify, which turns bare URLs and email addresses into links, is the
// costliest part of goldmark's inline parsing: it is asked at every space
// of every paragraph, and goldmark splits the text there before asking it.
// Most posts have no bare address at all, only links written as links. So
// a post is first parsed without linkify, and mayLinkify looks at the result
// for any place where linkify could have found an address; only a post that
// has one is parsed again with it. Both parses agree up to the first place
// linkify finds an address, so a post without one renders exactly as it
// would have with linkify.

// quickLinkify is goldmark's linkify parser, which goldmark asks at every
// space in a paragraph, answering the common case itself: no link or email
// address can start here. It hands the rest to the linkify parser, so what
// is linked does not change; it spares checking every word of a post for an
// email address (about 5% of loading a site when every post was parsed with
// linkify).
type quickLinkify struct {
	parser.InlineParser
}

func (q quickLinkify) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	start := seg.Start
	if len(line) > 0 {
		switch line[0] {
		case ' ', '*', '_', '~', '(': // the trigger, which linkify steps over
			line, start = line[1:], start+1
		}
	}
	// A URL starts with "http:", "https:", "ftp:" or "www."; an email
	// address has an "@" within 65 bytes: at most 64 before it.
	if len(line) > 0 && (line[0] == 'h' || line[0] == 'f' || line[0] == 'w') &&
		(bytes.HasPrefix(line, []byte("http")) || bytes.HasPrefix(line, []byte("ftp:")) || bytes.HasPrefix(line, []byte("www."))) {
		return q.InlineParser.Parse(parent, block, pc)
	}
	if s, ok := pc.Get(scratchKey).(*scratch); ok && !s.at.ahead(line, start, seg.Stop) {
		return nil
	}
	if bytes.IndexByte(line[:min(len(line), 65)], '@') < 0 {
		return nil
	}
	return q.InlineParser.Parse(parent, block, pc)
}

// atCache remembers where the next "@" of the line being parsed is, so
// that a line is searched once rather than at every word.
type atCache struct {
	from, stop int // the part of the source searched
	next       int // the first "@" in it, or stop
}

// ahead reports whether there is an "@" in the source from start to stop,
// the rest of a line, whose text is line.
func (c *atCache) ahead(line []byte, start, stop int) bool {
	if stop != c.stop || start < c.from || start > c.next {
		c.from, c.stop, c.next = start, stop, stop
		if i := bytes.IndexByte(line, '@'); i >= 0 {
			c.next = start + i
		}
	}
	return c.next < stop
}

// mayLinkify reports whether linkify could find an address in doc, parsed
// from src without it.
//
// Linkify looks for an address where a line of a paragraph, heading or
// table cell starts, after a space or one of "*_~(", and after each inline
// element. There, a URL starts with "http:", "https:", "ftp:" or "www.", and
// an email address is characters of its local part running up to an "@". So
// a URL can only start at the start of a line or after a byte that is not a
// letter or digit, and an email address has one of its local characters
// before the "@". The places inside code, links and HTML that the parse
// consumed whole are left out: linkify never sees them. Everything else
// that looks like it might start an address counts, so mayLinkify says yes
// more often than linkify finds one, never less. It also says yes for a line
// whose trailing white space linkify would keep (see keepsTrailingSpace).
func mayLinkify(doc ast.Node, src []byte) bool {
	var spans []consumed // of the block being walked
	inLabel := 0         // depth of link and image texts
	inCode := false
	found := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Link, *ast.Image:
			if !entering {
				inLabel--
				break
			}
			inLabel++
			spans = appendSpan(spans, src, destination(n))
		case *ast.CodeSpan:
			inCode = entering
		case *ast.Text:
			// linkify is never asked inside a link's text; code is consumed
			// whole, but an email address may start before it and run into it.
			if entering && (inLabel > 0 || inCode) {
				spans = append(spans, consumed{n.Segment.Start, n.Segment.Stop, inLabel > 0})
			}
		case *ast.AutoLink:
			if entering {
				spans = appendSpan(spans, src, n.Label(src))
			}
		case *ast.RawHTML:
			if entering {
				for i := range n.Segments.Len() {
					seg := n.Segments.At(i)
					spans = append(spans, consumed{seg.Start, seg.Stop, true})
				}
			}
		default:
			// A block's lines are looked at once its inline elements are known.
			if entering || n.Type() != ast.TypeBlock || n.IsRaw() {
				break
			}
			lines := n.Lines()
			for i := range lines.Len() {
				seg := lines.At(i)
				if mayLinkifyLine(src, seg.Start, seg.Stop, spans) {
					found = true
					return ast.WalkStop, nil
				}
			}
			spans = spans[:0]
		}
		return ast.WalkContinue, nil
	})
	return found
}

// mayLinkifyLine is mayLinkify for the line src[start:stop].
func mayLinkifyLine(src []byte, start, stop int, spans []consumed) bool {
	line := src[start:stop]
	if keepsTrailingSpace(line) {
		return true
	}
	// A byte linkify may stop at: not a letter or digit, and not part of
	// a multibyte character.
	canStart := func(i int) bool {
		if i == 0 {
			return true
		}
		c := line[i-1]
		return c < 0x80 && !isAlnum(c)
	}
	for i := range indexes(line, []byte("://")) {
		for _, scheme := range []string{"https", "http", "ftp"} {
			p := i - len(scheme)
			if p >= 0 && string(line[p:i]) == scheme {
				if canStart(p) && !inSpan(spans, start+p, false) {
					return true
				}
				break
			}
		}
	}
	for i := range indexes(line, []byte("www.")) {
		if canStart(i) && !inSpan(spans, start+i, false) {
			return true
		}
	}
	for i := range indexes(line, []byte("@")) {
		if i > 0 && isEmailLocal(line[i-1]) && !inSpan(spans, start+i, true) {
			return true
		}
	}
	return false
}

// indexes yields the positions of sep in s.
func indexes(s, sep []byte) iter.Seq[int] {
	return func(yield func(int) bool) {
		for off := 0; ; {
			i := bytes.Index(s[off:], sep)
			if i < 0 || !yield(off+i) {
				return
			}
			off += i + len(sep)
		}
	}
}

// keepsTrailingSpace reports whether linkify changes the white space
// kept at the end of line. goldmark trims the white space that ends a line
// of text, but the text before each space linkify was asked at is already
// set: of "a \t\n" it keeps "a " with linkify and "a" without. A line
// ending in two or more white space characters is parsed again.
func keepsTrailingSpace(line []byte) bool {
	l, newline := bytes.CutSuffix(line, []byte("\n"))
	l = bytes.TrimSuffix(l, []byte("\r"))
	spaces := 0 // the white space ending l
	for i := len(l) - 1; i >= 0 && bytes.IndexByte([]byte(" \t\v\f\r"), l[i]) >= 0; i-- {
		spaces++
	}
	if newline && bytes.HasSuffix(l, []byte("  ")) {
		spaces -= 2 // a hard line break, not text
	}
	return spaces >= 2
}

// consumed is a part of the source that a parse consumed whole as a link
// destination, link text, code or HTML.
type consumed struct {
	start, stop int
	// email: no email address can reach into it from before. True of all
	// but code, which starts with a character email addresses may hold.
	email bool
}

// destination returns the destination of a link or an image.
func destination(n ast.Node) []byte {
	if l, ok := n.(*ast.Link); ok {
		return l.Destination
	}
	return n.(*ast.Image).Destination
}

// appendSpan appends the part of src that b is, when b is a slice of src,
// as destinations and autolinks read from the source are. A destination
// from a reference definition gives the definition's text, which no block
// holds for inline parsing: the span is never looked at.
func appendSpan(spans []consumed, src, b []byte) []consumed {
	start, ok := offsetIn(src, b)
	if !ok {
		return spans
	}
	return append(spans, consumed{start, start + len(b), true})
}

// offsetIn returns where b starts in src, when b is a slice of src.
func offsetIn(src, b []byte) (int, bool) {
	if len(b) == 0 || len(src) == 0 || cap(b) > cap(src) {
		return 0, false
	}
	start := cap(src) - cap(b)
	if start+len(b) > len(src) || &src[start] != &b[0] {
		return 0, false
	}
	return start, true
}

// inSpan reports whether position i lies in one of spans; for an email
// address, in one that it cannot reach into.
func inSpan(spans []consumed, i int, email bool) bool {
	for _, s := range spans {
		if s.start <= i && i < s.stop {
			return !email || s.email
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isEmailLocal reports whether c may be part of an email address's local
// part, as goldmark's linkify reads it.
func isEmailLocal(c byte) bool {
	return isAlnum(c) || bytes.IndexByte([]byte("!#$%&'*+-/=?^_`{|}~."), c) >= 0
}

// linkifyState is where a render stands with linkify.
type linkifyState uint8

const (
	linkifyDone  linkifyState = iota // parsed with linkify, or the site has it off
	linkifyCheck                     // parsed without it: mayLinkify is to look
	linkifyAgain                     // mayLinkify found a place: parse again with it
)
