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
// ratio: signing is the bound, the rest should cost little. On a machine
// shared with other work the wall-clock rates wander; cpu_ratio, the CPU
// time of a signature over that of a whole delivery (both ends of the
// HTTP exchange included, as the servers run in this process), does not.
// cpus is how many cores the process kept busy.
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
	rate1, signCPU1 := signingRate(time.Second)

	cpu0 := cpuTime()
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
	cpu := cpuTime() - cpu0
	elapsed := b.Elapsed()
	rate2, signCPU2 := signingRate(time.Second)
	signRate, signCPU := (rate1+rate2)/2, (signCPU1+signCPU2)/2

	rate := float64(n*i) / elapsed.Seconds()
	cpuPerDelivery := cpu / time.Duration(n*i)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(signRate, "signs/s")
	b.ReportMetric(rate/signRate, "ratio")
	// The same ratio from CPU time, which other processes on the machine
	// do not skew: the signature's share of a delivery's cost.
	b.ReportMetric(float64(cpuPerDelivery.Microseconds()), "cpu_us/delivery")
	b.ReportMetric(float64(signCPU.Microseconds()), "cpu_us/sign")
	b.ReportMetric(float64(signCPU)/float64(cpuPerDelivery), "cpu_ratio")
	b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cpus")
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
// second all cores make together, and how much CPU time one takes.
func signingRate(d time.Duration) (rate float64, cpuPerSign time.Duration) {
	key := testKey()
	digest := sha256.Sum256([]byte("signing string"))
	var total atomic.Int64
	var wg sync.WaitGroup
	ru0 := cpuTime()
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
	n := total.Load()
	return float64(n) / time.Since(begin).Seconds(), (cpuTime() - ru0) / time.Duration(n)
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
