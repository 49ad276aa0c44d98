package front

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// A watch enforces the connection timeouts on a coarse clock.
//
// fasthttp's own timeouts set a deadline on the connection three times a
// request; each reads the clock and moves a runtime timer, and together they
// cost about 4% of the CPU of sending a document. The watch hears instead of
// each change of a connection's state through fasthttp's ConnState hook and
// stamps it with a clock that ticks a few times a timeout, without reading
// the time. On every tick it gives each connection that has outstayed its
// state's timeout a deadline in the past: the read or write it waits in fails
// at once, and fasthttp closes it. nginx keeps its timers the same way, on a
// clock read once a loop.
//
// A timeout is enforced no earlier than it says and at most two ticks later:
// one for the tick a state change is stamped with, one for rounding the
// timeout up to whole ticks.
type watch struct {
	conns  sync.Map     // net.Conn → *watched
	now    atomic.Int64 // ticks since the watch started
	tick   time.Duration
	limits [fasthttp.StateClosed + 1]int64 // per state, in ticks; 0: none
	stop   chan struct{}
	once   sync.Once
}

// watched is a connection's state and the tick it entered it, as
// tick<<stateBits | state.
type watched struct{ stamp atomic.Int64 }

const stateBits = 3

// expired is the deadline given to a connection that has outstayed its
// state's timeout.
var expired = time.Unix(1, 0)

// newWatch returns a watch that lets a connection stay in each state as long
// as timeouts gives (none for a state missing or not positive).
func newWatch(timeouts map[fasthttp.ConnState]time.Duration) *watch {
	w := &watch{tick: time.Second, stop: make(chan struct{})}
	for _, d := range timeouts {
		if d > 0 {
			w.tick = min(w.tick, max(d/8, 10*time.Millisecond))
		}
	}
	for state, d := range timeouts {
		if d > 0 {
			w.limits[state] = int64((d + w.tick - 1) / w.tick)
		}
	}
	return w
}

// hook is fasthttp's ConnState hook.
func (w *watch) hook(c net.Conn, state fasthttp.ConnState) {
	stamp := w.now.Load()<<stateBits | int64(state)
	switch state {
	case fasthttp.StateNew:
		e := new(watched)
		e.stamp.Store(stamp)
		w.conns.Store(c, e)
	case fasthttp.StateHijacked, fasthttp.StateClosed:
		w.conns.Delete(c)
	default:
		if e, ok := w.conns.Load(c); ok {
			e.(*watched).stamp.Store(stamp)
		}
	}
}

// run sweeps the connections on every tick until close.
func (w *watch) run() {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		now := w.now.Add(1)
		w.conns.Range(func(c, e any) bool {
			stamp := e.(*watched).stamp.Load()
			state, since := stamp&(1<<stateBits-1), stamp>>stateBits
			if limit := w.limits[state]; limit > 0 && now-since > limit {
				c.(net.Conn).SetDeadline(expired)
			}
			return true
		})
	}
}

// close stops run.
func (w *watch) close() { w.once.Do(func() { close(w.stop) }) }
