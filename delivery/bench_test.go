package delivery

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var fanOutInboxes = flag.Int("fanout.inboxes", 10000, "how many inboxes BenchmarkFanOut delivers to")

// BenchmarkFanOut delivers activities to many distinct inboxes on loopback
// servers (each inbox on a server of its own, then 100 inboxes a server)
// and reports deliveries per second beside the machine's raw parallel
// RSA-2048 signing rate, measured just before and just after, and their
// ratio: signing is the bound, the rest should cost little. cpus is how
// many cores the process kept busy.
func BenchmarkFanOut(b *testing.B) {
	n := *fanOutInboxes
	for _, perServer := range []int{1, 100} {
		b.Run(fmt.Sprintf("inboxes=%d/per_server=%d", n, perServer), func(b *testing.B) {
			benchmarkFanOut(b, n, perServer)
		})
	}
}

func benchmarkFanOut(b *testing.B, n, perServer int) {
	var count atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		count.Add(1)
		w.WriteHeader(http.StatusAccepted)
	})
	inboxes := make([]string, 0, n)
	for len(inboxes) < n {
		srv := httptest.NewServer(handler)
		b.Cleanup(srv.Close)
		for i := 0; i < perServer && len(inboxes) < n; i++ {
			inboxes = append(inboxes, fmt.Sprintf("%s/users/%d/inbox", srv.URL, len(inboxes)))
		}
	}
	st := openStore(b, b.TempDir())
	q := newTestQueue(b, st, Options{Logger: slog.New(slog.DiscardHandler)})
	start(b, q)
	signBefore := signingRate(time.Second)

	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	i := 0
	for b.Loop() {
		i++
		want := count.Load() + int64(n)
		a := activity(fmt.Sprintf("https://blog.example/a/%d", i), "Create", fmt.Sprintf("https://blog.example/p/%d", i))
		if err := q.Enqueue(context.Background(), a, inboxes); err != nil {
			b.Fatal(err)
		}
		for count.Load() < want {
			time.Sleep(time.Millisecond)
		}
	}
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	elapsed := b.Elapsed()
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	signRate := (signBefore + signingRate(time.Second)) / 2

	rate := float64(n*i) / elapsed.Seconds()
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(signRate, "signs/s")
	b.ReportMetric(rate/signRate, "ratio")
	b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cpus")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*i), "cpu_us/delivery")
}

// BenchmarkSignRSA2048Parallel measures the raw RSA-2048 PKCS #1 v1.5
// signing rate with every core signing: the bound on deliveries per second.
func BenchmarkSignRSA2048Parallel(b *testing.B) {
	key := testKey()
	digest := sha256.Sum256([]byte("signing string"))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
}

// signingRate measures, for about d, how many RSA-2048 signatures per
// second all cores make together.
func signingRate(d time.Duration) float64 {
	key := testKey()
	digest := sha256.Sum256([]byte("signing string"))
	var total atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Since(begin) < d {
				rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
				total.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(total.Load()) / time.Since(begin).Seconds()
}
