package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/blogbridge/blogbridge/activitypub"
	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/site"
)

// fediverseSettings are the settings of the blog's fediverse actor.
func (c *Config) fediverseSettings() []setting {
	return []setting{
		{name: "fediverse-username", usage: "name in the blog's fediverse handle @NAME@HOST (default blog)", str: &c.FediverseUsername},
		{name: "fediverse-host", usage: "host in the fediverse handle, when it is not the base URL's host; that host must send /.well-known/webfinger to blogbridge", str: &c.FediverseHost},
		{name: "fediverse-actor-type", usage: "actor type: Person, Service, Organization or Application", str: &c.FediverseActorType},
		{name: "fediverse-manually-approves-followers", usage: "ask to approve each follower", bool: &c.FediverseManuallyApprovesFollowers},
		{name: "fediverse-also-known-as", usage: "comma-separated actor URLs of accounts the blog moved from", str: &c.FediverseAlsoKnownAs},
		{name: "fediverse-profile-links", usage: "comma-separated NAME=URL profile links, e.g. Mastodon=https://mastodon.example/@me", str: &c.FediverseProfileLinks},
		{name: "fediverse-object-type", usage: "type posts are published as: Article or Note", str: &c.FediverseObjectType},
		{name: "fediverse-secure-mode", usage: "require signed requests for posts and collections", bool: &c.FediverseSecureMode},
	}
}

// fediverse returns the activitypub configuration the settings describe.
func (c Config) fediverse() (activitypub.Config, error) {
	ac := activitypub.Config{
		Username:                  c.FediverseUsername,
		Host:                      c.FediverseHost,
		ActorType:                 c.FediverseActorType,
		ManuallyApprovesFollowers: c.FediverseManuallyApprovesFollowers,
		AlsoKnownAs:               splitList(c.FediverseAlsoKnownAs),
		ObjectType:                c.FediverseObjectType,
		SecureMode:                c.FediverseSecureMode,
	}
	for _, item := range splitList(c.FediverseProfileLinks) {
		name, u, ok := strings.Cut(item, "=")
		if !ok {
			return ac, fmt.Errorf("fediverse-profile-links %q: want NAME=URL", item)
		}
		ac.ProfileLinks = append(ac.ProfileLinks, activitypub.ProfileLink{Name: strings.TrimSpace(name), URL: strings.TrimSpace(u)})
	}
	if err := ac.Validate(); err != nil {
		return ac, err
	}
	if ac.SecureMode {
		return ac, errors.New("fediverse-secure-mode: signed requests cannot be verified by this version of blogbridge yet; leave it off")
	}
	return ac, nil
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// fediverseHeadLinks gives a page's <head> its ActivityPub alternate,
// rel="me" and fediverse:creator elements.
func fediverseHeadLinks(h *activitypub.Handler) func(*content.Page) []site.Link {
	return func(p *content.Page) []site.Link {
		hl := h.HeadLinks(p)
		links := make([]site.Link, len(hl))
		for i, l := range hl {
			links[i] = site.Link{Rel: l.Rel, Type: l.Type, Href: l.Href, Name: l.Name, Content: l.Content}
		}
		return links
	}
}

// joinHeadLinks returns the elements of every function, in order.
func joinHeadLinks(fns ...func(*content.Page) []site.Link) func(*content.Page) []site.Link {
	return func(p *content.Page) []site.Link {
		var out []site.Link
		for _, f := range fns {
			out = append(out, f(p)...)
		}
		return out
	}
}
