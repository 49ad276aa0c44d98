package shortcode

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
)

// Engine holds the shortcodes a site can call: the built-ins, overridden by
// the site's and its themes' templates. An Engine is immutable and safe for
// concurrent use.
type Engine struct {
	defs map[string]*definition
}

// definition is one callable shortcode.
type definition struct {
	name    string
	inner   bool // the shortcode uses its inner content, so it takes a closing tag
	builtin func(x *expander, c *call) (string, error)
	tmpl    *templateShortcode
}

// lookup returns the shortcode called name, or nil.
func (e *Engine) lookup(name string) *definition {
	return e.defs[name]
}

// New loads the shortcode templates of the given layouts folders, the
// site's first and then each theme's: every NAME.html below
// shortcodes/ or _shortcodes/ defines the shortcode NAME ("sub/name" for
// files in subfolders), and NAME.LANG.html a variant for pages in language
// LANG. A template in an earlier folder wins over one in a later folder, and
// any template wins over the built-in of the same name. A folder that does not
// exist is skipped; a template that cannot be read or parsed is reported and
// left out, so that a later folder's or the built-in shortcode is used.
func New(layoutDirs []string) (*Engine, []LoadProblem) {
	builtins := builtinDefinitions()
	e := &Engine{defs: make(map[string]*definition, len(builtins)+8)}
	for name, d := range builtins {
		e.defs[name] = d
	}
	var problems []LoadProblem
	found := map[string]*templateShortcode{}
	broken := map[string]string{} // name → why its only template failed
	for _, dir := range layoutDirs {
		for _, sub := range []string{"_shortcodes", "shortcodes"} {
			root := filepath.Join(dir, sub)
			err := filepath.WalkDir(root, func(file string, d fs.DirEntry, err error) error {
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) && file == root {
						return fs.SkipDir
					}
					problems = append(problems, LoadProblem{File: file, Message: fmt.Sprintf("shortcode templates: %v", err)})
					if d != nil && d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				if d.IsDir() || !strings.HasSuffix(d.Name(), ".html") {
					return nil
				}
				rel, err := filepath.Rel(root, file)
				if err != nil {
					return nil
				}
				name, variant := templateName(filepath.ToSlash(rel))
				if name == "" {
					return nil
				}
				ts := found[name]
				if ts != nil && ts.variants[variant] != nil {
					return nil // an earlier folder has it
				}
				src, err := os.ReadFile(file)
				if err != nil {
					problems = append(problems, LoadProblem{File: file, Message: fmt.Sprintf("shortcode %q: %v", name, err)})
					return nil
				}
				v, err := parseTemplate(sub+"/"+filepath.ToSlash(rel), string(src))
				if err != nil {
					line, msg := templateErrorLine(err)
					problems = append(problems, LoadProblem{File: file, Line: line, Message: fmt.Sprintf("shortcode %q: %s", name, msg)})
					if _, ok := broken[name]; !ok {
						broken[name] = msg
					}
					return nil
				}
				if ts == nil {
					ts = &templateShortcode{name: name, variants: map[string]*templateVariant{}}
					found[name] = ts
				}
				ts.variants[variant] = v
				return nil
			})
			if err != nil {
				problems = append(problems, LoadProblem{File: root, Message: fmt.Sprintf("shortcode templates: %v", err)})
			}
		}
	}
	for name, ts := range found {
		if ts.variants[""] == nil {
			if b := builtins[name]; b != nil {
				ts.fallback = b
			}
		}
		inner := ts.fallback != nil && ts.fallback.inner
		for _, v := range ts.variants {
			inner = inner || v.inner
		}
		e.defs[name] = &definition{name: name, inner: inner, tmpl: ts}
	}
	for name, why := range broken {
		if e.defs[name] == nil {
			msg := "template could not be loaded: " + why
			e.defs[name] = &definition{name: name, builtin: func(*expander, *call) (string, error) {
				return "", errors.New(msg)
			}}
		}
	}
	return e, problems
}

// templateName splits the path of a template below shortcodes/ into the
// shortcode's name and the language of the variant ("" for all languages).
func templateName(rel string) (name, variant string) {
	rel = strings.TrimSuffix(rel, ".html")
	dir, base := path.Split(rel)
	parts := strings.Split(base, ".")
	name = dir + parts[0]
	switch len(parts) {
	case 1:
		return name, ""
	case 2:
		switch parts[1] {
		case "html":
			return name, ""
		case "amp", "rss", "json", "xml", "txt", "calendar", "csv", "markdown":
			return "", "" // a variant for another output format
		}
		return name, parts[1]
	case 3:
		if parts[2] == "html" {
			return name, parts[1]
		}
	}
	return "", "" // output formats other than HTML do not concern us
}

