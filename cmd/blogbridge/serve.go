package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/site"
	"github.com/blogbridge/blogbridge/store"
)

// shutdownGrace is how long serve waits for requests in flight on SIGTERM.
const shutdownGrace = 10 * time.Second

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

	handler := site.NewHandler(site.Options{Snapshot: watcher.Current, Logger: logger})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
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
	go func() {
		for s := range watcher.Subscribe() {
			seen = logDiagnostics(ctx, logger, s.Diagnostics, seen)
		}
	}()

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
