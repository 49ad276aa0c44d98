package delivery

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/blogbridge/blogbridge/internal/httpsig"
	"github.com/blogbridge/blogbridge/internal/outbound"
)

// maxDiscard is the most of a response body read before closing it: enough
// to let a short answer's connection be reused, no more.
const maxDiscard = 4 << 10

// contentType is what activities are sent as.
const contentType = "application/activity+json"

// outgoing is a signed request for a job.
type outgoing struct {
	job *heldJob
	req *http.Request
}

// result is what came of sending a job.
type result struct {
	job *heldJob
	// abandoned: the job was not finished because Run is stopping; it
	// stays in the store as it was.
	abandoned bool
	attempted bool
	status    int
	err       error
	// permanent: err will not go away by retrying.
	permanent  bool
	retryAfter time.Duration
	took       time.Duration
}

// signLoop signs the jobs from in with its own Signer and passes them to
// out; jobs it cannot sign are reported to r.results.
func (r *runner) signLoop(in <-chan *heldJob, out chan<- outgoing) {
	q := r.q
	signer := httpsig.NewSigner(q.opts.KeyID, q.opts.Key)
	for hj := range in {
		if r.ctx.Err() != nil {
			r.results <- result{job: hj, abandoned: true}
			continue
		}
		req, err := http.NewRequestWithContext(r.sendCtx, http.MethodPost, hj.job.Inbox, bytes.NewReader(hj.body))
		if err == nil {
			req.Header.Set("Content-Type", contentType)
			req.Close = hj.closeConn
			err = signer.Sign(req, hj.body, q.now())
		}
		if err != nil {
			r.results <- result{job: hj, err: err, permanent: true}
			continue
		}
		out <- outgoing{job: hj, req: req}
	}
}

// sendLoop sends the requests from in and reports their results.
func (r *runner) sendLoop(in <-chan outgoing) {
	for o := range in {
		if r.ctx.Err() != nil {
			r.results <- result{job: o.job, abandoned: true}
			continue
		}
		r.results <- r.send(o)
	}
}

// send makes one request and reads at most maxDiscard of the answer.
func (r *runner) send(o outgoing) result {
	q := r.q
	res := result{job: o.job, attempted: true}
	start := time.Now()
	resp, err := q.opts.Client.Do(o.req)
	if err != nil {
		if r.sendCtx.Err() != nil {
			// Cut off by the drain deadline: the job runs again next time.
			return result{job: o.job, abandoned: true}
		}
		res.err = err
		res.permanent = errors.Is(err, outbound.ErrForbiddenAddress)
		res.took = time.Since(start)
		return res
	}
	io.CopyN(io.Discard, resp.Body, maxDiscard)
	resp.Body.Close()
	res.took = time.Since(start)
	res.status = resp.StatusCode
	res.retryAfter = retryAfter(resp.Header.Get("Retry-After"), q.now())
	if res.status == http.StatusGone && q.opts.OnGone != nil {
		q.opts.OnGone(r.sendCtx, o.job.job.Inbox)
	}
	return res
}

// retryable reports whether a failed attempt is worth trying again: network
// errors, 5xx and 429.
func (res *result) retryable() bool {
	if res.err != nil {
		return !res.permanent
	}
	return res.status >= 500 || res.status == http.StatusTooManyRequests
}

// errorText describes a failed attempt.
func (res *result) errorText() string {
	if res.err != nil {
		return res.err.Error()
	}
	return strconv.Itoa(res.status) + " " + http.StatusText(res.status)
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), 0 when
// absent, malformed or past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 || secs > int64(365*24*time.Hour/time.Second) {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff returns the delay before retry number attempt (1 for the first),
// doubling from BackoffBase up to BackoffMax, give or take a fifth.
func (q *Queue) backoff(attempt int) time.Duration {
	d := q.opts.BackoffBase
	for i := 1; i < attempt && d < q.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, q.opts.BackoffMax)
	fifth := int64(d / 5)
	if fifth > 0 {
		d += time.Duration(rand.Int64N(2*fifth+1) - fifth)
	}
	return d
}
