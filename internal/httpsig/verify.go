package httpsig

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// PublicKey is a key that can verify signatures and the actor it belongs to.
type PublicKey struct {
	// ID is the key id, e.g. https://host/users/a#main-key.
	ID string
	// Owner is the id of the actor the key belongs to.
	Owner string
	// Key is an *rsa.PublicKey or an ed25519.PublicKey.
	Key crypto.PublicKey
}

// KeyResolver finds the public key a signature names.
//
// When refresh is true the resolver must bypass any cache: the Verifier asks
// for a refresh exactly once, after a signature failed to verify with the key
// it was given first, so that a remote actor's rotated key is picked up. A
// resolver that fetches keys over the network should bound how often it
// refreshes one key, since a forged signature triggers a refresh too.
type KeyResolver interface {
	ResolveKey(ctx context.Context, keyID string, refresh bool) (*PublicKey, error)
}

// VerifierOptions configures a Verifier. The zero value is usable.
type VerifierOptions struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxSkew is how far a signature's date may lie in the future; it may
	// lie MaxSkew plus five minutes in the past. 1h when zero, Mastodon's
	// clock-skew margin.
	MaxSkew time.Duration
	// Scheme is the scheme of the public URL requests reach us at, "https"
	// or "http", used to rebuild the @target-uri and @scheme components of
	// RFC 9421 signatures. Set it when the operator's configured public URL
	// says so. When empty, the scheme is taken from the first value of the
	// X-Forwarded-Proto header when present (a reverse proxy in front of us
	// terminated TLS), else "https" when the connection is TLS, else "http".
	Scheme string
}

// Verifier verifies the HTTP signatures of incoming requests. It is safe for
// concurrent use.
type Verifier struct {
	keys    KeyResolver
	now     func() time.Time
	maxSkew time.Duration
	scheme  string
	bufs    sync.Pool // *[]byte for RFC 9421 signature bases
}

// defaultMaxSkew is Mastodon's clock-skew margin.
const defaultMaxSkew = time.Hour

// pastGrace is how much older than MaxSkew a signature's date may be: the
// lifetime Mastodon gives a signature.
const pastGrace = 5 * time.Minute

// NewVerifier returns a Verifier that finds keys with keys.
func NewVerifier(keys KeyResolver, opts VerifierOptions) *Verifier {
	v := &Verifier{
		keys:    keys,
		now:     opts.Now,
		maxSkew: opts.MaxSkew,
		scheme:  strings.ToLower(opts.Scheme),
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.maxSkew <= 0 {
		v.maxSkew = defaultMaxSkew
	}
	v.bufs.New = func() any {
		b := make([]byte, 0, 512)
		return &b
	}
	return v
}

// KeyID returns the id of the key r claims to be signed with, without any
// cryptography or key lookup, for rate limiting and block checks before the
// work of verifying. For RFC 9421 it is the key of the signature Verify would
// check. The error wraps ErrNoSignature or ErrMalformed (or
// ErrMissingComponent when no RFC 9421 signature covers what is required).
func KeyID(r *http.Request) (string, error) {
	if len(r.Header[headerSignatureInput]) > 0 {
		sig, err := selectRFC9421(r.Header, needsDigest(r.Method, r.ContentLength > 0))
		if err != nil {
			return "", err
		}
		return sig.keyID, nil
	}
	raw, err := cavageHeader(r.Header)
	if err != nil {
		return "", err
	}
	p, err := parseCavage(raw)
	if err != nil {
		return "", err
	}
	return p.keyID, nil
}

// Verify checks r's signature and returns the key that verified it. An RFC
// 9421 signature (Signature-Input and Signature headers) is checked when
// present, else a draft-cavage one (the Signature header, or an Authorization
// header with the Signature scheme). body is the whole request body, nil for
// a GET.
//
// The signature must cover the method and target (draft-cavage:
// (request-target); RFC 9421: @method and @target-uri, or @method, @authority
// or host, and @path), the host, a date (draft-cavage: date or (created);
// RFC 9421: the created parameter) and, on POST or when there is a body, the
// body's digest, which must match body. The date may be at most MaxSkew in
// the future and MaxSkew plus five minutes in the past; a signed expiry is
// honoured. When the key fails to verify, it is resolved once more with
// refresh set, and the signature checked again.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*PublicKey, error) {
	if len(r.Header[headerSignatureInput]) > 0 {
		return v.verifyRFC9421(ctx, r, body)
	}
	return v.verifyCavage(ctx, r, body)
}

