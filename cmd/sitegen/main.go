// Command sitegen writes a synthetic Hugo site shaped like a conference
// write-up, for measuring blogbridge on large sites:
//
//	go run ./cmd/sitegen -posts 10000 -out /tmp/site10k
//	/usr/bin/time -v go run ./cmd/blogbridge check --site /tmp/site10k
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/blogbridge/blogbridge/internal/sitegen"
)

func main() {
	posts := flag.Int("posts", 1000, "number of posts")
	out := flag.String("out", "", "folder to write the site into (must not exist)")
	images := flag.Int("images", 29, "bundle images per post")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "sitegen: -out is required")
		os.Exit(2)
	}
	if _, err := os.Stat(*out); err == nil {
		fmt.Fprintf(os.Stderr, "sitegen: %s already exists\n", *out)
		os.Exit(2)
	}
	opts := sitegen.SeedLike(*posts)
	opts.ImagesPerPost = *images
	if err := sitegen.Generate(*out, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d posts to %s\n", *posts, *out)
}
