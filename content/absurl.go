package content

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes whose values are URLs.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true, "action": true, "data": true}

// absolutizeHTML makes every URL in an HTML fragment absolute against base and
// returns the images it shows. Markdown links are made absolute while
// rendering; this pass is for raw HTML and shortcode output.
func absolutizeHTML(frag []byte, base *url.URL) ([]byte, []imageRef) {
	if base == nil || !bytes.Contains(frag, []byte("<")) || !mayNeedRewrite(frag) {
		return frag, nil
	}
	folder := folderOf(base)
	var out bytes.Buffer
	out.Grow(len(frag) + 64)
	var images []imageRef
	z := html.NewTokenizer(bytes.NewReader(frag))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(z.Raw())
			continue
		}
		raw := append([]byte(nil), z.Raw()...)
		tok := z.Token()
		changed := false
		for i, a := range tok.Attr {
			switch {
			case urlAttrs[a.Key]:
				if v := string(absolute(base, folder, []byte(a.Val))); v != a.Val {
					tok.Attr[i].Val, changed = v, true
				}
			case a.Key == "srcset":
				if v := absoluteSrcset(base, a.Val); v != a.Val {
					tok.Attr[i].Val, changed = v, true
				}
			}
		}
		if tok.Data == "img" {
			images = append(images, imageFromTag(tok))
		}
		if changed {
			out.WriteString(tok.String())
		} else {
			out.Write(raw)
		}
	}
	return out.Bytes(), images
}

// absoluteSrcset resolves each candidate URL of a srcset attribute.
func absoluteSrcset(base *url.URL, srcset string) string {
	parts := strings.Split(srcset, ",")
	for i, p := range parts {
		fields := strings.Fields(p)
		if len(fields) == 0 {
			continue
		}
		fields[0] = string(absolute(base, folderOf(base), []byte(fields[0])))
		parts[i] = strings.Join(fields, " ")
	}
	return strings.Join(parts, ", ")
}

func imageFromTag(tok html.Token) imageRef {
	img := imageRef{res: -1, inContent: true}
	for _, a := range tok.Attr {
		switch a.Key {
		case "src":
			img.url = a.Val
		case "alt":
			img.alt = a.Val
		case "title":
			img.title = a.Val
		case "width":
			n, _ := strconv.Atoi(a.Val)
			img.width = int32(n)
		case "height":
			n, _ := strconv.Atoi(a.Val)
			img.height = int32(n)
		}
	}
	return img
}

// mayNeedRewrite reports whether frag may hold an image or a URL attribute
// that is not absolute; when it does not, absolutizeHTML has nothing to do
// and need not tokenize it. It errs on the side of yes.
func mayNeedRewrite(frag []byte) bool {
	if bytes.Contains(frag, []byte("<img")) || bytes.Contains(frag, []byte("<IMG")) {
		return true
	}
	for rest := frag; ; {
		i := bytes.IndexByte(rest, '=')
		if i < 0 {
			return false
		}
		name := rest[:i]
		for j := len(name) - 1; j >= 0; j-- {
			if c := name[j]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				name = name[j+1:]
				break
			}
		}
		rest = rest[i+1:]
		key := strings.ToLower(string(name))
		if !urlAttrs[key] && key != "srcset" {
			continue
		}
		v := bytes.TrimLeft(rest, "\"' ")
		if !bytes.HasPrefix(v, []byte("https://")) && !bytes.HasPrefix(v, []byte("http://")) &&
			!bytes.HasPrefix(v, []byte("#")) && !bytes.HasPrefix(v, []byte("mailto:")) {
			return true
		}
	}
}
