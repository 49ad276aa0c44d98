package content

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// urlRenderer renders links, autolinks and images with goldmark's own
// functions, but checks for dangerous URLs itself. goldmark's check
// lowercases each URL once per scheme it knows, two allocations each time:
// about a quarter of all allocations when loading a link-heavy site. The
// check here gives the same answers without allocating, and goldmark's
// trusting renderer then writes exactly what its safe one would.
type urlRenderer struct {
	safe, trusting map[ast.NodeKind]renderer.NodeRendererFunc
}

// urlKinds are the nodes whose URLs goldmark checks.
var urlKinds = []ast.NodeKind{ast.KindLink, ast.KindAutoLink, ast.KindImage}

func newURLRenderer(opts ...gmhtml.Option) urlRenderer {
	funcs := func(opts ...gmhtml.Option) map[ast.NodeKind]renderer.NodeRendererFunc {
		reg := funcRecorder{}
		gmhtml.NewRenderer(opts...).RegisterFuncs(reg)
		return reg
	}
	return urlRenderer{
		safe:     funcs(opts...),
		trusting: funcs(append(opts, gmhtml.WithUnsafe())...),
	}
}

func (r urlRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	for _, k := range urlKinds {
		reg.Register(k, r.render)
	}
}

func (r urlRenderer) render(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	// goldmark checks the URL it escaped. Escaping percent-encodes bytes
	// that no dangerous scheme holds, so it cannot make or break one, but
	// for links and images it first resolves backslash escapes and
	// character references, which can: "javascript&colon;".
	var dest []byte
	switch n := n.(type) {
	case *ast.Link:
		dest = resolveReferences(n.Destination)
	case *ast.Image:
		dest = resolveReferences(n.Destination)
	case *ast.AutoLink:
		dest = n.URL(src)
	}
	funcs := r.trusting
	if isDangerousURL(dest) {
		funcs = r.safe
	}
	return funcs[n.Kind()](w, src, n, entering)
}

// resolveReferences returns dest as goldmark reads a link destination,
// backslash escapes and character references resolved.
func resolveReferences(dest []byte) []byte {
	if bytes.IndexByte(dest, '&') < 0 && bytes.IndexByte(dest, '\\') < 0 {
		return dest
	}
	return util.URLEscape(dest, true)
}

// funcRecorder keeps the functions a node renderer registers.
type funcRecorder map[ast.NodeKind]renderer.NodeRendererFunc

func (f funcRecorder) Register(k ast.NodeKind, fn renderer.NodeRendererFunc) { f[k] = fn }

// isDangerousURL is goldmark's html.IsDangerousURL without its allocations:
// javascript:, vbscript:, file: and data: URLs are dangerous, except data:
// images in PNG, GIF, JPEG or WebP ("data:image/png;base64,…").
func isDangerousURL(url []byte) bool {
	if hasPrefixFold(url, "data:image/") {
		v := url[len("data:image/"):]
		return !(hasPrefixFold(v, "png;") || hasPrefixFold(v, "gif;") || hasPrefixFold(v, "jpeg;") || hasPrefixFold(v, "webp;"))
	}
	return hasPrefixFold(url, "javascript:") || hasPrefixFold(url, "vbscript:") ||
		hasPrefixFold(url, "file:") || hasPrefixFold(url, "data:")
}

// hasPrefixFold reports whether s begins with the lower-case ASCII prefix,
// ignoring ASCII case.
func hasPrefixFold(s []byte, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
