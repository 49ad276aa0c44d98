package httpsig

import "errors"

// Sentinel errors wrapped by Verify, VerifyRequest and KeyID, so that callers
// can tell apart the ways a request fails with errors.Is. Errors returned by
// the KeyResolver are wrapped as they come.
var (
	// ErrNoSignature means the request carries no signature at all.
	ErrNoSignature = errors.New("no signature")
	// ErrMalformed means a signature header, a signed header or a parameter
	// could not be parsed.
	ErrMalformed = errors.New("malformed signature")
	// ErrMissingComponent means the signature does not cover a component the
	// rules require, or covers one the request does not have; the message
	// names the component.
	ErrMissingComponent = errors.New("missing component")
	// ErrDigestMismatch means the body digest in the request does not match
	// the body received, or the request has no digest of a kind we check.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrExpired means the signature's date or creation time is outside the
	// accepted window, or the signature has expired.
	ErrExpired = errors.New("signature out of date")
	// ErrUnsupportedAlgorithm means the signature or digest algorithm is not
	// one we accept, or does not fit the type of the key.
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
	// ErrBadSignature means the signature does not verify with the key.
	ErrBadSignature = errors.New("bad signature")
)
