package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
)

// inboxCrashResult is what the inbox-crash scenario found, for the report
// and the test.
type inboxCrashResult struct {
	follows int // one from every simulated actor
	// answered is how many Follows got a 2xx before the kill; resent how
	// many were sent again after the restart, as their servers would.
	answered, resent int
	// acceptedAtKill is how many Follows had their Accept when serve was
	// killed.
	acceptedAtKill int
	// followers and accepted are counted once the restarted serve is quiet.
	followers, accepted int
}

// runInboxCrash kills serve with SIGKILL while Follows arrive, restarts it,
// sends again the Follows that got no answer or a 5xx, and checks that
// every actor ends up a follower with its Accept.
func runInboxCrash(ctx context.Context, e *env) error {
	res, err := inboxCrash(ctx, e)
	if err != nil {
		return err
	}
	r := e.report
	r.check(res.followers == res.follows, "every actor that followed is a follower: %d of %d", res.followers, res.follows)
	r.check(res.accepted == res.follows, "every Follow got its Accept: %d of %d", res.accepted, res.follows)
	return e.stopServe()
}

// inboxCrash runs the inbox-crash scenario and returns its counts.
func inboxCrash(ctx context.Context, e *env) (inboxCrashResult, error) {
	var res inboxCrashResult
	if err := e.startSim(ctx, fedisim.FaultShares{}); err != nil {
		return res, err
	}
	if err := e.startServe(ctx); err != nil {
		return res, err
	}
	remote, err := e.sim.ResolveActor(ctx, e.base+"ap/actor")
	if err != nil {
		return res, err
	}
	actors := e.sim.Actors()
	res.follows = len(actors)
	killAt := max(1, int(float64(res.follows)*e.opts.killAt))

	var mu sync.Mutex
	accepted := make(map[string]bool) // ids of the Follows accepted
	reached := make(chan struct{})
	e.setOnDelivery(func(d fedisim.Delivery) {
		if !d.Verified || d.Type != "Accept" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		accepted[d.Object] = true
		if len(accepted) == killAt {
			close(reached)
		}
	})
	countAccepted := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted)
	}
	follows := make([]map[string]any, len(actors))
	for i, a := range actors {
		follows[i] = e.sim.Follow(a, remote.ID)
	}
	blast := func(indexes []int) (fedisim.BlastResult, error) {
		return e.sim.Blast(ctx, fedisim.BlastOptions{
			Inbox: remote.DeliveryInbox(), Count: len(indexes),
			Rate: e.opts.rate, Concurrency: 32, Timeout: 5 * time.Second,
			Make: func(i int) (*fedisim.Actor, map[string]any) {
				return actors[indexes[i]], follows[indexes[i]]
			},
		})
	}

	all := make([]int, len(actors))
	for i := range all {
		all[i] = i
	}
	type outcome struct {
		res fedisim.BlastResult
		err error
	}
	first := make(chan outcome, 1)
	go func() {
		r, err := blast(all)
		first <- outcome{r, err}
	}()
	select {
	case <-reached:
	case o := <-first:
		return res, fmt.Errorf("every Follow was sent before %d were accepted (%v); lower -rate", killAt, o.err)
	case <-e.serve.exited:
		return res, fmt.Errorf("serve exited before the kill: %v; its log:\n%s", e.serve.err, e.serve.logs.tail(20))
	case <-ctx.Done():
		return res, fmt.Errorf("waiting for %d Accepts: %w", killAt, ctx.Err())
	}
	e.serve.kill()
	res.acceptedAtKill = countAccepted()
	o := <-first
	if o.err != nil {
		return res, o.err
	}
	res.answered = o.res.Status[202] + o.res.Status[200]
	res.resent = len(o.res.Failed)
	e.report.line("killed", "kill -9 when %d of %d Follows had their Accept; %d had been answered with 2xx, %d got no answer or a 5xx",
		res.acceptedAtKill, res.follows, res.answered, res.resent)

	restart := time.Now()
	if err := e.startServe(ctx); err != nil {
		return res, err
	}
	failed := o.res.Failed
	for try := 1; len(failed) > 0; try++ {
		if try > 3 {
			return res, fmt.Errorf("%d Follows still failing after %d tries", len(failed), try-1)
		}
		r, err := blast(failed)
		if err != nil {
			return res, err
		}
		next := make([]int, len(r.Failed))
		for i, f := range r.Failed {
			next[i] = failed[f]
		}
		failed = next
	}
	// Wait until every Accept arrived, or nothing more does.
	if err := e.settle(ctx, 2*time.Second); err != nil {
		return res, err
	}
	res.accepted = countAccepted()
	fs, err := e.followers(ctx)
	if err != nil {
		return res, err
	}
	res.followers = len(fs)
	e.report.line("after the restart", "%d Follows sent again; %s later %d followers, %d Follows accepted",
		res.resent, round(time.Since(restart)), res.followers, res.accepted)
	e.setOnDelivery(nil)
	return res, nil
}
