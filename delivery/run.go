package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/blogbridge/blogbridge/store"
)

// Timing of the dispatcher.
const (
	// commitLinger is how long outcomes may wait to be written with
	// others: group commit keeps the writes to a few a second.
	commitLinger = 20 * time.Millisecond
	// commitMax is the most outcomes written in one transaction.
	commitMax = 2048
	// tick is how often the dispatcher looks at the store even when
	// nothing told it to.
	tick = time.Second
	// defaultProgressEvery is how often a large fan-out logs its
	// progress, and progressMin how many jobs make a fan-out large.
	defaultProgressEvery = 5 * time.Second
	progressMin          = 100
	// pruneEvery is how often old records are pruned.
	pruneEvery = 24 * time.Hour
)

// heldJob is a job held in memory, from its read to its outcome's commit.
type heldJob struct {
	job  store.Job
	body []byte
	// closeConn: the connection is closed after the request rather than
	// kept idle (see closeAfter).
	closeConn bool
}

// hostState is what the dispatcher knows of one host.
type hostState struct {
	held  int        // jobs in memory, counted from when a read takes them
	slots int        // jobs in the pipeline (signing, sending)
	queue []*heldJob // jobs held, waiting for a slot
	// skipped: reads passed over jobs of the host because it had its
	// share of the window.
	skipped bool
	// failures counts failed attempts in a row; open is the breaker: the
	// host's jobs are parked while its probe tries it.
	failures    int
	open        bool
	lastFailure time.Time
}

// bodyRef is an activity body shared by the jobs held.
type bodyRef struct {
	body []byte
	refs int // jobs holding it now
	uses int // jobs that have held it since it was read
}

// commitBatch is outcomes to write in one transaction.
type commitBatch struct {
	jobs     []*heldJob
	results  []store.JobResult
	releases []store.Release
}

func (b *commitBatch) empty() bool { return len(b.results) == 0 && len(b.releases) == 0 }

// commitDone is a written batch.
type commitDone struct {
	batch     commitBatch
	summaries []store.DeliverySummary
	err       error
}

// runner is the state of one Run. Its fields are the dispatcher
// goroutine's own; the workers share only channels and contexts.
type runner struct {
	q *Queue
	// ctx is Run's: when done, no new request starts. sendCtx carries the
	// requests and is cancelled when the drain deadline passes.
	ctx        context.Context
	sendCtx    context.Context
	cancelSend context.CancelFunc

	window, hostCap, maxPipe int

	held     map[uint64]*heldJob
	hosts    map[string]*hostState
	bodies   map[string]*bodyRef
	runnable []*heldJob // jobs with a slot, in order, for the signers

	readyFrom   uint64 // where the next read of ready jobs starts
	readyRewind uint64 // the first ready job passed over, 0 for none
	readyEnd    bool   // the last read reached the end
	dueNext     time.Time
	dueDirty    bool // waiting jobs may have become due

	batch      commitBatch
	batchSince time.Time
	released   map[string]bool // hosts released in batch
	committing bool
	fenced     map[string]bool // hosts whose release is being written

	inPipe    int
	signCh    chan *heldJob
	results   chan result
	commitCh  chan commitBatch
	committed chan commitDone

	progress  map[string]time.Time // large fan-outs: last progress log
	lastPrune time.Time
	stopping  bool
	err       error
}

