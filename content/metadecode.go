package content

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	toml "github.com/pelletier/go-toml/v2"
	yaml "go.yaml.in/yaml/v3"
)

// dataFormat is a structured-data syntax Hugo reads configuration and front
// matter in.
type dataFormat string

const (
	formatTOML dataFormat = "TOML"
	formatYAML dataFormat = "YAML"
	formatJSON dataFormat = "JSON"
)

// formatFromExt returns the format of a file extension without its dot.
func formatFromExt(ext string) (dataFormat, bool) {
	switch strings.ToLower(ext) {
	case "toml":
		return formatTOML, true
	case "yaml", "yml":
		return formatYAML, true
	case "json":
		return formatJSON, true
	}
	return "", false
}

// fileError is a file blogbridge could not read, located by file and line.
// Its text is "file:line: message", the form editors jump to.
type fileError struct {
	File string
	Line int // 1-based; 0 when the whole file is concerned
	Msg  string
}

func (e *fileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// diagnostic returns the error as an Error diagnostic.
func (e *fileError) diagnostic() Diagnostic {
	return Diagnostic{File: e.File, Line: e.Line, Severity: Error, Message: e.Msg}
}

// syntaxError is a parse failure located within the parsed text.
type syntaxError struct {
	line int // 1-based within the parsed text; 0 when unknown
	msg  string
}

func (e *syntaxError) Error() string { return e.msg }

// Limits that keep hostile input from exhausting memory or the stack.
const (
	maxDataDepth = 200
	maxDataNodes = 1_000_000
)

// decodeMap parses src as a map in format f. Every map key, at any depth, is
// lowercased, as Hugo does for configuration and front matter. YAML
// timestamps stay strings so that they are read in the site's time zone, as
// Hugo's YAML decoder leaves them.
func decodeMap(f dataFormat, src []byte) (m map[string]any, err error) {
	defer func() {
		// The parsers read untrusted text; a panic in one of them must not
		// take the server down.
		if r := recover(); r != nil {
			m, err = nil, &syntaxError{line: 1, msg: fmt.Sprintf("invalid %s: %v", f, r)}
		}
	}()
	var v any
	switch f {
	case formatTOML:
		var tm map[string]any
		if err := toml.Unmarshal(src, &tm); err != nil {
			var de *toml.DecodeError
			if errors.As(err, &de) {
				row, _ := de.Position()
				return nil, &syntaxError{line: row, msg: "invalid TOML: " + strings.TrimPrefix(de.Error(), "toml: ")}
			}
			return nil, &syntaxError{line: 1, msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
		}
		v = tm
	case formatYAML:
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			line, msg := yamlErrorLine(err)
			return nil, &syntaxError{line: min(line, lastLine(src)), msg: "invalid YAML: " + msg}
		}
		budget := maxDataNodes
		yv, err := yamlValue(&n, 0, &budget)
		if err != nil {
			return nil, err
		}
		if yv == nil {
			return map[string]any{}, nil
		}
		if _, ok := yv.(map[string]any); !ok {
			line := n.Line
			if len(n.Content) > 0 {
				line = n.Content[0].Line
			}
			return nil, &syntaxError{line: max(line, 1), msg: fmt.Sprintf("invalid YAML: want a map of keys, got %s", describeValue(yv))}
		}
		v = yv
	case formatJSON:
		dec := json.NewDecoder(bytes.NewReader(src))
		var jv any
		if err := dec.Decode(&jv); err != nil {
			return nil, jsonSyntaxError(src, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, &syntaxError{line: lineAt(src, int(dec.InputOffset())), msg: "invalid JSON: text after the top-level object"}
		}
		if jv == nil {
			return map[string]any{}, nil
		}
		if _, ok := jv.(map[string]any); !ok {
			return nil, &syntaxError{line: lineAt(src, firstNonSpace(src)), msg: fmt.Sprintf("invalid JSON: want an object, got %s", describeValue(jv))}
		}
		v = jv
	default:
		return nil, &syntaxError{line: 1, msg: fmt.Sprintf("unknown format %q", f)}
	}
	out, _ := lowerKeys(v, 0).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// yamlErrorLine extracts the line from a yaml.v3 error and returns the
// message without its "yaml: line N:" prefix.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 1
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		end := strings.IndexByte(rest, ':')
		if end > 0 {
			if n, err := strconv.Atoi(rest[:end]); err == nil {
				line = n
				msg = strings.TrimSpace(rest[end+1:])
				// yaml.v3 numbers lines from 0 for parser errors (it
				// adds one only for scanner errors); those point at the
				// start of the construct left open.
				if isYAMLParserError(msg) {
					line++
				}
			}
		}
	}
	return max(line, 1), msg
}

// isYAMLParserError reports whether msg is one of libyaml's parser (not
// scanner) problems.
func isYAMLParserError(msg string) bool {
	switch msg {
	case "did not find expected <document start>",
		"did not find expected node content",
		"did not find expected key",
		"did not find expected '-' indicator",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found duplicate %TAG directive":
		return true
	}
	return false
}

// lastLine returns the number of the last line of src that holds text.
func lastLine(src []byte) int {
	return max(lineAt(src, len(bytes.TrimRight(src, "\r\n"))), 1)
}

// jsonSyntaxError locates a JSON decoding error by line.
func jsonSyntaxError(src []byte, err error) *syntaxError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &syntaxError{line: lineAt(src, int(se.Offset)), msg: "invalid JSON: " + se.Error()}
	case errors.As(err, &te):
		return &syntaxError{line: lineAt(src, int(te.Offset)), msg: "invalid JSON: " + te.Error()}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &syntaxError{line: lineAt(src, len(src)), msg: "invalid JSON: unexpected end of input"}
	}
	return &syntaxError{line: 1, msg: "invalid JSON: " + err.Error()}
}

