package rsasign

import (
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
)

// Go is the name Load takes to sign with crypto/rsa.
const Go = "go"

// errNoLibcrypto is why a binary built without cgo, or for another system
// than Linux, signs with crypto/rsa.
var errNoLibcrypto = errors.New("this binary cannot load libcrypto: it was built without cgo or not for Linux")

// defaultNames are the libcrypto files Load tries when given no name:
// OpenSSL 3, then 1.1.
var defaultNames = []string{"libcrypto.so.3", "libcrypto.so.1.1"}

// Library is a loaded libcrypto. A nil *Library signs with crypto/rsa.
type Library struct {
	version string
}

// Load loads libcrypto for signing. name is a file name or path, passed to
// dlopen as it is; with "" Load tries libcrypto.so.3 and then
// libcrypto.so.1.1; with Go it returns nil and no error. Only one libcrypto
// can be loaded in a process: loading another name after a success is an
// error.
//
// When Load fails it returns a nil *Library, which signs with crypto/rsa,
// and an error that says why.
func Load(name string) (*Library, error) {
	switch name {
	case Go:
		return nil, nil
	case "":
		var errs []error
		for _, n := range defaultNames {
			lib, err := load(n)
			if err == nil {
				return lib, nil
			}
			if errors.Is(err, errNoLibcrypto) {
				return nil, fmt.Errorf("rsasign: %w", errNoLibcrypto)
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}
	return load(name)
}

// load loads the libcrypto named name.
func load(name string) (*Library, error) {
	version, err := openLibcrypto(name)
	if err != nil {
		return nil, fmt.Errorf("rsasign: %w", err)
	}
	return &Library{version: version}, nil
}

// String names what signs: OpenSSL's version text, or crypto/rsa.
func (l *Library) String() string {
	if l == nil {
		return "Go crypto/rsa"
	}
	return l.version
}

// Signer returns a crypto.Signer for k that makes PKCS #1 v1.5 SHA-256
// signatures through l and every other kind through k. With a nil l, or a
// key OpenSSL cannot take (more than two primes), it returns k.
func (l *Library) Signer(k *rsa.PrivateKey) (crypto.Signer, error) {
	if l == nil || len(k.Primes) != 2 {
		return k, nil
	}
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("rsasign: %w", err)
	}
	k.Precompute()
	fast, err := newLibcryptoKey(k)
	if err != nil {
		return nil, fmt.Errorf("rsasign: %w", err)
	}
	return &signer{key: k, fast: fast}, nil
}

// signer signs with a key held by libcrypto.
type signer struct {
	key  *rsa.PrivateKey
	fast libcryptoKey
}

var _ crypto.Signer = (*signer)(nil)

// Public returns the public half of the key.
func (s *signer) Public() crypto.PublicKey { return &s.key.PublicKey }

// Sign signs digest. PKCS #1 v1.5 signatures of SHA-256 digests are made by
// libcrypto, anything else by crypto/rsa; rand is used only by the latter.
func (s *signer) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, pss := opts.(*rsa.PSSOptions); pss || opts.HashFunc() != crypto.SHA256 {
		return s.key.Sign(rand, digest, opts)
	}
	if len(digest) != crypto.SHA256.Size() {
		return nil, fmt.Errorf("rsasign: a SHA-256 digest has %d bytes, got %d", crypto.SHA256.Size(), len(digest))
	}
	sig, err := s.fast.sign(digest)
	if err != nil {
		return nil, fmt.Errorf("rsasign: %w", err)
	}
	return sig, nil
}
