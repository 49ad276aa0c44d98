package fedisim

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"
)

// RejectReason says why an inbox refused a delivery.
type RejectReason string

// The reasons an inbox refuses a delivery. Each is answered 401, except
// RejectBody (400) and RejectTooLarge (413).
const (
	// RejectUnsigned: neither Signature-Input (RFC 9421) nor a draft-cavage
	// Signature (or Authorization: Signature) header.
	RejectUnsigned RejectReason = "unsigned"
	// RejectMalformed: the signature header cannot be parsed.
	RejectMalformed RejectReason = "malformed_signature"
	// RejectAlgorithm: an algorithm other than rsa-sha256 or hs2019, or
	// one that does not fit the key.
	RejectAlgorithm RejectReason = "unsupported_algorithm"
	// RejectMissingHeader: a required header or component is not signed
	// ((request-target), host, date and on POST digest; for RFC 9421
	// @method, @target-uri, created and on POST content-digest), or a
	// signed header is absent.
	RejectMissingHeader RejectReason = "missing_header"
	// RejectDigest: the Digest header has no SHA-256 or it does not match
	// the body (for RFC 9421: Content-Digest, sha-256 or sha-512).
	RejectDigest RejectReason = "digest_mismatch"
	// RejectDate: Date (or created) more than an hour ahead or more than
	// an hour and five minutes behind, or the signature expired.
	RejectDate RejectReason = "date_out_of_window"
	// RejectKeyFetch: the key could not be fetched or read.
	RejectKeyFetch RejectReason = "key_unavailable"
	// RejectBadSignature: the signature does not verify, even with the key
	// fetched afresh.
	RejectBadSignature RejectReason = "bad_signature"
	// RejectOwner: the key's owner is not the activity's actor.
	RejectOwner RejectReason = "key_owner_mismatch"
	// RejectBody: the body is not an activity with an actor.
	RejectBody RejectReason = "bad_body"
	// RejectTooLarge: the body is over 1 MiB.
	RejectTooLarge RejectReason = "too_large"
)

// Delivery is one POST to an inbox that got past the server's faults.
type Delivery struct {
	// Server is the index of the server that received it.
	Server int `json:"server"`
	// Inbox is the URL it was posted to.
	Inbox string `json:"inbox"`
	// Type, ID, Object and Actor are read from the activity; Object is the
	// object's id whether the object is embedded or referenced.
	Type   string `json:"type,omitempty"`
	ID     string `json:"id,omitempty"`
	Object string `json:"object,omitempty"`
	Actor  string `json:"actor,omitempty"`
	// KeyID is the key the request claimed to be signed with.
	KeyID string `json:"key_id,omitempty"`
	// Time is when it arrived.
	Time time.Time `json:"time"`
	// Verified says the signature checked out; Reason says why not.
	Verified bool         `json:"verified"`
	Reason   RejectReason `json:"reason,omitempty"`
	// Detail explains a rejection.
	Detail string `json:"detail,omitempty"`
	// Duplicate says this inbox had already accepted an activity with
	// this id.
	Duplicate bool `json:"duplicate,omitempty"`
	// Body is the request body, kept with Options.KeepBodies.
	Body json.RawMessage `json:"body,omitempty"`
}

// Stats counts what the inboxes have received since Start or Reset.
type Stats struct {
	// Received is every delivery that reached signature checking.
	Received int `json:"received"`
	// Accepted is the deliveries that verified, duplicates included.
	Accepted int `json:"accepted"`
	// ByType counts accepted deliveries by activity type.
	ByType map[string]int `json:"by_type"`
	// Rejected counts refused deliveries by reason.
	Rejected map[RejectReason]int `json:"rejected"`
	// RejectedTotal is the sum of Rejected.
	RejectedTotal int `json:"rejected_total"`
	// Duplicates counts accepted deliveries of an activity id the same
	// inbox had already accepted.
	Duplicates int `json:"duplicates"`
	// Inboxes is how many distinct inboxes accepted at least one delivery.
	Inboxes int `json:"inboxes"`
	// Faulted counts requests answered by a server's fault, by kind.
	Faulted map[FaultKind]int `json:"faulted"`
	// KeyFetches is how many times an inbox fetched a key.
	KeyFetches int `json:"key_fetches"`
	// Holding is how many requests a Timeout or SlowBody fault holds now.
	// Its changes do not wake WaitFor.
	Holding int `json:"holding"`
}