// yamlValue converts a YAML node to plain Go values: maps, slices, strings,
// ints, floats, bools and nil. budget bounds alias expansion.
func yamlValue(n *yaml.Node, depth int, budget *int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, &syntaxError{line: max(n.Line, 1), msg: "invalid YAML: document too large after expanding aliases"}
	}
	if depth > maxDataDepth {
		return nil, &syntaxError{line: max(n.Line, 1), msg: "invalid YAML: nested too deeply"}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1, budget)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil
		}
		return yamlValue(n.Alias, depth+1, budget)
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		seen := make(map[string]int, len(n.Content)/2)
		var merged []map[string]any
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			v, err := yamlValue(vn, depth+1, budget)
			if err != nil {
				return nil, err
			}
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				switch mv := v.(type) {
				case map[string]any:
					merged = append(merged, mv)
				case []any:
					for _, e := range mv {
						if em, ok := e.(map[string]any); ok {
							merged = append(merged, em)
						}
					}
				}
				continue
			}
			key := yamlKey(k)
			if prev, dup := seen[key]; dup {
				return nil, &syntaxError{line: max(k.Line, 1), msg: fmt.Sprintf("invalid YAML: mapping key %q already defined at line %d", key, prev)}
			}
			seen[key] = k.Line
			m[key] = v
		}
		// Keys written in the mapping win over merged ones; earlier merged
		// maps win over later ones, as YAML specifies.
		for _, mm := range merged {
			for k, v := range mm {
				if _, ok := m[k]; !ok {
					m[k] = v
				}
			}
		}
		return m, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return n.Value, nil
			}
			return v, nil
		case "!!binary":
			b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
			if err != nil {
				return n.Value, nil
			}
			return string(b), nil
		default:
			// Strings, timestamps and custom tags are text.
			return n.Value, nil
		}
	}
	return nil, nil
}

func yamlKey(k *yaml.Node) string {
	if k.Kind == yaml.ScalarNode {
		return k.Value
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	_ = enc.Encode(k)
	return strings.TrimSpace(b.String())
}

// lowerKeys returns v with every map key lowercased, at any depth, including
// maps inside lists. Maps with non-string keys become string-keyed.
func lowerKeys(v any, depth int) any {
	if depth > maxDataDepth {
		return nil
	}
	switch vv := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(vv))
		for k, e := range vv {
			m[strings.ToLower(k)] = lowerKeys(e, depth+1)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(vv))
		for k, e := range vv {
			m[strings.ToLower(fmt.Sprint(k))] = lowerKeys(e, depth+1)
		}
		return m
	case []any:
		s := make([]any, len(vv))
		for i, e := range vv {
			s[i] = lowerKeys(e, depth+1)
		}
		return s
	case []map[string]any:
		s := make([]any, len(vv))
		for i, e := range vv {
			s[i] = lowerKeys(e, depth+1)
		}
		return s
	}
	return v
}

