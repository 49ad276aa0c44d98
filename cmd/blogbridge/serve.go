package main

import (
	"context"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/blogbridge/blogbridge/activitypub"
	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/feeds"
	"github.com/blogbridge/blogbridge/internal/front"
	"github.com/blogbridge/blogbridge/internal/outbound"
	"github.com/blogbridge/blogbridge/internal/rsasign"
	"github.com/blogbridge/blogbridge/site"
	"github.com/blogbridge/blogbridge/store"
)

// shutdownGrace is how long serve waits for requests in flight on SIGTERM.
const shutdownGrace = 10 * time.Second

// maxHeaderSize is the largest request head the server reads: room for
// signatures, long URLs and a browser's cookies.
const maxHeaderSize = 16 << 10

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("serve", "Serve the site, rebuilding it as its files change.", stderr)
	cfg, err := loadConfig(fs, args, true)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	logger := cfg.logger()
	cfg.applyMemoryLimit(logger)

	st, err := store.Open(cfg.Data)
	if err != nil {
		return err
	}
	defer st.Close()

	relaxGC()
	watcher, err := content.NewWatcher(ctx, content.Options{
		SiteDir: cfg.Site,
		BaseURL: cfg.BaseURL,
		Drafts:  cfg.Drafts,
		Future:  cfg.Future,
		Expired: cfg.Expired,
		Logger:  logger,
	})
	if err != nil {
		return err
	}
	snap := watcher.Current()
	seen := logDiagnostics(ctx, logger, snap.Diagnostics, nil)

	feedSet := feeds.New(feeds.Options{
		Snapshot: watcher.Current,
		Items:    feedItems(cfg.FeedItems),
		Hub:      cfg.WebSubHub,
		Logger:   logger,
	})
	fediCfg, err := cfg.fediverse()
	if err != nil {
		return err
	}
	client := outbound.New(outbound.Options{
		AllowPrivate: cfg.AllowPrivateNetworks,
		// Key fetches share a server's connections with its deliveries:
		// two more than the deliveries in flight to one server.
		MaxConnsPerHost: cfg.DeliveryPerHost + 2,
		UserAgent:       "blogbridge/" + buildVersion() + " (+" + snap.Config.BaseURL + ")",
	})
	signer, err := actorSigner(ctx, cfg, st, logger)
	if err != nil {
		return err
	}
	queue := &lateQueue{}
	fedi, err := activitypub.NewHandler(ctx, activitypub.Options{
		Config: fediCfg, Store: st, Snapshot: watcher.Current, Logger: logger, Version: buildVersion(),
		Client: client, Deliverer: queue, Signer: signer,
		InboxLimits: activitypub.InboxLimits{PerHost: float64(cfg.InboxRateLimit)},
	})
	if err != nil {
		return err
	}
	if err := fedi.Sync(ctx); err != nil {
		return err
	}
	if err := queue.start(ctx, cfg, st, client, fedi, signer, logger); err != nil {
		return err
	}
	if err := fedi.SendAnswers(ctx); err != nil {
		return err
	}
	handler := site.NewHandler(site.Options{Snapshot: watcher.Current, Logger: logger,
		HeadLinks: joinHeadLinks(feedHeadLinks(feedSet), fediverseHeadLinks(fedi))})
	srv := front.New(front.Options{
		Find:           []front.Finder{fedi.Find, feedSet.Find},
		Handler:        fedi.Wrap(feedSet.Wrap(handler)),
		BaseContext:    ctx,
		MaxBodySize:    activitypub.MaxInboxBody,
		MaxHeaderSize:  maxHeaderSize,
		RequestTimeout: 60 * time.Second,
		IdleTimeout:    120 * time.Second,
		Logger:         logger,
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("serving",
		slog.String("url", snap.Config.BaseURL),
		slog.String("addr", ln.Addr().String()),
		slog.String("site", snap.SiteDir),
		slog.String("data", cfg.Data),
		slog.Int("pages", len(snap.RegularPages())),
		slog.String("version", buildVersion()))

	go func() {
		if err := watcher.Run(ctx); err != nil {
			logger.Error("watching the site stopped; changes will not be picked up", slog.String("error", err.Error()))
		}
	}()
	if cfg.WebSubHub != "" {
		go feedSet.Run(ctx, watcher.Subscribe())
	}
	go func() {
		for s := range watcher.Subscribe() {
			seen = logDiagnostics(ctx, logger, s.Diagnostics, seen)
		}
	}()
	go publishLoop(ctx, fedi, queue, watcher.Subscribe(), logger)
	go pruneLoop(ctx, st, logger)

	adminLn, err := listenAdmin(cfg.Data)
	if err != nil {
		return err
	}
	adminSrv := &http.Server{
		Handler: adminHandler(&storeAdmin{st: st, followersChanged: fedi.FollowersChanged,
			deliveries: queue.statsJSON,
			answer: func(ctx context.Context, actor string, approve bool) error {
				if approve {
					return fedi.ApproveFollower(ctx, actor)
				}
				return fedi.RejectFollower(ctx, actor)
			},
			announce: func(ctx context.Context, permalink string) error {
				return fedi.Announce(ctx, queue, permalink)
			}}, logger),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go adminSrv.Serve(adminLn)
	defer adminSrv.Close()
	if cfg.MetricsAddr != "" {
		metricsLn, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		metricsSrv := &http.Server{Handler: queue.metricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		go metricsSrv.Serve(metricsLn)
		defer metricsSrv.Close()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	queue.wait()
	fedi.Wait()
	return nil
}

// logDiagnostics logs the problems in diags that are not in seen, the set
// logged before, and returns the new set: a problem is logged once, when it
// appears, not on every rebuild.
func logDiagnostics(ctx context.Context, logger *slog.Logger, diags []content.Diagnostic, seen map[content.Diagnostic]bool) map[content.Diagnostic]bool {
	now := make(map[content.Diagnostic]bool, len(diags))
	for _, d := range diags {
		now[d] = true
		if seen[d] {
			continue
		}
		level := slog.LevelWarn
		if d.Severity == content.Error {
			level = slog.LevelError
		}
		logger.Log(ctx, level, d.Message, slog.String("file", d.File), slog.Int("line", d.Line))
	}
	return now
}

// feedItems turns the feed-items setting, where 0 means every page, into
// feeds.Options.Items, where every page is negative.
func feedItems(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// feedHeadLinks advertises a page's feeds in its <head>.
func feedHeadLinks(f *feeds.Feeds) func(*content.Page) []site.Link {
	return func(p *content.Page) []site.Link {
		alts := f.Links(p)
		links := make([]site.Link, len(alts))
		for i, a := range alts {
			links[i] = site.Link{Rel: "alternate", Type: a.Type, Href: a.Href, Title: a.Title}
		}
		return links
	}
}

// actorSigner returns what signs with the actor's key (generated on first
// start): OpenSSL's libcrypto as the libcrypto setting names it, else Go's
// crypto/rsa. When the setting is empty and no libcrypto loads, Go's signs
// and the log says why.
func actorSigner(ctx context.Context, cfg Config, st *store.Store, logger *slog.Logger) (crypto.Signer, error) {
	key, err := st.ActorKey(ctx)
	if err != nil {
		return nil, err
	}
	lib, err := rsasign.Load(cfg.Libcrypto)
	if err != nil {
		if cfg.Libcrypto != "" {
			return nil, fmt.Errorf("libcrypto %q: %w", cfg.Libcrypto, err)
		}
		logger.Info("no OpenSSL libcrypto loads; signing with Go's crypto/rsa, about four times slower",
			slog.String("error", err.Error()))
	}
	signer, err := lib.Signer(key.Private)
	if err != nil {
		return nil, err
	}
	logger.Info("signing requests", slog.String("library", lib.String()))
	return signer, nil
}

// How long records that only guard or speed things up are kept.
const (
	// seenKeep: servers give up redelivering an activity after a few days.
	seenKeep = 14 * 24 * time.Hour
	// remoteKeep: cached keys and actors are refetched after a day anyway.
	remoteKeep = 7 * 24 * time.Hour
	pruneEvery = 24 * time.Hour
)

// pruneLoop removes, at start and then daily, the ids of activities seen
// long ago and the remote keys and actors cached long ago, until ctx ends.
func pruneLoop(ctx context.Context, st *store.Store, logger *slog.Logger) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		now := time.Now()
		seen, err := st.PruneSeen(ctx, now.Add(-seenKeep))
		if err == nil {
			var remote int
			remote, err = st.PruneRemote(ctx, now.Add(-remoteKeep))
			if seen+remote > 0 {
				logger.Info("pruned old records", slog.Int("seen_activities", seen), slog.Int("cached_keys_and_actors", remote))
			}
		}
		if err != nil && ctx.Err() == nil {
			logger.Error("pruning old records failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
