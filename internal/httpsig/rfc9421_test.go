package httpsig

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The test-key-ed25519 key pair of RFC 9421 Appendix B.1.4.
const (
	rfcEd25519Private = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`
	rfcEd25519Public = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`
)

// rfcTestRequest is the test-request message of RFC 9421 Appendix B.2, with
// the signature of Appendix B.2.6 added.
const rfcTestRequest = "POST /foo?param=Value&Pet=dog HTTP/1.1\r\n" +
	"Host: example.com\r\n" +
	"Date: Tue, 20 Apr 2021 02:07:55 GMT\r\n" +
	"Content-Type: application/json\r\n" +
	"Content-Digest: sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\r\n" +
	"Content-Length: 18\r\n" +
	`Signature-Input: sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"` + "\r\n" +
	"Signature: sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:\r\n" +
	"\r\n" +
	`{"hello": "world"}`

// rfcB26Base is the signature base of RFC 9421 Appendix B.2.6, unwrapped.
const rfcB26Base = `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`

func rfcEd25519Keys(t *testing.T) (ed25519.PrivateKey, ed25519.PublicKey) {
	t.Helper()
	b, _ := pem.Decode([]byte(rfcEd25519Private))
	priv, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = pem.Decode([]byte(rfcEd25519Public))
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return priv.(ed25519.PrivateKey), pub.(ed25519.PublicKey)
}

func readRFCRequest(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(rfcTestRequest)))
	if err != nil {
		t.Fatal(err)
	}
	return r, []byte(`{"hello": "world"}`)
}

// TestRFC9421AppendixB26 checks the signature base, the signature and the
// Content-Digest against the test vectors of RFC 9421.
func TestRFC9421AppendixB26(t *testing.T) {
	priv, pub := rfcEd25519Keys(t)
	r, body := readRFCRequest(t)
	r.TLS = &tls.ConnectionState{}

	s, err := selectRFC9421(r.Header, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.label != "sig-b26" || s.keyID != "test-key-ed25519" || s.created != 1618884473 || s.alg != "" {
		t.Errorf("parsed %s keyid=%q created=%d alg=%q", s.label, s.keyID, s.created, s.alg)
	}
	m := newMessage(r, "https")
	base, err := appendBase(nil, &m, s.components, s.params)
	if err != nil {
		t.Fatal(err)
	}
	if string(base) != rfcB26Base {
		t.Errorf("signature base:\n%s\nwant:\n%s", base, rfcB26Base)
	}
	want := "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="
	if got := base64.StdEncoding.EncodeToString(ed25519.Sign(priv, base)); got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	if err := verifyBase(&PublicKey{ID: "test-key-ed25519", Key: pub}, s.alg, base, s.signature); err != nil {
		t.Errorf("verifyBase: %v", err)
	}
	if err := checkContentDigest(r.Header.Values("Content-Digest"), body); err != nil {
		t.Errorf("Content-Digest of the test request: %v", err)
	}

	// The B.2.6 signature does not cover content-digest, which a POST to
	// an inbox must.
	v := NewVerifier(newResolver("test-key-ed25519", pub), VerifierOptions{Now: func() time.Time { return time.Unix(1618884473, 0) }})
	_, err = v.Verify(context.Background(), r, body)
	if !errors.Is(err, ErrMissingComponent) || !strings.Contains(err.Error(), "content-digest") {
		t.Errorf("Verify = %v, want the missing content-digest", err)
	}
}

func TestSignatureBaseComponents(t *testing.T) {
	const raw = "GET /path/a%2Fb?param=value&x=%20 HTTP/1.1\r\n" +
		"Host: WWW.Example.com:443\r\n" +
		"X-Two:  one \r\n" +
		"X-Two: two\t\r\n" +
		"Cache-Control: max-age=60\r\n" +
		"\r\n"
	noQuery := "GET /p HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"
	tests := []struct {
		name      string
		raw       string
		scheme    string
		component string
		want      string
	}{
		{"method", raw, "https", "@method", "GET"},
		{"target-uri", raw, "https", "@target-uri", "https://www.example.com/path/a%2Fb?param=value&x=%20"},
		{"authority lower-cased without default port", raw, "https", "@authority", "www.example.com"},
		{"authority keeps other port", noQuery, "https", "@authority", "example.com:8080"},
		{"authority keeps 443 on http", raw, "http", "@authority", "www.example.com:443"},
		{"scheme", raw, "https", "@scheme", "https"},
		{"request-target", raw, "https", "@request-target", "/path/a%2Fb?param=value&x=%20"},
		{"path stays escaped", raw, "https", "@path", "/path/a%2Fb"},
		{"query", raw, "https", "@query", "?param=value&x=%20"},
		{"empty query", noQuery, "http", "@query", "?"},
		{"target-uri without query", noQuery, "http", "@target-uri", "http://example.com:8080/p"},
		{"field values trimmed and joined", raw, "https", "x-two", "one, two"},
		{"field", raw, "https", "cache-control", "max-age=60"},
		{"host field as sent", raw, "https", "host", "WWW.Example.com:443"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tc.raw)))
			if err != nil {
				t.Fatal(err)
			}
			m := newMessage(r, tc.scheme)
			got, err := m.appendComponent(nil, tc.component)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("%s = %q, want %q", tc.component, got, tc.want)
			}
		})
	}
}

