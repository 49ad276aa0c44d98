//go:build cgo && linux

package rsasign

import (
	"crypto"
	"crypto/rsa"
	"fmt"
	"math/big"
	"sync"

	openssl "github.com/golang-fips/openssl/v2"
	"github.com/golang-fips/openssl/v2/bbig"
)

// loaded records the libcrypto this process loaded: the binding keeps one,
// set by its first successful Init.
var loaded struct {
	sync.Mutex
	name, version string
}

// openLibcrypto loads the libcrypto named name and returns its version text.
func openLibcrypto(name string) (string, error) {
	loaded.Lock()
	defer loaded.Unlock()
	switch loaded.name {
	case name:
		return loaded.version, nil
	case "":
	default:
		return "", fmt.Errorf("cannot load %s: %s is loaded already", name, loaded.name)
	}
	// Init can be called once in a process, so see first whether name
	// loads at all; a failed Init could not be followed by another name.
	if ok, _ := openssl.CheckVersion(name); !ok {
		return "", fmt.Errorf("cannot load %s", name)
	}
	if err := openssl.Init(name); err != nil {
		return "", err
	}
	loaded.name, loaded.version = name, openssl.VersionText()
	return loaded.version, nil
}

// libcryptoKey is an RSA private key held by libcrypto.
type libcryptoKey struct {
	key *openssl.PrivateKeyRSA
}

// newLibcryptoKey hands k, with its CRT values, to libcrypto.
func newLibcryptoKey(k *rsa.PrivateKey) (libcryptoKey, error) {
	enc := bbig.Enc
	pre := k.Precomputed
	key, err := openssl.NewPrivateKeyRSA(enc(k.N), enc(big.NewInt(int64(k.E))), enc(k.D),
		enc(k.Primes[0]), enc(k.Primes[1]), enc(pre.Dp), enc(pre.Dq), enc(pre.Qinv))
	if err != nil {
		return libcryptoKey{}, err
	}
	return libcryptoKey{key: key}, nil
}

// sign makes a PKCS #1 v1.5 signature of a SHA-256 digest.
func (k libcryptoKey) sign(digest []byte) ([]byte, error) {
	return openssl.SignRSAPKCS1v15(k.key, crypto.SHA256, digest)
}
