package httpsig

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestKeyRefresh(t *testing.T) {
	k := keys(t)
	kinds := []struct {
		name string
		sign func(testing.TB, *http.Request, []byte, crypto.Signer, time.Time)
	}{
		{"cavage", signWithSigner},
		{"rfc9421", signWithRFC9421},
	}
	tests := []struct {
		name       string
		key        crypto.Signer
		cached     crypto.PublicKey
		fresh      crypto.PublicKey // nil: the refresh serves the cached key
		refreshErr bool
		wantErr    error
		wantCalls  []bool // refresh flag of each call
	}{
		{name: "cached key verifies", key: k.rsa, cached: k.rsa.Public(), wantCalls: []bool{false}},
		{name: "rotated key", key: k.rsa, cached: k.rsaOther.Public(), fresh: k.rsa.Public(), wantCalls: []bool{false, true}},
		{name: "rotated to another key type", key: k.rsa, cached: k.ed.Public(), fresh: k.rsa.Public(), wantCalls: []bool{false, true}},
		{name: "rotated ed25519 key", key: k.ed, cached: k.edOther.Public(), fresh: k.ed.Public(), wantCalls: []bool{false, true}},
		{name: "refreshed key is the same", key: k.rsa, cached: k.rsaOther.Public(), wantErr: ErrBadSignature, wantCalls: []bool{false, true}},
		{name: "refreshed key is wrong too", key: k.rsa, cached: k.rsaOther.Public(), fresh: k.edOther.Public(), wantErr: ErrUnsupportedAlgorithm, wantCalls: []bool{false, true}},
		{name: "refresh fails", key: k.rsa, cached: k.rsaOther.Public(), refreshErr: true, wantErr: errNoSuchKey, wantCalls: []bool{false, true}},
	}
	for _, kind := range kinds {
		for _, tc := range tests {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				r := newRequest(t, http.MethodPost, inboxURL)
				kind.sign(t, r, testBody, tc.key, signTime)
				sr := received(t, r, testBody)
				res := newResolver(testKeyID, tc.cached)
				res.fresh = map[string]*PublicKey{}
				if tc.fresh != nil {
					res.fresh[testKeyID] = &PublicKey{ID: testKeyID, Key: tc.fresh}
				}
				if tc.refreshErr {
					res.fresh = nil
					res.cached = map[string]*PublicKey{testKeyID: {ID: testKeyID, Key: tc.cached}}
					res.refreshErr = errNoSuchKey
				}
				v := NewVerifier(res, VerifierOptions{Now: func() time.Time { return signTime }, Scheme: "https"})
				got, err := v.Verify(context.Background(), sr, testBody)
				if tc.wantErr == nil {
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					want := tc.fresh
					if want == nil {
						want = tc.cached
					}
					if !sameKey(got.Key, want) {
						t.Error("Verify returned another key than the one that verified")
					}
				} else if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Verify = %v, want %v", err, tc.wantErr)
				}
				if tc.refreshErr && !errors.Is(err, ErrBadSignature) {
					t.Errorf("error %v does not keep the failed verification", err)
				}
				var flags []bool
				for _, c := range res.Calls() {
					if c.keyID != testKeyID {
						t.Errorf("resolved %q", c.keyID)
					}
					flags = append(flags, c.refresh)
				}
				if !reflect.DeepEqual(flags, tc.wantCalls) {
					t.Errorf("resolver calls with refresh %v, want %v", flags, tc.wantCalls)
				}
			})
		}
	}
}

func TestResolverError(t *testing.T) {
	k := keys(t)
	for _, sign := range []func(testing.TB, *http.Request, []byte, crypto.Signer, time.Time){signWithSigner, signWithRFC9421} {
		r := newRequest(t, http.MethodPost, inboxURL)
		sign(t, r, testBody, k.rsa, signTime)
		sr := received(t, r, testBody)
		gone := errors.New("actor gone")
		res := &resolver{err: gone}
		_, err := NewVerifier(res, VerifierOptions{Now: func() time.Time { return signTime }, Scheme: "https"}).Verify(context.Background(), sr, testBody)
		if !errors.Is(err, gone) || !strings.Contains(err.Error(), testKeyID) {
			t.Errorf("Verify = %v, want the resolver's error naming the key", err)
		}
		if calls := res.Calls(); len(calls) != 1 {
			t.Errorf("resolver called %d times, want 1", len(calls))
		}
	}
}

