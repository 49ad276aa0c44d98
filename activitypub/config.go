package activitypub

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Config holds the fediverse settings of the blog. The zero value is valid:
// every empty field takes its default.
type Config struct {
	// Username is the name in the handle @Username@Host and the actor's
	// preferredUsername (default "blog").
	Username string
	// Host is the host of the handle (default: the host of the site's base
	// URL). When it differs from the host serving the blog, that host must
	// send /.well-known/webfinger (and host-meta) requests to the blog.
	Host string
	// ActorType is Person (default), Service, Organization or Application.
	// Mastodon marks Service and Application actors as automated.
	ActorType string
	// ManuallyApprovesFollowers makes Mastodon show the actor as locked and
	// send follow requests instead of follows.
	ManuallyApprovesFollowers bool
	// AlsoKnownAs lists actor ids (https://mastodon.example/users/me) of
	// accounts the writer moves from; Mastodon's account move needs the
	// new account to name the old one here.
	AlsoKnownAs []string
	// ProfileLinks are shown as the profile's fields, each a link with
	// rel="me", and also as rel="me" links in the site's pages so
	// Mastodon can verify them.
	ProfileLinks []ProfileLink
	// ObjectType is the type posts are served as, Article (default) or
	// Note; a post's front matter can choose the other.
	ObjectType string
	// SecureMode requires signed GET requests for objects and collections;
	// the actor, WebFinger, host-meta and NodeInfo stay open so other
	// servers can fetch the key they sign with.
	SecureMode bool
	// Sections limits federation to posts of these top-level sections;
	// empty means the site's main sections (params.mainSections, else the
	// section with the most posts, as Hugo decides).
	Sections []string
	// Tags, when set, limits federation further to posts with at least
	// one of these tags (compared without case).
	Tags []string
	// PageSize is how many activities a page of the outbox holds (default
	// 20).
	PageSize int
}

// ProfileLink is one field of the actor's profile: a name and a URL.
type ProfileLink struct {
	Name string
	URL  string
}

// DefaultUsername is the handle name when Config.Username is empty.
const DefaultUsername = "blog"

// withDefaults returns c with every empty field set to its default.
func (c Config) withDefaults() Config {
	if c.Username == "" {
		c.Username = DefaultUsername
	}
	if c.ActorType == "" {
		c.ActorType = "Person"
	}
	if c.ObjectType == "" {
		c.ObjectType = TypeArticle
	}
	if c.PageSize <= 0 {
		c.PageSize = defaultPageSize
	}
	return c
}

// Validate checks every setting and says what is wrong with the first bad
// one, naming it as the configuration file does.
func (c Config) Validate() error {
	c = c.withDefaults()
	if !validUsername(c.Username) {
		return fmt.Errorf("fediverse-username %q: want letters, digits and _ (also . and - inside), like blog or field_notes", c.Username)
	}
	if c.Host != "" {
		if err := validHost(c.Host); err != nil {
			return fmt.Errorf("fediverse-host %q: %v", c.Host, err)
		}
	}
	if !slices.Contains([]string{"Person", "Service", "Organization", "Application"}, c.ActorType) {
		return fmt.Errorf("fediverse-actor-type %q: want Person, Service, Organization or Application", c.ActorType)
	}
	if c.ObjectType != TypeArticle && c.ObjectType != TypeNote {
		return fmt.Errorf("fediverse-object-type %q: want Article or Note", c.ObjectType)
	}
	for _, a := range c.AlsoKnownAs {
		if u, err := url.Parse(a); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("fediverse-also-known-as %q: want the actor URL of the old account, like https://mastodon.example/users/me", a)
		}
	}
	for _, l := range c.ProfileLinks {
		if strings.TrimSpace(l.Name) == "" {
			return fmt.Errorf("fediverse-profile-links %q: a link needs a name", l.URL)
		}
		if u, err := url.Parse(l.URL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("fediverse-profile-links %q: want an absolute http or https URL", l.URL)
		}
	}
	return nil
}

// validUsername reports whether s is a username Mastodon accepts from
// other servers: ASCII letters, digits and underscores, with dots and
// hyphens allowed inside.
func validUsername(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case (c == '.' || c == '-') && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return s != ""
}

// validHost checks a host name with an optional port.
func validHost(h string) error {
	host := h
	if hp, port, err := net.SplitHostPort(h); err == nil {
		if port == "" {
			return fmt.Errorf("empty port")
		}
		host = hp
	}
	if host == "" || strings.ContainsAny(host, "/@:?# ") {
		return fmt.Errorf("want a host name such as example.org")
	}
	return nil
}