// Run delivers queued jobs until ctx is done, then waits for the requests
// in flight to finish, at most DrainTimeout, writes their outcomes and
// returns. Jobs not finished stay queued for the next Run. It returns nil
// when stopped by ctx, and an error when the store fails. Only one Run may
// run at a time.
func (q *Queue) Run(ctx context.Context) error {
	if !q.running.CompareAndSwap(false, true) {
		return errors.New("delivery: queue already running")
	}
	defer q.running.Store(false)
	st, err := q.store.QueueStats(ctx)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	q.metrics.depth.Store(int64(st.Unfinished()))
	if n := st.Unfinished(); n > 0 {
		q.log.Info("delivery queue resumed", slog.Int("pending", st.Pending+st.Blocked),
			slog.Int("retrying", st.Retrying), slog.Int("parked", st.Parked))
	}

	r := &runner{
		q:         q,
		ctx:       ctx,
		window:    q.opts.Window,
		hostCap:   max(4*q.opts.PerHost, q.opts.Window/8),
		maxPipe:   q.opts.Workers + q.opts.Signers,
		held:      make(map[uint64]*heldJob),
		hosts:     make(map[string]*hostState),
		bodies:    make(map[string]*bodyRef),
		released:  make(map[string]bool),
		fenced:    make(map[string]bool),
		dueDirty:  true,
		signCh:    make(chan *heldJob, q.opts.Signers),
		commitCh:  make(chan commitBatch),
		committed: make(chan commitDone),
		progress:  make(map[string]time.Time),
	}
	r.results = make(chan result, r.maxPipe)
	r.sendCtx, r.cancelSend = context.WithCancel(context.WithoutCancel(ctx))
	defer r.cancelSend()
	return r.run()
}

func (r *runner) run() error {
	q := r.q
	sendCh := make(chan outgoing)
	var signers, senders, committer sync.WaitGroup
	for range q.opts.Signers {
		signers.Go(func() { r.signLoop(r.signCh, sendCh) })
	}
	for range q.opts.Workers {
		senders.Go(func() { r.sendLoop(sendCh) })
	}
	committer.Go(r.commitLoop)

	r.prune()
	timer := time.NewTimer(tick)
	defer timer.Stop()
	done := r.ctx.Done()
	var drain <-chan time.Time
	lastTick := time.Now()
	for {
		now := q.now()
		if time.Since(lastTick) >= tick {
			r.tick(now)
			lastTick = time.Now()
		}
		r.refill(now)
		r.parkOpenHosts(now)
		if r.stopping {
			if drain == nil && done != nil {
				// Stopping on an error: drain as on cancellation.
				done = nil
				drain = time.After(q.opts.DrainTimeout)
			}
			if r.inPipe == 0 && !r.committing && r.batch.empty() {
				break
			}
		}

		var signCh chan<- *heldJob
		var next *heldJob
		if !r.stopping && len(r.runnable) > 0 && r.inPipe < r.maxPipe {
			signCh, next = r.signCh, r.runnable[0]
			next.closeConn = r.closeAfter(next)
		}
		var commitCh chan<- commitBatch
		var batch commitBatch
		if r.shouldCommit(now) {
			commitCh, batch = r.commitCh, r.prepareBatch()
		}
		timer.Reset(r.nextWake(now, lastTick))

		select {
		case signCh <- next:
			r.runnable[0] = nil
			r.runnable = r.runnable[1:]
			r.inPipe++
			q.inPipe.Store(int64(r.inPipe))
		case res := <-r.results:
			r.handle(res)
		case d := <-r.committed:
			r.afterCommit(d)
		case commitCh <- batch:
			r.committing = true
			for _, rel := range batch.releases {
				r.fenced[rel.Host] = true
			}
			r.batch = commitBatch{}
			clear(r.released)
		case <-q.wake:
			r.readyEnd = false
		case <-timer.C:
		case <-done:
			r.stopping = true
			done = nil
			drain = time.After(q.opts.DrainTimeout)
		case <-drain:
			r.cancelSend()
			drain = nil
		}
	}
	close(r.signCh)
	signers.Wait()
	close(sendCh)
	senders.Wait()
	close(r.commitCh)
	committer.Wait()
	q.inPipe.Store(0)
	return r.err
}

// commitLoop writes batches of outcomes.
func (r *runner) commitLoop() {
	ctx := context.WithoutCancel(r.ctx)
	for b := range r.commitCh {
		sums, err := r.q.store.FinishJobs(ctx, b.results, b.releases)
		r.committed <- commitDone{batch: b, summaries: sums, err: err}
	}
}

// fail stops the run because of err.
func (r *runner) fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("delivery: %w", err)
		r.q.log.Error("delivery stopped", slog.String("error", err.Error()))
	}
	r.stopping = true
}