var templateLine = regexp.MustCompile(`^template: [^:]*:(\d+):\s*`)

// templateErrorLine extracts the template line from a parse error.
func templateErrorLine(err error) (int, string) {
	msg := err.Error()
	m := templateLine.FindStringSubmatchIndex(msg)
	if m == nil {
		return 0, msg
	}
	n, _ := strconv.Atoi(msg[m[2]:m[3]])
	return n, msg[m[1]:]
}

// templateShortcode is a shortcode defined by templates.
type templateShortcode struct {
	name     string
	variants map[string]*templateVariant // by language; "" for the default
	fallback *definition                 // built-in for languages without a variant
}

// templateVariant is one parsed template. The parsed template is never
// executed: each execution takes a clone bound to its own state from the
// pool, so that functions such as markdownify and errorf reach the page
// being expanded without any shared mutable state.
type templateVariant struct {
	base  *template.Template
	inner bool
	pool  sync.Pool // of *boundTemplate
}

// boundTemplate is a clone of a template whose functions read st.
type boundTemplate struct {
	t  *template.Template
	st *execState
}

// execState is what the functions of a bound template act on: the
// expansion and call being run.
type execState struct {
	x *expander
	c *call
}

func parseTemplate(name, src string) (*templateVariant, error) {
	t, err := template.New(name).Funcs(staticFuncs()).Funcs(boundFuncs(nil)).Parse(src)
	if err != nil {
		return nil, err
	}
	v := &templateVariant{base: t}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && usesInner(tt.Tree.Root) {
			v.inner = true
		}
	}
	return v, nil
}

// usesInner reports whether the tree refers to .Inner or .InnerDeindent,
// which is how Hugo decides that a shortcode takes a closing tag.
func usesInner(n parse.Node) bool {
	isInner := func(idents []string) bool {
		for _, id := range idents {
			if id == "Inner" || id == "InnerDeindent" {
				return true
			}
		}
		return false
	}
	switch n := n.(type) {
	case nil:
		return false
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if usesInner(c) {
				return true
			}
		}
	case *parse.ActionNode:
		return usesInner(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return false
		}
		for _, c := range n.Cmds {
			if usesInner(c) {
				return true
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if usesInner(a) {
				return true
			}
		}
	case *parse.FieldNode:
		return isInner(n.Ident)
	case *parse.ChainNode:
		return isInner(n.Field) || usesInner(n.Node)
	case *parse.VariableNode:
		return isInner(n.Ident)
	case *parse.IfNode:
		return usesInner(n.Pipe) || usesInner(n.List) || usesInner(n.ElseList)
	case *parse.RangeNode:
		return usesInner(n.Pipe) || usesInner(n.List) || usesInner(n.ElseList)
	case *parse.WithNode:
		return usesInner(n.Pipe) || usesInner(n.List) || usesInner(n.ElseList)
	case *parse.TemplateNode:
		return usesInner(n.Pipe)
	}
	return false
}

// execute runs the template for a call.
func (ts *templateShortcode) execute(x *expander, c *call) (string, error) {
	v := ts.variants[x.page.Lang]
	if v == nil {
		v = ts.variants[""]
	}
	if v == nil {
		if ts.fallback != nil {
			return ts.fallback.builtin(x, c)
		}
		for _, other := range ts.variants {
			v = other
			break
		}
	}
	b, _ := v.pool.Get().(*boundTemplate)
	if b == nil {
		t, err := v.base.Clone()
		if err != nil {
			return "", err
		}
		b = &boundTemplate{t: t, st: &execState{}}
		b.t.Funcs(boundFuncs(b.st))
	}
	b.st.x, b.st.c = x, c
	w := &limitWriter{max: maxCallOutput}
	err := b.t.Execute(w, c)
	b.st.x, b.st.c = nil, nil
	v.pool.Put(b)
	if err != nil {
		return "", err
	}
	return w.b.String(), nil
}

var errOutputLimit = fmt.Errorf("output exceeds %d bytes", maxCallOutput)

// limitWriter collects at most max bytes and fails past them.
type limitWriter struct {
	b   strings.Builder
	max int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, errOutputLimit
	}
	return w.b.Write(p)
}
