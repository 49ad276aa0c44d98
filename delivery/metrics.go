package delivery

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"
)

// metrics counts what the queue does, for WriteMetrics.
type metrics struct {
	enqueued, delivered, gone, rejected, failed, retried, parked atomic.Int64
	// depth is the jobs not finished: counted from the store when Run
	// starts, then kept up to date.
	depth atomic.Int64
	// request is how long requests take; latency how long from queuing to
	// delivery.
	request, latency histogram
}

func (m *metrics) init() {
	m.request.bounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	m.latency.bounds = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600}
	m.request.counts = make([]atomic.Int64, len(m.request.bounds)+1)
	m.latency.counts = make([]atomic.Int64, len(m.latency.bounds)+1)
}

// histogram is a Prometheus histogram with fixed bounds, in seconds.
type histogram struct {
	bounds []float64
	counts []atomic.Int64 // per bucket, not cumulative; the last is +Inf
	sumNs  atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	d = max(d, 0)
	s := d.Seconds()
	i := 0
	for i < len(h.bounds) && s > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

func (h *histogram) write(w *bufio.Writer, name, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var cum int64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		fmt.Fprintf(w, "%s_bucket{le=\"%s\"} %d\n", name, strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	cum += h.counts[len(h.bounds)].Load()
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n", name, cum)
	fmt.Fprintf(w, "%s_sum %s\n", name, strconv.FormatFloat(float64(h.sumNs.Load())/1e9, 'g', -1, 64))
	fmt.Fprintf(w, "%s_count %d\n", name, cum)
}

// WriteMetrics writes the queue's metrics in the Prometheus text format:
// jobs finished by outcome, retries, parked jobs, queue depth, requests in
// flight, request durations and the time from queuing to delivery.
func (q *Queue) WriteMetrics(w io.Writer) error {
	m := &q.metrics
	bw := bufio.NewWriter(w)
	counter := func(name, help string, v int64) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	counter("blogbridge_delivery_enqueued_total", "Delivery jobs queued (one activity to one inbox).", m.enqueued.Load())
	const finished = "blogbridge_delivery_finished_total"
	fmt.Fprintf(bw, "# HELP %s Delivery jobs finished, by outcome.\n# TYPE %s counter\n", finished, finished)
	for _, o := range []struct {
		name string
		v    int64
	}{
		{"delivered", m.delivered.Load()},
		{"gone", m.gone.Load()},
		{"rejected", m.rejected.Load()},
		{"failed", m.failed.Load()},
	} {
		fmt.Fprintf(bw, "%s{outcome=%q} %d\n", finished, o.name, o.v)
	}
	counter("blogbridge_delivery_retries_total", "Delivery attempts that failed and were scheduled again.", m.retried.Load())
	counter("blogbridge_delivery_parked_total", "Delivery jobs parked because their host was down.", m.parked.Load())
	gauge("blogbridge_delivery_queue_depth", "Delivery jobs not finished.", max(m.depth.Load(), 0))
	gauge("blogbridge_delivery_in_flight", "Delivery jobs being signed or sent.", q.inPipe.Load())
	m.request.write(bw, "blogbridge_delivery_request_duration_seconds", "How long delivery requests take.")
	m.latency.write(bw, "blogbridge_delivery_latency_seconds", "Time from queuing a job to its delivery.")
	return bw.Flush()
}
