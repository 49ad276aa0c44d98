package site

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"github.com/blogbridge/blogbridge/content"
)

// sizeImages returns body with width and height attributes added to each
// <img> whose size is known from images and not already given, so the
// browser can lay the page out before the images arrive. Every image after
// the first is also marked for lazy loading. Everything else in body is
// copied byte for byte.
func sizeImages(body template.HTML, images []content.Image) template.HTML {
	if !strings.Contains(string(body), "<img") {
		return body
	}
	sizes := map[string]content.Image{}
	for _, img := range images {
		if img.Width > 0 && img.Height > 0 {
			sizes[img.URL] = img
		}
	}
	var out bytes.Buffer
	out.Grow(len(body) + 64)
	z := html.NewTokenizer(strings.NewReader(string(body)))
	seen := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the tokenizer reads from memory
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(z.Raw())
			continue
		}
		raw := bytes.Clone(z.Raw()) // Token lowercases names in place
		tok := z.Token()
		if tok.Data != "img" {
			out.Write(raw)
			continue
		}
		seen++
		has := map[string]string{}
		for _, a := range tok.Attr {
			has[a.Key] = a.Val
		}
		var add []html.Attribute
		if img, ok := sizes[has["src"]]; ok {
			if _, w := has["width"]; !w {
				if _, h := has["height"]; !h {
					add = append(add,
						html.Attribute{Key: "width", Val: strconv.Itoa(img.Width)},
						html.Attribute{Key: "height", Val: strconv.Itoa(img.Height)})
				}
			}
		}
		if _, ok := has["loading"]; !ok && seen > 1 {
			add = append(add, html.Attribute{Key: "loading", Val: "lazy"})
		}
		if len(add) == 0 {
			out.Write(raw)
			continue
		}
		tok.Attr = append(tok.Attr, add...)
		out.WriteString(tok.String())
	}
	return template.HTML(out.String())
}
