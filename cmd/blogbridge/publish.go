package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"text/tabwriter"
	"time"

	"github.com/blogbridge/blogbridge/activitypub"
	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/delivery"
	"github.com/blogbridge/blogbridge/internal/outbound"
	"github.com/blogbridge/blogbridge/store"
)

// lateQueue is the delivery queue as the activitypub handler sees it. The
// queue signs with the actor's key id, which the handler knows, so it is
// started after the handler is made.
type lateQueue struct {
	q    *delivery.Queue
	done chan struct{}
}

var _ activitypub.Deliverer = (*lateQueue)(nil)

// start makes the queue and runs it until ctx is done.
func (lq *lateQueue) start(ctx context.Context, cfg Config, st *store.Store, client *outbound.Client,
	fedi *activitypub.Handler, signer crypto.Signer, logger *slog.Logger) error {
	times, err := cfg.deliveryTimes()
	if err != nil {
		return err
	}
	q, err := delivery.New(delivery.Options{
		Store:       st,
		Client:      client,
		KeyID:       fedi.KeyID(),
		Key:         signer,
		Workers:     cfg.DeliveryWorkers,
		PerHost:     cfg.DeliveryPerHost,
		MaxAge:      times.maxAge,
		BackoffBase: times.backoffBase,
		BackoffMax:  times.backoffMax,
		OnGone: func(ctx context.Context, inbox string) {
			n, err := st.RemoveFollowersByInbox(ctx, inbox)
			if err != nil {
				logger.Error("removing followers of a gone inbox failed", slog.String("inbox", inbox), slog.String("error", err.Error()))
				return
			}
			if n > 0 {
				fedi.FollowersChanged()
				logger.Info("inbox is gone; removed its followers", slog.String("inbox", inbox), slog.Int("followers", n))
			}
		},
		Logger: logger,
	})
	if err != nil {
		return err
	}
	lq.q, lq.done = q, make(chan struct{})
	go func() {
		defer close(lq.done)
		if err := q.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("delivery stopped", slog.String("error", err.Error()))
		}
	}()
	return nil
}

// Deliver queues a for delivery to inboxes.
func (lq *lateQueue) Deliver(ctx context.Context, a activitypub.Outgoing, inboxes []string, with ...store.Change) error {
	if lq.q == nil {
		return errors.New("delivery is not running yet")
	}
	return lq.q.Enqueue(ctx, delivery.Activity{ID: a.ID, ObjectID: a.ObjectID, Body: a.Body}, inboxes, with...)
}

// wait returns when the queue has drained after its context ended.
func (lq *lateQueue) wait() {
	if lq.done != nil {
		<-lq.done
	}
}

// statsJSON reports the queue for the deliveries command.
func (lq *lateQueue) statsJSON(ctx context.Context) (json.RawMessage, error) {
	if lq.q == nil {
		return nil, errors.New("delivery is not running yet")
	}
	st, err := lq.q.Stats(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(st)
}

// metricsHandler serves the queue's metrics in Prometheus text format, and
// Go's profiles under /debug/pprof/ for looking into a busy server.
func (lq *lateQueue) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		if lq.q == nil {
			return
		}
		lq.q.WriteMetrics(w)
	})
	return mux
}

// publishLoop brings followers up to date: now, after every new snapshot,
// and when a post comes due or expires.
func publishLoop(ctx context.Context, fedi *activitypub.Handler, d activitypub.Deliverer,
	changes <-chan *content.Snapshot, logger *slog.Logger) {
	publish := func() {
		if err := fedi.Sync(ctx); err != nil {
			if ctx.Err() == nil {
				logger.Error("recording federated posts failed", slog.String("error", err.Error()))
			}
			return
		}
		res, err := fedi.Publish(ctx, d)
		if err != nil {
			if ctx.Err() == nil {
				logger.Error("publishing to followers failed; it is tried again on the next change", slog.String("error", err.Error()))
			}
			return
		}
		if res.Archived > 0 {
			logger.Info("federation started: existing posts recorded without sending them to followers",
				slog.Int("posts", res.Archived))
		}
	}
	publish()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var due <-chan time.Time
		if next, err := fedi.NextChange(ctx); err == nil && !next.IsZero() {
			timer.Reset(max(time.Until(next), 0) + 10*time.Millisecond)
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				return
			}
		case <-due:
		}
		timer.Stop()
		publish()
	}
}

