package front

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/blogbridge/blogbridge/internal/httpcache"
)

// TestWatchLimits checks the watch's arithmetic: a tick of at most a second
// and an eighth of the shortest timeout, and limits that never close a
// connection before its timeout.
func TestWatchLimits(t *testing.T) {
	for _, d := range []time.Duration{time.Millisecond, 80 * time.Millisecond, 333 * time.Millisecond,
		time.Second, 7 * time.Second, 60 * time.Second, 120 * time.Second} {
		w := newWatch(map[fasthttp.ConnState]time.Duration{fasthttp.StateActive: d, fasthttp.StateIdle: 2 * d})
		if w.tick > time.Second || w.tick > max(d/8, 10*time.Millisecond) {
			t.Errorf("%v: tick %v", d, w.tick)
		}
		for state, want := range map[fasthttp.ConnState]time.Duration{fasthttp.StateActive: d, fasthttp.StateIdle: 2 * d} {
			if got := time.Duration(w.limits[state]) * w.tick; got < want || got >= want+w.tick {
				t.Errorf("%v: state %v allowed %v, want %v", d, state, got, want)
			}
		}
		if w.limits[fasthttp.StateNew] != 0 {
			t.Errorf("%v: a limit for new connections, which have no timeout", d)
		}
	}
}

// TestTimeouts opens connections that misbehave in each way the timeouts
// guard against, and one that behaves, on a server with a request timeout
// of 300 ms and an idle timeout of 600 ms: each misbehaving connection must
// be closed, not before its timeout and not long after.
func TestTimeouts(t *testing.T) {
	const (
		requestTimeout = 300 * time.Millisecond
		idleTimeout    = 600 * time.Millisecond
		slack          = time.Second // two ticks, and a slow machine
	)
	doc := httpcache.NewDocument([]byte("hello\n"), httpcache.Spec{ContentType: "text/plain"})
	_, addr := startTCP(t, Options{
		Find:           []Finder{func(string, string) *httpcache.Document { return doc }},
		Handler:        http.NotFoundHandler(),
		RequestTimeout: requestTimeout,
		IdleTimeout:    idleTimeout,
	})

	// dial opens a connection to the server, closed when the test ends.
	dial := func(t *testing.T) (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	// get sends a request on c and reads its answer.
	get := func(c net.Conn, br *bufio.Reader) error {
		fmt.Fprint(c, "GET /doc HTTP/1.1\r\nHost: blog.example\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
	// closedAfter reads c until the server closes it and returns how long
	// that took from start; it gives up after 5 s.
	closedAfter := func(c net.Conn, br *bufio.Reader, start time.Time) time.Duration {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, br)
		return time.Since(start)
	}

	for _, tc := range []struct {
		name    string
		timeout time.Duration
		// misbehave does to a fresh connection what the case is about and
		// returns when the timeout started counting.
		misbehave func(t *testing.T, c net.Conn, br *bufio.Reader) time.Time
	}{
		{"a new connection that never sends", requestTimeout,
			func(t *testing.T, c net.Conn, br *bufio.Reader) time.Time { return time.Now() }},
		{"a request head that never ends", requestTimeout,
			func(t *testing.T, c net.Conn, br *bufio.Reader) time.Time {
				start := time.Now()
				fmt.Fprint(c, "GET /doc HTTP/1.1\r\nHost: blog.example\r\n")
				// One more header line every 50 ms, in the background,
				// until the server closes the connection.
				go func() {
					for i := range 100 {
						if _, err := fmt.Fprintf(c, "X-Line-%d: slow\r\n", i); err != nil {
							return
						}
						time.Sleep(50 * time.Millisecond)
					}
				}()
				return start
			}},
		{"a kept-alive connection left idle", idleTimeout,
			func(t *testing.T, c net.Conn, br *bufio.Reader) time.Time {
				if err := get(c, br); err != nil {
					t.Fatal(err)
				}
				return time.Now()
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, br := dial(t)
			took := closedAfter(c, br, tc.misbehave(t, c, br))
			if took < tc.timeout || took > tc.timeout+slack {
				t.Errorf("closed after %v, want %v (+ up to %v)", took, tc.timeout, slack)
			}
		})
	}

	t.Run("a busy connection", func(t *testing.T) {
		t.Parallel()
		c, br := dial(t)
		// A request every 100 ms for twice the idle timeout: the timeouts
		// count each request and each wait, not the connection's life.
		for start := time.Now(); time.Since(start) < 2*idleTimeout; time.Sleep(100 * time.Millisecond) {
			if err := get(c, br); err != nil {
				t.Fatalf("after %v: %v", time.Since(start), err)
			}
		}
	})
}
