// Command fanout is blogbridge's load harness for delivery. It runs
// blogbridge serve as a subprocess on a copy of the example site, with
// followers seeded into its data folder, against a simulated fediverse
// (internal/fedisim) on loopback, saves a new post and measures how the
// post's Create reaches the followers' inboxes.
//
//	go run ./bench/fanout -scenario shared    # 10,000 followers on 1,000 servers, shared inboxes
//	go run ./bench/fanout -scenario distinct  # 10,000 distinct inboxes, against the RSA signing rate
//	go run ./bench/fanout -scenario crash     # kill -9 in the middle of the fan-out, restart
//	go run ./bench/fanout -scenario faults    # 503s, 410s and timeouts, some for good
//	go run ./bench/fanout -scenario stampede  # link-preview fetches from 2,000 servers
//
// Each scenario prints its figures, the command that reproduces them and
// the serve command it ran, and exits 1 when a check fails. Everything
// listens on 127.0.0.1, every wait has a deadline (-timeout), and the
// subprocesses and the temporary folder are removed on exit (-keep keeps
// the folder, with serve's logs).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the harness's settings. Zero sizes and durations take the
// scenario's defaults.
type options struct {
	scenario string
	servers  int // simulated servers
	actors   int // actors (followers) per server
	workers  int // serve --delivery-workers
	perHost  int // serve --delivery-per-host
	maxAge   time.Duration
	timeout  time.Duration // bound on the whole scenario
	signFor  time.Duration // how long the signing rate is measured
	faultFor time.Duration // how long temporary faults last
	down     float64       // share of servers whose fault never ends
	spread   time.Duration // stampede: how long the fetches are spread over
	fetchers int           // stampede: fetches in flight at most
	killAt   float64       // crash, inbox-crash: share of inboxes reached (Follows accepted) when serve is killed
	rate     float64       // inbox-crash: Follows sent a second
	serveArg []string      // more arguments for serve
	bin      string        // a blogbridge binary to use instead of building one
	root     string        // the module's root folder
	pin      bool          // serve on CPU 0, the harness on the others
	keep     bool          // keep the temporary folder
	verbose  bool          // copy serve's log to stderr
}

// scenario is one measurement.
type scenario struct {
	name    string
	summary string
	servers int
	actors  int
	shared  bool // followers are seeded with their server's shared inbox
	timeout time.Duration
	run     func(ctx context.Context, e *env) error
}

// scenarios lists the measurements, in the order the usage shows them.
func scenarios() []scenario {
	return []scenario{
		{name: "shared", summary: "one post to 10,000 followers with shared inboxes on 1,000 servers: exactly 1,000 deliveries",
			servers: 1000, actors: 10, shared: true, timeout: 5 * time.Minute, run: runShared},
		{name: "distinct", summary: "one post to 10,000 distinct inboxes: deliveries a second against the RSA-2048 signing rate",
			servers: 1000, actors: 10, timeout: 8 * time.Minute, run: runDistinct},
		{name: "crash", summary: "kill -9 serve in the middle of a 10,000-inbox fan-out, restart it: every inbox gets the post",
			servers: 1000, actors: 10, timeout: 10 * time.Minute, run: runCrash},
		{name: "inbox-crash", summary: "kill -9 serve while 1,000 Follows arrive, restart it, send the unanswered ones again: every actor follows, every Follow is accepted",
			servers: 100, actors: 10, timeout: 3 * time.Minute, run: runInboxCrash},
		{name: "faults", summary: "30% of servers answer 503 for a while, 5% 410, 5% time out, some stay down: who gets the post, who is removed, when retrying stops",
			servers: 1000, actors: 10, timeout: 12 * time.Minute, run: runFaults},
		{name: "stampede", summary: "after a fan-out to 2,000 servers each fetches the post page, the actor and the object, as link previews do",
			servers: 2000, actors: 1, shared: true, timeout: 6 * time.Minute, run: runStampede},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, runs the scenario and returns the exit code: 0 when
// every check passed, 1 when one failed or the run broke, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, sc, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "fanout:", err)
		return 2
	}
	if err := runScenario(ctx, opts, sc, args, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "fanout:", err)
		return 1
	}
	return 0
}

