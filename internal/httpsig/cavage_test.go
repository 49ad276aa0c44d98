package httpsig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	gofed "github.com/go-fed/httpsig"
)

const (
	testKeyID = "https://remote.example/users/alice#main-key"
	inboxURL  = "https://blog.example/users/blog/inbox"
)

var testBody = []byte(`{"type":"Like","actor":"https://remote.example/users/alice"}`)

// signCavageHeaders signs r with go-fed/httpsig covering exactly headers,
// setting Date from now first. expiresIn > 0 adds created and expires
// parameters taken from the system clock.
func signCavageHeaders(t testing.TB, r *http.Request, body []byte, key crypto.PrivateKey, headers []string, digest gofed.DigestAlgorithm, expiresIn int64, now time.Time) {
	t.Helper()
	algo := gofed.RSA_SHA256
	if _, ok := key.(ed25519.PrivateKey); ok {
		algo = gofed.ED25519
	}
	s, _, err := gofed.NewSigner([]gofed.Algorithm{algo}, digest, headers, gofed.Signature, expiresIn)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Set("Host", r.URL.Host)
	defer r.Header.Del("Host")
	if err := s.SignRequest(key, testKeyID, r, body); err != nil {
		t.Fatal(err)
	}
}

// replaceParam rewrites part of the Signature header.
func replaceParam(r *http.Request, old, new string) {
	r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), old, new, 1))
}

// cavageCase is one request to verify: built by sign, changed by tamper
// after it is received, verified at now+at with the keys of resolver.
type cavageCase struct {
	name   string
	keyID  string // testKeyID when empty
	method string // POST when empty
	url    string // inboxURL when empty
	body   []byte // testBody when nil and POST
	key    func(k *testKeys) crypto.Signer
	sign   func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time)
	tamper func(r *http.Request, body *[]byte)
	pub    func(k *testKeys) crypto.PublicKey // the resolver's key; the signing key's when nil
	at     time.Duration
	opts   VerifierOptions
	// autoScheme leaves the scheme to the request; else it is https.
	autoScheme bool
	wantErr    error
	wantMsg    string
	// wantCalls is how many times the resolver may be called; -1 for any.
	wantCalls int
}

func signWithSigner(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
	t.Helper()
	if err := NewSigner(testKeyID, key).Sign(r, body, now); err != nil {
		t.Fatal(err)
	}
}

func signHeaders(headers ...string) func(testing.TB, *http.Request, []byte, crypto.Signer, time.Time) {
	return func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
		signCavageHeaders(t, r, body, key, headers, gofed.DigestSha256, 0, now)
	}
}

func rsaKey(k *testKeys) crypto.Signer { return k.rsa }
func edKey(k *testKeys) crypto.Signer  { return k.ed }

var signTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// run signs, receives and verifies the case and checks the outcome.
func (tc cavageCase) run(t *testing.T, k *testKeys) {
	t.Helper()
	method, url, body := tc.method, tc.url, tc.body
	if method == "" {
		method = http.MethodPost
	}
	if url == "" {
		url = inboxURL
	}
	if body == nil && method == http.MethodPost {
		body = testBody
	}
	keyOf := tc.key
	if keyOf == nil {
		keyOf = rsaKey
	}
	key := keyOf(k)
	r := newRequest(t, method, url)
	sign := tc.sign
	if sign == nil {
		sign = signWithSigner
	}
	sign(t, r, body, key, signTime)
	sr := received(t, r, body)
	if tc.tamper != nil {
		tc.tamper(sr, &body)
	}
	pub := key.Public()
	if tc.pub != nil {
		pub = tc.pub(k)
	}
	keyID := tc.keyID
	if keyID == "" {
		keyID = testKeyID
	}
	res := newResolver(keyID, pub)
	opts := tc.opts
	if opts.Now == nil {
		opts.Now = func() time.Time { return signTime.Add(tc.at) }
	}
	if opts.Scheme == "" && !tc.autoScheme {
		opts.Scheme = "https"
	}
	before := sr.Header.Clone()
	got, err := NewVerifier(res, opts).Verify(context.Background(), sr, body)
	if !reflect.DeepEqual(before, sr.Header) {
		t.Errorf("Verify changed the request's header:\n%v\nto\n%v", before, sr.Header)
	}
	if tc.wantErr == nil {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if got.ID != keyID {
			t.Errorf("verified with %q", got.ID)
		}
	} else {
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("Verify error = %v, want %v", err, tc.wantErr)
		}
		if !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("Verify error %q does not say %q", err, tc.wantMsg)
		}
	}
	if calls := res.Calls(); tc.wantCalls >= 0 && len(calls) != tc.wantCalls {
		t.Errorf("resolver called %d times (%v), want %d", len(calls), calls, tc.wantCalls)
	}
}

