package activitypub

import (
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/blogbridge/blogbridge/content"
)

// actorURLs are the URLs of the actor and its collections, all below the
// site's base URL.
type actorURLs struct {
	base        string // the site's base URL, ending in "/"
	actor       string
	keyID       string
	inbox       string
	sharedInbox string
	outbox      string
	followers   string
	following   string
	featured    string
	posts       string // prefix of object ids: posts + id
}

// Paths of the ActivityPub endpoints, relative to the base URL.
const (
	pathActor       = "ap/actor"
	pathInbox       = "ap/inbox"
	pathSharedInbox = "ap/shared-inbox"
	pathOutbox      = "ap/outbox"
	pathFollowers   = "ap/followers"
	pathFollowing   = "ap/following"
	pathFeatured    = "ap/featured"
	pathPosts       = "ap/posts/"
)

func newActorURLs(base string) actorURLs {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return actorURLs{
		base:        base,
		actor:       base + pathActor,
		keyID:       base + pathActor + "#main-key",
		inbox:       base + pathInbox,
		sharedInbox: base + pathSharedInbox,
		outbox:      base + pathOutbox,
		followers:   base + pathFollowers,
		following:   base + pathFollowing,
		featured:    base + pathFeatured,
		posts:       base + pathPosts,
	}
}

// object returns the URL of the object with ledger id id.
func (u actorURLs) object(id string) string { return u.posts + id }

// activity returns the URL of the Create activity of the object with
// ledger id id.
func (u actorURLs) activity(id string) string { return u.posts + id + "/activity" }

// profile is what the actor document says about the blog, gathered from
// the configuration, the snapshot and the key.
type profile struct {
	cfg          Config
	host         string // the handle's host
	name         string
	summary      string // plain text
	url          string // the home page
	icon, image  string // absolute URLs; "" when the site has none
	publicKeyPEM string
	published    time.Time
	domains      []string // attributionDomains
}

// newActorValue returns an empty actor of the configured type.
func newActorValue(kind string) actorValue {
	switch kind {
	case "Service":
		return streams.NewActivityStreamsService()
	case "Organization":
		return streams.NewActivityStreamsOrganization()
	case "Application":
		return streams.NewActivityStreamsApplication()
	}
	return streams.NewActivityStreamsPerson()
}

// actorValue is what the actor types share.
type actorValue interface {
	vocab.Type
	withName
	withSummary
	withURL
	withPublished
	withExtensions
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetActivityStreamsImage(vocab.ActivityStreamsImageProperty)
	SetActivityStreamsAttachment(vocab.ActivityStreamsAttachmentProperty)
	SetTootFeatured(vocab.TootFeaturedProperty)
	SetTootDiscoverable(vocab.TootDiscoverableProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
}

// profileToActor builds the actor document of the blog.
func profileToActor(pr profile, u actorURLs) vocab.Type {
	a := newActorValue(pr.cfg.ActorType)
	setID(a, mustURL(u.actor))
	pu := streams.NewActivityStreamsPreferredUsernameProperty()
	pu.SetXMLSchemaString(pr.cfg.Username)
	a.SetActivityStreamsPreferredUsername(pu)
	if pr.name != "" {
		setName(a, pr.name)
	}
	if pr.summary != "" {
		setSummary(a, "<p>"+html.EscapeString(pr.summary)+"</p>")
	}
	setURL(a, mustURL(pr.url))
	if !pr.published.IsZero() {
		setPublished(a, pr.published)
	}
	a.SetActivityStreamsInbox(iri(streams.NewActivityStreamsInboxProperty(), mustURL(u.inbox)))
	a.SetActivityStreamsOutbox(iri(streams.NewActivityStreamsOutboxProperty(), mustURL(u.outbox)))
	a.SetActivityStreamsFollowers(iri(streams.NewActivityStreamsFollowersProperty(), mustURL(u.followers)))
	a.SetActivityStreamsFollowing(iri(streams.NewActivityStreamsFollowingProperty(), mustURL(u.following)))
	a.SetTootFeatured(iri(streams.NewTootFeaturedProperty(), mustURL(u.featured)))
	disc := streams.NewTootDiscoverableProperty()
	disc.Set(true)
	a.SetTootDiscoverable(disc)

	if icon, ok := parseURL(pr.icon); ok {
		p := streams.NewActivityStreamsIconProperty()
		p.AppendActivityStreamsImage(newImage(icon, imageType(pr.icon), "", 0, 0))
		a.SetActivityStreamsIcon(p)
	}
	if image, ok := parseURL(pr.image); ok {
		p := streams.NewActivityStreamsImageProperty()
		p.AppendActivityStreamsImage(newImage(image, imageType(pr.image), "", 0, 0))
		a.SetActivityStreamsImage(p)
	}

	key := streams.NewW3IDSecurityV1PublicKey()
	setID(key, mustURL(u.keyID))
	owner := streams.NewW3IDSecurityV1OwnerProperty()
	owner.Set(mustURL(u.actor))
	key.SetW3IDSecurityV1Owner(owner)
	keyPEM := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	keyPEM.Set(pr.publicKeyPEM)
	key.SetW3IDSecurityV1PublicKeyPem(keyPEM)
	kp := streams.NewW3IDSecurityV1PublicKeyProperty()
	kp.AppendW3IDSecurityV1PublicKey(key)
	a.SetW3IDSecurityV1PublicKey(kp)

	if len(pr.cfg.ProfileLinks) > 0 {
		ap := streams.NewActivityStreamsAttachmentProperty()
		for _, l := range pr.cfg.ProfileLinks {
			ap.AppendActivityStreamsObject(propertyValue(l))
		}
		a.SetActivityStreamsAttachment(ap)
	}

	setExtension(a, "manuallyApprovesFollowers", pr.cfg.ManuallyApprovesFollowers)
	setExtension(a, "indexable", true)
	setExtension(a, "endpoints", map[string]any{"sharedInbox": u.sharedInbox})
	if len(pr.cfg.AlsoKnownAs) > 0 {
		aka := make([]any, len(pr.cfg.AlsoKnownAs))
		for i, s := range pr.cfg.AlsoKnownAs {
			aka[i] = s
		}
		setExtension(a, "alsoKnownAs", aka)
	}
	if len(pr.domains) > 0 {
		d := make([]any, len(pr.domains))
		for i, s := range pr.domains {
			d[i] = s
		}
		setExtension(a, "attributionDomains", d)
	}
	return a
}

// propertyValue is a profile link as Mastodon shows it in a profile's
// table: a PropertyValue whose value is a link with rel="me".
func propertyValue(l ProfileLink) vocab.ActivityStreamsObject {
	o := streams.NewActivityStreamsObject()
	setType(o, "PropertyValue")
	setName(o, l.Name)
	display := l.URL
	if u, err := url.Parse(l.URL); err == nil && u.Host != "" {
		display = strings.TrimSuffix(u.Host+u.EscapedPath(), "/")
	}
	setExtension(o, "value", `<a href="`+html.EscapeString(l.URL)+`" target="_blank" rel="nofollow noopener noreferrer me" translate="no">`+
		html.EscapeString(display)+`</a>`)
	return o
}

// imageType is the media type of an image URL, from its extension; "" when
// it is not an image type.
func imageType(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if t := content.MediaType(u); strings.HasPrefix(t, "image/") {
		return t
	}
	return ""
}
