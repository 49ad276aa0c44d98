package activitypub

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
	"github.com/blogbridge/blogbridge/internal/httpsig"
	"github.com/blogbridge/blogbridge/internal/outbound"
	"github.com/blogbridge/blogbridge/store"
)

// recordingDeliverer keeps what the handler asks to deliver, making the
// store changes that come with it as the delivery queue does.
type recordingDeliverer struct {
	store *store.Store
	mu    sync.Mutex
	sent  []sentActivity
	// before, when set, runs first; its error fails the delivery.
	before func(Outgoing) error
}

type sentActivity struct {
	Outgoing
	inboxes []string
}

func (d *recordingDeliverer) Deliver(ctx context.Context, a Outgoing, inboxes []string, with ...store.Change) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.before != nil {
		if err := d.before(a); err != nil {
			return err
		}
	}
	if err := d.store.Apply(ctx, with...); err != nil {
		return err
	}
	d.sent = append(d.sent, sentActivity{a, append([]string(nil), inboxes...)})
	return nil
}

func (d *recordingDeliverer) all() []sentActivity {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]sentActivity(nil), d.sent...)
}

// inboxFixture is a handler with its inbox on, served on loopback, and a
// simulated fediverse to send to it.
type inboxFixture struct {
	*fixture
	sim     *fedisim.Sim
	deliver *recordingDeliverer
	url     string // the server's URL
	inbox   string // the shared inbox URL
	actor   string // the blog's actor id
}

