package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/store"
)

func TestDeliversSignedOncePerInbox(t *testing.T) {
	srv := newInboxServer(t, nil)
	other := newInboxServer(t, nil)
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{})
	stop := start(t, q)

	inboxes := []string{srv.URL + "/inbox", srv.URL + "/users/a/inbox", other.URL + "/inbox", srv.URL + "/inbox", other.URL + "/inbox"}
	a := activity("https://blog.example/a/1", "Create", "https://blog.example/p/1")
	if err := q.Enqueue(t.Context(), a, inboxes); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "three deliveries", func() bool {
		return len(srv.requests())+len(other.requests()) >= 3
	})
	waitFor(t, 5*time.Second, "an empty queue", func() bool { return queueStats(t, q).Unfinished() == 0 })
	time.Sleep(50 * time.Millisecond) // room for a duplicate to show
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	srv.checkSignatures(t)
	other.checkSignatures(t)
	for _, c := range []struct {
		srv  *inboxServer
		path string
	}{{srv, "/inbox"}, {srv, "/users/a/inbox"}, {other, "/inbox"}} {
		if n := c.srv.accepted(c.path); n != 1 {
			t.Errorf("%s%s got %d requests, want 1", c.srv.URL, c.path, n)
		}
	}
	for _, g := range append(srv.requests(), other.requests()...) {
		if g.activity != a.ID || g.kind != "Create" {
			t.Errorf("received %+v", g)
		}
	}

	var m bytes.Buffer
	if err := q.WriteMetrics(&m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"blogbridge_delivery_enqueued_total 3\n",
		`blogbridge_delivery_finished_total{outcome="delivered"} 3` + "\n",
		`blogbridge_delivery_finished_total{outcome="failed"} 0` + "\n",
		"blogbridge_delivery_queue_depth 0\n",
		"blogbridge_delivery_request_duration_seconds_count 3\n",
		`blogbridge_delivery_latency_seconds_bucket{le="+Inf"} 3` + "\n",
		"# TYPE blogbridge_delivery_latency_seconds histogram\n",
	} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, m.String())
		}
	}
}

// TestConnectionClose checks when a request asks to close its connection:
// a single delivery (an Accept) keeps it, since its server is talking to
// us; a fan-out's last request to a server closes it.
func TestConnectionClose(t *testing.T) {
	srv := newInboxServer(t, nil)
	other := newInboxServer(t, nil)
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{})
	start(t, q)

	for i := range 3 {
		a := activity(fmt.Sprintf("https://blog.example/actor#accepts/%d", i), "Accept", "https://remote.example/follows/1")
		if err := q.Enqueue(t.Context(), a, []string{srv.URL + "/users/a/inbox"}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the Accept", func() bool { return len(srv.requests()) == i+1 })
		waitFor(t, 5*time.Second, "an empty queue", func() bool { return queueStats(t, q).Unfinished() == 0 })
	}
	post := activity("https://blog.example/a/1", "Create", "https://blog.example/p/1")
	if err := q.Enqueue(t.Context(), post, []string{srv.URL + "/inbox", other.URL + "/inbox"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the Create", func() bool { return len(srv.requests()) == 4 && len(other.requests()) == 1 })

	for _, g := range append(srv.requests(), other.requests()...) {
		if want := g.kind == "Create"; g.close != want {
			t.Errorf("%s to %s: Connection: close is %v, want %v", g.kind, g.path, g.close, want)
		}
	}
}

func TestRetriesUntilSuccess(t *testing.T) {
	srv := newInboxServer(t, func(_ *http.Request, n int) (int, http.Header) {
		if n <= 2 {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusAccepted, nil
	})
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{})
	start(t, q)
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), []string{srv.URL + "/inbox"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the delivery", func() bool { return srv.accepted("/inbox") == 1 })
	waitFor(t, 5*time.Second, "an empty queue", func() bool { return queueStats(t, q).Unfinished() == 0 })
	if got := len(srv.requests()); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
	if got := q.metrics.retried.Load(); got != 2 {
		t.Errorf("retried = %d, want 2", got)
	}
	srv.checkSignatures(t)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
	}{
		{"429", http.StatusTooManyRequests},
		{"503", http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newInboxServer(t, func(_ *http.Request, n int) (int, http.Header) {
				if n == 1 {
					return tc.status, http.Header{"Retry-After": {"1"}}
				}
				return http.StatusAccepted, nil
			})
			st := openStore(t, t.TempDir())
			// Without Retry-After the retry would come an hour later.
			q := newTestQueue(t, st, Options{BackoffBase: time.Hour, BackoffMax: time.Hour})
			start(t, q)
			if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), []string{srv.URL + "/inbox"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the retry", func() bool { return len(srv.requests()) == 2 })
			got := srv.requests()
			gap := got[1].at.Sub(got[0].at)
			if gap < 990*time.Millisecond || gap > 3*time.Second {
				t.Errorf("retried after %v, want about 1s", gap)
			}
		})
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, value string
		want        time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.value, now); got != tc.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	q := &Queue{opts: Options{BackoffBase: time.Minute, BackoffMax: time.Hour}}
	for _, tc := range []struct {
		name    string
		attempt int
		base    time.Duration
	}{
		{"first", 1, time.Minute},
		{"second", 2, 2 * time.Minute},
		{"fifth", 5, 16 * time.Minute},
		{"capped", 8, time.Hour},
		{"far", 60, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := make(map[time.Duration]bool)
			for range 50 {
				d := q.backoff(tc.attempt)
				if d < tc.base*4/5 || d > tc.base*6/5 {
					t.Fatalf("backoff(%d) = %v, want %v give or take a fifth", tc.attempt, d, tc.base)
				}
				seen[d] = true
			}
			if len(seen) < 10 {
				t.Errorf("backoff(%d) has little jitter: %d values in 50", tc.attempt, len(seen))
			}
		})
	}
}

