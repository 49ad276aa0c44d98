package activitypub

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/go-fed/activity/streams/vocab"
)

// activityContext is the @context of every ActivityStreams document the
// blog serves: ActivityStreams, the security vocabulary (publicKey), and the
// extension terms Mastodon reads, named as Mastodon names them.
const activityContext = `["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1",{` +
	`"manuallyApprovesFollowers":"as:manuallyApprovesFollowers",` +
	`"sensitive":"as:sensitive",` +
	`"Hashtag":"as:Hashtag",` +
	`"alsoKnownAs":{"@id":"as:alsoKnownAs","@type":"@id"},` +
	`"toot":"http://joinmastodon.org/ns#",` +
	`"featured":{"@id":"toot:featured","@type":"@id"},` +
	`"discoverable":"toot:discoverable",` +
	`"indexable":"toot:indexable",` +
	`"attributionDomains":{"@id":"toot:attributionDomains","@type":"@id"},` +
	`"schema":"http://schema.org#",` +
	`"PropertyValue":"schema:PropertyValue",` +
	`"value":"schema:value"}]`

// isListProperty reports whether the property k holds a list. go-fed
// writes a list of one as a bare value; Mastodon and others read several of
// these only as arrays, so they are always written as arrays.
func isListProperty(k string) bool {
	switch k {
	case "to", "cc", "bto", "bcc", "tag", "attachment", "orderedItems", "items",
		"alsoKnownAs", "attributionDomains":
		return true
	}
	return false
}

// toJSON is the one place an ActivityStreams value becomes the JSON
// document the blog serves: go-fed's serialisation, shaped as Mastodon
// expects (see shapeForMastodon), under activityContext.
func toJSON(t vocab.Type) ([]byte, error) {
	m, err := t.Serialize()
	if err != nil {
		return nil, fmt.Errorf("activitypub: serialise %s: %w", t.GetTypeName(), err)
	}
	shapeForMastodon(m)
	m["@context"] = json.RawMessage(activityContext)
	return encodeJSON(m)
}

// encodeJSON writes v compactly, leaving <, > and & as they are (the
// documents carry HTML), with no trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("activitypub: encode JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// shapeForMastodon rewrites a serialised value, and every value nested in
// it, in place:
//   - list properties are arrays, even of one item;
//   - an object with only a contentMap also gets content, the first (only)
//     language's text: Mastodon reads the text from content and the
//     language from contentMap.
func shapeForMastodon(m map[string]any) {
	for k, v := range m {
		if _, isList := v.([]any); !isList && isListProperty(k) {
			m[k] = []any{v}
		}
	}
	if _, has := m["content"]; !has {
		switch cm := m["contentMap"].(type) {
		case map[string]string:
			if len(cm) == 1 {
				for _, text := range cm {
					m["content"] = text
				}
			}
		case map[string]any:
			if len(cm) == 1 {
				for _, text := range cm {
					m["content"] = text
				}
			}
		}
	}
	for _, v := range m {
		shapeValue(v)
	}
}

func shapeValue(v any) {
	switch v := v.(type) {
	case map[string]any:
		shapeForMastodon(v)
	case []any:
		for _, e := range v {
			shapeValue(e)
		}
	}
}
