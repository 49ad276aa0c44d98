package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeBlock returns the first fenced block of language lang in the
// README's section on running next to Hugo, so the tests run the
// configurations as documented.
func readmeBlock(t *testing.T, lang string) string {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "### Next to an existing Hugo site")
	if !ok {
		t.Fatal("README has no section on running next to Hugo")
	}
	_, block, ok := strings.Cut(section, "```"+lang+"\n")
	if !ok {
		t.Fatalf("README's Hugo section has no %s block", lang)
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// hugoPublic writes a stand-in for Hugo's public/ folder, each file saying
// it came from Hugo.
func hugoPublic(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "public")
	for _, f := range []string{"index.html", "index.xml", "about/index.html", "posts/stream-days-lisbon-2025/index.html", ".well-known/security.txt"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("from hugo: "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The proxy may run as another user.
	for d := dir; d != "/" && d != filepath.Dir(d); d = filepath.Dir(d) {
		if strings.HasPrefix(d, os.TempDir()) && d != os.TempDir() {
			os.Chmod(d, 0o755)
		}
	}
	return dir
}

func TestSidecarNginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx, err = exec.LookPath("/usr/sbin/nginx")
	}
	need(t, "nginx", err)
	front, backend := freeAddr(t), freeAddr(t)
	public := hugoPublic(t)
	startBlogbridge(t, backend, "http://"+front+"/")

	conf := readmeBlock(t, "nginx")
	conf = strings.NewReplacer(
		"listen 443 ssl;", "listen "+front+";",
		"/srv/blog/public", public,
		"127.0.0.1:8080", backend,
	).Replace(conf)
	prefix := t.TempDir()
	os.Chmod(prefix, 0o755)
	full := fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    types { text/html html; application/xml xml; text/plain txt; }
    default_type application/octet-stream;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
%[2]s
}
`, prefix, conf)
	confFile := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(nginx, "-c", confFile, "-p", prefix, "-e", filepath.Join(prefix, "error.log"), "-g", "daemon off;")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			errs, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Logf("nginx:\n%s%s\nconfiguration:\n%s", logs.String(), errs, full)
		}
	})
	waitReady(t, "http://"+front+"/about/")
	checkSidecar(t, "http://"+front)
}

func TestSidecarCaddy(t *testing.T) {
	caddy, err := exec.LookPath("caddy")
	need(t, "caddy", err)
	front, backend := freeAddr(t), freeAddr(t)
	public := hugoPublic(t)
	startBlogbridge(t, backend, "http://"+front+"/")

	conf := readmeBlock(t, "caddy")
	conf = strings.NewReplacer(
		"blog.example {", "http://"+front+" {",
		"/srv/blog/public", public,
		"127.0.0.1:8080", backend,
	).Replace(conf)
	home := t.TempDir()
	full := "{\n\tadmin off\n}\n\n" + conf
	confFile := filepath.Join(home, "Caddyfile")
	if err := os.WriteFile(confFile, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(caddy, "run", "--config", confFile, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("caddy:\n%s\nconfiguration:\n%s", logs.String(), full)
		}
	})
	waitReady(t, "http://"+front+"/about/")
	checkSidecar(t, "http://"+front)
}

// checkSidecar checks which server answers what through the proxy at
// front: Hugo's files for browsers, blogbridge for discovery, ActivityPub
// and feeds.
func checkSidecar(t *testing.T, front string) {
	t.Helper()
	const ap = "application/activity+json"
	tests := []struct {
		name, path, accept string
		// hugo is the file Hugo's folder must answer with; otherwise
		// blogbridge answers with JSON of type typ, or contentType.
		hugo, typ, contentType string
	}{
		{name: "post page", path: "/posts/stream-days-lisbon-2025/", accept: "text/html", hugo: "posts/stream-days-lisbon-2025/index.html"},
		{name: "home page", path: "/", accept: "text/html,*/*;q=0.8", hugo: "index.html"},
		{name: "other page", path: "/about/", hugo: "about/index.html"},
		{name: "other well-known file", path: "/.well-known/security.txt", hugo: ".well-known/security.txt"},
		{name: "post as object", path: "/posts/stream-days-lisbon-2025/", accept: ap, typ: "Article"},
		{name: "post as ld+json", path: "/posts/stream-days-lisbon-2025/", accept: `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, typ: "Article"},
		{name: "home as actor", path: "/", accept: ap, typ: "Person"},
		{name: "actor", path: "/ap/actor", typ: "Person"},
		{name: "outbox", path: "/ap/outbox", typ: "OrderedCollection"},
		{name: "webfinger", path: "/.well-known/webfinger?resource=acct:blog@" + strings.TrimPrefix(front, "http://"), contentType: "application/jrd+json"},
		{name: "host-meta", path: "/.well-known/host-meta", contentType: "application/xrd+xml"},
		{name: "nodeinfo", path: "/.well-known/nodeinfo", contentType: "application/json"},
		{name: "nodeinfo 2.1", path: "/nodeinfo/2.1", contentType: "application/json"},
		{name: "site feed", path: "/index.xml", contentType: "application/rss+xml"},
		{name: "section atom", path: "/posts/atom.xml", contentType: "application/atom+xml"},
		{name: "json feed", path: "/feed.json", contentType: "application/feed+json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, front+tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			ct := resp.Header.Get("Content-Type")
			switch {
			case tt.hugo != "":
				if string(body) != "from hugo: "+tt.hugo {
					t.Errorf("got %.80q, want Hugo's %s", body, tt.hugo)
				}
				if strings.HasSuffix(tt.path, "/") && !strings.Contains(resp.Header.Get("Vary"), "Accept") {
					t.Errorf("Hugo's page lacks Vary: Accept")
				}
			case tt.typ != "":
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil || m["type"] != tt.typ || !strings.HasPrefix(ct, ap) {
					t.Errorf("got %s %.80q, want blogbridge's %s", ct, body, tt.typ)
				}
			default:
				if !strings.HasPrefix(ct, tt.contentType) || strings.HasPrefix(string(body), "from hugo") {
					t.Errorf("got %s %.80q, want blogbridge's %s", ct, body, tt.contentType)
				}
			}
		})
	}
}
