// Package rsasign signs with RSA private keys through the system's OpenSSL
// libcrypto when it can be loaded, and through Go's crypto/rsa otherwise.
//
// Every activity blogbridge delivers, every Accept of a follow and every
// signed fetch carries an RSA-SHA256 signature (PKCS #1 v1.5) made with the
// blog's 2048-bit key, and signing is most of the CPU that delivery and the
// inbox spend. OpenSSL signs three to four times faster than crypto/rsa on
// the same machine (go test -bench . ./internal/rsasign). PKCS #1 v1.5
// signatures are deterministic, so both make the same bytes; the tests
// check that.
//
// The binding is github.com/golang-fips/openssl, which opens libcrypto with
// dlopen at run time: a binary built with cgo still runs where libcrypto is
// missing, and one built without cgo signs with crypto/rsa. OpenSSL is
// loaded once per process; Load says which library signs.
package rsasign
