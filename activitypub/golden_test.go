package activitypub

import (
	"net/http"
	"testing"
)

// TestGolden compares every kind of document the handler serves with its
// golden file.
func TestGolden(t *testing.T) {
	f := newFixture(t, Config{
		AlsoKnownAs:  []string{"https://mastodon.example/users/noor"},
		ProfileLinks: []ProfileLink{{Name: "Mastodon", URL: "https://mastodon.example/@noor"}, {Name: "Code", URL: "https://code.example/noor"}},
	})
	article := f.objectPath("/posts/stream-days/")
	note := f.objectPath("/posts/hello/")
	sensitive := f.objectPath("/posts/spoilers/")
	tests := []struct {
		name, target, accept string
		status               int
		golden               string
	}{
		{"actor", "/ap/actor", "", http.StatusOK, "actor.json"},
		{"webfinger", "/.well-known/webfinger?resource=acct:blog@blog.example", "", http.StatusOK, "webfinger.json"},
		{"host-meta", "/.well-known/host-meta", "", http.StatusOK, "host-meta.xml"},
		{"host-meta json", "/.well-known/host-meta.json", "", http.StatusOK, "host-meta.json"},
		{"nodeinfo discovery", "/.well-known/nodeinfo", "", http.StatusOK, "nodeinfo.json"},
		{"nodeinfo 2.0", "/nodeinfo/2.0", "", http.StatusOK, "nodeinfo-2.0.json"},
		{"nodeinfo 2.1", "/nodeinfo/2.1", "", http.StatusOK, "nodeinfo-2.1.json"},
		{"article", article, "", http.StatusOK, "article.json"},
		{"note", note, "", http.StatusOK, "note.json"},
		{"sensitive article", sensitive, "", http.StatusOK, "sensitive.json"},
		{"create", note + "/activity", "", http.StatusOK, "create.json"},
		{"article by permalink", "/posts/stream-days/", "application/activity+json", http.StatusOK, "article.json"},
		{"outbox", "/ap/outbox", "", http.StatusOK, "outbox.json"},
		{"outbox page", "/ap/outbox?page=1", "", http.StatusOK, "outbox-page-1.json"},
		{"followers", "/ap/followers", "", http.StatusOK, "followers.json"},
		{"following", "/ap/following", "", http.StatusOK, "following.json"},
		{"featured", "/ap/featured", "", http.StatusOK, "featured.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.get(tt.target, tt.accept)
			if w.Code != tt.status {
				t.Fatalf("GET %s: status %d, want %d\n%s", tt.target, w.Code, tt.status, w.Body)
			}
			checkGolden(t, tt.golden, w.Body.Bytes())
		})
	}

	t.Run("tombstone", func(t *testing.T) {
		f.now = testNow.Add(ledgerTick)
		f.remove("content/posts/spoilers.md")
		w := f.get(sensitive, "")
		if w.Code != http.StatusGone {
			t.Fatalf("GET %s after removing the post: status %d, want 410\n%s", sensitive, w.Code, w.Body)
		}
		checkGolden(t, "tombstone.json", w.Body.Bytes())
	})
}
