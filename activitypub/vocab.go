package activitypub

import (
	"net/url"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// The helpers below wrap go-fed's property API, which needs a property value
// for every field, into one call per field. Every go-fed value built by the
// package goes through them.

// withID is a value that has an id.
type withID interface {
	SetJSONLDId(vocab.JSONLDIdProperty)
}

func setID(t withID, u *url.URL) {
	p := streams.NewJSONLDIdProperty()
	p.Set(u)
	t.SetJSONLDId(p)
}

// withType is a value whose type can be named explicitly, for types go-fed
// does not model (Hashtag, PropertyValue).
type withType interface {
	SetJSONLDType(vocab.JSONLDTypeProperty)
}

func setType(t withType, name string) {
	p := streams.NewJSONLDTypeProperty()
	p.AppendXMLSchemaString(name)
	t.SetJSONLDType(p)
}

// withExtensions is a value that carries properties go-fed does not model.
// They are serialised as they are, so the values must already be JSON
// shaped (strings, booleans, numbers, []any, map[string]any).
type withExtensions interface {
	GetUnknownProperties() map[string]interface{}
}

func setExtension(t withExtensions, name string, value any) {
	t.GetUnknownProperties()[name] = value
}

type withName interface {
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
}

func setName(t withName, s string) {
	p := streams.NewActivityStreamsNameProperty()
	p.AppendXMLSchemaString(s)
	t.SetActivityStreamsName(p)
}

type withSummary interface {
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
}

func setSummary(t withSummary, s string) {
	p := streams.NewActivityStreamsSummaryProperty()
	p.AppendXMLSchemaString(s)
	t.SetActivityStreamsSummary(p)
}

type withContent interface {
	SetActivityStreamsContent(vocab.ActivityStreamsContentProperty)
}

// setContent sets the content as a language map when lang is known; the
// serialiser adds the plain content Mastodon reads beside it.
func setContent(t withContent, lang, html string) {
	p := streams.NewActivityStreamsContentProperty()
	if lang != "" {
		p.AppendRDFLangString(map[string]string{lang: html})
	} else {
		p.AppendXMLSchemaString(html)
	}
	t.SetActivityStreamsContent(p)
}

type withURL interface {
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
}

func setURL(t withURL, u *url.URL) {
	p := streams.NewActivityStreamsUrlProperty()
	p.AppendIRI(u)
	t.SetActivityStreamsUrl(p)
}

type withMediaType interface {
	SetActivityStreamsMediaType(vocab.ActivityStreamsMediaTypeProperty)
}

func setMediaType(t withMediaType, mt string) {
	p := streams.NewActivityStreamsMediaTypeProperty()
	p.Set(mt)
	t.SetActivityStreamsMediaType(p)
}

type withPublished interface {
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
}

func setPublished(t withPublished, at time.Time) {
	p := streams.NewActivityStreamsPublishedProperty()
	p.Set(at.UTC())
	t.SetActivityStreamsPublished(p)
}

type withUpdated interface {
	SetActivityStreamsUpdated(vocab.ActivityStreamsUpdatedProperty)
}

func setUpdated(t withUpdated, at time.Time) {
	p := streams.NewActivityStreamsUpdatedProperty()
	p.Set(at.UTC())
	t.SetActivityStreamsUpdated(p)
}

type withAttributedTo interface {
	SetActivityStreamsAttributedTo(vocab.ActivityStreamsAttributedToProperty)
}

func setAttributedTo(t withAttributedTo, u *url.URL) {
	p := streams.NewActivityStreamsAttributedToProperty()
	p.AppendIRI(u)
	t.SetActivityStreamsAttributedTo(p)
}

// withAudience is a value addressed to recipients.
type withAudience interface {
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
}

// setPublic addresses t to everyone, with the actor's followers in cc, as
// Mastodon addresses a public post.
func setPublic(t withAudience, followers *url.URL) {
	to := streams.NewActivityStreamsToProperty()
	to.AppendIRI(mustURL(publicAudience))
	t.SetActivityStreamsTo(to)
	cc := streams.NewActivityStreamsCcProperty()
	cc.AppendIRI(followers)
	t.SetActivityStreamsCc(cc)
}

type withTotalItems interface {
	SetActivityStreamsTotalItems(vocab.ActivityStreamsTotalItemsProperty)
}

func setTotalItems(t withTotalItems, n int) {
	p := streams.NewActivityStreamsTotalItemsProperty()
	p.Set(n)
	t.SetActivityStreamsTotalItems(p)
}

type withSize interface {
	SetActivityStreamsWidth(vocab.ActivityStreamsWidthProperty)
	SetActivityStreamsHeight(vocab.ActivityStreamsHeightProperty)
}

func setSize(t withSize, width, height int) {
	if width <= 0 || height <= 0 {
		return
	}
	w := streams.NewActivityStreamsWidthProperty()
	w.Set(width)
	t.SetActivityStreamsWidth(w)
	h := streams.NewActivityStreamsHeightProperty()
	h.Set(height)
	t.SetActivityStreamsHeight(h)
}

// newImage returns an Image with its URL and, when known, media type,
// description and size.
func newImage(u *url.URL, mediaType, alt string, width, height int) vocab.ActivityStreamsImage {
	img := streams.NewActivityStreamsImage()
	setURL(img, u)
	if mediaType != "" {
		setMediaType(img, mediaType)
	}
	if alt != "" {
		setName(img, alt)
	}
	setSize(img, width, height)
	return img
}

// iriProperty builds the single-IRI properties (inbox, outbox, first...)
// that go-fed gives each its own type.
type iriSetter interface{ SetIRI(*url.URL) }

func iri[P iriSetter](p P, u *url.URL) P {
	p.SetIRI(u)
	return p
}

// mustURL parses a URL the package itself composed from a validated base
// URL; a failure is a programming error.
func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic("activitypub: composed an invalid URL: " + s)
	}
	return u
}
