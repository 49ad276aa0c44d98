package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fedifyObject is what read.mjs reports about a post.
type fedifyObject struct {
	ID, Type, Name, Summary, URL, AttributedTo, Published, ContentLanguage string
	HasContent, Sensitive                                                  bool
	To, Cc                                                                 []string
	Tags                                                                   []struct{ Type, Name, Href string }
	Attachments                                                            []struct {
		Type, URL, MediaType, Name string
		Width, Height              int
	}
}

type fedifyReport struct {
	Subject, SubjectAgain, Self string
	Actor                       struct {
		ID, Type, PreferredUsername, Name, Inbox, Outbox, Followers, Featured, SharedInbox string
		ManuallyApprovesFollowers, Discoverable, Indexable                                 bool
		Key                                                                                struct{ ID, Owner, Algorithm string }
	}
	Outbox struct {
		TotalItems int
		Items      []fedifyObject
	}
	ByID, ByPermalink fedifyObject
	Featured          []string
}

// TestFedifyReadsBlogbridge starts blogbridge on the example site behind a
// TLS proxy on loopback, as it runs in production, and has Fedify find the
// actor by its handle, read its key, walk its outbox and fetch a post by id
// and by its permalink.
func TestFedifyReadsBlogbridge(t *testing.T) {
	node, err := exec.LookPath("node")
	need(t, "node", err)
	_, err = os.Stat("node_modules/@fedify/fedify/package.json")
	need(t, "Fedify (run npm ci in interop/)", err)

	backend := freeAddr(t)
	backendURL := &url.URL{Scheme: "http", Host: backend}
	front := httptest.NewTLSServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backendURL)
		r.Out.Host = r.In.Host
		r.SetXForwarded()
	}})
	defer front.Close()
	base := front.URL + "/"
	host := strings.TrimPrefix(front.URL, "https://")
	startBlogbridge(t, backend, base)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	permalink := base + "posts/stream-days-lisbon-2025/"
	read := exec.CommandContext(ctx, node, "read.mjs", "blog@"+host, permalink)
	read.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+caFile)
	var stderr bytes.Buffer
	read.Stderr = &stderr
	out, err := read.Output()
	if err != nil {
		t.Fatalf("read.mjs: %v\n%s", err, stderr.String())
	}
	t.Logf("Fedify read:\n%s", out)
	var rep fedifyReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("read.mjs output: %v\n%s", err, out)
	}

	actor := base + "ap/actor"
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("WebFinger subject", rep.Subject, "acct:blog@"+host)
	check("WebFinger subject asked again", rep.SubjectAgain, rep.Subject)
	check("WebFinger self link", rep.Self, actor)
	a := rep.Actor
	check("actor id", a.ID, actor)
	check("actor type", a.Type, "Person")
	check("preferredUsername", a.PreferredUsername, "blog")
	check("name", a.Name, "Field Notes")
	check("inbox", a.Inbox, base+"ap/inbox")
	check("outbox", a.Outbox, base+"ap/outbox")
	check("followers", a.Followers, base+"ap/followers")
	check("featured", a.Featured, base+"ap/featured")
	check("sharedInbox", a.SharedInbox, base+"ap/shared-inbox")
	check("discoverable", a.Discoverable, true)
	check("indexable", a.Indexable, true)
	check("key id", a.Key.ID, actor+"#main-key")
	check("key owner", a.Key.Owner, actor)
	check("key algorithm", a.Key.Algorithm, "RSASSA-PKCS1-v1_5")

	items := rep.Outbox.Items
	if len(items) == 0 || len(items) != rep.Outbox.TotalItems {
		t.Fatalf("outbox: %d items read, totalItems %d", len(items), rep.Outbox.TotalItems)
	}
	var sawNote, sawImages bool
	for _, o := range items {
		if o.Type != "Article" && o.Type != "Note" {
			t.Errorf("%s: type %s", o.URL, o.Type)
		}
		if !strings.HasPrefix(o.ID, base+"ap/posts/") || !strings.HasPrefix(o.URL, base) {
			t.Errorf("%s: id %s", o.URL, o.ID)
		}
		check(o.URL+" attributedTo", o.AttributedTo, actor)
		check(o.URL+" to", o.To, []string{"https://www.w3.org/ns/activitystreams#Public"})
		check(o.URL+" cc", o.Cc, []string{base + "ap/followers"})
		check(o.URL+" language", o.ContentLanguage, "en")
		if o.Published == "" || !o.HasContent {
			t.Errorf("%s: published %q, content %v", o.URL, o.Published, o.HasContent)
		}
		if o.Type == "Article" && (o.Name == "" || o.Summary == "") {
			t.Errorf("%s: Article without name or summary", o.URL)
		}
		for _, tag := range o.Tags {
			if tag.Type != "Hashtag" || !strings.HasPrefix(tag.Name, "#") || !strings.HasPrefix(tag.Href, base+"tags/") {
				t.Errorf("%s: tag %+v", o.URL, tag)
			}
		}
		if o.Type == "Note" && o.URL == base+"posts/hello-fediverse/" {
			sawNote = true
			if !slices.Contains(rep.Featured, o.ID) {
				t.Errorf("pinned note %s not in featured %v", o.ID, rep.Featured)
			}
		}
		if o.URL == permalink {
			sawImages = len(o.Attachments) >= 4
			for _, img := range o.Attachments {
				if img.Type != "Image" || img.MediaType != "image/jpeg" || img.Width <= 0 || img.Height <= 0 {
					t.Errorf("attachment %+v", img)
				}
			}
		}
	}
	if !sawNote {
		t.Error("the pinned Note is not in the outbox")
	}
	if !sawImages {
		t.Errorf("%s: fewer than four image attachments", permalink)
	}
	check("object by id", rep.ByID.ID, items[0].ID)
	check("object by permalink: url", rep.ByPermalink.URL, permalink)
	if !strings.HasPrefix(rep.ByPermalink.ID, base+"ap/posts/") {
		t.Errorf("object by permalink: id %s", rep.ByPermalink.ID)
	}
}
