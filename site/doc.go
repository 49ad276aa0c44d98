// Package site serves a content.Snapshot as the website's HTML pages.
//
// It owns the page templates and the stylesheet (both embedded in the
// binary), pagination at Hugo's paths (/page/2/, /posts/page/2/,
// /tags/kafka/page/2/), the <head> metadata every page carries (canonical
// link, Open Graph, Twitter card, and whatever other packages add through
// Options.HeadLinks), and the serving of bundle resources and static/ files
// with caching headers. It serves nothing outside the site folders: paths
// with dot segments, encoded slashes, backslashes, NUL bytes or hidden names
// are answered with 404, and files are opened through os.Root so a symbolic
// link cannot lead out of its folder.
package site
