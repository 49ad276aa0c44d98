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
		{name: "delivery-backoff-base", usage: "wait before the first retry of a failed delivery; each retry waits twice as long", str: &c.DeliveryBackoffBase},
		{name: "delivery-backoff-max", usage: "longest wait between retries of a delivery", str: &c.DeliveryBackoffMax},
		{name: "libcrypto", usage: "OpenSSL libcrypto to sign with, a file name or path, or go for Go's crypto/rsa (default libcrypto.so.3 or libcrypto.so.1.1, else Go's)", str: &c.Libcrypto},
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
	return ac, nil
}

// validateDelivery checks the settings of the inbox and of delivery.
func (c Config) validateDelivery() error {
	if c.InboxRateLimit < 1 {
		return fmt.Errorf("inbox-rate-limit %d: want 1 or more activities a second", c.InboxRateLimit)
	}
	if c.DeliveryWorkers < 1 || c.DeliveryWorkers > 10_000 {
		return fmt.Errorf("delivery-workers %d: want 1 to 10000", c.DeliveryWorkers)
	}
	if c.DeliveryPerHost < 1 || c.DeliveryPerHost > c.DeliveryWorkers {
		return fmt.Errorf("delivery-per-host %d: want 1 to delivery-workers (%d)", c.DeliveryPerHost, c.DeliveryWorkers)
	}
	if _, err := c.deliveryTimes(); err != nil {
		return err
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("metrics-addr %q: want HOST:PORT, e.g. 127.0.0.1:9090", c.MetricsAddr)
		}
	}
	return nil
}

// deliveryTimes are the durations of the delivery settings.
type deliveryTimes struct{ maxAge, backoffBase, backoffMax time.Duration }

// deliveryTimes parses the delivery settings that are durations.
func (c Config) deliveryTimes() (deliveryTimes, error) {
	var dt deliveryTimes
	for _, s := range []struct {
		name, value string
		into        *time.Duration
	}{
		{"delivery-max-age", c.DeliveryMaxAge, &dt.maxAge},
		{"delivery-backoff-base", c.DeliveryBackoffBase, &dt.backoffBase},
		{"delivery-backoff-max", c.DeliveryBackoffMax, &dt.backoffMax},
	} {
		d, err := time.ParseDuration(s.value)
		if err != nil || d <= 0 {
			return dt, fmt.Errorf("%s %q: want a duration such as 30s, 1m or 48h", s.name, s.value)
		}
		*s.into = d
	}
	if dt.backoffMax < dt.backoffBase {
		return dt, fmt.Errorf("delivery-backoff-max %s: want at least delivery-backoff-base (%s)", dt.backoffMax, dt.backoffBase)
	}
	return dt, nil
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
