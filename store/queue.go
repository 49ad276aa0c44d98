package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The delivery queue is kept in four buckets:
//
//	activities  activity id → the activity's unsigned body, kept while a
//	            job of the activity is unfinished
//	jobs        'j' seq → a job ready to run, in order of sequence
//	            'b' object NUL inbox NUL seq → a job blocked behind an
//	            earlier unfinished job of the same object to the same inbox
//	            'o' object NUL inbox → seq: a job of the object to the inbox
//	            is unfinished (the head of the chain the 'b' keys queue on)
//	            'p' host → the waiting key of the host's probe job
//	waiting     due (unix nanoseconds, big-endian) seq → a job waiting for a
//	            time: a retry, a host's probe, or a job parked while its
//	            host is down (due when it expires)
//	sent        's' object NUL activity id → DeliverySummary (JSON)
//	            'f' seq → FailedDelivery (JSON)
//
// Sequences are 8 bytes big-endian, so keys sort in the order jobs were
// queued. Job values are a compact binary record (see appendJob): the queue
// can hold hundreds of thousands of them and the dispatcher skims them.
const (
	prefixReady   = 'j'
	prefixBlocked = 'b'
	prefixChain   = 'o'
	prefixProbe   = 'p'
	prefixSummary = 's'
	prefixFailed  = 'f'
)

// maxErrorLen bounds the error text kept with a job.
const maxErrorLen = 300

// OutgoingActivity is an activity to deliver.
type OutgoingActivity struct {
	// ID is the activity's id.
	ID string
	// ObjectID is the id of the object the activity is about (the post a
	// Create, Update or Delete carries). For one inbox, a job never starts
	// before every earlier job of the same object has finished. Empty for
	// activities that need no order.
	ObjectID string
	// Body is the activity's JSON, unsigned.
	Body []byte
}

// Job is one delivery of an activity to one inbox, as the queue holds it.
type Job struct {
	// Seq identifies the job while it is queued.
	Seq uint64
	// ActivityID and ObjectID are the activity's and its object's ids;
	// Inbox is where it goes.
	ActivityID string
	ObjectID   string
	Inbox      string
	// Host is the inbox URL's host (with its port, if any), lower case.
	Host string
	// Created is when the job was queued.
	Created time.Time
	// Attempts counts the requests made so far.
	Attempts int
	// LastError says why the last attempt failed.
	LastError string
	// Due is when a waiting job is due; zero for a ready job.
	Due time.Time
	// Probe marks the job that tests whether its host is back.
	Probe bool
	// Parked marks a job waiting for its host to come back.
	Parked bool

	key []byte // where the job is: a ready or a waiting key
}

// Outcome is what became of a job after an attempt.
type Outcome int

// Outcomes of a job. The first four are final: the job leaves the queue.
const (
	// Delivered: the inbox accepted the activity.
	Delivered Outcome = iota + 1
	// Gone: the inbox answered 410 Gone.
	Gone
	// Rejected: the inbox refused the activity for good (a 4xx other than
	// 410 and 429, a refused address, a malformed inbox).
	Rejected
	// Failed: the queue gave up after retrying for too long.
	Failed
	// Retry: try again at JobResult.RetryAt.
	Retry
	// Park: the job's host is down; hold the job until it is back. The
	// first job parked for a host becomes its probe, due at RetryAt; the
	// others wait until Until, when they expire.
	Park
)

// JobResult is the outcome of one job, for FinishJobs.
type JobResult struct {
	// Job is the job as ReadyJobs or DueJobs returned it.
	Job     Job
	Outcome Outcome
	// Attempted reports that a request was made.
	Attempted bool
	// Error says why the attempt failed, for every outcome but Delivered.
	Error string
	// At is when the outcome was reached.
	At time.Time
	// RetryAt is when to try again (Retry; Park when the job becomes its
	// host's probe).
	RetryAt time.Time
	// Until is when a parked job expires (Park).
	Until time.Time
}

// Release asks FinishJobs to end the parking of a host's jobs: every
// parked job of Host, and its probe, becomes due at At, except the jobs
// whose sequence is in Held (they are being worked on and will report
// their own outcome).
type Release struct {
	Host string
	At   time.Time
	Held []uint64
}

