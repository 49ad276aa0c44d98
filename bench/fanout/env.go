package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blogbridge/blogbridge/delivery"
	"github.com/blogbridge/blogbridge/internal/fedisim"
	"github.com/blogbridge/blogbridge/internal/loopback"
	"github.com/blogbridge/blogbridge/store"
)

// postName is the file the new post is saved as, in content/posts.
const postName = "fanout-bench.md"

// env is one run of a scenario: its folder, the simulated fediverse and
// the blogbridge serve process.
type env struct {
	opts   options
	sc     scenario
	dir    string
	out    io.Writer
	stderr io.Writer
	report *report

	bin  string // blogbridge binary
	site string // copy of the example site
	data string // serve's data folder
	addr string // serve's HOST:PORT
	base string // serve's base URL, ending in /

	sim *fedisim.Sim
	// onDelivery, when set, sees every delivery the simulator records.
	onDelivery func(fedisim.Delivery)
	mu         sync.Mutex

	serve  *serveProc
	serves int // how many serve processes were started
}

// prepare builds (or finds) the binary and copies the example site.
func (e *env) prepare(ctx context.Context) error {
	e.site = filepath.Join(e.dir, "site")
	e.data = filepath.Join(e.dir, "data")
	if err := os.CopyFS(e.site, os.DirFS(filepath.Join(e.opts.root, "example"))); err != nil {
		return fmt.Errorf("copy the example site: %w", err)
	}
	if e.opts.pin {
		if err := e.pinSelf(ctx); err != nil {
			return err
		}
	}
	if e.opts.bin != "" {
		e.bin = e.opts.bin
		return nil
	}
	e.bin = filepath.Join(e.dir, "blogbridge")
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", e.bin, "./cmd/blogbridge")
	cmd.Dir = e.opts.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/blogbridge: %w\n%s", err, out)
	}
	return nil
}

// pinSelf moves every thread of this process to the CPUs other than CPU
// 0, which serve gets to itself.
func (e *env) pinSelf(ctx context.Context) error {
	n := runtime.NumCPU()
	if n < 2 {
		return errors.New("-pin needs two CPUs or more")
	}
	cpus := "1"
	if n > 2 {
		cpus = fmt.Sprintf("1-%d", n-1)
	}
	out, err := exec.CommandContext(ctx, "taskset", "-a", "-p", "-c", cpus, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %w: %s", err, out)
	}
	e.report.line("pinned", "serve on CPU 0, this harness on CPU %s", cpus)
	return nil
}

// close stops serve and the simulator.
func (e *env) close() {
	if e.serve != nil {
		e.serve.kill()
	}
	if e.sim != nil {
		e.sim.Close()
	}
}

// startSim starts the simulated fediverse with the run's size.
func (e *env) startSim(ctx context.Context, faults fedisim.FaultShares) error {
	start := time.Now()
	sim, err := fedisim.Start(ctx, fedisim.Options{
		Servers:         e.opts.servers,
		ActorsPerServer: e.opts.actors,
		Keys:            1,
		Faults:          faults,
		Seed:            1,
		OnDelivery: func(d fedisim.Delivery) {
			e.mu.Lock()
			f := e.onDelivery
			e.mu.Unlock()
			if f != nil {
				f(d)
			}
		},
	})
	if err != nil {
		return err
	}
	e.sim = sim
	e.report.line("simulated servers", "%d, %d actors each (%d followers), started in %s",
		e.opts.servers, e.opts.actors, e.opts.servers*e.opts.actors, round(time.Since(start)))
	return nil
}

// setOnDelivery makes f see every delivery from now on.
func (e *env) setOnDelivery(f func(fedisim.Delivery)) {
	e.mu.Lock()
	e.onDelivery = f
	e.mu.Unlock()
}

