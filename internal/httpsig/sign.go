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
	gofed "github.com/go-fed/httpsig"
)

// Signer signs outgoing requests with one key. It is not safe for concurrent
// use: give each goroutine its own.
type Signer struct {
	keyID string
	key   crypto.Signer
	kind  string // "rsa" or "ed25519"
	err   error  // why the key cannot sign, reported by every call

	// go-fed/httpsig signers for requests without and with a body.
	cavage, cavageDigest gofed.Signer

	base []byte // the RFC 9421 signature base, reused between calls
}

// NewSigner returns a Signer for the key named keyID. key is an
// *rsa.PrivateKey or an ed25519.PrivateKey; with any other key, every Sign
// and SignRFC9421 call fails.
func NewSigner(keyID string, key crypto.Signer) *Signer {
	s := &Signer{keyID: keyID, key: key}
	var algo gofed.Algorithm
	switch k := key.(type) {
	case *rsa.PrivateKey:
		s.kind, algo = "rsa", gofed.RSA_SHA256
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			s.err = fmt.Errorf("httpsig: Ed25519 private key of %d bytes", len(k))
			return s
		}
		s.kind, algo = "ed25519", gofed.ED25519
	default:
		s.err = fmt.Errorf("httpsig: cannot sign with a key of type %T", key)
		return s
	}
	// What a draft-cavage signature covers, as Mastodon expects.
	cavageHeaders := []string{gofed.RequestTarget, "host", "date"}
	cavageDigestHeaders := []string{gofed.RequestTarget, "host", "date", "digest"}
	var err1, err2 error
	s.cavage, _, err1 = gofed.NewSigner([]gofed.Algorithm{algo}, gofed.DigestSha256, cavageHeaders, gofed.Signature, 0)
	s.cavageDigest, _, err2 = gofed.NewSigner([]gofed.Algorithm{algo}, gofed.DigestSha256, cavageDigestHeaders, gofed.Signature, 0)
	if err := errors.Join(err1, err2); err != nil {
		s.err = fmt.Errorf("httpsig: %w", err)
	}
	return s
}

// Sign signs r draft-cavage style, as Mastodon expects. It sets Date from now
// and, when body is not nil, Digest (SHA-256 of body), and the Signature
// header covering (request-target), host, date and, with a body, digest. The
// algorithm parameter is rsa-sha256 for an RSA key and hs2019 for an Ed25519
// key. The host is r.Host, else r.URL.Host. Signature, Date and Digest
// headers already on r are replaced.
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
	h[headerDate] = []string{now.UTC().Format(http.TimeFormat)}

	// go-fed/httpsig reads the host from the header map and the path from
	// URL.Path; give it the host the request is sent to and the path as it
	// appears on the request line.
	oldHost, hadHost := h[headerHost]
	h[headerHost] = []string{host}
	defer func() {
		if hadHost {
			h[headerHost] = oldHost
		} else {
			delete(h, headerHost)
		}
	}()
	u := *r.URL
	u.Path, u.RawPath = requestPath(r.URL), ""
	lr := &http.Request{Method: r.Method, URL: &u, Host: host, Header: h}

	ls := s.cavage
	if body != nil {
		ls = s.cavageDigest
	}
	if err := ls.SignRequest(s.key, s.keyID, lr, body); err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	if s.kind == "rsa" {
		// go-fed/httpsig always names the algorithm hs2019; Mastodon and
		// older servers expect rsa-sha256 for RSA keys. The parameter is
		// not part of what is signed.
		if v := h[headerSignature]; len(v) == 1 {
			v[0] = strings.Replace(v[0], `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1)
		}
	}
	return nil
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
	var sig []byte
	switch k := s.key.(type) {
	case *rsa.PrivateKey:
		sum := sha256.Sum256(s.base)
		if sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:]); err != nil {
			return fmt.Errorf("httpsig: sign: %w", err)
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, s.base)
	}
	h[headerSignatureInput] = []string{"sig1=" + params}
	h[headerSignature] = []string{"sig1=:" + base64.StdEncoding.EncodeToString(sig) + ":"}
	return nil
}
