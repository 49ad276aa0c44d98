package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/feeds"
	"github.com/blogbridge/blogbridge/site"
)

func TestFeedSettings(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "bb.toml")
	os.WriteFile(cfgFile, []byte("site = \""+dir+"\"\nfeed_items = 5\nwebsub_hub = \"https://hub.example/\"\n"), 0o644)
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		items int
		hub   string
	}{
		{name: "defaults", args: []string{"--site", dir}, items: feeds.DefaultItems},
		{name: "file", args: []string{"--config", cfgFile}, items: 5, hub: "https://hub.example/"},
		{name: "env over file", env: map[string]string{"BLOGBRIDGE_FEED_ITEMS": "0", "BLOGBRIDGE_WEBSUB_HUB": "http://127.0.0.1:9/"}, args: []string{"--config", cfgFile}, items: 0, hub: "http://127.0.0.1:9/"},
		{name: "flag over env", env: map[string]string{"BLOGBRIDGE_FEED_ITEMS": "7"}, args: []string{"--config", cfgFile, "--feed-items", "9", "--websub-hub", ""}, items: 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg, err := loadConfig(fs, tt.args, true)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.FeedItems != tt.items || cfg.WebSubHub != tt.hub {
				t.Errorf("feed items %d, hub %q; want %d, %q", cfg.FeedItems, cfg.WebSubHub, tt.items, tt.hub)
			}
		})
	}
}

func TestInvalidFeedSettings(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"negative feed items", nil, []string{"serve", "--site", dir, "--feed-items", "-1"}, "feed-items -1"},
		{"feed items not a number", map[string]string{"BLOGBRIDGE_FEED_ITEMS": "ten"}, []string{"serve", "--site", dir}, "BLOGBRIDGE_FEED_ITEMS"},
		{"relative hub", nil, []string{"serve", "--site", dir, "--websub-hub", "/hub"}, "websub-hub"},
		{"hub of another scheme", nil, []string{"serve", "--site", dir, "--websub-hub", "ftp://hub.example/"}, "websub-hub"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, _, errOut := runCmd(t, tt.args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q lacks %q", errOut, tt.want)
			}
		})
	}
}

// TestFeedsWiring builds the handler as serve does: feeds in front of the
// website, pages advertising their feeds.
func TestFeedsWiring(t *testing.T) {
	snap, err := content.Load(context.Background(), content.Options{SiteDir: "../../example"})
	if err != nil {
		t.Fatal(err)
	}
	current := func() *content.Snapshot { return snap }
	f := feeds.New(feeds.Options{Snapshot: current, Items: feedItems(0)})
	h := f.Wrap(site.NewHandler(site.Options{Snapshot: current, HeadLinks: feedHeadLinks(f)}))
	get := func(path string) (*http.Response, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Result(), w.Body.String()
	}

	resp, body := get("/tags/operations/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/tags/operations/: status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`href="http://localhost:8080/tags/operations/index.xml"`,
		`href="http://localhost:8080/tags/operations/atom.xml"`,
		`href="http://localhost:8080/tags/operations/feed.json"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/tags/operations/ does not advertise %s", want)
		}
	}
	resp, body = get("/index.xml")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/rss+xml") {
		t.Fatalf("/index.xml: status %d, type %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if n, want := strings.Count(body, "<item>"), len(snap.DefaultSite().Pages); n != want {
		t.Errorf("feed-items 0 gave %d items, want every page (%d)", n, want)
	}
}
