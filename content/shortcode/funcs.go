package shortcode

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// staticFuncs returns the template functions that need nothing but their
// arguments: the part of Hugo's function library real shortcodes use.
func staticFuncs() template.FuncMap {
	return template.FuncMap{
		"safeHTML":     func(v any) (template.HTML, error) { s, err := toString(v); return template.HTML(s), err },
		"safeHTMLAttr": func(v any) (template.HTMLAttr, error) { s, err := toString(v); return template.HTMLAttr(s), err },
		"safeURL":      func(v any) (template.URL, error) { s, err := toString(v); return template.URL(s), err },
		"safeCSS":      func(v any) (template.CSS, error) { s, err := toString(v); return template.CSS(s), err },
		"safeJS":       func(v any) (template.JS, error) { s, err := toString(v); return template.JS(s), err },

		"default": hugoDefault,
		"cond": func(c, a, b any) any {
			if truth(c) {
				return a
			}
			return b
		},
		"eq": func(a any, bs ...any) bool {
			for _, b := range bs {
				if equal(a, b) {
					return true
				}
			}
			return false
		},
		"ne": func(a, b any) bool { return !equal(a, b) },
		"lt": func(a, b any) bool { c, ok := compare(a, b); return ok && c < 0 },
		"le": func(a, b any) bool { c, ok := compare(a, b); return ok && c <= 0 },
		"gt": func(a, b any) bool { c, ok := compare(a, b); return ok && c > 0 },
		"ge": func(a, b any) bool { c, ok := compare(a, b); return ok && c >= 0 },

		"lower":     stringFunc(strings.ToLower),
		"upper":     stringFunc(strings.ToUpper),
		"title":     stringFunc(titleCase),
		"urlize":    stringFunc(urlize),
		"anchorize": stringFunc(anchorize),
		"humanize":  humanize,
		"plainify":  stringFunc(plainify),
		"chomp":     stringFunc(func(s string) string { return strings.TrimRight(s, "\r\n") }),
		"htmlEscape": func(v any) (string, error) {
			s, err := toString(v)
			return html.EscapeString(s), err
		},
		"htmlUnescape": stringFunc(html.UnescapeString),
		"emojify":      func(v any) (template.HTML, error) { s, err := toString(v); return template.HTML(s), err },
		"trim": func(v, cutset any) (string, error) {
			s, err := toString(v)
			if err != nil {
				return "", err
			}
			c, err := toString(cutset)
			return strings.Trim(s, c), err
		},
		"replace": replace,
		"split": func(v, sep any) ([]string, error) {
			s, err := toString(v)
			if err != nil {
				return nil, err
			}
			d, err := toString(sep)
			return strings.Split(s, d), err
		},
		"delimit":   delimit,
		"hasPrefix": func(s, p any) (bool, error) { return stringsNS{}.HasPrefix(s, p) },
		"hasSuffix": func(s, p any) (bool, error) { return stringsNS{}.HasSuffix(s, p) },
		"substr":    substr,
		"truncate":  truncate,
		"replaceRE": replaceRE,
		"findRE":    findRE,
		"countwords": func(v any) (int, error) {
			s, err := toString(v)
			return len(strings.Fields(plainify(s))), err
		},
		"countrunes": func(v any) (int, error) {
			s, err := toString(v)
			n := 0
			for _, r := range plainify(s) {
				if !unicode.IsSpace(r) {
					n++
				}
			}
			return n, err
		},

		"in":     in,
		"slice":  func(items ...any) []any { return items },
		"dict":   dict,
		"isset":  isset,
		"first":  func(n, coll any) (any, error) { return sliceOf(n, coll, 'f') },
		"last":   func(n, coll any) (any, error) { return sliceOf(n, coll, 'l') },
		"after":  func(n, coll any) (any, error) { return sliceOf(n, coll, 'a') },
		"where":  where,
		"sort":   sortCollection,
		"uniq":   uniq,
		"append": hugoAppend,

		"add": func(a any, bs ...any) (any, error) { return fold('+', a, bs) },
		"sub": func(a any, bs ...any) (any, error) { return fold('-', a, bs) },
		"mul": func(a any, bs ...any) (any, error) { return fold('*', a, bs) },
		"div": func(a any, bs ...any) (any, error) { return fold('/', a, bs) },
		"mod": func(a, b any) (any, error) { return arith('%', a, b) },
		"int": toInt,
		"float": func(v any) (float64, error) {
			return toFloat(v)
		},
		"string": toString,

		"now":        time.Now,
		"dateFormat": dateFormat,
		"time": func(args ...any) (any, error) {
			if len(args) == 0 {
				return timeNS{}, nil
			}
			return toTime(args[0])
		},

		"jsonify": jsonify,
		"querify": querify,
		"md5": func(v any) (string, error) {
			s, err := toString(v)
			sum := md5.Sum([]byte(s))
			return hex.EncodeToString(sum[:]), err
		},
		"sha1": func(v any) (string, error) {
			s, err := toString(v)
			sum := sha1.Sum([]byte(s))
			return hex.EncodeToString(sum[:]), err
		},
		"sha256": func(v any) (string, error) {
			s, err := toString(v)
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:]), err
		},
		"base64Encode": func(v any) (string, error) {
			s, err := toString(v)
			return base64.StdEncoding.EncodeToString([]byte(s)), err
		},
		"base64Decode": func(v any) (string, error) {
			s, err := toString(v)
			if err != nil {
				return "", err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			return string(b), err
		},
		"getenv": func(any) string { return "" },
		"i18n":   translate,
		"T":      translate,

		"strings":   func() stringsNS { return stringsNS{} },
		"math":      func() mathNS { return mathNS{} },
		"path":      func() pathNS { return pathNS{} },
		"urls":      func() urlsNS { return urlsNS{} },
		"hugo":      func() hugoNS { return hugoNS{} },
		"resources": func() resourcesNS { return resourcesNS{} },
	}
}

