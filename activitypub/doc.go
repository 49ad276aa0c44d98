// Package activitypub makes the blog a fediverse actor: it serves the
// actor, its collections and every federated post as ActivityStreams JSON,
// with WebFinger, host-meta and NodeInfo for discovery, and keeps the ledger
// of which post has which object id.
//
// # Documents
//
// All documents are a function of the current content.Snapshot, the
// Config, the actor's key and the ledger. They are built once per snapshot,
// on first request, and served from memory as prepared bytes with an ETag;
// a post whose content did not change keeps its document across snapshots.
// Objects are built with go-fed's typed streams API (which stays inside this
// package) and written by toJSON, the one serialiser, which keeps Mastodon's
// expectations: lists stay arrays, content sits beside contentMap, and the
// @context declares the extension terms Mastodon reads.
//
// Paths below the site's base URL:
//
//	ap/actor                 the actor (#main-key is its key id)
//	ap/inbox, ap/shared-inbox  named in the actor; POST answers 501 for now
//	ap/outbox[?page=N]       Create activities, newest first
//	ap/followers, ap/following, ap/featured
//	ap/posts/{id}            a post's object; 410 with a Tombstone once gone
//	ap/posts/{id}/activity   the Create that published it
//
// and at the root of the host: /.well-known/webfinger, /.well-known/host-meta
// (.json), /.well-known/nodeinfo, /nodeinfo/2.0 and /nodeinfo/2.1. A post's
// permalink and a home page answer with the object or the actor when the
// request's Accept header asks for ActivityStreams JSON; every other request
// goes to the handler Wrap was given.
//
// # Object ids
//
// Each federated post (a regular page of a federated section that is not a
// draft, not in the future, not expired and not opted out) has a record in
// the store's ledger (store.Object). A post is recognised from one snapshot
// to the next by its source file and language, else by its permalink (a
// moved file), so its id survives new titles, slugs, dates and permalink
// patterns. Ids are derived from the file and language, with a generation
// suffix for a post published again after a Delete, since servers keep
// tombstones of deleted ids. A post missing from a snapshot is marked
// deleted, unless its file failed to build.
package activitypub
