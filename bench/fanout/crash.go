package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blogbridge/blogbridge/delivery"
	"github.com/blogbridge/blogbridge/internal/fedisim"
	"github.com/blogbridge/blogbridge/store"
)

// crashResult is what the crash scenario found, for the report and the
// test.
type crashResult struct {
	inboxes int // followers' inboxes, all distinct
	// atKill is how many inboxes had the post when serve was killed;
	// arrived how many had it once the requests in flight had landed.
	atKill, arrived int
	// queued is how many jobs the store still held after the crash;
	// committed how many it had recorded as delivered.
	queued, committed int
	// unacknowledged are the inboxes that got the post before the crash
	// while the store still held their job: sending them again is
	// allowed. lost are those that neither got it nor were queued.
	unacknowledged, lost int
	// missing are the inboxes without the post after the restart;
	// duplicates those that got it twice; strayDuplicates those of them
	// that were not unacknowledged at the crash.
	missing, duplicates, strayDuplicates int
}

// runCrash kills serve with SIGKILL in the middle of a fan-out to
// distinct inboxes, looks at the queue it left, restarts it and checks
// every inbox gets the post, duplicates only where a request was in
// flight.
func runCrash(ctx context.Context, e *env) error {
	res, err := crash(ctx, e)
	if err != nil {
		return err
	}
	r := e.report
	r.check(res.lost == 0, "nothing lost at the crash: every inbox had the post or a job in the store (%d lost)", res.lost)
	r.check(res.missing == 0, "every inbox got the post after the restart: %d of %d", res.inboxes-res.missing, res.inboxes)
	r.check(res.strayDuplicates == 0, "duplicates only where the request was in flight at the crash: %d of %d duplicates elsewhere",
		res.strayDuplicates, res.duplicates)
	return e.stopServe()
}

// crash runs the crash scenario and returns its counts.
func crash(ctx context.Context, e *env) (crashResult, error) {
	var res crashResult
	if err := e.setUp(ctx, fedisim.FaultShares{}); err != nil {
		return res, err
	}
	n := e.opts.servers * e.opts.actors
	res.inboxes = n
	killAt := max(1, int(float64(n)*e.opts.killAt))
	var got atomic.Int64
	reached := make(chan struct{})
	var once sync.Once
	e.setOnDelivery(func(d fedisim.Delivery) {
		if d.Verified && d.Type == "Create" && !d.Duplicate && int(got.Add(1)) >= killAt {
			once.Do(func() { close(reached) })
		}
	})
	saved, err := e.writePost()
	if err != nil {
		return res, err
	}
	select {
	case <-reached:
	case <-e.serve.exited:
		return res, fmt.Errorf("serve exited before the kill: %v; its log:\n%s", e.serve.err, e.serve.logs.tail(20))
	case <-ctx.Done():
		return res, fmt.Errorf("waiting for %d inboxes to get the post: %w (stats %s)", killAt, ctx.Err(), statsLine(e.sim.Stats()))
	}
	peak, _ := e.serve.peakRSS()
	e.serve.kill()
	killed := time.Now()
	res.atKill = int(got.Load())
	e.setOnDelivery(nil)

	// Requests the kernel had taken before the process died may still
	// land: wait until the inboxes are quiet.
	if err := e.settle(ctx, 500*time.Millisecond); err != nil {
		return res, err
	}
	before := createsByInbox(e.sim.Deliveries())
	res.arrived = len(before)
	queued, qs, err := queuedInboxes(ctx, e.data)
	if err != nil {
		return res, err
	}
	res.queued = len(queued)
	for _, a := range qs.Activities {
		res.committed += a.Delivered
	}
	for _, a := range e.sim.Actors() {
		switch {
		case before[a.Inbox] > 0 && queued[a.Inbox]:
			res.unacknowledged++
		case before[a.Inbox] == 0 && !queued[a.Inbox]:
			res.lost++
		}
	}
	r := e.report
	r.line("killed", "kill -9 %s after saving, when %d of %d inboxes had the post (peak RSS %s)",
		round(killed.Sub(saved)), res.atKill, n, mib(peak))
	r.line("at the crash", "%d inboxes had the post; the store had %d recorded delivered and %d jobs still queued",
		res.arrived, res.committed, res.queued)
	r.line("in flight", "%d inboxes got the post while their job was still queued (sent again after the restart)", res.unacknowledged)

	restart := time.Now()
	if err := e.startServe(ctx); err != nil {
		return res, err
	}
	if err := e.waitCreates(ctx, n); err != nil {
		return res, err
	}
	if _, err := e.waitQueueEmpty(ctx, 200*time.Millisecond); err != nil {
		return res, err
	}
	after := createsByInbox(e.sim.Deliveries())
	ts := arrivals(e.sim.Deliveries())
	for _, a := range e.sim.Actors() {
		c := after[a.Inbox]
		if c == 0 {
			res.missing++
		}
		if c > 1 {
			res.duplicates++
			if before[a.Inbox] == 0 || !queued[a.Inbox] {
				res.strayDuplicates++
			}
		}
	}
	r.line("after the restart", "all %d inboxes had the post %s after the restart, %s after saving",
		len(ts), round(ts[len(ts)-1].Sub(restart)), round(ts[len(ts)-1].Sub(saved)))
	r.line("duplicates", "%d inboxes got the Create twice (simulator's count: %d)", res.duplicates, e.sim.Stats().Duplicates)
	e.peakRSS()
	return res, nil
}

// settle waits until the simulator has received nothing for quiet.
func (e *env) settle(ctx context.Context, quiet time.Duration) error {
	last := e.sim.Stats().Received
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(quiet):
		}
		now := e.sim.Stats().Received
		if now == last {
			return nil
		}
		last = now
	}
}

// queuedInboxes opens the data folder of a stopped serve and returns the
// inboxes with a job still in the queue, and the queue's counts.
func queuedInboxes(ctx context.Context, data string) (map[string]bool, delivery.Stats, error) {
	st, err := store.Open(data)
	if err != nil {
		return nil, delivery.Stats{}, err
	}
	defer st.Close()
	queued := make(map[string]bool)
	all := func(uint64, string) bool { return true }
	for from := uint64(0); ; {
		jobs, next, end, err := st.ReadyJobs(ctx, from, 4096, all)
		if err != nil {
			return nil, delivery.Stats{}, err
		}
		for _, j := range jobs {
			queued[j.Inbox] = true
		}
		if end {
			break
		}
		from = next
	}
	waiting, _, _, err := st.DueJobs(ctx, time.Now().Add(100*365*24*time.Hour), 1<<20, all)
	if err != nil {
		return nil, delivery.Stats{}, err
	}
	for _, j := range waiting {
		queued[j.Inbox] = true
	}
	qs, err := delivery.ReadStats(ctx, st)
	if err != nil {
		return nil, delivery.Stats{}, err
	}
	if qs.Unfinished() != len(queued) {
		return nil, qs, fmt.Errorf("the store counts %d unfinished jobs but lists %d inboxes", qs.Unfinished(), len(queued))
	}
	return queued, qs, nil
}