// parseFlags reads the command line and fills in the scenario's defaults.
func parseFlags(args []string, stderr io.Writer) (options, scenario, error) {
	var o options
	fs := flag.NewFlagSet("fanout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "", "scenario to run: shared, distinct, crash, inbox-crash, faults or stampede")
	fs.IntVar(&o.servers, "servers", 0, "simulated servers (default: the scenario's)")
	fs.IntVar(&o.actors, "actors", 0, "followers on each server (default: the scenario's)")
	fs.IntVar(&o.workers, "workers", 0, "serve --delivery-workers (default: serve's)")
	fs.IntVar(&o.perHost, "per-host", 0, "serve --delivery-per-host (default: serve's)")
	fs.DurationVar(&o.maxAge, "max-age", 0, "serve --delivery-max-age (default: serve's; faults: 2m)")
	fs.DurationVar(&o.timeout, "timeout", 0, "bound on the whole scenario (default: the scenario's)")
	fs.DurationVar(&o.signFor, "sign-for", 3*time.Second, "distinct: how long the RSA-2048 signing rate is measured")
	fs.DurationVar(&o.faultFor, "fault-for", 20*time.Second, "faults: how long the temporary faults last")
	fs.Float64Var(&o.down, "down", 0.02, "faults: share of servers (taken from the 503 and timeout ones) whose fault never ends")
	fs.DurationVar(&o.spread, "spread", 10*time.Second, "stampede: the fetches start over this long")
	fs.IntVar(&o.fetchers, "fetchers", 64, "stampede: servers fetching at once, at most")
	fs.Float64Var(&o.killAt, "kill-at", 0.5, "crash: share of the inboxes reached when serve is killed; inbox-crash: share of the Follows accepted")
	fs.Float64Var(&o.rate, "rate", 200, "inbox-crash: Follows sent a second")
	fs.StringVar(&o.bin, "bin", "", "blogbridge binary to run (default: built from ./cmd/blogbridge into the temporary folder)")
	fs.Func("serve-arg", "one more argument for serve, e.g. -serve-arg=--delivery-max-age=5m (repeatable)", func(v string) error {
		o.serveArg = append(o.serveArg, v)
		return nil
	})
	fs.BoolVar(&o.pin, "pin", false, "run serve on CPU 0 and the harness (the simulated servers) on the others, with taskset, as if they were on other machines; the signing rate is then measured on one CPU")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (site, data, serve's logs)")
	fs.BoolVar(&o.verbose, "v", false, "copy serve's log to stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./bench/fanout -scenario NAME [flags]\n\nScenarios:\n")
		for _, sc := range scenarios() {
			fmt.Fprintf(stderr, "  %-9s %s\n", sc.name, sc.summary)
		}
		fmt.Fprintf(stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, scenario{}, err
	}
	if fs.NArg() > 0 {
		return o, scenario{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	all := scenarios()
	i := slices.IndexFunc(all, func(sc scenario) bool { return sc.name == o.scenario })
	if i < 0 {
		names := make([]string, len(all))
		for i, sc := range all {
			names[i] = sc.name
		}
		return o, scenario{}, fmt.Errorf("-scenario %q: want one of %s", o.scenario, strings.Join(names, ", "))
	}
	sc := all[i]
	if o.servers == 0 {
		o.servers = sc.servers
	}
	if o.actors == 0 {
		o.actors = sc.actors
	}
	if o.timeout == 0 {
		o.timeout = sc.timeout
	}
	if o.maxAge == 0 && sc.name == "faults" {
		o.maxAge = 2 * time.Minute
	}
	switch {
	case o.servers < 1 || o.actors < 1:
		return o, sc, errors.New("-servers and -actors must be 1 or more")
	case o.killAt <= 0 || o.killAt >= 1:
		return o, sc, errors.New("-kill-at must be between 0 and 1")
	case o.down < 0 || o.down > 0.35:
		return o, sc, errors.New("-down must be from 0 to 0.35 (the share of servers with 503s and timeouts)")
	case o.fetchers < 1:
		return o, sc, errors.New("-fetchers must be 1 or more")
	case o.rate <= 0:
		return o, sc, errors.New("-rate must be more than 0")
	}
	return o, sc, nil
}

// runScenario prepares the run's folder and binary, runs sc and cleans up.
func runScenario(ctx context.Context, o options, sc scenario, args []string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if o.root == "" {
		root, err := moduleRoot(ctx)
		if err != nil {
			return err
		}
		o.root = root
	}
	dir, err := os.MkdirTemp("", "blogbridge-fanout-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stderr, "fanout: keeping %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	e := &env{opts: o, sc: sc, dir: dir, out: stdout, stderr: stderr, report: newReport(stdout)}
	defer e.close()
	if o.servers == sc.servers && o.actors == sc.actors {
		fmt.Fprintf(stdout, "scenario %s: %s\n", sc.name, sc.summary)
	} else {
		fmt.Fprintf(stdout, "scenario %s, at %d servers × %d followers\n", sc.name, o.servers, o.actors)
	}
	fmt.Fprintf(stdout, "command:  %s\n", commandLine(args))
	e.report.env("before")
	if err := e.prepare(ctx); err != nil {
		return err
	}
	err = sc.run(ctx, e)
	e.report.env("after")
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w (the scenario's bound is -timeout %s)", err, o.timeout)
		}
		return fmt.Errorf("%s: %w", sc.name, err)
	}
	if n := e.report.failed; n > 0 {
		return fmt.Errorf("%s: %d check(s) failed", sc.name, n)
	}
	fmt.Fprintf(stdout, "%s: every check passed\n", sc.name)
	return nil
}

// commandLine is the command that runs the harness with args, from the
// module's root.
func commandLine(args []string) string {
	parts := []string{"go", "run", "./bench/fanout"}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@%+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