func newInboxFixture(t *testing.T, client outbound.Options, simOpts fedisim.Options, cfg ...Config) *inboxFixture {
	t.Helper()
	if simOpts.Now == nil {
		simOpts.Now = func() time.Time { return testNow }
	}
	sim, err := fedisim.Start(t.Context(), simOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	d := &recordingDeliverer{}
	var c Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	f := newFixture(t, c, func(o *Options) {
		o.Client = outbound.New(client)
		o.Deliverer = d
	})
	d.store = f.store
	srv := httptest.NewServer(f.srv)
	t.Cleanup(srv.Close)
	idx, err := f.h.current(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return &inboxFixture{fixture: f, sim: sim, deliver: d, url: srv.URL,
		inbox: srv.URL + idx.basePath + pathSharedInbox, actor: idx.urls.actor}
}

// send sends activity from the actor to the blog's shared inbox and
// checks the status.
func (fx *inboxFixture) send(from *fedisim.Actor, activity map[string]any, style fedisim.SignStyle, want int) {
	fx.t.Helper()
	status, err := fx.sim.Send(fx.t.Context(), from, fx.inbox, activity, style)
	if err != nil {
		fx.t.Fatal(err)
	}
	if status != want {
		fx.t.Fatalf("%s: status %d, want %d", activity["type"], status, want)
	}
}

// sent returns what the inbox handed to the deliverer, in order, as
// "TYPE to INBOX".
func (fx *inboxFixture) sent() []string {
	var out []string
	for _, s := range fx.deliver.all() {
		var a struct{ Type string }
		json.Unmarshal(s.Body, &a)
		out = append(out, a.Type+" to "+s.inboxes[0])
	}
	return out
}

func (fx *inboxFixture) followers() []store.Follower {
	fx.t.Helper()
	fs, err := fx.store.Followers(fx.t.Context())
	if err != nil {
		fx.t.Fatal(err)
	}
	return fs
}

func TestInboxFollowAcceptUndo(t *testing.T) {
	for _, style := range []fedisim.SignStyle{fedisim.Cavage, fedisim.RFC9421RSA, fedisim.RFC9421Ed25519} {
		t.Run(style.String(), func(t *testing.T) {
			fx := newInboxFixture(t, outbound.Options{AllowPrivate: true},
				fedisim.Options{Servers: 1, ActorsPerServer: 1, Keys: 1, Ed25519: true})
			alice := fx.sim.Actors()[0]

			follow := fx.sim.Follow(alice, fx.actor)
			fx.send(alice, follow, style, http.StatusAccepted)
			fs := fx.followers()
			if len(fs) != 1 || fs[0].ActorID != alice.ID || fs[0].Inbox != alice.Inbox ||
				fs[0].SharedInbox != alice.SharedInbox || fs[0].FollowID != follow["id"] {
				t.Fatalf("followers = %+v, want alice with her inboxes and the follow id", fs)
			}
			sent := fx.deliver.all()
			if len(sent) != 1 || len(sent[0].inboxes) != 1 || sent[0].inboxes[0] != alice.Inbox {
				t.Fatalf("delivered %+v, want one Accept to alice's inbox", sent)
			}
			var accept struct {
				Type   string `json:"type"`
				Actor  string `json:"actor"`
				Object struct {
					ID, Type, Actor, Object string
				} `json:"object"`
			}
			if err := json.Unmarshal(sent[0].Body, &accept); err != nil {
				t.Fatal(err)
			}
			if accept.Type != "Accept" || accept.Actor != fx.actor || accept.Object.ID != follow["id"] ||
				accept.Object.Type != "Follow" || accept.Object.Actor != alice.ID || accept.Object.Object != fx.actor {
				t.Fatalf("accept = %+v", accept)
			}

			// A second Follow (a new id) changes nothing but the follow id.
			again := fx.sim.Follow(alice, fx.actor)
			fx.send(alice, again, style, http.StatusAccepted)
			if fs := fx.followers(); len(fs) != 1 || fs[0].FollowID != again["id"] {
				t.Fatalf("after a second follow: %+v", fs)
			}

			fx.send(alice, fx.sim.Undo(alice, again), style, http.StatusAccepted)
			if fs := fx.followers(); len(fs) != 0 {
				t.Fatalf("after undo: %+v", fs)
			}
		})
	}
}

// newFollowFixture is an inbox fixture with one simulated actor, alice,
// and her Follow of the blog, not sent yet.
func newFollowFixture(t *testing.T) (*inboxFixture, *fedisim.Actor, map[string]any) {
	t.Helper()
	fx := newInboxFixture(t, outbound.Options{AllowPrivate: true}, fedisim.Options{Keys: 1})
	alice := fx.sim.Actors()[0]
	return fx, alice, fx.sim.Follow(alice, fx.actor)
}

func TestInboxIgnoresReplays(t *testing.T) {
	fx, alice, follow := newFollowFixture(t)
	fx.send(alice, follow, fedisim.Cavage, http.StatusAccepted)
	fx.send(alice, fx.sim.Undo(alice, follow), fedisim.Cavage, http.StatusAccepted)
	// The same Follow again, freshly signed: its id was seen.
	fx.send(alice, follow, fedisim.Cavage, http.StatusAccepted)
	if fs := fx.followers(); len(fs) != 0 {
		t.Fatalf("a replayed follow was acted on: %+v", fs)
	}
	if n := len(fx.deliver.all()); n != 1 {
		t.Fatalf("%d accepts sent, want 1", n)
	}
}

// TestInboxSeenAfterHandling checks that an activity counts as seen only
// once what it does is stored: a failure (or a crash) before that leaves
// it to the sender's retry.
func TestInboxSeenAfterHandling(t *testing.T) {
	fx, alice, follow := newFollowFixture(t)
	followID := follow["id"].(string)
	calls := 0
	fx.deliver.before = func(Outgoing) error {
		calls++
		if seen, err := fx.store.Seen(t.Context(), followID); err != nil || seen {
			t.Errorf("call %d: the Follow was seen (%v, %v) before its Accept was queued", calls, seen, err)
		}
		if calls == 1 {
			return errors.New("the queue is down")
		}
		return nil
	}
	fx.send(alice, follow, fedisim.Cavage, http.StatusInternalServerError)
	if fs := fx.followers(); len(fs) != 0 {
		t.Errorf("followers %+v after the Accept failed to queue, want none: a follow is all or nothing", fs)
	}
	fx.send(alice, follow, fedisim.Cavage, http.StatusAccepted) // the retry
	fx.send(alice, follow, fedisim.Cavage, http.StatusAccepted) // a replay
	if got := fx.sent(); len(got) != 1 {
		t.Errorf("sent %q, want one Accept", got)
	}
	if fs := fx.followers(); len(fs) != 1 {
		t.Errorf("followers %+v, want alice", fs)
	}
}

// TestInboxConcurrentDuplicates sends one Follow several times at once:
// one delivery handles it, the others find it seen.
func TestInboxConcurrentDuplicates(t *testing.T) {
	fx, alice, follow := newFollowFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			status, err := fx.sim.Send(t.Context(), alice, fx.inbox, follow, fedisim.Cavage)
			if err != nil || status != http.StatusAccepted {
				t.Errorf("Follow: %d, %v; want 202", status, err)
			}
		})
	}
	wg.Wait()
	if got := fx.sent(); len(got) != 1 {
		t.Errorf("sent %q, want one Accept", got)
	}
}

