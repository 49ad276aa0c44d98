package fedisim

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
	"net/http"
	"strings"
	"sync"

	"github.com/mr-tron/base58"
)

// remoteKey is a public key fetched by id, with its owner.
type remoteKey struct {
	id    string
	owner string
	key   crypto.PublicKey
}

// keyCache fetches keys by id and keeps them. Concurrent lookups of one
// id share a fetch.
type keyCache struct {
	client  *http.Client
	counted func()

	mu      sync.Mutex
	entries map[string]*keyEntry
}

// keyEntry is a fetched key or a fetch under way (ready not yet closed).
type keyEntry struct {
	ready chan struct{}
	key   *remoteKey
	err   error
}

func newKeyCache(client *http.Client) *keyCache {
	return &keyCache{client: client, entries: make(map[string]*keyEntry)}
}

// resolve returns the key with id keyID, from the cache unless refresh is
// set; a fetch already under way is shared either way. Failed fetches are
// not cached. fromCache says whether the key was fetched before this call.
func (c *keyCache) resolve(ctx context.Context, keyID string, refresh bool) (k *remoteKey, fromCache bool, err error) {
	c.mu.Lock()
	e := c.entries[keyID]
	if e != nil {
		select {
		case <-e.ready:
			if refresh || e.err != nil {
				e = nil
			} else {
				fromCache = true
			}
		default:
		}
	}
	owner := false
	if e == nil {
		e = &keyEntry{ready: make(chan struct{})}
		c.entries[keyID] = e
		owner = true
	}
	c.mu.Unlock()

	if owner {
		e.key, e.err = c.fetch(ctx, keyID)
		if e.err != nil {
			c.mu.Lock()
			if c.entries[keyID] == e {
				delete(c.entries, keyID)
			}
			c.mu.Unlock()
		}
		close(e.ready)
	} else {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	return e.key, fromCache, e.err
}

// fetch GETs keyID (which must be on loopback) and finds the key in the
// document: the actor's publicKey or assertionMethod, or the document
// itself when it is the key.
func (c *keyCache) fetch(ctx context.Context, keyID string) (*remoteKey, error) {
	if c.counted != nil {
		c.counted()
	}
	u, err := checkLoopbackURL(keyID)
	if err != nil {
		return nil, err
	}
	u.Fragment = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fedisim: key %s: %w", keyID, err)
	}
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fedisim: fetch key %s: %w", keyID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("fedisim: fetch key %s: status %d", keyID, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("fedisim: fetch key %s: %w", keyID, err)
	}
	k, err := keyFromDocument(body, keyID)
	if err != nil {
		return nil, fmt.Errorf("fedisim: key %s: %w", keyID, err)
	}
	return k, nil
}

// keyFromDocument finds key keyID in an actor or key document.
func keyFromDocument(body []byte, keyID string) (*remoteKey, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if id, _ := doc["id"].(string); id == keyID {
		if k, err := keyFromObject(doc, keyID); k != nil || err != nil {
			return k, err
		}
	}
	for _, prop := range []string{"publicKey", "assertionMethod"} {
		for _, o := range objects(doc[prop]) {
			if id, _ := o["id"].(string); id == keyID {
				k, err := keyFromObject(o, keyID)
				if k != nil || err != nil {
					return k, err
				}
			}
		}
	}
	return nil, errors.New("no such key in the document")
}

// keyFromObject reads a publicKey object (publicKeyPem, owner) or a
// Multikey (publicKeyMultibase, controller); nil, nil when it is neither.
func keyFromObject(o map[string]any, keyID string) (*remoteKey, error) {
	if p, ok := o["publicKeyPem"].(string); ok {
		owner, _ := o["owner"].(string)
		if owner == "" {
			return nil, errors.New("key has no owner")
		}
		pub, err := parsePublicKeyPEM(p)
		if err != nil {
			return nil, err
		}
		return &remoteKey{id: keyID, owner: owner, key: pub}, nil
	}
	if m, ok := o["publicKeyMultibase"].(string); ok {
		owner, _ := o["controller"].(string)
		if owner == "" {
			return nil, errors.New("multikey has no controller")
		}
		pub, err := parseEd25519Multibase(m)
		if err != nil {
			return nil, err
		}
		return &remoteKey{id: keyID, owner: owner, key: pub}, nil
	}
	return nil, nil
}

// objects returns v as a list of JSON objects: v itself, or its object
// members when it is an array.
func objects(v any) []map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return []map[string]any{t}
	case []any:
		var out []map[string]any
		for _, e := range t {
			if o, ok := e.(map[string]any); ok {
				out = append(out, o)
			}
		}
		return out
	}
	return nil
}

// parsePublicKeyPEM reads a PKIX "PUBLIC KEY" or PKCS #1 "RSA PUBLIC KEY".
func parsePublicKeyPEM(s string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("publicKeyPem is not PEM")
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("publicKeyPem: %w", err)
		}
		switch pub.(type) {
		case *rsa.PublicKey, ed25519.PublicKey:
			return pub, nil
		}
		return nil, fmt.Errorf("publicKeyPem: unsupported key type %T", pub)
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("publicKeyPem: %w", err)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("publicKeyPem: unexpected PEM type %q", block.Type)
}

// ed25519Multicodec is the multicodec prefix of an ed25519 public key.
const ed25519Multicodec = "\xed\x01"

// ed25519Multibase encodes pub as FEP-521a's publicKeyMultibase: "z" and
// base58btc of the multicodec prefix and the key.
func ed25519Multibase(pub ed25519.PublicKey) string {
	return "z" + base58.Encode(append([]byte(ed25519Multicodec), pub...))
}

// parseEd25519Multibase reads a publicKeyMultibase ed25519 key.
func parseEd25519Multibase(s string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(s, "z")
	if !ok {
		return nil, errors.New("publicKeyMultibase is not base58btc")
	}
	b, err := base58.Decode(rest)
	if err != nil {
		return nil, fmt.Errorf("publicKeyMultibase: %w", err)
	}
	key, ok := strings.CutPrefix(string(b), ed25519Multicodec)
	if !ok || len(key) != ed25519.PublicKeySize {
		return nil, errors.New("publicKeyMultibase is not an ed25519 key")
	}
	return ed25519.PublicKey(key), nil
}
