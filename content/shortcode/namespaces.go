package shortcode

import (
	"errors"
	"html"
	"html/template"
	"math"
	"net/url"
	"path"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// stringsNS is Hugo's strings namespace.
type stringsNS struct{}

func twoStrings(a, b any) (string, string, error) {
	s, err := toString(a)
	if err != nil {
		return "", "", err
	}
	t, err := toString(b)
	return s, t, err
}

// HasPrefix reports whether s begins with prefix.
func (stringsNS) HasPrefix(s, prefix any) (bool, error) {
	a, b, err := twoStrings(s, prefix)
	return strings.HasPrefix(a, b), err
}

// HasSuffix reports whether s ends with suffix.
func (stringsNS) HasSuffix(s, suffix any) (bool, error) {
	a, b, err := twoStrings(s, suffix)
	return strings.HasSuffix(a, b), err
}

// Contains reports whether substr is in s.
func (stringsNS) Contains(s, substr any) (bool, error) {
	a, b, err := twoStrings(s, substr)
	return strings.Contains(a, b), err
}

// ContainsAny reports whether any of chars is in s.
func (stringsNS) ContainsAny(s, chars any) (bool, error) {
	a, b, err := twoStrings(s, chars)
	return strings.ContainsAny(a, b), err
}

// ContainsNonSpace reports whether s has a character other than space.
func (stringsNS) ContainsNonSpace(s any) (bool, error) {
	a, err := toString(s)
	return strings.TrimSpace(a) != "", err
}

// ToLower lowercases s.
func (stringsNS) ToLower(s any) (string, error) { return stringFunc(strings.ToLower)(s) }

// ToUpper uppercases s.
func (stringsNS) ToUpper(s any) (string, error) { return stringFunc(strings.ToUpper)(s) }

// Title title-cases s.
func (stringsNS) Title(s any) (string, error) { return stringFunc(titleCase)(s) }

// FirstUpper uppercases the first letter of s.
func (stringsNS) FirstUpper(s any) (string, error) {
	a, err := toString(s)
	r, size := utf8.DecodeRuneInString(a)
	if size == 0 {
		return a, err
	}
	return string(unicode.ToUpper(r)) + a[size:], err
}

// Trim removes the characters of cutset from both ends of s.
func (stringsNS) Trim(s, cutset any) (string, error) {
	a, b, err := twoStrings(s, cutset)
	return strings.Trim(a, b), err
}

// TrimSpace removes space from both ends of s.
func (stringsNS) TrimSpace(s any) (string, error) { return stringFunc(strings.TrimSpace)(s) }

// TrimPrefix removes prefix from s: strings.TrimPrefix PREFIX STRING.
func (stringsNS) TrimPrefix(prefix, s any) (string, error) {
	p, a, err := twoStrings(prefix, s)
	return strings.TrimPrefix(a, p), err
}

// TrimSuffix removes suffix from s: strings.TrimSuffix SUFFIX STRING.
func (stringsNS) TrimSuffix(suffix, s any) (string, error) {
	p, a, err := twoStrings(suffix, s)
	return strings.TrimSuffix(a, p), err
}

// TrimLeft removes the characters of cutset from the start of s.
func (stringsNS) TrimLeft(cutset, s any) (string, error) {
	c, a, err := twoStrings(cutset, s)
	return strings.TrimLeft(a, c), err
}

// TrimRight removes the characters of cutset from the end of s.
func (stringsNS) TrimRight(cutset, s any) (string, error) {
	c, a, err := twoStrings(cutset, s)
	return strings.TrimRight(a, c), err
}

// Replace replaces old with new in s.
func (stringsNS) Replace(s, old, new any, limit ...any) (string, error) {
	return replace(s, old, new, limit...)
}

// ReplaceRE replaces matches of pattern in s.
func (stringsNS) ReplaceRE(pattern, repl, s any, limit ...any) (string, error) {
	return replaceRE(pattern, repl, s, limit...)
}

// FindRE returns the matches of pattern in s.
func (stringsNS) FindRE(pattern, s any, limit ...any) ([]string, error) {
	return findRE(pattern, s, limit...)
}

// Split splits s at sep.
func (stringsNS) Split(s, sep any) ([]string, error) {
	a, b, err := twoStrings(s, sep)
	return strings.Split(a, b), err
}

// Repeat repeats s n times: strings.Repeat N STRING.
func (stringsNS) Repeat(n, s any) (string, error) {
	c, err := toInt(n)
	if err != nil {
		return "", err
	}
	a, err := toString(s)
	if err != nil {
		return "", err
	}
	if c < 0 || c*len(a) > maxCallOutput {
		return "", errors.New("strings.Repeat: count out of range")
	}
	return strings.Repeat(a, c), nil
}

// Count counts the occurrences of substr in s: strings.Count SUBSTR STRING.
func (stringsNS) Count(substr, s any) (int, error) {
	b, a, err := twoStrings(substr, s)
	return strings.Count(a, b), err
}

// RuneCount counts the characters of s.
func (stringsNS) RuneCount(s any) (int, error) {
	a, err := toString(s)
	return utf8.RuneCountInString(a), err
}

// Substr returns part of s.
func (stringsNS) Substr(s, start any, length ...any) (string, error) {
	return substr(s, start, length...)
}

// Truncate shortens a text.
func (stringsNS) Truncate(size any, args ...any) (template.HTML, error) {
	return truncate(size, args...)
}

// Chomp removes trailing newlines.
func (stringsNS) Chomp(s any) (string, error) {
	return stringFunc(func(s string) string { return strings.TrimRight(s, "\r\n") })(s)
}

// timeNS is Hugo's time namespace.
type timeNS struct{}

// Format formats a time or date string with a Go layout or one of Hugo's
// named layouts.
func (timeNS) Format(layout, v any) (string, error) { return dateFormat(layout, v) }

// Now returns the current time.
func (timeNS) Now() time.Time { return time.Now() }

// AsTime converts v to a time.
func (timeNS) AsTime(v any) (time.Time, error) { return toTime(v) }

// ParseDuration parses a Go duration.
func (timeNS) ParseDuration(v any) (time.Duration, error) {
	s, err := toString(v)
	if err != nil {
		return 0, err
	}
	return time.ParseDuration(s)
}

// mathNS is Hugo's math namespace.
type mathNS struct{}

// Add adds numbers.
func (mathNS) Add(a any, bs ...any) (any, error) { return fold('+', a, bs) }

// Sub subtracts numbers.
func (mathNS) Sub(a any, bs ...any) (any, error) { return fold('-', a, bs) }

// Mul multiplies numbers.
func (mathNS) Mul(a any, bs ...any) (any, error) { return fold('*', a, bs) }

// Div divides numbers.
func (mathNS) Div(a any, bs ...any) (any, error) { return fold('/', a, bs) }

// Mod returns the remainder of two integers.
func (mathNS) Mod(a, b any) (any, error) { return arith('%', a, b) }

func floatOp(f func(float64) float64) func(any) (float64, error) {
	return func(v any) (float64, error) {
		x, err := toFloat(v)
		return f(x), err
	}
}

// Round rounds half away from zero.
func (mathNS) Round(v any) (float64, error) { return floatOp(math.Round)(v) }

// Floor rounds down.
func (mathNS) Floor(v any) (float64, error) { return floatOp(math.Floor)(v) }

// Ceil rounds up.
func (mathNS) Ceil(v any) (float64, error) { return floatOp(math.Ceil)(v) }

// Abs returns the absolute value.
func (mathNS) Abs(v any) (float64, error) { return floatOp(math.Abs)(v) }

// Sqrt returns the square root.
func (mathNS) Sqrt(v any) (float64, error) { return floatOp(math.Sqrt)(v) }

// Max returns the largest number.
func (mathNS) Max(a any, bs ...any) (float64, error) { return extreme(a, bs, 1) }

// Min returns the smallest number.
func (mathNS) Min(a any, bs ...any) (float64, error) { return extreme(a, bs, -1) }

func extreme(a any, bs []any, sign float64) (float64, error) {
	best, err := toFloat(a)
	if err != nil {
		return 0, err
	}
	for _, b := range bs {
		f, err := toFloat(b)
		if err != nil {
			return 0, err
		}
		if (f-best)*sign > 0 {
			best = f
		}
	}
	return best, nil
}

// pathNS is Hugo's path namespace.
type pathNS struct{}

// Base returns the last element of a slash-separated path.
func (pathNS) Base(v any) (string, error) { return stringFunc(path.Base)(v) }

// Dir returns all but the last element of a path.
func (pathNS) Dir(v any) (string, error) { return stringFunc(path.Dir)(v) }

// Ext returns the extension of a path.
func (pathNS) Ext(v any) (string, error) { return stringFunc(path.Ext)(v) }

// Clean cleans a path.
func (pathNS) Clean(v any) (string, error) { return stringFunc(path.Clean)(v) }

// Join joins path elements.
func (pathNS) Join(elems ...any) (string, error) {
	parts := make([]string, 0, len(elems))
	for _, e := range elems {
		items, err := elements(e)
		if err == nil && reflect.ValueOf(e).Kind() == reflect.Slice {
			for _, it := range items {
				s, err := toString(it)
				if err != nil {
					return "", err
				}
				parts = append(parts, s)
			}
			continue
		}
		s, err := toString(e)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return path.Join(parts...), nil
}

// urlsNS is Hugo's urls namespace.
type urlsNS struct{}

// Parse parses a URL.
func (urlsNS) Parse(v any) (*url.URL, error) {
	s, err := toString(v)
	if err != nil {
		return nil, err
	}
	return url.Parse(s)
}

// JoinPath joins URL path elements.
func (urlsNS) JoinPath(elems ...any) (string, error) {
	p, err := pathNS{}.Join(elems...)
	if err != nil {
		return "", err
	}
	if len(elems) > 0 {
		if first, _ := toString(elems[0]); strings.Contains(first, "://") {
			scheme, _, _ := strings.Cut(first, "://")
			return scheme + "://" + strings.TrimPrefix(strings.TrimPrefix(p, scheme+":"), "/"), nil
		}
	}
	return p, nil
}

// hugoNS is Hugo's hugo namespace, describing a production build.
type hugoNS struct{}

// IsProduction reports true: pages are served as published.
func (hugoNS) IsProduction() bool { return true }

// IsDevelopment reports false.
func (hugoNS) IsDevelopment() bool { return false }

// IsServer reports false.
func (hugoNS) IsServer() bool { return false }

// Environment returns "production".
func (hugoNS) Environment() string { return "production" }

// resourcesNS is Hugo's resources namespace. There are no global assets and
// nothing is fetched, so it finds nothing.
type resourcesNS struct{}

// Get finds no global asset.
func (resourcesNS) Get(any) *resource { return nil }

// GetMatch finds no global asset.
func (resourcesNS) GetMatch(any) *resource { return nil }

// Match finds no global asset.
func (resourcesNS) Match(any) resourceList { return nil }

// GetRemote fails: remote resources are never fetched.
func (resourcesNS) GetRemote(args ...any) (any, error) {
	return nil, errors.New("resources.GetRemote: remote resources are not fetched")
}

// transformNS is Hugo's transform namespace.
type transformNS struct{ st *execState }

// Markdownify renders Markdown inline.
func (t transformNS) Markdownify(v any) (template.HTML, error) {
	s, err := toString(v)
	if err != nil {
		return "", err
	}
	h, err := t.st.x.markdownify(s)
	return template.HTML(h), err
}

// Highlight highlights code.
func (t transformNS) Highlight(code, lang any, opts ...any) (template.HTML, error) {
	return t.st.highlight(code, lang, opts...)
}

// Plainify removes HTML tags.
func (transformNS) Plainify(v any) (string, error) { return stringFunc(plainify)(v) }

// HTMLEscape escapes HTML.
func (transformNS) HTMLEscape(v any) (string, error) { return stringFunc(html.EscapeString)(v) }

// HTMLUnescape unescapes HTML.
func (transformNS) HTMLUnescape(v any) (string, error) { return stringFunc(html.UnescapeString)(v) }

// Emojify returns its argument.
func (transformNS) Emojify(v any) (template.HTML, error) {
	s, err := toString(v)
	return template.HTML(s), err
}
