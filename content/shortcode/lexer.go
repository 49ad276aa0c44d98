package shortcode

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// itemKind tells the items of a lexed body apart.
type itemKind int

const (
	itemText itemKind = iota // Markdown text, passed on as is
	itemTag                  // a shortcode tag, opening or closing
	itemBad                  // a malformed tag, rendered as an error marker
)

// item is one piece of a lexed body.
type item struct {
	kind itemKind
	text []byte // itemText: the text; itemBad: the raw source of the tag
	tag  *tag   // itemTag
	line int    // 1-based line in the file where the item starts
	msg  string // itemBad: what is wrong
}

// tag is one shortcode tag as written.
type tag struct {
	src         []byte // the tag's source, delimiters included
	line, col   int    // where the tag starts: 1-based line in the file, 1-based column
	markup      bool   // {{% %}} rather than {{< >}}
	closing     bool   // {{< /name >}}
	selfClosing bool   // {{< name />}}
	name        string
	args        []arg
	named       bool // the arguments are named
}

// arg is one argument of a call as written.
type arg struct {
	key    string // empty for positional arguments
	val    string
	quoted bool // written quoted or raw: always a string
}

// params returns the arguments typed as Hugo types them: nil when there are
// none, a map for named arguments, a slice for positional ones.
func params(args []arg, named bool) any {
	switch {
	case len(args) == 0:
		return nil
	case named:
		m := make(map[string]any, len(args))
		for _, a := range args {
			m[a.key] = typedValue(a.val, a.quoted)
		}
		return m
	}
	s := make([]any, len(args))
	for i, a := range args {
		s[i] = typedValue(a.val, a.quoted)
	}
	return s
}

// Delimiters of the two shortcode forms and of the comment escape.
var (
	leftNoMarkup    = []byte("{{<")
	rightNoMarkup   = []byte(">}}")
	leftWithMarkup  = []byte("{{%")
	rightWithMarkup = []byte("%}}")
	commentOpen     = []byte("/*")
	commentClose    = []byte("*/")
)

// lexer splits a body into text and shortcode tags. It keeps track of lines
// so every item knows where it starts.
type lexer struct {
	src       []byte
	firstLine int // line of src[0] in the file
	items     []item

	// Line bookkeeping: lineAt is the line of linePos, lineStart the offset
	// of the first byte of that line.
	linePos, lineAt, lineStart int
}

// lex splits src into items. firstLine is the 1-based line of src[0].
func lex(src []byte, firstLine int) []item {
	l := &lexer{src: src, firstLine: firstLine, lineAt: firstLine, items: make([]item, 0, 16)}
	l.run()
	return l.items
}

// position returns the line and 1-based column of offset off, which must not
// be before any offset asked for earlier.
func (l *lexer) position(off int) (line, col int) {
	if off < l.linePos {
		// Never happens in a forward scan; recount from the start.
		l.linePos, l.lineAt, l.lineStart = 0, l.firstLine, 0
	}
	seg := l.src[l.linePos:off]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		l.lineAt += n
		l.lineStart = l.linePos + bytes.LastIndexByte(seg, '\n') + 1
	}
	l.linePos = off
	return l.lineAt, utf8.RuneCount(l.src[l.lineStart:off]) + 1
}

func (l *lexer) emitText(from, to int) {
	if from >= to {
		return
	}
	line, _ := l.position(from)
	l.items = append(l.items, item{kind: itemText, text: l.src[from:to], line: line})
}

func (l *lexer) run() {
	textStart, search := 0, 0
	for search < len(l.src) {
		i := bytes.Index(l.src[search:], []byte("{{"))
		if i < 0 {
			break
		}
		start := search + i
		if start+2 >= len(l.src) || (l.src[start+2] != '<' && l.src[start+2] != '%') {
			search = start + 1
			continue
		}
		l.emitText(textStart, start)
		end := l.lexShortcode(start)
		textStart, search = end, end
	}
	l.emitText(textStart, len(l.src))
}

// lexShortcode lexes the tag or comment at start and returns the offset just
// after it.
func (l *lexer) lexShortcode(start int) int {
	markup := l.src[start+2] == '%'
	left, right := leftNoMarkup, rightNoMarkup
	if markup {
		left, right = leftWithMarkup, rightWithMarkup
	}
	p := start + len(left)
	if bytes.HasPrefix(l.src[p:], commentOpen) {
		return l.lexComment(start, left, right)
	}
	line, col := l.position(start)
	t := &tag{line: line, col: col, markup: markup}
	end, errAt, msg := l.lexTag(t, p, right)
	if msg != "" {
		return l.recover(start, errAt, right, msg)
	}
	t.src = l.src[start:end]
	l.items = append(l.items, item{kind: itemTag, tag: t, line: line})
	return end
}