// mergeMaps sets every key of src in dst, merging nested maps so that src
// wins key by key, as Hugo merges configuration files.
func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeMaps(dm, sm)
				continue
			}
			cp := make(map[string]any, len(sm))
			mergeMaps(cp, sm)
			dst[k] = cp
			continue
		}
		dst[k] = v
	}
}

// describeValue names the kind of a decoded value for messages.
func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64, float64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a map"
	case time.Time, toml.LocalDate, toml.LocalDateTime, toml.LocalTime:
		return "a date"
	}
	return fmt.Sprintf("a %T", v)
}

// The as* functions convert a decoded value the way Hugo's weak decoding
// does; ok is false when v cannot stand for the wanted type.

func asString(v any) (string, bool) {
	switch vv := v.(type) {
	case nil:
		return "", true
	case string:
		return vv, true
	case bool:
		return strconv.FormatBool(vv), true
	case int:
		return strconv.Itoa(vv), true
	case int64:
		return strconv.FormatInt(vv, 10), true
	case uint64:
		return strconv.FormatUint(vv, 10), true
	case float64:
		return strconv.FormatFloat(vv, 'f', -1, 64), true
	case time.Time:
		return vv.Format(time.RFC3339), true
	case toml.LocalDate:
		return vv.String(), true
	case toml.LocalDateTime:
		return vv.String(), true
	case toml.LocalTime:
		return vv.String(), true
	}
	return "", false
}

func asBool(v any) (bool, bool) {
	switch vv := v.(type) {
	case nil:
		return false, true
	case bool:
		return vv, true
	case string:
		if vv == "" {
			return false, true
		}
		b, err := strconv.ParseBool(vv)
		return b, err == nil
	case int:
		return vv != 0, true
	case int64:
		return vv != 0, true
	case uint64:
		return vv != 0, true
	case float64:
		return vv != 0, true
	}
	return false, false
}

func asInt(v any) (int, bool) {
	switch vv := v.(type) {
	case nil:
		return 0, true
	case int:
		return vv, true
	case int64:
		if vv > math.MaxInt32 || vv < math.MinInt32 {
			return 0, false
		}
		return int(vv), true
	case uint64:
		if vv > math.MaxInt32 {
			return 0, false
		}
		return int(vv), true
	case float64:
		if vv > math.MaxInt32 || vv < math.MinInt32 || math.IsNaN(vv) {
			return 0, false
		}
		return int(vv), true
	case bool:
		if vv {
			return 1, true
		}
		return 0, true
	case string:
		s := strings.TrimSpace(vv)
		if s == "" {
			return 0, true
		}
		if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
			s = s[:i]
		}
		n, err := strconv.ParseInt(s, 0, 32)
		if err != nil {
			return 0, false
		}
		return int(n), true
	}
	return 0, false
}

