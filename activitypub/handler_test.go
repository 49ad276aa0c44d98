package activitypub

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"

	"github.com/blogbridge/blogbridge/content"
)

// ledgerTick is how far the fixture's clock moves between site changes.
const ledgerTick = time.Hour

// parseWithGoFed reads a served document with go-fed's own parser, an
// implementation of ActivityStreams other than the code that wrote it.
func parseWithGoFed(t *testing.T, body []byte) vocab.Type {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	v, err := streams.ToType(context.Background(), m)
	if err != nil {
		t.Fatalf("go-fed cannot read the document: %v\n%s", err, body)
	}
	return v
}

// TestRoundTripGoFed reads every ActivityStreams document through go-fed's
// parser and checks what it finds against what the handler meant to say.
func TestRoundTripGoFed(t *testing.T) {
	f := newFixture(t, Config{ProfileLinks: []ProfileLink{{Name: "Web", URL: "https://noor.example/"}}})
	article := f.objectPath("/posts/stream-days/")
	note := f.objectPath("/posts/hello/")
	tests := []struct {
		target, typ string
		check       func(t *testing.T, v vocab.Type)
	}{
		{"/ap/actor", "Person", func(t *testing.T, v vocab.Type) {
			p := v.(vocab.ActivityStreamsPerson)
			if got := p.GetActivityStreamsInbox().GetIRI().String(); got != "https://blog.example/ap/inbox" {
				t.Errorf("inbox %s", got)
			}
			if got := p.GetActivityStreamsPreferredUsername().GetXMLSchemaString(); got != "blog" {
				t.Errorf("preferredUsername %q", got)
			}
			if p.GetW3IDSecurityV1PublicKey().Len() != 1 {
				t.Error("no publicKey")
			}
			if got := p.GetTootFeatured().GetIRI().String(); got != "https://blog.example/ap/featured" {
				t.Errorf("featured %s", got)
			}
		}},
		{article, "Article", func(t *testing.T, v vocab.Type) {
			a := v.(vocab.ActivityStreamsArticle)
			if a.GetJSONLDId().Get().String() != "https://blog.example"+article {
				t.Errorf("id %s", a.GetJSONLDId().Get())
			}
			if got := a.GetActivityStreamsName().At(0).GetXMLSchemaString(); got != "Notes from Stream Days Lisbon 2025" {
				t.Errorf("name %q", got)
			}
			if a.GetActivityStreamsAttachment().Len() != 3 {
				t.Errorf("%d attachments, want 3", a.GetActivityStreamsAttachment().Len())
			}
			if a.GetActivityStreamsTag().Len() != 3 {
				t.Errorf("%d tags, want 3", a.GetActivityStreamsTag().Len())
			}
			if a.GetActivityStreamsTo().At(0).GetIRI().String() != publicAudience {
				t.Error("not addressed to the public")
			}
			if a.GetActivityStreamsPreview().Len() != 1 || !a.GetActivityStreamsPreview().At(0).IsActivityStreamsNote() {
				t.Error("no Note preview")
			}
		}},
		{note, "Note", func(t *testing.T, v vocab.Type) {
			n := v.(vocab.ActivityStreamsNote)
			if n.GetActivityStreamsUrl().At(0).GetIRI().String() != "https://blog.example/posts/hello/" {
				t.Errorf("url %v", n.GetActivityStreamsUrl().At(0).GetIRI())
			}
			if n.GetActivityStreamsCc().At(0).GetIRI().String() != "https://blog.example/ap/followers" {
				t.Error("followers not in cc")
			}
		}},
		{note + "/activity", "Create", func(t *testing.T, v vocab.Type) {
			c := v.(vocab.ActivityStreamsCreate)
			if !c.GetActivityStreamsObject().At(0).IsActivityStreamsNote() {
				t.Error("Create does not hold the Note")
			}
		}},
		{"/ap/outbox", "OrderedCollection", func(t *testing.T, v vocab.Type) {
			if n := v.(vocab.ActivityStreamsOrderedCollection).GetActivityStreamsTotalItems().Get(); n != 4 {
				t.Errorf("totalItems %d, want 4", n)
			}
		}},
		{"/ap/outbox?page=1", "OrderedCollectionPage", func(t *testing.T, v vocab.Type) {
			items := v.(vocab.ActivityStreamsOrderedCollectionPage).GetActivityStreamsOrderedItems()
			if items.Len() != 4 || !items.At(0).IsActivityStreamsCreate() {
				t.Errorf("page holds %d items", items.Len())
			}
		}},
		{"/ap/followers", "OrderedCollection", nil},
		{"/ap/following", "OrderedCollection", nil},
		{"/ap/featured", "OrderedCollection", func(t *testing.T, v vocab.Type) {
			items := v.(vocab.ActivityStreamsOrderedCollection).GetActivityStreamsOrderedItems()
			if items.Len() != 1 || !items.At(0).IsActivityStreamsNote() {
				t.Error("featured does not hold the pinned Note")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := f.get(tt.target, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			v := parseWithGoFed(t, w.Body.Bytes())
			if v.GetTypeName() != tt.typ {
				t.Fatalf("go-fed reads a %s, want %s", v.GetTypeName(), tt.typ)
			}
			if tt.check != nil {
				tt.check(t, v)
			}
		})
	}
	t.Run("tombstone", func(t *testing.T) {
		f.now = testNow.Add(ledgerTick)
		f.remove("content/posts/hello.md")
		w := f.get(note, "")
		if w.Code != http.StatusGone {
			t.Fatalf("status %d", w.Code)
		}
		if v := parseWithGoFed(t, w.Body.Bytes()); v.GetTypeName() != "Tombstone" {
			t.Errorf("go-fed reads a %s", v.GetTypeName())
		}
	})
}

// TestMastodonCanFollow walks the steps Mastodon takes before it follows an
// account: WebFinger for the handle, the subject round trip, the actor
// from the self link, and the fields it refuses to follow without.
func TestMastodonCanFollow(t *testing.T) {
	for _, tc := range []struct {
		name, host, query string
	}{
		{"same host", "", "acct:blog@blog.example"},
		{"handle on another host", "example.org", "acct:blog@example.org"},
		{"handle host asked at the serving host", "example.org", "acct:blog@blog.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{Host: tc.host})
			wf := webfinger(t, f, tc.query)
			wantSubject := "acct:blog@" + cmpOr(tc.host, "blog.example")
			if wf.Subject != wantSubject {
				t.Fatalf("subject %q, want %q", wf.Subject, wantSubject)
			}
			// Mastodon asks again for the subject, and it must answer the same.
			if again := webfinger(t, f, wf.Subject); again.Subject != wf.Subject {
				t.Fatalf("subject round trip: %q then %q", wf.Subject, again.Subject)
			}
			var self string
			for _, l := range wf.Links {
				if l.Rel == "self" && l.Type == "application/activity+json" {
					self = l.Href
				}
			}
			if self == "" {
				t.Fatal("no self link of type application/activity+json")
			}
			u, err := url.Parse(self)
			if err != nil {
				t.Fatal(err)
			}
			w := f.get(u.RequestURI(), `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
			if w.Code != http.StatusOK {
				t.Fatalf("actor: status %d", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/activity+json") {
				t.Errorf("actor Content-Type %q", ct)
			}
			a := decode(t, w.Body.Bytes())
			if a["id"] != self {
				t.Errorf("actor id %v, want the self link %s", a["id"], self)
			}
			if !slices.Contains([]any{"Person", "Service", "Organization", "Group", "Application"}, a["type"]) {
				t.Errorf("type %v is not an actor type Mastodon follows", a["type"])
			}
			if a["preferredUsername"] != "blog" {
				t.Errorf("preferredUsername %v", a["preferredUsername"])
			}
			for _, k := range []string{"inbox", "outbox", "followers"} {
				if s, _ := a[k].(string); !strings.HasPrefix(s, "https://blog.example/") {
					t.Errorf("%s = %v", k, a[k])
				}
			}
			if eps, _ := a["endpoints"].(map[string]any); eps["sharedInbox"] != "https://blog.example/ap/shared-inbox" {
				t.Errorf("endpoints %v", a["endpoints"])
			}
			pk, _ := a["publicKey"].(map[string]any)
			if pk["id"] != self+"#main-key" || pk["owner"] != self {
				t.Errorf("publicKey id/owner %v", pk)
			}
			pemText, _ := pk["publicKeyPem"].(string)
			block, _ := pem.Decode([]byte(pemText))
			if block == nil {
				t.Fatalf("publicKeyPem %q is not PEM", pemText)
			}
			pub, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			key, err := f.store.ActorKey(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !key.Private.PublicKey.Equal(pub) {
				t.Error("publicKeyPem is not the stored key's public half")
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func webfinger(t *testing.T, f *fixture, resource string) jrd {
	t.Helper()
	w := f.get("/.well-known/webfinger?resource="+url.QueryEscape(resource), "")
	if w.Code != http.StatusOK {
		t.Fatalf("webfinger %s: status %d %s", resource, w.Code, w.Body)
	}
	var j jrd
	if err := json.Unmarshal(w.Body.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestWebFingerStatuses(t *testing.T) {
	f := newFixture(t, Config{Host: "example.org", Username: "field_notes"})
	tests := []struct {
		name, query string
		status      int
	}{
		{"handle", "resource=acct:field_notes@example.org", 200},
		{"handle in upper case", "resource=acct:FIELD_NOTES@EXAMPLE.ORG", 200},
		{"handle at the serving host", "resource=acct:field_notes@blog.example", 200},
		{"without acct:", "resource=field_notes@example.org", 200},
		{"with a leading @", "resource=acct:@field_notes@example.org", 200},
		{"actor URL", "resource=https://blog.example/ap/actor", 200},
		{"home page", "resource=https://blog.example/", 200},
		{"escaped", "resource=acct%3Afield_notes%40example.org", 200},
		{"unknown user", "resource=acct:someone@example.org", 404},
		{"other host", "resource=acct:field_notes@other.example", 404},
		{"other URL", "resource=https://other.example/ap/actor", 404},
		{"no resource", "", 400},
		{"empty resource", "resource=", 400},
		{"no host", "resource=acct:field_notes", 400},
		{"no user", "resource=acct:@example.org", 400},
		{"unsupported scheme", "resource=mailto:x", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.get("/.well-known/webfinger?"+tt.query, "")
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if w.Header().Get("Access-Control-Allow-Origin") != "*" {
				t.Error("no CORS header")
			}
			if tt.status == 200 {
				if j := decode(t, w.Body.Bytes()); j["subject"] != "acct:field_notes@example.org" {
					t.Errorf("subject %v", j["subject"])
				}
			}
		})
	}
	if w := f.do(http.MethodPost, "/.well-known/webfinger?resource=acct:field_notes@example.org", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST webfinger: status %d, want 405", w.Code)
	}
}

// TestNegotiation checks which Accept headers get the object at a post's
// permalink, and that everything else reaches the site.
func TestNegotiation(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct {
		name, path, accept string
		want               string // "object", "actor", "site"
	}{
		{"activity+json", "/posts/stream-days/", "application/activity+json", "object"},
		{"ld+json with profile", "/posts/stream-days/", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "object"},
		{"Mastodon's header", "/posts/stream-days/", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "object"},
		{"ld+json without profile", "/posts/stream-days/", "application/ld+json", "site"},
		{"ld+json other profile", "/posts/stream-days/", `application/ld+json; profile="https://schema.org"`, "site"},
		{"browser", "/posts/stream-days/", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "site"},
		{"no Accept", "/posts/stream-days/", "", "site"},
		{"anything", "/posts/stream-days/", "*/*", "site"},
		{"activity+json refused", "/posts/stream-days/", "application/activity+json;q=0, text/html", "site"},
		{"html preferred", "/posts/stream-days/", "text/html, application/activity+json;q=0.5", "site"},
		{"activity preferred", "/posts/stream-days/", "text/html;q=0.5, application/activity+json", "object"},
		{"activity with a wildcard", "/posts/stream-days/", "application/activity+json, */*", "object"},
		{"home page", "/", "application/activity+json", "actor"},
		{"Spanish home page", "/es/", "application/activity+json", "actor"},
		{"page that is not federated", "/about/", "application/activity+json", "site"},
		{"draft-free list page", "/posts/", "application/activity+json", "site"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.get(tt.path, tt.accept)
			body := w.Body.String()
			switch tt.want {
			case "site":
				if body != "site:"+tt.path {
					t.Fatalf("got %q, want the site's page", body)
				}
			case "object", "actor":
				if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/activity+json") {
					t.Fatalf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
				}
				m := decode(t, w.Body.Bytes())
				wantType := "Article"
				if tt.want == "actor" {
					wantType = "Person"
				}
				if m["type"] != wantType {
					t.Errorf("type %v, want %s", m["type"], wantType)
				}
			}
			negotiable := tt.path != "/about/" && tt.path != "/posts/"
			if got := varies(w.Header(), "Accept"); got != negotiable {
				t.Errorf("Vary: Accept = %v, want %v", got, negotiable)
			}
		})
	}
}

// varies reports whether the Vary header names field.
func varies(h http.Header, field string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), field) {
				return true
			}
		}
	}
	return false
}

func TestGzip(t *testing.T) {
	f := newFixture(t, Config{})
	object := f.objectPath("/posts/stream-days/")
	plain := f.get(object, "")
	if plain.Header().Get("Content-Encoding") != "" || !varies(plain.Header(), "Accept-Encoding") {
		t.Fatalf("plain response: Content-Encoding %q, Vary %q", plain.Header().Get("Content-Encoding"), plain.Header().Get("Vary"))
	}
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"gzip", true},
		{"br, gzip;q=0.5", true},
		{"*", true},
		{"gzip;q=0", false},
		{"identity", false},
		{"br", false},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			w := f.do(http.MethodGet, object, http.Header{"Accept-Encoding": {tc.accept}})
			if got := w.Header().Get("Content-Encoding") == "gzip"; got != tc.gzip {
				t.Fatalf("gzipped = %v, want %v", got, tc.gzip)
			}
			if !tc.gzip {
				return
			}
			if w.Header().Get("Etag") == plain.Header().Get("Etag") {
				t.Error("the gzipped and plain bodies share an ETag")
			}
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("gunzipped body differs from the plain one (%v)", err)
			}
		})
	}
	if w := f.do(http.MethodGet, "/.well-known/webfinger?resource=acct:blog@blog.example", http.Header{"Accept-Encoding": {"gzip"}}); w.Header().Get("Content-Encoding") != "" {
		t.Error("a small document was gzipped")
	}
}

func TestWantsActivity(t *testing.T) {
	tests := []struct {
		name   string
		accept []string
		want   bool
	}{
		{"none", nil, false},
		{"activity", []string{"application/activity+json"}, true},
		{"upper case", []string{"Application/Activity+JSON"}, true},
		{"profile unquoted", []string{"application/ld+json;profile=https://www.w3.org/ns/activitystreams"}, true},
		{"profile list", []string{`application/ld+json; profile="https://example.org/p https://www.w3.org/ns/activitystreams"`}, true},
		{"comma inside quotes", []string{`application/ld+json; profile="a,b", application/activity+json;q=0.1`}, true},
		{"two headers", []string{"text/html;q=0.1", "application/activity+json"}, true},
		{"q zero", []string{"application/activity+json;q=0"}, false},
		{"bad q", []string{"application/activity+json;q=abc"}, false},
		{"json", []string{"application/json"}, false},
		{"tie with html", []string{"application/activity+json, text/html"}, false},
		{"tie with text/*", []string{"application/activity+json, text/*"}, true},
		{"garbage", []string{";;;,,,"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wantsActivity(tt.accept); got != tt.want {
				t.Errorf("wantsActivity(%q) = %v, want %v", tt.accept, got, tt.want)
			}
		})
	}
}

// TestOnlyPublishedPostsAreObjects loads the site with drafts, future and
// expired pages included and checks none of them, nor opted-out posts or
// pages outside the main sections, is served as an object.
func TestOnlyPublishedPostsAreObjects(t *testing.T) {
	f := newFixture(t, Config{})
	f.load.Drafts, f.load.Future, f.load.Expired = true, true, true
	f.reload()
	snap := f.snap.Load()
	for _, path := range []string{"/posts/draft/", "/posts/future/", "/posts/expired/", "/posts/private/", "/about/", "/notes/quick/"} {
		route, ok := snap.Lookup(path)
		if !ok || route.Page == nil {
			t.Fatalf("%s is not in the snapshot; the test needs it there", path)
		}
		p := route.Page
		w := f.get(path, "application/activity+json")
		if w.Body.String() != "site:"+path {
			t.Errorf("%s is served as an object", path)
		}
		id := objectID(ledgerKey(p.Lang, p.File), 0)
		if w := f.get("/ap/posts/"+id, ""); w.Code != http.StatusNotFound {
			t.Errorf("%s: its id answers %d, want 404", path, w.Code)
		}
	}
	out := decode(t, f.get("/ap/outbox?page=1", "").Body.Bytes())
	if n := len(out["orderedItems"].([]any)); n != 4 {
		t.Errorf("outbox holds %d posts, want the 4 published ones", n)
	}
	if nodeinfo := decode(t, f.get("/nodeinfo/2.1", "").Body.Bytes()); nodeinfo["usage"].(map[string]any)["localPosts"] != 4.0 {
		t.Errorf("NodeInfo localPosts %v, want 4", nodeinfo["usage"])
	}
}

// TestScheduledPostAppears moves the clock past the future post's date
// without a new snapshot: the post becomes an object.
func TestScheduledPostAppears(t *testing.T) {
	f := newFixture(t, Config{})
	f.load.Future = true
	f.reload()
	if w := f.get("/posts/future/", "application/activity+json"); w.Body.String() != "site:/posts/future/" {
		t.Fatal("future post served before its date")
	}
	f.now = time.Date(2099, 1, 1, 0, 0, 1, 0, time.UTC)
	if w := f.get("/posts/future/", "application/activity+json"); w.Code != http.StatusOK || decode(t, w.Body.Bytes())["type"] != "Article" {
		t.Fatalf("post not served once due: %d %s", w.Code, w.Body)
	}
}

func TestOutboxPaging(t *testing.T) {
	f := newFixture(t, Config{PageSize: 3})
	out := decode(t, f.get("/ap/outbox", "").Body.Bytes())
	if out["totalItems"] != 4.0 || out["first"] != "https://blog.example/ap/outbox?page=1" || out["last"] != "https://blog.example/ap/outbox?page=2" {
		t.Fatalf("outbox %v", out)
	}
	var published []string
	p1 := decode(t, f.get("/ap/outbox?page=1", "").Body.Bytes())
	p2 := decode(t, f.get("/ap/outbox?page=2", "").Body.Bytes())
	if p1["next"] != "https://blog.example/ap/outbox?page=2" || p1["prev"] != nil {
		t.Errorf("page 1 links: next %v prev %v", p1["next"], p1["prev"])
	}
	if p2["prev"] != "https://blog.example/ap/outbox?page=1" || p2["next"] != nil {
		t.Errorf("page 2 links: next %v prev %v", p2["next"], p2["prev"])
	}
	for _, p := range []map[string]any{p1, p2} {
		if p["partOf"] != "https://blog.example/ap/outbox" {
			t.Errorf("partOf %v", p["partOf"])
		}
		for _, it := range p["orderedItems"].([]any) {
			act := it.(map[string]any)
			if act["type"] != "Create" {
				t.Errorf("item of type %v", act["type"])
			}
			published = append(published, act["published"].(string))
		}
	}
	if len(published) != 4 {
		t.Fatalf("%d items over both pages, want 4", len(published))
	}
	if !slices.IsSortedFunc(published, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("not newest first: %v", published)
	}
	for _, q := range []string{"page=0", "page=3", "page=x", "page=-1"} {
		if w := f.get("/ap/outbox?"+q, ""); w.Code != http.StatusNotFound {
			t.Errorf("outbox?%s: status %d, want 404", q, w.Code)
		}
	}
	if w := f.get("/ap/outbox?page=true", ""); w.Code != http.StatusOK {
		t.Errorf("outbox?page=true: status %d", w.Code)
	}
}

// TestContentIsSanitised checks that nothing executable or styled from the
// post reaches the article's content.
func TestContentIsSanitised(t *testing.T) {
	f := newFixture(t, Config{})
	m := decode(t, f.get(f.objectPath("/posts/stream-days/"), "").Body.Bytes())
	html := m["content"].(string)
	for _, bad := range []string{"<script", "alert(", "<iframe", "style=", "onclick", "javascript:", "<span"} {
		if strings.Contains(html, bad) {
			t.Errorf("content holds %q:\n%s", bad, html)
		}
	}
	for _, good := range []string{"<h2>", "<em>ordering</em>", `<img src="https://blog.example/posts/stream-days/stage.png"`, "<pre><code>", "backpressure"} {
		if !strings.Contains(html, good) {
			t.Errorf("content lost %q:\n%s", good, html)
		}
	}
	if m["contentMap"].(map[string]any)["en"] != html {
		t.Error("contentMap differs from content")
	}
	if s := m["summary"].(string); !strings.HasPrefix(s, "<p>Two days at a small conference") || strings.Count(s, "<") != 2 {
		t.Errorf("summary is not the plain lead: %q", s)
	}
}

func TestSensitivePosts(t *testing.T) {
	f := newFixture(t, Config{ObjectType: TypeNote})
	m := decode(t, f.get(f.objectPath("/posts/spoilers/"), "").Body.Bytes())
	if m["type"] != "Note" || m["sensitive"] != true || m["summary"] != "Spoilers for season 2" {
		t.Errorf("sensitive Note: type %v sensitive %v summary %v", m["type"], m["sensitive"], m["summary"])
	}
	f.now = f.now.Add(ledgerTick)
	f.write("content/posts/spoilers.md", "---\ntitle: Finale\ndate: 2025-01-10T12:00:00Z\nblogbridge:\n  sensitive: true\n---\n\nSecret.\n")
	m = decode(t, f.get(f.objectPath("/posts/spoilers/"), "").Body.Bytes())
	if m["summary"] != defaultWarning {
		t.Errorf("sensitive post without warning text: summary %v", m["summary"])
	}
	m = decode(t, f.get(f.objectPath("/posts/hello/"), "").Body.Bytes())
	if _, has := m["summary"]; has || m["sensitive"] != false {
		t.Errorf("a Note that is not sensitive has summary %v, sensitive %v", m["summary"], m["sensitive"])
	}
}

// TestIDsSurviveEdits changes a post's title and slug, then moves its
// file, and checks its object id stays; removing it answers 410 at the id
// and at the old permalink, and bringing it back gives a new id.
func TestIDsSurviveEdits(t *testing.T) {
	f := newFixture(t, Config{})
	id := f.objectPath("/posts/spoilers/")

	f.now = f.now.Add(ledgerTick)
	f.write("content/posts/spoilers.md", "---\ntitle: The finale, argued\nslug: finale\ndate: 2025-01-10T12:00:00Z\n---\n\nEdited.\n")
	if got := f.objectPath("/posts/finale/"); got != id {
		t.Fatalf("after a new title and slug the id is %s, was %s", got, id)
	}
	m := decode(t, f.get(id, "").Body.Bytes())
	if m["url"] != "https://blog.example/posts/finale/" || m["updated"] != f.now.Format(time.RFC3339) {
		t.Errorf("edited object: url %v updated %v", m["url"], m["updated"])
	}

	f.now = f.now.Add(ledgerTick)
	f.rename("content/posts/spoilers.md", "content/posts/finale.md")
	if got := f.objectPath("/posts/finale/"); got != id {
		t.Fatalf("after moving the file the id is %s, was %s", got, id)
	}

	f.now = f.now.Add(ledgerTick)
	f.remove("content/posts/finale.md")
	if w := f.get(id, ""); w.Code != http.StatusGone {
		t.Errorf("removed post: status %d, want 410", w.Code)
	}
	if w := f.get("/posts/finale/", "application/activity+json"); w.Code != http.StatusGone || decode(t, w.Body.Bytes())["type"] != "Tombstone" {
		t.Errorf("removed post's permalink: status %d", w.Code)
	}
	if w := f.get("/posts/finale/", "text/html"); w.Body.String() != "site:/posts/finale/" {
		t.Error("a browser asking for the removed post does not reach the site")
	}

	f.now = f.now.Add(ledgerTick)
	f.write("content/posts/finale.md", "---\ntitle: Back\ndate: 2025-01-10T12:00:00Z\n---\n\nAgain.\n")
	again := f.objectPath("/posts/finale/")
	if again == id {
		t.Error("a post published again after a Delete kept the deleted id")
	}
	if w := f.get(id, ""); w.Code != http.StatusGone {
		t.Errorf("the old id answers %d, want 410", w.Code)
	}
}

// TestBrokenPostIsNotDeleted breaks a post's front matter: it leaves the
// site until fixed, but the ledger keeps it alive and its id unchanged.
func TestBrokenPostIsNotDeleted(t *testing.T) {
	f := newFixture(t, Config{})
	id := f.objectPath("/posts/spoilers/")
	f.now = f.now.Add(ledgerTick)
	f.write("content/posts/spoilers.md", "---\ntitle: [unclosed\n---\nBody\n")
	if len(f.snap.Load().Errors()) == 0 {
		t.Fatal("the broken front matter gives no error; the test needs one")
	}
	if w := f.get(id, ""); w.Code == http.StatusGone {
		t.Fatal("a post with broken front matter was deleted")
	}
	f.now = f.now.Add(ledgerTick)
	f.write("content/posts/spoilers.md", "---\ntitle: The finale, discussed\ndate: 2025-01-10T12:00:00Z\n---\n\nFixed.\n")
	if got := f.objectPath("/posts/spoilers/"); got != id {
		t.Errorf("fixed post has id %s, was %s", got, id)
	}
}

func TestRoutesAndMethods(t *testing.T) {
	f := newFixture(t, Config{}) // without a client and deliverer: the inbox is off
	for _, p := range []string{"/ap/inbox", "/ap/shared-inbox"} {
		if w := f.do(http.MethodPost, p, nil); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "does not accept activities") {
			t.Errorf("POST %s: %d %s", p, w.Code, w.Body)
		}
		if w := f.get(p, ""); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
			t.Errorf("GET %s: %d, Allow %q", p, w.Code, w.Header().Get("Allow"))
		}
	}
	if w := f.do(http.MethodPost, "/ap/actor", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST actor: %d", w.Code)
	}
	if w := f.get("/ap/nothing", ""); w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("unknown ap path: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if w := f.get("/ap/posts/"+f.objectPath("/posts/hello/")[len("/ap/posts/"):]+"/replies", ""); w.Code != http.StatusNotFound {
		t.Errorf("unknown object sub-path: %d", w.Code)
	}
	if w := f.get("/.well-known/security.txt", ""); w.Body.String() != "site:/.well-known/security.txt" {
		t.Error("another well-known file does not reach the site")
	}
	if w := f.do(http.MethodPost, "/contact/", nil); w.Body.String() != "site:/contact/" {
		t.Error("a POST to the site does not reach it")
	}
}

type fakeVerifier struct{ ok bool }

func (v fakeVerifier) VerifyRequest(r *http.Request) (string, error) {
	if !v.ok {
		return "", errors.New("bad signature")
	}
	return "https://remote.example/users/a#main-key", nil
}

func TestSecureMode(t *testing.T) {
	if _, err := NewHandler(t.Context(), Options{Config: Config{SecureMode: true}, Store: newFixture(t, Config{}).store, Snapshot: func() *content.Snapshot { return nil }}); err == nil {
		t.Fatal("secure mode without a verifier was accepted")
	}
	signed := http.Header{"Signature": {`keyId="https://remote.example/users/a#main-key",signature="x"`}}
	for _, tc := range []struct {
		name     string
		verifier fakeVerifier
	}{{"valid signatures", fakeVerifier{true}}, {"invalid signatures", fakeVerifier{false}}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{SecureMode: true}, func(o *Options) { o.Verifier = tc.verifier })
			object := f.objectPath("/posts/hello/")
			for _, p := range []string{"/ap/actor", "/.well-known/webfinger?resource=acct:blog@blog.example", "/.well-known/nodeinfo"} {
				if w := f.get(p, ""); w.Code != http.StatusOK {
					t.Errorf("unsigned GET %s: %d, want 200", p, w.Code)
				}
			}
			wantSigned := http.StatusOK
			if !tc.verifier.ok {
				wantSigned = http.StatusUnauthorized
			}
			for _, p := range []string{object, "/ap/outbox", "/ap/outbox?page=1", "/ap/followers", "/ap/featured"} {
				if w := f.get(p, ""); w.Code != http.StatusUnauthorized {
					t.Errorf("unsigned GET %s: %d, want 401", p, w.Code)
				}
				if w := f.do(http.MethodGet, p, signed); w.Code != wantSigned {
					t.Errorf("signed GET %s: %d, want %d", p, w.Code, wantSigned)
				} else if w.Code == 200 && !strings.HasPrefix(w.Header().Get("Cache-Control"), "private") {
					t.Errorf("signed GET %s: Cache-Control %q", p, w.Header().Get("Cache-Control"))
				}
			}
			if w := f.get("/posts/hello/", "application/activity+json"); w.Code != http.StatusUnauthorized {
				t.Errorf("unsigned negotiated object: %d, want 401", w.Code)
			}
		})
	}
}

func TestHeadLinks(t *testing.T) {
	f := newFixture(t, Config{Host: "example.org", ProfileLinks: []ProfileLink{{Name: "Mastodon", URL: "https://mastodon.example/@noor"}}})
	f.get("/", "") // a request prepares the links, as it does before the site renders
	snap := f.snap.Load()
	post, _ := snap.Lookup("/posts/hello/")
	about, _ := snap.Lookup("/about/")
	object := "https://blog.example" + f.objectPath("/posts/hello/")
	common := []HeadLink{{Rel: "me", Href: "https://mastodon.example/@noor"}, {Name: "fediverse:creator", Content: "@blog@example.org"}}
	tests := []struct {
		name string
		page *content.Page
		want []HeadLink
	}{
		{"post", post.Page, append([]HeadLink{{Rel: "alternate", Type: "application/activity+json", Href: object}}, common...)},
		{"home", snap.DefaultSite().Home, append([]HeadLink{{Rel: "alternate", Type: "application/activity+json", Href: "https://blog.example/ap/actor"}}, common...)},
		{"page that is not federated", about.Page, common},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.h.HeadLinks(tt.page); !slices.Equal(got, tt.want) {
				t.Errorf("HeadLinks =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestDocumentsBuiltOncePerSnapshot checks that a document is served from
// memory until the snapshot changes, and that an unchanged post keeps its
// document across snapshots.
func TestDocumentsBuiltOncePerSnapshot(t *testing.T) {
	f := newFixture(t, Config{})
	note := f.objectPath("/posts/hello/")
	f.get(note, "")
	f.get("/ap/actor", "")
	idx1, _ := f.h.current(t.Context())
	e1 := idx1.byPath["/posts/hello/"]
	doc1 := e1.object.v.doc
	actor1 := idx1.actor.v
	if doc1 == nil || actor1 == nil {
		t.Fatal("documents not kept after the first request")
	}
	f.get(note, "")
	if e1.object.v.doc != doc1 || idx1.actor.v != actor1 {
		t.Error("a second request rebuilt a document")
	}

	f.now = f.now.Add(ledgerTick)
	f.write("content/posts/spoilers.md", "---\ntitle: Other\ndate: 2025-01-10T12:00:00Z\n---\n\nChanged.\n")
	f.get(note, "")
	idx2, _ := f.h.current(t.Context())
	if idx2 == idx1 {
		t.Fatal("no new index for a new snapshot")
	}
	if idx2.byPath["/posts/hello/"].object.v.doc != doc1 {
		t.Error("an unchanged post's document was rebuilt for the new snapshot")
	}
	if w := f.do(http.MethodGet, note, http.Header{"If-None-Match": {doc1.ETag()}}); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: %d, want 304", w.Code)
	}
}

func TestActorSettings(t *testing.T) {
	f := newFixture(t, Config{
		Username:                  "notes",
		ActorType:                 "Service",
		ManuallyApprovesFollowers: true,
		AlsoKnownAs:               []string{"https://old.example/users/notes"},
	})
	a := decode(t, f.get("/ap/actor", "").Body.Bytes())
	if a["type"] != "Service" || a["preferredUsername"] != "notes" || a["manuallyApprovesFollowers"] != true {
		t.Errorf("actor %v %v %v", a["type"], a["preferredUsername"], a["manuallyApprovesFollowers"])
	}
	if aka, _ := a["alsoKnownAs"].([]any); len(aka) != 1 || aka[0] != "https://old.example/users/notes" {
		t.Errorf("alsoKnownAs %v", a["alsoKnownAs"])
	}
	if a["published"] != "2024-09-01T00:00:00Z" {
		t.Errorf("published %v, want the key's creation, older than every post", a["published"])
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		bad  string // a word the error must hold; "" when valid
	}{
		{"zero", Config{}, ""},
		{"full", Config{Username: "field.notes", Host: "example.org:8443", ActorType: "Organization", ObjectType: "Note",
			AlsoKnownAs: []string{"https://m.example/users/a"}, ProfileLinks: []ProfileLink{{"Web", "https://a.example/"}}}, ""},
		{"username with space", Config{Username: "field notes"}, "fediverse-username"},
		{"username ending in a dot", Config{Username: "notes."}, "fediverse-username"},
		{"host with path", Config{Host: "example.org/x"}, "fediverse-host"},
		{"actor type", Config{ActorType: "Robot"}, "fediverse-actor-type"},
		{"object type", Config{ObjectType: "Page"}, "fediverse-object-type"},
		{"alias not a URL", Config{AlsoKnownAs: []string{"@me@m.example"}}, "fediverse-also-known-as"},
		{"link without name", Config{ProfileLinks: []ProfileLink{{"", "https://a.example/"}}}, "fediverse-profile-links"},
		{"link relative", Config{ProfileLinks: []ProfileLink{{"Web", "/about/"}}}, "fediverse-profile-links"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.bad == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.bad != "" && (err == nil || !strings.Contains(err.Error(), tt.bad)):
				t.Errorf("error %v, want one naming %s", err, tt.bad)
			}
		})
	}
}

func TestHashtagName(t *testing.T) {
	tests := []struct{ term, want string }{
		{"kafka", "kafka"},
		{"kafka-summit", "KafkaSummit"},
		{"Kafka Summit", "KafkaSummit"},
		{"stream_days", "stream_days"},
		{"C++", "C"},
		{"2024", ""},
		{"año nuevo", "AñoNuevo"},
		{"---", ""},
	}
	for _, tt := range tests {
		if got := hashtagName(tt.term); got != tt.want {
			t.Errorf("hashtagName(%q) = %q, want %q", tt.term, got, tt.want)
		}
	}
}

// TestConcurrentRequestsAcrossSnapshots serves requests from several
// goroutines while the site changes under them; run with -race.
func TestConcurrentRequestsAcrossSnapshots(t *testing.T) {
	f := newFixture(t, Config{})
	object := f.objectPath("/posts/hello/")
	paths := []string{"/ap/actor", object, object + "/activity", "/ap/outbox?page=1", "/ap/featured", "/ap/followers",
		"/.well-known/webfinger?resource=acct:blog@blog.example", "/nodeinfo/2.1"}
	done := make(chan struct{})
	errs := make(chan string, 64)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				p := paths[i%len(paths)]
				r := httptest.NewRequest(http.MethodGet, p, nil)
				w := httptest.NewRecorder()
				f.srv.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					select {
					case errs <- fmt.Sprintf("%s: %d", p, w.Code):
					default:
					}
				}
				f.h.HeadLinks(f.snap.Load().DefaultSite().Home)
			}
		})
	}
	for range 5 {
		snap, err := content.Load(t.Context(), f.load)
		if err != nil {
			t.Fatal(err)
		}
		f.snap.Store(snap)
		time.Sleep(5 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestFindAgreesWithServeHTTP checks Find, which the public server asks
// before the handler, against the handler: a document wherever the handler
// answers with one whatever else the request says, the same bytes and
// status, and nil for everything the handler must see (errors, the
// outbox's pages, negotiation, signed requests in secure mode).
func TestFindAgreesWithServeHTTP(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			f := newFixture(t, Config{SecureMode: secure}, func(o *Options) { o.Verifier = fakeVerifier{true} })
			object := f.objectPath("/posts/hello/")
			gone := f.objectPath("/posts/spoilers/")
			f.remove("content/posts/spoilers.md")
			signed := !secure
			for _, tc := range []struct {
				target string
				found  bool
			}{
				{"/ap/actor", true},
				{"/.well-known/webfinger?resource=acct:blog@blog.example", true},
				{"/.well-known/webfinger?x=1&resource=acct%3Ablog%40blog.example", true},
				{"/.well-known/webfinger?resource=acct:someone@blog.example", false},
				{"/.well-known/webfinger?resource=nonsense", false},
				{"/.well-known/webfinger", false},
				{"/.well-known/host-meta", true},
				{"/.well-known/host-meta.json", true},
				{"/.well-known/nodeinfo", true},
				{"/nodeinfo/2.0", true},
				{"/nodeinfo/2.1", true},
				{"/ap/outbox", signed},
				{"/ap/outbox?page=1", false},
				{"/ap/followers", signed},
				{"/ap/following", signed},
				{"/ap/featured", signed},
				{object, signed},
				{object + "/activity", signed},
				{object + "/replies", false},
				{gone, signed},
				{"/ap/posts/unknown", false},
				{"/ap/nothing", false},
				{"/posts/hello/", false},
				{"/.well-known/security.txt", false},
			} {
				path, query, _ := strings.Cut(tc.target, "?")
				doc := f.h.Find(path, query)
				if (doc != nil) != tc.found {
					t.Errorf("Find(%s): found %v, want %v", tc.target, doc != nil, tc.found)
					continue
				}
				if doc == nil {
					continue
				}
				w := f.get(tc.target, "")
				if w.Code != doc.Status() || !bytes.Equal(w.Body.Bytes(), doc.Body()) {
					t.Errorf("Find(%s): %d, %d bytes; ServeHTTP: %d, %d bytes", tc.target, doc.Status(), len(doc.Body()), w.Code, w.Body.Len())
				}
			}
			if doc := f.h.Find(gone, ""); !secure && (doc == nil || doc.Status() != http.StatusGone) {
				t.Errorf("Find of a removed post: %v", doc)
			}
		})
	}
}
