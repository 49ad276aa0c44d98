package fedisim

import (
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestScale starts the largest simulation blogbridge's load tests use,
// 2,000 servers with 5 actors each, and delivers to a spread of them.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 2,000 servers")
	}
	start := time.Now()
	s := startSim(t, Options{Servers: 2000, ActorsPerServer: 5, Keys: 4})
	started := time.Since(start)
	actors := s.Actors()
	if len(actors) != 10000 {
		t.Fatalf("%d actors", len(actors))
	}
	ports := map[string]bool{}
	for _, sv := range s.Servers() {
		ports[sv.Host] = true
	}
	if len(ports) != 2000 {
		t.Fatalf("%d distinct hosts", len(ports))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("started 2000 servers, 10000 actors in %s; heap %d MiB", started, ms.HeapAlloc>>20)

	// Every fifth server's actor 0 follows actor 4 of the next server: 400
	// deliveries to 400 servers, each fetching a key from a third.
	from := func(i int) *Actor { return actors[(i*5*5)%len(actors)] }
	to := func(i int) *Actor { return actors[(i*5*5+9)%len(actors)] }
	const n = 400
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a, b := from(i), to(i)
			status, err := s.Send(t.Context(), a, b.Inbox, s.Follow(a, b.ID), Cavage)
			if err != nil || status != http.StatusAccepted {
				t.Errorf("send %d: %d %v", i, status, err)
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	t.Logf("%d deliveries in %s", n, time.Since(t0))
	if st.Accepted != n || st.Inboxes != n || st.Duplicates != 0 {
		t.Errorf("stats %+v", st)
	}
}