// DeliverySummary is the progress of one activity's delivery.
type DeliverySummary struct {
	ActivityID string    `json:"activity_id"`
	ObjectID   string    `json:"object_id,omitempty"`
	Enqueued   time.Time `json:"enqueued"`
	// Finished is when the last job finished; zero while jobs remain.
	Finished  time.Time `json:"finished,omitzero"`
	Total     int       `json:"total"`
	Delivered int       `json:"delivered"`
	Gone      int       `json:"gone"`
	Rejected  int       `json:"rejected"`
	Failed    int       `json:"failed"`
}

// Done returns how many of the activity's jobs have finished.
func (d DeliverySummary) Done() int { return d.Delivered + d.Gone + d.Rejected + d.Failed }

// FailedDelivery is a job the queue gave up on, kept for the record.
type FailedDelivery struct {
	ActivityID string    `json:"activity_id"`
	ObjectID   string    `json:"object_id,omitempty"`
	Inbox      string    `json:"inbox"`
	Host       string    `json:"host"`
	Created    time.Time `json:"created"`
	Failed     time.Time `json:"failed"`
	Attempts   int       `json:"attempts"`
	Error      string    `json:"error"`
}

// QueueStats describes the delivery queue.
type QueueStats struct {
	// Pending jobs are ready to run or running.
	Pending int `json:"pending"`
	// Blocked jobs wait for an earlier job of the same object to the same
	// inbox.
	Blocked int `json:"blocked"`
	// Retrying jobs wait for their next attempt.
	Retrying int `json:"retrying"`
	// Parked jobs wait for their host to come back (its probe included).
	Parked int `json:"parked"`
	// Failed jobs were given up on and are kept for the record.
	Failed int `json:"failed"`
	// Hosts has the same counts per host, most jobs first.
	Hosts []HostQueueStats `json:"hosts"`
	// Activities are the activities with unfinished jobs, oldest first.
	Activities []DeliverySummary `json:"activities"`
}

// Unfinished returns how many jobs are still to finish.
func (s QueueStats) Unfinished() int { return s.Pending + s.Blocked + s.Retrying + s.Parked }

// HostQueueStats are the queue's counts for one host, as QueueStats
// defines them.
type HostQueueStats struct {
	Host     string `json:"host"`
	Pending  int    `json:"pending,omitempty"`
	Blocked  int    `json:"blocked,omitempty"`
	Retrying int    `json:"retrying,omitempty"`
	Parked   int    `json:"parked,omitempty"`
	Failed   int    `json:"failed,omitempty"`
	// LastError is the last error of a job of the host that is retrying,
	// parked or failed.
	LastError string `json:"last_error,omitempty"`
}

// EnqueueDeliveries durably stores activity a and one job per distinct
// inbox, in one transaction, and returns how many jobs it queued. Inboxes
// that are not http or https URLs with a host are skipped and returned as
// invalid. Jobs of one host are spread out among the others, so that a
// host with many inboxes does not hold up the rest.
//
// A job whose inbox has an unfinished job for the same object waits until
// that job finishes. Queuing an activity id again adds jobs to it (and
// replaces its body).
func (s *Store) EnqueueDeliveries(ctx context.Context, a OutgoingActivity, inboxes []string, now time.Time) (queued int, invalid []string, err error) {
	err = s.Apply(ctx, EnqueueDeliveriesChange(a, inboxes, now, &queued, &invalid))
	return queued, invalid, err
}

