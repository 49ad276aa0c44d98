package httpsig

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gofed "github.com/go-fed/httpsig"
)

// Header names, in canonical form.
const (
	headerSignature      = "Signature"
	headerSignatureInput = "Signature-Input"
	headerAuthorization  = "Authorization"
	headerDigest         = "Digest"
	headerContentDigest  = "Content-Digest"
	headerDate           = "Date"
	headerHost           = "Host"
)

// cavageParams are the parameters of a draft-cavage signature. The strings
// point into the header value.
type cavageParams struct {
	keyID      string
	algorithm  string
	headers    string // as given, space separated; "date" when absent
	signature  string
	created    int64
	expires    int64
	hasCreated bool
	hasExpires bool
}

// cavageHeader returns the parameters of r's draft-cavage signature: the
// Signature header, else the Authorization header with the Signature scheme.
func cavageHeader(h http.Header) (string, error) {
	if v := h[headerSignature]; len(v) > 0 {
		if len(v) > 1 {
			return "", fmt.Errorf("httpsig: %d Signature headers: %w", len(v), ErrMalformed)
		}
		return v[0], nil
	}
	const scheme = "Signature "
	for _, a := range h[headerAuthorization] {
		if len(a) > len(scheme) && strings.EqualFold(a[:len(scheme)], scheme) {
			return a[len(scheme):], nil
		}
	}
	return "", fmt.Errorf("httpsig: request has no Signature, Signature-Input or Authorization: Signature header: %w", ErrNoSignature)
}

// parseCavage parses the comma-separated name="value" parameters of a
// draft-cavage signature. Names are case-sensitive, as in the draft; created
// and expires are integers, quoted or not; unknown parameters are ignored.
func parseCavage(s string) (cavageParams, error) {
	p := cavageParams{headers: "date"}
	var seen uint8
	for {
		s = trimOWS(s)
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return p, fmt.Errorf("httpsig: Signature parameter %q has no value: %w", shorten(s), ErrMalformed)
		}
		name := trimOWS(s[:eq])
		s = trimOWS(s[eq+1:])
		var value string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return p, fmt.Errorf("httpsig: Signature parameter %s: unterminated quoted value: %w", name, ErrMalformed)
			}
			value, s = s[1:1+end], trimOWS(s[end+2:])
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			value, s = trimOWS(s[:end]), s[end:]
		}
		if s != "" {
			if s[0] != ',' {
				return p, fmt.Errorf("httpsig: Signature parameter %s: expected a comma after the value: %w", name, ErrMalformed)
			}
			s = s[1:]
		}
		var bit uint8
		switch name {
		case "keyId":
			bit, p.keyID = 1, value
		case "algorithm":
			bit, p.algorithm = 2, value
		case "headers":
			bit, p.headers = 4, trimOWS(value)
		case "signature":
			bit, p.signature = 8, value
		case "created", "expires":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n <= 0 {
				return p, fmt.Errorf("httpsig: Signature parameter %s=%q is not a time: %w", name, shorten(value), ErrMalformed)
			}
			if name == "created" {
				bit, p.created, p.hasCreated = 16, n, true
			} else {
				bit, p.expires, p.hasExpires = 32, n, true
			}
		default:
			continue
		}
		if seen&bit != 0 {
			return p, fmt.Errorf("httpsig: Signature parameter %s given twice: %w", name, ErrMalformed)
		}
		seen |= bit
	}
	if p.keyID == "" {
		return p, fmt.Errorf("httpsig: Signature has no keyId: %w", ErrMalformed)
	}
	if p.signature == "" {
		return p, fmt.Errorf("httpsig: Signature has no signature: %w", ErrMalformed)
	}
	if p.headers == "" {
		return p, fmt.Errorf("httpsig: Signature has an empty headers list: %w", ErrMalformed)
	}
	return p, nil
}

// cavageCoverage is what a draft-cavage signature's headers list covers.
type cavageCoverage struct {
	target, host, date, created, expires, digest bool

	fields  int    // real header fields covered
	unknown string // a pseudo-header other than the three the draft defines
}

// coverage reads the headers list.
func (p *cavageParams) coverage() cavageCoverage {
	var c cavageCoverage
	for name := range strings.FieldsSeq(p.headers) {
		switch strings.ToLower(name) {
		case "(request-target)":
			c.target = true
		case "(created)":
			c.created = true
		case "(expires)":
			c.expires = true
		case "host":
			c.host = true
			c.fields++
		case "date":
			c.date = true
			c.fields++
		case "digest":
			c.digest = true
			c.fields++
		default:
			if name[0] == '(' {
				c.unknown = name
			}
			c.fields++
		}
	}
	return c
}

