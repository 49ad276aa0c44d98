// Command fedisim runs a simulated fediverse on loopback: many small
// ActivityPub servers in one process, to load and test blogbridge's inbox
// and delivery.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/blogbridge/blogbridge/internal/fedisim"
)

const usage = `fedisim runs a simulated fediverse on loopback, to test and load an
ActivityPub server's inbox and delivery.

Usage:
  fedisim follow --target ACTOR_URL [flags]   every simulated actor follows the target
  fedisim serve [flags]                       serve actors and inboxes, count deliveries

Run "fedisim COMMAND --help" for a command's flags. Everything stays on
127.0.0.1: the target must be on loopback too.
`

// errUsage marks a command-line mistake, already reported.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command in args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "follow":
		err = cmdFollow(ctx, args[1:], stdout, stderr)
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "fedisim: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "fedisim: %v\n", err)
		return 1
	}
}

// simFlags are the flags both commands share.
type simFlags struct {
	servers, actorsPerServer, keys int
	ed25519, verbose               bool
}

func (f *simFlags) register(fs *flag.FlagSet, servers, actors int) {
	fs.IntVar(&f.servers, "servers", servers, "number of simulated servers, each on its own port")
	fs.IntVar(&f.actorsPerServer, "actors-per-server", actors, "actors on each server")
	fs.IntVar(&f.keys, "keys", 4, "distinct RSA-2048 keys the actors share (each actor keeps its own key id)")
	fs.BoolVar(&f.ed25519, "ed25519", false, "give each actor an ed25519 key too (FEP-521a Multikey)")
	fs.BoolVar(&f.verbose, "verbose", false, "log every request the simulator handles")
}

// check validates the shared flags.
func (f *simFlags) check() error {
	switch {
	case f.servers < 1 || f.servers > 15000:
		return fmt.Errorf("--servers must be between 1 and 15000, got %d", f.servers)
	case f.actorsPerServer < 1:
		return fmt.Errorf("--actors-per-server must be at least 1, got %d", f.actorsPerServer)
	case f.keys < 1 || f.keys > 64:
		return fmt.Errorf("--keys must be between 1 and 64, got %d", f.keys)
	}
	return nil
}

// options turns the shared flags into simulator options.
func (f *simFlags) options(stderr io.Writer) fedisim.Options {
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	return fedisim.Options{
		Servers:         f.servers,
		ActorsPerServer: f.actorsPerServer,
		Keys:            f.keys,
		Ed25519:         f.ed25519,
		Logger:          slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
}

// parseFlags parses args into fs, reporting mistakes on stderr, and
// rejects positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fedisim %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

// usageError reports a bad flag value with the command's usage.
func usageError(fs *flag.FlagSet, stderr io.Writer, err error) error {
	fmt.Fprintf(stderr, "fedisim %s: %v\n", fs.Name(), err)
	fs.Usage()
	return errUsage
}

// counts formats a map of counts as "a=1 b=2", sorted by key.
func counts[K ~string | ~int](m map[K]int) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%v=%d", k, m[k])
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// ms is a duration in milliseconds, for JSON output.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
