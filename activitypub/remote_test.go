package activitypub

import (
	"testing"
)

func TestParseActivity(t *testing.T) {
	tests := []struct {
		name, body     string
		wantErr        bool
		typ, actor, id string
		object         remoteObject
	}{
		{name: "follow", body: `{"id":"https://a.example/f/1","type":"Follow","actor":"https://a.example/u/al","object":"https://blog.example/ap/actor"}`,
			typ: "Follow", actor: "https://a.example/u/al", id: "https://a.example/f/1",
			object: remoteObject{ID: "https://blog.example/ap/actor"}},
		{name: "type array and actor object", body: `{"id":"https://a.example/l/1","type":["Like"],"actor":{"id":"https://a.example/u/al"},"object":["https://blog.example/ap/posts/x"]}`,
			typ: "Like", actor: "https://a.example/u/al", id: "https://a.example/l/1",
			object: remoteObject{ID: "https://blog.example/ap/posts/x"}},
		{name: "embedded follow in undo", body: `{"id":"https://a.example/u/1","type":"Undo","actor":"https://a.example/u/al","object":{"id":"https://a.example/f/1","type":"Follow","actor":"https://a.example/u/al","object":"https://blog.example/ap/actor"}}`,
			typ: "Undo", actor: "https://a.example/u/al", id: "https://a.example/u/1",
			object: remoteObject{ID: "https://a.example/f/1", Type: "Follow", Actor: "https://a.example/u/al", Object: "https://blog.example/ap/actor"}},
		{name: "reply with url link", body: `{"id":"https://a.example/c/1","type":"Create","actor":"https://a.example/u/al","object":{"id":"https://a.example/n/1","type":"Note","attributedTo":"https://a.example/u/al","inReplyTo":"https://blog.example/ap/posts/x","content":"<p>hi</p>","url":[{"type":"Link","href":"https://a.example/@al/1"}],"published":"2026-01-02T03:04:05Z"}}`,
			typ: "Create", actor: "https://a.example/u/al", id: "https://a.example/c/1",
			object: remoteObject{ID: "https://a.example/n/1", Type: "Note", AttributedTo: "https://a.example/u/al",
				InReplyTo: "https://blog.example/ap/posts/x", Content: "<p>hi</p>", URL: "https://a.example/@al/1",
				Published: testNow}},
		{name: "not JSON", body: `{"id":`, wantErr: true},
		{name: "two objects", body: `{"id":"https://a.example/f/1","type":"Follow","actor":"https://a.example/u/al"} {}`, wantErr: true},
		{name: "no id", body: `{"type":"Follow","actor":"https://a.example/u/al"}`, wantErr: true},
		{name: "relative actor", body: `{"id":"https://a.example/f/1","type":"Follow","actor":"/u/al"}`, wantErr: true},
		{name: "javascript id", body: `{"id":"javascript:alert(1)","type":"Follow","actor":"https://a.example/u/al"}`, wantErr: true},
		{name: "no type", body: `{"id":"https://a.example/f/1","actor":"https://a.example/u/al"}`, wantErr: true},
		{name: "array body", body: `[1,2]`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := parseActivity([]byte(tc.body))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != tc.typ || a.Actor != tc.actor || a.ID != tc.id || a.Object != tc.object {
				t.Fatalf("got %+v\nwant type %s actor %s id %s object %+v", a, tc.typ, tc.actor, tc.id, tc.object)
			}
		})
	}
}

// FuzzParseActivity feeds the inbox's reader arbitrary bodies: it must
// never panic, and what it accepts has an http(s) id and actor and a type.
func FuzzParseActivity(f *testing.F) {
	for _, s := range []string{
		`{"id":"https://a.example/f/1","type":"Follow","actor":"https://a.example/u/al","object":"https://blog.example/ap/actor"}`,
		`{"id":"https://a.example/u/1","type":["Undo"],"actor":{"id":"https://a.example/u/al"},"object":{"id":"https://a.example/f/1","type":"Follow"}}`,
		`{"id":"https://a.example/c/1","type":"Create","actor":["https://a.example/u/al"],"object":{"id":"x","inReplyTo":{"id":"y"},"url":[{"href":"z"}]}}`,
		`{}`, `[]`, `null`, `{"object":[[[]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := parseActivity(body)
		if err != nil {
			return
		}
		if !isHTTPURL(a.ID) || !isHTTPURL(a.Actor) || a.Type == "" {
			t.Fatalf("accepted %q as %+v", body, a)
		}
	})
}

func TestParseMultikey(t *testing.T) {
	// did:key test vector of an ed25519 public key.
	k, err := parseMultikey("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
	if err != nil || len(k) != 32 {
		t.Fatalf("parseMultikey: %v, %d bytes", err, len(k))
	}
	for _, bad := range []string{"", "6MkhaXg", "z0OIl", "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"} {
		if _, err := parseMultikey(bad); err == nil {
			t.Errorf("parseMultikey(%q) accepted", bad)
		}
	}
}
