// Package httpsig signs outgoing HTTP requests and verifies incoming ones,
// in both kinds of HTTP signature the fediverse uses: draft-cavage-http-signatures
// (the Signature header Mastodon has sent since 2017) and RFC 9421 HTTP Message
// Signatures (the Signature-Input and Signature dictionaries).
//
// A Signer signs for one key and belongs to one goroutine. A Verifier is shared:
// it applies Mastodon's rules for what a signature must cover (the request
// target, the host, a date and, on POST, a digest of the body that must match
// the body received), checks the date against a clock-skew window, finds the
// key through a KeyResolver and retries once with a refreshed key when the
// cached one no longer verifies.
//
// Signatures are verified with github.com/go-fed/httpsig for draft-cavage;
// the RFC 9421 signature base is assembled here from RFC 9421 section 2.5,
// its structured fields parsed with github.com/dunglas/httpsfv, and checked
// with crypto/rsa (PKCS #1 v1.5, SHA-256) and crypto/ed25519. Requests are
// signed with any crypto.Signer over an RSA or Ed25519 key, so the blog's
// key can sign through OpenSSL (internal/rsasign); the draft-cavage header is
// built here as go-fed/httpsig builds it, which go-fed/httpsig cannot do
// for a key that is not an *rsa.PrivateKey.
// Body digests are the Digest header (RFC 3230, SHA-256) for draft-cavage and
// Content-Digest (RFC 9530, sha-256 or sha-512) for RFC 9421.
package httpsig
