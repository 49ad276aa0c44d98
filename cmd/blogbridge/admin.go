package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/blogbridge/blogbridge/store"
)

// The maintenance commands (followers, block, deliveries) work whether
// serve is running or not. bbolt lets one process open the database, so
// while serve runs they go through it: serve listens on a unix socket in
// the data folder, which only the data folder's owner can reach. When
// serve is stopped they open the database themselves.

// adminSocketName is the socket's name in the data folder.
const adminSocketName = "blogbridge.sock"

// admin is what the maintenance commands ask of blogbridge's state.
type admin interface {
	Followers(ctx context.Context) ([]store.Follower, error)
	RemoveFollower(ctx context.Context, actor string) (bool, error)
	Blocks(ctx context.Context) ([]store.Block, error)
	AddBlock(ctx context.Context, b store.Block) error
	RemoveBlock(ctx context.Context, b store.Block) (bool, error)
	Deliveries(ctx context.Context) (json.RawMessage, error)
	FollowRequests(ctx context.Context) ([]store.Follower, error)
	// AnswerRequest approves (or rejects) the follow request of actor:
	// at once while serve runs (sent), else when it next starts.
	AnswerRequest(ctx context.Context, actor string, approve bool) (sent bool, err error)
	// Announce sends the archived post at permalink to followers: at once
	// when serve runs (queued is true), else when it next starts.
	Announce(ctx context.Context, permalink string) (queued bool, err error)
}

// storeAdmin works on the open store: in serve, behind the socket, or in
// the command itself when serve is stopped.
type storeAdmin struct {
	st *store.Store
	// followersChanged is called after followers were removed.
	followersChanged func()
	// deliveries reports the delivery queue.
	deliveries func(ctx context.Context) (json.RawMessage, error)
	// answer approves or rejects a follow request and sends the answer;
	// nil when serve is not running, and the answer is kept for it.
	answer func(ctx context.Context, actor string, approve bool) error
	// announce sends an archived post to followers; nil when serve is not
	// running.
	announce func(ctx context.Context, permalink string) error
}

var _ admin = (*storeAdmin)(nil)

func (a *storeAdmin) Followers(ctx context.Context) ([]store.Follower, error) {
	return a.st.Followers(ctx)
}

func (a *storeAdmin) RemoveFollower(ctx context.Context, actor string) (bool, error) {
	removed, err := a.st.RemoveFollower(ctx, actor)
	if removed {
		a.followersChanged()
	}
	return removed, err
}

func (a *storeAdmin) Blocks(ctx context.Context) ([]store.Block, error) { return a.st.Blocks(ctx) }

func (a *storeAdmin) AddBlock(ctx context.Context, b store.Block) error {
	err := a.st.AddBlock(ctx, b)
	a.followersChanged() // a block removes followers
	return err
}

func (a *storeAdmin) RemoveBlock(ctx context.Context, b store.Block) (bool, error) {
	return a.st.RemoveBlock(ctx, b)
}

func (a *storeAdmin) Deliveries(ctx context.Context) (json.RawMessage, error) {
	return a.deliveries(ctx)
}

func (a *storeAdmin) FollowRequests(ctx context.Context) ([]store.Follower, error) {
	return a.st.FollowRequests(ctx)
}

func (a *storeAdmin) AnswerRequest(ctx context.Context, actor string, approve bool) (bool, error) {
	if a.answer != nil {
		return true, a.answer(ctx, actor, approve)
	}
	answer := store.AnswerReject
	if approve {
		answer = store.AnswerApprove
	}
	return false, a.st.AnswerFollowRequest(ctx, actor, answer)
}

func (a *storeAdmin) Announce(ctx context.Context, permalink string) (bool, error) {
	if a.announce != nil {
		return true, a.announce(ctx, permalink)
	}
	_, err := a.st.MarkForAnnounce(ctx, permalink)
	return false, err
}

// adminHandler serves a over HTTP, for the socket.
func adminHandler(a admin, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, r *http.Request, v any, err error) {
		if err != nil {
			logger.Error("admin request failed", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /followers", func(w http.ResponseWriter, r *http.Request) {
		fs, err := a.Followers(r.Context())
		reply(w, r, fs, err)
	})
	mux.HandleFunc("DELETE /followers", func(w http.ResponseWriter, r *http.Request) {
		removed, err := a.RemoveFollower(r.Context(), r.URL.Query().Get("actor"))
		reply(w, r, removed, err)
	})
	mux.HandleFunc("GET /requests", func(w http.ResponseWriter, r *http.Request) {
		fs, err := a.FollowRequests(r.Context())
		reply(w, r, fs, err)
	})
	mux.HandleFunc("POST /requests", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		sent, err := a.AnswerRequest(r.Context(), q.Get("actor"), q.Get("approve") == "true")
		if errors.Is(err, store.ErrNoFollowRequest) {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		reply(w, r, sent, err)
	})
	mux.HandleFunc("POST /announce", func(w http.ResponseWriter, r *http.Request) {
		queued, err := a.Announce(r.Context(), r.URL.Query().Get("url"))
		if errors.Is(err, store.ErrNotArchived) {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		reply(w, r, queued, err)
	})
	mux.HandleFunc("GET /blocks", func(w http.ResponseWriter, r *http.Request) {
		bs, err := a.Blocks(r.Context())
		reply(w, r, bs, err)
	})
	mux.HandleFunc("POST /blocks", func(w http.ResponseWriter, r *http.Request) {
		var b store.Block
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&b); err != nil {
			http.Error(w, "invalid block: "+err.Error(), http.StatusBadRequest)
			return
		}
		reply(w, r, true, a.AddBlock(r.Context(), b))
	})
	mux.HandleFunc("DELETE /blocks", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		removed, err := a.RemoveBlock(r.Context(), store.Block{Domain: q.Get("domain"), Actor: q.Get("actor")})
		reply(w, r, removed, err)
	})
	mux.HandleFunc("GET /deliveries", func(w http.ResponseWriter, r *http.Request) {
		st, err := a.Deliveries(r.Context())
		reply(w, r, st, err)
	})
	return mux
}

