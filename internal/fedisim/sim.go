package fedisim

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a simulated fediverse. Zero values take the defaults.
type Options struct {
	// Servers is how many servers to start (default 1).
	Servers int
	// ActorsPerServer is how many actors each server has (default 1).
	ActorsPerServer int
	// Keys is how many distinct RSA-2048 keys the actors share, round
	// robin (default 4). Each actor still has its own key id.
	Keys int
	// Ed25519 gives each actor an ed25519 key too, published as a FEP-521a
	// assertionMethod Multikey.
	Ed25519 bool
	// Faults assigns faults to a share of the servers at start.
	Faults FaultShares
	// Seed makes the fault assignment repeatable.
	Seed uint64
	// MaxHang bounds how long a Timeout or SlowBody fault holds a request
	// when the fault does not say (default 2m).
	MaxHang time.Duration
	// KeepBodies keeps each delivery's body in its Delivery record.
	KeepBodies bool
	// OnDelivery, when set, is called with each delivery once recorded. It
	// runs on the request's goroutine and must not block for long.
	OnDelivery func(Delivery)
	// Logger receives the simulator's logs (discarded when nil).
	Logger *slog.Logger
	// Now is the clock for signature dates and fault expiry (time.Now
	// when nil).
	Now func() time.Time
}

// Actor is one simulated account. Its fields are read-only.
type Actor struct {
	// ID is the actor's URL, http://127.0.0.1:port/users/name.
	ID string `json:"id"`
	// Name is the preferredUsername.
	Name string `json:"name"`
	// Handle is name@127.0.0.1:port, as WebFinger knows it.
	Handle string `json:"handle"`
	// KeyID is the id of the actor's RSA key (ID#main-key).
	KeyID string `json:"key_id"`
	// Ed25519KeyID is the id of the actor's ed25519 key (ID#ed25519-key),
	// empty unless Options.Ed25519.
	Ed25519KeyID string `json:"ed25519_key_id,omitempty"`
	// Inbox is the actor's personal inbox.
	Inbox string `json:"inbox"`
	// SharedInbox is its server's shared inbox.
	SharedInbox string `json:"shared_inbox"`
	// Server is the index of the actor's server.
	Server int `json:"server"`

	rsaKey  *rsa.PrivateKey
	rsaPEM  string
	edKey   ed25519.PrivateKey
	edMulti string
	doc     []byte // the actor document, as served
}

// Server describes one simulated server.
type Server struct {
	// Index is the server's position, from 0.
	Index int `json:"index"`
	// Host is 127.0.0.1:port.
	Host string `json:"host"`
	// URL is http://127.0.0.1:port.
	URL string `json:"url"`
	// SharedInbox is the server's shared inbox URL.
	SharedInbox string `json:"shared_inbox"`
	// Fault is the fault the server has now (Kind empty when none).
	Fault Fault `json:"fault"`
}

// server is a Server's live state.
type server struct {
	index  int
	host   string
	base   string
	actors map[string]*Actor
	fault  atomic.Pointer[Fault]
}

// Sim is a running simulated fediverse. Its methods are safe for concurrent
// use.
type Sim struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	servers []*server
	ports   map[int]*server
	actors  []*Actor
	http    *http.Server
	mux     *http.ServeMux
	client  *http.Client
	keys    *keyCache
	rec     recorder
	done    chan struct{}
	closed  sync.Once
	serving sync.WaitGroup
	seq     atomic.Uint64
	holding atomic.Int64
}

