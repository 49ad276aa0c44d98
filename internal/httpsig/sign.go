package httpsig

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// Signer signs outgoing requests with one key. It is not safe for concurrent
// use: give each goroutine its own.
type Signer struct {
	keyID string
	key   crypto.Signer
	kind  string // "rsa" or "ed25519"
	err   error  // why the key cannot sign, reported by every call

	base []byte // the signature base or signing string, reused between calls
}

// NewSigner returns a Signer for the key named keyID. key is an RSA or an
// Ed25519 private key: *rsa.PrivateKey, ed25519.PrivateKey or any
// crypto.Signer whose public key is an *rsa.PublicKey or an
// ed25519.PublicKey (such as one from internal/rsasign). With any other key,
// every Sign and SignRFC9421 call fails.
func NewSigner(keyID string, key crypto.Signer) *Signer {
	s := &Signer{keyID: keyID, key: key}
	if k, ok := key.(ed25519.PrivateKey); ok && len(k) != ed25519.PrivateKeySize {
		s.err = fmt.Errorf("httpsig: Ed25519 private key of %d bytes", len(k))
		return s
	}
	switch key.Public().(type) {
	case *rsa.PublicKey:
		s.kind = "rsa"
	case ed25519.PublicKey:
		s.kind = "ed25519"
	default:
		s.err = fmt.Errorf("httpsig: cannot sign with a key of type %T", key)
	}
	return s
}

// Sign signs r draft-cavage style, as Mastodon expects. It sets Date from now
// and, when body is not nil, Digest (SHA-256 of body), and the Signature
// header covering (request-target), host, date and, with a body, digest. The
// algorithm parameter is rsa-sha256 for an RSA key and hs2019 for an Ed25519
// key. The host is r.Host, else r.URL.Host. Signature, Date and Digest
// headers already on r are replaced.
//
// The header is the one github.com/go-fed/httpsig makes for the same
// request, byte for byte (TestSignAsGoFed); it is built here so that the key
// can be any crypto.Signer, where go-fed/httpsig takes only an
// *rsa.PrivateKey.
func (s *Signer) Sign(r *http.Request, body []byte, now time.Time) error {
	if s.err != nil {
		return s.err
	}
	host := requestHost(r)
	if host == "" {
		return errors.New("httpsig: sign: request has no host")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	h := r.Header
	delete(h, headerSignature)
	delete(h, headerDigest)
	date := now.UTC().Format(http.TimeFormat)
	h[headerDate] = []string{date}

	// The signing string, as in draft-cavage-http-signatures-12 section
	// 2.3: one "name: value" line per covered header, in the order of the
	// headers parameter.
	covered := "(request-target) host date"
	b := append(s.base[:0], "(request-target): "...)
	b = append(b, strings.ToLower(r.Method)...)
	b = append(b, ' ')
	b = append(b, requestPath(r.URL)...)
	if r.URL.RawQuery != "" {
		b = append(b, '?')
		b = append(b, r.URL.RawQuery...)
	}
	b = append(b, "\nhost: "...)
	b = append(b, host...)
	b = append(b, "\ndate: "...)
	b = append(b, date...)
	if body != nil {
		digest := digestHeader(body)
		h[headerDigest] = []string{digest}
		covered += " digest"
		b = append(b, "\ndigest: "...)
		b = append(b, digest...)
	}
	s.base = b

	sig, err := s.sign()
	if err != nil {
		return err
	}
	// go-fed/httpsig and the newer drafts name every algorithm hs2019;
	// Mastodon and older servers expect rsa-sha256 for RSA keys. The
	// parameter is not part of what is signed.
	algorithm := "hs2019"
	if s.kind == "rsa" {
		algorithm = "rsa-sha256"
	}
	h[headerSignature] = []string{`keyId="` + s.keyID + `",algorithm="` + algorithm +
		`",headers="` + covered + `",signature="` + base64.StdEncoding.EncodeToString(sig) + `"`}
	return nil
}

// sign signs s.base: its SHA-256 digest with PKCS #1 v1.5 for an RSA key,
// the bytes themselves for an Ed25519 key.
func (s *Signer) sign() ([]byte, error) {
	var (
		sig []byte
		err error
	)
	switch s.kind {
	case "rsa":
		sum := sha256.Sum256(s.base)
		sig, err = s.key.Sign(nil, sum[:], crypto.SHA256)
	case "ed25519":
		sig, err = s.key.Sign(nil, s.base, crypto.Hash(0))
	}
	if err != nil {
		return nil, fmt.Errorf("httpsig: sign: %w", err)
	}
	return sig, nil
}

// SignRFC9421 signs r RFC 9421 style. It sets Content-Digest (sha-256) when
// body is not nil, and Signature-Input and Signature with the label sig1,
// covering @method, @target-uri and, with a body, content-digest, with the
// parameters created (now), keyid and alg ("rsa-v1_5-sha256" or "ed25519").
// The target URI is built from r.URL's scheme, r.Host (else r.URL.Host) and
// the path and query. Signature-Input, Signature and Content-Digest headers
// already on r are replaced.
func (s *Signer) SignRFC9421(r *http.Request, body []byte, now time.Time) error {
	if s.err != nil {
		return s.err
	}
	if requestHost(r) == "" {
		return errors.New("httpsig: sign: request has no host")
	}
	scheme := strings.ToLower(r.URL.Scheme)
	if scheme == "" {
		return errors.New("httpsig: sign: request URL has no scheme")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	h := r.Header
	delete(h, headerSignatureInput)
	delete(h, headerSignature)
	delete(h, headerContentDigest)
	components := []string{"@method", "@target-uri"}
	if body != nil {
		h[headerContentDigest] = []string{contentDigestHeader(body)}
		components = append(components, "content-digest")
	}
	alg := algRSAPKCS1SHA256
	if s.kind == "ed25519" {
		alg = algEd25519
	}
	list := httpsfv.InnerList{Items: make([]httpsfv.Item, len(components)), Params: httpsfv.NewParams()}
	for i, c := range components {
		list.Items[i] = httpsfv.NewItem(c)
	}
	list.Params.Add("created", now.Unix())
	list.Params.Add("keyid", s.keyID)
	list.Params.Add("alg", alg)
	params, err := httpsfv.Marshal(list)
	if err != nil {
		return fmt.Errorf("httpsig: sign: key id %q: %w", s.keyID, err)
	}

	m := newMessage(r, scheme)
	s.base, err = appendBase(s.base[:0], &m, components, params)
	if err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	sig, err := s.sign()
	if err != nil {
		return err
	}
	h[headerSignatureInput] = []string{"sig1=" + params}
	h[headerSignature] = []string{"sig1=:" + base64.StdEncoding.EncodeToString(sig) + ":"}
	return nil
}
