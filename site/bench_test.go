package site

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/content"
	"github.com/blogbridge/blogbridge/internal/sitegen"
)

var (
	benchPosts = flag.Int("bench.posts", 1000, "posts in the generated site")
	benchSite  = flag.String("bench.site", "", "use this generated site (see cmd/sitegen) instead of writing one")
)

// BenchmarkEditToServed measures the time from saving one post of a large
// site to the new version being served over HTTP, as a reader polling the
// page would see it, for an edit of the post's text and for an edit of its
// title (which moves it in lists, so every list is rebuilt). It reports the
// median and the 99th percentile.
func BenchmarkEditToServed(b *testing.B) {
	b.Run("text", func(b *testing.B) { benchmarkEdit(b, false) })
	b.Run("title", func(b *testing.B) { benchmarkEdit(b, true) })
}

func benchmarkEdit(b *testing.B, editTitle bool) {
	dir := sitegen.ForBenchmark(b, *benchSite, *benchPosts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := content.NewWatcher(ctx, content.Options{SiteDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	go w.Run(ctx)
	srv := httptest.NewServer(NewHandler(Options{Snapshot: w.Current}))
	defer srv.Close()
	page := srv.URL + "/posts/post-00042/"
	time.Sleep(100 * time.Millisecond) // let the watches settle

	file := filepath.Join(dir, "content", "posts", "post-00042", "index.md")
	orig, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	defer os.WriteFile(file, orig, 0o644)
	front, body, _ := strings.Cut(string(orig), "\n---\n")

	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		marker := fmt.Sprintf("Edited number %d", i)
		edited := front + "\n---\n" + marker + "\n\n" + body
		if editTitle {
			edited = fmt.Sprintf("---\ntitle: %q\ndate: 2020-01-04T12:00:00Z\n---\n%s", marker, body)
		}
		start := time.Now()
		if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
			b.Fatal(err)
		}
		for {
			if time.Since(start) > 10*time.Second {
				b.Fatal("edit not served within 10s")
			}
			resp, err := http.Get(page)
			if err != nil {
				b.Fatal(err)
			}
			html, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(html), marker) {
				lat = append(lat, time.Since(start))
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