func TestRequestScheme(t *testing.T) {
	tests := []struct {
		name   string
		option string
		xfp    []string
		tls    bool
		want   string
	}{
		{"plain", "", nil, false, "http"},
		{"tls", "", nil, true, "https"},
		{"forwarded", "", []string{"https"}, false, "https"},
		{"forwarded list", "", []string{"HTTPS, http"}, false, "https"},
		{"forwarded over tls", "", []string{"http"}, true, "http"},
		{"option wins", "https", []string{"http"}, false, "https"},
		{"option upper case", "HTTPS", nil, false, "https"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRequest(t, http.MethodGet, "http://blog.example/")
			if tc.xfp != nil {
				r.Header["X-Forwarded-Proto"] = tc.xfp
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			v := NewVerifier(nil, VerifierOptions{Scheme: tc.option})
			if got := v.requestScheme(r); got != tc.want {
				t.Errorf("scheme = %q, want %q", got, tc.want)
			}
		})
	}
}

// signRFC adds a signature labelled label to r covering components, with
// params written after the inner list (e.g. `;created=1;keyid="k"`), over
// the target URI with scheme https. A Content-Digest is set when body is not
// nil and r has none.
func signRFC(t testing.TB, r *http.Request, body []byte, key crypto.Signer, label string, components []string, params string) {
	t.Helper()
	if body != nil && r.Header.Get("Content-Digest") == "" {
		r.Header.Set("Content-Digest", contentDigestHeader(body))
	}
	var list strings.Builder
	list.WriteByte('(')
	for i, c := range components {
		if i > 0 {
			list.WriteByte(' ')
		}
		if strings.Contains(c, `";`) {
			list.WriteString(`"` + c) // a component with parameters
		} else {
			list.WriteString(`"` + c + `"`)
		}
	}
	list.WriteString(")" + params)
	m := newMessage(r, "https")
	var names []string
	for _, c := range components {
		name, _, _ := strings.Cut(c, `";`)
		names = append(names, name)
	}
	base, err := appendBase(nil, &m, names, list.String())
	if err != nil {
		t.Fatal(err)
	}
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sum := sha256.Sum256(base)
		if sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:]); err != nil {
			t.Fatal(err)
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, base)
	}
	r.Header.Add("Signature-Input", label+"="+list.String())
	r.Header.Add("Signature", label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

// rfcParams are the usual parameters of a test signature made at signTime.
var rfcParams = fmt.Sprintf(`;created=%d;keyid="%s"`, signTime.Unix(), testKeyID)

func signRFCWith(label string, components []string, params string) func(testing.TB, *http.Request, []byte, crypto.Signer, time.Time) {
	return func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
		signRFC(t, r, body, key, label, components, params)
	}
}

func signWithRFC9421(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
	t.Helper()
	if err := NewSigner(testKeyID, key).SignRFC9421(r, body, now); err != nil {
		t.Fatal(err)
	}
}

func setHeader(name, value string) func(*http.Request, *[]byte) {
	return func(r *http.Request, _ *[]byte) { r.Header.Set(name, value) }
}

