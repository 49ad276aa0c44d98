package activitypub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/time/rate"

	"github.com/blogbridge/blogbridge/internal/httpsig"
	"github.com/blogbridge/blogbridge/store"
)

// MaxInboxBody is the largest activity the inbox reads; larger bodies get
// 413.
const MaxInboxBody = 1 << 20

// Outgoing is an activity to deliver.
type Outgoing struct {
	// ID is the activity's id.
	ID string
	// ObjectID names what the activity is about; for one inbox, an
	// activity is never delivered before an earlier one about the same
	// object.
	ObjectID string
	// Body is the activity as JSON, unsigned.
	Body []byte
}

// Deliverer sends activities to other servers' inboxes, durably: once
// Deliver returns nil, the activity will be delivered even across a
// restart. The store changes with are made in the same transaction as the
// activity is queued in, all or none, so that a follower is never stored
// without its Accept queued, nor the other way round.
type Deliverer interface {
	Deliver(ctx context.Context, a Outgoing, inboxes []string, with ...store.Change) error
}

// InboxLimits bound what one remote server may send.
type InboxLimits struct {
	// PerHost is how many activities a second one server may send (default
	// 100), with bursts of Burst (default 4 × PerHost).
	PerHost float64
	Burst   int
}

// inbox is the state of the handler's inbox.
type inbox struct {
	verifier *httpsig.Verifier
	resolver *keyResolver
	deliver  Deliverer
	limits   InboxLimits
	policy   *bluemonday.Policy

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	handling map[string]chan struct{} // activity id → closed when handled
}

// newInbox sets up the inbox: the key resolver and verifier over the
// outbound client, the rate limits and the policy replies are sanitised
// with.
func (h *Handler) newInbox(opts Options) *inbox {
	f := &fetcher{client: opts.Client, keyID: h.KeyID, key: h.signer, now: h.now}
	res := newKeyResolver(f, h.store, h.now, h.logger)
	limits := opts.InboxLimits
	if limits.PerHost <= 0 {
		limits.PerHost = 100
	}
	if limits.Burst <= 0 {
		limits.Burst = int(4 * limits.PerHost)
	}
	return &inbox{
		verifier: httpsig.NewVerifier(res, httpsig.VerifierOptions{Now: h.now}),
		resolver: res,
		deliver:  opts.Deliverer,
		limits:   limits,
		policy:   bluemonday.UGCPolicy(),
		limiters: make(map[string]*rate.Limiter),
		handling: make(map[string]chan struct{}),
	}
}

// maxLimiters bounds the per-host limiters kept; when full they start
// afresh.
const maxLimiters = 100_000

// allow reports whether host may send another activity now, and if not,
// how long it should wait.
func (in *inbox) allow(host string, now time.Time) (bool, time.Duration) {
	in.mu.Lock()
	l, ok := in.limiters[host]
	if !ok {
		if len(in.limiters) >= maxLimiters {
			clear(in.limiters)
		}
		l = rate.NewLimiter(rate.Limit(in.limits.PerHost), in.limits.Burst)
		in.limiters[host] = l
	}
	in.mu.Unlock()
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// inboxError is a request the inbox refuses, with the status and the
// message the sender sees.
type inboxError struct {
	status int
	msg    string
	// retryAfter, for 429.
	retryAfter time.Duration
}

func (e *inboxError) Error() string { return strconv.Itoa(e.status) + " " + e.msg }

func refuse(status int, format string, args ...any) *inboxError {
	return &inboxError{status: status, msg: fmt.Sprintf(format, args...)}
}

// serveInbox receives an activity for the personal or the shared inbox. In
// order: the content type; the block list and the rate limit of the
// signing server, from the claimed key id, before any work; the body,
// capped; the JSON; the signature, whose key is fetched once more when it
// fails; the key's owner against the activity's actor; replays; then the
// activity by type. What is not understood is accepted and ignored.
func (h *Handler) serveInbox(w http.ResponseWriter, r *http.Request, idx *index) {
	if h.inbox == nil {
		h.writeJSONError(w, r, http.StatusServiceUnavailable, "this server does not accept activities")
		return
	}
	a, err := h.receive(r)
	if err == errIgnored {
		w.Header()["Cache-Control"] = h.hdrNoStore
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if err != nil {
		var ie *inboxError
		if !errors.As(err, &ie) {
			h.writeError(w, r, http.StatusInternalServerError, err)
			return
		}
		h.logger.LogAttrs(r.Context(), slog.LevelDebug, "activitypub: inbox refused an activity",
			slog.Int("status", ie.status), slog.String("reason", ie.msg), slog.String("remote_addr", r.RemoteAddr))
		if ie.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(ie.retryAfter/time.Second)+1))
		}
		h.writeJSONError(w, r, ie.status, ie.msg)
		return
	}
	switch err := h.handleOnce(r.Context(), idx, a); {
	case errors.Is(err, store.ErrBlocked):
		h.writeJSONError(w, r, http.StatusForbidden, "blocked")
		return
	case err != nil:
		var ie *inboxError
		if errors.As(err, &ie) {
			h.writeJSONError(w, r, ie.status, ie.msg)
			return
		}
		h.writeError(w, r, http.StatusInternalServerError, err)
		return
	}
	w.Header()["Cache-Control"] = h.hdrNoStore
	w.WriteHeader(http.StatusAccepted)
}

