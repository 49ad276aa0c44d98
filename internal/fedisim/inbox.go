package fedisim

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	gofed "github.com/go-fed/httpsig"
)

// maxInboxBody is the largest activity an inbox reads.
const maxInboxBody = 1 << 20

// The window a signature's date must fall in, as Mastodon has it.
const (
	maxFuture = time.Hour
	maxPast   = time.Hour + 5*time.Minute
)

// personalInbox receives deliveries to /users/{name}/inbox.
func (s *Sim) personalInbox(w http.ResponseWriter, r *http.Request) {
	sv := s.serverOf(r)
	a := sv.actors[r.PathValue("name")]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	s.receive(w, r, sv, a.Inbox)
}

// sharedInbox receives deliveries to /inbox.
func (s *Sim) sharedInbox(w http.ResponseWriter, r *http.Request) {
	sv := s.serverOf(r)
	s.receive(w, r, sv, sv.base+"/inbox")
}

// receive reads, verifies and records one delivery, in the inbox order
// Mastodon follows: limit the body, parse it, verify the signature
// (fetching the key again once if it fails), check the key belongs to the
// activity's actor.
func (s *Sim) receive(w http.ResponseWriter, r *http.Request, sv *server, inbox string) {
	d := Delivery{Server: sv.index, Inbox: inbox, Time: s.now()}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInboxBody+1))
	if err != nil {
		return
	}
	if len(body) > maxInboxBody {
		s.reject(w, d, nil, RejectTooLarge, "body over 1 MiB", http.StatusRequestEntityTooLarge)
		return
	}
	var act activityHead
	if err := json.Unmarshal(body, &act); err != nil {
		s.reject(w, d, body, RejectBody, "body is not a JSON object: "+err.Error(), http.StatusBadRequest)
		return
	}
	d.Type, d.ID, d.Actor, d.Object = act.Type, act.ID, idOf(act.Actor), idOf(act.Object)
	if d.Actor == "" {
		s.reject(w, d, body, RejectBody, "activity has no actor", http.StatusBadRequest)
		return
	}
	key, reason, err := s.verify(r.Context(), r, body)
	if key != nil {
		d.KeyID = key.id
	} else {
		d.KeyID = signatureKeyID(r)
	}
	if err != nil {
		s.reject(w, d, body, reason, err.Error(), http.StatusUnauthorized)
		return
	}
	if key.owner != d.Actor {
		s.reject(w, d, body, RejectOwner,
			fmt.Sprintf("key %s belongs to %s, not to the actor %s", key.id, key.owner, d.Actor),
			http.StatusUnauthorized)
		return
	}
	d.Verified = true
	d = s.rec.record(d, body)
	s.log.Debug("fedisim: delivery",
		slog.String("inbox", d.Inbox),
		slog.String("type", d.Type),
		slog.String("id", d.ID),
		slog.Bool("duplicate", d.Duplicate))
	w.WriteHeader(http.StatusAccepted)
}

// reject records d as refused for reason and answers status.
func (s *Sim) reject(w http.ResponseWriter, d Delivery, body []byte, reason RejectReason, detail string, status int) {
	d.Reason, d.Detail = reason, detail
	s.rec.record(d, body)
	s.log.Debug("fedisim: delivery rejected",
		slog.String("inbox", d.Inbox),
		slog.String("reason", string(reason)),
		slog.String("detail", detail))
	http.Error(w, string(reason)+": "+detail, status)
}

// activityHead is the part of an activity the inbox reads.
type activityHead struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Actor  json.RawMessage `json:"actor"`
	Object json.RawMessage `json:"object"`
}

// idOf returns a JSON value's id: the string itself, or an object's "id".
func idOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.ID
	}
	return ""
}

// cavageParams are the parameters of a draft-cavage signature header.
type cavageParams struct {
	keyID     string
	algorithm string
	headers   []string
	signature string
	created   int64
}

// signatureValue returns the draft-cavage signature parameters of r:
// the Signature header, or Authorization: Signature.
func signatureValue(r *http.Request) string {
	if v := r.Header.Get("Signature"); v != "" {
		return v
	}
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Signature "); ok {
		return v
	}
	return ""
}

// signatureKeyID is the key id r claims, or "".
func signatureKeyID(r *http.Request) string {
	if r.Header.Get("Signature-Input") != "" {
		return rfcKeyID(r)
	}
	p, err := parseCavage(signatureValue(r))
	if err != nil {
		return ""
	}
	return p.keyID
}

// parseCavage reads name="value" parameters separated by commas; values
// may contain commas inside their quotes.
func parseCavage(v string) (cavageParams, error) {
	var p cavageParams
	seen := map[string]bool{}
	for v = strings.TrimSpace(v); v != ""; {
		name, rest, ok := strings.Cut(v, "=")
		if !ok {
			return p, fmt.Errorf("parameter without value: %q", v)
		}
		name = strings.ToLower(strings.TrimSpace(name))
		rest = strings.TrimLeft(rest, " ")
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return p, fmt.Errorf("unterminated value of %s", name)
			}
			value, rest = rest[1:1+end], rest[2+end:]
		} else {
			value, rest, _ = strings.Cut(rest, ",")
			value = strings.TrimSpace(value)
			rest = "," + rest
		}
		rest = strings.TrimSpace(rest)
		if rest != "" {
			var ok bool
			if rest, ok = strings.CutPrefix(rest, ","); !ok {
				return p, fmt.Errorf("expected a comma after %s", name)
			}
		}
		v = strings.TrimSpace(rest)
		if seen[name] {
			return p, fmt.Errorf("parameter %s given twice", name)
		}
		seen[name] = true
		switch name {
		case "keyid":
			p.keyID = value
		case "algorithm":
			p.algorithm = strings.ToLower(value)
		case "headers":
			p.headers = strings.Fields(strings.ToLower(value))
		case "signature":
			p.signature = value
		case "created":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return p, fmt.Errorf("created %q is not a number", value)
			}
			p.created = n
		}
	}
	if p.keyID == "" {
		return p, errors.New("no keyId")
	}
	if p.signature == "" {
		return p, errors.New("no signature")
	}
	if len(p.headers) == 0 {
		p.headers = []string{"date"}
	}
	return p, nil
}

