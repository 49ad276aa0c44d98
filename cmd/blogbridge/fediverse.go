package main

import (
	"fmt"
	"net"
	"strings"
	"time"

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
		{name: "fediverse-sections", usage: "comma-separated top-level sections whose posts federate (default the site's main sections)", str: &c.FediverseSections},
		{name: "fediverse-tags", usage: "comma-separated tags: only posts with one of them federate (default every post of the sections)", str: &c.FediverseTags},
		{name: "allow-private-networks", usage: "let requests to other servers reach loopback and private addresses (tests and local trials only)", bool: &c.AllowPrivateNetworks},
		{name: "inbox-rate-limit", usage: "activities a second one server may send to the inbox", num: &c.InboxRateLimit},
		{name: "delivery-workers", usage: "deliveries in flight at once", num: &c.DeliveryWorkers},
		{name: "delivery-per-host", usage: "deliveries in flight at once to one server", num: &c.DeliveryPerHost},
		{name: "delivery-max-age", usage: "how long a failing delivery is retried, e.g. 48h", str: &c.DeliveryMaxAge},
		{name: "metrics-addr", usage: "HOST:PORT to serve Prometheus metrics on, at /metrics (e.g. 127.0.0.1:9090); empty for none", str: &c.MetricsAddr},
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
		Sections:                  splitList(c.FediverseSections),
		Tags:                      splitList(c.FediverseTags),
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
	if c.InboxRateLimit < 1 {
		return ac, fmt.Errorf("inbox-rate-limit %d: want 1 or more activities a second", c.InboxRateLimit)
	}
	if c.DeliveryWorkers < 1 || c.DeliveryWorkers > 10_000 {
		return ac, fmt.Errorf("delivery-workers %d: want 1 to 10000", c.DeliveryWorkers)
	}
	if c.DeliveryPerHost < 1 || c.DeliveryPerHost > c.DeliveryWorkers {
		return ac, fmt.Errorf("delivery-per-host %d: want 1 to delivery-workers (%d)", c.DeliveryPerHost, c.DeliveryWorkers)
	}
	if _, err := c.deliveryMaxAge(); err != nil {
		return ac, err
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return ac, fmt.Errorf("metrics-addr %q: want HOST:PORT, e.g. 127.0.0.1:9090", c.MetricsAddr)
		}
	}
	return ac, nil
}

// deliveryMaxAge parses the delivery-max-age setting.
func (c Config) deliveryMaxAge() (time.Duration, error) {
	d, err := time.ParseDuration(c.DeliveryMaxAge)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("delivery-max-age %q: want a duration of a minute or more, such as 48h", c.DeliveryMaxAge)
	}
	return d, nil
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
