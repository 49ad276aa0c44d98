package fedisim

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FaultKind names a way a server misbehaves.
type FaultKind string

// The faults a server can have.
const (
	// NoFault serves normally.
	NoFault FaultKind = ""
	// Unavailable answers 503 Service Unavailable.
	Unavailable FaultKind = "unavailable"
	// TooMany answers 429 Too Many Requests with Retry-After.
	TooMany FaultKind = "too_many"
	// Gone answers 410 Gone to every request, actors included.
	Gone FaultKind = "gone"
	// Timeout holds the request without answering until the client gives
	// up (or the fault's Hang passes, then 504).
	Timeout FaultKind = "timeout"
	// Reset closes the connection without a response, with a TCP reset.
	Reset FaultKind = "reset"
	// SlowBody handles the request, then sends the response body one byte
	// per Interval for Hang.
	SlowBody FaultKind = "slow_body"
)

// FaultKinds lists every fault, in a fixed order.
func FaultKinds() []FaultKind {
	return []FaultKind{Unavailable, TooMany, Gone, Timeout, Reset, SlowBody}
}

// ParseFaultKind returns the fault named s.
func ParseFaultKind(s string) (FaultKind, error) {
	for _, k := range FaultKinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return NoFault, fmt.Errorf("fedisim: unknown fault %q", s)
}

// Fault is what is wrong with a server.
type Fault struct {
	// Kind is the fault; NoFault clears it.
	Kind FaultKind `json:"kind,omitempty"`
	// Until is when the fault ends; zero means it lasts until changed.
	// Gone ignores it.
	Until time.Time `json:"until,omitzero"`
	// RetryAfter is the Retry-After a TooMany fault sends (default 30s).
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// Hang is how long Timeout holds a request and SlowBody trickles its
	// body (default Options.MaxHang).
	Hang time.Duration `json:"hang,omitempty"`
	// Interval is the pause between SlowBody's bytes (default 1s).
	Interval time.Duration `json:"interval,omitempty"`
	// AllRequests applies the fault to every request to the server, not
	// just to inbox deliveries.
	AllRequests bool `json:"all_requests,omitempty"`
}

// FaultShares says which share of the servers gets each fault at start.
// The servers are picked from Options.Seed, so the same seed and shares
// give the same servers the same faults.
type FaultShares struct {
	// The shares of servers given each fault, each from 0 to 1, together
	// at most 1; round(share × servers) servers get the fault.
	Unavailable float64
	Gone        float64
	Timeout     float64
	Reset       float64
	SlowBody    float64
	TooMany     float64
	// For is how long the faults other than Gone last from start; zero
	// means until changed.
	For time.Duration
	// RetryAfter, Hang and Interval fill in the assigned faults.
	RetryAfter time.Duration
	Hang       time.Duration
	Interval   time.Duration
}

// share returns the share of kind k.
func (fs FaultShares) share(k FaultKind) float64 {
	switch k {
	case Unavailable:
		return fs.Unavailable
	case TooMany:
		return fs.TooMany
	case Gone:
		return fs.Gone
	case Timeout:
		return fs.Timeout
	case Reset:
		return fs.Reset
	case SlowBody:
		return fs.SlowBody
	}
	return 0
}

// validate checks the shares are each in [0, 1] and sum to at most 1.
func (fs FaultShares) validate() error {
	sum := 0.0
	for _, k := range FaultKinds() {
		v := fs.share(k)
		if v < 0 || v > 1 || math.IsNaN(v) {
			return fmt.Errorf("fedisim: fault share %s is %v, want 0 to 1", k, v)
		}
		sum += v
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fedisim: fault shares add up to %v, more than 1", sum)
	}
	if fs.For < 0 || fs.RetryAfter < 0 || fs.Hang < 0 || fs.Interval < 0 {
		return fmt.Errorf("fedisim: fault durations must not be negative")
	}
	return nil
}

