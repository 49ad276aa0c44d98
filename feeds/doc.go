// Package feeds serves the site's posts as Atom 1.0, RSS 2.0 and JSON Feed
// 1.1 documents, and announces changed feeds to a WebSub hub.
//
// Every list of posts has a feed in each format, per language: the home page
// (every regular page of the language), each section and each taxonomy term.
// A list at the path D (a page's RelPermalink, such as "/", "/posts/",
// "/tags/kafka/" or "/es/") has its feeds at
//
//	D + "index.xml"  RSS 2.0, the path Hugo gives it
//	D + "atom.xml"   Atom 1.0
//	D + "feed.json"  JSON Feed 1.1
//
// Feeds are a pure function of a content.Snapshot: the documents are built
// with github.com/gorilla/feeds, whose exported structs are extended where
// a format allows more than it models (several links, categories with a
// term and scheme, authors with an address, languages, WebSub hubs). Each
// document is built once per snapshot, on its first request, and served from
// memory with a precompressed gzip copy and validators.
//
// Entries are identified by tag: URIs derived from the post's source file
// and year, so an entry keeps its id when its title, slug or permalink
// changes.
package feeds