func TestInboxInteractions(t *testing.T) {
	fx := newInboxFixture(t, outbound.Options{AllowPrivate: true}, fedisim.Options{ActorsPerServer: 2, Keys: 1})
	alice, bob := fx.sim.Actors()[0], fx.sim.Actors()[1]
	idx, err := fx.h.current(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	post := idx.entries[0]
	object := post.post.id.String()
	ctx := t.Context()

	like := fx.sim.Like(alice, object)
	fx.send(alice, like, fedisim.Cavage, http.StatusAccepted)
	fx.send(bob, fx.sim.Announce(bob, post.post.page.Permalink), fedisim.Cavage, http.StatusAccepted) // by permalink
	reply := fx.sim.Reply(bob, object, `<p>Great talk!</p><script>alert(1)</script>`)
	fx.send(bob, reply, fedisim.Cavage, http.StatusAccepted)
	// Not about our posts: ignored.
	fx.send(alice, fx.sim.Like(alice, "https://elsewhere.example/notes/1"), fedisim.Cavage, http.StatusAccepted)

	likes, announces, replies, err := fx.store.InteractionCounts(ctx, object)
	if err != nil {
		t.Fatal(err)
	}
	if likes != 1 || announces != 1 || replies != 1 {
		t.Fatalf("likes, announces, replies = %d, %d, %d; want 1 each", likes, announces, replies)
	}
	ins, err := fx.store.Interactions(ctx, object)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.Type == "reply" && (strings.Contains(in.Content, "script") || !strings.Contains(in.Content, "Great talk!")) {
			t.Fatalf("reply content not sanitised: %q", in.Content)
		}
	}

	// Someone else cannot undo alice's like.
	undo := fx.sim.Undo(bob, like)
	undo["object"].(map[string]any)["actor"] = alice.ID
	fx.send(bob, undo, fedisim.Cavage, http.StatusAccepted)
	fx.send(alice, fx.sim.Undo(alice, like), fedisim.Cavage, http.StatusAccepted)
	// Bob deletes his account: his announce and reply go.
	fx.send(bob, fx.sim.Follow(bob, fx.actor), fedisim.Cavage, http.StatusAccepted)
	fx.send(bob, fx.sim.DeleteActor(bob), fedisim.Cavage, http.StatusAccepted)
	likes, announces, replies, err = fx.store.InteractionCounts(ctx, object)
	if err != nil {
		t.Fatal(err)
	}
	if likes+announces+replies != 0 {
		t.Fatalf("after undo and delete: likes, announces, replies = %d, %d, %d", likes, announces, replies)
	}
	if fs := fx.followers(); len(fs) != 0 {
		t.Fatalf("a deleted actor is still a follower: %+v", fs)
	}
}

// storeState is what the rejection tests compare: nothing a refused
// request could have written.
type storeState struct {
	followers, keys int
	seenFirst       bool
}

func (fx *inboxFixture) state(activityID string, keyIDs ...string) storeState {
	fx.t.Helper()
	ctx := fx.t.Context()
	n, err := fx.store.FollowerCount(ctx)
	if err != nil {
		fx.t.Fatal(err)
	}
	st := storeState{followers: n}
	for _, k := range keyIDs {
		if _, ok, err := fx.store.RemoteKey(ctx, k); err != nil {
			fx.t.Fatal(err)
		} else if ok {
			st.keys++
		}
	}
	return st
}

