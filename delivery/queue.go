package delivery

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/blogbridge/blogbridge/internal/outbound"
	"github.com/blogbridge/blogbridge/store"
)

// Options configure a Queue. Store, Client, KeyID and Key are required;
// zero values of the others take the defaults.
type Options struct {
	// Store keeps the queue.
	Store *store.Store
	// Client sends every request.
	Client *outbound.Client
	// KeyID is the id of the actor's key; Key signs: an *rsa.PrivateKey,
	// or a signer for one from internal/rsasign.
	KeyID string
	Key   crypto.Signer
	// Workers is how many requests run at once (default 64).
	Workers int
	// PerHost is how many requests run at once to one host (default 4).
	PerHost int
	// Signers is how many goroutines sign requests (default GOMAXPROCS).
	Signers int
	// MaxAge is how long a job is retried before it is given up on
	// (default 48h, about what Mastodon allows).
	MaxAge time.Duration
	// BackoffBase is the delay before the first retry (default 1 minute);
	// each retry waits twice as long as the one before, up to BackoffMax
	// (default 6h), give or take a fifth.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// BreakerFailures is how many failures in a row park a host's jobs
	// (default 5).
	BreakerFailures int
	// DrainTimeout bounds how long Run waits for requests in flight once
	// its context is done (default 10s).
	DrainTimeout time.Duration
	// Window is the most jobs held in memory at once (default 1024, or
	// four times Workers plus Signers when that is more).
	Window int
	// Keep is how long failed deliveries and the summaries of finished
	// activities are kept (default 30 days).
	Keep time.Duration
	// OnGone is called when an inbox answers 410 Gone: the followers
	// delivered to there are gone.
	OnGone func(ctx context.Context, inbox string)
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Activity is an activity to deliver.
type Activity struct {
	// ID is the activity's id.
	ID string
	// ObjectID is the id of the object the activity is about (the post of
	// a Create, Update or Delete). For one inbox, a job never starts
	// before the earlier jobs about the same object have finished. Empty
	// when the activity needs no order.
	ObjectID string
	// Body is the activity's JSON.
	Body []byte
}

// Queue is the durable delivery queue. Enqueue and Stats are safe for
// concurrent use, also while Run runs.
type Queue struct {
	opts    Options
	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	wake    chan struct{}
	running atomic.Bool
	inPipe  atomic.Int64
	metrics metrics
	// progressEvery is how often a large fan-out logs its progress.
	progressEvery time.Duration
}

// Defaults of Options.
const (
	defaultWorkers         = 64
	defaultPerHost         = 4
	defaultMaxAge          = 48 * time.Hour
	defaultBackoffBase     = time.Minute
	defaultBackoffMax      = 6 * time.Hour
	defaultBreakerFailures = 5
	defaultDrainTimeout    = 10 * time.Second
	defaultWindow          = 1024
	defaultKeep            = 30 * 24 * time.Hour
)

// New returns a Queue over opts.Store. It sends nothing until Run.
func New(opts Options) (*Queue, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("delivery: no store")
	case opts.Client == nil:
		return nil, errors.New("delivery: no client")
	case opts.Key == nil || opts.KeyID == "":
		return nil, errors.New("delivery: no signing key")
	}
	if opts.Workers <= 0 {
		opts.Workers = defaultWorkers
	}
	if opts.PerHost <= 0 {
		opts.PerHost = defaultPerHost
	}
	if opts.Signers <= 0 {
		opts.Signers = runtime.GOMAXPROCS(0)
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = defaultMaxAge
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = defaultBackoffBase
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = defaultBackoffMax
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffBase)
	if opts.BreakerFailures <= 0 {
		opts.BreakerFailures = defaultBreakerFailures
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = defaultDrainTimeout
	}
	if opts.Window <= 0 {
		opts.Window = max(defaultWindow, 4*(opts.Workers+opts.Signers))
	}
	if opts.Keep <= 0 {
		opts.Keep = defaultKeep
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	q := &Queue{
		opts:  opts,
		store: opts.Store,
		log:   opts.Logger,
		now:   opts.Now,
		wake:  make(chan struct{}, 1),

		progressEvery: defaultProgressEvery,
	}
	q.metrics.init()
	return q, nil
}

// Enqueue durably stores the activity and one job per distinct inbox
// before it returns; Run delivers them. Inboxes that are not http or https
// URLs are logged and skipped. For one inbox, a job never overtakes an
// earlier job about the same ObjectID.
//
// The changes with are made in the same transaction, before the jobs are
// stored: all or none. A follow stores its follower that way with the
// Accept, so neither is kept without the other.
func (q *Queue) Enqueue(ctx context.Context, a Activity, inboxes []string, with ...store.Change) error {
	var n int
	var invalid []string
	enqueue := store.EnqueueDeliveriesChange(store.OutgoingActivity{ID: a.ID, ObjectID: a.ObjectID, Body: a.Body}, inboxes, q.now(), &n, &invalid)
	err := q.store.Apply(ctx, append(slices.Clip(with), enqueue)...)
	for i, in := range invalid {
		if i == 10 {
			q.log.Warn("more inboxes skipped", slog.String("activity", a.ID), slog.Int("skipped", len(invalid)))
			break
		}
		q.log.Warn("inbox skipped: not an http or https URL", slog.String("activity", a.ID), slog.String("inbox", in))
	}
	if err != nil {
		return fmt.Errorf("delivery: enqueue %s: %w", a.ID, err)
	}
	if n == 0 {
		return nil
	}
	q.metrics.enqueued.Add(int64(n))
	q.metrics.depth.Add(int64(n))
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// Stats describes the queue: what the store holds and, while Run runs,
// how many requests are in flight.
type Stats struct {
	store.QueueStats
	// InFlight counts the jobs being signed or sent.
	InFlight int `json:"in_flight"`
	// RecentFailures are the last jobs given up on, newest first.
	RecentFailures []store.FailedDelivery `json:"recent_failures,omitempty"`
}

// recentFailures is how many failures Stats lists.
const recentFailures = 20

// Stats reports the queue: pending, retrying, parked and failed jobs, by
// host, and the activities still being delivered.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	st, err := ReadStats(ctx, q.store)
	st.InFlight = int(q.inPipe.Load())
	return st, err
}

// ReadStats reports the queue kept in st, as Stats does, without a Queue
// (as for a blogbridge that is not running).
func ReadStats(ctx context.Context, st *store.Store) (Stats, error) {
	qs, err := st.QueueStats(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("delivery: %w", err)
	}
	failed, err := st.FailedDeliveries(ctx, recentFailures)
	if err != nil {
		return Stats{}, fmt.Errorf("delivery: %w", err)
	}
	return Stats{QueueStats: qs, RecentFailures: failed}, nil
}