// VerifyRequest verifies the signature of a request without a body (a GET)
// and returns the id of the key that verified it.
func (v *Verifier) VerifyRequest(r *http.Request) (keyID string, err error) {
	k, err := v.Verify(r.Context(), r, nil)
	if err != nil {
		return "", err
	}
	return k.ID, nil
}

// needsDigest reports whether a signature must cover the body's digest: on
// POST, as Mastodon requires, and whenever there is a body.
func needsDigest(method string, hasBody bool) bool {
	return method == http.MethodPost || hasBody
}

// checkWindow checks that t, the time a signature was made (what names it),
// is not more than MaxSkew ahead of now nor more than MaxSkew plus five
// minutes behind it.
func (v *Verifier) checkWindow(what string, t, now time.Time) error {
	if d := t.Sub(now); d > v.maxSkew {
		return fmt.Errorf("httpsig: %s is %s in the future: %w", what, d.Round(time.Second), ErrExpired)
	}
	if d := now.Sub(t); d > v.maxSkew+pastGrace {
		return fmt.Errorf("httpsig: %s is %s in the past: %w", what, d.Round(time.Second), ErrExpired)
	}
	return nil
}

// checkExpires checks a signature's signed expiry.
func checkExpires(expires int64, now time.Time) error {
	if t := time.Unix(expires, 0); now.After(t) {
		return fmt.Errorf("httpsig: signature expired %s ago: %w", now.Sub(t).Round(time.Second), ErrExpired)
	}
	return nil
}

// withKey resolves keyID and runs check with the key. When check fails with
// ErrBadSignature or ErrUnsupportedAlgorithm (the key does not fit the
// signature), the key is resolved again with refresh set and, if it changed,
// checked once more.
func (v *Verifier) withKey(ctx context.Context, keyID string, check func(*PublicKey) error) (*PublicKey, error) {
	pk, err := v.resolve(ctx, keyID, false)
	if err != nil {
		return nil, err
	}
	err = check(pk)
	if err == nil {
		return pk, nil
	}
	if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrUnsupportedAlgorithm) {
		return nil, err
	}
	fresh, rerr := v.resolve(ctx, keyID, true)
	if rerr != nil {
		return nil, fmt.Errorf("%w; %w", err, rerr)
	}
	if sameKey(pk.Key, fresh.Key) {
		return nil, err
	}
	if err := check(fresh); err != nil {
		return nil, err
	}
	return fresh, nil
}

// resolve asks the resolver for keyID and checks it answered with a key.
func (v *Verifier) resolve(ctx context.Context, keyID string, refresh bool) (*PublicKey, error) {
	pk, err := v.keys.ResolveKey(ctx, keyID, refresh)
	if err != nil {
		return nil, fmt.Errorf("httpsig: resolve key %s: %w", keyID, err)
	}
	if pk == nil || pk.Key == nil {
		return nil, fmt.Errorf("httpsig: resolve key %s: resolver returned no key", keyID)
	}
	return pk, nil
}

// sameKey reports whether a and b are the same public key.
func sameKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// keyKind classifies a public key, checking that it is usable: an RSA key
// with a modulus, or an Ed25519 key of the right length.
func keyKind(k crypto.PublicKey) (string, error) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.E == 0 {
			return "", fmt.Errorf("httpsig: empty RSA key: %w", ErrUnsupportedAlgorithm)
		}
		return "rsa", nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("httpsig: Ed25519 key of %d bytes: %w", len(k), ErrUnsupportedAlgorithm)
		}
		return "ed25519", nil
	default:
		return "", fmt.Errorf("httpsig: key of type %T: %w", k, ErrUnsupportedAlgorithm)
	}
}
