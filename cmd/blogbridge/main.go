// Command blogbridge serves a Hugo-style blog as a website, as feeds and as
// a fediverse actor.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build information.
var version = ""

const usage = `blogbridge makes a Hugo-style blog followable from the fediverse and from
every feed reader.

Usage:
  blogbridge serve [flags]                  serve the site, its feeds and its fediverse actor
  blogbridge check [flags]                  read the site and report every problem, by file and line
  blogbridge followers list|remove          list or remove followers
  blogbridge followers requests|approve|reject
                                            answer follow requests (locked accounts)
  blogbridge block add|remove|list          block servers and accounts
  blogbridge announce URL...                send posts from before federation started to followers
  blogbridge deliveries [--json]            show the delivery queue
  blogbridge version                        print the version

Run "blogbridge COMMAND --help" for a command's flags. Every flag can also be
set in blogbridge.toml (--config) or as a BLOGBRIDGE_* environment variable.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command in args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stderr)
	case "check":
		err = cmdCheck(ctx, args[1:], stdout, stderr)
	case "followers":
		err = cmdFollowers(ctx, args[1:], stdout, stderr)
	case "block":
		err = cmdBlock(ctx, args[1:], stdout, stderr)
	case "announce":
		err = cmdAnnounce(ctx, args[1:], stdout, stderr)
	case "deliveries":
		err = cmdDeliveries(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "blogbridge", buildVersion())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "blogbridge: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errCheckFailed):
		return 1
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "blogbridge %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "blogbridge %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a problem with the command line or configuration.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: blogbridge %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}
