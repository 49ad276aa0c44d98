package content

import (
	"bytes"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linkifyTexts are near-links: addresses at the edges of what linkify
// takes, and links next to every kind of inline element.
var linkifyTexts = []string{
	"See https://kafka.apache.org now, or http://x.org/a_(b) and ftp://files.example/f.",
	"www.example.com and (www.example.com) and *www.example.com* and ~www.example.com~",
	"Mail me: jo@example.com, jo.doe+tag@sub.example.co.uk. Or (jo@example.com).",
	"_jo@example.com_ and *https://a.example/x* and ~~https://b.example~~",
	"@mention is not mail, nor is a@b, nor jo@example-, but jo@x.io is",
	strings.Repeat("a", 63) + "@example.com " + strings.Repeat("b", 64) + "@example.com " + strings.Repeat("c", 65) + "@example.com",
	"httpd is no link, nor is ftp without a colon, nor wwwexample.com; http:/one-slash and https:// alone",
	"Trailing https://example.com/path?q=1&amp; punctuation https://example.com/a.b.c.",
	"Line head\nhttps://start.example at the start of a line\n\twww.tab.example after a tab",
	"One line without\nthe next with jo@example.com\nand one without again, then a@b.example\nend",
	"- item one jo@example.com\n\t- nested\tx@y.example after a tab\n\n> quoted a@b.example and *c@d.example*",
	"| a@b.example | c |\n|---|---|\n| x y@z.example | https://t.example |",
	"[a label with https://inside.example and jo@example.com](https://target.example) then k@l.example",
	"`code https://x.example` and <https://auto.example> and <jo@example.com>",
	"Ünïcode wörds and jö@example.com and https://例え.jp and www.例え.jp",
	// After an inline element, linkify looks again.
	"**bold**http://after.example and `code`www.after.example and [l](u)jo@example.com",
	"<<http://guillemet.example>> and <<www.x.example and a--www.dash.example and \"q\"www.q.example",
	"www...abc.com and www..x.com and e.g.http://x.example and x\\*http://escaped.example",
	"a`b@c.example` runs into code, as does x`y`http://z.example after it",
	"http://a.example/`x` and <span>a@b.example</span> and <a href=\"https://raw.example\">x</a>",
	// Links written as links: no second parse is needed.
	"[https://label.example](https://label.example) and [m](mailto:jo@example.com)",
	"![alt with https://alt.example](img.png) and ![x](https://img.example/a.png)",
	"[link](<http://angle.example>) and [t](http://x.example \"title http://y.example\")",
	"[a](http://same.example) [b](http://same.example unclosed",
	"[r]: http://ref.example\n\n[a][r] and [b](http://ref.example unclosed",
	"[r]: http://ref.example\n\n[a][r] and [b][r], no bare address",
	"https://medium.example/@user is a URL, and so is www.medium.example/@user",
	// Every kind of block.
	"```\nhttps://in.fence.example\n```\n\n    indented https://code.example\n\nplain",
	"<div>\nhttps://html.block.example\n</div>\n\nafter",
	"| h |\n|---|\n|https://cell.example|\n|a|www.cell.example|",
	"> quote\n>https://noquote.example",
	"Term\n: https://def.example\n\nTerm\n:   jo@def.example",
	"Footnote[^1].\n\n[^1]: https://fn.example",
	"- [ ] https://task.example\n- [x]www.task.example",
	"# https://heading.example\n\nSetext https://h.example\n===",
	// White space at the ends of lines.
	"tab and space\t \nspace and tab \t\nhard break  \nbroken after a tab \t  \nvisible\\\nlast \t",
	"`code`  \t\nand a carriage return \r \r\nand another\r \nend",
}

// stockLinkify returns the markdown renderer with goldmark's own linkify in
// place of blogbridge's.
func stockLinkify() *markdown {
	cfg := hugoGoldmark()
	cfg.Linkify = false
	ref := newMarkdown(cfg, newHighlighter(hugoHighlight()))
	ref.md.Parser().AddOptions(parser.WithInlineParsers(util.Prioritized(extension.NewLinkifyParser(), 999)))
	return ref
}

// sameAsStock renders src with both and reports any difference.
func sameAsStock(t *testing.T, ours, stock *markdown, src []byte) {
	t.Helper()
	base, _ := url.Parse("https://blog.example/posts/kafka/")
	want, wantRes, err := stock.render(src, base)
	if err != nil {
		t.Fatal(err)
	}
	got, gotRes, err := ours.render(src, base)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%q:\n got %s\nwant %s", src, got, want)
	}
	if gotRes.words != wantRes.words || !slices.Equal(gotRes.images, wantRes.images) {
		t.Errorf("%q: %d words and images %v; want %d and %v", src, gotRes.words, gotRes.images, wantRes.words, wantRes.images)
	}
}

