package store

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestMarkSeen(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		prior     []string
		id        string
		wantFirst bool
		wantErr   error
	}{
		{name: "new activity", id: "https://a.example/activities/1", wantFirst: true},
		{name: "replay", prior: []string{"https://a.example/activities/1"}, id: "https://a.example/activities/1"},
		{name: "other activity seen", prior: []string{"https://a.example/activities/1"}, id: "https://a.example/activities/2",
			wantFirst: true},
		{name: "empty id", id: "", wantErr: ErrInvalidID},
		{name: "id too long for a key", id: "https://a.example/" + string(make([]byte, bolt.MaxKeySize)), wantErr: ErrInvalidID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			for _, id := range tt.prior {
				if _, err := s.MarkSeen(t.Context(), id, t0); err != nil {
					t.Fatal(err)
				}
			}
			first, err := s.MarkSeen(t.Context(), tt.id, t0.Add(time.Minute))
			if !errors.Is(err, tt.wantErr) || first != tt.wantFirst {
				t.Errorf("MarkSeen = %v, %v; want %v, %v", first, err, tt.wantFirst, tt.wantErr)
			}
		})
	}
}

func TestMarkSeenConcurrentSameID(t *testing.T) {
	s, _ := openTemp(t)
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			first, err := s.MarkSeen(t.Context(), "https://a.example/activities/1", time.Now())
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d of 64 concurrent calls were first, want 1", n)
	}
}

// TestBatchWithAFailingCall puts writes in one batch with a call that
// fails, which makes bbolt roll the batch back and run the other calls
// again: their results must be those of the transaction that commits.
func TestBatchWithAFailingCall(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	mustAddFollower(t, s, testFollower("https://a.example/users/old", "https://a.example/inbox", ""))
	// Only a full batch runs: the failing call, sent last, starts it. The
	// test counts as a writer under way, so that no call commits alone.
	delay, size := s.db.MaxBatchDelay, s.db.MaxBatchSize
	s.db.MaxBatchDelay, s.db.MaxBatchSize = time.Hour, 5
	s.writers.Add(1)
	defer s.writers.Add(-1)
	type result struct {
		name string
		ok   bool
		err  error
	}
	results := make(chan result, 4)
	var wg sync.WaitGroup
	wg.Go(func() {
		first, err := s.MarkSeen(ctx, "https://a.example/activities/1", time.Now())
		results <- result{"first MarkSeen", first, err}
	})
	wg.Go(func() {
		added, err := s.AddFollower(ctx, testFollower("https://a.example/users/new", "https://a.example/inbox", ""))
		results <- result{"AddFollower of a new actor", added, err}
	})
	wg.Go(func() {
		added, err := s.AddFollower(ctx, testFollower("https://a.example/users/old", "https://a.example/inbox2", ""))
		results <- result{"AddFollower of a follower", !added, err}
	})
	wg.Go(func() {
		removed, err := s.RemoveFollower(ctx, "https://a.example/users/none")
		results <- result{"RemoveFollower of a non-follower", !removed, err}
	})
	time.Sleep(100 * time.Millisecond) // let the four join the batch
	failure := errors.New("failing call")
	var runs atomic.Int32
	err := s.batch(func(tx *bolt.Tx) error {
		runs.Add(1)
		return failure
	})
	if !errors.Is(err, failure) {
		t.Errorf("failing call returned %v", err)
	}
	wg.Wait()
	s.db.MaxBatchDelay, s.db.MaxBatchSize = delay, size
	close(results)
	for r := range results {
		if r.err != nil || !r.ok {
			t.Errorf("%s in a batch with a failing call: ok %v, error %v", r.name, r.ok, r.err)
		}
	}
	if runs.Load() < 2 {
		t.Errorf("the failing call ran %d times; the batch was not retried, the test shows nothing", runs.Load())
	}
	if first, err := s.MarkSeen(ctx, "https://a.example/activities/1", time.Now()); err != nil || first {
		t.Errorf("MarkSeen after the batch = %v, %v; the batch's write was lost", first, err)
	}
	assertFollowers(t, s, "https://a.example/users/old", "https://a.example/users/new")
}

