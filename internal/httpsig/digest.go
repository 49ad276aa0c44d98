package httpsig

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/dunglas/httpsfv"
)

// digestHeader returns the Digest header value (RFC 3230) for body, the form
// Mastodon sends and checks: "SHA-256=" and the standard base64 of the hash.
func digestHeader(body []byte) string {
	sum := sha256.Sum256(body)
	var b [len("SHA-256=") + 44]byte
	n := copy(b[:], "SHA-256=")
	base64.StdEncoding.Encode(b[n:], sum[:])
	return string(b[:])
}

// contentDigestHeader returns the Content-Digest header value (RFC 9530) for
// body with the sha-256 algorithm.
func contentDigestHeader(body []byte) string {
	sum := sha256.Sum256(body)
	var b [len("sha-256=::") + 44]byte
	n := copy(b[:], "sha-256=:")
	base64.StdEncoding.Encode(b[n:], sum[:])
	b[len(b)-1] = ':'
	return string(b[:])
}

// checkDigest checks the Digest header values against body. Only SHA-256 is
// checked, as Mastodon does; its name is case-insensitive and a request may
// offer other algorithms beside it.
func checkDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return fmt.Errorf("httpsig: request has no Digest header: %w", ErrMissingComponent)
	}
	var found string
	var ok bool
	for _, v := range values {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			name, value, hasValue := strings.Cut(strings.TrimSpace(part), "=")
			if hasValue && strings.EqualFold(name, "SHA-256") {
				found, ok = strings.TrimSpace(value), true
			}
		}
	}
	if !ok {
		return fmt.Errorf("httpsig: Digest has no SHA-256 value: %w", ErrUnsupportedAlgorithm)
	}
	sum := sha256.Sum256(body)
	var want [44]byte
	base64.StdEncoding.Encode(want[:], sum[:])
	if found != string(want[:]) {
		return fmt.Errorf("httpsig: Digest SHA-256 does not match the body: %w", ErrDigestMismatch)
	}
	return nil
}

// checkContentDigest checks the Content-Digest header values (an RFC 8941
// dictionary of byte sequences) against body. Every sha-256 and sha-512 member
// must match, and at least one of them must be present; other algorithms are
// ignored.
func checkContentDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return fmt.Errorf("httpsig: request has no Content-Digest header: %w", ErrMissingComponent)
	}
	dict, err := httpsfv.UnmarshalDictionary(values)
	if err != nil {
		return fmt.Errorf("httpsig: Content-Digest: %w: %v", ErrMalformed, err)
	}
	checked := false
	for _, name := range dict.Names() {
		var sum []byte
		switch name {
		case "sha-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "sha-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue
		}
		m, _ := dict.Get(name)
		item, ok := m.(httpsfv.Item)
		if !ok {
			return fmt.Errorf("httpsig: Content-Digest %s is not a byte sequence: %w", name, ErrMalformed)
		}
		got, ok := item.Value.([]byte)
		if !ok {
			return fmt.Errorf("httpsig: Content-Digest %s is not a byte sequence: %w", name, ErrMalformed)
		}
		if !bytes.Equal(got, sum) {
			return fmt.Errorf("httpsig: Content-Digest %s does not match the body: %w", name, ErrDigestMismatch)
		}
		checked = true
	}
	if !checked {
		return fmt.Errorf("httpsig: Content-Digest has no sha-256 or sha-512 value: %w", ErrUnsupportedAlgorithm)
	}
	return nil
}