// lexComment handles {{</* ... */>}}, which renders as the shortcode text
// itself without the comment markers: Hugo's way of showing a shortcode.
func (l *lexer) lexComment(start int, left, right []byte) int {
	p := start + len(left) + len(commentOpen)
	closer := append(append([]byte{}, commentClose...), right...)
	i := bytes.Index(l.src[p:], closer)
	line, _ := l.position(start)
	if i < 0 {
		raw := l.src[start : start+len(left)+len(commentOpen)]
		l.items = append(l.items, item{kind: itemBad, text: raw, line: line, msg: "shortcode comment must be closed with */" + string(right)})
		return start + len(raw)
	}
	text := make([]byte, 0, len(left)+i+len(right))
	text = append(text, left...)
	text = append(text, l.src[p:p+i]...)
	text = append(text, right...)
	l.items = append(l.items, item{kind: itemText, text: text, line: line})
	return p + i + len(closer)
}

// recover turns a malformed tag into an itemBad. The bad item runs to the
// tag's closing delimiter when one comes before the next shortcode opens, else
// it is only the opening delimiter.
func (l *lexer) recover(start, errAt int, right []byte, msg string) int {
	line, _ := l.position(start)
	if errAt > start {
		errLine, _ := l.position(errAt)
		if errLine != line {
			msg = fmt.Sprintf("%s (line %d)", msg, errLine)
		}
	}
	end := start + 3
	rest := l.src[end:]
	if i := bytes.Index(rest, right); i >= 0 {
		next := len(rest)
		if j := bytes.Index(rest, leftNoMarkup); j >= 0 {
			next = j
		}
		if j := bytes.Index(rest, leftWithMarkup); j >= 0 && j < next {
			next = j
		}
		if i < next {
			end += i + len(right)
		}
	}
	l.items = append(l.items, item{kind: itemBad, text: l.src[start:end], line: line, msg: msg})
	return end
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (l *lexer) skipSpace(p int) int {
	for p < len(l.src) && isSpace(l.src[p]) {
		p++
	}
	return p
}

// nameRune reports whether r may appear in a shortcode name: letters,
// digits, '_', '-' and '/' for names of templates in subfolders.
func nameRune(r rune) bool {
	return r == '_' || r == '-' || r == '/' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// lexTag lexes the inside of a tag starting at p, just after the opening
// delimiter. It returns the offset after the closing delimiter, or the
// offset and description of the first error.
func (l *lexer) lexTag(t *tag, p int, right []byte) (end, errAt int, msg string) {
	src := l.src
	p = l.skipSpace(p)
	if p < len(src) && src[p] == '/' {
		t.closing = true
		p = l.skipSpace(p + 1)
	}
	nameStart := p
	for p < len(src) {
		r, size := utf8.DecodeRune(src[p:])
		if p == nameStart && (r == '/' || r == '-') {
			break
		}
		if r == '/' && l.selfCloseAt(p, right) {
			break
		}
		if !nameRune(r) {
			break
		}
		p += size
	}
	t.name = string(src[nameStart:p])
	if t.name == "" {
		if p >= len(src) {
			return 0, p, "unclosed shortcode: no " + string(right)
		}
		r, _ := utf8.DecodeRune(src[p:])
		return 0, p, fmt.Sprintf("shortcode name expected, found %q", r)
	}
	if p < len(src) && src[p] == '.' {
		if bytes.HasPrefix(src[p:], []byte(".inline")) {
			return 0, p, fmt.Sprintf("inline shortcode %q is not supported", t.name+".inline")
		}
		return 0, p, fmt.Sprintf("period in shortcode name %q", t.name+".")
	}
	if t.closing {
		p = l.skipSpace(p)
		if bytes.HasPrefix(src[p:], right) {
			return p + len(right), 0, ""
		}
		if p >= len(src) {
			return 0, p, "unclosed shortcode: no " + string(right)
		}
		return 0, p, fmt.Sprintf("closing tag of shortcode %q takes no arguments", t.name)
	}
	if p < len(src) && !isSpace(src[p]) && !bytes.HasPrefix(src[p:], right) && !l.selfCloseAt(p, right) {
		r, _ := utf8.DecodeRune(src[p:])
		return 0, p, fmt.Sprintf("unexpected %q in shortcode name %q", r, t.name)
	}

	var args []arg
	for {
		p = l.skipSpace(p)
		if p >= len(src) {
			return 0, p, "unclosed shortcode: no " + string(right)
		}
		if bytes.HasPrefix(src[p:], right) {
			p += len(right)
			break
		}
		if l.selfCloseAt(p, right) {
			t.selfClosing = true
			p = l.skipSpace(p+1) + len(right)
			break
		}
		argAt := p
		val, next, quoted, msg := l.lexValue(p, right, true)
		if msg != "" {
			return 0, p, msg
		}
		p = next
		q := l.skipSpace(p)
		if !quoted && q < len(src) && src[q] == '=' {
			key := val
			if !validKey(key) {
				return 0, argAt, fmt.Sprintf("invalid parameter name %q", key)
			}
			if len(args) > 0 && !t.named {
				return 0, argAt, fmt.Sprintf("got named parameter %q: cannot mix named and positional parameters", key)
			}
			q = l.skipSpace(q + 1)
			if q >= len(src) || bytes.HasPrefix(src[q:], right) || l.selfCloseAt(q, right) {
				return 0, q, fmt.Sprintf("parameter %q has no value", key)
			}
			v, next, quoted, msg := l.lexValue(q, right, false)
			if msg != "" {
				return 0, q, msg
			}
			p = next
			t.named = true
			args = append(args, arg{key: key, val: v, quoted: quoted})
			continue
		}
		if t.named {
			return 0, argAt, fmt.Sprintf("got positional parameter %q: cannot mix named and positional parameters", val)
		}
		args = append(args, arg{val: val, quoted: quoted})
	}
	t.args = args
	return p, 0, ""
}

// selfCloseAt reports whether "/" followed by optional space and the closing
// delimiter starts at p.
func (l *lexer) selfCloseAt(p int, right []byte) bool {
	if p >= len(l.src) || l.src[p] != '/' {
		return false
	}
	return bytes.HasPrefix(l.src[l.skipSpace(p+1):], right)
}

// lexValue lexes one argument or parameter name at p: a "quoted" string, a
// `raw` string, a \"escaped\" string, or a bare word. A bare word ends at
// space or at the closing delimiter, and at '=' when stopAtEq is set.
func (l *lexer) lexValue(p int, right []byte, stopAtEq bool) (val string, next int, quoted bool, msg string) {
	src := l.src
	switch {
	case src[p] == '"':
		return l.lexQuoted(p+1, false)
	case src[p] == '\\' && p+1 < len(src) && src[p+1] == '"':
		return l.lexQuoted(p+2, true)
	case src[p] == '`':
		i := bytes.IndexByte(src[p+1:], '`')
		if i < 0 {
			return "", 0, false, "unterminated raw string in shortcode parameter"
		}
		return string(src[p+1 : p+1+i]), p + 2 + i, true, ""
	}
	left, other := leftNoMarkup, rightWithMarkup
	if right[0] == '%' {
		left, other = leftWithMarkup, rightNoMarkup
	}
	start := p
	for p < len(src) && !isSpace(src[p]) && !(stopAtEq && src[p] == '=') {
		if bytes.HasPrefix(src[p:], other) {
			return "", 0, false, fmt.Sprintf("shortcode opened with %s must be closed with %s, not %s", left, right, other)
		}
		if bytes.HasPrefix(src[p:], right) || (src[p] == '/' && bytes.HasPrefix(src[p+1:], right)) {
			break
		}
		switch src[p] {
		case '"', '`', '{', '}':
			return "", 0, false, fmt.Sprintf("unexpected %q in shortcode parameter %q: parameters with such characters must be quoted", src[p], src[start:p])
		}
		p++
	}
	return string(src[start:p]), p, false, ""
}

// lexQuoted lexes a quoted string whose content starts at p. Inside it, \"
// stands for a quote. When escaped is set the string ends at \" instead of ".
func (l *lexer) lexQuoted(p int, escaped bool) (val string, next int, quoted bool, msg string) {
	src := l.src
	start := p
	hasEscape := false
	for p < len(src) {
		c := src[p]
		switch {
		case c == '\n':
			return "", 0, false, "unterminated quoted string in shortcode parameter"
		case c == '\\' && p+1 < len(src) && src[p+1] == '"':
			if escaped {
				return string(src[start:p]), p + 2, true, ""
			}
			hasEscape = true
			p += 2
			continue
		case c == '"' && !escaped:
			s := string(src[start:p])
			if hasEscape {
				s = strings.ReplaceAll(s, `\"`, `"`)
			}
			return s, p + 1, true, ""
		}
		p++
	}
	return "", 0, false, "unterminated quoted string in shortcode parameter"
}

// validKey reports whether s may name a parameter.
func validKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

var (
	intValue   = regexp.MustCompile(`^[-+]?\d+$`)
	floatValue = regexp.MustCompile(`^[-+]?\d*\.\d+$`)
)

// typedValue types an argument as Hugo does: quoted values are strings; bare
// true and false are booleans, bare numbers are ints or floats.
func typedValue(s string, quoted bool) any {
	if quoted || s == "" {
		return s
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	c := s[0]
	if !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' {
		return s
	}
	if intValue.MatchString(s) {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
		return s
	}
	if floatValue.MatchString(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}
