package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
)

// serveLine is one --json line of serve's per-second report.
type serveLine struct {
	Time     time.Time     `json:"time"`
	Elapsed  float64       `json:"elapsed_s"`
	NewCount int           `json:"new"`
	Stats    fedisim.Stats `json:"stats"`
}

// cmdServe serves the simulated servers and reports what arrives.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf simFlags
	sf.register(fs, 100, 5)
	duration := fs.Duration("for", 0, "how long to serve; 0 serves until interrupted")
	faults := fs.String("faults", "", `share of servers given each fault at start, e.g. "unavailable=0.3,gone=0.05,timeout=0.02";`+
		"\nfaults: unavailable, too_many, gone, timeout, reset, slow_body")
	faultFor := fs.Duration("fault-for", 0, "how long the faults other than gone last; 0 keeps them")
	retryAfter := fs.Duration("retry-after", 30*time.Second, "Retry-After sent by too_many servers")
	maxHang := fs.Duration("max-hang", 2*time.Minute, "longest a timeout or slow_body server holds a request")
	seed := fs.Uint64("seed", 1, "seed choosing which servers get which fault")
	actorsOut := fs.String("actors-out", "", "write the actors as a JSON array to this file once serving")
	asJSON := fs.Bool("json", false, "print each second's report as a JSON line")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fedisim serve [flags]\n\n"+
			"Serves the simulated servers' actors, WebFinger and inboxes, verifies and counts\n"+
			"every delivery, and prints one line per second.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := sf.check(); err != nil {
		return usageError(fs, stderr, err)
	}
	shares, err := parseFaults(*faults)
	if err != nil {
		return usageError(fs, stderr, err)
	}
	switch {
	case *duration < 0:
		return usageError(fs, stderr, fmt.Errorf("--for must not be negative, got %s", *duration))
	case *faultFor < 0 || *retryAfter < 0 || *maxHang < 0:
		return usageError(fs, stderr, errors.New("--fault-for, --retry-after and --max-hang must not be negative"))
	}
	shares.For, shares.RetryAfter = *faultFor, *retryAfter

	opts := sf.options(stderr)
	opts.Faults = shares
	opts.Seed = *seed
	opts.MaxHang = *maxHang
	start := time.Now()
	sim, err := fedisim.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer sim.Close()

	servers := sim.Servers()
	faulty := map[fedisim.FaultKind]int{}
	for _, sv := range servers {
		if sv.Fault.Kind != fedisim.NoFault {
			faulty[sv.Fault.Kind]++
		}
	}
	if *actorsOut != "" {
		if err := writeActors(*actorsOut, sim.Actors()); err != nil {
			return err
		}
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "serving %d servers (ports %s to %s), %d actors, started in %s; faults: %s\n",
			len(servers), servers[0].Host, servers[len(servers)-1].Host, len(sim.Actors()),
			time.Since(start).Round(time.Millisecond), counts(faulty))
		if *actorsOut != "" {
			fmt.Fprintf(stdout, "actors written to %s\n", *actorsOut)
		}
	}

	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	began := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := 0
	report := func(now time.Time) error {
		st := sim.Stats()
		line := serveLine{Time: now.UTC(), Elapsed: now.Sub(began).Seconds(), NewCount: st.Received - last, Stats: st}
		last = st.Received
		if *asJSON {
			return json.NewEncoder(stdout).Encode(line)
		}
		_, err := fmt.Fprintf(stdout, "%s deliveries %d (+%d) accepted %d [%s] rejected %d [%s] duplicates %d inboxes %d faulted [%s] key fetches %d\n",
			now.Format("15:04:05"), st.Received, line.NewCount, st.Accepted, counts(st.ByType),
			st.RejectedTotal, counts(st.Rejected), st.Duplicates, st.Inboxes, counts(st.Faulted), st.KeyFetches)
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return report(time.Now())
		case now := <-tick.C:
			if err := report(now); err != nil {
				return err
			}
		}
	}
}

// parseFaults reads "kind=share,kind=share".
func parseFaults(spec string) (fedisim.FaultShares, error) {
	var fs fedisim.FaultShares
	if strings.TrimSpace(spec) == "" {
		return fs, nil
	}
	seen := map[fedisim.FaultKind]bool{}
	for part := range strings.SplitSeq(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fs, fmt.Errorf("--faults: %q is not kind=share", part)
		}
		kind, err := fedisim.ParseFaultKind(strings.TrimSpace(name))
		if err != nil {
			return fs, fmt.Errorf("--faults: unknown fault %q (want unavailable, too_many, gone, timeout, reset or slow_body)", name)
		}
		if seen[kind] {
			return fs, fmt.Errorf("--faults: %s given twice", kind)
		}
		seen[kind] = true
		share, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || share < 0 || share > 1 {
			return fs, fmt.Errorf("--faults: share of %s must be a number from 0 to 1, got %q", kind, value)
		}
		switch kind {
		case fedisim.Unavailable:
			fs.Unavailable = share
		case fedisim.TooMany:
			fs.TooMany = share
		case fedisim.Gone:
			fs.Gone = share
		case fedisim.Timeout:
			fs.Timeout = share
		case fedisim.Reset:
			fs.Reset = share
		case fedisim.SlowBody:
			fs.SlowBody = share
		}
	}
	sum := fs.Unavailable + fs.TooMany + fs.Gone + fs.Timeout + fs.Reset + fs.SlowBody
	if sum > 1+1e-9 {
		return fs, fmt.Errorf("--faults: shares add up to %v, more than 1", sum)
	}
	return fs, nil
}

// writeActors writes actors as an indented JSON array to path.
func writeActors(path string, actors []*fedisim.Actor) error {
	body, err := json.MarshalIndent(actors, "", "  ")
	if err != nil {
		return fmt.Errorf("actors: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(body, '\n'), 0o644); err != nil {
		return fmt.Errorf("--actors-out: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("--actors-out: %w", err)
	}
	return nil
}
