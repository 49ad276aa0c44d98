package site

import (
	"html/template"
	"strings"
	"testing"

	"github.com/blogbridge/blogbridge/content"
)

func TestSafePath(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		rawPath string
		want    bool
	}{
		{name: "root", path: "/", want: true},
		{name: "page", path: "/posts/kafka/", want: true},
		{name: "file", path: "/images/a.png", want: true},
		{name: "well-known", path: "/.well-known/security.txt", want: true},
		{name: "not absolute", path: "posts/", want: false},
		{name: "dot dot", path: "/../hugo.toml", want: false},
		{name: "dot dot inside", path: "/posts/x/../../hugo.toml", want: false},
		{name: "dot dot last", path: "/posts/..", want: false},
		{name: "dot", path: "/posts/./x", want: false},
		{name: "empty segment", path: "//etc/passwd", want: false},
		{name: "backslash", path: "/posts\\..\\hugo.toml", want: false},
		{name: "nul", path: "/robots.txt\x00.html", want: false},
		{name: "encoded slash", path: "/posts/x/../hugo.toml", rawPath: "/posts/x/..%2Fhugo.toml", want: false},
		{name: "encoded slash in name", path: "/a/b", rawPath: "/a%2fb", want: false},
		{name: "encoded backslash", path: "/a\\b", rawPath: "/a%5cb", want: false},
		{name: "hidden file", path: "/.env", want: false},
		{name: "hidden folder", path: "/.git/config", want: false},
		{name: "hidden deep", path: "/images/.secret.png", want: false},
		{name: "well-known not first", path: "/a/.well-known/x", want: false},
		{name: "dots in name", path: "/posts/v1..2/", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safePath(tt.path, tt.rawPath); got != tt.want {
				t.Errorf("safePath(%q, %q) = %v, want %v", tt.path, tt.rawPath, got, tt.want)
			}
		})
	}
}

func TestSizeImages(t *testing.T) {
	images := []content.Image{
		{URL: "https://ex.org/p/a.jpg", Width: 800, Height: 600},
		{URL: "https://ex.org/p/b.jpg", Width: 0, Height: 0},
		{URL: "https://ex.org/p/c.jpg", Width: 10, Height: 20},
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "first image gets size, not lazy",
			in:   `<p><img src="https://ex.org/p/a.jpg" alt="A &amp; B"></p>`,
			want: `<p><img src="https://ex.org/p/a.jpg" alt="A &amp; B" width="800" height="600"></p>`,
		},
		{
			name: "self-closing kept self-closing",
			in:   `<img src="https://ex.org/p/a.jpg" alt=""/>`,
			want: `<img src="https://ex.org/p/a.jpg" alt="" width="800" height="600"/>`,
		},
		{
			name: "later images lazy, unknown size left alone",
			in:   `<p><img src="https://ex.org/p/a.jpg" alt="a"><img src="https://ex.org/p/b.jpg" alt="b"></p>`,
			want: `<p><img src="https://ex.org/p/a.jpg" alt="a" width="800" height="600"><img src="https://ex.org/p/b.jpg" alt="b" loading="lazy"></p>`,
		},
		{
			name: "given size kept",
			in:   `<img src="https://ex.org/p/c.jpg" width="5" loading="eager">`,
			want: `<img src="https://ex.org/p/c.jpg" width="5" loading="eager">`,
		},
		{
			name: "rest copied byte for byte",
			in:   "<P CLASS=x>Some <EM>text</EM> &amp; <!-- c --> <pre>a &lt; b</pre></P>",
			want: "<P CLASS=x>Some <EM>text</EM> &amp; <!-- c --> <pre>a &lt; b</pre></P>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(sizeImages(template.HTML(tt.in), images))
			if got != tt.want {
				t.Errorf("sizeImages:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	long := strings.Repeat("word ", 100)
	tests := []struct {
		name  string
		texts []string
		want  string
	}{
		{name: "first non-empty", texts: []string{"", "  two\n lines ", "three"}, want: "two lines"},
		{name: "none", texts: []string{"", " "}, want: ""},
		{name: "cut at word", texts: []string{long}, want: strings.TrimSpace(strings.Repeat("word ", 60)) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.texts...); got != tt.want {
				t.Errorf("describe = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOGLocale(t *testing.T) {
	tests := []struct{ in, want string }{
		{"en-us", "en_US"},
		{"es-ES", "es_ES"},
		{"en", "en"},
		{"pt_br", "pt_BR"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ogLocale(tt.in); got != tt.want {
				t.Errorf("ogLocale(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestETagMatch(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   bool
	}{
		{name: "empty", header: "", want: false},
		{name: "same", header: `"abc"`, want: true},
		{name: "weak", header: `W/"abc"`, want: true},
		{name: "in list", header: `"x", "abc"`, want: true},
		{name: "star", header: `*`, want: true},
		{name: "other", header: `"abd"`, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := etagMatch(tt.header, `"abc"`); got != tt.want {
				t.Errorf("etagMatch(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestPageTitle(t *testing.T) {
	tests := []struct {
		name string
		page *content.Page
		n    int
		want string
	}{
		{name: "home", page: &content.Page{Kind: content.KindHome, Title: "Site"}, n: 1, want: "Site"},
		{name: "home page 2", page: &content.Page{Kind: content.KindHome, Title: "Site"}, n: 2, want: "Page 2 · Site"},
		{name: "post", page: &content.Page{Kind: content.KindPage, Title: "Post"}, n: 1, want: "Post · Site"},
		{name: "section page 3", page: &content.Page{Kind: content.KindSection, Title: "Posts"}, n: 3, want: "Posts – page 3 · Site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pageTitle("Site", tt.page, tt.n); got != tt.want {
				t.Errorf("pageTitle = %q, want %q", got, tt.want)
			}
		})
	}
}
