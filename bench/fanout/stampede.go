package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
)

// fetch is one kind of request a server makes when a post arrives.
type fetch struct {
	name   string
	url    string
	accept string
}

// fetchResult is how one request went.
type fetchResult struct {
	kind int
	took time.Duration
	err  error
}

// runStampede fans a post out to many servers, then has each fetch the
// post's page, the blog's actor and the post's object, as Mastodon does
// for a link preview and to render the post, all within a short spread.
func runStampede(ctx context.Context, e *env) error {
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
	ts := arrivals(e.sim.Deliveries())
	r := e.report
	r.line("fan-out", "%d servers had the post %s after saving", len(ts), round(ts[len(ts)-1].Sub(saved)))

	var object string
	for _, d := range e.sim.Deliveries() {
		if d.Type == "Create" {
			object = d.Object
			break
		}
	}
	page, err := pageOf(ctx, object)
	if err != nil {
		return err
	}
	fetches := []fetch{
		{"post page", page, "text/html,application/xhtml+xml"},
		{"actor", e.base + "ap/actor", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`},
		{"object", object, `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`},
	}
	for _, f := range fetches {
		r.line("fetches "+f.name, "%s", f.url)
	}

	results := make(chan fetchResult, 256)
	all := make([][]time.Duration, len(fetches))
	var errs []error
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for res := range results {
			if res.err != nil {
				errs = append(errs, res.err)
				continue
			}
			all[res.kind] = append(all[res.kind], res.took)
		}
	}()
	start := time.Now()
	sem := make(chan struct{}, e.opts.fetchers)
	var wg sync.WaitGroup
	n := e.opts.servers
	for i := range n {
		// Server i starts at its share of the spread.
		at := start.Add(time.Duration(int64(e.opts.spread) * int64(i) / int64(n)))
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(at)):
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			serverFetches(ctx, fetches, results)
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(results)
	<-collected
	if err := ctx.Err(); err != nil {
		return err
	}

	var every []time.Duration
	for i, f := range fetches {
		r.line(f.name, "%s", latencies(all[i]))
		every = append(every, all[i]...)
	}
	r.line("all requests", "%s", latencies(every))
	r.line("rate", "%d requests in %s (%.0f/s), at most %d servers at once", len(every)+len(errs), round(took),
		float64(len(every)+len(errs))/took.Seconds(), e.opts.fetchers)
	for i, err := range errs {
		if i == 5 {
			r.line("errors", "and %d more", len(errs)-5)
			break
		}
		r.line("error", "%v", err)
	}
	e.peakRSS()
	r.check(len(errs) == 0, "no errors: %d of %d requests failed", len(errs), 3*n)
	r.check(len(every) == 3*n, "every request answered 200: %d of %d", len(every), 3*n)
	return e.stopServe()
}

// serverFetches makes one server's requests, in order, on a connection of
// its own, as a separate server would.
func serverFetches(ctx context.Context, fetches []fetch, out chan<- fetchResult) {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for i, f := range fetches {
		start := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
		if err != nil {
			out <- fetchResult{kind: i, err: err}
			continue
		}
		req.Header.Set("Accept", f.accept)
		req.Header.Set("User-Agent", "fanout-stampede (link preview)")
		resp, err := client.Do(req)
		if err != nil {
			out <- fetchResult{kind: i, err: fmt.Errorf("%s: %w", f.name, err)}
			continue
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %s", f.name, resp.Status)
		}
		out <- fetchResult{kind: i, took: time.Since(start), err: err}
	}
}

// pageOf returns the URL of the HTML page of the ActivityPub object at
// object (its "url").
func pageOf(ctx context.Context, object string) (string, error) {
	body, err := get(ctx, &http.Client{Timeout: 10 * time.Second}, object, "application/activity+json")
	if err != nil {
		return "", err
	}
	var doc struct {
		URL json.RawMessage `json:"url"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("object %s: %w", object, err)
	}
	var s string
	if json.Unmarshal(doc.URL, &s) == nil && s != "" {
		return s, nil
	}
	var links []struct {
		Href      string `json:"href"`
		MediaType string `json:"mediaType"`
	}
	var one struct {
		Href string `json:"href"`
	}
	if json.Unmarshal(doc.URL, &links) == nil {
		for _, l := range links {
			if l.Href != "" && (l.MediaType == "" || l.MediaType == "text/html") {
				return l.Href, nil
			}
		}
	} else if json.Unmarshal(doc.URL, &one) == nil && one.Href != "" {
		return one.Href, nil
	}
	return "", errors.New("object " + object + " has no url")
}