// handleOnce acts on a verified activity unless it was handled before. The
// activity is recorded as seen only once what it does is stored (with it,
// in one transaction, where the handler can), so a crash or an error in
// between leaves it to the sender's retry, which handles it again:
// handling is idempotent. Deliveries of one activity at the same time are
// handled one after the other, so the later ones find it seen.
func (h *Handler) handleOnce(ctx context.Context, idx *index, a *remoteActivity) error {
	release, err := h.inbox.claim(ctx, a.ID)
	if err != nil {
		return err
	}
	defer release()
	if seen, err := h.store.Seen(ctx, a.ID); err != nil || seen {
		return err
	}
	mark := &seenMark{change: store.MarkSeenChange(a.ID, h.now(), nil)}
	switch err := h.handleActivity(ctx, idx, a, mark); {
	case errors.Is(err, store.ErrNotOwner):
		// Another actor's reply or reaction: ignored.
	case err != nil:
		return err
	}
	if mark.taken {
		return nil
	}
	return h.store.Apply(ctx, mark.change)
}

// seenMark is the record that an activity was handled. A handler whose
// work ends in one write takes the mark into it; else handleOnce writes it
// after the handler returns.
type seenMark struct {
	change store.Change
	taken  bool
}

// take returns the mark's change, for a write that will fail the handling
// if it fails, and leaves the mark to that write. A nil mark, for work
// outside the inbox, gives nothing.
func (m *seenMark) take() []store.Change {
	if m == nil {
		return nil
	}
	m.taken = true
	return []store.Change{m.change}
}