func TestInboxRejects(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	type request struct {
		keyID  string
		body   []byte
		header http.Header
	}
	cases := []struct {
		name string
		// make builds the request from a Follow by alice, signed by sign.
		make func(fx *inboxFixture, alice, bob *fedisim.Actor) (*http.Request, []string)
		want int
	}{
		{"no signature", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			return fx.post(fx.sim.Follow(alice, fx.actor), nil, ""), nil
		}, http.StatusUnauthorized},
		{"forged signature", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			// Signed with another key under alice's key id.
			return fx.post(fx.sim.Follow(alice, fx.actor), other, alice.KeyID), nil
		}, http.StatusUnauthorized},
		{"key of another actor", func(fx *inboxFixture, alice, bob *fedisim.Actor) (*http.Request, []string) {
			r, err := fx.sim.SignedRequest(fx.t.Context(), bob, fx.inbox, fx.sim.Follow(alice, fx.actor), fedisim.Cavage)
			if err != nil {
				fx.t.Fatal(err)
			}
			return r, nil
		}, http.StatusUnauthorized},
		{"digest mismatch", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			r, err := fx.sim.SignedRequest(fx.t.Context(), alice, fx.inbox, fx.sim.Follow(alice, fx.actor), fedisim.Cavage)
			if err != nil {
				fx.t.Fatal(err)
			}
			body := bytes.Replace(readAll(fx.t, r), []byte("Follow"), []byte("Folloq"), 1)
			setBody(r, body)
			return r, nil
		}, http.StatusUnauthorized},
		{"stale date", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			return fx.postAt(fx.sim.Follow(alice, fx.actor), alice, testNow.Add(-2*time.Hour)), nil
		}, http.StatusUnauthorized},
		{"future date", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			return fx.postAt(fx.sim.Follow(alice, fx.actor), alice, testNow.Add(2*time.Hour)), nil
		}, http.StatusUnauthorized},
		{"oversize", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			a := fx.sim.Follow(alice, fx.actor)
			a["padding"] = strings.Repeat("x", MaxInboxBody)
			r, err := fx.sim.SignedRequest(fx.t.Context(), alice, fx.inbox, a, fedisim.Cavage)
			if err != nil {
				fx.t.Fatal(err)
			}
			return r, nil
		}, http.StatusRequestEntityTooLarge},
		{"not JSON", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			r := fx.post(fx.sim.Follow(alice, fx.actor), other, alice.KeyID)
			setBody(r, []byte("{not json"))
			return r, nil
		}, http.StatusBadRequest},
		{"wrong content type", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			r, err := fx.sim.SignedRequest(fx.t.Context(), alice, fx.inbox, fx.sim.Follow(alice, fx.actor), fedisim.Cavage)
			if err != nil {
				fx.t.Fatal(err)
			}
			r.Header.Set("Content-Type", "text/plain")
			return r, nil
		}, http.StatusUnsupportedMediaType},
		{"blocked domain", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			if err := fx.store.AddBlock(fx.t.Context(), store.Block{Domain: "127.0.0.1"}); err != nil {
				fx.t.Fatal(err)
			}
			r, err := fx.sim.SignedRequest(fx.t.Context(), alice, fx.inbox, fx.sim.Follow(alice, fx.actor), fedisim.Cavage)
			if err != nil {
				fx.t.Fatal(err)
			}
			return r, nil
		}, http.StatusForbidden},
		{"blocked actor", func(fx *inboxFixture, alice, _ *fedisim.Actor) (*http.Request, []string) {
			if err := fx.store.AddBlock(fx.t.Context(), store.Block{Actor: alice.ID}); err != nil {
				fx.t.Fatal(err)
			}
			r, err := fx.sim.SignedRequest(fx.t.Context(), alice, fx.inbox, fx.sim.Follow(alice, fx.actor), fedisim.Cavage)
			if err != nil {
				fx.t.Fatal(err)
			}
			return r, nil
		}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newInboxFixture(t, outbound.Options{AllowPrivate: true}, fedisim.Options{ActorsPerServer: 2, Keys: 2})
			alice, bob := fx.sim.Actors()[0], fx.sim.Actors()[1]
			r, _ := tc.make(fx, alice, bob)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if n := len(fx.followers()); n != 0 {
				t.Fatalf("%d followers after a refused follow", n)
			}
			if n := len(fx.deliver.all()); n != 0 {
				t.Fatalf("%d activities sent after a refused follow", n)
			}
		})
	}
}

