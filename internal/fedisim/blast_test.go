package fedisim

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestBlast(t *testing.T) {
	s := startSim(t, Options{Servers: 3, ActorsPerServer: 2})
	actors := s.Actors()
	target := actors[0]
	tests := []struct {
		name  string
		opts  BlastOptions
		least time.Duration
	}{
		{name: "fast", opts: BlastOptions{Count: 30, Concurrency: 8}},
		{name: "presigned", opts: BlastOptions{Count: 30, Concurrency: 4, Presign: true}},
		{name: "rfc9421", opts: BlastOptions{Count: 10, Concurrency: 4, Style: RFC9421RSA}},
		{name: "rate limited", opts: BlastOptions{Count: 10, Concurrency: 4, Rate: 50, Presign: true}, least: 170 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			opts := tt.opts
			opts.Inbox = target.SharedInbox
			opts.Make = func(i int) (*Actor, map[string]any) {
				from := actors[1+i%(len(actors)-1)]
				return from, s.Follow(from, target.ID)
			}
			res, err := s.Blast(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			n := opts.Count
			if res.Sent != n || res.Status[http.StatusAccepted] != n || res.Errors != 0 {
				t.Errorf("sent %d, status %v, errors %d (%s); want %d accepted", res.Sent, res.Status, res.Errors, res.FirstError, n)
			}
			if res.Duration < tt.least || res.PerSecond <= 0 || res.P50 <= 0 || res.P99 < res.P50 {
				t.Errorf("duration %s (want ≥ %s), %.0f/s, p50 %s, p99 %s", res.Duration, tt.least, res.PerSecond, res.P50, res.P99)
			}
			st := s.Stats()
			if st.Accepted != n || st.ByType["Follow"] != n || st.Duplicates != 0 || st.Inboxes != 1 {
				t.Errorf("sim stats %+v", st)
			}
		})
	}
}

func TestBlastStatusesAndCancel(t *testing.T) {
	s := startSim(t, Options{Servers: 2})
	from, to := s.Actors()[0], s.Actors()[1]
	s.SetFault(1, Fault{Kind: TooMany})
	mk := func(int) (*Actor, map[string]any) { return from, s.Like(from, to.ID) }
	res, err := s.Blast(t.Context(), BlastOptions{Inbox: to.Inbox, Count: 5, Make: mk})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status[http.StatusTooManyRequests] != 5 {
		t.Errorf("status %v, want five 429", res.Status)
	}

	// A slow rate is cut short by the context.
	s.SetFault(1, Fault{})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err = s.Blast(ctx, BlastOptions{Inbox: to.Inbox, Count: 100, Rate: 10, Make: mk})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent < 1 || res.Sent > 5 || time.Since(start) > 2*time.Second {
		t.Errorf("sent %d in %s, want a few before the context ended", res.Sent, time.Since(start))
	}

	bad := []BlastOptions{
		{Inbox: to.Inbox, Count: 0, Make: mk},
		{Inbox: to.Inbox, Count: 1},
		{Inbox: "https://example.com/inbox", Count: 1, Make: mk},
	}
	for _, o := range bad {
		if _, err := s.Blast(t.Context(), o); err == nil {
			t.Errorf("Blast(%+v) succeeded", o)
		}
	}
}
