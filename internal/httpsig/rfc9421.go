package httpsig

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// RFC 9421 algorithm names (section 6.2.2).
const (
	algRSAPKCS1SHA256 = "rsa-v1_5-sha256"
	algEd25519        = "ed25519"
)

// rfcSignature is one signature of an RFC 9421 request: a member of the
// Signature-Input dictionary and its value in the Signature dictionary.
type rfcSignature struct {
	label      string
	components []string // component names, lower case, unparameterised
	params     string   // the serialised inner list, the @signature-params value
	keyID      string
	alg        string
	created    int64
	expires    int64
	hasCreated bool
	hasExpires bool
	signature  []byte
}

// covers reports whether the signature covers the named component.
func (s *rfcSignature) covers(name string) bool {
	for _, c := range s.components {
		if c == name {
			return true
		}
	}
	return false
}

// checkCoverage applies the rules for what a signature must cover.
func (s *rfcSignature) checkCoverage(needDigest bool) error {
	switch {
	case !s.covers("@method"):
		return missing("@method")
	case !s.covers("@target-uri") && !s.covers("@authority") && !s.covers("host"):
		return missing("@target-uri")
	case !s.covers("@target-uri") && !s.covers("@path"):
		return missing("@path")
	case needDigest && !s.covers("content-digest"):
		return missing("content-digest")
	}
	return nil
}

