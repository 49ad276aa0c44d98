package content

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/text/unicode/norm"
)

// markdown renders Markdown the way Hugo configures goldmark for the site.
// It is safe for concurrent use.
type markdown struct {
	cfg GoldmarkConfig
	md  goldmark.Markdown
	// unlinked is md's parser without linkify, when md has it: see
	// mayLinkify.
	unlinked parser.Parser
}

// markdownResult is what rendering one document found besides its HTML.
type markdownResult struct {
	images  []imageRef // images in order of appearance, URLs as written
	words   int        // words of text, as Hugo's WordCount counts them
	rawHTML bool       // the document holds raw HTML that was passed through
	// deferred is set when a link or image URL was left as written because
	// a shortcode's output has yet to fill it in.
	deferred bool
}

var (
	baseKey     = parser.NewContextKey()
	resultKey   = parser.NewContextKey()
	deferredKey = parser.NewContextKey() // func([]byte) bool: URL awaits shortcode output
	scratchKey  = parser.NewContextKey() // *scratch: the render's buffers
)

func newMarkdown(cfg GoldmarkConfig, hl *highlighter) *markdown {
	var exts []goldmark.Extender
	if cfg.Table {
		exts = append(exts, extension.Table)
	}
	if cfg.Strikethrough {
		exts = append(exts, extension.Strikethrough)
	}
	if cfg.TaskList {
		exts = append(exts, extension.TaskList)
	}
	if cfg.Footnote {
		exts = append(exts, extension.Footnote)
	}
	if cfg.DefinitionList {
		exts = append(exts, extension.DefinitionList)
	}
	if cfg.Typographer {
		exts = append(exts, extension.Typographer)
	}

	parserOpts := []parser.Option{
		parser.WithASTTransformers(util.Prioritized(linkTransformer{linkifyProtocol: []byte(cfg.LinkifyProtocol)}, 100)),
	}
	if cfg.AutoHeadingID {
		parserOpts = append(parserOpts, parser.WithAutoHeadingID())
	}
	if cfg.AttributeTitle || cfg.AttributeBlock {
		parserOpts = append(parserOpts, parser.WithAttribute())
	}
	var unlinked parser.Parser
	if cfg.Linkify {
		unlinked = goldmark.New(goldmark.WithExtensions(exts...), goldmark.WithParserOptions(parserOpts...)).Parser()
		// What extension.Linkify registers, behind a quicker first look.
		parserOpts = append(parserOpts, parser.WithInlineParsers(util.Prioritized(quickLinkify{extension.NewLinkifyParser()}, 999)))
	}

	rendererOpts := []renderer.Option{
		renderer.WithNodeRenderers(util.Prioritized(codeBlockRenderer{hl: hl}, 100)),
	}
	var htmlOpts []gmhtml.Option // what the link renderer needs to render alike
	if cfg.HardWraps {
		rendererOpts = append(rendererOpts, gmhtml.WithHardWraps())
		htmlOpts = append(htmlOpts, gmhtml.WithHardWraps())
	}
	if cfg.XHTML {
		rendererOpts = append(rendererOpts, gmhtml.WithXHTML())
		htmlOpts = append(htmlOpts, gmhtml.WithXHTML())
	}
	if cfg.Unsafe {
		rendererOpts = append(rendererOpts, gmhtml.WithUnsafe())
	} else {
		rendererOpts = append(rendererOpts, renderer.WithNodeRenderers(util.Prioritized(newURLRenderer(htmlOpts...), 100)))
	}
	return &markdown{
		cfg:      cfg,
		unlinked: unlinked,
		md: goldmark.New(
			goldmark.WithExtensions(exts...),
			goldmark.WithParserOptions(parserOpts...),
			goldmark.WithRendererOptions(rendererOpts...),
		),
	}
}

