package fedisim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SignStyle is how Send signs a request.
type SignStyle int

// The signing styles.
const (
	// Cavage signs draft-cavage style with the actor's RSA key, as
	// Mastodon does: (request-target) host date digest.
	Cavage SignStyle = iota
	// RFC9421RSA signs RFC 9421 style with the actor's RSA key.
	RFC9421RSA
	// RFC9421Ed25519 signs RFC 9421 style with the actor's ed25519 key
	// (Options.Ed25519 must be set).
	RFC9421Ed25519
)

// String names the style as the command line does.
func (st SignStyle) String() string {
	switch st {
	case Cavage:
		return "cavage"
	case RFC9421RSA:
		return "rfc9421-rsa"
	case RFC9421Ed25519:
		return "rfc9421-ed25519"
	}
	return fmt.Sprintf("SignStyle(%d)", int(st))
}

// ParseSignStyle returns the style named s (as String names it).
func ParseSignStyle(s string) (SignStyle, error) {
	for _, st := range []SignStyle{Cavage, RFC9421RSA, RFC9421Ed25519} {
		if st.String() == s {
			return st, nil
		}
	}
	return Cavage, fmt.Errorf("fedisim: unknown signature style %q (want cavage, rfc9421-rsa or rfc9421-ed25519)", s)
}

// Send posts activity to inbox, signed as from in the given style, and
// returns the response status. inbox must be on loopback. A response of
// any status is not an error.
func (s *Sim) Send(ctx context.Context, from *Actor, inbox string, activity map[string]any, style SignStyle) (int, error) {
	req, err := s.newDelivery(ctx, from, inbox, activity, style)
	if err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("fedisim: send to %s: %w", inbox, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// SignedRequest returns the signed POST of activity to inbox that Send
// would send, for a caller that sends it itself, perhaps after changing
// it.
func (s *Sim) SignedRequest(ctx context.Context, from *Actor, inbox string, activity map[string]any, style SignStyle) (*http.Request, error) {
	return s.newDeliveryAt(ctx, from, inbox, activity, style, s.now())
}

// SignedRequestAt is SignedRequest with the signature made at the time at.
func (s *Sim) SignedRequestAt(ctx context.Context, from *Actor, inbox string, activity map[string]any, style SignStyle, at time.Time) (*http.Request, error) {
	return s.newDeliveryAt(ctx, from, inbox, activity, style, at)
}

// SignedGet builds a GET of u as from, signed as servers in secure mode
// require, asking for ActivityStreams JSON.
func (s *Sim) SignedGet(ctx context.Context, from *Actor, u string, style SignStyle) (*http.Request, error) {
	if from == nil {
		return nil, fmt.Errorf("fedisim: get %s: no actor", u)
	}
	if _, err := checkLoopbackURL(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fedisim: get %s: %w", u, err)
	}
	req.Header.Set("Accept", `application/activity+json`)
	req.Header.Set("User-Agent", "fedisim (blogbridge test tool)")
	if err := sign(req, nil, from, style, s.now()); err != nil {
		return nil, err
	}
	return req, nil
}

// newDelivery builds the signed POST of activity to inbox.
func (s *Sim) newDelivery(ctx context.Context, from *Actor, inbox string, activity map[string]any, style SignStyle) (*http.Request, error) {
	return s.newDeliveryAt(ctx, from, inbox, activity, style, s.now())
}

// newDeliveryAt builds the signed POST of activity to inbox, signed at at.
func (s *Sim) newDeliveryAt(ctx context.Context, from *Actor, inbox string, activity map[string]any, style SignStyle, at time.Time) (*http.Request, error) {
	if from == nil {
		return nil, fmt.Errorf("fedisim: send to %s: no actor", inbox)
	}
	if _, err := checkLoopbackURL(inbox); err != nil {
		return nil, err
	}
	body, err := json.Marshal(activity)
	if err != nil {
		return nil, fmt.Errorf("fedisim: encode activity: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fedisim: send to %s: %w", inbox, err)
	}
	req.Header.Set("Content-Type", `application/activity+json`)
	req.Header.Set("Accept", `application/activity+json`)
	req.Header.Set("User-Agent", "fedisim (blogbridge test tool)")
	if err := sign(req, body, from, style, at); err != nil {
		return nil, err
	}
	return req, nil
}

// RemoteActor is what ResolveActor learns of an actor.
type RemoteActor struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	PreferredUsername string `json:"preferredUsername"`
	Inbox             string `json:"inbox"`
	SharedInbox       string `json:"sharedInbox,omitempty"`
	KeyID             string `json:"keyId,omitempty"`
}

// DeliveryInbox is where to deliver to the actor: its shared inbox when it
// has one, else its inbox.
func (a RemoteActor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// ResolveActor fetches the actor at actorURL (on loopback) as
// application/activity+json and returns its id and inboxes.
func (s *Sim) ResolveActor(ctx context.Context, actorURL string) (RemoteActor, error) {
	if _, err := checkLoopbackURL(actorURL); err != nil {
		return RemoteActor{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, actorURL, nil)
	if err != nil {
		return RemoteActor{}, fmt.Errorf("fedisim: resolve %s: %w", actorURL, err)
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := s.client.Do(req)
	if err != nil {
		return RemoteActor{}, fmt.Errorf("fedisim: resolve %s: %w", actorURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return RemoteActor{}, fmt.Errorf("fedisim: resolve %s: %w", actorURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return RemoteActor{}, fmt.Errorf("fedisim: resolve %s: status %d", actorURL, resp.StatusCode)
	}
	var doc struct {
		ID                string `json:"id"`
		Type              string `json:"type"`
		PreferredUsername string `json:"preferredUsername"`
		Inbox             string `json:"inbox"`
		Endpoints         struct {
			SharedInbox string `json:"sharedInbox"`
		} `json:"endpoints"`
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return RemoteActor{}, fmt.Errorf("fedisim: resolve %s: not an actor: %w", actorURL, err)
	}
	if doc.ID == "" || doc.Inbox == "" {
		return RemoteActor{}, fmt.Errorf("fedisim: resolve %s: actor has no id or inbox", actorURL)
	}
	return RemoteActor{
		ID:                doc.ID,
		Type:              doc.Type,
		PreferredUsername: doc.PreferredUsername,
		Inbox:             doc.Inbox,
		SharedInbox:       doc.Endpoints.SharedInbox,
		KeyID:             firstKeyID(doc.PublicKey),
	}, nil
}

// firstKeyID returns the id of a publicKey value: an object or the first
// of an array.
func firstKeyID(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	for _, o := range objects(v) {
		if id, ok := o["id"].(string); ok {
			return id
		}
	}
	return ""
}