// selectRFC9421 parses the Signature-Input and Signature headers and returns
// the first signature that covers what the rules require and has a key id and
// a value. Failing that, it returns why the first signature did not do.
func selectRFC9421(h http.Header, needDigest bool) (*rfcSignature, error) {
	inputs, err := httpsfv.UnmarshalDictionary(h[headerSignatureInput])
	if err != nil {
		return nil, fmt.Errorf("httpsig: Signature-Input: %w: %v", ErrMalformed, err)
	}
	if len(inputs.Names()) == 0 {
		return nil, fmt.Errorf("httpsig: Signature-Input is empty: %w", ErrNoSignature)
	}
	var sigs *httpsfv.Dictionary
	var firstErr error
	for _, label := range inputs.Names() {
		m, _ := inputs.Get(label)
		s, err := parseSignatureInput(label, m)
		if err == nil {
			err = s.checkCoverage(needDigest)
		}
		if err == nil {
			if sigs == nil {
				if sigs, err = httpsfv.UnmarshalDictionary(h[headerSignature]); err != nil {
					return nil, fmt.Errorf("httpsig: Signature: %w: %v", ErrMalformed, err)
				}
			}
			s.signature, err = signatureValue(sigs, label)
		}
		if err == nil {
			return s, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// parseSignatureInput reads one member of the Signature-Input dictionary.
func parseSignatureInput(label string, m httpsfv.Member) (*rfcSignature, error) {
	list, ok := m.(httpsfv.InnerList)
	if !ok {
		return nil, fmt.Errorf("httpsig: Signature-Input %s is not an inner list: %w", label, ErrMalformed)
	}
	s := &rfcSignature{label: label, components: make([]string, 0, len(list.Items))}
	for _, item := range list.Items {
		name, ok := item.Value.(string)
		if !ok {
			return nil, fmt.Errorf("httpsig: Signature-Input %s: component %v is not a string: %w", label, item.Value, ErrMalformed)
		}
		if err := checkComponentName(name); err != nil {
			return nil, fmt.Errorf("httpsig: Signature-Input %s: %w", label, err)
		}
		if item.Params != nil && len(item.Params.Names()) > 0 {
			return nil, fmt.Errorf("httpsig: Signature-Input %s: component %q;%s: parameters are not supported: %w",
				label, name, item.Params.Names()[0], ErrMalformed)
		}
		if s.covers(name) {
			return nil, fmt.Errorf("httpsig: Signature-Input %s: component %q given twice: %w", label, name, ErrMalformed)
		}
		s.components = append(s.components, name)
	}
	if list.Params != nil {
		for _, name := range list.Params.Names() {
			v, _ := list.Params.Get(name)
			var ok bool
			switch name {
			case "keyid":
				s.keyID, ok = v.(string)
			case "alg":
				s.alg, ok = v.(string)
			case "created":
				s.created, ok = v.(int64)
				s.hasCreated = ok
			case "expires":
				s.expires, ok = v.(int64)
				s.hasExpires = ok
			default:
				ok = true
			}
			if !ok {
				return nil, fmt.Errorf("httpsig: Signature-Input %s: parameter %s has the wrong type: %w", label, name, ErrMalformed)
			}
		}
	}
	if s.keyID == "" {
		return nil, fmt.Errorf("httpsig: Signature-Input %s has no keyid: %w", label, ErrMalformed)
	}
	params, err := httpsfv.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("httpsig: Signature-Input %s: %w: %v", label, ErrMalformed, err)
	}
	s.params = params
	return s, nil
}

// signatureValue returns the byte sequence labelled label in the Signature
// dictionary.
func signatureValue(sigs *httpsfv.Dictionary, label string) ([]byte, error) {
	m, ok := sigs.Get(label)
	if !ok {
		return nil, fmt.Errorf("httpsig: Signature has no %s: %w", label, ErrMalformed)
	}
	item, ok := m.(httpsfv.Item)
	if !ok {
		return nil, fmt.Errorf("httpsig: Signature %s is not a byte sequence: %w", label, ErrMalformed)
	}
	b, ok := item.Value.([]byte)
	if !ok || len(b) == 0 {
		return nil, fmt.Errorf("httpsig: Signature %s is not a byte sequence: %w", label, ErrMalformed)
	}
	return b, nil
}

// checkComponentName accepts the derived components we can compute for a
// request and lower-case field names.
func checkComponentName(name string) error {
	if name == "" {
		return fmt.Errorf("empty component name: %w", ErrMalformed)
	}
	if name[0] == '@' {
		switch name {
		case "@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query":
			return nil
		}
		return fmt.Errorf("component %q is not supported: %w", shorten(name), ErrMalformed)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return fmt.Errorf("component %q is not a lower-case field name: %w", shorten(name), ErrMalformed)
		}
	}
	return nil
}

// message is a request as seen by RFC 9421's components: its scheme and
// authority, which the receiving side cannot read from the request alone.
type message struct {
	r         *http.Request
	scheme    string // lower case
	authority string // lower case, default port removed
}

// newMessage returns the message view of r with the given scheme.
func newMessage(r *http.Request, scheme string) message {
	return message{r: r, scheme: scheme, authority: normalizeAuthority(requestHost(r), scheme)}
}

// requestHost is the host r is addressed to: r.Host, or the URL's host for
// a client request that does not set it.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// normalizeAuthority lower-cases host and removes the scheme's default port
// (RFC 9421 section 2.2.3).
func normalizeAuthority(host, scheme string) string {
	host = strings.ToLower(host)
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return host[:len(host)-4]
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return host[:len(host)-3]
	}
	return host
}

// requestScheme returns the scheme of the public URL r reached: the configured one,
// else the first X-Forwarded-Proto value, else https for TLS connections and
// http otherwise.
func (v *Verifier) requestScheme(r *http.Request) string {
	if v.scheme != "" {
		return v.scheme
	}
	if xfp := r.Header["X-Forwarded-Proto"]; len(xfp) > 0 {
		first, _, _ := strings.Cut(xfp[0], ",")
		if first = trimOWS(first); first != "" {
			return strings.ToLower(first)
		}
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// appendBase appends the signature base (RFC 9421 section 2.5) of m for the
// given components and @signature-params value.
func appendBase(dst []byte, m *message, components []string, params string) ([]byte, error) {
	for _, name := range components {
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, `": `...)
		var err error
		if dst, err = m.appendComponent(dst, name); err != nil {
			return dst, err
		}
		dst = append(dst, '\n')
	}
	dst = append(dst, `"@signature-params": `...)
	dst = append(dst, params...)
	return dst, nil
}

// appendComponent appends the value of one component.
func (m *message) appendComponent(dst []byte, name string) ([]byte, error) {
	u := m.r.URL
	switch name {
	case "@method":
		return append(dst, m.r.Method...), nil
	case "@target-uri":
		dst = append(dst, m.scheme...)
		dst = append(dst, "://"...)
		dst = append(dst, m.authority...)
		return appendRequestTarget(dst, m.r), nil
	case "@authority":
		return append(dst, m.authority...), nil
	case "@scheme":
		return append(dst, m.scheme...), nil
	case "@request-target":
		return appendRequestTarget(dst, m.r), nil
	case "@path":
		return append(dst, requestPath(u)...), nil
	case "@query":
		dst = append(dst, '?')
		return append(dst, u.RawQuery...), nil
	}
	var vals []string
	if name == "host" {
		if h := requestHost(m.r); h != "" {
			vals = []string{h}
		}
	} else {
		vals = m.r.Header[textproto.CanonicalMIMEHeaderKey(name)]
	}
	if len(vals) == 0 {
		return dst, fmt.Errorf("httpsig: signature covers %s, which the request does not have: %w", name, ErrMissingComponent)
	}
	for i, v := range vals {
		if strings.ContainsAny(v, "\r\n") {
			return dst, fmt.Errorf("httpsig: %s has a line break: %w", name, ErrMalformed)
		}
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, trimOWS(v)...)
	}
	return dst, nil
}

