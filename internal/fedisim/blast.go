package fedisim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"
)

// BlastOptions describe a load run against one inbox.
type BlastOptions struct {
	// Inbox is where every activity goes (on loopback).
	Inbox string
	// Count is how many requests to send.
	Count int
	// Rate is requests per second; 0 sends as fast as Concurrency allows.
	Rate float64
	// Concurrency is how many requests are in flight at most (default 16).
	Concurrency int
	// Presign signs every request before the timed phase starts, so that
	// the simulator's RSA signing (about a millisecond each) is not what
	// is measured.
	Presign bool
	// Style is how requests are signed (default Cavage).
	Style SignStyle
	// Make returns the sender and the activity of request i.
	Make func(i int) (*Actor, map[string]any)
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
}

// BlastResult is what a load run measured.
type BlastResult struct {
	// Sent is how many requests were sent, answered or not.
	Sent int `json:"sent"`
	// Status counts the responses by status code.
	Status map[int]int `json:"status"`
	// Errors counts requests that got no response; FirstError is the
	// first such error.
	Errors     int    `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// Failed lists, in no order, the requests (by index) that got no
	// response or a 5xx: those a server would send again.
	Failed []int `json:"-"`
	// Start is when the timed phase began; Duration is the timed phase,
	// from the first request to the last response.
	Start    time.Time     `json:"-"`
	Duration time.Duration `json:"duration"`
	// PerSecond is Sent divided by Duration.
	PerSecond float64 `json:"per_second"`
	// P50 and P99 are response latencies of the answered requests.
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
}

// Blast sends opts.Count signed activities to opts.Inbox and measures how
// the inbox copes. It stops early when ctx ends; an error is returned only
// for bad options or an activity that cannot be built or signed.
func (s *Sim) Blast(ctx context.Context, opts BlastOptions) (BlastResult, error) {
	if opts.Count <= 0 {
		return BlastResult{}, errors.New("fedisim: blast: Count must be positive")
	}
	if opts.Make == nil {
		return BlastResult{}, errors.New("fedisim: blast: Make is required")
	}
	if opts.Rate < 0 {
		return BlastResult{}, errors.New("fedisim: blast: Rate must not be negative")
	}
	if _, err := checkLoopbackURL(opts.Inbox); err != nil {
		return BlastResult{}, fmt.Errorf("fedisim: blast: %w", err)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	build := func(i int) (*http.Request, error) {
		from, activity := opts.Make(i)
		return s.newDelivery(ctx, from, opts.Inbox, activity, opts.Style)
	}

	var presigned []*http.Request
	if opts.Presign {
		var err error
		presigned, err = presign(ctx, opts.Count, build)
		if err != nil {
			return BlastResult{}, err
		}
	}

	client := loopbackClient(opts.Timeout, opts.Concurrency)
	defer client.CloseIdleConnections()

	jobs := make(chan int)
	var (
		mu        sync.Mutex
		res       = BlastResult{Status: make(map[int]int)}
		latencies = make([]time.Duration, 0, opts.Count)
		buildErr  error
	)
	start := time.Now()
	var wg sync.WaitGroup
	for range min(opts.Concurrency, opts.Count) {
		wg.Go(func() {
			for i := range jobs {
				var req *http.Request
				if presigned != nil {
					req, presigned[i] = presigned[i], nil
				} else {
					var err error
					if req, err = build(i); err != nil {
						mu.Lock()
						buildErr = firstErr(buildErr, err)
						mu.Unlock()
						continue
					}
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
					resp.Body.Close()
				}
				lat := time.Since(t0)
				mu.Lock()
				res.Sent++
				if err != nil || resp.StatusCode >= 500 {
					res.Failed = append(res.Failed, i)
				}
				if err != nil {
					res.Errors++
					if res.FirstError == "" {
						res.FirstError = err.Error()
					}
				} else {
					res.Status[resp.StatusCode]++
					latencies = append(latencies, lat)
				}
				mu.Unlock()
			}
		})
	}
	dispatch(ctx, jobs, opts.Count, opts.Rate, start)
	close(jobs)
	wg.Wait()
	res.Start, res.Duration = start, time.Since(start)
	if buildErr != nil {
		return res, fmt.Errorf("fedisim: blast: %w", buildErr)
	}
	if res.Duration > 0 {
		res.PerSecond = float64(res.Sent) / res.Duration.Seconds()
	}
	slices.Sort(latencies)
	res.P50 = percentile(latencies, 0.50)
	res.P99 = percentile(latencies, 0.99)
	return res, nil
}

// firstErr keeps the first error.
func firstErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// dispatch hands out 0..count-1 on jobs, at rate per second from start
// when rate > 0, until done or ctx ends.
func dispatch(ctx context.Context, jobs chan<- int, count int, rate float64, start time.Time) {
	var timer *time.Timer
	for i := range count {
		if rate > 0 {
			at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if wait := time.Until(at); wait > 0 {
				if timer == nil {
					timer = time.NewTimer(wait)
					defer timer.Stop()
				} else {
					timer.Reset(wait)
				}
				select {
				case <-timer.C:
				case <-ctx.Done():
					return
				}
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			return
		}
	}
}

// presign builds all count requests, signing on every core.
func presign(ctx context.Context, count int, build func(int) (*http.Request, error)) ([]*http.Request, error) {
	reqs := make([]*http.Request, count)
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range min(runtime.GOMAXPROCS(0), count) {
		wg.Go(func() {
			for i := range next {
				r, err := build(i)
				if err != nil {
					mu.Lock()
					first = firstErr(first, err)
					mu.Unlock()
					continue
				}
				reqs[i] = r
			}
		})
	}
feed:
	for i := range count {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, fmt.Errorf("fedisim: blast: presign: %w", first)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fedisim: blast: presign: %w", err)
	}
	return reqs, nil
}

// percentile returns the p-th quantile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
