// Package httpcache serves documents held in memory: it answers the
// questions every such response asks of its request (may the client's copy
// be used, If-None-Match and If-Modified-Since; does the client take gzip,
// Accept-Encoding), and its Document sends one prepared response to
// net/http and to fasthttp alike.
package httpcache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// NotModified reports whether r's preconditions say the client holds the
// representation with etag, last modified at modified (RFC 9110 13.2.2):
// If-None-Match decides when present, else If-Modified-Since.
func NotModified(r *http.Request, etag string, modified time.Time) bool {
	return notModified(r.Header["If-None-Match"], r.Header.Get("If-Modified-Since"), etag, modified)
}

// notModified is NotModified for the values of the request's If-None-Match
// headers and its If-Modified-Since header.
func notModified(inm []string, ims string, etag string, modified time.Time) bool {
	if len(inm) > 0 {
		for _, v := range inm {
			if ETagListMatches(v, etag) {
				return true
			}
		}
		return false
	}
	if ims == "" || modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	if err != nil {
		return false
	}
	return !modified.Truncate(time.Second).After(t)
}

// ETagListMatches reports whether the If-None-Match list holds "*" or an
// entity tag that weakly matches etag.
func ETagListMatches(list, etag string) bool {
	for list != "" {
		var tag string
		tag, list, _ = strings.Cut(list, ",")
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		tag = strings.TrimPrefix(tag, "W/")
		if tag == etag {
			return true
		}
	}
	return false
}

// AcceptsGzip reports whether Accept-Encoding values accept gzip: gzip
// (or x-gzip) listed with a q-value above 0, or "*" with one and gzip not
// listed.
func AcceptsGzip(values []string) bool {
	star := false
	for _, v := range values {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.TrimSpace(coding)
			ok := qualityAboveZero(params)
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				return ok
			case coding == "*":
				star = ok
			}
		}
	}
	return star
}

// qualityAboveZero reports whether the parameters of a list element (after
// its first ";") give it a q-value above 0; no q-value means 1.
func qualityAboveZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		return err == nil && q > 0
	}
	return true
}
