// Package sitegen writes synthetic Hugo sites shaped like a real conference
// write-up (about 7.5 KB of Markdown, headings, lists, links, 29 bundle
// images, tweet shortcodes and a summary divider per post), for benchmarks
// and load tests.
package sitegen

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Options shape the generated site.
type Options struct {
	Posts          int // number of posts
	ImagesPerPost  int // bundle images per post (the seed post has 30)
	TweetsPerPost  int // twitter shortcodes per post (the seed post has 4)
	ParagraphWords int // words per paragraph
	Seed           uint64
}

// SeedLike returns options matching the shape of the seed conference
// write-up: about 7 KB and 1,000 words of Markdown, 29 bundle images, 4
// tweets.
func SeedLike(posts int) Options {
	return Options{Posts: posts, ImagesPerPost: 29, TweetsPerPost: 4, ParagraphWords: 25, Seed: 1}
}

// Generate writes a site with a hugo.toml and opts.Posts leaf bundles under
// content/posts into dir, which should be empty. Bundle images are hard links
// to a few small JPEGs, so a large site costs little disk.
func Generate(dir string, opts Options) error {
	if err := os.MkdirAll(filepath.Join(dir, "content", "posts"), 0o755); err != nil {
		return fmt.Errorf("sitegen: %w", err)
	}
	config := `baseURL = "https://bench.example/"
title = "Benchmark site"
languageCode = "en-us"
[params]
  mainSections = ["posts"]
  description = "A generated site"
`
	if err := os.WriteFile(filepath.Join(dir, "hugo.toml"), []byte(config), 0o644); err != nil {
		return fmt.Errorf("sitegen: %w", err)
	}
	// A file takes at most 65,000 links on ext4: make enough originals.
	images, err := writeImages(filepath.Join(dir, "images-src"), max(3, opts.Posts*opts.ImagesPerPost/60000+1))
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	base := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range opts.Posts {
		name := fmt.Sprintf("post-%05d", i)
		bundle := filepath.Join(dir, "content", "posts", name)
		if err := os.MkdirAll(bundle, 0o755); err != nil {
			return fmt.Errorf("sitegen: %w", err)
		}
		var imgs []string
		for j := range opts.ImagesPerPost {
			img := fmt.Sprintf("slide-%02d.jpg", j)
			if err := os.Link(images[(i*opts.ImagesPerPost+j)%len(images)], filepath.Join(bundle, img)); err != nil {
				return fmt.Errorf("sitegen: %w", err)
			}
			imgs = append(imgs, img)
		}
		date := base.Add(time.Duration(i) * 2 * time.Hour)
		if err := os.WriteFile(filepath.Join(bundle, "index.md"), Post(r, i, date, imgs, opts), 0o644); err != nil {
			return fmt.Errorf("sitegen: %w", err)
		}
	}
	return nil
}

// Post returns the Markdown of one generated post, shaped like the seed
// post: a lead, a summary divider, eleven talk sections with paragraphs,
// links, a few list items, the bundle images spread over them, and tweets.
func Post(r *rand.Rand, n int, date time.Time, images []string, opts Options) []byte {
	var b bytes.Buffer
	tags := []string{"kafka", "streaming", "conference", "databases", "go", "flink", "cdc"}
	fmt.Fprintf(&b, "---\ntitle: \"Notes from session %d: %s\"\ndate: %s\ntags:\n- %s\n- %s\n---\n\n",
		n, words(r, 4), date.Format(time.RFC3339), tags[n%len(tags)], tags[(n+3)%len(tags)])
	b.WriteString(paragraph(r, opts.ParagraphWords/2) + "\n\n<!--more-->\n\n")
	const sections = 11
	img, tweet := 0, 0
	for s := range sections {
		fmt.Fprintf(&b, "## Talk %d: %s\n\n", s+1, words(r, 5))
		fmt.Fprintf(&b, "%s See [the slides](https://example.org/slides/%d).\n\n", paragraph(r, opts.ParagraphWords), s)
		if s%5 == 0 {
			fmt.Fprintf(&b, "- %s\n- %s\n\n", words(r, 8), words(r, 6))
		}
		if tweet < opts.TweetsPerPost && s%3 == 1 {
			fmt.Fprintf(&b, "{{< twitter user=\"speaker%d\" id=\"17700%08d\" >}}\n\n", s, r.IntN(1e8))
			tweet++
		}
		fmt.Fprintf(&b, "%s It was---as always---\"worth it\".\n\n", paragraph(r, opts.ParagraphWords))
		// Spread the images evenly over the sections.
		for ; img < (s+1)*len(images)/sections; img++ {
			fmt.Fprintf(&b, "![%s](%s)\n", words(r, 2), images[img])
		}
		b.WriteString("\n")
	}
	for ; tweet < opts.TweetsPerPost; tweet++ {
		fmt.Fprintf(&b, "{{< twitter user=\"closing\" id=\"1770%08d\" >}}\n\n", r.IntN(1e8))
	}
	return b.Bytes()
}

var vocabulary = strings.Fields(`stream table kafka topic partition consumer producer broker
lag offset state store restoration checkpoint flink sql iceberg lakehouse schema registry
connector debezium replication latency throughput durable execution workflow journal event
sourcing retry backpressure cluster tiered storage object cheap diskless protocol client
session speaker keynote demo hallway community open source roadmap release operator`)

func words(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return strings.Join(w, " ")
}

func paragraph(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; {
		k := min(8+r.IntN(8), n-i)
		s := words(r, k)
		b.WriteString(strings.ToUpper(s[:1]) + s[1:] + ". ")
		i += k
	}
	return strings.TrimSpace(b.String())
}

// writeImages writes n small JPEGs into dir and returns their paths.
func writeImages(dir string, n int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sitegen: %w", err)
	}
	var paths []string
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 320+40*(i%8), 240+30*(i%8)))
		for y := range img.Bounds().Dy() {
			for x := range img.Bounds().Dx() {
				img.Set(x, y, color.RGBA{uint8(x * 255 / img.Bounds().Dx()), uint8(40 * (i % 6)), uint8(y * 255 / img.Bounds().Dy()), 255})
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("img-%d.jpg", i))
		f, err := os.Create(p)
		if err != nil {
			return nil, fmt.Errorf("sitegen: %w", err)
		}
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 70})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("sitegen: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// ForBenchmark returns dir when it is set, else a seed-like site of posts
// posts written into a temporary folder of tb.
func ForBenchmark(tb testing.TB, dir string, posts int) string {
	tb.Helper()
	if dir != "" {
		return dir
	}
	dir = filepath.Join(tb.TempDir(), "site")
	if err := Generate(dir, SeedLike(posts)); err != nil {
		tb.Fatal(err)
	}
	return dir
}