// claim waits until no other request is handling the activity with the id,
// then makes the caller the one that does, until it calls release.
func (in *inbox) claim(ctx context.Context, id string) (release func(), err error) {
	for {
		in.mu.Lock()
		busy, taken := in.handling[id]
		if !taken {
			done := make(chan struct{})
			in.handling[id] = done
			in.mu.Unlock()
			return func() {
				in.mu.Lock()
				delete(in.handling, id)
				in.mu.Unlock()
				close(done)
			}, nil
		}
		in.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// receive reads and verifies the activity of r. It returns errIgnored for
// a Delete of an actor this blog does not know, which is accepted and
// ignored.
func (h *Handler) receive(r *http.Request) (*remoteActivity, error) {
	ctx := r.Context()
	if !isActivityContentType(r.Header.Get("Content-Type")) {
		return nil, refuse(http.StatusUnsupportedMediaType, "send application/activity+json or application/ld+json")
	}
	keyID, err := httpsig.KeyID(r)
	if err != nil {
		return nil, refuse(http.StatusUnauthorized, "a valid HTTP signature is required: %v", err)
	}
	keyHost, ok := urlHost(keyID)
	if !ok {
		return nil, refuse(http.StatusUnauthorized, "the signature's keyId must be an http(s) URL")
	}
	if h.store.Blocked(keyID) {
		return nil, refuse(http.StatusForbidden, "blocked")
	}
	if ok, wait := h.inbox.allow(keyHost, h.now()); !ok {
		e := refuse(http.StatusTooManyRequests, "too many activities from %s; retry later", keyHost)
		e.retryAfter = wait
		return nil, e
	}
	if r.ContentLength > MaxInboxBody {
		return nil, refuse(http.StatusRequestEntityTooLarge, "activities are limited to %d bytes", MaxInboxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxInboxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, refuse(http.StatusRequestEntityTooLarge, "activities are limited to %d bytes", MaxInboxBody)
		}
		return nil, refuse(http.StatusBadRequest, "could not read the body: %v", err)
	}
	a, err := parseActivity(body)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%v", strings.TrimPrefix(err.Error(), "activitypub: "))
	}
	if h.store.Blocked(a.Actor) {
		return nil, refuse(http.StatusForbidden, "blocked")
	}
	if a.Type == "Delete" && a.Object.ID == a.Actor {
		if _, known, err := h.store.Follower(ctx, a.Actor); err != nil {
			return nil, err
		} else if !known {
			// Servers announce a deleted account to every server they know;
			// fetching the key of an actor never seen is wasted work.
			return nil, errIgnored
		}
	}
	key, err := h.inbox.verifier.Verify(ctx, r, body)
	if err != nil {
		if a.Type == "Delete" && a.Object.ID == a.Actor && errors.Is(err, errRemoteGone) {
			// The account is gone and its key with it: that is the news.
			return a, nil
		}
		return nil, refuse(http.StatusUnauthorized, "signature: %v", strings.TrimPrefix(err.Error(), "httpsig: "))
	}
	if key.Owner != a.Actor {
		return nil, refuse(http.StatusUnauthorized, "the signing key belongs to %s, not to the activity's actor %s", key.Owner, a.Actor)
	}
	return a, nil
}

// errIgnored is the result of receive for an activity accepted without
// being acted on.
var errIgnored = &inboxError{status: http.StatusAccepted, msg: "accepted"}

// isActivityContentType reports whether ct is a JSON-LD type activities
// are sent as.
func isActivityContentType(ct string) bool {
	mt, params := parseMediaRange(ct)
	switch mt {
	case mediaActivity, "application/json":
		return true
	case "application/ld+json":
		return hasActivityProfile(params) || params["profile"] == ""
	}
	return false
}

// handleActivity acts on a verified activity.
func (h *Handler) handleActivity(ctx context.Context, idx *index, a *remoteActivity, mark *seenMark) error {
	switch a.Type {
	case "Follow":
		return h.onFollow(ctx, idx, a, mark)
	case "Undo":
		return h.onUndo(ctx, a)
	case "Delete":
		return h.onDelete(ctx, a)
	case "Block":
		if a.Object.ID == idx.urls.actor {
			return h.removeFollower(ctx, a.Actor)
		}
	case "Like", "Announce":
		return h.onReaction(ctx, idx, a)
	case "Create", "Update":
		return h.onReply(ctx, idx, a)
	}
	return nil
}

// onFollow records a follower of the blog and accepts the follow.
func (h *Handler) onFollow(ctx context.Context, idx *index, a *remoteActivity, mark *seenMark) error {
	if a.Object.ID != idx.urls.actor {
		return nil
	}
	actor, err := h.remoteActor(ctx, a.Actor)
	if err != nil {
		return err
	}
	f := store.Follower{ActorID: a.Actor, Inbox: actor.Inbox, SharedInbox: actor.SharedInbox,
		FollowID: a.ID, Since: h.now().UTC()}
	if h.cfg.ManuallyApprovesFollowers {
		if _, following, err := h.store.Follower(ctx, a.Actor); err != nil || !following {
			if err != nil {
				return err
			}
			// The writer approves it, or not, with blogbridge followers.
			return h.store.AddFollowRequest(ctx, f)
		}
	}
	return h.acceptFollow(ctx, idx.urls, f, mark)
}

// acceptFollow makes f a follower and sends the Accept of its follow, in
// one transaction with the Follow's mark, when there is one.
func (h *Handler) acceptFollow(ctx context.Context, u actorURLs, f store.Follower, mark *seenMark) error {
	with := append([]store.Change{store.AddFollowerChange(f, nil)}, mark.take()...)
	if err := h.answerFollow(ctx, u, f, true, with...); err != nil {
		return err
	}
	h.FollowersChanged()
	return nil
}

// answerFollow sends the Accept, or the Reject, of f's follow to f, making
// the changes with in the same transaction.
func (h *Handler) answerFollow(ctx context.Context, u actorURLs, f store.Follower, accept bool, with ...store.Change) error {
	body, err := toJSON(followToAnswer(u, f, accept))
	if err != nil {
		return err
	}
	out := Outgoing{ID: answerID(u, f.FollowID, accept), ObjectID: f.FollowID, Body: body}
	return h.inbox.deliver.Deliver(ctx, out, []string{f.Inbox}, with...)
}

// ErrNoFollowRequest is returned by ApproveFollower and RejectFollower for
// an actor without a pending follow request.
var ErrNoFollowRequest = store.ErrNoFollowRequest

// ApproveFollower accepts the pending follow request of actor: it becomes
// a follower and is sent the Accept.
func (h *Handler) ApproveFollower(ctx context.Context, actor string) error {
	return h.answerRequest(ctx, actor, true)
}

// RejectFollower turns down the pending follow request of actor, and
// tells its server.
func (h *Handler) RejectFollower(ctx context.Context, actor string) error {
	return h.answerRequest(ctx, actor, false)
}

// SendAnswers sends the answers to follow requests given while serve was
// stopped (store.AnswerFollowRequest), as ApproveFollower and
// RejectFollower would have. An answer that fails is logged and the others
// are still sent; the error is for reading the requests.
func (h *Handler) SendAnswers(ctx context.Context) error {
	reqs, err := h.store.FollowRequests(ctx)
	if err != nil {
		return err
	}
	for _, f := range reqs {
		if f.Answer == "" {
			continue
		}
		if err := h.answerRequest(ctx, f.ActorID, f.Answer == store.AnswerApprove); err != nil {
			h.logger.Error("sending the answer to a follow request failed",
				slog.String("actor", f.ActorID), slog.String("answer", f.Answer), slog.String("error", err.Error()))
			continue
		}
		h.logger.Info("sent the answer to a follow request given while serve was stopped",
			slog.String("actor", f.ActorID), slog.String("answer", f.Answer))
	}
	return nil
}

func (h *Handler) answerRequest(ctx context.Context, actor string, accept bool) error {
	if h.inbox == nil {
		return errors.New("activitypub: the inbox is off")
	}
	idx, err := h.current(ctx)
	if err != nil {
		return err
	}
	f, ok, err := h.store.TakeFollowRequest(ctx, actor)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoFollowRequest, actor)
	}
	f.Answer = ""
	if accept {
		return h.acceptFollow(ctx, idx.urls, f, nil)
	}
	return h.answerFollow(ctx, idx.urls, f, false)
}

