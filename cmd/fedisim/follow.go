package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
)

// followReport is the --json output of follow.
type followReport struct {
	Target     string      `json:"target"`
	Inbox      string      `json:"inbox"`
	Servers    int         `json:"servers"`
	Actors     int         `json:"actors"`
	Sent       int         `json:"sent"`
	Status     map[int]int `json:"status"`
	Errors     int         `json:"errors"`
	FirstError string      `json:"first_error,omitempty"`
	DurationMS float64     `json:"duration_ms"`
	PerSecond  float64     `json:"follows_per_second"`
	// AcceptedMS is from the first Follow sent to the last Accept
	// received, and AcceptedPerSecond the follows accepted a second over
	// that time: the rate the target sustains with its answers included.
	AcceptedMS        float64       `json:"accepted_ms,omitempty"`
	AcceptedPerSecond float64       `json:"accepted_per_second,omitempty"`
	P50MS             float64       `json:"p50_ms"`
	P99MS             float64       `json:"p99_ms"`
	LingerMS          float64       `json:"linger_ms"`
	Received          fedisim.Stats `json:"received"`
	// Accepted is how many of the Follows the target answered with an
	// Accept.
	Accepted int `json:"follows_accepted"`
}

// cmdFollow has every simulated actor follow the target.
func cmdFollow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("follow", flag.ContinueOnError)
	var sf simFlags
	sf.register(fs, 10, 5)
	target := fs.String("target", "", "the actor to follow, e.g. http://127.0.0.1:8080/ap/actor (required)")
	rate := fs.Float64("rate", 0, "follows per second; 0 sends as fast as --concurrency allows")
	concurrency := fs.Int("concurrency", 16, "follows in flight at once")
	presign := fs.Bool("presign", true, "sign every Follow before the timed phase, so signing is not measured")
	style := fs.String("style", "cavage", "signature style: cavage, rfc9421-rsa or rfc9421-ed25519")
	linger := fs.Duration("linger", 10*time.Second, "keep serving this long after sending, so the target can fetch keys and deliver Accepts")
	asJSON := fs.Bool("json", false, "print one JSON report at the end instead of text")
	quiet := fs.Bool("quiet", false, "do not print each delivery the target sends back")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: fedisim follow --target ACTOR_URL [flags]\n\n"+
			"Starts the simulated servers, sends one Follow from each actor to the target's\n"+
			"shared inbox (or inbox), reports follows/s and latencies, then keeps serving\n"+
			"for --linger, printing what the target delivers back.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	signStyle, styleErr := fedisim.ParseSignStyle(*style)
	switch {
	case *target == "":
		return usageError(fs, stderr, errors.New("--target is required"))
	case styleErr != nil:
		return usageError(fs, stderr, fmt.Errorf("--style %q: want cavage, rfc9421-rsa or rfc9421-ed25519", *style))
	case *rate < 0:
		return usageError(fs, stderr, fmt.Errorf("--rate must not be negative, got %v", *rate))
	case *concurrency < 1:
		return usageError(fs, stderr, fmt.Errorf("--concurrency must be at least 1, got %d", *concurrency))
	case *linger < 0:
		return usageError(fs, stderr, fmt.Errorf("--linger must not be negative, got %s", *linger))
	}
	if err := sf.check(); err != nil {
		return usageError(fs, stderr, err)
	}
	if signStyle == fedisim.RFC9421Ed25519 {
		sf.ed25519 = true
	}

	opts := sf.options(stderr)
	var (
		mu         sync.Mutex
		accepted   = map[string]bool{} // ids of the Follows accepted
		lastAccept time.Time
	)
	opts.OnDelivery = func(d fedisim.Delivery) {
		if d.Verified && d.Type == "Accept" {
			mu.Lock()
			if !accepted[d.Object] {
				accepted[d.Object], lastAccept = true, time.Now()
			}
			mu.Unlock()
		}
		if !*asJSON && !*quiet {
			mu.Lock()
			printDelivery(stdout, d)
			mu.Unlock()
		}
	}
	start := time.Now()
	sim, err := fedisim.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer sim.Close()
	actors := sim.Actors()
	if !*asJSON {
		fmt.Fprintf(stdout, "started %d servers, %d actors in %s\n", sf.servers, len(actors), time.Since(start).Round(time.Millisecond))
	}

	remote, err := sim.ResolveActor(ctx, *target)
	if err != nil {
		return err
	}
	inbox := remote.DeliveryInbox()
	if !*asJSON {
		fmt.Fprintf(stdout, "target %s, delivering to %s\n", remote.ID, inbox)
	}
	res, err := sim.Blast(ctx, fedisim.BlastOptions{
		Inbox:       inbox,
		Count:       len(actors),
		Rate:        *rate,
		Concurrency: *concurrency,
		Presign:     *presign,
		Style:       signStyle,
		Make: func(i int) (*fedisim.Actor, map[string]any) {
			return actors[i], sim.Follow(actors[i], remote.ID)
		},
	})
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "sent %d follows in %s: %.1f follows/s, p50 %s, p99 %s\n",
			res.Sent, res.Duration.Round(time.Millisecond), res.PerSecond,
			res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond))
		fmt.Fprintf(stdout, "status: %s", counts(res.Status))
		if res.Errors > 0 {
			fmt.Fprintf(stdout, " errors=%d (first: %s)", res.Errors, res.FirstError)
		}
		fmt.Fprintln(stdout)
		if *linger > 0 {
			fmt.Fprintf(stdout, "serving for %s so the target can fetch keys and answer...\n", *linger)
		}
	}

	lingerStart := time.Now()
	if *linger > 0 {
		wait, cancel := context.WithTimeout(ctx, *linger)
		// Stop early once every Follow has its Accept.
		sim.WaitFor(wait, func(st fedisim.Stats) bool { return st.ByType["Accept"] >= len(actors) })
		cancel()
	}
	st := sim.Stats()
	mu.Lock()
	nAccepted := len(accepted)
	var acceptedIn time.Duration
	if nAccepted > 0 {
		acceptedIn = lastAccept.Sub(res.Start)
	}
	mu.Unlock()
	acceptedRate := 0.0
	if acceptedIn > 0 {
		acceptedRate = float64(nAccepted) / acceptedIn.Seconds()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(followReport{
			Target: remote.ID, Inbox: inbox, Servers: sf.servers, Actors: len(actors),
			Sent: res.Sent, Status: res.Status, Errors: res.Errors, FirstError: res.FirstError,
			DurationMS: ms(res.Duration), PerSecond: res.PerSecond, P50MS: ms(res.P50), P99MS: ms(res.P99),
			LingerMS: ms(time.Since(lingerStart)), Received: st, Accepted: nAccepted,
			AcceptedMS: ms(acceptedIn), AcceptedPerSecond: acceptedRate,
		})
	}
	fmt.Fprintf(stdout, "received %d deliveries: accepted %d (%s), rejected %d (%s), duplicates %d, key fetches %d; %d of %d follows accepted\n",
		st.Received, st.Accepted, counts(st.ByType), st.RejectedTotal, counts(st.Rejected), st.Duplicates,
		st.KeyFetches, nAccepted, len(actors))
	if nAccepted > 0 {
		fmt.Fprintf(stdout, "the last Accept came %s after the first Follow: %.1f follows/s accepted\n",
			acceptedIn.Round(time.Millisecond), acceptedRate)
	}
	return nil
}

// printDelivery prints one line for a delivery as it arrives.
func printDelivery(w io.Writer, d fedisim.Delivery) {
	if d.Verified {
		dup := ""
		if d.Duplicate {
			dup = " (duplicate)"
		}
		fmt.Fprintf(w, "%s %s %s of %s from %s to %s%s\n",
			d.Time.Format("15:04:05.000"), d.Type, d.ID, d.Object, d.Actor, d.Inbox, dup)
		return
	}
	fmt.Fprintf(w, "%s REJECTED %s %s from %s to %s: %s: %s\n",
		d.Time.Format("15:04:05.000"), d.Type, d.ID, d.Actor, d.Inbox, d.Reason, d.Detail)
}
