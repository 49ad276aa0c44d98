// Package content turns a Hugo-style site folder into an immutable Snapshot of
// rendered pages.
//
// It owns everything between the files on disk and the pages other packages
// serve: the site configuration (hugo.toml and friends), front matter, Hugo's
// permalink rules, shortcodes, Markdown rendering with goldmark, summaries,
// page-bundle resources, and the watcher that rebuilds the snapshot when a file
// changes. Nothing here knows about HTTP, feeds or ActivityPub.
package content