// scratch holds the reusable buffers for rendering one document.
type scratch struct {
	buf     htmlBuffer
	at      atCache
	ids     headingIDs
	linkify linkifyState
	// The page's Markdown with its shortcodes expanded, and its HTML with
	// their output put back.
	md, html []byte
	imgs     []imageRef // the images found
	urls     []byte     // link and image URLs made absolute, end to end
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// htmlBuffer is a bytes.Buffer that goldmark writes to directly: it wraps
// any writer that is not a util.BufWriter in a bufio.Writer, copying every
// byte twice.
type htmlBuffer struct {
	bytes.Buffer
}

var _ util.BufWriter = (*htmlBuffer)(nil)

func (*htmlBuffer) Buffered() int { return 0 }
func (*htmlBuffer) Flush() error  { return nil }

// maxPooledScratch keeps the odd huge page from pinning its buffers.
const maxPooledScratch = 1 << 20

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if s.buf.Cap() <= maxPooledScratch && cap(s.md) <= maxPooledScratch && cap(s.html) <= maxPooledScratch &&
		cap(s.imgs) <= maxPooledScratch/64 && cap(s.urls) <= maxPooledScratch {
		clear(s.imgs[:cap(s.imgs)]) // let their strings go
		scratchPool.Put(s)
	}
}

// render converts src to HTML, making every link and image URL absolute
// against base. base may be nil, leaving URLs as written.
func (m *markdown) render(src []byte, base *url.URL) ([]byte, markdownResult, error) {
	s := getScratch()
	defer putScratch(s)
	h, res, err := m.renderInto(s, src, base, nil)
	res.images = slices.Clone(res.images)
	return bytes.Clone(h), res, err
}

// renderInto is render writing into s: the HTML returned and the images
// found are s's buffers and must be copied before s is reused. URLs for
// which pending reports true are left as written: shortcode output fills
// them in after rendering. With linkify on, src is parsed without it first,
// and again with it only when mayLinkify says it could find an address.
func (m *markdown) renderInto(s *scratch, src []byte, base *url.URL, pending func([]byte) bool) ([]byte, markdownResult, error) {
	res := markdownResult{images: s.imgs[:0]}
	defer func() { s.imgs = res.images[:0] }() // keep what the slice grew to
	var doc ast.Node
	if m.unlinked != nil {
		s.linkify = linkifyCheck
		doc = m.parse(m.unlinked, s, src, base, pending, &res)
	}
	if doc == nil || s.linkify == linkifyAgain {
		res = markdownResult{images: res.images[:0]}
		s.linkify = linkifyDone
		doc = m.parse(m.md.Parser(), s, src, base, pending, &res)
	}
	s.buf.Reset()
	s.buf.Grow(len(src) * 3 / 2)
	if err := m.md.Renderer().Render(&s.buf, src, doc); err != nil {
		return nil, res, err
	}
	return s.buf.Bytes(), res, nil
}

// parse parses src with p, for renderInto.
func (m *markdown) parse(p parser.Parser, s *scratch, src []byte, base *url.URL, pending func([]byte) bool, res *markdownResult) ast.Node {
	s.ids.reset(m.cfg.AutoHeadingIDType)
	pc := parser.NewContext(parser.WithIDs(&s.ids))
	pc.Set(baseKey, base)
	pc.Set(resultKey, res)
	s.at = atCache{stop: -1}
	s.urls = s.urls[:0]
	pc.Set(scratchKey, s)
	if pending != nil {
		pc.Set(deferredKey, pending)
	}
	return p.Parse(text.NewReader(src), parser.WithContext(pc))
}

// linkTransformer makes link and image destinations absolute, collects the
// images with their alt text, and counts words. Linkified www. addresses
// get linkifyProtocol, as in Hugo, when it is set.
type linkTransformer struct {
	linkifyProtocol []byte
}

