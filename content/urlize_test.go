package content

import "testing"

func TestUrlize(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		keepCase  bool
		want      string
		wantHugo  string // Hugo's urlize output, percent-encoded
		wantEqual bool   // want and wantHugo are the same
	}{
		{name: "spaces", in: "Kafka Summit", want: "kafka-summit", wantEqual: true},
		{name: "hugo docs example", in: "Vim (text editor)", want: "vim-text-editor", wantEqual: true},
		{name: "punctuation", in: "Hello, World!", want: "hello-world", wantEqual: true},
		{name: "apostrophe", in: "Jorge's notes", want: "jorges-notes", wantEqual: true},
		{name: "leading and trailing space", in: "  padded  ", want: "padded", wantEqual: true},
		{name: "tabs and newlines", in: "a\tb\nc", want: "a-b-c", wantEqual: true},
		{name: "spaced hyphen", in: "a - b", want: "a-b", wantEqual: true},
		{name: "explicit double hyphen kept", in: "a--b", want: "a--b", wantEqual: true},
		{name: "kept symbols", in: "C++ & C# @home ~me a_b v1.2", want: "c++-c#-@home-~me-a_b-v1.2", wantEqual: true},
		{name: "slashes kept", in: "foo/Bar", want: "foo/bar", wantEqual: true},
		{name: "percent escape kept", in: "100%20off", want: "100%20off", wantEqual: true},
		{name: "lone percent dropped", in: "100% sure", want: "100-sure", wantEqual: true},
		{name: "unicode letters", in: "Ünïcödé Straße", want: "ünïcödé-straße", wantHugo: "%C3%BCn%C3%AFc%C3%B6d%C3%A9-stra%C3%9Fe"},
		{name: "cjk", in: "日本語 テキスト", want: "日本語-テキスト", wantHugo: "%E6%97%A5%E6%9C%AC%E8%AA%9E-%E3%83%86%E3%82%AD%E3%82%B9%E3%83%88"},
		{name: "combining marks", in: "e\u0301te\u0301", want: "e\u0301te\u0301", wantHugo: "e%CC%81te%CC%81"},
		{name: "emoji dropped", in: "ship it 🚀 now", want: "ship-it-now", wantEqual: true},
		{name: "keep case", in: "Kafka Summit", keepCase: true, want: "Kafka-Summit", wantEqual: true},
		{name: "empty", in: "", want: "", wantEqual: true},
		{name: "only punctuation", in: "?!", want: "", wantEqual: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultSiteConfig()
			c.DisablePathToLower = tt.keepCase
			if got := c.urlize(tt.in); got != tt.want {
				t.Errorf("urlize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			wantHugo := tt.wantHugo
			if tt.wantEqual {
				wantHugo = tt.want
			}
			if got := c.hugoURLize(tt.in); got != wantHugo {
				t.Errorf("hugoURLize(%q) = %q, want %q", tt.in, got, wantHugo)
			}
		})
	}
}

func TestSanitizePathUnchanged(t *testing.T) {
	// Strings that need no change are returned as they are.
	for _, s := range []string{"posts", "2024/03/a-b_c.d", "Mixed-Case"} {
		if got := sanitizePath(s); got != s {
			t.Errorf("sanitizePath(%q) = %q", s, got)
		}
	}
}
