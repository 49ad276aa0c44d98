package shortcode

import (
	"errors"
	"strings"
)

// qr renders Hugo's qr shortcode. The code itself is not drawn: the text it
// encodes is shown, as a link when it is a URL.
func qr(_ *expander, c *call) (string, error) {
	text := c.arg("text", -1)
	if text == "" {
		text = strings.TrimSpace(c.inner)
	}
	if text == "" {
		return "", errors.New("the qr shortcode requires a text parameter or inner content")
	}
	var b strings.Builder
	b.WriteString(`<figure class="qr`)
	if class := c.arg("class", -1); class != "" {
		b.WriteString(" ")
		b.WriteString(esc(class))
	}
	b.WriteString(`">`)
	lower := strings.ToLower(text)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") ||
		strings.HasPrefix(lower, "mailto:") || strings.HasPrefix(lower, "tel:") {
		b.WriteString(`<a href="`)
		b.WriteString(attrURL(text))
		b.WriteString(`">`)
		b.WriteString(esc(text))
		b.WriteString("</a>")
	} else {
		b.WriteString("<code>")
		b.WriteString(esc(text))
		b.WriteString("</code>")
	}
	b.WriteString("</figure>")
	return b.String(), nil
}