func TestVerifyCavageRejects(t *testing.T) {
	k := keys(t)
	tests := []cavageCase{
		{
			name:    "no signature",
			sign:    func(testing.TB, *http.Request, []byte, crypto.Signer, time.Time) {},
			wantErr: ErrNoSignature,
		},
		{
			name: "authorization with another scheme",
			sign: func(_ testing.TB, r *http.Request, _ []byte, _ crypto.Signer, _ time.Time) {
				r.Header.Set("Authorization", "Bearer abc")
			},
			wantErr: ErrNoSignature,
		},
		{
			name: "no keyId",
			tamper: func(r *http.Request, _ *[]byte) {
				r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "keyId=", "keyid=", 1))
			},
			wantErr: ErrMalformed, wantMsg: "no keyId",
		},
		{
			name: "unterminated quote",
			tamper: func(r *http.Request, _ *[]byte) {
				r.Header.Set("Signature", strings.TrimSuffix(r.Header.Get("Signature"), `"`))
			},
			wantErr: ErrMalformed, wantMsg: "unterminated",
		},
		{
			name: "two Signature headers",
			tamper: func(r *http.Request, _ *[]byte) {
				r.Header.Add("Signature", r.Header.Get("Signature"))
			},
			wantErr: ErrMalformed, wantMsg: "2 Signature headers",
		},
		{
			name: "keyId given twice",
			tamper: func(r *http.Request, _ *[]byte) {
				r.Header.Set("Signature", `keyId="a",`+r.Header.Get("Signature"))
			},
			wantErr: ErrMalformed, wantMsg: "keyId given twice",
		},
		{
			name:    "without (request-target)",
			sign:    signHeaders("host", "date", "digest"),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover (request-target)",
		},
		{
			name:    "without host",
			sign:    signHeaders(gofed.RequestTarget, "date", "digest"),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover host",
		},
		{
			name:    "without date",
			sign:    signHeaders(gofed.RequestTarget, "host", "digest"),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover date",
		},
		{
			name:    "post without digest",
			sign:    signHeaders(gofed.RequestTarget, "host", "date"),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover digest",
		},
		{
			name:    "get with a body without digest",
			method:  http.MethodGet,
			body:    []byte("x"),
			sign:    signHeaders(gofed.RequestTarget, "host", "date"),
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover digest",
		},
		{
			name:    "no headers parameter means date only",
			tamper:  func(r *http.Request, _ *[]byte) { replaceParam(r, `headers="(request-target) host date digest",`, "") },
			wantErr: ErrMissingComponent, wantMsg: "signature does not cover (request-target)",
		},
		{
			name:    "covers an unknown pseudo-header",
			tamper:  func(r *http.Request, _ *[]byte) { replaceParam(r, `headers="`, `headers="(foo) `) },
			wantErr: ErrMalformed, wantMsg: "(foo)",
		},
		{
			name:    "Date header removed",
			tamper:  func(r *http.Request, _ *[]byte) { r.Header.Del("Date") },
			wantErr: ErrMissingComponent, wantMsg: "covers date, which the request does not have",
		},
		{
			name:    "Digest header removed",
			tamper:  func(r *http.Request, _ *[]byte) { r.Header.Del("Digest") },
			wantErr: ErrMissingComponent, wantMsg: "covers digest",
		},
		{
			name:    "unparsable Date",
			tamper:  func(r *http.Request, _ *[]byte) { r.Header.Set("Date", "yesterday") },
			wantErr: ErrMalformed, wantMsg: `Date "yesterday"`,
		},
		{
			name:    "body changed",
			tamper:  func(_ *http.Request, body *[]byte) { *body = []byte(`{"type":"Delete"}`) },
			wantErr: ErrDigestMismatch, wantMsg: "Digest SHA-256 does not match the body",
		},
		{
			name: "body and Digest changed",
			tamper: func(r *http.Request, body *[]byte) {
				*body = []byte(`{"type":"Delete"}`)
				r.Header.Set("Digest", digestHeader(*body))
			},
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name: "Digest with SHA-512 only",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
				signCavageHeaders(t, r, body, key, []string{gofed.RequestTarget, "host", "date", "digest"}, gofed.DigestSha512, 0, now)
			},
			wantErr: ErrUnsupportedAlgorithm, wantMsg: "no SHA-256",
		},
		{
			name:    "date two hours old",
			at:      2 * time.Hour,
			wantErr: ErrExpired, wantMsg: "Date is 2h0m0s in the past",
		},
		{
			name:    "date two hours ahead",
			at:      -2 * time.Hour,
			wantErr: ErrExpired, wantMsg: "Date is 2h0m0s in the future",
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
			name:    "query added",
			tamper:  func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "a=1" },
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
			name:    "signature changed",
			tamper:  func(r *http.Request, _ *[]byte) { replaceParam(r, `signature="`, `signature="AAAA`) },
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "algorithm hmac-sha256",
			tamper:  func(r *http.Request, _ *[]byte) { replaceParam(r, `algorithm="rsa-sha256"`, `algorithm="hmac-sha256"`) },
			wantErr: ErrUnsupportedAlgorithm, wantMsg: `"hmac-sha256"`,
		},
		{
			name:    "rsa-sha256 with an ed25519 key",
			key:     edKey,
			tamper:  func(r *http.Request, _ *[]byte) { replaceParam(r, `algorithm="hs2019"`, `algorithm="rsa-sha256"`) },
			wantErr: ErrUnsupportedAlgorithm, wantMsg: "rsa-sha256 with an ed25519 key", wantCalls: 2,
		},
		{
			name:    "ed25519 signature, RSA key",
			key:     edKey,
			pub:     func(k *testKeys) crypto.PublicKey { return k.rsa.Public() },
			wantErr: ErrBadSignature, wantCalls: 2,
		},
		{
			name:    "key of another type",
			pub:     func(*testKeys) crypto.PublicKey { return []byte("secret") },
			wantErr: ErrUnsupportedAlgorithm, wantMsg: "[]uint8", wantCalls: 2,
		},
		{
			name:    "short ed25519 key",
			key:     edKey,
			pub:     func(*testKeys) crypto.PublicKey { return ed25519.PublicKey{1, 2, 3} },
			wantErr: ErrUnsupportedAlgorithm, wantMsg: "3 bytes", wantCalls: 2,
		},
		{
			name: "created without the parameter",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
				signCavageHeaders(t, r, body, key, []string{gofed.RequestTarget, "host", "(created)", "digest"}, gofed.DigestSha256, 300, now)
				sig := r.Header.Get("Signature")
				i := strings.Index(sig, "created=")
				j := i + strings.IndexByte(sig[i:], ',')
				r.Header.Set("Signature", sig[:i]+sig[j+1:])
			},
			wantErr: ErrMalformed, wantMsg: "no created parameter",
		},
		{
			name: "expired",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				signCavageHeaders(t, r, body, key, []string{gofed.RequestTarget, "host", "(created)", "(expires)", "digest"}, gofed.DigestSha256, 60, time.Now())
			},
			opts:    VerifierOptions{Now: func() time.Time { return time.Now().Add(3 * time.Minute) }},
			wantErr: ErrExpired, wantMsg: "signature expired 2m",
		},
		{
			name: "created two hours ahead",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				signCavageHeaders(t, r, body, key, []string{gofed.RequestTarget, "host", "(created)", "digest"}, gofed.DigestSha256, 60, time.Now())
			},
			opts:    VerifierOptions{Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }},
			wantErr: ErrExpired, wantMsg: "in the future",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantCalls == 0 && tc.wantErr == ErrBadSignature {
				t.Fatal("a bad signature must be checked with a key")
			}
			tc.run(t, k)
		})
	}
}