// EnqueueDeliveriesChange is EnqueueDeliveries as a Change, for Apply.
// The invalid inboxes are known, and set, at once.
func EnqueueDeliveriesChange(a OutgoingActivity, inboxes []string, now time.Time, queued *int, invalid *[]string) Change {
	if err := checkKey("activity id", a.ID); err != nil {
		return failed(err)
	}
	if strings.IndexByte(a.ID, 0) >= 0 || strings.IndexByte(a.ObjectID, 0) >= 0 {
		return failed(fmt.Errorf("%w: activity %q or object %q holds a NUL byte", ErrInvalidID, a.ID, a.ObjectID))
	}
	if len(a.Body) == 0 {
		return failed(fmt.Errorf("%w: activity %s has no body", ErrInvalidID, a.ID))
	}
	targets, bad := spreadInboxes(inboxes)
	set(invalid, bad)
	set(queued, 0)
	if len(targets) == 0 {
		return Change{apply: func(*bolt.Tx) error { return nil }}
	}
	created := now.UnixNano()
	enqueue := func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		base := jobs.Sequence()
		if err := jobs.SetSequence(base + uint64(len(targets))); err != nil {
			return err
		}
		// A job waits when its inbox has an unfinished job of the object.
		blocked := make([]bool, len(targets))
		if a.ObjectID != "" {
			for i, t := range targets {
				blocked[i] = jobs.Get(chainKey(a.ObjectID, t.inbox)) != nil
			}
		}
		// bbolt holds a transaction's new keys in one node per leaf until
		// commit, so keys are put in ascending order ('b' < 'j' < 'o'),
		// each landing at the end: inserting in the middle would make a
		// large fan-out quadratic.
		byInbox := make([]int, len(targets))
		for i := range byInbox {
			byInbox[i] = i
		}
		slices.SortFunc(byInbox, func(x, y int) int { return strings.Compare(targets[x].inbox, targets[y].inbox) })
		var buf []byte // values stay referenced until commit: carve, never reuse
		value := func(t target) []byte {
			start := len(buf)
			buf = appendJobRecord(buf, t.host, t.inbox, a.ID, a.ObjectID, created, 0, 0, "")
			v := buf[start:len(buf):len(buf)]
			if len(buf) > 1<<16 {
				buf = nil
			}
			return v
		}
		for _, i := range byInbox {
			if blocked[i] {
				if err := jobs.Put(blockedKey(a.ObjectID, targets[i].inbox, base+uint64(i)+1), value(targets[i])); err != nil {
					return err
				}
			}
		}
		for i, t := range targets {
			if !blocked[i] {
				if err := jobs.Put(readyKey(base+uint64(i)+1), value(t)); err != nil {
					return err
				}
			}
		}
		if a.ObjectID != "" {
			for _, i := range byInbox {
				if !blocked[i] {
					if err := jobs.Put(chainKey(a.ObjectID, targets[i].inbox), seqBytes(base+uint64(i)+1)); err != nil {
						return err
					}
				}
			}
		}
		if err := tx.Bucket(bucketActivities).Put([]byte(a.ID), a.Body); err != nil {
			return err
		}
		sent := tx.Bucket(bucketSent)
		sk := summaryKey(a.ObjectID, a.ID)
		sum := DeliverySummary{ActivityID: a.ID, ObjectID: a.ObjectID, Enqueued: now.UTC()}
		if raw := sent.Get(sk); raw != nil {
			if err := json.Unmarshal(raw, &sum); err != nil {
				return fmt.Errorf("summary of %s: %w", a.ID, err)
			}
			sum.Finished = time.Time{}
		}
		sum.Total += len(targets)
		raw, err := json.Marshal(&sum)
		if err != nil {
			return err
		}
		return sent.Put(sk, raw)
	}
	// A small enqueue, like the Accept of a follow, shares its commit with
	// others made at the same time; a fan-out commits on its own.
	return Change{solo: len(targets) > smallEnqueue, apply: func(tx *bolt.Tx) error {
		if err := enqueue(tx); err != nil {
			return fmt.Errorf("store: enqueue %s: %w", a.ID, err)
		}
		set(queued, len(targets))
		return nil
	}}
}

// smallEnqueue is the most jobs an enqueue may have to be batched with
// others; the function bbolt batches may run twice, which the enqueue
// allows, since it reads everything it writes from the transaction.
const smallEnqueue = 16

// target is an inbox and its host.
type target struct{ inbox, host string }

// hostRun is how many of one host's inboxes a fan-out queues in a row.
// Jobs of a host that run together reuse its connections; runs from
// different hosts alternate, so that a large host does not hold back the
// small ones behind it.
const hostRun = 16