// followToAnswer is the Accept (or Reject) of f's Follow.
func followToAnswer(u actorURLs, f store.Follower, accept bool) vocab.Type {
	follow := streams.NewActivityStreamsFollow()
	setID(follow, mustURL(f.FollowID))
	follow.SetActivityStreamsActor(actorOf(mustURL(f.ActorID)))
	follow.SetActivityStreamsObject(objectOf(mustURL(u.actor)))
	op := streams.NewActivityStreamsObjectProperty()
	op.AppendActivityStreamsFollow(follow)
	id, actor, to := mustURL(answerID(u, f.FollowID, accept)), actorOf(mustURL(u.actor)), toOf(mustURL(f.ActorID))
	if !accept {
		rej := streams.NewActivityStreamsReject()
		setID(rej, id)
		rej.SetActivityStreamsActor(actor)
		rej.SetActivityStreamsTo(to)
		rej.SetActivityStreamsObject(op)
		return rej
	}
	acc := streams.NewActivityStreamsAccept()
	setID(acc, id)
	acc.SetActivityStreamsActor(actor)
	acc.SetActivityStreamsTo(to)
	acc.SetActivityStreamsObject(op)
	return acc
}

// answerID is the id of the Accept (or Reject) of the follow with id
// followID: stable, so answering the same follow twice sends the same
// activity.
func answerID(u actorURLs, followID string, accept bool) string {
	sum := sha256.Sum256([]byte(followID))
	kind := "#accepts/"
	if !accept {
		kind = "#rejects/"
	}
	return u.actor + kind + hex.EncodeToString(sum[:12])
}

// remoteActor returns a remote actor's inboxes, from the store when it
// was fetched recently, else fetched now.
func (h *Handler) remoteActor(ctx context.Context, id string) (store.RemoteActor, error) {
	if ra, ok := h.inbox.resolver.actor(id); ok && h.now().Sub(ra.Fetched) < keyMaxAge {
		return ra, nil
	}
	ra, ok, err := h.store.RemoteActor(ctx, id)
	if err != nil {
		return ra, err
	}
	if ok && h.now().Sub(ra.Fetched) < keyMaxAge {
		return ra, nil
	}
	body, err := h.inbox.resolver.fetch.get(ctx, id)
	if err != nil {
		return ra, refuse(http.StatusBadRequest, "the actor %s could not be fetched: %v", id, err)
	}
	var doc remoteActorDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return ra, refuse(http.StatusBadRequest, "the actor %s is not JSON", id)
	}
	ra, err = docToRemoteActor(&doc, id, h.now().UTC())
	if err != nil {
		return ra, refuse(http.StatusBadRequest, "%v", err)
	}
	h.inbox.resolver.rememberActor(ra)
	return ra, h.store.PutRemoteActor(ctx, ra)
}

