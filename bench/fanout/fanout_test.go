package main

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"
)

// TestCrashResumesDelivery kills serve with SIGKILL in the middle of a
// fan-out to 200 distinct inboxes, slowed down to two requests at a time,
// restarts it on the same data folder and checks that every inbox gets
// the post, that nothing was lost at the crash (each inbox had the post or
// a job in the store) and that only the deliveries in flight at the crash
// were sent twice.
func TestCrashResumesDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds blogbridge and runs it as a subprocess")
	}
	ctx, e := newTestEnv(t, 50*time.Second,
		options{scenario: "crash", servers: 20, actors: 10, workers: 2, perHost: 1, killAt: 0.5})
	res, err := crash(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if res.arrived >= res.inboxes || res.queued == 0 {
		t.Fatalf("the kill did not land in the middle of the fan-out: %d of %d inboxes had the post, %d jobs queued",
			res.arrived, res.inboxes, res.queued)
	}
	if res.lost != 0 {
		t.Errorf("%d inboxes neither had the post nor a job in the store after the crash", res.lost)
	}
	if res.missing != 0 {
		t.Errorf("%d of %d inboxes did not get the post after the restart", res.missing, res.inboxes)
	}
	if res.strayDuplicates != 0 {
		t.Errorf("%d of %d duplicates went to inboxes whose delivery was not in flight at the crash",
			res.strayDuplicates, res.duplicates)
	}
	if err := e.serve.stop(10 * time.Second); err != nil {
		t.Errorf("serve after the restart: %v", err)
	}
}

// TestInboxCrashLosesNoFollow kills serve with SIGKILL while 200 Follows
// arrive, restarts it, sends the unanswered Follows again and checks that
// every actor is a follower and got its Accept.
func TestInboxCrashLosesNoFollow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds blogbridge and runs it as a subprocess")
	}
	ctx, e := newTestEnv(t, 60*time.Second,
		options{scenario: "inbox-crash", servers: 20, actors: 10, killAt: 0.5, rate: 100})
	res, err := inboxCrash(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if res.resent == 0 {
		t.Fatalf("the kill did not land while Follows arrived: %d of %d answered", res.answered, res.follows)
	}
	if res.followers != res.follows || res.accepted != res.follows {
		t.Errorf("%d followers and %d Follows accepted, want %d of each", res.followers, res.accepted, res.follows)
	}
	if err := e.serve.stop(10 * time.Second); err != nil {
		t.Errorf("serve after the restart: %v", err)
	}
}

// newTestEnv prepares a run of the scenario o names, bounded by timeout,
// whose output the test logs at its end.
func newTestEnv(t *testing.T, timeout time.Duration, o options) (context.Context, *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	root, err := moduleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o.root = root
	i := slices.IndexFunc(scenarios(), func(sc scenario) bool { return sc.name == o.scenario })
	if i < 0 {
		t.Fatalf("no scenario %q", o.scenario)
	}
	var out bytes.Buffer
	e := &env{opts: o, sc: scenarios()[i], dir: t.TempDir(), out: &out, stderr: &out, report: newReport(&out)}
	t.Cleanup(func() {
		e.close()
		t.Logf("harness output:\n%s", out.String())
	})
	if err := e.prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx, e
}