// TestInboxRefusesPrivateKeyURLs sends follows whose keys are at addresses
// the server must not fetch: each is refused and nothing is stored.
func TestInboxRefusesPrivateKeyURLs(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// A server at 127.0.0.2, allowed, that redirects to the simulator at
	// 127.0.0.1, which is not.
	redirector := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})}
	ln, err := netListen("127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	go redirector.Serve(ln)
	t.Cleanup(func() { redirector.Close() })

	fx := newInboxFixture(t, outbound.Options{Timeout: 2 * time.Second, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}},
		fedisim.Options{Keys: 1})
	alice := fx.sim.Actors()[0]
	port := alice.ID[strings.LastIndexByte(alice.ID, ':')+1:]
	port = port[:strings.IndexByte(port, '/')]
	for _, tc := range []struct{ name, actor string }{
		{"loopback", alice.ID},
		{"name resolving to loopback", "http://localhost:" + port + "/users/" + alice.Name},
		{"cloud metadata", "http://169.254.169.254/users/alice"},
		{"private range", "http://10.1.2.3/users/alice"},
		{"redirect to loopback", "http://" + ln.Addr().String() + "/users/alice?to=" + alice.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
				"id": tc.actor + "/follows/1", "actor": tc.actor, "object": fx.actor}
			r := fx.post(a, key, tc.actor+"#main-key")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if st := fx.state("", tc.actor+"#main-key"); st != (storeState{}) {
				t.Fatalf("store changed: %+v", st)
			}
		})
	}
}

// post builds a POST of activity to the shared inbox, signed with key
// under keyID (unsigned when key is nil).
func (fx *inboxFixture) post(activity map[string]any, key *rsa.PrivateKey, keyID string) *http.Request {
	fx.t.Helper()
	return fx.postSigned(activity, key, keyID, testNow)
}

// postAt builds a POST signed by from at the time at.
func (fx *inboxFixture) postAt(activity map[string]any, from *fedisim.Actor, at time.Time) *http.Request {
	fx.t.Helper()
	r, err := fx.sim.SignedRequestAt(fx.t.Context(), from, fx.inbox, activity, fedisim.Cavage, at)
	if err != nil {
		fx.t.Fatal(err)
	}
	return r
}

func (fx *inboxFixture) postSigned(activity map[string]any, key *rsa.PrivateKey, keyID string, at time.Time) *http.Request {
	fx.t.Helper()
	body, err := json.Marshal(activity)
	if err != nil {
		fx.t.Fatal(err)
	}
	r, err := http.NewRequestWithContext(fx.t.Context(), http.MethodPost, fx.inbox, bytes.NewReader(body))
	if err != nil {
		fx.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	if key != nil {
		if err := httpsig.NewSigner(keyID, key).Sign(r, body, at); err != nil {
			fx.t.Fatal(err)
		}
	}
	return r
}

// readAll reads a request's body, leaving it readable again.
func readAll(t testing.TB, r *http.Request) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		t.Fatal(err)
	}
	setBody(r, buf.Bytes())
	return buf.Bytes()
}

// setBody replaces a request's body, keeping its headers.
func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = nil
}

func netListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

