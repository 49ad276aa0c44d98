package fedisim

import (
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	s := startSim(t, Options{Servers: 2, MaxHang: 5 * time.Second})
	from, to := s.Actors()[0], s.Actors()[1]

	// deliver posts a signed Follow to the faulty server's inbox with a
	// client that gives up after timeout.
	deliver := func(t *testing.T, timeout time.Duration) (*http.Response, error) {
		req, err := s.newDelivery(t.Context(), from, to.Inbox, s.Follow(from, to.ID), Cavage)
		if err != nil {
			t.Fatal(err)
		}
		return (&http.Client{Timeout: timeout}).Do(req)
	}
	get := func(t *testing.T, u string) int {
		resp := getJSON(t, u, "application/activity+json", nil)
		return resp.StatusCode
	}

	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T)
		// accepted is how many deliveries the inbox accepted.
		accepted int
	}{
		{
			name:  "unavailable",
			fault: Fault{Kind: Unavailable},
			check: func(t *testing.T) {
				resp, err := deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("delivery: %v %v", resp, err)
				}
				if got := get(t, to.ID); got != http.StatusOK {
					t.Errorf("actor fetch %d, want 200 (fault on inbox only)", got)
				}
			},
		},
		{
			name:  "unavailable for all requests",
			fault: Fault{Kind: Unavailable, AllRequests: true},
			check: func(t *testing.T) {
				if got := get(t, to.ID); got != http.StatusServiceUnavailable {
					t.Errorf("actor fetch %d, want 503", got)
				}
			},
		},
		{
			name:  "unavailable ends",
			fault: Fault{Kind: Unavailable},
			check: func(t *testing.T) {
				s.SetFault(1, Fault{Kind: Unavailable, Until: time.Now().Add(300 * time.Millisecond)})
				resp, err := deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("delivery during fault: %v %v", resp, err)
				}
				time.Sleep(350 * time.Millisecond)
				resp, err = deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					t.Fatalf("delivery after fault: %v %v", resp, err)
				}
			},
			accepted: 1,
		},
		{
			name:  "too many",
			fault: Fault{Kind: TooMany, RetryAfter: 90 * time.Second},
			check: func(t *testing.T) {
				resp, err := deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("delivery: %v %v", resp, err)
				}
				if ra := resp.Header.Get("Retry-After"); ra != "90" {
					t.Errorf("Retry-After %q, want 90", ra)
				}
			},
		},
		{
			name:  "gone",
			fault: Fault{Kind: Gone},
			check: func(t *testing.T) {
				resp, err := deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusGone {
					t.Fatalf("delivery: %v %v", resp, err)
				}
				if got := get(t, to.ID); got != http.StatusGone {
					t.Errorf("actor fetch %d, want 410", got)
				}
				if got := get(t, s.Servers()[1].URL+"/.well-known/webfinger?resource=acct:"+to.Handle); got != http.StatusGone {
					t.Errorf("webfinger %d, want 410", got)
				}
			},
		},
		{
			name:  "timeout until the client gives up",
			fault: Fault{Kind: Timeout},
			check: func(t *testing.T) {
				start := time.Now()
				_, err := deliver(t, 300*time.Millisecond)
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatalf("delivery error %v, want a timeout", err)
				}
				if d := time.Since(start); d < 250*time.Millisecond {
					t.Errorf("gave up after %s", d)
				}
				// The server lets go when the client hangs up, not at MaxHang.
				deadline := time.Now().Add(2 * time.Second)
				for s.Stats().Holding != 0 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if n := s.Stats().Holding; n != 0 {
					t.Errorf("%d requests still held after the client left", n)
				}
			},
		},
		{
			name:  "timeout bounded by hang",
			fault: Fault{Kind: Timeout, Hang: 200 * time.Millisecond},
			check: func(t *testing.T) {
				resp, err := deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusGatewayTimeout {
					t.Fatalf("delivery: %v %v", resp, err)
				}
			},
		},
		{
			name:  "reset",
			fault: Fault{Kind: Reset},
			check: func(t *testing.T) {
				resp, err := deliver(t, 5*time.Second)
				if err == nil {
					t.Fatalf("delivery got %d, want a connection error", resp.StatusCode)
				}
			},
		},
		{
			name:  "slow body",
			fault: Fault{Kind: SlowBody, Interval: 20 * time.Millisecond, Hang: 300 * time.Millisecond},
			check: func(t *testing.T) {
				start := time.Now()
				resp, err := deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					t.Fatalf("delivery: %v %v", resp, err)
				}
				headers := time.Since(start)
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				total := time.Since(start)
				if err != nil || headers > 200*time.Millisecond || total < 280*time.Millisecond || len(body) < 5 {
					t.Errorf("headers after %s, %d body bytes after %s (%v)", headers, len(body), total, err)
				}
			},
			accepted: 1,
		},
		{
			name:  "cleared",
			fault: Fault{},
			check: func(t *testing.T) {
				resp, err := deliver(t, 5*time.Second)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					t.Fatalf("delivery: %v %v", resp, err)
				}
			},
			accepted: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			if err := s.SetFault(1, tt.fault); err != nil {
				t.Fatal(err)
			}
			defer s.SetFault(1, Fault{})
			if got := s.Servers()[1].Fault.Kind; got != tt.fault.Kind {
				t.Errorf("Servers() shows fault %q", got)
			}
			tt.check(t)
			st := s.Stats()
			if st.Accepted != tt.accepted {
				t.Errorf("accepted %d, want %d", st.Accepted, tt.accepted)
			}
			if tt.fault.Kind != NoFault && st.Faulted[tt.fault.Kind] == 0 {
				t.Errorf("faulted %v, want some %s", st.Faulted, tt.fault.Kind)
			}
		})
	}
	if err := s.SetFault(7, Fault{Kind: Gone}); err == nil {
		t.Error("SetFault on a missing server succeeded")
	}
	if err := s.SetFault(0, Fault{Kind: "flaky"}); err == nil {
		t.Error("SetFault with an unknown kind succeeded")
	}
}

