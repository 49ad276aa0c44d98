package store

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Block keeps one actor, or every actor of a domain, away from the blog:
// the inbox refuses their activities and they cannot follow. Exactly one of
// Domain and Actor is set.
type Block struct {
	// Domain is a host name; blocking it blocks its subdomains too (a
	// block of example.com covers social.example.com, not
	// badexample.com). It is kept lower-case, without a trailing dot.
	Domain string `json:"domain,omitempty"`
	// Actor is one actor's id.
	Actor   string    `json:"actor,omitempty"`
	Created time.Time `json:"created"`
	Reason  string    `json:"reason,omitempty"`
}

// Keys in the blocks bucket are a prefix and the blocked domain or actor.
const (
	blockActorPrefix  = "actor:"
	blockDomainPrefix = "domain:"
)

// blockKey normalises b's domain and returns b's key in the blocks bucket.
func blockKey(b *Block) ([]byte, error) {
	var key string
	switch {
	case b.Domain != "" && b.Actor != "":
		return nil, fmt.Errorf("%w: a block names a domain or an actor, not both", ErrInvalidID)
	case b.Domain != "":
		b.Domain = normalizeHost(b.Domain)
		if b.Domain == "" {
			return nil, fmt.Errorf("%w: a block of an empty domain", ErrInvalidID)
		}
		key = blockDomainPrefix + b.Domain
	case b.Actor != "":
		key = blockActorPrefix + b.Actor
	default:
		return nil, fmt.Errorf("%w: a block names neither a domain nor an actor", ErrInvalidID)
	}
	if err := checkKey("blocked domain or actor", key); err != nil {
		return nil, err
	}
	return []byte(key), nil
}

// AddBlock records b, durably, replacing a block of the same domain or
// actor. In the same transaction it removes what b covers (the domain and
// its subdomains, or the actor): followers, follow requests, and the
// likes, boosts and replies recorded. A zero Created means now.
func (s *Store) AddBlock(ctx context.Context, b Block) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: add block: %w", err)
	}
	key, err := blockKey(&b)
	if err != nil {
		return err
	}
	if b.Created.IsZero() {
		b.Created = time.Now()
	}
	b.Created = b.Created.UTC()
	raw, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("store: add block %s: %w", key, err)
	}
	v := s.blockView()
	v.mu.Lock()
	defer v.mu.Unlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketBlocks).Put(key, raw); err != nil {
			return err
		}
		covered := func(actor string) bool { return actor == b.Actor }
		if b.Domain != "" {
			covered = func(actor string) bool { return withinDomain(hostOf(actor), b.Domain) }
		}
		coveredKey := func(k, _ []byte) (bool, error) { return covered(string(k)), nil }
		var n int
		if err := removeIf(tx, bucketFollowers, &n, coveredKey); err != nil {
			return err
		}
		if err := removeIf(tx, bucketRequests, &n, coveredKey); err != nil {
			return err
		}
		return removeInteractionsIf(tx, &n, func(in *Interaction) bool { return covered(in.Actor) })
	})
	if err != nil {
		return fmt.Errorf("store: add block %s: %w", key, err)
	}
	v.changeLocked(string(key), true)
	return nil
}

// RemoveBlock lifts the block of b's domain or actor (b's other fields
// are ignored); removed reports whether there was one. Followers removed
// by the block stay removed.
func (s *Store) RemoveBlock(ctx context.Context, b Block) (removed bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: remove block: %w", err)
	}
	key, err := blockKey(&b)
	if err != nil {
		return false, err
	}
	v := s.blockView()
	v.mu.Lock()
	defer v.mu.Unlock()
	err = s.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBlocks)
		removed = bk.Get(key) != nil
		if !removed {
			return nil
		}
		return bk.Delete(key)
	})
	if err != nil {
		return false, fmt.Errorf("store: remove block %s: %w", key, err)
	}
	v.changeLocked(string(key), false)
	return removed, nil
}

// Blocks returns every block: actor blocks ordered by actor id, then
// domain blocks ordered by domain.
func (s *Store) Blocks(ctx context.Context) ([]Block, error) {
	return readAll[Block](ctx, s, bucketBlocks, "blocks", "block")
}

// Blocked reports whether id is blocked: an actor id, or a key id (whose
// fragment, as in https://host/users/a#main-key, is dropped to find the
// actor). It is blocked when the actor is, or when its host or a parent
// domain of its host is. It answers from memory, without I/O: the blocks
// are read from the file on first use and kept current by AddBlock and
// RemoveBlock. Should that first read fail (the store is closed), it
// reports false and reads again on the next call.
func (s *Store) Blocked(id string) bool {
	set := s.blockView().current(s.db)
	return set != nil && set.covers(id)
}