func TestFederatedSectionsAndTags(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // permalink paths, sorted
	}{
		{"main sections", Config{}, []string{"/es/posts/hello/", "/posts/hello/", "/posts/spoilers/", "/posts/stream-days/"}},
		{"one section", Config{Sections: []string{"notes"}}, []string{"/notes/quick/"}},
		{"a tag, any case", Config{Tags: []string{"webassembly"}}, []string{"/posts/stream-days/"}},
		{"a tag of nothing", Config{Tags: []string{"nothing"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cfg)
			idx, err := f.h.current(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for p := range idx.byPath {
				got = append(got, p)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("federated %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSendAnswers checks that answers to follow requests recorded while
// serve was stopped are sent, once, when SendAnswers runs.
func TestSendAnswers(t *testing.T) {
	fx := newInboxFixture(t, outbound.Options{AllowPrivate: true}, fedisim.Options{ActorsPerServer: 3, Keys: 1},
		Config{ManuallyApprovesFollowers: true})
	alice, bob, carol := fx.sim.Actors()[0], fx.sim.Actors()[1], fx.sim.Actors()[2]
	ctx := t.Context()
	for _, a := range []*fedisim.Actor{alice, bob, carol} {
		fx.send(a, fx.sim.Follow(a, fx.actor), fedisim.Cavage, http.StatusAccepted)
	}
	if err := fx.store.AnswerFollowRequest(ctx, alice.ID, store.AnswerApprove); err != nil {
		t.Fatal(err)
	}
	if err := fx.store.AnswerFollowRequest(ctx, bob.ID, store.AnswerReject); err != nil {
		t.Fatal(err)
	}
	if err := fx.store.AnswerFollowRequest(ctx, "https://nobody.example/u", store.AnswerApprove); !errors.Is(err, store.ErrNoFollowRequest) {
		t.Fatalf("answering no request: %v", err)
	}
	if len(fx.deliver.all()) != 0 || len(fx.followers()) != 0 {
		t.Fatal("an answer was acted on before SendAnswers")
	}
	for range 2 {
		if err := fx.h.SendAnswers(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if fs := fx.followers(); len(fs) != 1 || fs[0].ActorID != alice.ID || fs[0].Answer != "" {
		t.Fatalf("followers %+v, want alice", fs)
	}
	if types, want := fx.sent(), []string{"Accept to " + alice.Inbox, "Reject to " + bob.Inbox}; !slices.Equal(types, want) {
		t.Fatalf("sent %v, want %v", types, want)
	}
	if reqs, err := fx.store.FollowRequests(ctx); err != nil || len(reqs) != 1 || reqs[0].ActorID != carol.ID {
		t.Fatalf("requests left %+v, %v; want carol's, unanswered", reqs, err)
	}
}

func TestInboxFollowRequests(t *testing.T) {
	fx := newInboxFixture(t, outbound.Options{AllowPrivate: true}, fedisim.Options{ActorsPerServer: 2, Keys: 1},
		Config{ManuallyApprovesFollowers: true})
	alice, bob := fx.sim.Actors()[0], fx.sim.Actors()[1]
	ctx := t.Context()
	for _, a := range []*fedisim.Actor{alice, bob} {
		fx.send(a, fx.sim.Follow(a, fx.actor), fedisim.Cavage, http.StatusAccepted)
	}
	if n := len(fx.followers()); n != 0 || len(fx.deliver.all()) != 0 {
		t.Fatalf("a locked blog took %d followers and sent %d activities", n, len(fx.deliver.all()))
	}
	if reqs, err := fx.store.FollowRequests(ctx); err != nil || len(reqs) != 2 {
		t.Fatalf("requests %+v, %v", reqs, err)
	}
	if err := fx.h.ApproveFollower(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := fx.h.RejectFollower(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := fx.h.RejectFollower(ctx, bob.ID); !errors.Is(err, ErrNoFollowRequest) {
		t.Fatalf("rejecting twice: %v", err)
	}
	if fs := fx.followers(); len(fs) != 1 || fs[0].ActorID != alice.ID {
		t.Fatalf("followers %+v, want alice", fs)
	}
	if types, want := fx.sent(), []string{"Accept to " + alice.Inbox, "Reject to " + bob.Inbox}; !slices.Equal(types, want) {
		t.Fatalf("sent %v, want %v", types, want)
	}
}