// spreadInboxes returns the distinct valid inboxes, grouped in runs of up to
// hostRun inboxes of one host, the runs ordered round-robin by host (hosts in
// order of first appearance), and the invalid inboxes.
func spreadInboxes(inboxes []string) (out []target, invalid []string) {
	seen := make(map[string]struct{}, len(inboxes))
	byHost := make(map[string][]string)
	var hosts []string
	for _, in := range inboxes {
		if _, dup := seen[in]; dup {
			continue
		}
		seen[in] = struct{}{}
		host, ok := InboxHost(in)
		if !ok || len(in) > bolt.MaxKeySize/4 || strings.IndexByte(in, 0) >= 0 {
			invalid = append(invalid, in)
			continue
		}
		if _, known := byHost[host]; !known {
			hosts = append(hosts, host)
		}
		byHost[host] = append(byHost[host], in)
	}
	out = make([]target, 0, len(seen)-len(invalid))
	for round := 0; len(out) < cap(out); round += hostRun {
		for _, h := range hosts {
			list := byHost[h]
			for _, in := range list[min(round, len(list)):min(round+hostRun, len(list))] {
				out = append(out, target{inbox: in, host: h})
			}
		}
	}
	return out, invalid
}

// InboxHost returns the host (with its port, if any, lower case) of an
// inbox URL, and whether the inbox is an http or https URL with a host.
func InboxHost(inbox string) (string, bool) {
	u, err := url.Parse(inbox)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", false
	}
	return strings.ToLower(u.Host), true
}

// ReadyJobs reads ready jobs in the order they were queued, from sequence
// from on. It returns at most max jobs, passing over those for which want
// reports false (want sees only the sequence and host, before the job is
// decoded), and looks at a bounded number of keys per call. next is where
// to continue; end reports that no ready job lies at or after next.
func (s *Store) ReadyJobs(ctx context.Context, from uint64, max int, want func(seq uint64, host string) bool) (jobs []Job, next uint64, end bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, from, false, fmt.Errorf("store: read ready jobs: %w", err)
	}
	next = from
	visit := 8*max + 4096
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		k, v := c.Seek(readyKey(from))
		for ; k != nil && k[0] == prefixReady && len(k) == 9; k, v = c.Next() {
			if len(jobs) >= max || visit == 0 {
				return nil
			}
			visit--
			seq := binary.BigEndian.Uint64(k[1:])
			next = seq + 1
			host, ok := recordHost(v)
			if !ok {
				return fmt.Errorf("job %d: %w", seq, errBadRecord)
			}
			if !want(seq, host) {
				continue
			}
			var j Job
			if err := decodeJob(k, v, &j); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		end = true
		return nil
	})
	if err != nil {
		return nil, from, false, fmt.Errorf("store: read ready jobs: %w", err)
	}
	return jobs, next, end, nil
}

// DueJobs reads waiting jobs due at or before now, earliest first. It
// returns at most max jobs, passing over those for which want reports
// false. next is when the earliest job not yet due will be (zero when there
// is none or the read stopped at max); more reports that the read stopped
// at max with due jobs left.
func (s *Store) DueJobs(ctx context.Context, now time.Time, max int, want func(seq uint64, host string) bool) (jobs []Job, next time.Time, more bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("store: read due jobs: %w", err)
	}
	limit := timeKey(now)
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketWaiting).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 16 {
				continue
			}
			if bytes.Compare(k[:8], limit[:]) > 0 {
				next = keyTime(k)
				return nil
			}
			if len(jobs) >= max {
				more = true
				return nil
			}
			seq := binary.BigEndian.Uint64(k[8:])
			host, ok := recordHost(v)
			if !ok {
				return fmt.Errorf("waiting job %d: %w", seq, errBadRecord)
			}
			if !want(seq, host) {
				continue
			}
			var j Job
			if err := decodeJob(k, v, &j); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("store: read due jobs: %w", err)
	}
	return jobs, next, more, nil
}

