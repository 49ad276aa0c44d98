package fedisim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// This file checks RFC 9421 (HTTP Message Signatures) requests, written
// from the RFC apart from blogbridge's internal/httpsig, so that the two
// check each other. Rules as Mastodon applies them: the first signature
// whose components cover @method, @target-uri (or @authority and @path)
// and, with a body, content-digest is used; created is required and must
// be in the date window; expires is honoured; alg is rsa-v1_5-sha256 or
// ed25519, or absent and taken from the key.

// rfcSignature is one labelled signature of a request.
type rfcSignature struct {
	label      string
	components []httpsfv.Item
	params     *httpsfv.Params
	raw        httpsfv.InnerList
	value      []byte
	keyID      string
	alg        string
	created    int64
	expires    int64
}

// covers reports whether the signature covers component name.
func (sig *rfcSignature) covers(name string) bool {
	return slices.ContainsFunc(sig.components, func(it httpsfv.Item) bool {
		s, _ := it.Value.(string)
		return s == name
	})
}

// usable says what the signature lacks to be accepted, or nil.
func (sig *rfcSignature) usable(post bool) error {
	if !sig.covers("@method") {
		return errors.New("@method is not signed")
	}
	if !sig.covers("@target-uri") && !(sig.covers("@authority") && sig.covers("@path")) {
		return errors.New("@target-uri (or @authority and @path) is not signed")
	}
	if post && !sig.covers("content-digest") {
		return errors.New("content-digest is not signed")
	}
	return nil
}

// rfcSignatures reads the Signature-Input and Signature dictionaries.
func rfcSignatures(h http.Header) ([]*rfcSignature, error) {
	inputs, err := httpsfv.UnmarshalDictionary(h.Values("Signature-Input"))
	if err != nil {
		return nil, fmt.Errorf("Signature-Input: %w", err)
	}
	values, err := httpsfv.UnmarshalDictionary(h.Values("Signature"))
	if err != nil {
		return nil, fmt.Errorf("Signature: %w", err)
	}
	var out []*rfcSignature
	for _, label := range inputs.Names() {
		m, _ := inputs.Get(label)
		list, ok := m.(httpsfv.InnerList)
		if !ok {
			return nil, fmt.Errorf("Signature-Input %s is not an inner list", label)
		}
		sig := &rfcSignature{label: label, components: list.Items, params: list.Params, raw: list}
		v, ok := values.Get(label)
		if !ok {
			return nil, fmt.Errorf("no Signature for label %s", label)
		}
		item, ok := v.(httpsfv.Item)
		if b, isBytes := item.Value.([]byte); ok && isBytes {
			sig.value = b
		} else {
			return nil, fmt.Errorf("Signature %s is not a byte sequence", label)
		}
		if v, ok := list.Params.Get("keyid"); ok {
			sig.keyID, _ = v.(string)
		}
		if v, ok := list.Params.Get("alg"); ok {
			sig.alg, _ = v.(string)
		}
		if v, ok := list.Params.Get("created"); ok {
			sig.created, _ = v.(int64)
		}
		if v, ok := list.Params.Get("expires"); ok {
			sig.expires, _ = v.(int64)
		}
		out = append(out, sig)
	}
	if len(out) == 0 {
		return nil, errors.New("Signature-Input has no signatures")
	}
	return out, nil
}

// rfcKeyID is the keyid of r's first RFC 9421 signature, or "".
func rfcKeyID(r *http.Request) string {
	sigs, err := rfcSignatures(r.Header)
	if err != nil {
		return ""
	}
	return sigs[0].keyID
}

// verifyRFC9421 checks r's RFC 9421 signature and returns the key that
// verified it, or why not.
func (s *Sim) verifyRFC9421(ctx context.Context, r *http.Request, body []byte) (*remoteKey, RejectReason, error) {
	sigs, err := rfcSignatures(r.Header)
	if err != nil {
		return nil, RejectMalformed, err
	}
	post := r.Method == http.MethodPost
	var sig *rfcSignature
	for _, candidate := range sigs {
		if err = candidate.usable(post); err == nil {
			sig = candidate
			break
		}
	}
	if sig == nil {
		return nil, RejectMissingHeader, err
	}
	if sig.keyID == "" {
		return nil, RejectMalformed, fmt.Errorf("signature %s has no keyid", sig.label)
	}
	switch sig.alg {
	case "", "rsa-v1_5-sha256", "ed25519":
	default:
		return nil, RejectAlgorithm, fmt.Errorf("alg %q", sig.alg)
	}
	now := s.now()
	if sig.created == 0 {
		return nil, RejectMissingHeader, fmt.Errorf("signature %s has no created", sig.label)
	}
	if err := inWindow(time.Unix(sig.created, 0), now); err != nil {
		return nil, RejectDate, err
	}
	if sig.expires != 0 && now.Unix() > sig.expires {
		return nil, RejectDate, fmt.Errorf("signature expired at %s", time.Unix(sig.expires, 0).UTC().Format(time.RFC3339))
	}
	if sig.covers("content-digest") {
		if err := checkContentDigest(r.Header.Values("Content-Digest"), body); err != nil {
			return nil, RejectDigest, err
		}
	}
	base, err := signatureBase(r, sig)
	if err != nil {
		return nil, RejectMissingHeader, err
	}

	fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	key, cached, err := s.keys.resolve(fetchCtx, sig.keyID, false)
	if err != nil {
		return nil, RejectKeyFetch, err
	}
	reason, err := verifyBase(key, sig, base)
	if err != nil && cached && reason == RejectBadSignature {
		key, _, err = s.keys.resolve(fetchCtx, sig.keyID, true)
		if err != nil {
			return nil, RejectKeyFetch, err
		}
		reason, err = verifyBase(key, sig, base)
	}
	if err != nil {
		return key, reason, err
	}
	return key, "", nil
}