// nextWake returns how long the dispatcher may sleep: until the next
// waiting job is due, the batch must be written, or the next tick.
func (r *runner) nextWake(now time.Time, lastTick time.Time) time.Duration {
	d := tick - time.Since(lastTick)
	if !r.dueNext.IsZero() && len(r.held) < r.window && !r.stopping {
		d = min(d, r.dueNext.Sub(now))
	}
	if !r.batch.empty() && !r.committing {
		d = min(d, commitLinger-now.Sub(r.batchSince))
	}
	return max(d, time.Millisecond)
}

// shouldCommit reports whether the batch is to be written now.
func (r *runner) shouldCommit(now time.Time) bool {
	if r.committing || r.batch.empty() {
		return false
	}
	return r.stopping || len(r.batch.results) >= commitMax || now.Sub(r.batchSince) >= commitLinger
}

// prepareBatch returns the batch with the jobs each release must leave
// alone: those held in memory whose outcome is not in the batch.
func (r *runner) prepareBatch() commitBatch {
	b := r.batch
	if len(b.releases) == 0 {
		return b
	}
	inBatch := make(map[uint64]bool, len(b.jobs))
	for _, hj := range b.jobs {
		inBatch[hj.job.Seq] = true
	}
	for i := range b.releases {
		rel := &b.releases[i]
		rel.Held = rel.Held[:0]
		for seq, hj := range r.held {
			if hj.job.Host == rel.Host && !inBatch[seq] {
				rel.Held = append(rel.Held, seq)
			}
		}
	}
	return b
}

// refill reads jobs into the window: due waiting jobs first, then ready
// ones.
func (r *runner) refill(now time.Time) {
	if r.stopping {
		return
	}
	space := r.window - len(r.held)
	if space <= 0 {
		return
	}
	if r.dueDirty || (!r.dueNext.IsZero() && !now.Before(r.dueNext)) {
		jobs, next, more, err := r.q.store.DueJobs(r.ctx, now, space, r.wantDue)
		if err != nil {
			if r.ctx.Err() == nil {
				r.fail(err)
			}
			return
		}
		r.dueNext, r.dueDirty = next, more
		r.admit(jobs, now)
		space = r.window - len(r.held)
	}
	if space > 0 && !r.readyEnd {
		jobs, next, end, err := r.q.store.ReadyJobs(r.ctx, r.readyFrom, space, r.wantReady)
		if err != nil {
			if r.ctx.Err() == nil {
				r.fail(err)
			}
			return
		}
		r.readyFrom, r.readyEnd = next, end
		r.admit(jobs, now)
	}
}

// host returns the state of host, making it.
func (r *runner) host(name string) *hostState {
	h := r.hosts[name]
	if h == nil {
		h = &hostState{}
		r.hosts[name] = h
	}
	return h
}

// wantReady decides whether a read takes a ready job, counting it held.
func (r *runner) wantReady(seq uint64, host string) bool {
	if _, ok := r.held[seq]; ok {
		return false
	}
	h := r.host(host)
	if h.held >= r.hostCap {
		h.skipped = true
		if r.readyRewind == 0 || seq < r.readyRewind {
			r.readyRewind = seq
		}
		return false
	}
	h.held++
	return true
}

// wantDue decides whether a read takes a due job, counting it held.
func (r *runner) wantDue(seq uint64, host string) bool {
	if _, ok := r.held[seq]; ok {
		return false
	}
	if r.fenced[host] {
		return false
	}
	h := r.host(host)
	if h.held >= r.hostCap {
		h.skipped = true
		return false
	}
	h.held++
	return true
}

