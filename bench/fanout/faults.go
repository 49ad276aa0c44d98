package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
	"github.com/blogbridge/blogbridge/store"
)

// Fault shares of the faults scenario.
const (
	shareUnavailable = 0.30
	shareGone        = 0.05
	shareTimeout     = 0.05
)

// serverFate is what becomes of a server in the faults scenario.
type serverFate int

const (
	healthy   serverFate = iota
	recovers             // 503 or time-outs for -fault-for, then healthy
	staysDown            // 503 or time-outs for good
	gone                 // 410 to everything
)

// runFaults delivers a post while some servers fail: those that are
// healthy or recover must get it, the followers on servers that answer
// 410 must be removed, and the jobs of servers that stay down must be
// given up on after the max age, after which nothing is sent.
func runFaults(ctx context.Context, e *env) error {
	// The simulator picks the servers; the faults are in force from the
	// start and given their end just before the post is saved.
	err := e.setUp(ctx, fedisim.FaultShares{Unavailable: shareUnavailable, Gone: shareGone, Timeout: shareTimeout})
	if err != nil {
		return err
	}
	servers := e.sim.Servers()
	fate := make([]serverFate, len(servers))
	var flaky [2][]int // unavailable, timeout
	counts := map[fedisim.FaultKind]int{}
	for i, sv := range servers {
		counts[sv.Fault.Kind]++
		switch sv.Fault.Kind {
		case fedisim.Gone:
			fate[i] = gone
		case fedisim.Unavailable:
			fate[i] = recovers
			flaky[0] = append(flaky[0], i)
		case fedisim.Timeout:
			fate[i] = recovers
			flaky[1] = append(flaky[1], i)
		}
	}
	// The servers that stay down are taken in turn from the 503 ones and
	// the timing-out ones.
	down := int(math.Round(e.opts.down * float64(len(servers))))
	for k := 0; down > 0 && len(flaky[0])+len(flaky[1]) > 0; k++ {
		list := &flaky[k%2]
		if len(*list) == 0 {
			continue
		}
		fate[(*list)[0]] = staysDown
		*list = (*list)[1:]
		down--
	}
	until := time.Now().Add(e.opts.faultFor)
	fates := make(map[serverFate]int)
	var kinds []string
	for i, sv := range servers {
		fates[fate[i]]++
		if fate[i] == recovers {
			if err := e.sim.SetFault(i, fedisim.Fault{Kind: sv.Fault.Kind, Until: until}); err != nil {
				return err
			}
		}
	}
	for _, k := range fedisim.FaultKinds() {
		if counts[k] > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	actors := e.opts.actors
	r := e.report
	r.line("faults", "%s; %d recover after %s, %d stay down", strings.Join(kinds, ", "), fates[recovers], e.opts.faultFor, fates[staysDown])
	saved, err := e.writePost()
	if err != nil {
		return err
	}

	// Wait until every inbox of a healthy or recovering server has the
	// post.
	want := (fates[healthy] + fates[recovers]) * actors
	byInbox := func() (map[string]int, int) {
		got := createsByInbox(e.sim.Deliveries())
		n := 0
		for _, a := range e.sim.Actors() {
			if f := fate[a.Server]; (f == healthy || f == recovers) && got[a.Inbox] > 0 {
				n++
			}
		}
		return got, n
	}
	var reached int
	err = waitUntil(ctx, 500*time.Millisecond, "the healthy and recovered inboxes have the post", func() bool {
		_, reached = byInbox()
		return reached == want
	})
	if err != nil {
		return fmt.Errorf("%w (%d of %d)", err, reached, want)
	}
	ds := e.sim.Deliveries()
	var healthyDs []fedisim.Delivery
	for _, d := range ds {
		if fate[d.Server] == healthy {
			healthyDs = append(healthyDs, d)
		}
	}
	hts, ts := arrivals(healthyDs), arrivals(ds)
	r.line("healthy", "%d inboxes (%d servers) had the post %s after saving", len(hts), fates[healthy],
		round(hts[len(hts)-1].Sub(saved)))
	r.line("healthy + recovered", "%d inboxes (%d servers) had the post %s after saving", want,
		fates[healthy]+fates[recovers], round(ts[len(ts)-1].Sub(saved)))

	qs, err := e.waitQueueEmpty(ctx, 2*time.Second)
	if err != nil {
		return err
	}
	emptied := time.Now()
	r.line("queue empty", "%s after saving (--delivery-max-age %s)", round(emptied.Sub(saved)), e.opts.maxAge)

	// Nothing more is sent once the queue is empty.
	quietFrom := e.sim.Stats()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
	}
	quietTo := e.sim.Stats()
	faulted := func(s fedisim.Stats) int {
		n := 0
		for _, c := range s.Faulted {
			n += c
		}
		return n
	}

	got, _ := byInbox()
	var wrong, dupes int
	for _, a := range e.sim.Actors() {
		f := fate[a.Server]
		if (f == gone || f == staysDown) && got[a.Inbox] > 0 {
			wrong++
		}
		if got[a.Inbox] > 1 {
			dupes++
		}
	}
	fs, err := e.followers(ctx)
	if err != nil {
		return err
	}
	var onGone, onOthers int
	index := serverIndex(servers)
	for _, f := range fs {
		i, ok := index[hostOf(f.Inbox)]
		if ok && fate[i] == gone {
			onGone++
		} else {
			onOthers++
		}
	}
	st := e.sim.Stats()
	r.line("requests answered", "%d by faults (%s), %d accepted", faulted(st), faultCounts(st.Faulted), st.Accepted)
	r.line("queue at the end", "%d failed (given up), recent error: %s", qs.Failed, lastError(qs.RecentFailures))
	r.line("followers left", "%d of %d", len(fs), len(servers)*actors)
	e.peakRSS()

	r.check(reached == want, "every inbox of a healthy or recovered server got the post: %d of %d", reached, want)
	r.check(wrong == 0, "no inbox of a gone or down server got it: %d did", wrong)
	r.check(dupes == 0, "no inbox got it twice: %d did", dupes)
	r.check(onGone == 0, "the followers on servers answering 410 were removed: %d left of %d", onGone, fates[gone]*actors)
	r.check(onOthers == (len(servers)-fates[gone])*actors, "every other follower was kept: %d of %d", onOthers, (len(servers)-fates[gone])*actors)
	r.check(qs.Failed == fates[staysDown]*actors, "the jobs of the servers that stay down were given up on: %d failed, want %d",
		qs.Failed, fates[staysDown]*actors)
	r.check(quietTo.Received == quietFrom.Received && faulted(quietTo) == faulted(quietFrom),
		"nothing sent in the 10 s after the queue emptied: %d requests", quietTo.Received-quietFrom.Received+faulted(quietTo)-faulted(quietFrom))
	return e.stopServe()
}

// serverIndex maps each server's host to its index.
func serverIndex(servers []fedisim.Server) map[string]int {
	m := make(map[string]int, len(servers))
	for i, sv := range servers {
		m[sv.Host] = i
	}
	return m
}

// hostOf returns the host of a URL, "" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// lastError is the error of the most recent failure, or "none".
func lastError(fs []store.FailedDelivery) string {
	if len(fs) == 0 {
		return "none"
	}
	return fs[0].Error
}

// faultCounts lists the requests answered by each fault.
func faultCounts(m map[fedisim.FaultKind]int) string {
	var parts []string
	for _, k := range fedisim.FaultKinds() {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
