package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
	"github.com/blogbridge/blogbridge/internal/rsasign"
)

// setUp starts the simulator, seeds its actors as followers and starts
// serve: the state every scenario starts from.
func (e *env) setUp(ctx context.Context, faults fedisim.FaultShares) error {
	if err := e.startSim(ctx, faults); err != nil {
		return err
	}
	if err := e.seedFollowers(ctx, e.sc.shared); err != nil {
		return err
	}
	return e.startServe(ctx)
}

// arrivals returns, for each inbox that accepted a Create, when the first
// one arrived, sorted.
func arrivals(ds []fedisim.Delivery) []time.Time {
	first := make(map[string]time.Time)
	for _, d := range ds {
		if !d.Verified || d.Type != "Create" {
			continue
		}
		if t, ok := first[d.Inbox]; !ok || d.Time.Before(t) {
			first[d.Inbox] = d.Time
		}
	}
	out := make([]time.Time, 0, len(first))
	for _, t := range first {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// timeline counts arrivals in each second after saved.
func timeline(ts []time.Time, saved time.Time) string {
	if len(ts) == 0 {
		return "none"
	}
	n := int(ts[len(ts)-1].Sub(saved)/time.Second) + 1
	per := make([]int, max(n, 1))
	for _, t := range ts {
		per[max(int(t.Sub(saved)/time.Second), 0)]++
	}
	parts := make([]string, len(per))
	for i, c := range per {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, " ")
}

// runShared checks that a post to followers with shared inboxes goes once
// to each server.
func runShared(ctx context.Context, e *env) error {
	if err := e.setUp(ctx, fedisim.FaultShares{}); err != nil {
		return err
	}
	saved, err := e.writePost()
	if err != nil {
		return err
	}
	if err := e.waitCreates(ctx, e.opts.servers); err != nil {
		return err
	}
	if _, err := e.waitQueueEmpty(ctx, 200*time.Millisecond); err != nil {
		return err
	}
	ds := e.sim.Deliveries()
	st := e.sim.Stats()
	ts := arrivals(ds)
	shared := make(map[string]bool)
	for _, sv := range e.sim.Servers() {
		shared[sv.SharedInbox] = true
	}
	creates, onShared := 0, 0
	for _, d := range ds {
		if d.Type == "Create" {
			creates++
			if shared[d.Inbox] {
				onShared++
			}
		}
	}
	e.report.line("deliveries", "%d Creates (%d accepted, %d rejected, %d duplicates) to %d inboxes",
		creates, st.ByType["Create"], st.RejectedTotal, st.Duplicates, len(ts))
	e.report.line("time to deliver all", "%s from saving the file (first arrival after %s)",
		round(ts[len(ts)-1].Sub(saved)), round(ts[0].Sub(saved)))
	e.report.line("arrivals per second", "%s", timeline(ts, saved))
	e.peakRSS()
	e.report.check(creates == e.opts.servers, "exactly %d deliveries, one per server: %d", e.opts.servers, creates)
	e.report.check(onShared == creates, "every delivery went to a shared inbox: %d of %d", onShared, creates)
	e.report.check(st.Duplicates == 0 && st.RejectedTotal == 0, "no duplicates (%d), none rejected (%d)", st.Duplicates, st.RejectedTotal)
	return e.stopServe()
}

// runDistinct measures a fan-out to distinct inboxes, where each request
// is signed, against the machine's own signing rate.
func runDistinct(ctx context.Context, e *env) error {
	if err := e.setUp(ctx, fedisim.FaultShares{}); err != nil {
		return err
	}
	n := e.opts.servers * e.opts.actors
	// Signing runs on every CPU serve may use: all of them, or CPU 0
	// alone when pinned (one goroutine here on another CPU of the same
	// kind measures the same rate).
	workers := runtime.GOMAXPROCS(0)
	if e.opts.pin {
		workers = 1
	}
	// serve signs through libcrypto when it loads, as here; Go's
	// crypto/rsa rate is measured too, for comparison.
	lib, _ := rsasign.Load("")
	goRate, err := signRate(ctx, e.opts.signFor, workers, nil)
	if err != nil {
		return err
	}
	rateBefore, err := signRate(ctx, e.opts.signFor, workers, lib)
	if err != nil {
		return err
	}
	rssStart, _ := procStatusBytes(e.serve.pid(), "VmRSS")
	cpuServe0, _ := e.serve.cpuTime()
	cpuSelf0, _ := procCPU("self")
	opens0, _ := tcpActiveOpens()

	saved, err := e.writePost()
	if err != nil {
		return err
	}
	if err := e.waitCreates(ctx, n); err != nil {
		return err
	}
	cpuServe1, _ := e.serve.cpuTime()
	cpuSelf1, _ := procCPU("self")
	opens1, _ := tcpActiveOpens()
	// The machine is shared: the rate is measured again after the
	// fan-out, and the higher of the two is the bound.
	rateAfter, err := signRate(ctx, e.opts.signFor, workers, lib)
	if err != nil {
		return err
	}
	rate := max(rateBefore, rateAfter)
	e.report.line("RSA-2048 signing", "with %s: %.0f signatures/s before the fan-out, %.0f after (%d goroutine(s) for %s each); bound %.0f/s. With Go crypto/rsa: %.0f/s",
		lib, rateBefore, rateAfter, workers, e.opts.signFor, rate, goRate)
	ts := arrivals(e.sim.Deliveries())
	first, last := ts[0], ts[len(ts)-1]
	perSec := float64(len(ts)-1) / last.Sub(first).Seconds()
	overall := float64(len(ts)) / last.Sub(saved).Seconds()
	ratio := perSec / rate
	e.report.line("deliveries", "%d distinct inboxes on %d servers", len(ts), e.opts.servers)
	e.report.line("time to deliver all", "%s from saving the file (first arrival after %s)",
		round(last.Sub(saved)), round(first.Sub(saved)))
	e.report.line("deliveries/s", "%.0f from first to last arrival (%.0f counting from the save)", perSec, overall)
	e.report.line("ratio", "%.2f of the signing rate (target 0.85); %.2f of Go crypto/rsa's", ratio, perSec/goRate)
	e.report.line("arrivals per second", "%s", timeline(ts, saved))
	wall := last.Sub(saved)
	e.report.line("CPU during fan-out", "serve %s (%.2f ms a delivery), this harness (simulated servers) %s, over %s of wall time on %d CPUs",
		round(cpuServe1-cpuServe0), float64(cpuServe1-cpuServe0)/float64(time.Millisecond)/float64(len(ts)),
		round(cpuSelf1-cpuSelf0), round(wall), runtime.NumCPU())

	e.report.line("TCP connections", "%d opened during the fan-out (machine-wide count), for %d deliveries to %d servers",
		opens1-opens0, len(ts), e.opts.servers)
	if _, err := e.waitQueueEmpty(ctx, 200*time.Millisecond); err != nil {
		return err
	}
	st := e.sim.Stats()
	e.report.line("serve RSS", "%s when the post was saved", mib(rssStart))
	peak := e.peakRSS()
	e.report.check(len(ts) == n, "every inbox got the post: %d of %d", len(ts), n)
	e.report.check(st.Duplicates == 0 && st.RejectedTotal == 0, "no duplicates (%d), none rejected (%d)", st.Duplicates, st.RejectedTotal)
	e.report.check(ratio >= 0.85, "deliveries/s at least 0.85 of the signing rate: %.2f", ratio)
	if peak > 0 {
		e.report.check(peak < 256<<20, "serve's peak RSS under 256 MiB, its default memory limit: %s", mib(peak))
	}
	return e.stopServe()
}

// peakRSS reports and returns serve's peak resident set, 0 when unknown.
func (e *env) peakRSS() int64 {
	n, err := e.serve.peakRSS()
	if err != nil {
		e.report.line("serve peak RSS", "n/a (%v)", err)
		return 0
	}
	e.report.line("serve peak RSS", "%s (VmHWM of pid %d)", mib(n), e.serve.pid())
	return n
}

// stopServe stops serve with SIGTERM and checks it exits cleanly.
func (e *env) stopServe() error {
	start := time.Now()
	err := e.serve.stop(30 * time.Second)
	e.report.check(err == nil, "serve stopped cleanly on SIGTERM in %s (%v)", round(time.Since(start)), errText(err))
	return nil
}

// errText is err's text, or "no error".
func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// waitUntil polls cond every interval until it holds or ctx is done.
func waitUntil(ctx context.Context, every time.Duration, what string, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting until %s: %w", what, ctx.Err())
		case <-time.After(every):
		}
	}
	return nil
}