// ActivityBodies returns the bodies of the activities with the given ids
// that are still queued, by id.
func (s *Store) ActivityBodies(ctx context.Context, ids []string) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: read activities: %w", err)
	}
	out := make(map[string][]byte, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketActivities)
		for _, id := range ids {
			if v := b.Get([]byte(id)); v != nil {
				out[id] = bytes.Clone(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read activities: %w", err)
	}
	return out, nil
}

// FinishJobs records the outcomes of jobs and ends the parking of hosts, in
// one durable transaction, and returns the summaries of the activities
// whose jobs finished. A result for a job that is no longer where it was
// read (already finished or moved) is ignored.
//
// A finished job's activity body is removed with its last job, the next
// job of the same object to the same inbox becomes ready, and a failed
// job is kept as a FailedDelivery.
//
// The transaction is shared with other writers of the moment (see batch):
// while follows arrive, the outcomes of their Accepts are written in the
// commits that store the follows.
func (s *Store) FinishJobs(ctx context.Context, results []JobResult, releases []Release) ([]DeliverySummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: finish jobs: %w", err)
	}
	var out []DeliverySummary
	err := s.batch(func(tx *bolt.Tx) error {
		f := finisher{
			jobs:       tx.Bucket(bucketJobs),
			waiting:    tx.Bucket(bucketWaiting),
			sent:       tx.Bucket(bucketSent),
			activities: tx.Bucket(bucketActivities),
			summaries:  make(map[string]*DeliverySummary),
		}
		for i := range results {
			if err := f.apply(&results[i]); err != nil {
				return err
			}
		}
		if err := f.release(releases); err != nil {
			return err
		}
		var err error
		out, err = f.flush()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: finish jobs: %w", err)
	}
	return out, nil
}

// finisher applies job results inside one transaction.
type finisher struct {
	jobs, waiting, sent, activities *bolt.Bucket
	summaries                       map[string]*DeliverySummary // by summary key
	order                           []string
}

func (f *finisher) apply(r *JobResult) error {
	j := &r.Job
	var from *bolt.Bucket
	switch len(j.key) {
	case 9:
		from = f.jobs
	case 16:
		from = f.waiting
	default:
		return nil
	}
	if from.Get(j.key) == nil {
		return nil // finished or moved already
	}
	if err := from.Delete(j.key); err != nil {
		return err
	}
	nj := *j
	if r.Attempted {
		nj.Attempts++
	}
	if r.Error != "" {
		nj.LastError = r.Error
	}
	switch r.Outcome {
	case Retry, Park:
		nj.Parked = false
		due := r.RetryAt
		if r.Outcome == Park && !nj.Probe {
			if f.jobs.Get(probeKey(j.Host)) == nil {
				nj.Probe = true
			} else {
				nj.Parked, due = true, r.Until
			}
		}
		key := waitKey(due, j.Seq)
		if err := f.waiting.Put(key, appendJob(nil, &nj)); err != nil {
			return err
		}
		if nj.Probe {
			return f.jobs.Put(probeKey(j.Host), key)
		}
		return nil
	case Delivered, Gone, Rejected, Failed:
	default:
		return fmt.Errorf("job %d: unknown outcome %d", j.Seq, r.Outcome)
	}

	if nj.Probe {
		pk := probeKey(j.Host)
		if bytes.Equal(f.jobs.Get(pk), j.key) {
			if err := f.jobs.Delete(pk); err != nil {
				return err
			}
		}
	}
	if r.Outcome == Failed {
		rec, err := json.Marshal(FailedDelivery{
			ActivityID: j.ActivityID, ObjectID: j.ObjectID, Inbox: j.Inbox, Host: j.Host,
			Created: j.Created.UTC(), Failed: r.At.UTC(), Attempts: nj.Attempts, Error: nj.LastError,
		})
		if err != nil {
			return err
		}
		if err := f.sent.Put(failedKey(j.Seq), rec); err != nil {
			return err
		}
	}
	if j.ObjectID != "" {
		if err := f.advanceChain(j.ObjectID, j.Inbox); err != nil {
			return err
		}
	}
	sum, err := f.summary(j)
	if err != nil {
		return err
	}
	switch r.Outcome {
	case Delivered:
		sum.Delivered++
	case Gone:
		sum.Gone++
	case Rejected:
		sum.Rejected++
	case Failed:
		sum.Failed++
	}
	if sum.Done() >= sum.Total && sum.Finished.IsZero() {
		sum.Finished = r.At.UTC()
		return f.activities.Delete([]byte(j.ActivityID))
	}
	return nil
}

// advanceChain makes the next blocked job of object to inbox ready, or
// ends the chain when there is none.
func (f *finisher) advanceChain(object, inbox string) error {
	prefix := blockedPrefix(object, inbox)
	c := f.jobs.Cursor()
	k, v := c.Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+8 {
		return f.jobs.Delete(chainKey(object, inbox))
	}
	val := bytes.Clone(v)
	if err := c.Delete(); err != nil {
		return err
	}
	seq, err := f.jobs.NextSequence()
	if err != nil {
		return err
	}
	if err := f.jobs.Put(readyKey(seq), val); err != nil {
		return err
	}
	return f.jobs.Put(chainKey(object, inbox), seqBytes(seq))
}

// summary returns the summary of j's activity, read once per transaction.
func (f *finisher) summary(j *Job) (*DeliverySummary, error) {
	k := summaryKey(j.ObjectID, j.ActivityID)
	if s, ok := f.summaries[string(k)]; ok {
		return s, nil
	}
	s := &DeliverySummary{ActivityID: j.ActivityID, ObjectID: j.ObjectID, Enqueued: j.Created.UTC(), Total: 1}
	if raw := f.sent.Get(k); raw != nil {
		if err := json.Unmarshal(raw, s); err != nil {
			return nil, fmt.Errorf("summary of %s: %w", j.ActivityID, err)
		}
	}
	f.summaries[string(k)] = s
	f.order = append(f.order, string(k))
	return s, nil
}

// flush writes the summaries touched and returns them.
func (f *finisher) flush() ([]DeliverySummary, error) {
	out := make([]DeliverySummary, 0, len(f.order))
	for _, k := range f.order {
		s := f.summaries[k]
		raw, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		if err := f.sent.Put([]byte(k), raw); err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, nil
}

// release makes the parked jobs and probes of the released hosts due.
func (f *finisher) release(releases []Release) error {
	if len(releases) == 0 {
		return nil
	}
	byHost := make(map[string]*Release, len(releases))
	for i := range releases {
		r := &releases[i]
		byHost[r.Host] = r
		if err := f.jobs.Delete(probeKey(r.Host)); err != nil {
			return err
		}
	}
	type move struct {
		key []byte
		job Job
		at  time.Time
	}
	var moves []move
	c := f.waiting.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		host, ok := recordHost(v)
		if !ok {
			continue
		}
		r, ok := byHost[host]
		if !ok {
			continue
		}
		var j Job
		if err := decodeJob(k, v, &j); err != nil {
			return err
		}
		if (j.Parked || j.Probe) && !slices.Contains(r.Held, j.Seq) {
			moves = append(moves, move{key: bytes.Clone(k), job: j, at: r.At})
		}
	}
	for _, m := range moves {
		if err := f.waiting.Delete(m.key); err != nil {
			return err
		}
		m.job.Parked, m.job.Probe = false, false
		if err := f.waiting.Put(waitKey(m.at, m.job.Seq), appendJob(nil, &m.job)); err != nil {
			return err
		}
	}
	return nil
}

// QueueStats counts the queue's jobs, in total and by host, and lists the
// activities with unfinished jobs.
func (s *Store) QueueStats(ctx context.Context) (QueueStats, error) {
	var st QueueStats
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("store: queue stats: %w", err)
	}
	hosts := make(map[string]*HostQueueStats)
	host := func(name string) *HostQueueStats {
		h := hosts[name]
		if h == nil {
			h = &HostQueueStats{Host: name}
			hosts[name] = h
		}
		return h
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			if k[0] != prefixReady && k[0] != prefixBlocked {
				return nil
			}
			name, ok := recordHost(v)
			if !ok {
				return errBadRecord
			}
			if k[0] == prefixReady {
				st.Pending++
				host(name).Pending++
			} else {
				st.Blocked++
				host(name).Blocked++
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketWaiting).ForEach(func(k, v []byte) error {
			var j Job
			if err := decodeJob(k, v, &j); err != nil {
				return err
			}
			h := host(j.Host)
			if j.Parked || j.Probe {
				st.Parked++
				h.Parked++
			} else {
				st.Retrying++
				h.Retrying++
			}
			if j.LastError != "" {
				h.LastError = j.LastError
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketSent).ForEach(func(k, v []byte) error {
			switch k[0] {
			case prefixFailed:
				var fd FailedDelivery
				if err := json.Unmarshal(v, &fd); err != nil {
					return err
				}
				st.Failed++
				h := host(fd.Host)
				h.Failed++
				if h.LastError == "" {
					h.LastError = fd.Error
				}
			case prefixSummary:
				var d DeliverySummary
				if err := json.Unmarshal(v, &d); err != nil {
					return err
				}
				if d.Finished.IsZero() {
					st.Activities = append(st.Activities, d)
				}
			}
			return nil
		})
	})
	if err != nil {
		return QueueStats{}, fmt.Errorf("store: queue stats: %w", err)
	}
	st.Hosts = make([]HostQueueStats, 0, len(hosts))
	for _, h := range hosts {
		st.Hosts = append(st.Hosts, *h)
	}
	slices.SortFunc(st.Hosts, func(a, b HostQueueStats) int {
		na := a.Pending + a.Blocked + a.Retrying + a.Parked + a.Failed
		nb := b.Pending + b.Blocked + b.Retrying + b.Parked + b.Failed
		if na != nb {
			return nb - na
		}
		return strings.Compare(a.Host, b.Host)
	})
	slices.SortFunc(st.Activities, func(a, b DeliverySummary) int { return a.Enqueued.Compare(b.Enqueued) })
	return st, nil
}

// FailedDeliveries returns up to limit of the jobs given up on, the most
// recently queued first.
func (s *Store) FailedDeliveries(ctx context.Context, limit int) ([]FailedDelivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: read failed deliveries: %w", err)
	}
	var out []FailedDelivery
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSent).Cursor()
		k, v := c.Seek([]byte{prefixFailed + 1})
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil && k[0] == prefixFailed && len(out) < limit; k, v = c.Prev() {
			var fd FailedDelivery
			if err := json.Unmarshal(v, &fd); err != nil {
				return err
			}
			out = append(out, fd)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read failed deliveries: %w", err)
	}
	return out, nil
}

