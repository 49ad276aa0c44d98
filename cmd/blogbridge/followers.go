package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/blogbridge/blogbridge/store"
)

const followersUsage = `Usage:
  blogbridge followers list [--json] [--data DIR]     list the blog's followers
  blogbridge followers remove ACTOR [--data DIR]      remove a follower by actor URL
  blogbridge followers requests [--json] [--data DIR] list follow requests waiting for approval
  blogbridge followers approve ACTOR [--data DIR]     accept a follow request
  blogbridge followers reject ACTOR [--data DIR]      turn down a follow request

Requests wait for approval when fediverse-manually-approves-followers is
set. These work while serve runs (through it) and when it is stopped; an
answer given while serve is stopped is sent to the follower's server when
serve starts.
`

func cmdFollowers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, followersUsage)
		if len(args) == 0 {
			return usageError{errors.New("want list or remove")}
		}
		return nil
	}
	fs := newFlagSet("followers "+args[0], "Manage the blog's followers.", stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	data, rest, err := adminFlags(fs, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "list", "requests":
		if len(rest) > 0 {
			return usageError{fmt.Errorf("unexpected argument %q", rest[0])}
		}
	case "remove", "approve", "reject":
		if len(rest) != 1 || !isActorURL(rest[0]) {
			return usageError{errors.New("want the actor URL of the follower, e.g. https://mastodon.example/users/alice")}
		}
	default:
		return usageError{fmt.Errorf("unknown subcommand %q; want list, remove, requests, approve or reject", args[0])}
	}
	a, closeAdmin, err := openAdmin(ctx, data)
	if err != nil {
		return err
	}
	defer closeAdmin()
	switch args[0] {
	case "approve", "reject":
		sent, err := a.AnswerRequest(ctx, rest[0], args[0] == "approve")
		if err != nil {
			return err
		}
		done := map[string]string{"approve": "approved", "reject": "rejected"}[args[0]]
		fmt.Fprintf(stdout, "%s the follow request of %s", done, rest[0])
		if !sent {
			fmt.Fprint(stdout, "; serve sends the answer when it starts")
		}
		fmt.Fprintln(stdout)
		return nil
	case "requests":
		reqs, err := a.FollowRequests(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, reqs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACTOR\tASKED\tANSWER")
		for _, f := range reqs {
			answer := "-"
			if f.Answer != "" {
				answer = f.Answer + ", sent when serve starts"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.ActorID, f.Since.Local().Format(time.DateTime), answer)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%d follow requests\n", len(reqs))
		return nil
	}
	if args[0] == "remove" {
		removed, err := a.RemoveFollower(ctx, rest[0])
		if err != nil {
			return err
		}
		if !removed {
			return fmt.Errorf("%s is not a follower", rest[0])
		}
		fmt.Fprintf(stdout, "removed follower %s\n", rest[0])
		return nil
	}
	fs2, err := a.Followers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, fs2)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTOR\tDELIVERS TO\tSINCE")
	for _, f := range fs2 {
		target := f.SharedInbox
		if target == "" {
			target = f.Inbox
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.ActorID, target, f.Since.Local().Format(time.DateTime))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d followers\n", len(fs2))
	return nil
}

const blockUsage = `Usage:
  blogbridge block add DOMAIN|ACTOR [--reason TEXT] [--data DIR]   block a server or an account
  blogbridge block remove DOMAIN|ACTOR [--data DIR]                unblock it
  blogbridge block list [--json] [--data DIR]                      list the blocks

A blocked server or account gets 403 from the inbox and is never delivered
to; blocking removes its followers. A domain block covers its subdomains.
These work while serve runs (through it) and when it is stopped.
`

func cmdBlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, blockUsage)
		if len(args) == 0 {
			return usageError{errors.New("want add, remove or list")}
		}
		return nil
	}
	fs := newFlagSet("block "+args[0], "Block servers and accounts.", stderr)
	asJSON := fs.Bool("json", false, "print JSON (list)")
	reason := fs.String("reason", "", "why, for your records (add)")
	data, rest, err := adminFlags(fs, args[1:])
	if err != nil {
		return err
	}
	var b store.Block
	switch args[0] {
	case "list":
		if len(rest) > 0 {
			return usageError{fmt.Errorf("unexpected argument %q", rest[0])}
		}
	case "add", "remove":
		if len(rest) != 1 {
			return usageError{errors.New("want one domain (social.example) or actor URL (https://social.example/users/bob)")}
		}
		if b, err = parseBlockTarget(rest[0]); err != nil {
			return usageError{err}
		}
		b.Reason, b.Created = *reason, time.Now().UTC()
	default:
		return usageError{fmt.Errorf("unknown subcommand %q; want add, remove or list", args[0])}
	}
	a, closeAdmin, err := openAdmin(ctx, data)
	if err != nil {
		return err
	}
	defer closeAdmin()
	switch args[0] {
	case "add":
		if err := a.AddBlock(ctx, b); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "blocked %s\n", rest[0])
	case "remove":
		removed, err := a.RemoveBlock(ctx, b)
		if err != nil {
			return err
		}
		if !removed {
			return fmt.Errorf("%s is not blocked", rest[0])
		}
		fmt.Fprintf(stdout, "unblocked %s\n", rest[0])
	case "list":
		bs, err := a.Blocks(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, bs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "BLOCKED\tSINCE\tREASON")
		for _, b := range bs {
			what := b.Domain
			if what == "" {
				what = b.Actor
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", what, b.Created.Local().Format(time.DateTime), b.Reason)
		}
		tw.Flush()
	}
	return nil
}

// parseBlockTarget reads a block: an actor URL, or a domain name.
func parseBlockTarget(s string) (store.Block, error) {
	if strings.Contains(s, "://") {
		if !isActorURL(s) {
			return store.Block{}, fmt.Errorf("%q: want an https actor URL or a domain", s)
		}
		return store.Block{Actor: s}, nil
	}
	d := strings.ToLower(strings.TrimSuffix(s, "."))
	if d == "" || strings.ContainsAny(d, "/@ ?#") || !strings.Contains(d, ".") && d != "localhost" {
		return store.Block{}, fmt.Errorf("%q: want a domain such as social.example or an actor URL", s)
	}
	return store.Block{Domain: d}, nil
}

// isActorURL reports whether s is an absolute http(s) URL with a host.
func isActorURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func queryEscape(s string) string { return url.QueryEscape(s) }

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