// boundFuncs returns the template functions that act on the page being
// expanded, reached through st.
func boundFuncs(st *execState) template.FuncMap {
	return template.FuncMap{
		"markdownify": func(v any) (template.HTML, error) {
			s, err := toString(v)
			if err != nil {
				return "", err
			}
			h, err := st.x.markdownify(s)
			return template.HTML(h), err
		},
		"highlight": func(code, lang any, opts ...any) (template.HTML, error) {
			return st.highlight(code, lang, opts...)
		},
		"absURL":     func(v any) (string, error) { return st.absURL(v) },
		"absLangURL": func(v any) (string, error) { return st.absURL(v) },
		"relURL":     func(v any) (string, error) { return st.relURL(v) },
		"relLangURL": func(v any) (string, error) { return st.relURL(v) },
		"ref":        func(_ any, arg any) (string, error) { return st.ref(arg, false) },
		"relref":     func(_ any, arg any) (string, error) { return st.ref(arg, true) },
		"site":       func() *siteData { return st.x.siteData() },
		"partial": func(name any, _ ...any) template.HTML {
			st.report(false, fmt.Sprintf("partial %v: partials are not available to shortcodes here", name))
			return ""
		},
		"partialCached": func(name any, _ ...any) template.HTML {
			st.report(false, fmt.Sprintf("partial %v: partials are not available to shortcodes here", name))
			return ""
		},
		"errorf": func(format string, args ...any) string {
			st.report(false, fmt.Sprintf(format, args...))
			return ""
		},
		"warnf": func(format string, args ...any) string {
			st.report(true, fmt.Sprintf(format, args...))
			return ""
		},
		"erroridf": func(_ string, format string, args ...any) string {
			st.report(false, fmt.Sprintf(format, args...))
			return ""
		},
		"warnidf": func(_ string, format string, args ...any) string {
			st.report(true, fmt.Sprintf(format, args...))
			return ""
		},
		"seq":       func(args ...any) ([]int, error) { return st.seq(args...) },
		"transform": func() transformNS { return transformNS{st: st} },
	}
}

// report records a problem raised by a template at its call's line.
func (st *execState) report(warning bool, msg string) {
	msg = fmt.Sprintf("shortcode %q: %s", st.c.name, msg)
	if warning {
		st.x.warn(st.c.pos.LineNumber, "%s", msg)
		return
	}
	st.x.problem(st.c.pos.LineNumber, "%s", msg)
}