// seedFollowers records every simulated actor as a follower in the data
// folder, with its server's shared inbox when shared, else with its own
// inbox only. serve must not be running: bbolt lets one process open the
// file.
func (e *env) seedFollowers(ctx context.Context, shared bool) error {
	start := time.Now()
	st, err := store.Open(e.data)
	if err != nil {
		return err
	}
	defer st.Close()
	actors := e.sim.Actors()
	jobs := make(chan *fedisim.Actor)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	// Concurrent writers share bbolt commits (db.Batch).
	for range 128 {
		wg.Go(func() {
			for a := range jobs {
				f := store.Follower{ActorID: a.ID, Inbox: a.Inbox, FollowID: a.ID + "#follow-blog", Since: start}
				if shared {
					f.SharedInbox = a.SharedInbox
				}
				if _, err := st.AddFollower(ctx, f); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
feed:
	for _, a := range actors {
		select {
		case jobs <- a:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return err
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	inboxes, err := st.FollowerInboxes(ctx)
	if err != nil {
		return err
	}
	kind := "personal inboxes"
	if shared {
		kind = "shared inboxes"
	}
	e.report.line("followers seeded", "%d, delivering to %d distinct %s, in %s", len(actors), len(inboxes), kind, round(time.Since(start)))
	return nil
}

// serveArgs is the serve command line.
func (e *env) serveArgs() []string {
	args := []string{"serve", "--config", os.DevNull, "--site", e.site, "--data", e.data,
		"--addr", e.addr, "--base-url", e.base, "--allow-private-networks",
		"--log-format", "json", "--log-level", "info"}
	if e.opts.workers > 0 {
		args = append(args, "--delivery-workers", strconv.Itoa(e.opts.workers))
	}
	if e.opts.perHost > 0 {
		args = append(args, "--delivery-per-host", strconv.Itoa(e.opts.perHost))
	}
	if e.opts.maxAge > 0 {
		args = append(args, "--delivery-max-age", e.opts.maxAge.String())
	}
	return append(args, e.opts.serveArg...)
}

// startServe starts serve on the data folder and waits until it answers.
// The first start also waits until publishing has begun (the existing
// posts recorded, not sent), so that the post saved next is new.
func (e *env) startServe(ctx context.Context) error {
	if e.addr != "" {
		return e.startServeOn(ctx)
	}
	// The port is found free, closed and handed to serve, so another
	// process may take it in between: then the first start tries another.
	for try := 1; ; try++ {
		addr, err := loopback.FreeAddr()
		if err != nil {
			return err
		}
		e.addr = addr
		e.base = "http://" + e.addr + "/"
		err = e.startServeOn(ctx)
		if err == nil || try == 3 || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
		e.serves--
	}
}

// startServeOn starts serve on e.addr.
func (e *env) startServeOn(ctx context.Context) error {
	args := e.serveArgs()
	e.serves++
	var echo io.Writer
	if e.opts.verbose {
		echo = e.stderr
	}
	logPath := filepath.Join(e.dir, fmt.Sprintf("serve-%d.log", e.serves))
	bin := e.bin
	if e.opts.pin {
		// taskset execs serve in its own process: the pid is serve's.
		bin, args = "taskset", append([]string{"-c", "0", e.bin}, args...)
	}
	p, err := startProcess(ctx, bin, args, logPath, echo)
	if err != nil {
		return err
	}
	e.serve = p
	start := time.Now()
	if err := p.waitReady(ctx, e.base+"ap/actor"); err != nil {
		return err
	}
	if e.serves == 1 {
		if err := p.logs.wait(ctx, msgArchived, p.exited); err != nil {
			return fmt.Errorf("serve did not record the existing posts: %w", err)
		}
	}
	if e.serves == 1 {
		e.report.line("serve", "%s %s", bin, strings.Join(quoteAll(args), " "))
	}
	e.report.line(fmt.Sprintf("serve start %d", e.serves), "pid %d, answering in %s", p.pid(), round(time.Since(start)))
	return nil
}

// msgArchived is what serve logs when publishing starts on an existing
// site.
const msgArchived = "federation started: existing posts recorded without sending them to followers"

// writePost saves a new post as editors do (write, then rename) and
// returns when it was saved.
func (e *env) writePost() (time.Time, error) {
	date := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	text := fmt.Sprintf("---\ntitle: \"Fan-out under load\"\ndate: %s\ntags: [testing]\n---\n\n"+
		"A post saved by the delivery harness, for every follower at once.\n", date)
	p := filepath.Join(e.site, "content", "posts", postName)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return time.Time{}, err
	}
	if err := os.Rename(tmp, p); err != nil {
		return time.Time{}, err
	}
	return time.Now(), nil
}

// deliveries runs blogbridge deliveries --json against the running serve
// (or the data folder when serve is stopped).
func (e *env) deliveries(ctx context.Context) (delivery.Stats, error) {
	var st delivery.Stats
	out, err := e.command(ctx, "deliveries", "--json", "--data", e.data)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return st, fmt.Errorf("blogbridge deliveries --json: %w", err)
	}
	return st, nil
}

// followers runs blogbridge followers list --json.
func (e *env) followers(ctx context.Context) ([]store.Follower, error) {
	var fs []store.Follower
	out, err := e.command(ctx, "followers", "list", "--json", "--data", e.data)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(out, &fs); err != nil {
		return nil, fmt.Errorf("blogbridge followers list --json: %w", err)
	}
	return fs, nil
}

// command runs blogbridge with args and returns its output.
func (e *env) command(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("blogbridge %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// waitQueueEmpty polls the queue until no job is left or in flight.
func (e *env) waitQueueEmpty(ctx context.Context, every time.Duration) (delivery.Stats, error) {
	for {
		st, err := e.deliveries(ctx)
		if err != nil {
			return st, err
		}
		if st.Unfinished() == 0 && st.InFlight == 0 {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("waiting for the queue to empty (%d unfinished): %w", st.Unfinished(), ctx.Err())
		case <-time.After(every):
		}
	}
}

// waitCreates waits until n distinct inboxes accepted a Create.
func (e *env) waitCreates(ctx context.Context, n int) error {
	err := e.sim.WaitFor(ctx, func(s fedisim.Stats) bool { return s.ByType["Create"]-s.Duplicates >= n })
	if err != nil {
		return fmt.Errorf("waiting for %d inboxes to get the post: %w (stats %s)", n, err, statsLine(e.sim.Stats()))
	}
	return nil
}

// createsByInbox counts the Creates each inbox accepted.
func createsByInbox(ds []fedisim.Delivery) map[string]int {
	m := make(map[string]int)
	for _, d := range ds {
		if d.Verified && d.Type == "Create" {
			m[d.Inbox]++
		}
	}
	return m
}

// statsLine sums up the simulator's counts.
func statsLine(s fedisim.Stats) string {
	b, _ := json.Marshal(map[string]any{"received": s.Received, "accepted": s.Accepted, "by_type": s.ByType,
		"duplicates": s.Duplicates, "rejected": s.Rejected, "faulted": s.Faulted})
	return string(b)
}

// moduleRoot returns the folder of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the blogbridge module (go env GOMOD is empty)")
	}
	return filepath.Dir(mod), nil
}

// goTool is the go command: from PATH, else from the toolchain this
// program was built with.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := filepath.Join(goroot(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// quoteAll shell-quotes each arg.
func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return out
}

// get fetches u with the Accept header and returns the body of a 200.
func get(ctx context.Context, client *http.Client, u, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return body, nil
}