// Start starts opts.Servers servers on loopback, each on its own port, and
// returns once all are listening. ctx bounds the start only (key generation
// and listening); Close stops the servers.
func Start(ctx context.Context, opts Options) (*Sim, error) {
	if opts.Servers <= 0 {
		opts.Servers = 1
	}
	if opts.ActorsPerServer <= 0 {
		opts.ActorsPerServer = 1
	}
	if opts.Keys <= 0 {
		opts.Keys = 4
	}
	if opts.MaxHang <= 0 {
		opts.MaxHang = 2 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.Faults.validate(); err != nil {
		return nil, err
	}
	s := &Sim{
		opts:  opts,
		log:   opts.Logger,
		now:   opts.Now,
		ports: make(map[int]*server, opts.Servers),
		done:  make(chan struct{}),
	}
	s.client = loopbackClient(10*time.Second, 256)
	s.keys = newKeyCache(s.client)
	s.keys.counted = s.rec.keyFetched
	s.rec.init(opts.KeepBodies, opts.OnDelivery)

	rsaKeys, pems, err := generateRSAKeys(ctx, opts.Keys)
	if err != nil {
		return nil, err
	}

	s.mux = s.routes()
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}

	listeners := make([]net.Listener, 0, opts.Servers)
	fail := func(err error) (*Sim, error) {
		for _, l := range listeners {
			l.Close()
		}
		return nil, err
	}
	var lc net.ListenConfig
	for i := range opts.Servers {
		if err := ctx.Err(); err != nil {
			return fail(fmt.Errorf("fedisim: start: %w", err))
		}
		l, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
		if err != nil {
			return fail(fmt.Errorf("fedisim: listen for server %d: %w", i, err))
		}
		listeners = append(listeners, l)
		port := l.Addr().(*net.TCPAddr).Port
		host := "127.0.0.1:" + strconv.Itoa(port)
		sv := &server{
			index:  i,
			host:   host,
			base:   "http://" + host,
			actors: make(map[string]*Actor, opts.ActorsPerServer),
		}
		s.servers = append(s.servers, sv)
		s.ports[port] = sv
		for j := range opts.ActorsPerServer {
			n := len(s.actors)
			a, err := newActor(sv, "user"+strconv.Itoa(j), rsaKeys[n%len(rsaKeys)], pems[n%len(pems)], opts.Ed25519)
			if err != nil {
				return fail(err)
			}
			sv.actors[a.Name] = a
			s.actors = append(s.actors, a)
		}
	}
	if err := s.assignFaults(); err != nil {
		return fail(err)
	}
	for _, l := range listeners {
		s.serving.Add(1)
		go func() {
			defer s.serving.Done()
			if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("fedisim: serve", slog.String("addr", l.Addr().String()), slog.Any("error", err))
			}
		}()
	}
	s.log.Info("fedisim: started",
		slog.Int("servers", len(s.servers)),
		slog.Int("actors", len(s.actors)))
	return s, nil
}

// Close stops every server, ends requests held by faults and waits for the
// listeners to close. It is safe to call more than once.
func (s *Sim) Close() error {
	var err error
	s.closed.Do(func() {
		close(s.done)
		err = s.http.Close()
		s.serving.Wait()
		s.client.CloseIdleConnections()
	})
	if err != nil {
		return fmt.Errorf("fedisim: close: %w", err)
	}
	return nil
}

// Servers describes the servers, in index order.
func (s *Sim) Servers() []Server {
	out := make([]Server, len(s.servers))
	for i, sv := range s.servers {
		out[i] = Server{
			Index:       sv.index,
			Host:        sv.host,
			URL:         sv.base,
			SharedInbox: sv.base + "/inbox",
		}
		if f := sv.fault.Load(); f != nil {
			out[i].Fault = *f
		}
	}
	return out
}

// Actors returns every actor, server by server. The actors are shared, not
// copies: do not change them.
func (s *Sim) Actors() []*Actor {
	out := make([]*Actor, len(s.actors))
	copy(out, s.actors)
	return out
}

// newActor makes actor name on sv with the given RSA key.
func newActor(sv *server, name string, key *rsa.PrivateKey, keyPEM string, withEd25519 bool) (*Actor, error) {
	id := sv.base + "/users/" + name
	a := &Actor{
		ID:          id,
		Name:        name,
		Handle:      name + "@" + sv.host,
		KeyID:       id + "#main-key",
		Inbox:       id + "/inbox",
		SharedInbox: sv.base + "/inbox",
		Server:      sv.index,
		rsaKey:      key,
		rsaPEM:      keyPEM,
	}
	if withEd25519 {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("fedisim: ed25519 key for %s: %w", id, err)
		}
		a.Ed25519KeyID = id + "#ed25519-key"
		a.edKey = priv
		a.edMulti = ed25519Multibase(pub)
	}
	// Made once: a load of follows fetches every actor's key.
	doc, err := json.Marshal(actorDocument(a))
	if err != nil {
		return nil, fmt.Errorf("fedisim: actor document of %s: %w", id, err)
	}
	a.doc = doc
	return a, nil
}

// generateRSAKeys makes n RSA-2048 keys, in parallel, with their public
// halves as PKIX PEM.
func generateRSAKeys(ctx context.Context, n int) ([]*rsa.PrivateKey, []string, error) {
	keys := make([]*rsa.PrivateKey, n)
	pems := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				errs[i] = err
				return
			}
			der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
			if err != nil {
				errs[i] = err
				return
			}
			keys[i] = k
			pems[i] = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("fedisim: generate keys: %w", err)
	}
	return keys, pems, nil
}

// serverOf returns the server whose listener accepted r.
func (s *Sim) serverOf(r *http.Request) *server {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return nil
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	return s.ports[tcp.Port]
}

// nextID returns a number unique within the simulator, for activity ids.
func (s *Sim) nextID() uint64 {
	return s.seq.Add(1)
}