// assignFaults gives each fault to round(share × servers) servers, chosen
// by a shuffle seeded with Options.Seed.
func (s *Sim) assignFaults() error {
	fs := s.opts.Faults
	n := len(s.servers)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(s.opts.Seed, 0x6665646973696d))
	rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	var until time.Time
	if fs.For > 0 {
		until = s.now().Add(fs.For)
	}
	next := 0
	for _, k := range FaultKinds() {
		count := int(math.Round(fs.share(k) * float64(n)))
		for range count {
			if next >= n {
				return nil
			}
			f := Fault{Kind: k, RetryAfter: fs.RetryAfter, Hang: fs.Hang, Interval: fs.Interval}
			if k != Gone {
				f.Until = until
			}
			s.servers[order[next]].fault.Store(&f)
			next++
		}
	}
	return nil
}

// SetFault gives server index the fault f, replacing any it had; a Fault
// with Kind NoFault clears it.
func (s *Sim) SetFault(index int, f Fault) error {
	if index < 0 || index >= len(s.servers) {
		return fmt.Errorf("fedisim: set fault: no server %d", index)
	}
	if f.Kind == NoFault {
		s.servers[index].fault.Store(nil)
		return nil
	}
	if _, err := ParseFaultKind(string(f.Kind)); err != nil {
		return err
	}
	s.servers[index].fault.Store(&f)
	return nil
}

// activeFault returns the server's fault if it is in force at now.
func (sv *server) activeFault(now time.Time) *Fault {
	f := sv.fault.Load()
	if f == nil {
		return nil
	}
	if f.Kind != Gone && !f.Until.IsZero() && !now.Before(f.Until) {
		return nil
	}
	return f
}

// hang is how long f holds a request.
func (s *Sim) hang(f *Fault) time.Duration {
	if f.Hang > 0 {
		return f.Hang
	}
	return s.opts.MaxHang
}

// applyFault answers r as fault f says, for every kind but SlowBody.
func (s *Sim) applyFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	switch f.Kind {
	case Unavailable:
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	case TooMany:
		after := f.RetryAfter
		if after <= 0 {
			after = 30 * time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(after.Seconds()))))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
	case Gone:
		http.Error(w, "gone", http.StatusGone)
	case Timeout:
		// Reading the whole body lets the server notice when the client
		// hangs up, which ends the request's context.
		io.Copy(io.Discard, io.LimitReader(r.Body, maxInboxBody))
		s.holding.Add(1)
		defer s.holding.Add(-1)
		t := time.NewTimer(s.hang(f))
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-s.done:
		case <-t.C:
			http.Error(w, "gateway timeout", http.StatusGatewayTimeout)
		}
	case Reset:
		resetConnection(w)
	default:
		http.Error(w, "unknown fault", http.StatusInternalServerError)
	}
}

// resetConnection drops the client's connection with a TCP reset.
func resetConnection(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		// Without hijacking (HTTP/2) the closest is aborting the handler.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}

// serveSlowly handles r normally, then sends the response's status and
// headers at once and its body one byte per interval, padded with spaces,
// until the fault's hang has passed or the client leaves.
func (s *Sim) serveSlowly(w http.ResponseWriter, r *http.Request, f *Fault) {
	buf := &bufferedResponse{header: make(http.Header)}
	s.mux.ServeHTTP(buf, r)
	s.holding.Add(1)
	defer s.holding.Add(-1)
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	w.WriteHeader(buf.status)
	rc := http.NewResponseController(w)
	rc.Flush()
	interval := f.Interval
	if interval <= 0 {
		interval = time.Second
	}
	deadline := time.NewTimer(s.hang(f))
	defer deadline.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	body := buf.body.Bytes()
	for i := 0; ; i++ {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-deadline.C:
			if i < len(body) {
				w.Write(body[i:])
			}
			return
		case <-tick.C:
		}
		b := byte(' ')
		if i < len(body) {
			b = body[i]
		}
		if _, err := w.Write([]byte{b}); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// bufferedResponse holds a response until it is sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