func (st *execState) highlight(code, lang any, opts ...any) (template.HTML, error) {
	c, err := toString(code)
	if err != nil {
		return "", err
	}
	l, err := toString(lang)
	if err != nil {
		return "", err
	}
	o := ""
	if len(opts) > 0 {
		if m, ok := opts[0].(map[string]any); ok {
			var parts []string
			for k, v := range m {
				parts = append(parts, fmt.Sprintf("%s=%v", k, v))
			}
			sort.Strings(parts)
			o = strings.Join(parts, ",")
		} else if o, err = toString(opts[0]); err != nil {
			return "", err
		}
	}
	h, err := st.x.highlight(c, l, o)
	return template.HTML(h), err
}

func (st *execState) absURL(v any) (string, error) {
	s, err := toString(v)
	if err != nil {
		return "", err
	}
	return absURL(st.x.site.BaseURL, s), nil
}

func (st *execState) relURL(v any) (string, error) {
	s, err := toString(v)
	if err != nil {
		return "", err
	}
	return relURL(st.x.site.BaseURL, s), nil
}

// ref resolves a reference given as a path or as a map with "path"; an
// unresolvable one is reported and becomes "#".
func (st *execState) ref(arg any, relative bool) (string, error) {
	p := ""
	if m, ok := arg.(map[string]any); ok {
		p, _ = toString(m["path"])
	} else {
		var err error
		if p, err = toString(arg); err != nil {
			return "", err
		}
	}
	u, err := st.x.resolveRef(p, relative)
	if err != nil {
		st.report(false, err.Error())
		return "#", nil
	}
	return u, nil
}

// seq makes a sequence as Hugo's seq: seq LAST, seq FIRST LAST, seq FIRST
// INCREMENT LAST.
func (st *execState) seq(args ...any) ([]int, error) {
	nums := make([]int, len(args))
	for i, a := range args {
		n, err := toInt(a)
		if err != nil {
			return nil, err
		}
		nums[i] = n
	}
	first, inc, last := 1, 1, 0
	switch len(nums) {
	case 1:
		last = nums[0]
		if last < 0 {
			first, inc = -1, -1
		} else if last == 0 {
			return []int{}, nil
		}
	case 2:
		first, last = nums[0], nums[1]
		if last < first {
			inc = -1
		}
	case 3:
		first, inc, last = nums[0], nums[1], nums[2]
	default:
		return nil, errors.New("seq takes one to three numbers")
	}
	if inc == 0 || (inc > 0 && last < first) || (inc < 0 && last > first) {
		return nil, errors.New("seq: the increment does not lead from the first to the last number")
	}
	count := (last-first)/inc + 1
	if count > maxSeq || count < 0 {
		return nil, fmt.Errorf("seq: more than %d numbers", maxSeq)
	}
	if count > st.x.seqLeft {
		return nil, fmt.Errorf("seq: more than %d numbers in one page", maxSeqPage)
	}
	st.x.seqLeft -= count
	out := make([]int, 0, count)
	for n := first; len(out) < count; n += inc {
		out = append(out, n)
	}
	return out, nil
}

func stringFunc(f func(string) string) func(any) (string, error) {
	return func(v any) (string, error) {
		s, err := toString(v)
		return f(s), err
	}
}

// hugoDefault returns given when it is set, else dflt. Booleans are always
// set; zero numbers, empty strings and collections, zero times and nil
// are not.
func hugoDefault(dflt any, given ...any) any {
	if len(given) == 0 || given[0] == nil {
		return dflt
	}
	g := given[0]
	rv := reflect.ValueOf(g)
	set := true
	switch rv.Kind() {
	case reflect.Bool:
	case reflect.String, reflect.Array, reflect.Slice, reflect.Map:
		set = rv.Len() != 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		set = rv.Int() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		set = rv.Uint() != 0
	case reflect.Float32, reflect.Float64:
		set = rv.Float() != 0
	case reflect.Pointer, reflect.Interface:
		set = !rv.IsNil()
	case reflect.Struct:
		if t, ok := g.(time.Time); ok {
			set = !t.IsZero()
		}
	}
	if set {
		return g
	}
	return dflt
}