func TestVerifyRFC9421Rejects(t *testing.T) {
	k := keys(t)
	full := []string{"@method", "@target-uri", "content-digest"}
	tests := []cavageCase{
		{
			name:    "unparsable Signature-Input",
			tamper:  setHeader("Signature-Input", `sig1=("@method"`),
			wantErr: ErrMalformed, wantMsg: "Signature-Input",
		},
		{
			name:    "empty Signature-Input",
			tamper:  setHeader("Signature-Input", ``),
			wantErr: ErrNoSignature,
		},
		{
			name:    "Signature-Input member not a list",
			tamper:  setHeader("Signature-Input", `sig1=1`),
			wantErr: ErrMalformed, wantMsg: "not an inner list",
		},
		{
			name:    "no Signature for the label",
			tamper:  setHeader("Signature", `other=:AAAA:`),
			wantErr: ErrMalformed, wantMsg: "Signature has no sig1",
		},
		{
			name:    "Signature not a byte sequence",
			tamper:  setHeader("Signature", `sig1="AAAA"`),
			wantErr: ErrMalformed, wantMsg: "not a byte sequence",
		},
		{
			name:    "unparsable Signature",
			tamper:  setHeader("Signature", `sig1=:AAAA`),
			wantErr: ErrMalformed,
		},
		{
			name:    "without @method",
			sign:    signRFCWith("sig1", []string{"@target-uri", "content-digest"}, rfcParams),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover @method",
		},
		{
			name:    "without target",
			sign:    signRFCWith("sig1", []string{"@method", "@path", "content-digest"}, rfcParams),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover @target-uri",
		},
		{
			name:    "authority without path",
			sign:    signRFCWith("sig1", []string{"@method", "@authority", "@query", "content-digest"}, rfcParams),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover @path",
		},
		{
			name:    "post without content-digest",
			sign:    signRFCWith("sig1", []string{"@method", "@target-uri"}, rfcParams),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover content-digest",
		},
		{
			name:    "without created",
			sign:    signRFCWith("sig1", full, `;keyid="`+testKeyID+`"`),
			wantErr: ErrMissingComponent, wantMsg: "no created parameter",
		},
		{
			name:    "without keyid",
			sign:    signRFCWith("sig1", full, fmt.Sprintf(`;created=%d`, signTime.Unix())),
			wantErr: ErrMalformed, wantMsg: "no keyid",
		},
		{
			name:    "created is a string",
			sign:    signRFCWith("sig1", full, `;created="1";keyid="`+testKeyID+`"`),
			wantErr: ErrMalformed, wantMsg: "created has the wrong type",
		},
		{
			name:    "component with parameters",
			sign:    signRFCWith("sig1", []string{"@method", "@target-uri", `content-digest";sf`}, rfcParams),
			wantErr: ErrMalformed, wantMsg: "parameters are not supported",
		},
		{
			name:    "component twice",
			sign:    signRFCWith("sig1", []string{"@method", "@target-uri", "content-digest", "@method"}, rfcParams),
			wantErr: ErrMalformed, wantMsg: "given twice",
		},
		{
			name:    "response component",
			tamper:  setHeader("Signature-Input", `sig1=("@method" "@target-uri" "content-digest" "@status")`+rfcParams),
			wantErr: ErrMalformed, wantMsg: `"@status" is not supported`,
		},
		{
			name:    "upper-case field name",
			tamper:  setHeader("Signature-Input", `sig1=("@method" "@target-uri" "content-digest" "Date")`+rfcParams),
			wantErr: ErrMalformed, wantMsg: "not a lower-case field name",
		},
		{
			name:    "covers a field the request lacks",
			tamper:  setHeader("Signature-Input", `sig1=("@method" "@target-uri" "content-digest" "x-missing")`+rfcParams),
			wantErr: ErrMissingComponent, wantMsg: "covers x-missing, which the request does not have",
		},
		{
			name:    "alg hmac-sha256",
			sign:    signRFCWith("sig1", full, rfcParams+`;alg="hmac-sha256"`),
			wantErr: ErrUnsupportedAlgorithm, wantMsg: `"hmac-sha256"`,
		},
		{
			name:    "alg ed25519 with an RSA key",
			sign:    signRFCWith("sig1", full, rfcParams+`;alg="ed25519"`),
			wantErr: ErrUnsupportedAlgorithm, wantMsg: "ed25519 with an rsa key", wantCalls: 2,
		},
		{
			name:    "alg rsa-v1_5-sha256 with an ed25519 key",
			key:     edKey,
			sign:    signRFCWith("sig1", full, rfcParams+`;alg="rsa-v1_5-sha256"`),
			wantErr: ErrUnsupportedAlgorithm, wantMsg: "rsa-v1_5-sha256 with an ed25519 key", wantCalls: 2,
		},
		{
			name:    "created two hours old",
			at:      2 * time.Hour,
			wantErr: ErrExpired, wantMsg: "created is 2h0m0s in the past",
		},
		{
			name:    "created two hours ahead",
			at:      -2 * time.Hour,
			wantErr: ErrExpired, wantMsg: "created is 2h0m0s in the future",
		},
		{
			name:    "expired",
			sign:    signRFCWith("sig1", full, rfcParams+fmt.Sprintf(";expires=%d", signTime.Add(time.Minute).Unix())),
			at:      3 * time.Minute,
			wantErr: ErrExpired, wantMsg: "signature expired 2m0s ago",
		},
		{
			name:    "body changed",
			tamper:  func(_ *http.Request, body *[]byte) { *body = []byte("{}") },
			wantErr: ErrDigestMismatch, wantMsg: "Content-Digest sha-256 does not match the body",
		},
		{
			name: "body and Content-Digest changed",
			tamper: func(r *http.Request, body *[]byte) {
				*body = []byte("{}")
				r.Header.Set("Content-Digest", contentDigestHeader(*body))
			},
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "Content-Digest removed",
			tamper:  func(r *http.Request, _ *[]byte) { r.Header.Del("Content-Digest") },
			wantErr: ErrMissingComponent, wantMsg: "no Content-Digest header",
		},
		{
			name: "wrong sha-512 beside a right sha-256",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				r.Header.Set("Content-Digest", contentDigestHeader(body)+", sha-512=:AAAA:")
				signRFC(t, r, body, key, "sig1", full, rfcParams)
			},
			wantErr: ErrDigestMismatch, wantMsg: "sha-512",
		},
		{
			name: "Content-Digest of an unknown algorithm",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				r.Header.Set("Content-Digest", "md5=:AAAA:")
				signRFC(t, r, body, key, "sig1", full, rfcParams)
			},
			wantErr: ErrUnsupportedAlgorithm, wantMsg: "no sha-256 or sha-512",
		},
		{
			name:    "unparsable Content-Digest",
			tamper:  setHeader("Content-Digest", "sha-256=AAAA"),
			wantErr: ErrMalformed, wantMsg: "Content-Digest",
		},
		{
			name:    "another key",
			pub:     func(k *testKeys) crypto.PublicKey { return k.rsaOther.Public() },
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "path changed",
			tamper:  func(r *http.Request, _ *[]byte) { r.URL.Path = "/users/other/inbox" },
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "host changed",
			tamper:  func(r *http.Request, _ *[]byte) { r.Host = "other.example" },
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "method changed",
			tamper:  func(r *http.Request, _ *[]byte) { r.Method = http.MethodPut },
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:       "plain http without X-Forwarded-Proto",
			autoScheme: true,
			wantErr:    ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "scheme differs",
			opts:    VerifierOptions{Scheme: "http"},
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "ed25519 signature changed",
			key:     edKey,
			tamper:  setHeader("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(make([]byte, 64))+":"),
			wantErr: ErrBadSignature, wantCalls: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.sign == nil {
				tc.sign = signWithRFC9421
			}
			tc.run(t, k)
		})
	}
}