// docToRemoteActor reads the inboxes of the actor id from its document:
// the inbox must be on the actor's server; a shared inbox elsewhere is
// dropped.
func docToRemoteActor(doc *remoteActorDoc, id string, now time.Time) (store.RemoteActor, error) {
	host, ok := urlHost(id)
	if !ok || doc.ID != id {
		return store.RemoteActor{}, fmt.Errorf("the document at %s is not that actor", id)
	}
	if !sameHost(host, doc.Inbox) {
		return store.RemoteActor{}, fmt.Errorf("the actor %s has no inbox on its server", id)
	}
	ra := store.RemoteActor{ID: id, Inbox: doc.Inbox, SharedInbox: doc.Endpoints.SharedInbox,
		PreferredUsername: doc.PreferredUsername, Fetched: now}
	if !sameHost(host, ra.SharedInbox) {
		ra.SharedInbox = ""
	}
	return ra, nil
}

// sameHost reports whether the URL u is on host.
func sameHost(host, u string) bool {
	h, ok := urlHost(u)
	return ok && h == host
}

// onUndo takes back a follow or a reaction.
func (h *Handler) onUndo(ctx context.Context, a *remoteActivity) error {
	obj := a.Object
	if obj.Actor != "" && obj.Actor != a.Actor {
		return nil // one cannot undo another's activity
	}
	switch obj.Type {
	case "Follow":
		return h.removeFollower(ctx, a.Actor)
	case "":
		// Only the id: it is the follow, or a reaction.
		f, ok, err := h.store.Follower(ctx, a.Actor)
		if err != nil {
			return err
		}
		if ok && f.FollowID == obj.ID {
			return h.removeFollower(ctx, a.Actor)
		}
	}
	_, err := h.store.DeleteInteraction(ctx, obj.ID, a.Actor)
	return err
}

// onDelete removes a deleted actor, or a deleted reply.
func (h *Handler) onDelete(ctx context.Context, a *remoteActivity) error {
	if a.Object.ID == a.Actor {
		if err := h.removeFollower(ctx, a.Actor); err != nil {
			return err
		}
		_, err := h.store.DeleteInteractionsByActor(ctx, a.Actor)
		return err
	}
	_, err := h.store.DeleteInteraction(ctx, a.Object.ID, a.Actor)
	return err
}

// removeFollower removes actor from the followers, and its follow request.
func (h *Handler) removeFollower(ctx context.Context, actor string) error {
	if _, _, err := h.store.TakeFollowRequest(ctx, actor); err != nil {
		return err
	}
	removed, err := h.store.RemoveFollower(ctx, actor)
	if removed {
		h.FollowersChanged()
	}
	return err
}

// onReaction records a Like or Announce of one of the blog's posts.
func (h *Handler) onReaction(ctx context.Context, idx *index, a *remoteActivity) error {
	object, ok := h.ourObject(idx, a.Object.ID)
	if !ok || !sameHost(mustHost(a.Actor), a.ID) {
		return nil
	}
	return h.store.PutInteraction(ctx, store.Interaction{
		ID: a.ID, Type: strings.ToLower(a.Type), Actor: a.Actor, Object: object,
		Published: h.now().UTC(),
	})
}

// onReply records a reply to one of the blog's posts (Create), or its
// edit (Update).
func (h *Handler) onReply(ctx context.Context, idx *index, a *remoteActivity) error {
	obj := a.Object
	if obj.InReplyTo == "" || obj.AttributedTo != a.Actor || !sameHost(mustHost(a.Actor), obj.ID) {
		return nil
	}
	object, ok := h.ourObject(idx, obj.InReplyTo)
	if !ok {
		return nil
	}
	published := obj.Published
	if published.IsZero() {
		published = h.now().UTC()
	}
	in := store.Interaction{
		ID: obj.ID, Type: "reply", Actor: a.Actor, Object: object,
		Content: h.inbox.policy.Sanitize(obj.Content), Published: published,
	}
	if isHTTPURL(obj.URL) {
		in.URL = obj.URL
	}
	if a.Type == "Update" {
		in.Updated = obj.Updated
		if in.Updated.IsZero() {
			in.Updated = h.now().UTC()
		}
	}
	return h.store.PutInteraction(ctx, in)
}

// ourObject returns the object id of the blog's post that ref names, by
// object id or by permalink, and whether it is one.
func (h *Handler) ourObject(idx *index, ref string) (string, bool) {
	if id, ok := strings.CutPrefix(ref, idx.urls.posts); ok {
		if _, live := idx.byID[id]; live {
			return ref, true
		}
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil || !strings.EqualFold(u.Host, idx.servingHost) {
		return "", false
	}
	if e := idx.byPath[u.Path]; e != nil {
		return idx.urls.object(e.id), true
	}
	return "", false
}

// mustHost returns the host of a URL already checked to be one.
func mustHost(u string) string {
	h, _ := urlHost(u)
	return h
}
