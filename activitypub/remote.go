package activitypub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// This file reads what other servers send and serve: activities arriving
// in the inbox and the actors and keys fetched to verify them. Remote JSON
// is read leniently, as Mastodon does: a property may be a string, an
// object or an array of either, and unknown properties are ignored. Every
// value read here is untrusted.

// remoteActivity is an activity received in the inbox.
type remoteActivity struct {
	ID     string
	Type   string
	Actor  string
	Object remoteObject
	// Raw is the activity as received, for recording.
	Raw json.RawMessage
}

// remoteObject is the object of an activity: its id, and what was embedded
// of it.
type remoteObject struct {
	ID           string
	Type         string
	Actor        string // for an embedded activity (the Follow in an Undo)
	Object       string // for an embedded activity: the id of its object
	AttributedTo string
	InReplyTo    string
	Content      string
	URL          string
	Published    time.Time
	Updated      time.Time
}

// rawActivity is the JSON shape of an activity and of an embedded object.
type rawActivity struct {
	ID           string          `json:"id"`
	Type         json.RawMessage `json:"type"`
	Actor        json.RawMessage `json:"actor"`
	Object       json.RawMessage `json:"object"`
	AttributedTo json.RawMessage `json:"attributedTo"`
	InReplyTo    json.RawMessage `json:"inReplyTo"`
	Content      string          `json:"content"`
	URL          json.RawMessage `json:"url"`
	Published    string          `json:"published"`
	Updated      string          `json:"updated"`
}

// errInvalidActivity marks an activity the inbox cannot read.
var errInvalidActivity = errors.New("activitypub: invalid activity")

// parseActivity reads an activity from body. It requires an id, a type and
// an actor, each an absolute http(s) URL or a name, as every server that
// federates sends them.
func parseActivity(body []byte) (*remoteActivity, error) {
	var raw rawActivity
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", errInvalidActivity, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", errInvalidActivity)
	}
	a := &remoteActivity{ID: raw.ID, Type: firstString(raw.Type), Actor: refID(raw.Actor), Raw: body}
	switch {
	case !isHTTPURL(a.ID):
		return nil, fmt.Errorf("%w: id must be an http(s) URL", errInvalidActivity)
	case a.Type == "":
		return nil, fmt.Errorf("%w: no type", errInvalidActivity)
	case !isHTTPURL(a.Actor):
		return nil, fmt.Errorf("%w: actor must be an http(s) URL", errInvalidActivity)
	}
	obj, err := parseObject(raw.Object)
	if err != nil {
		return nil, err
	}
	a.Object = obj
	return a, nil
}

// parseObject reads the object property: an id, or an embedded object.
func parseObject(msg json.RawMessage) (remoteObject, error) {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 || msg[0] != '{' {
		return remoteObject{ID: refID(msg)}, nil
	}
	var raw rawActivity
	if err := json.Unmarshal(msg, &raw); err != nil {
		return remoteObject{}, fmt.Errorf("%w: object: %v", errInvalidActivity, err)
	}
	return remoteObject{
		ID:           raw.ID,
		Type:         firstString(raw.Type),
		Actor:        refID(raw.Actor),
		Object:       refID(raw.Object),
		AttributedTo: refID(raw.AttributedTo),
		InReplyTo:    refID(raw.InReplyTo),
		Content:      raw.Content,
		URL:          refURL(raw.URL),
		Published:    parseTime(raw.Published),
		Updated:      parseTime(raw.Updated),
	}, nil
}

// firstString reads a string, or the first string of an array (type may
// be either).
func firstString(msg json.RawMessage) string {
	var s string
	if json.Unmarshal(msg, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(msg, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}

// refID reads a reference: a string id, an object with an id, or the
// first of an array of either.
func refID(msg json.RawMessage) string {
	return ref(msg, func(o refObject) string { return o.ID })
}

// refURL reads a url property: a string, a Link with an href, or the
// first of an array of either.
func refURL(msg json.RawMessage) string {
	return ref(msg, func(o refObject) string { return o.Href })
}

// refObject is what ref reads of an object in place of a string.
type refObject struct {
	ID   string `json:"id"`
	Href string `json:"href"`
}

// ref reads a string, or pick of an object, or either as the first of an
// array.
func ref(msg json.RawMessage, pick func(refObject) string) string {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 {
		return ""
	}
	switch msg[0] {
	case '"':
		var s string
		json.Unmarshal(msg, &s)
		return s
	case '{':
		var o refObject
		json.Unmarshal(msg, &o)
		return pick(o)
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(msg, &list) == nil && len(list) > 0 {
			return ref(list[0], pick)
		}
	}
	return ""
}

// parseTime reads an RFC 3339 time, or gives the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// remoteActorDoc is the JSON shape of an actor or of a key document, as
// fetched to verify a signature or to find a follower's inboxes.
type remoteActorDoc struct {
	ID                string          `json:"id"`
	Type              json.RawMessage `json:"type"`
	PreferredUsername string          `json:"preferredUsername"`
	Inbox             string          `json:"inbox"`
	Endpoints         struct {
		SharedInbox string `json:"sharedInbox"`
	} `json:"endpoints"`
	PublicKey       json.RawMessage `json:"publicKey"`
	AssertionMethod json.RawMessage `json:"assertionMethod"`
	// A key document has these itself.
	Owner              string `json:"owner"`
	Controller         string `json:"controller"`
	PublicKeyPem       string `json:"publicKeyPem"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// remoteKeyDoc is one key of an actor: a publicKey entry (PEM) or an
// assertionMethod Multikey (FEP-521a).
type remoteKeyDoc struct {
	ID                 string `json:"id"`
	Owner              string `json:"owner"`
	Controller         string `json:"controller"`
	PublicKeyPem       string `json:"publicKeyPem"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// keys lists the keys an actor or key document carries.
func (d *remoteActorDoc) keys() []remoteKeyDoc {
	var out []remoteKeyDoc
	for _, msg := range []json.RawMessage{d.PublicKey, d.AssertionMethod} {
		out = append(out, keyDocs(msg)...)
	}
	if d.PublicKeyPem != "" || d.PublicKeyMultibase != "" {
		out = append(out, remoteKeyDoc{ID: d.ID, Owner: d.Owner, Controller: d.Controller,
			PublicKeyPem: d.PublicKeyPem, PublicKeyMultibase: d.PublicKeyMultibase})
	}
	return out
}

// keyDocs reads a key property: one key object or an array of them.
func keyDocs(msg json.RawMessage) []remoteKeyDoc {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 {
		return nil
	}
	if msg[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(msg, &list) != nil {
			return nil
		}
		var out []remoteKeyDoc
		for _, m := range list {
			out = append(out, keyDocs(m)...)
		}
		return out
	}
	var k remoteKeyDoc
	if msg[0] != '{' || json.Unmarshal(msg, &k) != nil {
		return nil
	}
	return []remoteKeyDoc{k}
}

// isHTTPURL reports whether s is an absolute http or https URL with a
// host: the only kind of id the inbox accepts.
func isHTTPURL(s string) bool {
	_, ok := urlHost(s)
	return ok
}

// urlHost returns the host (with any port, lower-cased) of an absolute
// http or https URL, and whether s is one.
func urlHost(s string) (string, bool) {
	if len(s) > 2048 {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || u.User != nil {
		return "", false
	}
	return strings.ToLower(u.Host), true
}