func fold(op byte, a any, bs []any) (any, error) {
	if len(bs) == 0 {
		return nil, errors.New("need at least two numbers")
	}
	acc := a
	for _, b := range bs {
		var err error
		if acc, err = arith(op, acc, b); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func replace(v, old, new any, limit ...any) (string, error) {
	s, err := toString(v)
	if err != nil {
		return "", err
	}
	o, err := toString(old)
	if err != nil {
		return "", err
	}
	n, err := toString(new)
	if err != nil {
		return "", err
	}
	count := -1
	if len(limit) > 0 {
		if count, err = toInt(limit[0]); err != nil {
			return "", err
		}
	}
	return strings.Replace(s, o, n, count), nil
}

// delimit joins the elements of a slice, or the values of a map in key
// order, with sep, and with last before the last element when given.
func delimit(coll, sep any, last ...any) (string, error) {
	d, err := toString(sep)
	if err != nil {
		return "", err
	}
	l := d
	if len(last) > 0 {
		if l, err = toString(last[0]); err != nil {
			return "", err
		}
	}
	items, err := elements(coll)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			if i == len(items)-1 {
				b.WriteString(l)
			} else {
				b.WriteString(d)
			}
		}
		s, err := toString(it)
		if err != nil {
			s = fmt.Sprint(it)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// elements lists the elements of a slice or array, or the values of a map
// in key order.
func elements(coll any) ([]any, error) {
	rv := reflect.ValueOf(coll)
	switch rv.Kind() {
	case reflect.Invalid:
		return nil, nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, nil
	case reflect.Map:
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = rv.MapIndex(k).Interface()
		}
		return out, nil
	}
	return nil, fmt.Errorf("can't iterate over %v", coll)
}

func in(set, item any) (bool, error) {
	if s, ok := plainString(set); ok {
		it, err := toString(item)
		if err != nil {
			return false, nil
		}
		return strings.Contains(s, it), nil
	}
	rv := reflect.ValueOf(set)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			if equal(rv.Index(i).Interface(), item) {
				return true, nil
			}
		}
	}
	return false, nil
}

func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, errors.New("dict takes key and value pairs")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, err := toString(pairs[i])
		if err != nil {
			return nil, fmt.Errorf("dict keys must be strings: %v", err)
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

func isset(coll, key any) bool {
	rv := reflect.ValueOf(coll)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		i, err := toInt(key)
		return err == nil && i >= 0 && i < rv.Len()
	case reflect.Map:
		k, err := toString(key)
		if err != nil {
			return false
		}
		_, ok := mapValueFold(coll, k)
		if !ok && rv.Type().Key().Kind() == reflect.String {
			return rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).IsValid()
		}
		return ok
	}
	return false
}

// sliceOf implements first (f), last (l) and after (a).
func sliceOf(nv, coll any, which byte) (any, error) {
	n, err := toInt(nv)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, errors.New("the count must be a non-negative number")
	}
	rv := reflect.ValueOf(coll)
	switch rv.Kind() {
	case reflect.Invalid:
		return nil, nil
	case reflect.Slice, reflect.Array, reflect.String:
	default:
		return nil, fmt.Errorf("can't take elements of %T", coll)
	}
	l := rv.Len()
	n = min(n, l)
	switch which {
	case 'f':
		return rv.Slice(0, n).Interface(), nil
	case 'l':
		return rv.Slice(l-n, l).Interface(), nil
	}
	return rv.Slice(n, l).Interface(), nil
}

