//go:build !(cgo && linux)

package rsasign

import (
	"crypto/rsa"
	"errors"
	"fmt"
)

// errNoLibcrypto is why a binary built without cgo, or for another system
// than Linux, signs with crypto/rsa.
var errNoLibcrypto = errors.New("this binary cannot load libcrypto: it was built without cgo or not for Linux")

func openLibcrypto(name string) (string, error) {
	return "", fmt.Errorf("cannot load %s: %w", name, errNoLibcrypto)
}

// libcryptoKey is never made without libcrypto.
type libcryptoKey struct{}

func newLibcryptoKey(*rsa.PrivateKey) (libcryptoKey, error) { return libcryptoKey{}, errNoLibcrypto }

func (libcryptoKey) sign([]byte) ([]byte, error) { return nil, errNoLibcrypto }
