package shortcode

import (
	"fmt"
	"strings"
	"testing"
)

// describe renders lexed items in a compact form for comparison.
func describe(items []item) []string {
	var out []string
	for _, it := range items {
		switch it.kind {
		case itemText:
			out = append(out, fmt.Sprintf("text %d %q", it.line, it.text))
		case itemBad:
			out = append(out, fmt.Sprintf("bad %d %q: %s", it.line, it.text, it.msg))
		case itemTag:
			t := it.tag
			d := "<"
			if t.markup {
				d = "%"
			}
			if t.closing {
				d += "/"
			}
			s := fmt.Sprintf("tag %d:%d %s%s", t.line, t.col, d, t.name)
			if p := params(t.args, t.named); p != nil {
				s += fmt.Sprintf(" %#v", p)
			}
			if t.selfClosing {
				s += " self"
			}
			out = append(out, s)
		}
	}
	return out
}

func TestLex(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		firstLine int
		want      []string
	}{
		{
			name: "no shortcode",
			src:  "Hello {{ .Title }} and { {< x >}}",
			want: []string{`text 1 "Hello {{ .Title }} and { {< x >}}"`},
		},
		{
			name: "positional bare",
			src:  "a {{< youtube w7Ft2ymGmfc >}} b",
			want: []string{`text 1 "a "`, `tag 1:3 <youtube []interface {}{"w7Ft2ymGmfc"}`, `text 1 " b"`},
		},
		{
			name: "named quoted",
			src:  `{{< twitter user="jeqo89" id="1770087702978757098" >}}`,
			want: []string{`tag 1:1 <twitter map[string]interface {}{"id":"1770087702978757098", "user":"jeqo89"}`},
		},
		{
			name: "named bare values are typed",
			src:  `{{< x n=42 f=1.5 b=true c=false s=abc neg=-3 >}}`,
			want: []string{`tag 1:1 <x map[string]interface {}{"b":true, "c":false, "f":1.5, "n":42, "neg":-3, "s":"abc"}`},
		},
		{
			name: "positional typed, quoted stays string",
			src:  "{{< x 42 \"42\" true `raw str` 0.5 >}}",
			want: []string{`tag 1:1 <x []interface {}{42, "42", true, "raw str", 0.5}`},
		},
		{
			name: "raw string spans lines",
			src:  "{{< x `a\n\"b\"` >}}",
			want: []string{`tag 1:1 <x []interface {}{"a\n\"b\""}`},
		},
		{
			name: "escaped quotes",
			src:  `{{< x title="say \"hi\"" >}}`,
			want: []string{`tag 1:1 <x map[string]interface {}{"title":"say \"hi\""}`},
		},
		{
			name: "escaped quote delimiters",
			src:  `{{< x \"quoted\" >}}`,
			want: []string{`tag 1:1 <x []interface {}{"quoted"}`},
		},
		{
			name: "spaces around equals",
			src:  `{{< x a = "b" c= d >}}`,
			want: []string{`tag 1:1 <x map[string]interface {}{"a":"b", "c":"d"}`},
		},
		{
			name: "bare values keep slashes, percents and equals",
			src:  `{{< figure link=https://x.com/a?b=c width=50% >}}`,
			want: []string{`tag 1:1 <figure map[string]interface {}{"link":"https://x.com/a?b=c", "width":"50%"}`},
		},
		{
			name: "bare value ending in slash before the delimiter",
			src:  `{{< figure link=https://x.com/ >}}`,
			want: []string{`tag 1:1 <figure map[string]interface {}{"link":"https://x.com/"}`},
		},
		{
			name: "self-closing forms",
			src:  `{{< x />}}{{< y a="b"/>}}{{< comment/>}}{{% z / %}}`,
			want: []string{`tag 1:1 <x self`, `tag 1:11 <y map[string]interface {}{"a":"b"} self`, `tag 1:26 <comment self`, `tag 1:41 %z self`},
		},
		{
			name: "paired with closing tags",
			src:  "{{< details >}}x{{< /details >}}{{% note %}}y{{% / note %}}",
			want: []string{`tag 1:1 <details`, `text 1 "x"`, `tag 1:17 </details`, `tag 1:33 %note`, `text 1 "y"`, `tag 1:46 %/note`},
		},
		{
			name: "name in a subfolder",
			src:  `{{< sub/badge label="new" >}}`,
			want: []string{`tag 1:1 <sub/badge map[string]interface {}{"label":"new"}`},
		},
		{
			name: "comment escape renders the shortcode as text",
			src:  "`{{</* figure src=\"x\" */>}}` and {{%/* note */%}}",
			want: []string{"text 1 \"`\"", `text 1 "{{< figure src=\"x\" >}}"`, "text 1 \"` and \"", `text 1 "{{% note %}}"`},
		},
		{
			name:      "lines and columns",
			src:       "a\nb\n{{< x >}}\n\n  é {{< y >}}",
			firstLine: 10,
			want:      []string{`text 10 "a\nb\n"`, `tag 12:1 <x`, `text 12 "\n\n  é "`, `tag 14:5 <y`},
		},
		{
			name: "tag spanning lines",
			src:  "{{< figure\n  src=\"a.jpg\"\n  alt=\"b\"\n>}}\nafter",
			want: []string{`tag 1:1 <figure map[string]interface {}{"alt":"b", "src":"a.jpg"}`, `text 4 "\nafter"`},
		},
		{
			name: "shortcodes inside a fenced code block are lexed",
			src:  "```\n{{< x >}}\n```",
			want: []string{"text 1 \"```\\n\"", `tag 2:1 <x`, "text 2 \"\\n```\""},
		},
		{
			name: "unterminated quoted string",
			src:  "{{< x a=\"b >}}\nnext",
			want: []string{`bad 1 "{{< x a=\"b >}}": unterminated quoted string in shortcode parameter`, `text 1 "\nnext"`},
		},
		{
			name: "no closing delimiter at all",
			src:  "x\n{{< figure src=\"a\"",
			want: []string{`text 1 "x\n"`, `bad 2 "{{<": unclosed shortcode: no >}}`, `text 2 " figure src=\"a\""`},
		},
		{
			name: "recovery stops before the next shortcode",
			src:  "{{< x \"a\n{{< y >}}",
			want: []string{`bad 1 "{{<": unterminated quoted string in shortcode parameter`, `text 1 " x \"a\n"`, `tag 2:1 <y`},
		},
		{
			name: "mixed named then positional",
			src:  `{{< x a="1" b >}}`,
			want: []string{`bad 1 "{{< x a=\"1\" b >}}": got positional parameter "b": cannot mix named and positional parameters`},
		},
		{
			name: "mixed positional then named",
			src:  `{{< x a b=c >}}`,
			want: []string{`bad 1 "{{< x a b=c >}}": got named parameter "b": cannot mix named and positional parameters`},
		},
		{
			name: "braces must be quoted",
			src:  `{{< x {y} >}}`,
			want: []string{`bad 1 "{{< x {y} >}}": unexpected '{' in shortcode parameter "": parameters with such characters must be quoted`},
		},
		{
			name: "missing name",
			src:  `{{< >}}`,
			want: []string{`bad 1 "{{< >}}": shortcode name expected, found '>'`},
		},
		{
			name: "quoted name",
			src:  `{{< "x" >}}`,
			want: []string{`bad 1 "{{< \"x\" >}}": shortcode name expected, found '"'`},
		},
		{
			name: "inline shortcodes",
			src:  `{{< time.inline >}}`,
			want: []string{`bad 1 "{{< time.inline >}}": inline shortcode "time.inline" is not supported`},
		},
		{
			name: "closing tag with arguments",
			src:  `{{< /x y >}}`,
			want: []string{`bad 1 "{{< /x y >}}": closing tag of shortcode "x" takes no arguments`},
		},
		{
			name: "unclosed comment",
			src:  "{{</* x >}} y",
			want: []string{`bad 1 "{{</*": shortcode comment must be closed with */>}}`, `text 1 " x >}} y"`},
		},
		{
			name: "unterminated raw string",
			src:  "{{< x `abc >}}",
			want: []string{"bad 1 \"{{< x `abc >}}\": unterminated raw string in shortcode parameter"},
		},
		{
			name: "parameter without value",
			src:  `{{< x a= >}}`,
			want: []string{`bad 1 "{{< x a= >}}": parameter "a" has no value`},
		},
		{
			name: "delimiters must match",
			src:  `{{< x %}} {{< y >}}`,
			want: []string{`bad 1 "{{<": shortcode opened with {{< must be closed with >}}, not %}}`, `text 1 " x %}} "`, `tag 1:11 <y`},
		},
		{
			name: "error on a later line of the tag names it",
			src:  "{{< x\n  a=\"b\n>}}",
			want: []string{`bad 1 "{{< x\n  a=\"b\n>}}": unterminated quoted string in shortcode parameter (line 2)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := tt.firstLine
			if first == 0 {
				first = 1
			}
			got := describe(lex([]byte(tt.src), first))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("lex(%q):\ngot:\n  %s\nwant:\n  %s", tt.src, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestTypedValue(t *testing.T) {
	tests := []struct {
		in     string
		quoted bool
		want   any
	}{
		{"42", false, 42},
		{"-7", false, -7},
		{"+3", false, 3},
		{"1.25", false, 1.25},
		{".5", false, 0.5},
		{"true", false, true},
		{"false", false, false},
		{"True", false, "True"},
		{"42", true, "42"},
		{"1e3", false, "1e3"},
		{"99999999999999999999", false, "99999999999999999999"},
		{"12ab", false, "12ab"},
		{"", false, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.in, tt.quoted), func(t *testing.T) {
			if got := typedValue(tt.in, tt.quoted); got != tt.want {
				t.Errorf("typedValue(%q, %v) = %#v, want %#v", tt.in, tt.quoted, got, tt.want)
			}
		})
	}
}