// property returns the value of a dotted key of v: a map entry, a field or
// a method without arguments.
func property(v any, key string) (any, bool) {
	cur := v
	for _, part := range strings.Split(key, ".") {
		if part == "" {
			continue
		}
		if m, ok := mapValueFold(cur, part); ok {
			cur = m
			continue
		}
		rv := reflect.ValueOf(cur)
		if !rv.IsValid() {
			return nil, false
		}
		if m := rv.MethodByName(part); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() >= 1 {
			out := m.Call(nil)
			cur = out[0].Interface()
			continue
		}
		for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
			if rv.IsNil() {
				return nil, false
			}
			rv = rv.Elem()
		}
		switch rv.Kind() {
		case reflect.Struct:
			f := rv.FieldByName(part)
			if !f.IsValid() || !f.CanInterface() {
				return nil, false
			}
			cur = f.Interface()
		case reflect.Map:
			if rv.Type().Key().Kind() != reflect.String {
				return nil, false
			}
			e := rv.MapIndex(reflect.ValueOf(part).Convert(rv.Type().Key()))
			if !e.IsValid() {
				return nil, false
			}
			cur = e.Interface()
		default:
			return nil, false
		}
	}
	return cur, true
}

// where filters a collection as Hugo's where: where COLL KEY [OP] VALUE.
func where(coll, key any, args ...any) (any, error) {
	k, err := toString(key)
	if err != nil {
		return nil, err
	}
	op, match := "eq", any(nil)
	switch len(args) {
	case 1:
		match = args[0]
	case 2:
		if op, err = toString(args[0]); err != nil {
			return nil, err
		}
		match = args[1]
	default:
		return nil, errors.New("where takes a collection, a key, an optional operator and a value")
	}
	items, err := elements(coll)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, it := range items {
		v, _ := property(it, k)
		ok, err := whereMatch(op, v, match)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func whereMatch(op string, v, match any) (bool, error) {
	switch op {
	case "=", "==", "eq", "":
		return equal(v, match), nil
	case "!=", "<>", "ne":
		return !equal(v, match), nil
	case "<", "lt", "<=", "le", ">", "gt", ">=", "ge":
		c, ok := compare(v, match)
		if !ok {
			return false, nil
		}
		switch op {
		case "<", "lt":
			return c < 0, nil
		case "<=", "le":
			return c <= 0, nil
		case ">", "gt":
			return c > 0, nil
		}
		return c >= 0, nil
	case "in", "not in":
		found, _ := in(match, v)
		if vs, err := elements(v); err == nil && reflect.ValueOf(v).Kind() == reflect.Slice {
			found = false
			for _, e := range vs {
				if f, _ := in(match, e); f {
					found = true
					break
				}
			}
		}
		return found == (op == "in"), nil
	case "like":
		s, err := toString(match)
		if err != nil {
			return false, err
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return false, err
		}
		vs, _ := toString(v)
		return re.MatchString(vs), nil
	}
	return false, fmt.Errorf("where: unknown operator %q", op)
}

// sortCollection sorts as Hugo's sort: sort COLL [KEY] [ORDER].
func sortCollection(coll any, args ...any) ([]any, error) {
	items, err := elements(coll)
	if err != nil {
		return nil, err
	}
	key, order := "value", "asc"
	if len(args) > 0 {
		if key, err = toString(args[0]); err != nil {
			return nil, err
		}
	}
	if len(args) > 1 {
		if order, err = toString(args[1]); err != nil {
			return nil, err
		}
	}
	get := func(v any) any {
		if key == "value" || key == "" {
			return v
		}
		p, _ := property(v, key)
		return p
	}
	sort.SliceStable(items, func(i, j int) bool {
		c, _ := compare(get(items[i]), get(items[j]))
		if strings.EqualFold(order, "desc") {
			return c > 0
		}
		return c < 0
	})
	return items, nil
}

func uniq(coll any) ([]any, error) {
	items, err := elements(coll)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, it := range items {
		dup := false
		for _, o := range out {
			if equal(o, it) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, it)
		}
	}
	return out, nil
}

// hugoAppend appends as Hugo's append: append ITEM... COLL.
func hugoAppend(args ...any) (any, error) {
	if len(args) < 2 {
		return nil, errors.New("append takes items and a collection")
	}
	coll := args[len(args)-1]
	if coll == nil {
		return args[:len(args)-1], nil
	}
	if k := reflect.ValueOf(coll).Kind(); k != reflect.Slice && k != reflect.Array {
		return nil, fmt.Errorf("append: %T is not a collection", coll)
	}
	return appendAny(coll, args[:len(args)-1]...), nil
}

func substr(v, startv any, length ...any) (string, error) {
	s, err := toString(v)
	if err != nil {
		return "", err
	}
	runes := []rune(s)
	start, err := toInt(startv)
	if err != nil {
		return "", err
	}
	if start < 0 {
		start += len(runes)
	}
	start = max(0, min(start, len(runes)))
	end := len(runes)
	if len(length) > 0 {
		n, err := toInt(length[0])
		if err != nil {
			return "", err
		}
		if n < 0 {
			end += n
		} else {
			end = start + n
		}
	}
	end = max(start, min(end, len(runes)))
	return string(runes[start:end]), nil
}

// truncate shortens text to size runes at a word boundary, as Hugo's
// truncate SIZE [ELLIPSIS] TEXT.
func truncate(sizev any, args ...any) (template.HTML, error) {
	size, err := toInt(sizev)
	if err != nil {
		return "", err
	}
	if len(args) == 0 || len(args) > 2 {
		return "", errors.New("truncate takes a size, an optional ellipsis and a text")
	}
	ellipsis := " …"
	if len(args) == 2 {
		if ellipsis, err = toString(args[0]); err != nil {
			return "", err
		}
	}
	isHTML := false
	if _, ok := args[len(args)-1].(template.HTML); ok {
		isHTML = true
	}
	s, err := toString(args[len(args)-1])
	if err != nil {
		return "", err
	}
	if isHTML {
		s = plainify(s)
	}
	if utf8.RuneCountInString(s) <= size {
		if isHTML {
			return template.HTML(s), nil
		}
		return template.HTML(html.EscapeString(s)), nil
	}
	runes := []rune(s)
	cut := size
	for cut > 0 && !unicode.IsSpace(runes[cut]) {
		cut--
	}
	if cut == 0 {
		cut = size
	}
	return template.HTML(html.EscapeString(strings.TrimRightFunc(string(runes[:cut]), unicode.IsSpace)) + html.EscapeString(ellipsis)), nil
}

func replaceRE(pattern, repl, input any, limit ...any) (string, error) {
	p, err := toString(pattern)
	if err != nil {
		return "", err
	}
	r, err := toString(repl)
	if err != nil {
		return "", err
	}
	s, err := toString(input)
	if err != nil {
		return "", err
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return "", err
	}
	n := -1
	if len(limit) > 0 {
		if n, err = toInt(limit[0]); err != nil {
			return "", err
		}
	}
	if n < 0 {
		return re.ReplaceAllString(s, r), nil
	}
	done := 0
	return re.ReplaceAllStringFunc(s, func(m string) string {
		if done >= n {
			return m
		}
		done++
		return re.ReplaceAllString(m, r)
	}), nil
}

func findRE(pattern, input any, limit ...any) ([]string, error) {
	p, err := toString(pattern)
	if err != nil {
		return nil, err
	}
	s, err := toString(input)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	n := -1
	if len(limit) > 0 {
		if n, err = toInt(limit[0]); err != nil {
			return nil, err
		}
	}
	out := re.FindAllString(s, n)
	if out == nil {
		out = []string{}
	}
	return out, nil
}

func dateFormat(layout, v any) (string, error) {
	l, err := toString(layout)
	if err != nil {
		return "", err
	}
	t, err := toTime(v)
	if err != nil {
		return "", err
	}
	return t.Format(timeLayout(l)), nil
}

// jsonify encodes the last argument as JSON; an optional first map may set
// "indent" and "prefix".
func jsonify(args ...any) (template.HTML, error) {
	if len(args) == 0 || len(args) > 2 {
		return "", errors.New("jsonify takes an optional map of options and a value")
	}
	v := args[len(args)-1]
	var b []byte
	var err error
	if len(args) == 2 {
		opts, _ := args[0].(map[string]any)
		indent, _ := toString(opts["indent"])
		prefix, _ := toString(opts["prefix"])
		b, err = json.MarshalIndent(v, prefix, indent)
	} else {
		b, err = json.Marshal(v)
	}
	return template.HTML(b), err
}

func querify(args ...any) (string, error) {
	vals := url.Values{}
	if len(args) == 1 {
		m, ok := args[0].(map[string]any)
		if !ok {
			return "", errors.New("querify takes a map or key and value pairs")
		}
		for k, v := range m {
			vals.Add(k, fmt.Sprint(v))
		}
		return vals.Encode(), nil
	}
	if len(args)%2 != 0 {
		return "", errors.New("querify takes a map or key and value pairs")
	}
	for i := 0; i < len(args); i += 2 {
		k, err := toString(args[i])
		if err != nil {
			return "", err
		}
		vals.Add(k, fmt.Sprint(args[i+1]))
	}
	return vals.Encode(), nil
}

// translate stands in for i18n: there are no translation tables here, so
// the key is the text.
func translate(key any, _ ...any) (string, error) { return toString(key) }

// humanize turns "my-first-post" into "My first post", and a number into
// its ordinal: 1 into "1st".
func humanize(v any) (string, error) {
	if _, _, k := number(v); k == 1 {
		n, _ := toInt(v)
		return ordinal(n), nil
	}
	s, err := toString(v)
	if err != nil {
		return "", err
	}
	if n, err := toInt(s); err == nil && strings.TrimSpace(s) != "" && !strings.ContainsAny(s, ".") {
		return ordinal(n), nil
	}
	var b strings.Builder
	prevLower := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '-' || r == '_':
			b.WriteRune(' ')
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			b.WriteRune(' ')
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		b.WriteRune(unicode.ToLower(r))
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	r, size := utf8.DecodeRuneInString(out)
	if size == 0 {
		return "", nil
	}
	return string(unicode.ToUpper(r)) + out[size:], nil
}

func ordinal(n int) string {
	suffix := "th"
	switch n % 100 {
	case 11, 12, 13:
	default:
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// plainify removes HTML tags.
func plainify(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return htmlTag.ReplaceAllString(s, "")
}

// apSmallWords stay lowercase inside a title, as in AP style, Hugo's
// default title case.
var apSmallWords = map[string]bool{
	"a": true, "an": true, "and": true, "as": true, "at": true, "but": true, "by": true, "en": true,
	"for": true, "if": true, "in": true, "nor": true, "of": true, "on": true, "or": true, "per": true,
	"the": true, "to": true, "v.": true, "vs.": true, "via": true,
}

// titleCase capitalizes the words of s, leaving small words lowercase
// except first and last.
func titleCase(s string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return s
	}
	for i, w := range words {
		if i > 0 && i < len(words)-1 && apSmallWords[strings.ToLower(w)] {
			words[i] = strings.ToLower(w)
			continue
		}
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToTitle(r)) + w[size:]
	}
	return strings.Join(words, " ")
}

// urlize makes a URL path of s: lowercased, spaces as hyphens, escaped.
func urlize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteRune('-')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./#+~", r):
			b.WriteRune(r)
		}
	}
	u := url.URL{Path: b.String()}
	return u.EscapedPath()
}

