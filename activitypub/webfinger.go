package activitypub

import (
	"errors"
	"net/url"
	"strings"
)

// jrd is a JSON Resource Descriptor (RFC 7033), the WebFinger answer.
type jrd struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// Link relations used in WebFinger and host-meta answers.
const (
	relSelf        = "self"
	relProfilePage = "http://webfinger.net/rel/profile-page"
	relAvatar      = "http://webfinger.net/rel/avatar"
	relLRDD        = "lrdd"
	mediaActivity  = "application/activity+json"
)

// actorToJRD is the WebFinger answer for the actor: its handle as subject,
// its actor and home page URLs as aliases, and links to both.
func actorToJRD(pr profile, u actorURLs) jrd {
	j := jrd{
		Subject: "acct:" + pr.cfg.Username + "@" + pr.host,
		Aliases: []string{u.actor, pr.url},
		Links: []jrdLink{
			{Rel: relSelf, Type: mediaActivity, Href: u.actor},
			{Rel: relProfilePage, Type: "text/html", Href: pr.url},
		},
	}
	if pr.icon != "" {
		j.Links = append(j.Links, jrdLink{Rel: relAvatar, Type: imageType(pr.icon), Href: pr.icon})
	}
	return j
}

// hostMetaToJRD is host-meta as JSON (RFC 6415): where WebFinger answers.
func hostMetaToJRD(template string) any {
	return struct {
		Links []jrdLink `json:"links"`
	}{[]jrdLink{{Rel: relLRDD, Template: template}}}
}

// hostMetaToXRD is host-meta as XML.
func hostMetaToXRD(template string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">` + "\n")
	b.WriteString(`  <Link rel="lrdd" template="`)
	xmlEscape(&b, template)
	b.WriteString(`"/>` + "\n</XRD>\n")
	return []byte(b.String())
}

func xmlEscape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
}

// errMalformedResource is the error for a WebFinger resource that is not
// a URI WebFinger can answer for.
var errMalformedResource = errors.New("malformed resource")

// webfingerResource is what a WebFinger resource names.
type webfingerResource struct {
	// user and host are set for an acct: URI, lower-cased.
	user, host string
	// url is set for an http or https URI.
	url string
}

// parseResource reads a WebFinger resource parameter: an acct: URI
// ("acct:blog@example.org"; a bare "blog@example.org" or "@blog@example.org"
// is read the same), or an http(s) URL.
func parseResource(s string) (webfingerResource, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return webfingerResource{}, errMalformedResource
	}
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return webfingerResource{}, errMalformedResource
		}
		return webfingerResource{url: u.String()}, nil
	case strings.HasPrefix(lower, "acct:"):
		lower = lower[len("acct:"):]
	case strings.Contains(lower, ":"):
		if !strings.Contains(lower, "@") {
			return webfingerResource{}, errMalformedResource
		}
	}
	lower = strings.TrimPrefix(lower, "@")
	user, host, ok := strings.Cut(lower, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(user, "/?#@ ") || strings.ContainsAny(host, "/?#@ ") {
		return webfingerResource{}, errMalformedResource
	}
	return webfingerResource{user: user, host: host}, nil
}

// matches reports whether r names the actor: its handle at the handle's
// host or at the host that serves it, or the actor's or home page's URL.
func (r webfingerResource) matches(pr profile, u actorURLs, servingHost string) bool {
	if r.url != "" {
		return sameURL(r.url, u.actor) || sameURL(r.url, pr.url)
	}
	if r.user != strings.ToLower(pr.cfg.Username) {
		return false
	}
	return r.host == strings.ToLower(pr.host) || r.host == strings.ToLower(servingHost)
}

// sameURL compares two URLs, ignoring a trailing slash and the case of
// scheme and host.
func sameURL(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimSuffix(ua.Path, "/") == strings.TrimSuffix(ub.Path, "/") && ua.RawQuery == ub.RawQuery
}