func TestGoneCallsOnGone(t *testing.T) {
	srv := newInboxServer(t, func(r *http.Request, _ int) (int, http.Header) {
		if r.URL.Path == "/gone" {
			return http.StatusGone, nil
		}
		return http.StatusAccepted, nil
	})
	st := openStore(t, t.TempDir())
	var mu sync.Mutex
	var gone []string
	q := newTestQueue(t, st, Options{OnGone: func(_ context.Context, inbox string) {
		mu.Lock()
		gone = append(gone, inbox)
		mu.Unlock()
	}})
	stop := start(t, q)
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), []string{srv.URL + "/gone", srv.URL + "/here"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "an empty queue", func() bool {
		return len(srv.requests()) == 2 && queueStats(t, q).Unfinished() == 0
	})
	time.Sleep(50 * time.Millisecond)
	stop()
	mu.Lock()
	defer mu.Unlock()
	if len(gone) != 1 || gone[0] != srv.URL+"/gone" {
		t.Errorf("OnGone called with %q", gone)
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (no retry of a 410)", n)
	}
	if got := q.metrics.gone.Load(); got != 1 {
		t.Errorf("gone = %d", got)
	}
	if st := queueStats(t, q); st.Failed != 0 {
		t.Errorf("a 410 was kept as failed: %+v", st)
	}
}

func TestClientErrorsAreDropped(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := newInboxServer(t, func(*http.Request, int) (int, http.Header) { return status, nil })
			st := openStore(t, t.TempDir())
			q := newTestQueue(t, st, Options{})
			stop := start(t, q)
			if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), []string{srv.URL + "/inbox"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "an empty queue", func() bool {
				return len(srv.requests()) == 1 && queueStats(t, q).Unfinished() == 0
			})
			time.Sleep(60 * time.Millisecond) // longer than the back-off
			stop()
			if n := len(srv.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if got := q.metrics.rejected.Load(); got != 1 {
				t.Errorf("rejected = %d", got)
			}
		})
	}
}