// blockedIn reports whether id is blocked according to the blocks bucket
// in tx.
func blockedIn(tx *bolt.Tx, id string) bool {
	b := tx.Bucket(bucketBlocks)
	return covered(id,
		func(actor string) bool { return b.Get([]byte(blockActorPrefix+actor)) != nil },
		func(domain string) bool { return b.Get([]byte(blockDomainPrefix+domain)) != nil })
}

// covered reports whether id is blocked, given whether an actor and
// whether a domain is.
func covered(id string, actor, domain func(string) bool) bool {
	if actor(id) {
		return true
	}
	if i := strings.IndexByte(id, '#'); i >= 0 && actor(id[:i]) {
		return true
	}
	for d := range domainsOf(hostOf(id)) {
		if domain(d) {
			return true
		}
	}
	return false
}

// blockView is the Store's in-memory copy of the blocks bucket. Readers
// take the current set without locking; writers replace it.
type blockView struct {
	// mu is held while the set is loaded and while a block is written, so
	// the set changes in the order the bucket does.
	mu  sync.Mutex
	set atomic.Pointer[blockSet]
}

// blockView returns s's view of its blocks.
func (s *Store) blockView() *blockView { return &s.blocks }

// current returns the set of blocks, reading it from db the first time;
// nil when that read fails.
func (v *blockView) current(db *bolt.DB) *blockSet {
	if set := v.set.Load(); set != nil {
		return set
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if set := v.set.Load(); set != nil {
		return set
	}
	set := &blockSet{actors: map[string]struct{}{}, domains: map[string]struct{}{}}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBlocks).ForEach(func(k, _ []byte) error {
			set.change(string(k), true)
			return nil
		})
	})
	if err != nil {
		return nil
	}
	v.set.Store(set)
	return set
}

// changeLocked records, with v.mu held, that the block with key was added
// or removed. A view not read yet is left alone: its first read will see
// the change.
func (v *blockView) changeLocked(key string, blocked bool) {
	old := v.set.Load()
	if old == nil {
		return
	}
	next := &blockSet{actors: make(map[string]struct{}, len(old.actors)), domains: make(map[string]struct{}, len(old.domains))}
	for a := range old.actors {
		next.actors[a] = struct{}{}
	}
	for d := range old.domains {
		next.domains[d] = struct{}{}
	}
	next.change(key, blocked)
	v.set.Store(next)
}

// blockSet is the blocked actors and domains. It is not changed once
// published.
type blockSet struct {
	actors  map[string]struct{}
	domains map[string]struct{}
}

// change adds or removes the block with the bucket key.
func (set *blockSet) change(key string, blocked bool) {
	m, name := set.actors, strings.TrimPrefix(key, blockActorPrefix)
	if d, ok := strings.CutPrefix(key, blockDomainPrefix); ok {
		m, name = set.domains, d
	}
	if blocked {
		m[name] = struct{}{}
	} else {
		delete(m, name)
	}
}

// covers reports whether id is blocked.
func (set *blockSet) covers(id string) bool {
	if len(set.domains) == 0 && len(set.actors) == 0 {
		return false
	}
	actor := func(a string) bool { _, ok := set.actors[a]; return ok }
	if len(set.domains) == 0 {
		return covered(id, actor, func(string) bool { return false })
	}
	return covered(id, actor, func(d string) bool { _, ok := set.domains[d]; return ok })
}

// hostOf returns the normalised host of the URL id, or "" when it has
// none.
func hostOf(id string) string {
	u, err := url.Parse(id)
	if err != nil {
		return ""
	}
	return normalizeHost(u.Hostname())
}

// normalizeHost lower-cases a host name and drops spaces around it and a
// trailing dot.
func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// domainsOf yields host and then each parent domain of it:
// social.example.com, example.com, com. An IP address yields only itself.
func domainsOf(host string) iter.Seq[string] {
	return func(yield func(string) bool) {
		if host == "" {
			return
		}
		if isIP(host) {
			yield(host)
			return
		}
		for {
			if !yield(host) {
				return
			}
			i := strings.IndexByte(host, '.')
			if i < 0 {
				return
			}
			host = host[i+1:]
		}
	}
}

// withinDomain reports whether host is domain or one of its subdomains.
func withinDomain(host, domain string) bool {
	for d := range domainsOf(host) {
		if d == domain {
			return true
		}
	}
	return false
}

// isIP reports whether the normalised host is an IP address: IPv6 has
// colons, and no top-level domain is all digits.
func isIP(host string) bool {
	if strings.IndexByte(host, ':') >= 0 {
		return true
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