// asStringSlice reads a list of scalars. A single string is one element
// when preserveString is set (taxonomy terms, images), else it is split on
// white space (aliases, keywords), as Hugo's two conversions do.
func asStringSlice(v any, preserveString bool) ([]string, bool) {
	switch vv := v.(type) {
	case nil:
		return nil, true
	case string:
		if preserveString {
			return []string{vv}, true
		}
		return strings.Fields(vv), true
	case []string:
		return slices.Clone(vv), true
	case []any:
		out := make([]string, 0, len(vv))
		for _, e := range vv {
			if e == nil {
				continue
			}
			switch e.(type) {
			case []any, map[string]any:
				return nil, false
			}
			s, ok := asString(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	if s, ok := asString(v); ok {
		return []string{s}, true
	}
	return nil, false
}

// lineAt returns the 1-based line of byte offset off in src.
func lineAt(src []byte, off int) int {
	off = min(max(off, 0), len(src))
	return bytes.Count(src[:off], []byte("\n")) + 1
}

func firstNonSpace(src []byte) int {
	for i, c := range src {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return i
		}
	}
	return len(src)
}

// firstInvalidUTF8 returns the offset of the first byte that is not valid
// UTF-8, or -1.
func firstInvalidUTF8(src []byte) int {
	if utf8.Valid(src) {
		return -1 // the common case, checked word at a time
	}
	for i := 0; i < len(src); {
		if src[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// keyLocator finds the line of a key path (lowercase keys, outermost
// first) in a document; 0 when the key cannot be found.
type keyLocator func(path []string) int

// newKeyLocator returns a keyLocator for src in format f. Lines are 1-based
// within src.
func newKeyLocator(f dataFormat, src []byte) keyLocator {
	switch f {
	case formatYAML:
		var n yaml.Node
		if yaml.Unmarshal(src, &n) != nil {
			return func([]string) int { return 0 }
		}
		return func(path []string) int { return yamlKeyLine(&n, path) }
	case formatJSON:
		return func(path []string) int { return jsonKeyLine(src, path) }
	case formatTOML:
		return func(path []string) int { return tomlKeyLine(src, path) }
	}
	return func([]string) int { return 0 }
}

func yamlKeyLine(n *yaml.Node, path []string) int {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
			continue
		}
		if len(n.Content) == 0 {
			return 0
		}
		n = n.Content[0]
	}
	if n == nil || len(path) == 0 {
		return 0
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if strings.EqualFold(yamlKey(k), path[0]) {
				if len(path) == 1 {
					return k.Line
				}
				return yamlKeyLine(n.Content[i+1], path[1:])
			}
		}
	case yaml.SequenceNode:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(n.Content) {
			return 0
		}
		if len(path) == 1 {
			return n.Content[i].Line
		}
		return yamlKeyLine(n.Content[i], path[1:])
	}
	return 0
}

// jsonKeyLine walks the JSON tokens and returns the line of the key at path.
func jsonKeyLine(src []byte, path []string) int {
	if len(path) == 0 {
		return 0
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	type frame struct {
		object    bool
		expectKey bool
		key       string
		index     int
	}
	var stack []frame
	current := func() []string {
		p := make([]string, 0, len(stack))
		for _, f := range stack {
			if f.object {
				p = append(p, f.key)
			} else {
				p = append(p, strconv.Itoa(f.index))
			}
		}
		return p
	}
	// afterValue advances the enclosing container past one value.
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			top.expectKey = true
		} else {
			top.index++
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, expectKey: true})
			case '[':
				stack = append(stack, frame{})
			case '}', ']':
				stack = stack[:len(stack)-1]
				afterValue()
			}
		default:
			if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey {
				key, _ := t.(string)
				top := &stack[len(stack)-1]
				top.key, top.expectKey = key, false
				if equalFoldPath(current(), path) {
					// start is where the previous token ended; the key
					// itself begins after any separator and space.
					off := int(start)
					for off < len(src) && src[off] != '"' {
						off++
					}
					return lineAt(src, off)
				}
				continue
			}
			afterValue()
		}
	}
}

// tomlKeyLine scans TOML text for the line that sets path, following table
// headers and dotted keys. Multi-line strings may mislead it; it is only used
// to point at a line in messages.
func tomlKeyLine(src []byte, path []string) int {
	var table []string
	for i, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if t[0] == '[' {
			inner := strings.TrimLeft(t, "[")
			if end := strings.IndexByte(inner, ']'); end >= 0 {
				inner = inner[:end]
			}
			table = splitTOMLKey(inner)
			if equalFoldPath(table, path) {
				return i + 1
			}
			continue
		}
		k, _, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		full := append(slices.Clone(table), splitTOMLKey(k)...)
		if equalFoldPath(full, path) || (len(full) < len(path) && equalFoldPath(full, path[:len(full)])) {
			return i + 1
		}
	}
	return 0
}

// splitTOMLKey splits a dotted TOML key, honouring quotes.
func splitTOMLKey(k string) []string {
	var parts []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

func equalFoldPath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}