// appendRequestTarget appends the path and query of r as on the request line.
func appendRequestTarget(dst []byte, r *http.Request) []byte {
	dst = append(dst, requestPath(r.URL)...)
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		dst = append(dst, '?')
		dst = append(dst, r.URL.RawQuery...)
	}
	return dst
}

// verifyRFC9421 verifies r's RFC 9421 signature.
func (v *Verifier) verifyRFC9421(ctx context.Context, r *http.Request, body []byte) (*PublicKey, error) {
	s, err := selectRFC9421(r.Header, needsDigest(r.Method, len(body) > 0))
	if err != nil {
		return nil, err
	}
	switch s.alg {
	case "", algRSAPKCS1SHA256, algEd25519:
	default:
		return nil, fmt.Errorf("httpsig: signature %s: algorithm %q: %w", s.label, shorten(s.alg), ErrUnsupportedAlgorithm)
	}
	if !s.hasCreated {
		return nil, fmt.Errorf("httpsig: signature %s has no created parameter: %w", s.label, ErrMissingComponent)
	}
	now := v.now()
	if err := v.checkWindow("created", time.Unix(s.created, 0), now); err != nil {
		return nil, err
	}
	if s.hasExpires {
		if err := checkExpires(s.expires, now); err != nil {
			return nil, err
		}
	}
	if s.covers("content-digest") {
		if err := checkContentDigest(r.Header[headerContentDigest], body); err != nil {
			return nil, err
		}
	}

	m := newMessage(r, v.requestScheme(r))
	bufp := v.bufs.Get().(*[]byte)
	base, err := appendBase((*bufp)[:0], &m, s.components, s.params)
	defer func() {
		if cap(base) <= 64<<10 {
			*bufp = base[:0]
			v.bufs.Put(bufp)
		}
	}()
	if err != nil {
		return nil, err
	}
	return v.withKey(ctx, s.keyID, func(pk *PublicKey) error {
		return verifyBase(pk, s.alg, base, s.signature)
	})
}

// verifyBase checks sig over base with the key, for the algorithm alg or,
// when alg is empty, the one the key's type implies.
func verifyBase(pk *PublicKey, alg string, base, sig []byte) error {
	kind, err := keyKind(pk.Key)
	if err != nil {
		return err
	}
	switch {
	case kind == "rsa" && (alg == "" || alg == algRSAPKCS1SHA256):
		sum := sha256.Sum256(base)
		if err := rsa.VerifyPKCS1v15(pk.Key.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
			return fmt.Errorf("httpsig: key %s: %w: %v", pk.ID, ErrBadSignature, err)
		}
		return nil
	case kind == "ed25519" && (alg == "" || alg == algEd25519):
		if !ed25519.Verify(pk.Key.(ed25519.PublicKey), base, sig) {
			return fmt.Errorf("httpsig: key %s: %w", pk.ID, ErrBadSignature)
		}
		return nil
	}
	return fmt.Errorf("httpsig: algorithm %s with an %s key: %w", alg, kind, ErrUnsupportedAlgorithm)
}
