package activitypub

import (
	"strconv"
	"strings"
)

// activityStreamsProfile is the profile that makes application/ld+json an
// ActivityStreams document.
const activityStreamsProfile = "https://www.w3.org/ns/activitystreams"

// wantsActivity reports whether a request with these Accept header values
// asks for the ActivityStreams representation of a page rather than its
// HTML: it names application/activity+json, or application/ld+json with the
// ActivityStreams profile, with a quality above zero and no lower than the
// quality it gives text/html. When both are acceptable with the same
// quality, HTML wins unless it is only reached through a wildcard (*/*,
// text/*), as in "application/activity+json, */*".
func wantsActivity(accept []string) bool {
	var (
		apQ, htmlQ   float64 = 0, 0
		htmlSpecific         = -1 // how specific the range that gave htmlQ is: 0 */*, 1 text/*, 2 text/html
	)
	for _, header := range accept {
		for _, part := range splitOutsideQuotes(header, ',') {
			mt, params := parseMediaRange(part)
			if mt == "" {
				continue
			}
			q := qValue(params)
			switch {
			case mt == "application/activity+json",
				mt == "application/ld+json" && hasActivityProfile(params):
				apQ = max(apQ, q)
			case mt == "text/html", mt == "application/xhtml+xml":
				if htmlSpecific < 2 || q > htmlQ {
					htmlQ, htmlSpecific = q, 2
				}
			case mt == "text/*":
				if htmlSpecific < 1 {
					htmlQ, htmlSpecific = q, 1
				}
			case mt == "*/*":
				if htmlSpecific < 0 {
					htmlQ, htmlSpecific = q, 0
				}
			}
		}
	}
	if apQ <= 0 {
		return false
	}
	return apQ > htmlQ || apQ == htmlQ && htmlSpecific < 2
}

// parseMediaRange splits "type/subtype; k=v; ..." into the lower-cased
// media range and its parameters, names lower-cased, values unquoted.
func parseMediaRange(s string) (string, map[string]string) {
	parts := splitOutsideQuotes(s, ';')
	mt := strings.ToLower(strings.TrimSpace(parts[0]))
	if !strings.Contains(mt, "/") {
		return "", nil
	}
	var params map[string]string
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if params == nil {
			params = make(map[string]string, len(parts)-1)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
		}
		params[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return mt, params
}

// qValue returns the quality a media range's parameters give it: 1 when
// absent, 0 when malformed.
func qValue(params map[string]string) float64 {
	s, ok := params["q"]
	if !ok {
		return 1
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || q < 0 || q > 1 {
		return 0
	}
	return q
}

// hasActivityProfile reports whether the profile parameter, a
// space-separated list of URIs, names ActivityStreams.
func hasActivityProfile(params map[string]string) bool {
	for _, p := range strings.Fields(params["profile"]) {
		if strings.TrimSuffix(p, "#") == activityStreamsProfile {
			return true
		}
	}
	return false
}

// splitOutsideQuotes splits s at sep where sep is not inside a quoted
// string.
func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