// DeliverySummaries returns the summaries of the activities queued about
// the object (a post), in the order of their ids.
func (s *Store) DeliverySummaries(ctx context.Context, objectID string) ([]DeliverySummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: read deliveries of %s: %w", objectID, err)
	}
	var out []DeliverySummary
	prefix := summaryKey(objectID, "")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSent).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var d DeliverySummary
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read deliveries of %s: %w", objectID, err)
	}
	return out, nil
}

// PruneDeliveries removes the failed deliveries given up on before before
// and the summaries of activities finished before it, and returns how many
// records it removed.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: prune deliveries: %w", err)
	}
	var n int
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		return removeIf(tx, bucketSent, &n, func(k, v []byte) (bool, error) {
			var t time.Time
			switch k[0] {
			case prefixFailed:
				var fd FailedDelivery
				if err := json.Unmarshal(v, &fd); err != nil {
					return false, err
				}
				t = fd.Failed
			case prefixSummary:
				var d DeliverySummary
				if err := json.Unmarshal(v, &d); err != nil {
					return false, err
				}
				t = d.Finished
			}
			return !t.IsZero() && t.Before(before), nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune deliveries: %w", err)
	}
	return n, nil
}

// errBadRecord reports a job record that cannot be read.
var errBadRecord = errors.New("unreadable job record")