func (t linkTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	base, _ := pc.Get(baseKey).(*url.URL)
	folder := folderOf(base)
	res, _ := pc.Get(resultKey).(*markdownResult)
	pending, _ := pc.Get(deferredKey).(func([]byte) bool)
	var urls *[]byte
	if s, ok := pc.Get(scratchKey).(*scratch); ok {
		if s.linkify == linkifyCheck && mayLinkify(doc, reader.Source()) {
			s.linkify = linkifyAgain
			return // the document is parsed again
		}
		urls = &s.urls
	}
	resolve := func(dest []byte) []byte {
		if pending != nil && pending(dest) {
			if res != nil {
				res.deferred = true
			}
			return dest
		}
		return absoluteInto(urls, base, folder, dest)
	}
	src := reader.Source()
	inWord := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			n.Destination = resolve(n.Destination)
		case *ast.AutoLink:
			if n.Protocol != nil && len(t.linkifyProtocol) > 0 { // linkify gives "www." addresses "http"
				n.Protocol = t.linkifyProtocol
			}
		case *ast.Image:
			if res != nil {
				res.images = append(res.images, imageRef{
					url:       string(n.Destination),
					alt:       plainText(n, src),
					title:     string(n.Title),
					res:       -1,
					inContent: true,
				})
			}
			n.Destination = resolve(n.Destination)
		case *ast.Text:
			if res != nil {
				res.words += countWords(n.Segment.Value(src), &inWord)
				if n.SoftLineBreak() || n.HardLineBreak() {
					inWord = false
				}
			}
		case *ast.RawHTML, *ast.HTMLBlock:
			if res != nil {
				res.rawHTML = true
			}
		case *ast.Paragraph, *ast.Heading, *ast.ListItem:
			inWord = false
		}
		return ast.WalkContinue, nil
	})
}

// absolute resolves dest against base, leaving it as written when base is nil
// or dest does not parse. Plain names and absolute http(s) URLs, which most
// links and images are, take a fast path without URL parsing.
// folder is base as a string when base is a folder URL ("…/posts/a/") that
// plain names can be appended to, else empty; see folderOf.
func absolute(base *url.URL, folder string, dest []byte) []byte {
	return absoluteInto(nil, base, folder, dest)
}

// absoluteInto is absolute appending the URLs it makes by joining to *buf,
// when buf is not nil, rather than allocating each.
func absoluteInto(buf *[]byte, base *url.URL, folder string, dest []byte) []byte {
	if base == nil || len(dest) == 0 || dest[0] == '#' {
		return dest
	}
	if bytes.HasPrefix(dest, []byte("https://")) || bytes.HasPrefix(dest, []byte("http://")) {
		return dest
	}
	if folder != "" && isPlainName(dest) {
		if buf == nil {
			return append([]byte(folder), dest...)
		}
		start := len(*buf)
		*buf = append(append(*buf, folder...), dest...)
		return (*buf)[start:len(*buf):len(*buf)]
	}
	u, err := url.Parse(string(dest))
	if err != nil || u.IsAbs() {
		return dest
	}
	return []byte(base.ResolveReference(u).String())
}

// folderOf returns base as a string when plain relative names can be
// appended to it to resolve them, else "".
func folderOf(base *url.URL) string {
	if base == nil || !strings.HasSuffix(base.Path, "/") || base.RawQuery != "" || base.Fragment != "" || base.RawPath != "" {
		return ""
	}
	return base.String()
}

// isPlainName reports whether dest is a relative path of plain characters
// that resolves against a folder URL by appending it.
func isPlainName(dest []byte) bool {
	if dest[0] == '.' || dest[0] == '/' {
		return false
	}
	for _, c := range dest {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '/':
		default:
			return false
		}
	}
	return !bytes.Contains(dest, []byte("/.")) && !bytes.Contains(dest, []byte("//"))
}

