package httpcache

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   bool
	}{
		{name: "none", values: nil, want: false},
		{name: "gzip", values: []string{"gzip"}, want: true},
		{name: "uppercase", values: []string{"GZIP"}, want: true},
		{name: "x-gzip", values: []string{"x-gzip"}, want: true},
		{name: "list", values: []string{"deflate, gzip, br"}, want: true},
		{name: "second header", values: []string{"br", "gzip"}, want: true},
		{name: "q zero", values: []string{"gzip;q=0"}, want: false},
		{name: "q zero with spaces", values: []string{"gzip ; q=0.000"}, want: false},
		{name: "q small", values: []string{"gzip;q=0.001"}, want: true},
		{name: "q malformed", values: []string{"gzip;q=high"}, want: false},
		{name: "star", values: []string{"*"}, want: true},
		{name: "star refused", values: []string{"*;q=0"}, want: false},
		{name: "star but not gzip", values: []string{"*, gzip;q=0"}, want: false},
		{name: "gzip in another name", values: []string{"gzipped, notgzip"}, want: false},
		{name: "identity", values: []string{"identity"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AcceptsGzip(tt.values); got != tt.want {
				t.Errorf("AcceptsGzip(%q) = %v, want %v", tt.values, got, tt.want)
			}
		})
	}
}

func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "*, gzip;q=0", "br;q=1.0, gzip;q=0.5", ";;,,q=", "gzip;q=1;q=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AcceptsGzip([]string{s})
		// Listing gzip again, refused, after a value never makes it
		// acceptable unless it already was.
		if !got && AcceptsGzip([]string{s + ", gzip;q=0"}) {
			t.Errorf("%q refuses gzip, but accepts it with gzip;q=0 added", s)
		}
		if !strings.Contains(strings.ToLower(s), "gzip") && !strings.Contains(s, "*") && got {
			t.Errorf("%q names neither gzip nor *, yet gzip is accepted", s)
		}
	})
}

func FuzzETagListMatches(f *testing.F) {
	for _, s := range []string{`"abc"`, `W/"abc"`, `"x", "abc"`, "*", ",,", `W/`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ETagListMatches(s, `"abc"`) && !strings.Contains(s, `"abc"`) && !strings.Contains(s, "*") {
			t.Errorf("%q matches \"abc\" without naming it", s)
		}
	})
}

func TestNotModified(t *testing.T) {
	modified := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   bool
	}{
		{"no preconditions", nil, false},
		{"same etag", map[string]string{"If-None-Match": `"abc"`}, true},
		{"weak etag", map[string]string{"If-None-Match": `W/"abc"`}, true},
		{"in a list", map[string]string{"If-None-Match": `"x", "abc"`}, true},
		{"star", map[string]string{"If-None-Match": "*"}, true},
		{"other etag", map[string]string{"If-None-Match": `"x"`}, false},
		{"etag decides over date", map[string]string{"If-None-Match": `"x"`, "If-Modified-Since": modified.Format(http.TimeFormat)}, false},
		{"same date", map[string]string{"If-Modified-Since": modified.Format(http.TimeFormat)}, true},
		{"later date", map[string]string{"If-Modified-Since": modified.Add(time.Hour).Format(http.TimeFormat)}, true},
		{"earlier date", map[string]string{"If-Modified-Since": modified.Add(-time.Hour).Format(http.TimeFormat)}, false},
		{"bad date", map[string]string{"If-Modified-Since": "yesterday"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := NotModified(r, `"abc"`, modified); got != tt.want {
				t.Errorf("NotModified = %v, want %v", got, tt.want)
			}
		})
	}
}
