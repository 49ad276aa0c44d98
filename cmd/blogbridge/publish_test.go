package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
	"github.com/blogbridge/blogbridge/internal/loopback"
)

// liveServe is blogbridge serve running in the test on a copy of the
// example site.
type liveServe struct {
	url  string // base URL, ending in /
	site string // the site's folder
	data string
	stop func() int
}

// startServe runs serve on a copy of the example site (or on site when
// given) with a fresh data folder, on a free loopback port, and waits
// until it answers.
func startServe(t testing.TB, site, data string, args ...string) *liveServe {
	t.Helper()
	if site == "" {
		site = filepath.Join(t.TempDir(), "site")
		if err := os.CopyFS(site, os.DirFS("../../example")); err != nil {
			t.Fatal(err)
		}
	}
	if data == "" {
		data = t.TempDir()
	}
	addr := freeAddr(t)
	base := "http://" + addr + "/"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	all := append([]string{"serve", "--site", site, "--data", data, "--addr", addr, "--base-url", base,
		"--allow-private-networks", "--log-level", "warn"}, args...)
	go func() {
		code := run(ctx, all, os.Stdout, os.Stderr)
		done <- code
	}()
	stop := sync.OnceValue(func() int { cancel(); return waitExit(t, done) })
	ls := &liveServe{url: base, site: site, data: data, stop: stop}
	for i := 0; ; i++ {
		resp, err := testClient.Get(base + "ap/actor")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before answering", code)
		default:
		}
		if i == 400 {
			ls.stop()
			t.Fatal("serve did not answer within 20s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { ls.stop() })
	return ls
}

// follow makes every actor of sim follow the blog and waits for the
// Accepts.
func (ls *liveServe) follow(t testing.TB, sim *fedisim.Sim) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, a := range sim.Actors() {
		status, err := sim.Send(ctx, a, ls.url+"ap/shared-inbox", sim.Follow(a, ls.url+"ap/actor"), fedisim.Cavage)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("follow by %s: %d %v", a.ID, status, err)
		}
	}
	n := len(sim.Actors())
	if err := sim.WaitFor(ctx, func(s fedisim.Stats) bool { return s.ByType["Accept"] >= n }); err != nil {
		t.Fatalf("accepts: %v (stats %+v)", err, sim.Stats())
	}
}

// writePost saves a post in the site's posts section.
func (ls *liveServe) writePost(t testing.TB, name, title, body string) {
	t.Helper()
	text := fmt.Sprintf("---\ntitle: %q\ndate: 2025-06-01T10:00:00Z\ntags: [testing]\n---\n\n%s\n", title, body)
	p := filepath.Join(ls.site, "content", "posts", name)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil { // as editors save
		t.Fatal(err)
	}
}

// waitType waits until sim's inboxes accepted n activities of type kind.
func waitType(t testing.TB, sim *fedisim.Sim, kind string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := sim.WaitFor(ctx, func(s fedisim.Stats) bool { return s.ByType[kind] >= n }); err != nil {
		t.Fatalf("waiting for %d %s: %v (stats %+v)", n, kind, err, sim.Stats())
	}
}