func TestOrderPerInboxUnderRetries(t *testing.T) {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	srv := newInboxServer(t, func(*http.Request, int) (int, http.Header) {
		mu.Lock()
		defer mu.Unlock()
		if rng.IntN(10) < 4 {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusAccepted, nil
	})
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{BackoffBase: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond, BreakerFailures: 1000})
	start(t, q)
	var inboxes []string
	for i := range 8 {
		inboxes = append(inboxes, fmt.Sprintf("%s/users/%d/inbox", srv.URL, i))
	}
	post, other := "https://blog.example/p/1", "https://blog.example/p/2"
	for _, a := range []Activity{
		activity("https://blog.example/a/create", "Create", post),
		activity("https://blog.example/a/other", "Create", other),
		activity("https://blog.example/a/update", "Update", post),
		activity("https://blog.example/a/delete", "Delete", post),
	} {
		if err := q.Enqueue(t.Context(), a, inboxes); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 20*time.Second, "every activity to every inbox", func() bool {
		for i := range inboxes {
			if srv.accepted(fmt.Sprintf("/users/%d/inbox", i)) < 4 {
				return false
			}
		}
		return true
	})
	rank := map[string]int{"https://blog.example/a/create": 0, "https://blog.example/a/update": 1, "https://blog.example/a/delete": 2}
	retried := 0
	for i := range inboxes {
		path := fmt.Sprintf("/users/%d/inbox", i)
		last := 0
		var seq []string
		for _, g := range srv.requests() {
			if g.path != path || g.activity == "https://blog.example/a/other" {
				continue
			}
			seq = append(seq, g.kind+"/"+fmt.Sprint(g.status))
			if g.status >= 300 {
				retried++
			}
			if rank[g.activity] < last {
				t.Errorf("%s: %s overtook: %v", path, g.kind, seq)
			}
			last = rank[g.activity]
		}
	}
	if retried == 0 {
		t.Error("no retries: the test proves nothing")
	}
	srv.checkSignatures(t)
}

func TestGivesUpAfterMaxAge(t *testing.T) {
	srv := newInboxServer(t, func(*http.Request, int) (int, http.Header) { return http.StatusBadGateway, nil })
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{MaxAge: 300 * time.Millisecond, BackoffBase: 30 * time.Millisecond, BackoffMax: 60 * time.Millisecond, BreakerFailures: 1000})
	start(t, q)
	a := activity("https://blog.example/a/1", "Create", "https://blog.example/p/1")
	if err := q.Enqueue(t.Context(), a, []string{srv.URL + "/inbox"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the job to fail", func() bool { return queueStats(t, q).Failed == 1 })
	n := len(srv.requests())
	time.Sleep(200 * time.Millisecond)
	if m := len(srv.requests()); m != n {
		t.Errorf("%d requests after giving up", m-n)
	}
	if n < 3 {
		t.Errorf("only %d attempts in 300ms with a 30ms back-off", n)
	}
	stats := queueStats(t, q)
	if stats.Unfinished() != 0 || len(stats.RecentFailures) != 1 {
		t.Fatalf("stats = %+v", stats)
	}
	f := stats.RecentFailures[0]
	if f.Inbox != srv.URL+"/inbox" || f.ActivityID != a.ID || !strings.Contains(f.Error, "502") || f.Attempts != n {
		t.Errorf("failure = %+v (after %d requests)", f, n)
	}
	if len(stats.Hosts) != 1 || stats.Hosts[0].Failed != 1 {
		t.Errorf("hosts = %+v", stats.Hosts)
	}
	if got := q.metrics.failed.Load(); got != 1 {
		t.Errorf("failed = %d", got)
	}
}

// TestFailingHostGetsOneSlot checks that a server whose last request
// failed has one request in flight at a time until it answers again, and
// PerHost once it does.
func TestFailingHostGetsOneSlot(t *testing.T) {
	var (
		mu             sync.Mutex
		inFlight, most int
		failing        = true
		mostFailing    int // most in flight among requests begun while failing, after the first failure
		failedOnce     bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if failing && failedOnce {
			mostFailing = max(mostFailing, inFlight)
		}
		fail := failing
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		if fail {
			failedOnce = true
		}
		mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{PerHost: 4, BreakerFailures: 1000, BackoffBase: 10 * time.Millisecond, BackoffMax: 10 * time.Millisecond})
	start(t, q)
	var inboxes []string
	for i := range 12 {
		inboxes = append(inboxes, fmt.Sprintf("%s/users/%d/inbox", srv.URL, i))
	}
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), inboxes); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	failing = false
	mu.Unlock()
	waitFor(t, 5*time.Second, "every delivery", func() bool { return queueStats(t, q).Unfinished() == 0 })
	mu.Lock()
	defer mu.Unlock()
	if mostFailing != 1 {
		t.Errorf("%d requests in flight at once to a failing server, want 1", mostFailing)
	}
	if most < 2 {
		t.Errorf("at most %d requests in flight at once, want up to PerHost (4) when the server answers", most)
	}
}