// listenAdmin listens on the data folder's socket, replacing a socket a
// killed serve left behind, and makes it reachable by its owner only.
func listenAdmin(dataDir string) (net.Listener, error) {
	path := filepath.Join(dataDir, adminSocketName)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return ln, nil
}

// socketAdmin asks a running serve through its socket.
type socketAdmin struct{ client *http.Client }

var _ admin = (*socketAdmin)(nil)

func newSocketAdmin(path string) *socketAdmin {
	return &socketAdmin{client: &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}},
	}}
}

// call sends a request to serve and decodes its JSON answer into out.
func (a *socketAdmin) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://blogbridge"+path, rd)
	if err != nil {
		return err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running blogbridge: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("the running blogbridge answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (a *socketAdmin) Followers(ctx context.Context) ([]store.Follower, error) {
	var fs []store.Follower
	return fs, a.call(ctx, http.MethodGet, "/followers", nil, &fs)
}

func (a *socketAdmin) RemoveFollower(ctx context.Context, actor string) (bool, error) {
	var removed bool
	return removed, a.call(ctx, http.MethodDelete, "/followers?actor="+queryEscape(actor), nil, &removed)
}

func (a *socketAdmin) Blocks(ctx context.Context) ([]store.Block, error) {
	var bs []store.Block
	return bs, a.call(ctx, http.MethodGet, "/blocks", nil, &bs)
}

func (a *socketAdmin) AddBlock(ctx context.Context, b store.Block) error {
	var ok bool
	return a.call(ctx, http.MethodPost, "/blocks", b, &ok)
}

func (a *socketAdmin) RemoveBlock(ctx context.Context, b store.Block) (bool, error) {
	var removed bool
	path := "/blocks?domain=" + queryEscape(b.Domain) + "&actor=" + queryEscape(b.Actor)
	return removed, a.call(ctx, http.MethodDelete, path, nil, &removed)
}

func (a *socketAdmin) FollowRequests(ctx context.Context) ([]store.Follower, error) {
	var fs []store.Follower
	return fs, a.call(ctx, http.MethodGet, "/requests", nil, &fs)
}

func (a *socketAdmin) AnswerRequest(ctx context.Context, actor string, approve bool) (bool, error) {
	var sent bool
	return sent, a.call(ctx, http.MethodPost, "/requests?actor="+queryEscape(actor)+"&approve="+strconv.FormatBool(approve), nil, &sent)
}

func (a *socketAdmin) Announce(ctx context.Context, permalink string) (bool, error) {
	var queued bool
	return queued, a.call(ctx, http.MethodPost, "/announce?url="+queryEscape(permalink), nil, &queued)
}

func (a *socketAdmin) Deliveries(ctx context.Context) (json.RawMessage, error) {
	var st json.RawMessage
	return st, a.call(ctx, http.MethodGet, "/deliveries", nil, &st)
}

// openAdmin reaches blogbridge's state in dataDir: through the running
// serve when its socket answers, else by opening the store. close
// releases what was opened.
func openAdmin(ctx context.Context, dataDir string) (a admin, close func(), err error) {
	sock := filepath.Join(dataDir, adminSocketName)
	if conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "unix", sock); err == nil {
		conn.Close()
		return newSocketAdmin(sock), func() {}, nil
	}
	if _, err := os.Stat(filepath.Join(dataDir, store.FileName)); err != nil {
		return nil, nil, fmt.Errorf("no blogbridge data in %s (set --data to the folder serve uses)", dataDir)
	}
	st, err := store.Open(dataDir)
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return nil, nil, fmt.Errorf("%w; its admin socket %s does not answer", err, sock)
		}
		return nil, nil, err
	}
	return &storeAdmin{st: st, followersChanged: func() {}, deliveries: offlineDeliveries(st)},
		func() { st.Close() }, nil
}

// adminFlags parses the flags every maintenance command takes, --data and
// --config, and returns the data folder and the remaining arguments. The
// data folder comes, in order of precedence, from --data, BLOGBRIDGE_DATA,
// the config file, or the default.
func adminFlags(fs *flag.FlagSet, args []string) (string, []string, error) {
	data := fs.String("data", "", "folder for the database and keys (default from the config file, else data) [$BLOGBRIDGE_DATA]")
	configPath := fs.String("config", "", "configuration file (default ./"+DefaultConfigFile+" when present)")
	// Flags may come after the arguments: followers remove ACTOR --data DIR.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *data != "" {
		return *data, rest, nil
	}
	if env := os.Getenv("BLOGBRIDGE_DATA"); env != "" {
		return env, rest, nil
	}
	cfg := defaultConfig()
	path, explicit := configFilePath(*configPath)
	if err := readConfigFile(path, explicit, &cfg); err != nil {
		return "", nil, err
	}
	return cfg.Data, rest, nil
}