// jobFormat is the version byte leading a job record.
const jobFormat = 1

// Job record flags.
const (
	flagParked = 1 << iota
	flagProbe
)

// appendJob appends the record of j to dst.
func appendJob(dst []byte, j *Job) []byte {
	var flags byte
	if j.Parked {
		flags |= flagParked
	}
	if j.Probe {
		flags |= flagProbe
	}
	return appendJobRecord(dst, j.Host, j.Inbox, j.ActivityID, j.ObjectID, j.Created.UnixNano(), j.Attempts, flags, j.LastError)
}

// appendJobRecord appends a job record: the format byte, then the host
// first (so that recordHost reads it cheaply), the inbox, activity and
// object ids, the creation time, attempts, flags and last error.
func appendJobRecord(dst []byte, host, inbox, activity, object string, created int64, attempts int, flags byte, lastErr string) []byte {
	if len(lastErr) > maxErrorLen {
		lastErr = lastErr[:maxErrorLen]
	}
	dst = append(dst, jobFormat)
	for _, s := range [...]string{host, inbox, activity, object} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dst = binary.AppendVarint(dst, created)
	dst = binary.AppendUvarint(dst, uint64(attempts))
	dst = append(dst, flags)
	dst = binary.AppendUvarint(dst, uint64(len(lastErr)))
	return append(dst, lastErr...)
}

