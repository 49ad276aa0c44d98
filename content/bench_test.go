package content

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/internal/sitegen"
)

var (
	benchPosts = flag.Int("bench.posts", 1000, "posts in the generated site the benchmarks load")
	benchSite  = flag.String("bench.site", "", "use this generated site instead of writing one (see cmd/sitegen)")
)

// benchSiteDir returns the site the benchmarks load.
func benchSiteDir(b *testing.B) string { return sitegen.ForBenchmark(b, *benchSite, *benchPosts) }

// BenchmarkLoad loads and renders a whole seed-like site.
func BenchmarkLoad(b *testing.B) {
	dir := benchSiteDir(b)
	var pages int
	for b.Loop() {
		snap, err := Load(context.Background(), Options{SiteDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		pages = len(snap.RegularPages())
	}
	b.ReportMetric(float64(pages), "pages")
}

// BenchmarkEditToSnapshot measures the time from saving one post of a large
// site to the watcher publishing the snapshot that holds the edit, the way
// `serve` sees it: fsnotify, the settle delay, the rebuild. It reports the
// median and 99th percentile.
func BenchmarkEditToSnapshot(b *testing.B) {
	dir := benchSiteDir(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := NewWatcher(ctx, Options{SiteDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	updates := w.Subscribe()
	go w.Run(ctx)
	time.Sleep(100 * time.Millisecond) // let the watches settle

	file := filepath.Join(dir, "content", "posts", "post-00042", "index.md")
	orig, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	defer os.WriteFile(file, orig, 0o644)
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		title := fmt.Sprintf("Edited %d", i)
		body := append([]byte(fmt.Sprintf("---\ntitle: %q\ndate: 2020-01-04T12:00:00Z\n---\n", title)), orig[200:]...)
		start := time.Now()
		if err := os.WriteFile(file, body, 0o644); err != nil {
			b.Fatal(err)
		}
		for {
			select {
			case s := <-updates:
				if r, ok := s.Lookup("/posts/post-00042/"); ok && r.Page.Title == title {
					lat = append(lat, time.Since(start))
					goto next
				}
			case <-time.After(10 * time.Second):
				b.Fatal("edit not published within 10s")
			}
		}
	next:
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkRebuildOneFile measures a rebuild after one post changed,
// without the file watcher: the work `serve` does per save.
func BenchmarkRebuildOneFile(b *testing.B) {
	dir := benchSiteDir(b)
	bld, err := newBuilder(Options{SiteDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	bld.scanAll()
	if _, err := bld.build(context.Background()); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "content", "posts", "post-00042", "index.md")
	orig, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	defer os.WriteFile(file, orig, 0o644)
	i := 0
	for b.Loop() {
		i++
		if err := os.WriteFile(file, append(orig, fmt.Sprintf("\nEdit %d.\n", i)...), 0o644); err != nil {
			b.Fatal(err)
		}
		bld.refresh("content/posts/post-00042")
		if _, err := bld.build(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