const announceUsage = `Usage: blogbridge announce URL... [--data DIR]

Send posts to followers that blogbridge recorded without sending them: the
posts already published when federation first started. Name each post by
its permalink (https://blog.example/posts/hello/) or its path
(/posts/hello/). While serve runs the posts are queued at once; when it is
stopped, they are sent when it next starts.
`

func cmdAnnounce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("announce", "Send archived posts to followers.", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, announceUsage); fs.PrintDefaults() }
	data, rest, err := adminFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usageError{errors.New("want the permalink of at least one post")}
	}
	a, closeAdmin, err := openAdmin(ctx, data)
	if err != nil {
		return err
	}
	defer closeAdmin()
	failed := 0
	for _, permalink := range rest {
		queued, err := a.Announce(ctx, permalink)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "blogbridge announce: %s: %v\n", permalink, err)
			failed++
		case queued:
			fmt.Fprintf(stdout, "queued %s for every follower\n", permalink)
		default:
			fmt.Fprintf(stdout, "%s will be sent to followers when serve starts\n", permalink)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d posts not announced", failed, len(rest))
	}
	return nil
}

const deliveriesUsage = `Usage: blogbridge deliveries [--json] [--data DIR]

Show the delivery queue: activities waiting to be sent, retrying and
failed, by server. Works while serve runs (through it) and when it is
stopped.
`

func cmdDeliveries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("deliveries", "Show the delivery queue.", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, deliveriesUsage); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "print JSON")
	data, rest, err := adminFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", rest[0])}
	}
	a, closeAdmin, err := openAdmin(ctx, data)
	if err != nil {
		return err
	}
	defer closeAdmin()
	raw, err := a.Deliveries(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		return writeJSON(stdout, v)
	}
	var st delivery.Stats
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	return writeDeliveryStats(stdout, st)
}

// offlineDeliveries reports the queue of a stopped blogbridge from its
// store.
func offlineDeliveries(st *store.Store) func(ctx context.Context) (json.RawMessage, error) {
	return func(ctx context.Context) (json.RawMessage, error) {
		stats, err := delivery.ReadStats(ctx, st)
		if err != nil {
			return nil, err
		}
		return json.Marshal(stats)
	}
}

// writeDeliveryStats prints the queue for people.
func writeDeliveryStats(w io.Writer, st delivery.Stats) error {
	fmt.Fprintf(w, "pending %d  blocked %d  retrying %d  parked %d  failed %d  in flight %d\n",
		st.Pending, st.Blocked, st.Retrying, st.Parked, st.Failed, st.InFlight)
	if len(st.Activities) > 0 {
		fmt.Fprintln(w, "\nACTIVITIES BEING DELIVERED")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACTIVITY\tDONE\tOF")
		for _, a := range st.Activities {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", a.ActivityID, a.Done(), a.Total)
		}
		tw.Flush()
	}
	if len(st.Hosts) > 0 {
		fmt.Fprintln(w, "\nBY SERVER")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOST\tPENDING\tRETRYING\tPARKED\tFAILED\tLAST ERROR")
		for _, h := range st.Hosts {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", h.Host, h.Pending+h.Blocked, h.Retrying, h.Parked, h.Failed, h.LastError)
		}
		tw.Flush()
	}
	if len(st.RecentFailures) > 0 {
		fmt.Fprintln(w, "\nRECENT FAILURES")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, f := range st.RecentFailures {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Inbox, f.ActivityID, f.Error)
		}
		tw.Flush()
	}
	return nil
}