// verifyCavage verifies r's draft-cavage signature.
func (v *Verifier) verifyCavage(ctx context.Context, r *http.Request, body []byte) (*PublicKey, error) {
	raw, err := cavageHeader(r.Header)
	if err != nil {
		return nil, err
	}
	p, err := parseCavage(raw)
	if err != nil {
		return nil, err
	}
	algorithm := strings.ToLower(p.algorithm)
	switch algorithm {
	case "", "hs2019", "rsa-sha256":
	default:
		return nil, fmt.Errorf("httpsig: signature algorithm %q: %w", shorten(p.algorithm), ErrUnsupportedAlgorithm)
	}
	c := p.coverage()
	switch {
	case !c.target:
		return nil, missing("(request-target)")
	case !c.host:
		return nil, missing("host")
	case !c.date && !c.created:
		return nil, missing("date")
	case !c.digest && needsDigest(r.Method, len(body) > 0):
		return nil, missing("digest")
	case c.unknown != "":
		return nil, fmt.Errorf("httpsig: signature covers unknown %s: %w", shorten(c.unknown), ErrMalformed)
	case c.created && !p.hasCreated:
		return nil, fmt.Errorf("httpsig: signature covers (created) but has no created parameter: %w", ErrMalformed)
	case c.expires && !p.hasExpires:
		return nil, fmt.Errorf("httpsig: signature covers (expires) but has no expires parameter: %w", ErrMalformed)
	}

	// The request as go-fed/httpsig reads it: only the covered fields, so
	// that r's own header map is left as it is, and the parameters written
	// out again in the one layout the library parses.
	hdr := make(http.Header, c.fields+1)
	for name := range strings.FieldsSeq(p.headers) {
		if name[0] == '(' {
			continue
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		vals := r.Header[key]
		if len(vals) == 0 && key == headerHost && r.Host != "" {
			vals = []string{r.Host}
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("httpsig: signature covers %s, which the request does not have: %w", strings.ToLower(name), ErrMissingComponent)
		}
		hdr[key] = vals
	}
	hdr[headerSignature] = []string{p.libraryParams()}

	now := v.now()
	if c.date {
		d := hdr[headerDate][0]
		t, err := http.ParseTime(d)
		if err != nil {
			return nil, fmt.Errorf("httpsig: Date %q: %w", shorten(d), ErrMalformed)
		}
		if err := v.checkWindow("Date", t, now); err != nil {
			return nil, err
		}
	}
	if c.created {
		if err := v.checkWindow("created", time.Unix(p.created, 0), now); err != nil {
			return nil, err
		}
	}
	if c.expires {
		if err := checkExpires(p.expires, now); err != nil {
			return nil, err
		}
	}
	if c.digest {
		if err := checkDigest(r.Header[headerDigest], body); err != nil {
			return nil, err
		}
	}

	lr := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Path: requestPath(r.URL), RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: hdr,
	}
	lv, err := gofed.NewVerifier(lr)
	if err != nil {
		if p.hasCreated || p.hasExpires {
			// go-fed/httpsig also checks created and expires against the
			// system clock, with ten seconds of margin.
			return nil, fmt.Errorf("httpsig: %w: %v", ErrExpired, err)
		}
		return nil, fmt.Errorf("httpsig: %w: %v", ErrMalformed, err)
	}
	return v.withKey(ctx, p.keyID, func(pk *PublicKey) error {
		kind, err := keyKind(pk.Key)
		if err != nil {
			return err
		}
		var algo gofed.Algorithm
		switch {
		case kind == "rsa":
			algo = gofed.RSA_SHA256
		case kind == "ed25519" && algorithm != "rsa-sha256":
			algo = gofed.ED25519
		default:
			return fmt.Errorf("httpsig: signature algorithm %s with an %s key: %w", algorithm, kind, ErrUnsupportedAlgorithm)
		}
		if err := lv.Verify(pk.Key, algo); err != nil {
			return fmt.Errorf("httpsig: key %s: %w: %v", pk.ID, ErrBadSignature, err)
		}
		return nil
	})
}

// libraryParams writes the parameters go-fed/httpsig needs to rebuild and
// check the signature, comma-separated without spaces (the only layout it
// parses). The key id is not part of what is signed and is left out.
func (p *cavageParams) libraryParams() string {
	var b strings.Builder
	b.Grow(len(p.headers) + len(p.signature) + 80)
	b.WriteString(`keyId="-",headers="`)
	first := true
	for name := range strings.FieldsSeq(p.headers) {
		if !first {
			b.WriteByte(' ')
		}
		b.WriteString(name)
		first = false
	}
	b.WriteString(`",signature="`)
	b.WriteString(p.signature)
	b.WriteByte('"')
	if p.hasCreated {
		b.WriteString(",created=")
		b.WriteString(strconv.FormatInt(p.created, 10))
	}
	if p.hasExpires {
		b.WriteString(",expires=")
		b.WriteString(strconv.FormatInt(p.expires, 10))
	}
	return b.String()
}

// requestPath is the path of u as sent on the request line: escaped, and "/"
// when empty.
func requestPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// missing is the error for a required component a signature does not cover.
func missing(component string) error {
	return fmt.Errorf("httpsig: signature does not cover %s: %w", component, ErrMissingComponent)
}

// trimOWS trims spaces and tabs.
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}

// shorten cuts outside input quoted in an error message to a readable size.
func shorten(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
