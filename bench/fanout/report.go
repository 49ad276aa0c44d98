package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blogbridge/blogbridge/internal/rsasign"
)

// report prints a scenario's figures as aligned "name: value" lines and
// counts the checks that failed.
type report struct {
	w      io.Writer
	failed int
}

func newReport(w io.Writer) *report { return &report{w: w} }

// line prints one figure.
func (r *report) line(name, format string, args ...any) {
	fmt.Fprintf(r.w, "  %-22s %s\n", name+":", fmt.Sprintf(format, args...))
}

// check prints a check and whether it held.
func (r *report) check(ok bool, format string, args ...any) {
	verdict := "ok  "
	if !ok {
		verdict = "FAIL"
		r.failed++
	}
	fmt.Fprintf(r.w, "  check %s %s\n", verdict, fmt.Sprintf(format, args...))
}

// env prints the machine's state: the runs share it with other work.
func (r *report) env(when string) {
	r.line("machine "+when, "%d CPUs, GOMAXPROCS %d, load average %s", runtime.NumCPU(), runtime.GOMAXPROCS(0),
		loadAverage())
}

// loadAverage is the 1, 5 and 15 minute load averages, or "n/a".
func loadAverage() string {
	f := strings.Fields(firstLine("/proc/loadavg"))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// round rounds d for printing.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// mib formats a byte count in MiB.
func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// percentile returns the p-th percentile (0 to 100) of sorted durations,
// by the nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// latencies sums up durations: count, p50, p90, p99 and max.
func latencies(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("n=%d p50 %s p90 %s p99 %s max %s", len(s), round(percentile(s, 50)),
		round(percentile(s, 90)), round(percentile(s, 99)), round(s[len(s)-1]))
}

// signRate measures how many RSA-2048 PKCS #1 v1.5 SHA-256 signatures a
// second this machine makes with workers goroutines signing for d through
// lib (nil for Go's crypto/rsa): with the library serve signs with, the
// bound on a fan-out to distinct inboxes, where every request is signed.
func signRate(ctx context.Context, d time.Duration, workers int, lib *rsasign.Library) (float64, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, err
	}
	signer, err := lib.Signer(key)
	if err != nil {
		return 0, err
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			msg := fmt.Appendf(nil, "(request-target): post /users/u%d/inbox\nhost: 127.0.0.1\ndate: %s", w, start.Format(time.RFC1123))
			for i := 0; ctx.Err() == nil && time.Now().Before(deadline); i++ {
				msg = append(msg[:len(msg)-1], byte('0'+i%10))
				sum := sha256.Sum256(msg)
				if _, err := signer.Sign(nil, sum[:], crypto.SHA256); err != nil {
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}
