package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long the watcher waits for more events after one arrives, so
// that an editor's write-rename-chmod sequence becomes one rebuild.
const settle = 5 * time.Millisecond

// Watcher keeps the current snapshot of a site and rebuilds it when files
// change or a scheduled page comes due. Current is safe to call from any
// goroutine at any time.
type Watcher struct {
	opts    Options
	logger  *slog.Logger
	current atomic.Pointer[Snapshot]

	mu      sync.Mutex // guards b and subs
	b       *builder
	subs    []chan *Snapshot
	version uint64
}

// NewWatcher loads the site and returns a watcher holding its snapshot.
func NewWatcher(ctx context.Context, opts Options) (*Watcher, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{opts: opts, logger: opts.Logger}
	if err := w.reload(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// Current returns the newest snapshot.
func (w *Watcher) Current() *Snapshot { return w.current.Load() }

// Subscribe returns a channel that receives every new snapshot. A slow
// reader misses intermediate snapshots, never the newest one.
func (w *Watcher) Subscribe() <-chan *Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan *Snapshot, 1)
	w.subs = append(w.subs, ch)
	return ch
}

// reload builds the whole site from scratch, as when its configuration or
// layouts change.
func (w *Watcher) reload(ctx context.Context) error {
	b, err := newBuilder(w.opts)
	if err != nil {
		return err
	}
	b.version = w.version
	b.scanAll()
	snap, err := b.build(ctx)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.b = b
	w.mu.Unlock()
	w.publish(snap)
	return nil
}

// publish makes snap current and tells subscribers.
func (w *Watcher) publish(snap *Snapshot) {
	w.version = snap.Version
	w.current.Store(snap)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.subs {
		select {
		case <-ch: // drop the stale one
		default:
		}
		ch <- snap
	}
}

// Run watches the site until ctx is done, rebuilding on every change. It
// returns nil when ctx is cancelled.
func (w *Watcher) Run(ctx context.Context) error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("content: watch: %w", err)
	}
	defer fsw.Close()
	w.watchTree(fsw, w.b.siteDir)

	var (
		pending = map[string]bool{}
		timer   = time.NewTimer(time.Hour)
		due     *time.Timer
	)
	timer.Stop()
	schedule := func() <-chan time.Time {
		if due != nil {
			due.Stop()
			due = nil
		}
		next := w.Current().NextChange
		if next.IsZero() {
			return nil
		}
		due = time.NewTimer(max(time.Until(next), 0) + time.Second)
		return due.C
	}
	dueC := schedule()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fsw.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() {
					w.watchTree(fsw, ev.Name)
				}
			}
			pending[ev.Name] = true
			timer.Reset(settle)
		case err, ok := <-fsw.Errors:
			if !ok {
				return nil
			}
			w.logger.Warn("watching the site", slog.String("error", err.Error()))
		case <-timer.C:
			w.apply(ctx, pending)
			clear(pending)
			dueC = schedule()
		case <-dueC:
			w.logger.Info("scheduled page is due, rebuilding")
			w.apply(ctx, nil)
			dueC = schedule()
		}
	}
}

// watchTree adds dir and every folder below it to fsw, skipping hidden
// folders and output folders Hugo writes.
func (w *Watcher) watchTree(fsw *fsnotify.Watcher, dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != dir && (strings.HasPrefix(name, ".") || name == "public" || name == "resources" || name == "node_modules") {
			return filepath.SkipDir
		}
		if err := fsw.Add(p); err != nil {
			if errors.Is(err, fsnotify.ErrClosed) {
				return fs.SkipAll
			}
			w.logger.Warn("cannot watch folder", slog.String("dir", p), slog.String("error", err.Error()))
		}
		return nil
	})
}

// apply rebuilds after the given paths changed; nil means only time passed.
func (w *Watcher) apply(ctx context.Context, changed map[string]bool) {
	start := time.Now()
	b := w.b
	full := false
	for p := range changed {
		rel := b.relPath(p)
		switch classify(rel, b) {
		case changeConfig:
			full = true
		case changeContent:
			b.refresh(path.Dir(rel))
		}
	}
	if full {
		if err := w.reload(ctx); err != nil {
			w.logger.Error("site configuration is broken; still serving the last good version", slog.String("error", err.Error()))
			return
		}
		w.logger.Info("site reloaded", slog.Duration("took", time.Since(start)))
		return
	}
	snap, err := b.build(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.logger.Error("rebuild failed; still serving the last good version", slog.String("error", err.Error()))
		}
		return
	}
	w.publish(snap)
	w.logger.Debug("site rebuilt", slog.Int("changed", len(changed)), slog.Duration("took", time.Since(start)))
}

type change int

const (
	changeNone    change = iota
	changeContent        // a file in a content folder
	changeConfig         // configuration, layouts or themes: rebuild everything
)

// classify says what a change to the site-relative path rel affects.
func classify(rel string, b *builder) change {
	first, _, _ := strings.Cut(rel, "/")
	switch {
	case rel == "." || strings.HasPrefix(path.Base(rel), ".") && !strings.HasSuffix(rel, ".md"):
		return changeNone
	case first == "layouts" || first == "themes" || first == "config" || first == "i18n":
		return changeConfig
	case !strings.Contains(rel, "/") && isConfigName(rel):
		return changeConfig
	}
	for _, r := range b.roots {
		if r.dir == "." || rel == r.dir || strings.HasPrefix(rel, r.dir+"/") {
			return changeContent
		}
	}
	return changeNone
}

func isConfigName(name string) bool {
	base := strings.TrimSuffix(name, path.Ext(name))
	switch path.Ext(name) {
	case ".toml", ".yaml", ".yml", ".json":
		return base == "hugo" || base == "config"
	}
	return false
}
