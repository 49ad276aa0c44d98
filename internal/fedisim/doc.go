// Package fedisim is a simulated fediverse on loopback: many small
// ActivityPub servers in one process, each on its own 127.0.0.1 port, with
// actors that can be fetched, found by WebFinger, followed and delivered to.
//
// It is blogbridge's test and load tool for the inbox and for delivery. Its
// inboxes check HTTP signatures as strictly as Mastodon does: draft-cavage
// with github.com/go-fed/httpsig, and RFC 9421 with a checker of its own,
// both apart from blogbridge's internal/httpsig, so that our signer is
// checked by another implementation. Every delivery is
// recorded and counted (see Stats), servers can be made to fail in the ways
// real ones do (see Fault), and actors can send signed activities to a
// target (see Send and Blast).
//
// Everything it fetches or sends goes to loopback addresses only.
package fedisim
