package activitypub

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mr-tron/base58"

	"github.com/blogbridge/blogbridge/internal/httpsig"
	"github.com/blogbridge/blogbridge/internal/outbound"
	"github.com/blogbridge/blogbridge/store"
)

// Errors of fetching a remote document.
var (
	// errRemoteGone is returned when a server answers 410 Gone: the actor
	// or key was deleted.
	errRemoteGone = errors.New("activitypub: remote document is gone (410)")
	// errRemoteNotFound is returned for 404.
	errRemoteNotFound = errors.New("activitypub: remote document not found (404)")
)

// maxRemoteDocument caps the size of a fetched actor or key document.
const maxRemoteDocument = 1 << 20

// fetcher GETs documents from other servers through the outbound client,
// with a signed request, as servers in secure mode require.
type fetcher struct {
	client *outbound.Client
	// keyID returns the id of the blog's key, which follows the base URL.
	keyID func() string
	key   crypto.Signer
	now   func() time.Time
}

// get fetches the ActivityStreams document at rawURL (its fragment
// dropped). It asks without a signature first: signing costs a
// millisecond of CPU, and servers serve actors and keys to anyone, even
// those that require signed fetches (Mastodon's authorized fetch answers
// with the key). A 401 or 403 is asked again, signed.
func (f *fetcher) get(ctx context.Context, rawURL string) ([]byte, error) {
	if i := strings.IndexByte(rawURL, '#'); i >= 0 {
		rawURL = rawURL[:i]
	}
	body, status, err := f.do(ctx, rawURL, false)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		body, status, err = f.do(ctx, rawURL, true)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case status == http.StatusGone:
		return nil, fmt.Errorf("%w: %s", errRemoteGone, rawURL)
	case status == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s", errRemoteNotFound, rawURL)
	case status != http.StatusOK:
		return nil, fmt.Errorf("activitypub: fetch %s: status %d", rawURL, status)
	}
	return body, nil
}