func TestPublishEndToEnd(t *testing.T) {
	sim, err := fedisim.Start(t.Context(), fedisim.Options{Servers: 2, ActorsPerServer: 2, Keys: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	metrics := freeAddr(t)
	ls := startServe(t, "", "", "--metrics-addr", metrics)
	ls.follow(t, sim)
	// The posts there before federation started were recorded, not sent.
	if st := sim.Stats(); st.ByType["Create"] != 0 {
		t.Fatalf("the archive was sent: %+v", st.ByType)
	}

	ls.writePost(t, "fresh.md", "Fresh post", "Brand new.")
	waitType(t, sim, "Create", 2) // one per server: the shared inboxes
	ls.writePost(t, "fresh.md", "Fresh post", "Brand new, and edited.")
	waitType(t, sim, "Update", 2)
	if err := os.Remove(filepath.Join(ls.site, "content", "posts", "fresh.md")); err != nil {
		t.Fatal(err)
	}
	waitType(t, sim, "Delete", 2)

	st := sim.Stats()
	if st.RejectedTotal != 0 || st.Duplicates != 0 {
		t.Fatalf("rejected or duplicated deliveries: %+v", st)
	}
	// Order per inbox: Create, Update, Delete; each once.
	byInbox := map[string][]string{}
	for _, d := range sim.Deliveries() {
		if d.Type != "Accept" {
			byInbox[d.Inbox] = append(byInbox[d.Inbox], d.Type)
		}
	}
	if len(byInbox) != 2 {
		t.Fatalf("deliveries went to %d inboxes, want the 2 shared inboxes: %v", len(byInbox), byInbox)
	}
	for inbox, types := range byInbox {
		if !slices.Equal(types, []string{"Create", "Update", "Delete"}) {
			t.Errorf("%s got %v", inbox, types)
		}
	}
	// The removed post answers 410 with a Tombstone.
	var gone string
	for _, d := range sim.Deliveries() {
		if d.Type == "Delete" {
			gone = d.Object
		}
	}
	resp, err := testClient.Get(gone)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("GET %s: %d, want 410", gone, resp.StatusCode)
	}
	// 4 Accepts, then a Create, an Update and a Delete to 2 shared inboxes;
	// a delivery is counted once its outcome is committed, soon after.
	const want = `blogbridge_delivery_finished_total{outcome="delivered"} 10`
	var text []byte
	for i := 0; i < 100 && !strings.Contains(string(text), want); i++ {
		time.Sleep(20 * time.Millisecond)
		resp, err := testClient.Get("http://" + metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		text, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !strings.Contains(string(text), want) {
		t.Errorf("metrics do not count 10 deliveries:\n%s", text)
	}
	if code := ls.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// TestAnnounce sends posts that were archived when federation started,
// through a running serve and, with serve stopped, at its next start.
func TestAnnounce(t *testing.T) {
	sim, err := fedisim.Start(t.Context(), fedisim.Options{Servers: 2, ActorsPerServer: 1, Keys: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ls := startServe(t, "", "")
	ls.follow(t, sim)

	code, out, errOut := runCmd(t, "announce", ls.url+"posts/hello-fediverse/", "--data", ls.data)
	if code != 0 || !strings.Contains(out, "queued") {
		t.Fatalf("announce through serve: exit %d\n%s%s", code, out, errOut)
	}
	waitType(t, sim, "Create", 2)
	for _, again := range []string{"/posts/hello-fediverse/", "/posts/no-such-post/"} {
		if code, _, errOut := runCmd(t, "announce", again, "--data", ls.data); code != 1 || !strings.Contains(errOut, "not an archived post") {
			t.Errorf("announce %s: exit %d, %s; want 1, not an archived post", again, code, errOut)
		}
	}
	if code := ls.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	code, out, errOut = runCmd(t, "announce", "/posts/go-http-server-timeouts/", "--data", ls.data)
	if code != 0 || !strings.Contains(out, "when serve starts") {
		t.Fatalf("announce with serve stopped: exit %d\n%s%s", code, out, errOut)
	}
	startServe(t, ls.site, ls.data)
	waitType(t, sim, "Create", 4)
	var objects []string
	for _, d := range sim.Deliveries() {
		if d.Type == "Create" {
			objects = append(objects, d.Object)
		}
	}
	slices.Sort(objects)
	if objects = slices.Compact(objects); len(objects) != 2 {
		t.Errorf("Creates of %d posts, want 2: %q", len(objects), objects)
	}
}

// waitExit waits for the exit code of a serve that was told to stop, at
// most a minute: serve drains within seconds, so a longer wait is a hang.
func waitExit(t testing.TB, done <-chan int) int {
	select {
	case code := <-done:
		return code
	case <-time.After(time.Minute):
		t.Error("serve did not stop within a minute of its context's end")
		return -1
	}
}

// testClient bounds every request a test makes to a server it started, so
// that a server that hangs fails the test instead of stalling the run.
var testClient = &http.Client{Timeout: 10 * time.Second}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// BenchmarkSaveToInbox measures the time from saving a new post to its
// Create arriving in a follower's inbox, through serve, the watcher, the
// ledger, the queue, signing and the simulated server's verification.
// It reports the median and the 99th percentile.
func BenchmarkSaveToInbox(b *testing.B) {
	sim, err := fedisim.Start(b.Context(), fedisim.Options{Keys: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	ls := startServe(b, "", "")
	ls.follow(b, sim)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		ls.writePost(b, "bench-"+strconv.Itoa(i)+".md", "Bench "+strconv.Itoa(i), "Text.")
		waitType(b, sim, "Create", i)
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "ms-p99")
}