func TestBreakerParksAndReleases(t *testing.T) {
	var up atomic.Bool
	down := newInboxServer(t, func(*http.Request, int) (int, http.Header) {
		if up.Load() {
			return http.StatusAccepted, nil
		}
		return http.StatusServiceUnavailable, nil
	})
	healthy := newInboxServer(t, nil)
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{PerHost: 1, BreakerFailures: 2, BackoffBase: 300 * time.Millisecond, BackoffMax: 300 * time.Millisecond})
	start(t, q)
	var inboxes []string
	for i := range 10 {
		inboxes = append(inboxes, fmt.Sprintf("%s/users/%d/inbox", down.URL, i), fmt.Sprintf("%s/users/%d/inbox", healthy.URL, i))
	}
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), inboxes); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the down host's jobs to be parked", func() bool {
		st := queueStats(t, q)
		return st.Parked == 10
	})
	if n := len(down.requests()); n > 4 {
		t.Errorf("%d requests to the down host before its jobs were parked; want 2, a probe or two at most", n)
	}
	waitFor(t, 5*time.Second, "the healthy host's deliveries", func() bool { return len(healthy.requests()) == 10 })

	// The probes keep failing while the host is down; no other job is tried.
	time.Sleep(700 * time.Millisecond)
	before := len(down.requests())
	if before > 6 {
		t.Errorf("%d requests to a parked host in a second", before)
	}
	if st := queueStats(t, q); st.Parked != 10 || len(st.Hosts) == 0 || st.Hosts[0].LastError == "" {
		t.Errorf("stats while down = %+v", st)
	}

	up.Store(true)
	waitFor(t, 5*time.Second, "every delivery after the host came back", func() bool {
		for i := range 10 {
			if down.accepted(fmt.Sprintf("/users/%d/inbox", i)) != 1 {
				return false
			}
		}
		return queueStats(t, q).Unfinished() == 0
	})
	if n := len(down.requests()) - before; n != 10 {
		t.Errorf("%d requests after the host came back, want 10", n)
	}
	down.checkSignatures(t)
}

func TestRunDrains(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hold     time.Duration // how long the inbox takes to answer
		drain    time.Duration
		min, max time.Duration // how long Run may take to return
		// delivered: the request finished and its outcome was written.
		delivered bool
	}{
		{"request finishes within the deadline", 300 * time.Millisecond, 5 * time.Second, 250 * time.Millisecond, 2 * time.Second, true},
		{"deadline cuts the request", 10 * time.Second, 300 * time.Millisecond, 250 * time.Millisecond, 2 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			srv := newInboxServer(t, func(r *http.Request, _ int) (int, http.Header) {
				arrived <- struct{}{}
				select {
				case <-time.After(tc.hold):
				case <-r.Context().Done():
				}
				return http.StatusAccepted, nil
			})
			st := openStore(t, t.TempDir())
			q := newTestQueue(t, st, Options{DrainTimeout: tc.drain})
			stop := start(t, q)
			if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), []string{srv.URL + "/inbox"}); err != nil {
				t.Fatal(err)
			}
			<-arrived
			began := time.Now()
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(began); took < tc.min || took > tc.max {
				t.Errorf("Run took %v to return, want %v to %v", took, tc.min, tc.max)
			}
			stats := queueStats(t, q)
			if tc.delivered && (stats.Unfinished() != 0 || q.metrics.delivered.Load() != 1) {
				t.Errorf("finished request not recorded: %+v", stats)
			}
			if !tc.delivered && stats.Pending != 1 {
				t.Errorf("cut-off job not kept: %+v", stats)
			}
		})
	}
}

