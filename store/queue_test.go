package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func all(uint64, string) bool { return true }

// readyInboxes returns the inboxes of the ready jobs, in order, with their
// activity ids.
func readyJobs(t *testing.T, s *Store) []Job {
	t.Helper()
	jobs, _, end, err := s.ReadyJobs(t.Context(), 0, 1<<20, all)
	if err != nil {
		t.Fatal(err)
	}
	if !end {
		t.Fatal("ReadyJobs did not reach the end")
	}
	return jobs
}

func enqueue(t *testing.T, s *Store, a OutgoingActivity, inboxes ...string) {
	t.Helper()
	n, invalid, err := s.EnqueueDeliveries(t.Context(), a, inboxes, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(invalid) > 0 || n != len(inboxes) {
		t.Fatalf("queued %d of %d, invalid %q", n, len(inboxes), invalid)
	}
}

func finish(t *testing.T, s *Store, results ...JobResult) []DeliverySummary {
	t.Helper()
	sums, err := s.FinishJobs(t.Context(), results, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

func stats(t *testing.T, s *Store) QueueStats {
	t.Helper()
	st, err := s.QueueStats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestEnqueueDeliveries(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	a := OutgoingActivity{ID: "https://blog.example/a/1", ObjectID: "https://blog.example/p/1", Body: []byte(`{"type":"Create"}`)}
	inboxes := []string{
		"https://a.example/users/1/inbox",
		"https://a.example/users/2/inbox",
		"https://a.example/users/1/inbox", // again
		"https://A.example/users/3/inbox",
		"https://b.example/inbox",
		"ftp://c.example/inbox",
		"not a url",
		"https:///inbox",
	}
	n, invalid, err := s.EnqueueDeliveries(ctx, a, inboxes, t0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("queued %d jobs, want 4", n)
	}
	if want := []string{"ftp://c.example/inbox", "not a url", "https:///inbox"}; !slices.Equal(invalid, want) {
		t.Errorf("invalid = %q, want %q", invalid, want)
	}
	var got []string
	for _, j := range readyJobs(t, s) {
		got = append(got, j.Inbox)
		if j.ActivityID != a.ID || j.ObjectID != a.ObjectID || !j.Created.Equal(t0) || j.Attempts != 0 {
			t.Errorf("job %+v", j)
		}
		if j.Host != "a.example" && j.Host != "b.example" {
			t.Errorf("job host %q", j.Host)
		}
	}
	// A host's inboxes are queued together, so they share connections.
	want := []string{
		"https://a.example/users/1/inbox",
		"https://a.example/users/2/inbox",
		"https://A.example/users/3/inbox",
		"https://b.example/inbox",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ready jobs to\n%q\nwant\n%q", got, want)
	}
	bodies, err := s.ActivityBodies(ctx, []string{a.ID, "https://blog.example/a/none"})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || string(bodies[a.ID]) != string(a.Body) {
		t.Errorf("bodies = %q", bodies)
	}
	st := stats(t, s)
	if st.Pending != 4 || st.Unfinished() != 4 || len(st.Hosts) != 2 || st.Hosts[0] != (HostQueueStats{Host: "a.example", Pending: 3}) {
		t.Errorf("stats = %+v", st)
	}
	if len(st.Activities) != 1 || st.Activities[0].Total != 4 || st.Activities[0].ActivityID != a.ID {
		t.Errorf("activities = %+v", st.Activities)
	}
}

func TestEnqueueDeliveriesRefuses(t *testing.T) {
	s, _ := openTemp(t)
	for _, tc := range []struct {
		name string
		a    OutgoingActivity
	}{
		{"no id", OutgoingActivity{Body: []byte("{}")}},
		{"no body", OutgoingActivity{ID: "https://blog.example/a/1"}},
		{"NUL in object", OutgoingActivity{ID: "https://blog.example/a/1", ObjectID: "x\x00y", Body: []byte("{}")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.EnqueueDeliveries(t.Context(), tc.a, []string{"https://a.example/inbox"}, t0)
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
	if st := stats(t, s); st.Unfinished() != 0 {
		t.Errorf("stats after refusals = %+v", st)
	}
}

func TestJobsOfOneObjectRunInOrder(t *testing.T) {
	s, _ := openTemp(t)
	post := "https://blog.example/p/1"
	create := OutgoingActivity{ID: "https://blog.example/a/create", ObjectID: post, Body: []byte(`{"type":"Create"}`)}
	update := OutgoingActivity{ID: "https://blog.example/a/update", ObjectID: post, Body: []byte(`{"type":"Update"}`)}
	del := OutgoingActivity{ID: "https://blog.example/a/delete", ObjectID: post, Body: []byte(`{"type":"Delete"}`)}
	other := OutgoingActivity{ID: "https://blog.example/a/other", ObjectID: "https://blog.example/p/2", Body: []byte(`{}`)}
	i1, i2, i3 := "https://one.example/inbox", "https://two.example/inbox", "https://three.example/inbox"
	enqueue(t, s, create, i1, i2)
	enqueue(t, s, update, i1, i3)
	enqueue(t, s, del, i1)
	enqueue(t, s, other, i1)

	type pair struct{ activity, inbox string }
	ready := func() []pair {
		var out []pair
		for _, j := range readyJobs(t, s) {
			out = append(out, pair{strings.TrimPrefix(j.ActivityID, "https://blog.example/a/"), j.Inbox})
		}
		return out
	}
	want := []pair{{"create", i1}, {"create", i2}, {"update", i3}, {"other", i1}}
	if got := ready(); !slices.Equal(got, want) {
		t.Fatalf("ready = %v, want %v", got, want)
	}
	if st := stats(t, s); st.Pending != 4 || st.Blocked != 2 {
		t.Errorf("stats = %+v", st)
	}
	jobs := readyJobs(t, s)
	// The Create to i1 retries: the Update waits on.
	finish(t, s, JobResult{Job: jobs[0], Outcome: Retry, Attempted: true, Error: "503", At: t0, RetryAt: t0.Add(time.Minute)})
	want = []pair{{"create", i2}, {"update", i3}, {"other", i1}}
	if got := ready(); !slices.Equal(got, want) {
		t.Fatalf("after a retry, ready = %v, want %v", got, want)
	}
	due, _, _, err := s.DueJobs(t.Context(), t0.Add(time.Minute), 10, all)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %v, %v", due, err)
	}
	finish(t, s, JobResult{Job: due[0], Outcome: Delivered, Attempted: true, At: t0.Add(time.Minute)})
	want = []pair{{"create", i2}, {"update", i3}, {"other", i1}, {"update", i1}}
	if got := ready(); !slices.Equal(got, want) {
		t.Fatalf("after the Create, ready = %v, want %v", got, want)
	}
	// Whatever becomes of the Update, the Delete follows it.
	jobs = readyJobs(t, s)
	finish(t, s, JobResult{Job: jobs[3], Outcome: Rejected, Attempted: true, Error: "400 Bad Request", At: t0})
	want = []pair{{"create", i2}, {"update", i3}, {"other", i1}, {"delete", i1}}
	if got := ready(); !slices.Equal(got, want) {
		t.Fatalf("after the Update, ready = %v, want %v", got, want)
	}
	if st := stats(t, s); st.Pending != 4 || st.Blocked != 0 || st.Retrying != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestFinishJobs(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	a := OutgoingActivity{ID: "https://blog.example/a/1", ObjectID: "https://blog.example/p/1", Body: []byte(`{}`)}
	enqueue(t, s, a, "https://a.example/inbox", "https://b.example/inbox", "https://c.example/inbox", "https://d.example/inbox")
	jobs := readyJobs(t, s)
	retryAt := t0.Add(time.Hour)
	sums := finish(t, s,
		JobResult{Job: jobs[0], Outcome: Delivered, Attempted: true, At: t0},
		JobResult{Job: jobs[1], Outcome: Gone, Attempted: true, Error: "410 Gone", At: t0},
		JobResult{Job: jobs[2], Outcome: Retry, Attempted: true, Error: "503 Service Unavailable", At: t0, RetryAt: retryAt},
		JobResult{Job: jobs[3], Outcome: Retry, Attempted: true, Error: "timeout", At: t0, RetryAt: retryAt.Add(time.Hour)},
	)
	if len(sums) != 1 || sums[0].Delivered != 1 || sums[0].Gone != 1 || sums[0].Done() != 2 || !sums[0].Finished.IsZero() {
		t.Fatalf("summaries = %+v", sums)
	}
	// A result for a job no longer where it was read changes nothing.
	sums = finish(t, s, JobResult{Job: jobs[0], Outcome: Delivered, Attempted: true, At: t0})
	if len(sums) != 0 {
		t.Errorf("a stale result was counted: %+v", sums)
	}

	due, next, more, err := s.DueJobs(ctx, retryAt.Add(-time.Second), 10, all)
	if err != nil || len(due) != 0 || !next.Equal(retryAt) || more {
		t.Fatalf("before due: %v, next %v, more %v, %v", due, next, more, err)
	}
	due, next, _, err = s.DueJobs(ctx, retryAt, 10, all)
	if err != nil || len(due) != 1 || !next.Equal(retryAt.Add(time.Hour)) {
		t.Fatalf("when due: %v, next %v, %v", due, next, err)
	}
	if j := due[0]; j.Inbox != "https://c.example/inbox" || j.Attempts != 1 || j.LastError != "503 Service Unavailable" || !j.Due.Equal(retryAt) {
		t.Errorf("due job = %+v", j)
	}
	if st := stats(t, s); st.Retrying != 2 || st.Pending != 0 {
		t.Errorf("stats = %+v", st)
	}

	// Giving up keeps the job as failed; the last job out removes the body.
	due, _, _, err = s.DueJobs(ctx, retryAt.Add(2*time.Hour), 10, all)
	if err != nil || len(due) != 2 {
		t.Fatalf("due = %v, %v", due, err)
	}
	failedAt := retryAt.Add(2 * time.Hour)
	sums = finish(t, s,
		JobResult{Job: due[0], Outcome: Failed, Attempted: true, Error: "503 Service Unavailable", At: failedAt},
		JobResult{Job: due[1], Outcome: Delivered, Attempted: true, At: failedAt},
	)
	if len(sums) != 1 || sums[0].Done() != 4 || sums[0].Failed != 1 || !sums[0].Finished.Equal(failedAt) {
		t.Errorf("summaries = %+v", sums)
	}
	if bodies, _ := s.ActivityBodies(ctx, []string{a.ID}); len(bodies) != 0 {
		t.Error("the body outlived the activity's jobs")
	}
	failed, err := s.FailedDeliveries(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Inbox != "https://c.example/inbox" || failed[0].Attempts != 2 ||
		failed[0].Error != "503 Service Unavailable" || !failed[0].Failed.Equal(failedAt) {
		t.Errorf("failed = %+v", failed)
	}
	st := stats(t, s)
	if st.Unfinished() != 0 || st.Failed != 1 || len(st.Activities) != 0 ||
		len(st.Hosts) != 1 || st.Hosts[0].Failed != 1 || st.Hosts[0].LastError == "" {
		t.Errorf("stats = %+v", st)
	}
	sent, err := s.DeliverySummaries(ctx, a.ObjectID)
	if err != nil || len(sent) != 1 || sent[0].Delivered != 2 {
		t.Errorf("summaries of the post = %+v, %v", sent, err)
	}

	// Pruning removes the failure and the summary once old enough.
	if n, err := s.PruneDeliveries(ctx, failedAt); err != nil || n != 0 {
		t.Errorf("prune at the time = %d, %v", n, err)
	}
	if n, err := s.PruneDeliveries(ctx, failedAt.Add(time.Second)); err != nil || n != 2 {
		t.Errorf("prune after = %d, %v", n, err)
	}
	if st := stats(t, s); st.Failed != 0 {
		t.Errorf("stats after prune = %+v", st)
	}
}

func TestParkAndRelease(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	host := "down.example"
	var acts []OutgoingActivity
	for i := range 3 {
		a := OutgoingActivity{ID: fmt.Sprintf("https://blog.example/a/%d", i), ObjectID: fmt.Sprintf("https://blog.example/p/%d", i), Body: []byte(`{}`)}
		acts = append(acts, a)
		enqueue(t, s, a, "https://"+host+"/inbox")
	}
	enqueue(t, s, OutgoingActivity{ID: "https://blog.example/a/up", Body: []byte(`{}`)}, "https://up.example/inbox")
	jobs := readyJobs(t, s)
	probeAt, until := t0.Add(time.Minute), t0.Add(48*time.Hour)
	park := func(j Job) JobResult {
		return JobResult{Job: j, Outcome: Park, Attempted: true, Error: "503", At: t0, RetryAt: probeAt, Until: until}
	}
	finish(t, s, park(jobs[0]), park(jobs[1]), park(jobs[2]))
	st := stats(t, s)
	if st.Parked != 3 || st.Pending != 1 {
		t.Fatalf("stats = %+v", st)
	}
	// The first job parked probes; the others wait until they expire.
	due, next, _, err := s.DueJobs(ctx, probeAt, 10, all)
	if err != nil || len(due) != 1 || !due[0].Probe || due[0].Seq != jobs[0].Seq || !next.Equal(until) {
		t.Fatalf("due at the probe = %+v, next %v, %v", due, next, err)
	}
	// The probe fails again: it stays the probe.
	finish(t, s, JobResult{Job: due[0], Outcome: Retry, Attempted: true, Error: "503", At: probeAt, RetryAt: probeAt.Add(time.Minute)})
	due, _, _, err = s.DueJobs(ctx, probeAt.Add(time.Minute), 10, all)
	if err != nil || len(due) != 1 || !due[0].Probe || due[0].Attempts != 2 {
		t.Fatalf("due at the second probe = %+v, %v", due, err)
	}
	probe := due[0]

	// The host is back: release all but the probe, which is held.
	back := probeAt.Add(time.Minute)
	if _, err := s.FinishJobs(ctx, nil, []Release{{Host: host, At: back, Held: []uint64{probe.Seq}}}); err != nil {
		t.Fatal(err)
	}
	due, _, _, err = s.DueJobs(ctx, back, 10, all)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, j := range due {
		if j.Parked || (j.Probe && j.Seq != probe.Seq) {
			t.Errorf("released job still parked: %+v", j)
		}
		seqs = append(seqs, j.Seq)
	}
	slices.Sort(seqs)
	if want := []uint64{jobs[0].Seq, jobs[1].Seq, jobs[2].Seq}; !slices.Equal(seqs, want) {
		t.Errorf("due after release = %v, want %v", seqs, want)
	}
	if st := stats(t, s); st.Parked != 1 || st.Retrying != 2 {
		t.Errorf("stats after release = %+v", st)
	}
	// The held probe reports its own outcome, found where it was read.
	sums := finish(t, s, JobResult{Job: probe, Outcome: Delivered, Attempted: true, At: back})
	if len(sums) != 1 || sums[0].ActivityID != acts[0].ID || sums[0].Delivered != 1 {
		t.Errorf("probe's summary = %+v", sums)
	}
	// A new park elects a new probe, since the old one is gone.
	due, _, _, _ = s.DueJobs(ctx, back, 10, all)
	finish(t, s, park(due[0]))
	due2, _, _, _ := s.DueJobs(ctx, probeAt, 10, all)
	if len(due2) != 1 || !due2[0].Probe {
		t.Errorf("no new probe: %+v", due2)
	}
}

func TestReadyJobsWant(t *testing.T) {
	s, _ := openTemp(t)
	var inboxes []string
	for i := range 10 {
		inboxes = append(inboxes, fmt.Sprintf("https://h%d.example/inbox", i%2))
		inboxes[i] += fmt.Sprint(i)
	}
	enqueue(t, s, OutgoingActivity{ID: "https://blog.example/a/1", Body: []byte(`{}`)}, inboxes...)
	onlyH1 := func(_ uint64, host string) bool { return host == "h1.example" }
	jobs, next, end, err := s.ReadyJobs(t.Context(), 0, 3, onlyH1)
	if err != nil || len(jobs) != 3 || end {
		t.Fatalf("jobs %d, end %v, %v", len(jobs), end, err)
	}
	for _, j := range jobs {
		if j.Host != "h1.example" {
			t.Errorf("job of %s", j.Host)
		}
	}
	jobs, _, end, err = s.ReadyJobs(t.Context(), next, 10, onlyH1)
	if err != nil || len(jobs) != 2 || !end {
		t.Errorf("rest: jobs %d, end %v, %v", len(jobs), end, err)
	}
}

func TestEnqueueTenThousandInOneTransaction(t *testing.T) {
	s, _ := openTemp(t)
	inboxes := make([]string, 10000)
	for i := range inboxes {
		inboxes[i] = fmt.Sprintf("https://server%d.example/users/u%d/inbox", i%1000, i)
	}
	a := OutgoingActivity{ID: "https://blog.example/a/big", ObjectID: "https://blog.example/p/big", Body: []byte(strings.Repeat("x", 3000))}
	start := time.Now()
	n, _, err := s.EnqueueDeliveries(t.Context(), a, inboxes, t0)
	took := time.Since(start)
	if err != nil || n != len(inboxes) {
		t.Fatalf("queued %d, %v", n, err)
	}
	t.Logf("10,000 jobs queued in %v", took)
	// Well under a second on an idle machine; the bound leaves room for a
	// busy one.
	if took > 3*time.Second {
		t.Errorf("queuing 10,000 jobs took %v", took)
	}
	if st := stats(t, s); st.Pending != len(inboxes) {
		t.Errorf("pending = %d", st.Pending)
	}
}

func BenchmarkEnqueue10000(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	inboxes := make([]string, 10000)
	for i := range inboxes {
		inboxes[i] = fmt.Sprintf("https://server%d.example/users/u%d/inbox", i%1000, i)
	}
	body := []byte(strings.Repeat("x", 3000))
	i := 0
	for b.Loop() {
		i++
		a := OutgoingActivity{ID: fmt.Sprintf("https://blog.example/a/%d", i), ObjectID: fmt.Sprintf("https://blog.example/p/%d", i), Body: body}
		if _, _, err := s.EnqueueDeliveries(context.Background(), a, inboxes, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadAndFinishJobs(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	inboxes := make([]string, 10000)
	for i := range inboxes {
		inboxes[i] = fmt.Sprintf("https://server%d.example/users/u%d/inbox", i%1000, i)
	}
	body := []byte(strings.Repeat("x", 1000))
	n := 0
	for b.Loop() {
		n++
		a := OutgoingActivity{ID: fmt.Sprintf("https://blog.example/a/%d", n), ObjectID: fmt.Sprintf("https://blog.example/p/%d", n), Body: body}
		b.StopTimer()
		if _, _, err := s.EnqueueDeliveries(ctx, a, inboxes, t0); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var from uint64
		for {
			jobs, next, end, err := s.ReadyJobs(ctx, from, 40, all)
			if err != nil {
				b.Fatal(err)
			}
			from = next
			results := make([]JobResult, len(jobs))
			for i, j := range jobs {
				results[i] = JobResult{Job: j, Outcome: Delivered, Attempted: true, At: t0}
			}
			if _, err := s.FinishJobs(ctx, results, nil); err != nil {
				b.Fatal(err)
			}
			if end && len(jobs) == 0 {
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*len(inboxes)), "ns/job")
}

// TestSpreadInboxes checks that a host's inboxes are queued in runs of at
// most hostRun, the runs of the hosts taking turns.
func TestSpreadInboxes(t *testing.T) {
	var inboxes []string
	for i := range hostRun + 2 {
		inboxes = append(inboxes, fmt.Sprintf("https://big.example/users/%d/inbox", i))
	}
	inboxes = append(inboxes, "https://small.example/inbox", "https://big.example/users/0/inbox")
	out, invalid := spreadInboxes(inboxes)
	if len(invalid) != 0 {
		t.Fatalf("invalid %q", invalid)
	}
	var hosts []string
	for _, tg := range out {
		hosts = append(hosts, tg.host)
	}
	want := slices.Repeat([]string{"big.example"}, hostRun)
	want = append(want, "small.example", "big.example", "big.example")
	if !slices.Equal(hosts, want) {
		t.Errorf("hosts in order %q, want %q", hosts, want)
	}
}