// admit takes jobs just read into the window: it settles those that need
// no request (expired, or parked while their host is down) and queues the
// others for their host.
func (r *runner) admit(jobs []store.Job, now time.Time) {
	if len(jobs) == 0 {
		return
	}
	var send []*heldJob
	var missing []string
	for _, j := range jobs {
		hj := &heldJob{job: j}
		r.held[j.Seq] = hj
		h := r.hosts[j.Host]
		expired := now.Sub(j.Created) >= r.q.opts.MaxAge
		switch {
		case expired && (j.Attempts > 0 || h.open):
			msg := j.LastError
			if msg == "" {
				msg = "host unreachable"
			}
			r.settle(hj, store.JobResult{Outcome: store.Failed, Error: msg}, now)
		case h.open && !j.Probe:
			r.settle(hj, r.parkResult(&j, now, ""), now)
		default:
			if b := r.bodies[j.ActivityID]; b != nil {
				b.refs++
				b.uses++
				hj.body = b.body
			} else if !slices.Contains(missing, j.ActivityID) {
				missing = append(missing, j.ActivityID)
			}
			send = append(send, hj)
		}
	}
	if len(missing) > 0 {
		found, err := r.q.store.ActivityBodies(r.ctx, missing)
		if err != nil {
			if r.ctx.Err() == nil {
				r.fail(err)
			}
			found = nil
		}
		for id, body := range found {
			r.bodies[id] = &bodyRef{body: body}
		}
	}
	for _, hj := range send {
		if hj.body == nil {
			b := r.bodies[hj.job.ActivityID]
			if b == nil {
				if r.stopping {
					r.forget(hj)
					continue
				}
				r.settle(hj, store.JobResult{Outcome: store.Rejected, Error: "activity body missing from the store"}, now)
				continue
			}
			b.refs++
			b.uses++
			hj.body = b.body
		}
		h := r.hosts[hj.job.Host]
		if h.slots < r.hostLimit(h) {
			h.slots++
			r.runnable = append(r.runnable, hj)
		} else {
			h.queue = append(h.queue, hj)
		}
	}
}

// earlier returns the earlier of a and b.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// parkOpenHosts settles, as parked, the jobs next in line whose host went
// down since they were queued.
func (r *runner) parkOpenHosts(now time.Time) {
	for len(r.runnable) > 0 {
		hj := r.runnable[0]
		h := r.hosts[hj.job.Host]
		if !h.open || hj.job.Probe {
			return
		}
		r.runnable[0] = nil
		r.runnable = r.runnable[1:]
		h.slots--
		r.settle(hj, r.parkResult(&hj.job, now, ""), now)
		r.promote(h)
	}
}

// hostLimit is how many jobs of h may be in the pipeline at once: PerHost,
// or one while its last attempt failed, so that a server that hangs or
// errs holds one worker rather than PerHost of them until it answers
// again.
func (r *runner) hostLimit(h *hostState) int {
	if h.failures > 0 {
		return 1
	}
	return r.q.opts.PerHost
}

// promote gives free slots of h to its queued jobs. They go to the front of
// the line: a slot frees when a request of the host ends, and the job sent
// next then finds that request's connection idle rather than closed for
// want of room in the pool.
func (r *runner) promote(h *hostState) {
	n := min(r.hostLimit(h)-h.slots, len(h.queue))
	if n <= 0 {
		return
	}
	h.slots += n
	r.runnable = slices.Insert(r.runnable, 0, h.queue[:n]...)
	clear(h.queue[:n])
	h.queue = h.queue[n:]
}

// parkResult is the outcome of parking j: it waits for its host until it
// expires, or, as the host's first parked job, probes the host after a
// back-off.
func (r *runner) parkResult(j *store.Job, now time.Time, errText string) store.JobResult {
	return store.JobResult{
		Outcome: store.Park,
		Error:   errText,
		RetryAt: now.Add(r.q.backoff(j.Attempts + 1)),
		Until:   j.Created.Add(r.q.opts.MaxAge),
	}
}

// settle adds the outcome of a held job to the batch to write.
func (r *runner) settle(hj *heldJob, res store.JobResult, now time.Time) {
	res.Job = hj.job
	res.At = now
	if r.batch.empty() {
		r.batchSince = now
	}
	r.batch.jobs = append(r.batch.jobs, hj)
	r.batch.results = append(r.batch.results, res)
}

// release asks the batch to release the parked jobs of host.
func (r *runner) release(host string, now time.Time) {
	if r.released[host] {
		return
	}
	r.released[host] = true
	if r.batch.empty() {
		r.batchSince = now
	}
	r.batch.releases = append(r.batch.releases, store.Release{Host: host, At: now})
}