func TestRestartResumes(t *testing.T) {
	var servers []*inboxServer
	for range 10 {
		servers = append(servers, newInboxServer(t, func(*http.Request, int) (int, http.Header) {
			time.Sleep(2 * time.Millisecond)
			return http.StatusAccepted, nil
		}))
	}
	var inboxes []string
	for i := range 300 {
		inboxes = append(inboxes, fmt.Sprintf("%s/users/%d/inbox", servers[i%10].URL, i))
	}
	total := func() int {
		n := 0
		for _, s := range servers {
			n += len(s.requests())
		}
		return n
	}
	dir := t.TempDir()
	st := openStore(t, dir)
	q := newTestQueue(t, st, Options{Workers: 4, PerHost: 1})
	stop := start(t, q)
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), inboxes); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "some deliveries", func() bool { return total() >= 50 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	first := total()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if first >= len(inboxes) {
		t.Fatalf("all %d delivered before the stop: the test proves nothing", first)
	}

	st = openStore(t, dir)
	q = newTestQueue(t, st, Options{Workers: 4, PerHost: 1})
	start(t, q)
	waitFor(t, 20*time.Second, "every inbox", func() bool { return queueStats(t, q).Unfinished() == 0 })
	dups := 0
	for i, in := range inboxes {
		n := servers[i%10].accepted(strings.TrimPrefix(in, servers[i%10].URL))
		if n == 0 {
			t.Errorf("%s got nothing", in)
		}
		dups += max(n-1, 0)
	}
	t.Logf("%d delivered before the stop, %d duplicates", first, dups)
	if dups > 0 {
		t.Errorf("%d duplicates after a clean stop", dups)
	}
}

// childEnv names the store folder of a child process that runs a queue
// until it is killed.
const childEnv = "BLOGBRIDGE_DELIVERY_TEST_CHILD"

func TestKillResumes(t *testing.T) {
	if dir := os.Getenv(childEnv); dir != "" {
		runChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	var servers []*inboxServer
	for range 20 {
		servers = append(servers, newInboxServer(t, func(*http.Request, int) (int, http.Header) {
			time.Sleep(time.Millisecond)
			return http.StatusAccepted, nil
		}))
	}
	const n = 2000
	var inboxes []string
	for i := range n {
		inboxes = append(inboxes, fmt.Sprintf("%s/users/%d/inbox", servers[i%len(servers)].URL, i))
	}
	total := func() int {
		c := 0
		for _, s := range servers {
			c += len(s.requests())
		}
		return c
	}
	dir := t.TempDir()
	st := openStore(t, dir)
	q := newTestQueue(t, st, Options{})
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), inboxes); err != nil {
		t.Fatal(err)
	}
	st.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillResumes$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the child to deliver some", func() bool { return total() >= n/4 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	before := total()
	if before >= n {
		t.Fatalf("the child delivered all %d before it was killed: the test proves nothing", before)
	}

	st = openStore(t, dir)
	q = newTestQueue(t, st, Options{})
	start(t, q)
	waitFor(t, 60*time.Second, "every inbox", func() bool { return queueStats(t, q).Unfinished() == 0 })
	dups, missing := 0, 0
	for i, in := range inboxes {
		s := servers[i%len(servers)]
		switch c := s.accepted(strings.TrimPrefix(in, s.URL)); {
		case c == 0:
			missing++
		case c > 1:
			dups += c - 1
		}
	}
	t.Logf("killed after %d deliveries; %d duplicates after the restart", before, dups)
	if missing > 0 {
		t.Errorf("%d inboxes got nothing", missing)
	}
	// Only requests in flight at the kill may be made again.
	if limit := defaultWorkers + runtime.GOMAXPROCS(0); dups > limit {
		t.Errorf("%d duplicates, more than the %d requests that can be in flight", dups, limit)
	}
}