// plainText returns the text of n's descendants, as an image's alt text.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// countWords counts the words starting in s, carrying whether the previous
// text ended inside a word. A word starts where a character that is not
// white space follows one that is. ASCII text is read eight bytes at a
// time.
func countWords(s []byte, inWord *bool) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	n := 0
	var in uint64 // highs' top bit when inside a word
	if *inWord {
		in = 1 << 63
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := binary.LittleEndian.Uint64(s[i:])
		if v&highs != 0 {
			break // not ASCII: the loop below reads characters
		}
		// Every byte is below 0x80, so adding less than 0x80 to each never
		// carries into the next: the top bit of a byte of v+k*ones says the
		// byte is at least 0x80-k. White space is '\t' to '\r' and ' '.
		space := ((v + (0x80-0x09)*ones) &^ (v + (0x80-0x0e)*ones)) | ((v + (0x80-0x20)*ones) &^ (v + (0x80-0x21)*ones))
		word := ^space & highs
		n += bits.OnesCount64(word &^ (word<<8 | in>>56))
		in = word & (1 << 63)
	}
	prev := in != 0
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s[i:])
		}
		i += size
		if unicode.IsSpace(r) {
			prev = false
		} else if !prev {
			n++
			prev = true
		}
	}
	*inWord = prev
	return n
}

// codeBlockRenderer renders fenced and indented code through the highlighter,
// reading Hugo's fence attributes: ```go {linenos=table,hl_lines=[2]}.
type codeBlockRenderer struct {
	hl *highlighter
}

func (r codeBlockRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.render)
	reg.Register(ast.KindCodeBlock, r.render)
}

func (r codeBlockRenderer) render(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	var code bytes.Buffer
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		code.Write(seg.Value(src))
	}
	var lang, opts string
	if fc, ok := n.(*ast.FencedCodeBlock); ok && fc.Info != nil {
		info := strings.TrimSpace(string(fc.Info.Segment.Value(src)))
		if i := strings.IndexByte(info, '{'); i >= 0 {
			info, opts = strings.TrimSpace(info[:i]), info[i:]
		}
		lang, _, _ = strings.Cut(info, " ")
	}
	o, err := r.hl.parseOptions(opts)
	if err != nil {
		// A bad option must not lose the code: fall back to the defaults.
		o = r.hl.defaults()
	}
	if !r.hl.cfg.CodeFences {
		_, _ = w.WriteString("<pre><code" + langAttrs(lang) + ">")
		_, _ = w.WriteString(htmlEscaper.Replace(code.String()))
		_, _ = w.WriteString("</code></pre>\n")
		return ast.WalkSkipChildren, nil
	}
	if err := r.hl.highlight(w, code.String(), lang, o); err != nil {
		return ast.WalkStop, err
	}
	return ast.WalkSkipChildren, nil
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// headingIDs generates heading ids as Hugo's autoHeadingIDType does, adding
// -1, -2, ... to repeats.
type headingIDs struct {
	kind string
	used map[string]bool
}

// reset readies h for a new document, keeping its map's room.
func (h *headingIDs) reset(kind string) {
	h.kind = kind
	if h.used == nil {
		h.used = map[string]bool{}
	}
	clear(h.used)
}

func (h *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	id := anchorize(string(value), h.kind)
	if id == "" {
		id = "heading"
	}
	unique := id
	for i := 1; h.used[unique]; i++ {
		unique = id + "-" + strconv.Itoa(i)
	}
	h.used[unique] = true
	return []byte(unique)
}

func (h *headingIDs) Put(value []byte) { h.used[string(value)] = true }

// anchorize turns heading text into an id: "github" keeps letters, digits,
// '-' and '_', lowercases, and turns spaces into '-'; "github-ascii" also
// drops accents and non-ASCII; "blackfriday" joins runs of other characters
// into a single '-'.
func anchorize(s, kind string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	switch kind {
	case "blackfriday":
		dash := false
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsNumber(r) {
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				dash = false
				b.WriteRune(unicode.ToLower(r))
			} else {
				dash = true
			}
		}
		return b.String()
	case "github-ascii":
		s = norm.NFKD.String(s)
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			switch {
			case 'A' <= c && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
				b.WriteByte(c)
			case c == ' ', '\t' <= c && c <= '\r':
				b.WriteByte('-')
			}
		case kind == "github-ascii":
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r):
			b.WriteByte('-')
		}
	}
	return b.String()
}