func TestVerifyCavageAccepts(t *testing.T) {
	k := keys(t)
	tests := []cavageCase{
		{name: "rsa post"},
		{name: "ed25519 post", key: edKey},
		{name: "rsa get", method: http.MethodGet, url: "https://blog.example/users/blog?page=1"},
		{name: "ed25519 get", method: http.MethodGet, key: edKey},
		{
			name: "Authorization header",
			tamper: func(r *http.Request, _ *[]byte) {
				r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
				r.Header.Del("Signature")
			},
		},
		{
			name:   "hs2019 with an RSA key",
			tamper: func(r *http.Request, _ *[]byte) { replaceParam(r, `algorithm="rsa-sha256"`, `algorithm="hs2019"`) },
		},
		{
			name:   "no algorithm",
			tamper: func(r *http.Request, _ *[]byte) { replaceParam(r, `algorithm="rsa-sha256",`, "") },
		},
		{
			name: "spaces between parameters",
			tamper: func(r *http.Request, _ *[]byte) {
				r.Header.Set("Signature", strings.ReplaceAll(r.Header.Get("Signature"), `",`, `", `))
			},
		},
		{
			name:   "upper-case names in headers",
			tamper: func(r *http.Request, _ *[]byte) { replaceParam(r, "host date digest", "Host  Date DIGEST") },
		},
		{
			name:  "key id with a comma",
			keyID: "https://remote.example/users/a,b#key",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
				if err := NewSigner("https://remote.example/users/a,b#key", key).Sign(r, body, now); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "several digests",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
				r.Header.Set("Digest", "MD5=xyz, sha-256="+digestHeader(body)[8:])
				s, _, err := gofed.NewSigner([]gofed.Algorithm{gofed.RSA_SHA256}, gofed.DigestSha256, []string{gofed.RequestTarget, "host", "date", "digest"}, gofed.Signature, 0)
				if err != nil {
					t.Fatal(err)
				}
				r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
				r.Header.Set("Host", r.URL.Host)
				defer r.Header.Del("Host")
				if err := s.SignRequest(key, testKeyID, r, nil); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "created instead of date",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				signCavageHeaders(t, r, body, key, []string{gofed.RequestTarget, "host", "(created)", "(expires)", "digest"}, gofed.DigestSha256, 300, time.Now())
			},
			opts: VerifierOptions{Now: time.Now},
		},
		{name: "date an hour ahead", at: -time.Hour},
		{name: "date an hour and five minutes old", at: time.Hour + 5*time.Minute},
		{name: "with MaxSkew", at: 2 * time.Hour, opts: VerifierOptions{MaxSkew: 3 * time.Hour, Now: func() time.Time { return signTime.Add(2 * time.Hour) }}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.wantCalls = 1
			tc.run(t, k)
		})
	}
}