// anchorize makes an id of s as goldmark's heading ids: lowercased,
// spaces as hyphens, punctuation dropped.
func anchorize(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-':
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r):
			b.WriteRune('-')
		}
	}
	return b.String()
}

// absURL makes s absolute against the site's base URL as Hugo's absURL.
func absURL(base, s string) string {
	if u, err := url.Parse(s); err == nil && u.IsAbs() || strings.HasPrefix(s, "//") {
		return s
	}
	bu, err := url.Parse(base)
	if err != nil || bu.Host == "" {
		return relURL(base, s)
	}
	if strings.HasPrefix(s, "/") {
		return bu.Scheme + "://" + bu.Host + s
	}
	return strings.TrimSuffix(bu.Scheme+"://"+bu.Host+bu.Path, "/") + "/" + s
}

// relURL makes s root-relative under the site's base path as Hugo's relURL.
func relURL(base, s string) string {
	if u, err := url.Parse(s); err == nil && u.IsAbs() || strings.HasPrefix(s, "//") {
		return s
	}
	if strings.HasPrefix(s, "/") {
		return s
	}
	bp := "/"
	if bu, err := url.Parse(base); err == nil && bu.Path != "" {
		bp = bu.Path
	}
	return strings.TrimSuffix(bp, "/") + "/" + s
}