// recordHost returns the host of a job record without decoding the rest.
func recordHost(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != jobFormat {
		return "", false
	}
	n, w := binary.Uvarint(v[1:])
	if w <= 0 || uint64(len(v)-1-w) < n {
		return "", false
	}
	return string(v[1+w : 1+w+int(n)]), true
}

// decodeJob decodes the job record v stored under key k.
func decodeJob(k, v []byte, j *Job) error {
	r := recordReader{b: v}
	if r.byte() != jobFormat {
		return errBadRecord
	}
	j.Host = r.string()
	j.Inbox = r.string()
	j.ActivityID = r.string()
	j.ObjectID = r.string()
	j.Created = time.Unix(0, r.varint())
	j.Attempts = int(r.uvarint())
	flags := r.byte()
	j.Parked, j.Probe = flags&flagParked != 0, flags&flagProbe != 0
	j.LastError = r.string()
	if r.bad {
		return errBadRecord
	}
	j.key = bytes.Clone(k)
	j.Due = time.Time{}
	switch len(k) {
	case 9:
		j.Seq = binary.BigEndian.Uint64(k[1:])
	case 16:
		j.Seq = binary.BigEndian.Uint64(k[8:])
		j.Due = keyTime(k)
	default:
		j.Seq = binary.BigEndian.Uint64(k[len(k)-8:])
	}
	return nil
}

// recordReader reads the fields of a job record, noting any shortfall.
type recordReader struct {
	b   []byte
	bad bool
}

func (r *recordReader) byte() byte {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *recordReader) uvarint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *recordReader) varint() int64 {
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *recordReader) string() string {
	n := r.uvarint()
	if r.bad || uint64(len(r.b)) < n {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// seqBytes returns seq as 8 bytes, big-endian.
func seqBytes(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func readyKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixReady}, seq)
}

// timeKey returns t as unix nanoseconds, big-endian; times before 1970
// count as 1970.
func timeKey(t time.Time) [8]byte {
	var k [8]byte
	if n := t.UnixNano(); n > 0 {
		binary.BigEndian.PutUint64(k[:], uint64(n))
	}
	return k
}

func keyTime(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
}

func waitKey(due time.Time, seq uint64) []byte {
	k := timeKey(due)
	return binary.BigEndian.AppendUint64(k[:], seq)
}

func chainKey(object, inbox string) []byte {
	k := make([]byte, 0, 2+len(object)+len(inbox))
	k = append(k, prefixChain)
	k = append(k, object...)
	k = append(k, 0)
	return append(k, inbox...)
}

func blockedPrefix(object, inbox string) []byte {
	k := make([]byte, 0, 3+len(object)+len(inbox)+8)
	k = append(k, prefixBlocked)
	k = append(k, object...)
	k = append(k, 0)
	k = append(k, inbox...)
	return append(k, 0)
}

func blockedKey(object, inbox string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(blockedPrefix(object, inbox), seq)
}

func probeKey(host string) []byte { return append([]byte{prefixProbe}, host...) }

func summaryKey(object, activity string) []byte {
	k := make([]byte, 0, 2+len(object)+len(activity))
	k = append(k, prefixSummary)
	k = append(k, object...)
	k = append(k, 0)
	return append(k, activity...)
}

func failedKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixFailed}, seq)
}
