// Package delivery sends activities to followers' inboxes.
//
// A Queue keeps its jobs (one activity to one inbox) in the store, never in
// memory: Enqueue writes the activity and all its jobs in one durable
// transaction before it returns, the dispatcher pages through them holding
// a bounded window, and a job leaves the store only once its outcome has
// been written. A process killed at any moment loses nothing; requests that
// were in flight are made again when it restarts.
//
// Jobs are stored unsigned and signed afresh for every attempt
// (draft-cavage rsa-sha256 over (request-target), host, date and digest).
// Signing is the expensive part, so a few signer goroutines, each with its
// own httpsig.Signer, sign on every core while many sender goroutines wait
// on the network, under a global and a per-host limit. Outcomes are written
// in groups, a few transactions a second however fast jobs finish.
//
// Network errors, 5xx and 429 are retried with exponential back-off and
// jitter (or after the server's Retry-After) until the job is MaxAge old,
// when it is kept as failed. A host that fails many times in a row has its
// jobs parked while one probe tries it now and then; the probe's success
// releases them. 410 Gone calls OnGone and drops the job; other 4xx drop it.
// For one inbox, a job never starts before earlier jobs about the same
// object have finished: an Update never overtakes its Create.
package delivery
