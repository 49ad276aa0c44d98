package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blogbridge/blogbridge/activitypub"
	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/feeds"
	"github.com/blogbridge/blogbridge/site"
	"github.com/blogbridge/blogbridge/store"
)

func TestFediverseSettings(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "bb.toml")
	os.WriteFile(cfgFile, []byte("site = \""+dir+"\"\n"+
		"fediverse_username = \"notes\"\n"+
		"fediverse_host = \"example.org\"\n"+
		"fediverse_profile_links = \"Mastodon=https://m.example/@me, Code = https://code.example/me\"\n"+
		"fediverse_also_known_as = \"https://m.example/users/me\"\n"), 0o644)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	t.Setenv("BLOGBRIDGE_FEDIVERSE_OBJECT_TYPE", "Note")
	cfg, err := loadConfig(fs, []string{"--config", cfgFile, "--fediverse-actor-type", "Service", "--fediverse-manually-approves-followers"}, true)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := cfg.fediverse()
	if err != nil {
		t.Fatal(err)
	}
	want := activitypub.Config{
		Username: "notes", Host: "example.org", ActorType: "Service", ManuallyApprovesFollowers: true,
		AlsoKnownAs: []string{"https://m.example/users/me"}, ObjectType: "Note",
		ProfileLinks: []activitypub.ProfileLink{{Name: "Mastodon", URL: "https://m.example/@me"}, {Name: "Code", URL: "https://code.example/me"}},
	}
	if ac.Username != want.Username || ac.Host != want.Host || ac.ActorType != want.ActorType || ac.ObjectType != want.ObjectType ||
		!ac.ManuallyApprovesFollowers || !slices.Equal(ac.AlsoKnownAs, want.AlsoKnownAs) || !slices.Equal(ac.ProfileLinks, want.ProfileLinks) {
		t.Errorf("fediverse config\n%+v\nwant\n%+v", ac, want)
	}
}

func TestInvalidFediverseSettings(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"username", []string{"--fediverse-username", "my blog"}, "fediverse-username"},
		{"actor type", []string{"--fediverse-actor-type", "Robot"}, "fediverse-actor-type"},
		{"object type", []string{"--fediverse-object-type", "Page"}, "fediverse-object-type"},
		{"profile link without name", []string{"--fediverse-profile-links", "https://m.example/@me"}, "fediverse-profile-links"},
		{"also known as", []string{"--fediverse-also-known-as", "@me@m.example"}, "fediverse-also-known-as"},
		{"inbox rate limit", []string{"--inbox-rate-limit", "0"}, "inbox-rate-limit"},
		{"per host over workers", []string{"--delivery-workers", "2", "--delivery-per-host", "4"}, "delivery-per-host"},
		{"max age", []string{"--delivery-max-age", "soon"}, "delivery-max-age"},
		{"back-off", []string{"--delivery-backoff-base", "-1s"}, "delivery-backoff-base"},
		{"metrics address", []string{"--metrics-addr", "nope"}, "metrics-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, append([]string{"serve", "--site", dir, "--data", t.TempDir()}, tt.args...)...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and a message naming %s", code, errOut, tt.want)
			}
		})
	}
}

// TestFediverseWiring builds the handler as serve does, the actor in front
// of the feeds and the website, and checks that pages point to their
// objects and that both representations answer at a permalink.
func TestFediverseWiring(t *testing.T) {
	ctx := context.Background()
	snap, err := content.Load(ctx, content.Options{SiteDir: "../../example"})
	if err != nil {
		t.Fatal(err)
	}
	current := func() *content.Snapshot { return snap }
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := Config{FediverseProfileLinks: "Mastodon=https://mastodon.example/@noor"}
	ac, err := cfg.fediverse()
	if err != nil {
		t.Fatal(err)
	}
	fedi, err := activitypub.NewHandler(ctx, activitypub.Options{Config: ac, Store: st, Snapshot: current})
	if err != nil {
		t.Fatal(err)
	}
	f := feeds.New(feeds.Options{Snapshot: current, Items: feedItems(0)})
	h := fedi.Wrap(f.Wrap(site.NewHandler(site.Options{Snapshot: current,
		HeadLinks: joinHeadLinks(feedHeadLinks(f), fediverseHeadLinks(fedi))})))
	get := func(path, accept string) *http.Response {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	read := func(resp *http.Response) string {
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	page := get("/posts/go-http-server-timeouts/", "text/html")
	html := read(page)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("post page: status %d", page.StatusCode)
	}
	for _, want := range []string{
		`<link rel="me" href="https://mastodon.example/@noor"`,
		`<meta name="fediverse:creator" content="@blog@localhost:8080"`,
		`type="application/rss&#43;xml"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("post page lacks %s", want)
		}
	}
	obj := get("/posts/go-http-server-timeouts/", "application/activity+json")
	var m map[string]any
	if err := json.NewDecoder(obj.Body).Decode(&m); err != nil || m["type"] != "Article" {
		t.Fatalf("post as ActivityStreams: %v, type %v", err, m["type"])
	}
	if !strings.Contains(html, `<link rel="alternate" href="`+m["id"].(string)+`" type="application/activity&#43;json">`) {
		t.Errorf("the page has no alternate link to its object %v", m["id"])
	}
	if resp := get("/index.xml", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("feeds behind the actor: status %d", resp.StatusCode)
	}
	if resp := get("/.well-known/webfinger?resource=acct:blog@localhost:8080", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("webfinger: status %d", resp.StatusCode)
	}
}
