package content

import (
	"net/url"
	"strings"
	"unicode"
)

// urlize returns s as Hugo makes a path segment of it (Hugo's urlize and
// MakePathSanitized): white space becomes a single '-', unicode letters,
// digits and marks are kept along with . / \ _ # + ~ - @ and %XX escapes,
// every other character is dropped, and the result is lowercased unless
// disablePathToLower is set. "Kafka Summit" becomes "kafka-summit".
//
// The result is not percent-encoded: blogbridge keeps paths unescaped and
// escapes them when it writes a URL (see escapePath), where Hugo's urlize
// returns the escaped form.
func (c *SiteConfig) urlize(s string) string {
	return makePath(s, c.DisablePathToLower)
}

// makePath is Hugo's MakePathSanitized: sanitizePath, then lowercase unless
// keepCase.
func makePath(s string, keepCase bool) string {
	s = sanitizePath(s)
	if keepCase {
		return s
	}
	return strings.ToLower(s)
}

// sanitizePath is Hugo's paths.Sanitize. Runs of white space become one
// hyphen (none at the start, none after an explicit hyphen), and characters
// that do not belong in a path are dropped.
func sanitizePath(s string) string {
	changes := false
	for i, r := range s {
		if !isPathChar(s, i, r) {
			changes = true
			break
		}
	}
	if !changes {
		return s
	}
	target := make([]rune, 0, len(s))
	var prependHyphen, wasHyphen bool
	for i, r := range s {
		if isPathChar(s, i, r) {
			wasHyphen = r == '-'
			if prependHyphen {
				if !wasHyphen {
					target = append(target, '-')
				}
				prependHyphen = false
			}
			target = append(target, r)
		} else if len(target) > 0 && !wasHyphen && unicode.IsSpace(r) {
			prependHyphen = true
		}
	}
	return string(target)
}

func isPathChar(s string, i int, r rune) bool {
	if r == ' ' {
		return false
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
		return true
	}
	switch r {
	case '.', '/', '\\', '_', '#', '+', '~', '-', '@':
		return true
	case '%':
		return i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// normalizePathBasic is what Hugo does to every content path before it
// uses it: lowercase, and each space becomes a hyphen.
func normalizePathBasic(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), " ", "-")
}

// hugoURLize is urlize followed by the percent-encoding Hugo's URLize adds
// (url.Parse then String), used where Hugo unescapes the result again, in
// permalink patterns, so that the quirks of that round trip are kept.
func (c *SiteConfig) hugoURLize(s string) string {
	s = c.urlize(s)
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return u.String()
}

// escapePath percent-encodes an unescaped root-relative path for use in a
// URL, as Hugo's links are written.
func escapePath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}