func TestFaultShares(t *testing.T) {
	shares := FaultShares{Unavailable: 0.3, Gone: 0.05, Timeout: 0.1, TooMany: 0.05, For: time.Hour}
	kinds := func(s *Sim) []FaultKind {
		var out []FaultKind
		for _, sv := range s.Servers() {
			out = append(out, sv.Fault.Kind)
		}
		return out
	}
	a := startSim(t, Options{Servers: 20, Keys: 1, Faults: shares, Seed: 7})
	b := startSim(t, Options{Servers: 20, Keys: 1, Faults: shares, Seed: 7})
	got := kinds(a)
	if !slices.Equal(got, kinds(b)) {
		t.Errorf("same seed, different faults:\n%v\n%v", got, kinds(b))
	}
	count := map[FaultKind]int{}
	for _, k := range got {
		count[k]++
	}
	want := map[FaultKind]int{Unavailable: 6, Gone: 1, Timeout: 2, TooMany: 1, NoFault: 10}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d servers with %q, want %d (all: %v)", count[k], k, n, got)
		}
	}
	for _, sv := range a.Servers() {
		switch {
		case sv.Fault.Kind == Gone && !sv.Fault.Until.IsZero():
			t.Errorf("server %d: Gone with an end", sv.Index)
		case sv.Fault.Kind != Gone && sv.Fault.Kind != NoFault && sv.Fault.Until.IsZero():
			t.Errorf("server %d: %s without an end", sv.Index, sv.Fault.Kind)
		}
	}

	bad := []FaultShares{{Unavailable: 0.8, Gone: 0.3}, {Reset: -0.1}}
	for _, fs := range bad {
		if _, err := Start(t.Context(), Options{Servers: 1, Keys: 1, Faults: fs}); err == nil {
			t.Errorf("Start with shares %+v succeeded", fs)
		}
	}
}
