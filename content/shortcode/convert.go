package shortcode

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// toString converts v as Hugo's templates do.
func toString(v any) (string, error) {
	switch s := v.(type) {
	case nil:
		return "", nil
	case string:
		return s, nil
	case template.HTML:
		return string(s), nil
	case template.HTMLAttr:
		return string(s), nil
	case template.URL:
		return string(s), nil
	case template.CSS:
		return string(s), nil
	case template.JS:
		return string(s), nil
	case []byte:
		return string(s), nil
	case bool:
		return strconv.FormatBool(s), nil
	case int:
		return strconv.Itoa(s), nil
	case int64:
		return strconv.FormatInt(s, 10), nil
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64), nil
	case error:
		return s.Error(), nil
	case fmt.Stringer:
		return s.String(), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'f', -1, 64), nil
	}
	return "", fmt.Errorf("unable to cast %#v of type %T to string", v, v)
}

// toInt converts v as Hugo's int function does.
func toInt(v any) (int, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Invalid:
		return 0, nil
	case reflect.Bool:
		if rv.Bool() {
			return 1, nil
		}
		return 0, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("unable to cast %v to int", f)
		}
		return int(f), nil
	case reflect.String:
		s := strings.TrimSpace(rv.String())
		if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
			s = s[:i]
		}
		n, err := strconv.ParseInt(s, 10, 0)
		if err != nil {
			return 0, fmt.Errorf("unable to cast %q to int", rv.String())
		}
		return int(n), nil
	}
	return 0, fmt.Errorf("unable to cast %#v of type %T to int", v, v)
}

// toFloat converts v to a float64.
func toFloat(v any) (float64, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Invalid:
		return 0, nil
	case reflect.Bool:
		if rv.Bool() {
			return 1, nil
		}
		return 0, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	case reflect.String:
		f, err := strconv.ParseFloat(strings.TrimSpace(rv.String()), 64)
		if err != nil {
			return 0, fmt.Errorf("unable to cast %q to float", rv.String())
		}
		return f, nil
	}
	return 0, fmt.Errorf("unable to cast %#v of type %T to float", v, v)
}

// number classifies v: an integer, a float, or neither.
func number(v any) (i int64, f float64, kind int) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), float64(rv.Int()), 1
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int64(rv.Uint()), float64(rv.Uint()), 1
	case reflect.Float32, reflect.Float64:
		return 0, rv.Float(), 2
	}
	return 0, 0, 0
}

var errDivZero = errors.New("can't divide the value by 0")

// arith applies + - * / or % to two values as Hugo's math functions do:
// integers stay integers, a float makes a float, + joins two strings.
func arith(op byte, a, b any) (any, error) {
	ai, af, ak := number(a)
	bi, bf, bk := number(b)
	if ak == 0 || bk == 0 {
		if op == '+' {
			as, aok := a.(string)
			bs, bok := b.(string)
			if aok && bok {
				return as + bs, nil
			}
		}
		return nil, fmt.Errorf("can't apply the operator to the values %v and %v", a, b)
	}
	if ak == 1 && bk == 1 {
		switch op {
		case '+':
			return ai + bi, nil
		case '-':
			return ai - bi, nil
		case '*':
			return ai * bi, nil
		case '/':
			if bi == 0 {
				return nil, errDivZero
			}
			return ai / bi, nil
		case '%':
			if bi == 0 {
				return nil, errDivZero
			}
			return ai % bi, nil
		}
	}
	switch op {
	case '+':
		return af + bf, nil
	case '-':
		return af - bf, nil
	case '*':
		return af * bf, nil
	case '/':
		if bf == 0 {
			return nil, errDivZero
		}
		return af / bf, nil
	}
	return nil, errors.New("the modulo operator needs integers")
}

// truth reports whether v is true in a template's if.
func truth(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Invalid:
		return false
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() > 0
	case reflect.Bool:
		return rv.Bool()
	case reflect.Complex64, reflect.Complex128:
		return rv.Complex() != 0
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.Interface:
		return !rv.IsNil()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() != 0
	case reflect.Float32, reflect.Float64:
		return rv.Float() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint() != 0
	}
	return true
}

// plainString returns the string content of string-like values.
func plainString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case template.HTML:
		return string(s), true
	case template.URL:
		return string(s), true
	case template.HTMLAttr:
		return string(s), true
	case template.CSS:
		return string(s), true
	case template.JS:
		return string(s), true
	}
	return "", false
}

// compare orders a and b: numbers by value, strings, times. ok is false
// when they cannot be ordered.
func compare(a, b any) (c int, ok bool) {
	ai, af, ak := number(a)
	bi, bf, bk := number(b)
	if ak != 0 && bk != 0 {
		if ak == 1 && bk == 1 {
			return cmpOrdered(ai, bi), true
		}
		return cmpOrdered(af, bf), true
	}
	if as, aok := plainString(a); aok {
		if bs, bok := plainString(b); bok {
			return strings.Compare(as, bs), true
		}
	}
	if at, aok := a.(time.Time); aok {
		if bt, bok := b.(time.Time); bok {
			return at.Compare(bt), true
		}
	}
	if ab, aok := a.(bool); aok {
		if bb, bok := b.(bool); bok {
			switch {
			case ab == bb:
				return 0, true
			case bb:
				return -1, true
			}
			return 1, true
		}
	}
	return 0, false
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// equal reports whether a and b are equal as Hugo's eq sees them: numbers
// by value whatever their type, string-like values by content, anything
// else deeply.
func equal(a, b any) bool {
	if c, ok := compare(a, b); ok {
		return c == 0
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(a, b)
}

// toTime converts v to a time: times as they are, strings in the formats
// Hugo accepts in front matter, numbers as Unix seconds.
func toTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case *time.Time:
		if t != nil {
			return *t, nil
		}
	}
	if s, ok := plainString(v); ok {
		s = strings.TrimSpace(s)
		for _, layout := range []string{
			time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05",
			"2006-01-02T15:04", "2006-01-02", time.RFC1123Z, time.RFC1123, time.RFC822Z, time.RFC822,
			"January 2, 2006", "Jan 2, 2006", "02 Jan 2006", "2 January 2006",
		} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("unable to parse date %q", s)
	}
	if i, _, k := number(v); k == 1 {
		return time.Unix(i, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unable to cast %#v of type %T to a time", v, v)
}

// timeLayout maps Hugo's named date layouts to Go layouts.
func timeLayout(layout string) string {
	switch layout {
	case ":date_full":
		return "Monday, January 2, 2006"
	case ":date_long":
		return "January 2, 2006"
	case ":date_medium":
		return "Jan 2, 2006"
	case ":date_short":
		return "1/2/06"
	case ":time_full":
		return "3:04:05 pm MST"
	case ":time_long":
		return "3:04:05 pm MST"
	case ":time_medium":
		return "3:04:05 pm"
	case ":time_short":
		return "3:04 pm"
	}
	return layout
}