// verify checks r's signature as Mastodon does, RFC 9421 when the request
// has Signature-Input, else draft-cavage, and returns the key that verified
// it, or why not.
func (s *Sim) verify(ctx context.Context, r *http.Request, body []byte) (*remoteKey, RejectReason, error) {
	if r.Header.Get("Signature-Input") != "" {
		return s.verifyRFC9421(ctx, r, body)
	}
	raw := signatureValue(r)
	if raw == "" {
		return nil, RejectUnsigned, errors.New("no Signature header")
	}
	p, err := parseCavage(raw)
	if err != nil {
		return nil, RejectMalformed, err
	}
	switch p.algorithm {
	case "", "rsa-sha256", "hs2019":
	default:
		return nil, RejectAlgorithm, fmt.Errorf("algorithm %q", p.algorithm)
	}
	required := []string{"(request-target)", "host"}
	if !slices.Contains(p.headers, "(created)") {
		required = append(required, "date")
	}
	if r.Method == http.MethodPost {
		required = append(required, "digest")
	}
	for _, h := range required {
		if !slices.Contains(p.headers, h) {
			return nil, RejectMissingHeader, fmt.Errorf("%s is not signed", h)
		}
	}
	for _, h := range p.headers {
		if strings.HasPrefix(h, "(") || h == "host" {
			continue
		}
		if r.Header.Get(h) == "" {
			return nil, RejectMissingHeader, fmt.Errorf("signed header %s is absent", h)
		}
	}
	now := s.now()
	if slices.Contains(p.headers, "date") {
		t, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return nil, RejectDate, fmt.Errorf("date %q: %w", r.Header.Get("Date"), err)
		}
		if err := inWindow(t, now); err != nil {
			return nil, RejectDate, err
		}
	}
	if slices.Contains(p.headers, "(created)") {
		if p.created == 0 {
			return nil, RejectMalformed, errors.New("(created) signed without a created parameter")
		}
		if err := inWindow(time.Unix(p.created, 0), now); err != nil {
			return nil, RejectDate, err
		}
	}
	if slices.Contains(p.headers, "digest") {
		if err := checkDigest(r.Header.Get("Digest"), body); err != nil {
			return nil, RejectDigest, err
		}
	}

	fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	key, cached, err := s.keys.resolve(fetchCtx, p.keyID, false)
	if err != nil {
		return nil, RejectKeyFetch, err
	}
	reason, err := verifyWith(r, p, key)
	if err != nil && cached && reason == RejectBadSignature {
		// The key may have been rotated: fetch it once more.
		key, _, err = s.keys.resolve(fetchCtx, p.keyID, true)
		if err != nil {
			return nil, RejectKeyFetch, err
		}
		reason, err = verifyWith(r, p, key)
	}
	if err != nil {
		return key, reason, err
	}
	return key, "", nil
}

// verifyWith checks r's signature with key using go-fed/httpsig.
func verifyWith(r *http.Request, p cavageParams, key *remoteKey) (RejectReason, error) {
	var algo gofed.Algorithm
	switch key.key.(type) {
	case *rsa.PublicKey:
		algo = gofed.RSA_SHA256
	case ed25519.PublicKey:
		if p.algorithm != "hs2019" {
			return RejectAlgorithm, fmt.Errorf("algorithm %q with an ed25519 key", p.algorithm)
		}
		algo = gofed.ED25519
	default:
		return RejectAlgorithm, fmt.Errorf("key type %T", key.key)
	}
	v, err := gofed.NewVerifier(r)
	if err != nil {
		return RejectMalformed, err
	}
	if err := v.Verify(key.key, algo); err != nil {
		return RejectBadSignature, err
	}
	return "", nil
}

// inWindow checks a signature date against now.
func inWindow(t, now time.Time) error {
	if t.After(now.Add(maxFuture)) {
		return fmt.Errorf("date %s is more than %s ahead", t.UTC().Format(time.RFC3339), maxFuture)
	}
	if t.Before(now.Add(-maxPast)) {
		return fmt.Errorf("date %s is more than %s old", t.UTC().Format(time.RFC3339), maxPast)
	}
	return nil
}

// checkDigest checks that a Digest header has a SHA-256 equal to body's.
func checkDigest(header string, body []byte) error {
	if header == "" {
		return errors.New("no Digest header")
	}
	for part := range strings.SplitSeq(header, ",") {
		alg, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(alg, "SHA-256") {
			continue
		}
		sum := sha256.Sum256(body)
		if value != base64.StdEncoding.EncodeToString(sum[:]) {
			return errors.New("SHA-256 digest does not match the body")
		}
		return nil
	}
	return fmt.Errorf("digest %q has no SHA-256", header)
}