// do sends one GET, signed or not, and returns the body of a 200.
func (f *fetcher) do(ctx context.Context, rawURL string, sign bool) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("activitypub: fetch %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", mediaActivity+`, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	if sign {
		if err := httpsig.NewSigner(f.keyID(), f.key).Sign(req, nil, f.now()); err != nil {
			return nil, 0, fmt.Errorf("activitypub: sign fetch of %s: %w", rawURL, err)
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("activitypub: fetch %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, resp.StatusCode, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRemoteDocument+1))
	if err != nil {
		return nil, 0, fmt.Errorf("activitypub: fetch %s: %w", rawURL, err)
	}
	if len(body) > maxRemoteDocument {
		return nil, 0, fmt.Errorf("activitypub: fetch %s: document over %d bytes", rawURL, maxRemoteDocument)
	}
	return body, resp.StatusCode, nil
}

// keyCacheSize bounds how many keys are kept in memory; the store keeps
// every key fetched.
const keyCacheSize = 50_000

// keyMaxAge is how long a fetched key is trusted before it is fetched
// again.
const keyMaxAge = 24 * time.Hour

// keyRefreshMin is how soon after fetching a key it may be fetched again
// because a signature did not verify with it.
const keyRefreshMin = time.Minute

// keyResolver finds the public keys that sign incoming requests: from
// memory, else from the store's cache, else by fetching the key id. It
// also records the actors it fetches, so a Follow finds its follower's
// inboxes without another request. It is safe for concurrent use.
type keyResolver struct {
	fetch *fetcher
	store *store.Store
	now   func() time.Time

	logger *slog.Logger

	mu     sync.Mutex
	keys   map[string]cachedKey
	actors map[string]store.RemoteActor
	flight map[string]*keyCall
	// pending counts the writes of persist still running.
	pending sync.WaitGroup
}

var _ httpsig.KeyResolver = (*keyResolver)(nil)

type cachedKey struct {
	key     *httpsig.PublicKey
	fetched time.Time
}

// keyCall is a fetch in progress; callers for the same key wait for it.
type keyCall struct {
	done chan struct{}
	key  *httpsig.PublicKey
	err  error
}

func newKeyResolver(f *fetcher, st *store.Store, now func() time.Time, logger *slog.Logger) *keyResolver {
	return &keyResolver{fetch: f, store: st, now: now, logger: logger,
		keys: make(map[string]cachedKey), actors: make(map[string]store.RemoteActor),
		flight: make(map[string]*keyCall)}
}

// ResolveKey returns the key with id keyID. With refresh, or when the key
// is older than keyMaxAge, it is fetched again.
func (kr *keyResolver) ResolveKey(ctx context.Context, keyID string, refresh bool) (*httpsig.PublicKey, error) {
	now := kr.now()
	if refresh {
		// A forged signature asks for a refresh too: fetch a key at most
		// once a minute.
		kr.mu.Lock()
		c, ok := kr.keys[keyID]
		kr.mu.Unlock()
		if ok && now.Sub(c.fetched) < keyRefreshMin {
			return c.key, nil
		}
	} else {
		kr.mu.Lock()
		c, ok := kr.keys[keyID]
		kr.mu.Unlock()
		if ok && now.Sub(c.fetched) < keyMaxAge {
			return c.key, nil
		}
		rk, ok, err := kr.store.RemoteKey(ctx, keyID)
		if err != nil {
			return nil, fmt.Errorf("activitypub: %w", err)
		}
		if ok && now.Sub(rk.Fetched) < keyMaxAge {
			if key, err := storedToKey(rk); err == nil {
				kr.remember(key, rk.Fetched)
				return key, nil
			}
		}
	}
	return kr.fetchShared(ctx, keyID)
}

// fetchShared fetches keyID, once for all the callers that ask at the same
// time.
func (kr *keyResolver) fetchShared(ctx context.Context, keyID string) (*httpsig.PublicKey, error) {
	kr.mu.Lock()
	if c, ok := kr.flight[keyID]; ok {
		kr.mu.Unlock()
		select {
		case <-c.done:
			return c.key, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &keyCall{done: make(chan struct{})}
	kr.flight[keyID] = c
	kr.mu.Unlock()

	c.key, c.err = kr.fetchKey(ctx, keyID)
	kr.mu.Lock()
	delete(kr.flight, keyID)
	kr.mu.Unlock()
	close(c.done)
	return c.key, c.err
}

// fetchKey fetches the document at keyID, finds the key in it, and keeps
// key and actor in the store.
func (kr *keyResolver) fetchKey(ctx context.Context, keyID string) (*httpsig.PublicKey, error) {
	keyHost, ok := urlHost(keyID)
	if !ok {
		return nil, fmt.Errorf("activitypub: key id %q is not an http(s) URL", keyID)
	}
	body, err := kr.fetch.get(ctx, keyID)
	if err != nil {
		return nil, err
	}
	var doc remoteActorDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("activitypub: key %s: document is not JSON: %v", keyID, err)
	}
	var found *remoteKeyDoc
	for _, k := range doc.keys() {
		if k.ID == keyID {
			found = &k
			break
		}
	}
	if found == nil {
		return nil, fmt.Errorf("activitypub: key %s: the document at its URL does not have it", keyID)
	}
	owner := found.Owner
	if owner == "" {
		owner = found.Controller
	}
	if owner == "" && doc.Inbox != "" {
		owner = doc.ID
	}
	// A key speaks only for an actor of its own server.
	if ownerHost, ok := urlHost(owner); !ok || ownerHost != keyHost {
		return nil, fmt.Errorf("activitypub: key %s: owner %q is not on the key's server", keyID, owner)
	}
	now := kr.now().UTC()
	rk := store.RemoteKey{ID: keyID, Owner: owner, Fetched: now}
	if found.PublicKeyPem != "" {
		rk.Type, rk.PEM = "rsa", found.PublicKeyPem
	} else {
		rk.Type, rk.PEM = "ed25519", found.PublicKeyMultibase
	}
	key, err := storedToKey(rk)
	if err != nil {
		return nil, fmt.Errorf("activitypub: key %s: %w", keyID, err)
	}
	var ra *store.RemoteActor
	if a, err := docToRemoteActor(&doc, owner, now); err == nil {
		ra = &a
		kr.rememberActor(a)
	}
	kr.persist(ctx, rk, ra)
	kr.remember(key, now)
	return key, nil
}

// persist keeps a fetched key, and the actor it came with, in the store,
// in the background: they are a cache, and the request that fetched them
// need not wait for the disk.
func (kr *keyResolver) persist(ctx context.Context, rk store.RemoteKey, ra *store.RemoteActor) {
	kr.pending.Add(1)
	go func() {
		defer kr.pending.Done()
		ctx := context.WithoutCancel(ctx)
		if err := kr.store.PutRemoteKeyWithActor(ctx, rk, ra); err != nil {
			kr.logger.Warn("activitypub: caching a remote key failed", slog.String("key", rk.ID), slog.String("error", err.Error()))
		}
	}()
}

// Wait waits for the handler's background writes to the store, the keys
// and actors fetched for the inbox. Call it once the server has stopped,
// before closing the store.
func (h *Handler) Wait() {
	if h.inbox != nil {
		h.inbox.resolver.pending.Wait()
	}
}

// rememberActor keeps a fetched actor in memory.
func (kr *keyResolver) rememberActor(ra store.RemoteActor) {
	kr.mu.Lock()
	if len(kr.actors) >= keyCacheSize {
		clear(kr.actors)
	}
	kr.actors[ra.ID] = ra
	kr.mu.Unlock()
}

// actor returns an actor fetched with its key, if it is in memory.
func (kr *keyResolver) actor(id string) (store.RemoteActor, bool) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	ra, ok := kr.actors[id]
	return ra, ok
}

// remember keeps key in memory, forgetting every key when the cache is
// full: the store still has them.
func (kr *keyResolver) remember(key *httpsig.PublicKey, fetched time.Time) {
	kr.mu.Lock()
	if len(kr.keys) >= keyCacheSize {
		clear(kr.keys)
	}
	kr.keys[key.ID] = cachedKey{key: key, fetched: fetched}
	kr.mu.Unlock()
}

// storedToKey decodes a stored key: PEM for RSA, multibase for ed25519.
func storedToKey(rk store.RemoteKey) (*httpsig.PublicKey, error) {
	var (
		pub crypto.PublicKey
		err error
	)
	switch rk.Type {
	case "rsa":
		pub, err = parsePublicKeyPEM(rk.PEM)
	case "ed25519":
		pub, err = parseMultikey(rk.PEM)
	default:
		err = fmt.Errorf("unknown key type %q", rk.Type)
	}
	if err != nil {
		return nil, err
	}
	return &httpsig.PublicKey{ID: rk.ID, Owner: rk.Owner, Key: pub}, nil
}

// parsePublicKeyPEM reads an RSA public key from PKIX or PKCS #1 PEM.
func parsePublicKeyPEM(text string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("publicKeyPem holds no PEM block")
	}
	if block.Type == "RSA PUBLIC KEY" {
		return x509.ParsePKCS1PublicKey(block.Bytes)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("publicKeyPem: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("publicKeyPem holds a %T, not an RSA key", k)
	}
	if rk.N.BitLen() < 2048 {
		return nil, fmt.Errorf("RSA key of %d bits; at least 2048 required", rk.N.BitLen())
	}
	return rk, nil
}

// parseMultikey reads an ed25519 public key in Multikey form: "z", then
// base58btc of the multicodec prefix 0xed 0x01 and the 32-byte key.
func parseMultikey(text string) (ed25519.PublicKey, error) {
	if !strings.HasPrefix(text, "z") {
		return nil, errors.New("publicKeyMultibase is not base58btc (no z prefix)")
	}
	raw, err := base58.Decode(text[1:])
	if err != nil {
		return nil, fmt.Errorf("publicKeyMultibase: %w", err)
	}
	if len(raw) != 2+ed25519.PublicKeySize || raw[0] != 0xed || raw[1] != 0x01 {
		return nil, errors.New("publicKeyMultibase is not an ed25519 key")
	}
	return ed25519.PublicKey(raw[2:]), nil
}