func TestSeen(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	const id = "https://a.example/activities/1"
	if seen, err := s.Seen(ctx, id); err != nil || seen {
		t.Errorf("Seen before MarkSeen = %v, %v; want false", seen, err)
	}
	if _, err := s.MarkSeen(ctx, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	if seen, err := s.Seen(ctx, id); err != nil || !seen {
		t.Errorf("Seen after MarkSeen = %v, %v; want true", seen, err)
	}
	if _, err := s.Seen(ctx, ""); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Seen of an empty id: %v, want ErrInvalidID", err)
	}
}

func TestPruneSeen(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	// Ids sort in another order than their times, so pruning cannot rely
	// on key order.
	seen := map[string]time.Time{
		"https://a.example/1": t0.Add(4 * time.Hour),
		"https://a.example/2": t0,
		"https://a.example/3": t0.Add(3 * time.Hour),
		"https://a.example/4": t0.Add(time.Hour),
		"https://a.example/5": t0.Add(2 * time.Hour),
		"https://a.example/6": t0.Add(30 * time.Minute),
	}
	tests := []struct {
		name     string
		before   time.Time
		chunk    int
		wantN    int
		wantLeft []string
	}{
		{name: "nothing that old", before: t0, chunk: pruneChunk, wantN: 0,
			wantLeft: []string{"https://a.example/1", "https://a.example/2", "https://a.example/3", "https://a.example/4", "https://a.example/5", "https://a.example/6"}},
		{name: "older ones, one transaction", before: t0.Add(2 * time.Hour), chunk: pruneChunk, wantN: 3,
			wantLeft: []string{"https://a.example/1", "https://a.example/3", "https://a.example/5"}},
		{name: "older ones, a record per transaction", before: t0.Add(2 * time.Hour), chunk: 1, wantN: 3,
			wantLeft: []string{"https://a.example/1", "https://a.example/3", "https://a.example/5"}},
		{name: "older ones, two per transaction", before: t0.Add(3*time.Hour + time.Second), chunk: 2, wantN: 5,
			wantLeft: []string{"https://a.example/1"}},
		{name: "all", before: t0.Add(5 * time.Hour), chunk: 4, wantN: 6, wantLeft: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openTemp(t)
			for id, at := range seen {
				if _, err := s.MarkSeen(ctx, id, at); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.pruneSeen(ctx, tt.before, tt.chunk)
			if err != nil || n != tt.wantN {
				t.Errorf("pruneSeen = %d, %v; want %d", n, err, tt.wantN)
			}
			left := []string{}
			if err := s.db.View(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketSeen).ForEach(func(k, _ []byte) error {
					left = append(left, string(k))
					return nil
				})
			}); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(left, tt.wantLeft) {
				t.Errorf("left %v, want %v", left, tt.wantLeft)
			}
		})
	}
	t.Run("exported", func(t *testing.T) {
		s, _ := openTemp(t)
		for id, at := range seen {
			if _, err := s.MarkSeen(t.Context(), id, at); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.PruneSeen(t.Context(), t0.Add(time.Hour)); err != nil || n != 2 {
			t.Errorf("PruneSeen = %d, %v; want 2", n, err)
		}
	})
}

// BenchmarkMarkSeenParallel records distinct activity ids from many
// goroutines at once, as the inbox does for every activity. The
// parallelism is goroutines per CPU.
func BenchmarkMarkSeenParallel(b *testing.B) {
	for _, p := range []int{1, 8, 32, 128} {
		b.Run(fmt.Sprintf("goroutines=%dxCPU", p), func(b *testing.B) {
			s := openBench(b)
			var next atomic.Int64
			b.SetParallelism(p)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := fmt.Sprintf("https://h.example/activities/%d", next.Add(1))
					if _, err := s.MarkSeen(b.Context(), id, time.Now()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// TestBatchAlone checks that a write made while no other is under way
// commits at once rather than wait for company.
func TestBatchAlone(t *testing.T) {
	s, _ := openTemp(t)
	s.db.MaxBatchDelay = time.Hour // a call that joined a batch would wait that long
	done := make(chan error, 1)
	go func() {
		_, err := s.MarkSeen(t.Context(), "https://a.example/activities/alone", time.Now())
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lone write waited for a batch")
	}
	if first, err := s.MarkSeen(t.Context(), "https://a.example/activities/alone", time.Now()); err != nil || first {
		t.Errorf("MarkSeen again = %v, %v; the lone write was not committed", first, err)
	}
}