// verifyBase checks sig over base with key.
func verifyBase(key *remoteKey, sig *rfcSignature, base []byte) (RejectReason, error) {
	switch k := key.key.(type) {
	case *rsa.PublicKey:
		if sig.alg != "" && sig.alg != "rsa-v1_5-sha256" {
			return RejectAlgorithm, fmt.Errorf("alg %q with an RSA key", sig.alg)
		}
		sum := sha256.Sum256(base)
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig.value); err != nil {
			return RejectBadSignature, fmt.Errorf("signature %s: %w", sig.label, err)
		}
	case ed25519.PublicKey:
		if sig.alg != "" && sig.alg != "ed25519" {
			return RejectAlgorithm, fmt.Errorf("alg %q with an ed25519 key", sig.alg)
		}
		if !ed25519.Verify(k, base, sig.value) {
			return RejectBadSignature, fmt.Errorf("signature %s does not verify", sig.label)
		}
	default:
		return RejectAlgorithm, fmt.Errorf("key type %T", key.key)
	}
	return "", nil
}

// signatureBase builds the signature base of RFC 9421 section 2.5.
func signatureBase(r *http.Request, sig *rfcSignature) ([]byte, error) {
	var b bytes.Buffer
	for _, c := range sig.components {
		name, ok := c.Value.(string)
		if !ok {
			return nil, errors.New("a component identifier is not a string")
		}
		if c.Params != nil && len(c.Params.Names()) > 0 {
			return nil, fmt.Errorf("component %s: parameters are not supported", name)
		}
		value, err := componentValue(r, name)
		if err != nil {
			return nil, err
		}
		id, err := httpsfv.Marshal(c)
		if err != nil {
			return nil, err
		}
		b.WriteString(id)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteByte('\n')
	}
	params, err := httpsfv.Marshal(sig.raw)
	if err != nil {
		return nil, err
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(params)
	return b.Bytes(), nil
}

// componentValue is the value of a covered component of r. The simulator
// serves plain HTTP, so the scheme is http.
func componentValue(r *http.Request, name string) (string, error) {
	authority := strings.ToLower(r.Host)
	switch name {
	case "@method":
		return r.Method, nil
	case "@target-uri":
		return "http://" + authority + r.URL.RequestURI(), nil
	case "@authority":
		return authority, nil
	case "@scheme":
		return "http", nil
	case "@request-target":
		return r.URL.RequestURI(), nil
	case "@path":
		if p := r.URL.EscapedPath(); p != "" {
			return p, nil
		}
		return "/", nil
	case "@query":
		return "?" + r.URL.RawQuery, nil
	}
	if strings.HasPrefix(name, "@") {
		return "", fmt.Errorf("component %s is not supported", name)
	}
	if name != strings.ToLower(name) {
		return "", fmt.Errorf("component %s is not lower case", name)
	}
	values := slices.Clone(r.Header.Values(name))
	if name == "host" && len(values) == 0 && r.Host != "" {
		values = []string{r.Host}
	}
	if len(values) == 0 {
		return "", fmt.Errorf("signed header %s is absent", name)
	}
	for i, v := range values {
		values[i] = strings.Trim(v, " \t")
	}
	return strings.Join(values, ", "), nil
}

// checkContentDigest checks that Content-Digest has a sha-256 or sha-512
// equal to body's, and that every one of those it has matches.
func checkContentDigest(header []string, body []byte) error {
	if len(header) == 0 {
		return errors.New("no Content-Digest header")
	}
	d, err := httpsfv.UnmarshalDictionary(header)
	if err != nil {
		return fmt.Errorf("Content-Digest: %w", err)
	}
	checked := false
	for _, name := range d.Names() {
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
		m, _ := d.Get(name)
		item, ok := m.(httpsfv.Item)
		got, isBytes := item.Value.([]byte)
		if !ok || !isBytes {
			return fmt.Errorf("Content-Digest %s is not a byte sequence", name)
		}
		if !bytes.Equal(got, sum) {
			return fmt.Errorf("Content-Digest %s does not match the body", name)
		}
		checked = true
	}
	if !checked {
		return errors.New("Content-Digest has no sha-256 or sha-512")
	}
	return nil
}
