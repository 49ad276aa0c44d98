package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/blogbridge/blogbridge/content"
)

// errCheckFailed makes check exit 1 after it printed its report.
var errCheckFailed = errors.New("the site has errors")

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "Read the site and list every page with its warnings and errors.\nExits 1 when there is an error.", stderr)
	cfg, err := loadConfig(fs, args, false)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	logger := cfg.logger()
	cfg.applyMemoryLimit(logger)
	relaxGC()
	snap, err := content.Load(ctx, content.Options{
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
	out := bufio.NewWriter(stdout) // a line a page: one write each would be thousands of system calls
	stdout = out
	byFile := map[string][]content.Diagnostic{}
	var files []string
	for _, d := range snap.Diagnostics {
		if _, ok := byFile[d.File]; !ok {
			files = append(files, d.File)
		}
		byFile[d.File] = append(byFile[d.File], d)
	}
	warnings, errs := 0, 0
	for _, d := range snap.Diagnostics {
		if d.Severity == content.Error {
			errs++
		} else {
			warnings++
		}
	}
	pages := snap.RegularPages()
	for _, p := range pages {
		mark := markFor(byFile[p.File])
		fmt.Fprintf(stdout, "%s %-8s %s  %s\n", mark, p.Lang, p.RelPermalink, p.File)
		for _, d := range byFile[p.File] {
			fmt.Fprintf(stdout, "       %s\n", d)
		}
		delete(byFile, p.File)
	}
	for _, f := range files {
		ds, ok := byFile[f]
		if !ok {
			continue
		}
		mark := markFor(ds)
		fmt.Fprintf(stdout, "%s %s\n", mark, f)
		for _, d := range ds {
			fmt.Fprintf(stdout, "       %s\n", d)
		}
	}
	fmt.Fprintf(stdout, "\n%d pages, %d warnings, %d errors\n", len(pages), warnings, errs)
	if err := out.Flush(); err != nil {
		return err
	}
	if errs > 0 {
		return errCheckFailed
	}
	return nil
}

// markFor is the status column of a file with diagnostics ds.
func markFor(ds []content.Diagnostic) string {
	switch {
	case slices.ContainsFunc(ds, func(d content.Diagnostic) bool { return d.Severity == content.Error }):
		return "ERROR"
	case len(ds) > 0:
		return "warn "
	}
	return "ok   "
}