// runChild runs a queue over the store in dir until the process is killed.
func runChild(dir string) {
	st, err := store.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	q, err := New(Options{
		Store:  st,
		Client: newClient(),
		KeyID:  testKeyID,
		Key:    testKey(),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	q.Run(context.Background())
	os.Exit(0)
}

func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("queues 100,000 jobs")
	}
	release := make(chan struct{})
	var servers []*inboxServer
	for range 10 {
		servers = append(servers, newInboxServer(t, func(r *http.Request, _ int) (int, http.Header) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return http.StatusAccepted, nil
		}))
	}
	defer close(release)
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{Workers: 8, DrainTimeout: 100 * time.Millisecond})
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	inboxes := make([]string, 100000)
	for i := range inboxes {
		inboxes[i] = fmt.Sprintf("%s/users/%d/inbox", servers[i%len(servers)].URL, i)
	}
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), inboxes); err != nil {
		t.Fatal(err)
	}
	inboxes = nil
	t.Logf("heap after queuing: %+d KB", (int64(heap())-int64(base))>>10)
	stop := start(t, q)
	waitFor(t, 10*time.Second, "requests in flight", func() bool { return q.inPipe.Load() >= 8 })
	time.Sleep(200 * time.Millisecond)
	during := heap()
	stop()
	grew := int64(during) - int64(base)
	t.Logf("heap while running: %+d KB", grew>>10)
	// 100,000 jobs held in memory would take tens of megabytes.
	if grew > 8<<20 {
		t.Errorf("heap grew by %d MB while 100,000 jobs were queued", grew>>20)
	}
}

func TestBusyHostDoesNotHoldUpOthers(t *testing.T) {
	slow := newInboxServer(t, func(*http.Request, int) (int, http.Header) {
		time.Sleep(3 * time.Millisecond)
		return http.StatusAccepted, nil
	})
	fast := newInboxServer(t, nil)
	st := openStore(t, t.TempDir())
	// A window of 64 holds at most 16 jobs of one host.
	q := newTestQueue(t, st, Options{Window: 64, PerHost: 2})
	start(t, q)
	var slowInboxes, fastInboxes []string
	for i := range 400 {
		slowInboxes = append(slowInboxes, fmt.Sprintf("%s/users/%d/inbox", slow.URL, i))
	}
	for i := range 40 {
		fastInboxes = append(fastInboxes, fmt.Sprintf("%s/users/%d/inbox", fast.URL, i))
	}
	// The slow host's jobs are queued first, all of them ahead of the
	// fast host's.
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/1", "Create", "https://blog.example/p/1"), slowInboxes); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(t.Context(), activity("https://blog.example/a/2", "Create", "https://blog.example/p/2"), fastInboxes); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the fast host's deliveries", func() bool { return len(fast.requests()) == len(fastInboxes) })
	if n := len(slow.requests()); n > len(slowInboxes)/2 {
		t.Errorf("the fast host waited for %d of the slow host's %d deliveries", n, len(slowInboxes))
	}
	waitFor(t, 20*time.Second, "every delivery", func() bool { return queueStats(t, q).Unfinished() == 0 })
	for i := range slowInboxes {
		if n := slow.accepted(fmt.Sprintf("/users/%d/inbox", i)); n != 1 {
			t.Errorf("slow inbox %d got %d requests", i, n)
		}
	}
	for i := range fastInboxes {
		if n := fast.accepted(fmt.Sprintf("/users/%d/inbox", i)); n != 1 {
			t.Errorf("fast inbox %d got %d requests", i, n)
		}
	}
}

// logBuffer collects log output safely.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLargeFanOutLogsProgress(t *testing.T) {
	var servers []*inboxServer
	for range 3 {
		servers = append(servers, newInboxServer(t, func(*http.Request, int) (int, http.Header) {
			time.Sleep(2 * time.Millisecond)
			return http.StatusAccepted, nil
		}))
	}
	var inboxes []string
	for i := range 150 {
		inboxes = append(inboxes, fmt.Sprintf("%s/users/%d/inbox", servers[i%3].URL, i))
	}
	var logs logBuffer
	st := openStore(t, t.TempDir())
	q := newTestQueue(t, st, Options{PerHost: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	q.progressEvery = 20 * time.Millisecond
	stop := start(t, q)
	a := activity("https://blog.example/a/1", "Create", "https://blog.example/p/1")
	if err := q.Enqueue(t.Context(), a, inboxes); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "every delivery", func() bool { return queueStats(t, q).Unfinished() == 0 })
	stop()
	out := logs.String()
	if !strings.Contains(out, `msg="delivery progress" activity=`+a.ID+" done=") || !strings.Contains(out, "total=150") {
		t.Errorf("no progress logged:\n%s", out)
	}
	if !strings.Contains(out, `msg="delivery finished" activity=`+a.ID+" total=150 delivered=150 gone=0 rejected=0 failed=0") {
		t.Errorf("no end logged:\n%s", out)
	}
}