func TestVerifyRFC9421Accepts(t *testing.T) {
	k := keys(t)
	full := []string{"@method", "@target-uri", "content-digest"}
	tests := []cavageCase{
		{name: "rsa post"},
		{name: "ed25519 post", key: edKey},
		{name: "rsa get", method: http.MethodGet, url: "https://blog.example/users/blog?page=1&q=a%20b"},
		{name: "ed25519 get", method: http.MethodGet, key: edKey},
		{name: "no alg", sign: signRFCWith("sig1", full, rfcParams)},
		{name: "no alg, ed25519", key: edKey, sign: signRFCWith("sig1", full, rfcParams)},
		{name: "authority and path", sign: signRFCWith("sig1", []string{"@method", "@authority", "@path", "@query", "content-digest"}, rfcParams)},
		{
			name: "host and date fields and path",
			url:  "https://blog.example:8443/inbox",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
				r.Header.Set("Date", now.Format(http.TimeFormat))
				signRFC(t, r, body, key, "sig1", []string{"@method", "host", "@path", "content-digest", "date"}, rfcParams)
			},
		},
		{name: "request-target and scheme", sign: signRFCWith("sig1", []string{"@method", "@request-target", "@scheme", "@target-uri", "content-digest"}, rfcParams)},
		{
			name: "sha-512 Content-Digest",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				sum := sha512.Sum512(body)
				r.Header.Set("Content-Digest", "sha-512=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
				signRFC(t, r, body, key, "sig1", full, rfcParams)
			},
		},
		{
			name: "first signature lacks components",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				signRFC(t, r, body, k.rsaOther, "a", []string{"@method"}, `;created=1;keyid="https://elsewhere.example/k"`)
				signRFC(t, r, body, key, "b", full, rfcParams)
			},
		},
		{
			name:       "X-Forwarded-Proto",
			autoScheme: true,
			tamper:     setHeader("X-Forwarded-Proto", "https"),
		},
		{name: "created an hour ahead", at: -time.Hour},
		{name: "created an hour and five minutes old", at: time.Hour + 5*time.Minute},
		{
			name: "expires later",
			sign: signRFCWith("sig1", full, rfcParams+fmt.Sprintf(";expires=%d", signTime.Add(time.Minute).Unix())),
			at:   time.Minute,
		},
		{
			name: "also a cavage Signature-like nonce parameter",
			sign: signRFCWith("sig1", full, rfcParams+`;nonce="abc";tag="fedi"`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.sign == nil {
				tc.sign = signWithRFC9421
			}
			tc.wantCalls = 1
			tc.run(t, k)
		})
	}
}