// handle takes the result of a job from the workers and decides its
// outcome.
func (r *runner) handle(res result) {
	q := r.q
	r.inPipe--
	q.inPipe.Store(int64(r.inPipe))
	hj := res.job
	j := &hj.job
	h := r.hosts[j.Host]
	h.slots--
	// Promoted once the outcome has updated h: a failure leaves it one
	// slot, a success all of them.
	defer r.promote(h)
	if res.abandoned {
		r.forget(hj)
		return
	}
	now := q.now()
	if res.attempted {
		q.metrics.request.observe(res.took)
	}
	if res.err == nil && res.status < 300 || res.status == http.StatusGone {
		r.alive(h, j.Host, now)
		if j.Probe {
			r.release(j.Host, now)
		}
		if res.status == http.StatusGone {
			q.log.Info("inbox gone", slog.String("activity", j.ActivityID), slog.String("inbox", j.Inbox))
			r.settle(hj, store.JobResult{Outcome: store.Gone, Attempted: true, Error: res.errorText()}, now)
			return
		}
		r.settle(hj, store.JobResult{Outcome: store.Delivered, Attempted: true}, now)
		return
	}
	msg := res.errorText()
	if !res.retryable() {
		if res.err == nil {
			r.alive(h, j.Host, now)
		}
		if j.Probe {
			r.release(j.Host, now)
		}
		q.log.Warn("delivery rejected; dropped", slog.String("activity", j.ActivityID),
			slog.String("inbox", j.Inbox), slog.String("error", msg))
		r.settle(hj, store.JobResult{Outcome: store.Rejected, Attempted: res.attempted, Error: msg}, now)
		return
	}

	if res.status != http.StatusTooManyRequests {
		h.failures++
		h.lastFailure = now
	}
	expiry := j.Created.Add(q.opts.MaxAge)
	switch {
	case !now.Before(expiry):
		if j.Probe {
			r.release(j.Host, now)
		}
		q.log.Warn("delivery failed; giving up", slog.String("activity", j.ActivityID),
			slog.String("inbox", j.Inbox), slog.Int("attempts", j.Attempts+1), slog.String("error", msg))
		r.settle(hj, store.JobResult{Outcome: store.Failed, Attempted: true, Error: msg}, now)
	case !j.Probe && (h.open || h.failures >= q.opts.BreakerFailures && res.status != http.StatusTooManyRequests):
		if !h.open {
			h.open = true
			q.log.Warn("host unreachable; parking its deliveries until a probe succeeds",
				slog.String("host", j.Host), slog.Int("failures", h.failures), slog.String("error", msg))
		}
		r.settle(hj, store.JobResult{
			Outcome:   store.Park,
			Attempted: true,
			Error:     msg,
			RetryAt:   earlier(now.Add(q.backoff(j.Attempts+1)), expiry),
			Until:     expiry,
		}, now)
	default:
		delay := res.retryAfter
		if delay <= 0 {
			delay = q.backoff(j.Attempts + 1)
		}
		if q.log.Enabled(r.ctx, slog.LevelDebug) {
			q.log.Debug("delivery failed; retrying", slog.String("activity", j.ActivityID),
				slog.String("inbox", j.Inbox), slog.Int("attempts", j.Attempts+1),
				slog.Duration("delay", delay), slog.String("error", msg))
		}
		r.settle(hj, store.JobResult{
			Outcome:   store.Retry,
			Attempted: true,
			Error:     msg,
			RetryAt:   earlier(now.Add(delay), expiry),
		}, now)
	}
}

// alive notes that host answered: its breaker closes and, if it was open,
// its parked jobs are released.
func (r *runner) alive(h *hostState, host string, now time.Time) {
	h.failures = 0
	if h.open {
		h.open = false
		r.q.log.Info("host reachable again; releasing its deliveries", slog.String("host", host))
		r.release(host, now)
	}
}