func TestKeyID(t *testing.T) {
	k := keys(t)
	tests := []struct {
		name    string
		method  string
		sign    func(testing.TB, *http.Request, []byte, crypto.Signer, time.Time)
		want    string
		wantErr error
	}{
		{name: "cavage", sign: signWithSigner, want: testKeyID},
		{name: "rfc9421", sign: signWithRFC9421, want: testKeyID},
		{
			name: "authorization",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, now time.Time) {
				signWithSigner(t, r, body, key, now)
				r.Header.Set("Authorization", "signature "+r.Header.Get("Signature"))
				r.Header.Del("Signature")
			},
			want: testKeyID,
		},
		{
			name: "rfc9421, first usable signature",
			sign: func(t testing.TB, r *http.Request, body []byte, key crypto.Signer, _ time.Time) {
				signRFC(t, r, body, key, "a", []string{"@method", "@target-uri"}, `;created=1;keyid="https://a.example/k"`)
				signRFC(t, r, body, key, "b", []string{"@method", "@target-uri", "content-digest"}, `;created=1;keyid="https://b.example/k"`)
			},
			want: "https://b.example/k",
		},
		{
			name:   "rfc9421 get, first signature",
			method: http.MethodGet,
			sign: func(t testing.TB, r *http.Request, _ []byte, key crypto.Signer, _ time.Time) {
				signRFC(t, r, nil, key, "a", []string{"@method", "@target-uri"}, `;created=1;keyid="https://a.example/k"`)
				signRFC(t, r, nil, key, "b", []string{"@method", "@target-uri"}, `;created=1;keyid="https://b.example/k"`)
			},
			want: "https://a.example/k",
		},
		{
			name:    "none",
			sign:    func(testing.TB, *http.Request, []byte, crypto.Signer, time.Time) {},
			wantErr: ErrNoSignature,
		},
		{
			name: "cavage without keyId",
			sign: func(_ testing.TB, r *http.Request, _ []byte, _ crypto.Signer, _ time.Time) {
				r.Header.Set("Signature", `headers="date",signature="abc"`)
			},
			wantErr: ErrMalformed,
		},
		{
			name: "rfc9421 without keyid",
			sign: func(_ testing.TB, r *http.Request, _ []byte, _ crypto.Signer, _ time.Time) {
				r.Header.Set("Signature-Input", `sig1=("@method" "@target-uri" "content-digest");created=1`)
				r.Header.Set("Signature", `sig1=:AAAA:`)
			},
			wantErr: ErrMalformed,
		},
		{
			name: "rfc9421 garbage",
			sign: func(_ testing.TB, r *http.Request, _ []byte, _ crypto.Signer, _ time.Time) {
				r.Header.Set("Signature-Input", `sig1=(`)
			},
			wantErr: ErrMalformed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method, body := tc.method, []byte(nil)
			if method == "" {
				method, body = http.MethodPost, testBody
			}
			r := newRequest(t, method, inboxURL)
			tc.sign(t, r, body, k.rsa, signTime)
			got, err := KeyID(received(t, r, body))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("KeyID = %q, %v; want %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("KeyID = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestVerifyOverHTTP verifies requests as an http.Server receives them,
// signed both ways, through VerifyRequest (GET) and Verify (POST).
func TestVerifyOverHTTP(t *testing.T) {
	k := keys(t)
	res := newResolver(testKeyID, k.ed.Public())
	v := NewVerifier(res, VerifierOptions{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id string
		var err error
		if r.Method == http.MethodGet {
			id, err = v.VerifyRequest(r)
		} else {
			var body []byte
			if body, err = io.ReadAll(r.Body); err == nil {
				var pk *PublicKey
				if pk, err = v.Verify(r.Context(), r, body); err == nil {
					id = pk.ID
				}
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, id)
	}))
	defer srv.Close()
	client := srv.Client()
	for _, kind := range []string{"cavage", "rfc9421"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(kind+"/"+method, func(t *testing.T) {
				var body []byte
				if method == http.MethodPost {
					body = testBody
				}
				r, err := http.NewRequest(method, srv.URL+"/users/blog/inbox?x=1", strings.NewReader(string(body)))
				if err != nil {
					t.Fatal(err)
				}
				s := NewSigner(testKeyID, k.ed)
				if kind == "cavage" {
					err = s.Sign(r, body, time.Now())
				} else {
					err = s.SignRFC9421(r, body, time.Now())
				}
				if err != nil {
					t.Fatal(err)
				}
				resp, err := client.Do(r)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK || string(got) != testKeyID {
					t.Errorf("server answered %d %q", resp.StatusCode, got)
				}
			})
		}
	}
}

// TestVerifyConcurrent shares one Verifier between goroutines; run it with
// -race.
func TestVerifyConcurrent(t *testing.T) {
	k := keys(t)
	var reqs []*http.Request
	for i := range 8 {
		r := newRequest(t, http.MethodPost, fmt.Sprintf("%s?n=%d", inboxURL, i))
		s := NewSigner(testKeyID, k.ed)
		var err error
		if i%2 == 0 {
			err = s.Sign(r, testBody, signTime)
		} else {
			err = s.SignRFC9421(r, testBody, signTime)
		}
		if err != nil {
			t.Fatal(err)
		}
		sr := received(t, r, testBody)
		sr.TLS = &tls.ConnectionState{}
		reqs = append(reqs, sr)
	}
	v := NewVerifier(newResolver(testKeyID, k.ed.Public()), VerifierOptions{Now: func() time.Time { return signTime }})
	var wg sync.WaitGroup
	errs := make(chan error, len(reqs)*20)
	for _, r := range reqs {
		wg.Go(func() {
			for range 20 {
				if _, err := v.Verify(context.Background(), r, testBody); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