// parsedAgain reports whether rendering src takes the parse with linkify.
func parsedAgain(m *markdown, src []byte) bool {
	return mayLinkify(m.unlinked.Parse(text.NewReader(src)), src)
}

func TestLinkifySameAsGoldmark(t *testing.T) {
	ours := newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))
	stock := stockLinkify()
	linked, again := 0, 0
	for _, src := range linkifyTexts {
		sameAsStock(t, ours, stock, []byte(src))
		html, _, _ := stock.render([]byte(src), nil)
		if bytes.Contains(html, []byte("<a href")) {
			linked++
		}
		if parsedAgain(ours, []byte(src)) {
			again++
		}
	}
	if linked < len(linkifyTexts)/2 {
		t.Errorf("only %d of %d texts have links: the test tests little", linked, len(linkifyTexts))
	}
	if again == 0 || again == len(linkifyTexts) {
		t.Errorf("%d of %d texts were parsed again: the test tests one way only", again, len(linkifyTexts))
	}
}

// TestLinkifySameOnSites renders every post of the example site and the
// seed post as goldmark's own linkify would, and checks that the posts
// without bare addresses are parsed once.
func TestLinkifySameOnSites(t *testing.T) {
	ours := newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))
	stock := stockLinkify()
	dirs := []string{"../example/content"}
	if _, err := os.Stat("../../shared/seed"); err == nil {
		dirs = append(dirs, "../../shared/seed")
	} else {
		t.Log("../../shared/seed is absent: the seed post is not rendered")
	}
	posts, once := 0, 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".md" {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sameAsStock(t, ours, stock, src)
			posts++
			if !parsedAgain(ours, src) {
				once++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d of %d posts parsed once", once, posts)
	if once == 0 {
		t.Error("every post was parsed twice")
	}
}

func FuzzLinkifySameAsGoldmark(f *testing.F) {
	for _, src := range linkifyTexts {
		f.Add(src)
	}
	ours := newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))
	stock := stockLinkify()
	f.Fuzz(func(t *testing.T, src string) {
		sameAsStock(t, ours, stock, []byte(src))
	})
}

// BenchmarkLinkify renders the example site's conference write-up, which
// has links but no bare address: as blogbridge does, with every parse
// asking quickLinkify (as it did before it parsed without linkify first),
// and with goldmark's own linkify.
func BenchmarkLinkify(b *testing.B) {
	src, err := os.ReadFile("../example/content/posts/stream-days-lisbon-2025/index.md")
	if err != nil {
		b.Fatal(err)
	}
	base, _ := url.Parse("https://blog.example/posts/stream-days-lisbon-2025/")
	quick := newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))
	quick.unlinked = nil
	for _, bb := range []struct {
		name string
		m    *markdown
	}{
		{"blogbridge", newMarkdown(hugoGoldmark(), newHighlighter(hugoHighlight()))},
		{"quick", quick},
		{"goldmark", stockLinkify()},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, _, err := bb.m.render(src, base); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
