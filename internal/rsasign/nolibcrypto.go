//go:build !(cgo && linux)

package rsasign

import (
	"crypto/rsa"
	"fmt"
)

func openLibcrypto(name string) (string, error) {
	return "", fmt.Errorf("cannot load %s: %w", name, errNoLibcrypto)
}

// libcryptoKey is never made without libcrypto.
type libcryptoKey struct{}

func newLibcryptoKey(*rsa.PrivateKey) (libcryptoKey, error) { return libcryptoKey{}, errNoLibcrypto }

func (libcryptoKey) sign([]byte) ([]byte, error) { return nil, errNoLibcrypto }