// afterCommit lets go of the jobs whose outcomes were written.
func (r *runner) afterCommit(d commitDone) {
	q := r.q
	r.committing = false
	for _, rel := range d.batch.releases {
		delete(r.fenced, rel.Host)
	}
	if d.err != nil {
		r.fail(d.err)
	}
	now := q.now()
	var finished int64
	for i, hj := range d.batch.jobs {
		r.forget(hj)
		if d.err != nil {
			continue
		}
		res := &d.batch.results[i]
		switch res.Outcome {
		case store.Delivered:
			q.metrics.delivered.Add(1)
			q.metrics.latency.observe(res.At.Sub(hj.job.Created))
			finished++
		case store.Gone:
			q.metrics.gone.Add(1)
			finished++
		case store.Rejected:
			q.metrics.rejected.Add(1)
			finished++
		case store.Failed:
			q.metrics.failed.Add(1)
			finished++
		case store.Retry:
			q.metrics.retried.Add(1)
		case store.Park:
			q.metrics.parked.Add(1)
		}
	}
	q.metrics.depth.Add(-finished)
	r.dueDirty = true
	r.readyEnd = false
	r.logProgress(d.summaries, now)
}

// forget lets go of a held job.
func (r *runner) forget(hj *heldJob) {
	j := &hj.job
	delete(r.held, j.Seq)
	if hj.body != nil {
		if b := r.bodies[j.ActivityID]; b != nil {
			if b.refs--; b.refs <= 0 {
				delete(r.bodies, j.ActivityID)
			}
		}
	}
	h := r.hosts[j.Host]
	h.held--
	// Reads passed over jobs of the host: read again once it has room for
	// many, not for each one, since a read goes over every job passed.
	if h.skipped && h.held <= r.hostCap/2 {
		h.skipped = false
		r.dueDirty = true
		if r.readyRewind != 0 {
			r.readyFrom = min(r.readyFrom, r.readyRewind)
			r.readyRewind = 0
			r.readyEnd = false
		}
	}
	if h.held == 0 && h.slots == 0 && h.failures == 0 && !h.open {
		delete(r.hosts, j.Host)
	}
}

// closeAfter reports whether hj's connection is closed after its request:
// when no other job of its host is held and hj is part of a fan-out (other
// jobs have held its body). A server sent one post of a fan-out is seldom sent
// another soon, and closing spares both sides an idle connection. A
// delivery to one inbox alone, such as the Accept of a Follow, goes to a
// server that is talking to us and keeps its connection.
func (r *runner) closeAfter(hj *heldJob) bool {
	b := r.bodies[hj.job.ActivityID]
	return r.hosts[hj.job.Host].held == 1 && b != nil && b.uses > 1
}

// logProgress logs the progress of large fan-outs every few seconds, and
// their end.
func (r *runner) logProgress(sums []store.DeliverySummary, now time.Time) {
	for i := range sums {
		s := &sums[i]
		if s.Total < progressMin {
			continue
		}
		last, seen := r.progress[s.ActivityID]
		switch {
		case !s.Finished.IsZero():
			delete(r.progress, s.ActivityID)
			r.q.log.Info("delivery finished", slog.String("activity", s.ActivityID),
				slog.Int("total", s.Total), slog.Int("delivered", s.Delivered), slog.Int("gone", s.Gone),
				slog.Int("rejected", s.Rejected), slog.Int("failed", s.Failed),
				slog.Duration("took", s.Finished.Sub(s.Enqueued)))
		case !seen:
			r.progress[s.ActivityID] = now
		case now.Sub(last) >= r.q.progressEvery:
			r.progress[s.ActivityID] = now
			r.q.log.Info("delivery progress", slog.String("activity", s.ActivityID),
				slog.Int("done", s.Done()), slog.Int("total", s.Total))
		}
	}
}

// tick forgets hosts that failed long ago and prunes old records.
func (r *runner) tick(now time.Time) {
	for name, h := range r.hosts {
		if h.held == 0 && h.slots == 0 && now.Sub(h.lastFailure) > 2*r.q.opts.BackoffMax {
			delete(r.hosts, name)
		}
	}
	if now.Sub(r.lastPrune) >= pruneEvery {
		r.prune()
	}
}

// prune removes failed deliveries and summaries older than Keep.
func (r *runner) prune() {
	now := r.q.now()
	r.lastPrune = now
	n, err := r.q.store.PruneDeliveries(r.ctx, now.Add(-r.q.opts.Keep))
	if err != nil {
		if r.ctx.Err() == nil {
			r.q.log.Error("pruning old delivery records failed", slog.String("error", err.Error()))
		}
		return
	}
	if n > 0 {
		r.q.log.Info("old delivery records pruned", slog.Int("records", n))
	}
}