// recorder keeps the deliveries and their counts.
type recorder struct {
	keepBodies bool
	onDelivery func(Delivery)

	mu         sync.Mutex
	deliveries []Delivery
	stats      Stats
	seen       map[seenKey]struct{}
	inboxes    map[string]struct{}
	changed    chan struct{}
}

// seenKey is an activity id at an inbox.
type seenKey struct{ inbox, id string }

func (rec *recorder) init(keepBodies bool, onDelivery func(Delivery)) {
	rec.keepBodies = keepBodies
	rec.onDelivery = onDelivery
	rec.reset()
}

// reset empties the recorder; the caller holds mu or has sole access.
func (rec *recorder) reset() {
	rec.deliveries = nil
	rec.stats = Stats{
		ByType:   make(map[string]int),
		Rejected: make(map[RejectReason]int),
		Faulted:  make(map[FaultKind]int),
	}
	rec.seen = make(map[seenKey]struct{})
	rec.inboxes = make(map[string]struct{})
	if rec.changed != nil {
		close(rec.changed)
	}
	rec.changed = make(chan struct{})
}

// record adds d, marking it a duplicate when due.
func (rec *recorder) record(d Delivery, body []byte) Delivery {
	if rec.keepBodies && body != nil {
		d.Body = json.RawMessage(append([]byte(nil), body...))
	}
	rec.mu.Lock()
	st := &rec.stats
	st.Received++
	if d.Verified {
		st.Accepted++
		st.ByType[d.Type]++
		if d.ID != "" {
			k := seenKey{d.Inbox, d.ID}
			if _, dup := rec.seen[k]; dup {
				d.Duplicate = true
				st.Duplicates++
			} else {
				rec.seen[k] = struct{}{}
			}
		}
		if _, ok := rec.inboxes[d.Inbox]; !ok {
			rec.inboxes[d.Inbox] = struct{}{}
			st.Inboxes++
		}
	} else {
		st.Rejected[d.Reason]++
		st.RejectedTotal++
	}
	rec.deliveries = append(rec.deliveries, d)
	rec.notify()
	rec.mu.Unlock()
	if rec.onDelivery != nil {
		rec.onDelivery(d)
	}
	return d
}

// faulted counts a request answered by fault k.
func (rec *recorder) faulted(k FaultKind) {
	rec.mu.Lock()
	rec.stats.Faulted[k]++
	rec.notify()
	rec.mu.Unlock()
}

// keyFetched counts a key fetch.
func (rec *recorder) keyFetched() {
	rec.mu.Lock()
	rec.stats.KeyFetches++
	rec.notify()
	rec.mu.Unlock()
}

// notify wakes the waiters; the caller holds mu.
func (rec *recorder) notify() {
	close(rec.changed)
	rec.changed = make(chan struct{})
}

// snapshot copies the stats; the caller holds mu.
func (rec *recorder) snapshot() Stats {
	st := rec.stats
	st.ByType = maps.Clone(rec.stats.ByType)
	st.Rejected = maps.Clone(rec.stats.Rejected)
	st.Faulted = maps.Clone(rec.stats.Faulted)
	return st
}

// Stats returns the counts so far.
func (s *Sim) Stats() Stats {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	return s.snapshot()
}

// snapshot is the recorder's snapshot with the live counts; the caller
// holds rec.mu.
func (s *Sim) snapshot() Stats {
	st := s.rec.snapshot()
	st.Holding = int(s.holding.Load())
	return st
}

// Deliveries returns a copy of every delivery recorded so far, in arrival
// order.
func (s *Sim) Deliveries() []Delivery {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	out := make([]Delivery, len(s.rec.deliveries))
	copy(out, s.rec.deliveries)
	return out
}

// Reset forgets every delivery and count (duplicates too); keys stay
// cached.
func (s *Sim) Reset() {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.reset()
}

// WaitFor returns once cond holds for the stats, checking at every change,
// or ctx's error once ctx is done.
func (s *Sim) WaitFor(ctx context.Context, cond func(Stats) bool) error {
	for {
		s.rec.mu.Lock()
		st := s.snapshot()
		changed := s.rec.changed
		s.rec.mu.Unlock()
		if cond(st) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fedisim: wait: %w (received %d, accepted %d, rejected %d)",
				ctx.Err(), st.Received, st.Accepted, st.RejectedTotal)
		case <-changed:
		case <-s.done:
			return fmt.Errorf("fedisim: wait: simulator closed")
		}
	}
}