func TestWindowEdges(t *testing.T) {
	v := NewVerifier(nil, VerifierOptions{})
	now := signTime
	tests := []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"now", now, true},
		{"an hour ahead", now.Add(time.Hour), true},
		{"just over an hour ahead", now.Add(time.Hour + time.Second), false},
		{"an hour and five minutes old", now.Add(-time.Hour - 5*time.Minute), true},
		{"just older", now.Add(-time.Hour - 5*time.Minute - time.Second), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.checkWindow("Date", tc.t, now)
			if (err == nil) != tc.ok {
				t.Errorf("checkWindow = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrExpired) {
				t.Errorf("error %v is not ErrExpired", err)
			}
		})
	}
}

func TestSignCavage(t *testing.T) {
	k := keys(t)
	tests := []struct {
		name      string
		key       crypto.Signer
		body      []byte
		algorithm string
		headers   string
	}{
		{"rsa with body", k.rsa, testBody, "rsa-sha256", "(request-target) host date digest"},
		{"rsa without body", k.rsa, nil, "rsa-sha256", "(request-target) host date"},
		{"ed25519 with body", k.ed, testBody, "hs2019", "(request-target) host date digest"},
		{"empty body", k.ed, []byte{}, "hs2019", "(request-target) host date digest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRequest(t, http.MethodPost, inboxURL)
			r.Header.Set("Digest", "SHA-256=stale")
			r.Header.Set("Signature", "stale")
			if err := NewSigner(testKeyID, tc.key).Sign(r, tc.body, signTime); err != nil {
				t.Fatal(err)
			}
			if got := r.Header.Get("Date"); got != "Sat, 01 Mar 2025 12:00:00 GMT" {
				t.Errorf("Date = %q", got)
			}
			if tc.body == nil {
				if d := r.Header.Values("Digest"); len(d) != 0 {
					t.Errorf("Digest = %q without a body", d)
				}
			} else if d := r.Header.Values("Digest"); len(d) != 1 || d[0] != digestHeader(tc.body) {
				t.Errorf("Digest = %q", d)
			}
			sigs := r.Header.Values("Signature")
			if len(sigs) != 1 {
				t.Fatalf("Signature = %q", sigs)
			}
			p, err := parseCavage(sigs[0])
			if err != nil {
				t.Fatal(err)
			}
			if p.keyID != testKeyID || p.algorithm != tc.algorithm || p.headers != tc.headers {
				t.Errorf("keyId=%q algorithm=%q headers=%q", p.keyID, p.algorithm, p.headers)
			}
		})
	}
}

func TestSignerRejectsKey(t *testing.T) {
	k := keys(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  crypto.Signer
	}{
		{"ecdsa", ec},
		{"short ed25519", ed25519.PrivateKey(k.ed[:10])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSigner(testKeyID, tc.key)
			if err := s.Sign(newRequest(t, http.MethodGet, inboxURL), nil, signTime); err == nil {
				t.Error("Sign succeeded")
			}
			if err := s.SignRFC9421(newRequest(t, http.MethodGet, inboxURL), nil, signTime); err == nil {
				t.Error("SignRFC9421 succeeded")
			}
		})
	}
}
