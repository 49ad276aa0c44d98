package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the database file inside the data folder.
const FileName = "blogbridge.db"

// pidFileName records which process holds the database open.
const pidFileName = "blogbridge.pid"

// SchemaVersion is the version of the layout this code reads and writes.
const SchemaVersion = 5

var (
	bucketMeta = []byte("meta")
	keySchema  = []byte("schema_version")
)

// ErrInUse is returned by Open when another process holds the database.
var ErrInUse = errors.New("store: data folder in use")

// migrations[i] upgrades a database from schema version i to i+1.
var migrations = []func(tx *bolt.Tx) error{
	0: func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketMeta)
		return err
	},
	1: migrateKeysAndObjects, // keys.go, objects.go
	2: createBuckets(bucketFollowers, bucketActors, bucketRemoteKeys, bucketBlocks,
		bucketSeen, bucketInteractions),
	3: createBuckets(bucketActivities, bucketJobs, bucketWaiting, bucketSent),
	4: createBuckets(bucketRequests), // requests.go
}

// Buckets of schema version 3: the inbox's state.
var (
	bucketActors       = []byte("actors")       // remote actor id → cached actor
	bucketRemoteKeys   = []byte("remote_keys")  // key id → cached public key
	bucketBlocks       = []byte("blocks")       // "domain:" host or "actor:" id → block
	bucketSeen         = []byte("seen")         // activity id → when first seen
	bucketInteractions = []byte("interactions") // likes, announces and replies
)

// Buckets of schema version 4: the delivery queue.
var (
	bucketActivities = []byte("activities") // activity id → unsigned body
	bucketJobs       = []byte("jobs")       // jobs ready to run, in order
	bucketWaiting    = []byte("waiting")    // jobs waiting for a retry time
	bucketSent       = []byte("sent")       // what was delivered, per post
)

// createBuckets returns a migration that creates the named buckets.
func createBuckets(names ...[]byte) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, name := range names {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	}
}

// Store is the open database.
type Store struct {
	db      *bolt.DB
	writers atomic.Int32 // calls inside batch
	dir     string
	pidFile string
	blocks  blockView // blocks.go
}

// Open opens (creating if needed) the database in the data folder dir and
// brings its schema up to date. If another process has it open, Open fails
// at once with an error that wraps ErrInUse and names that process.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// The freelist is rebuilt from the tree when the file is opened rather
	// than written with every commit.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s is in use by %s", ErrInUse, path, holder(dir))
		}
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.MaxBatchDelay = batchDelay
	s := &Store{db: db, dir: dir, pidFile: filepath.Join(dir, pidFileName)}
	if err := os.WriteFile(s.pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: write pid file: %w", err)
	}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// batchDelay is how long a write made while others are under way waits
// for more to share its commit (bbolt's default). A commit costs two
// fsyncs and a rewrite of every page it touches, so under load fewer,
// larger commits leave more of the CPU to the work that makes the writes.
// In fedisim's follow load, 10 ms instead of 1 ms wrote 6.3 pages a follow
// instead of 9.2 and took 656 commits instead of 4,094, and the follows a
// second rose by about a tenth. The store alone, with nothing else for the
// CPU to do, commits more often with a shorter wait
// (BenchmarkAddFollowerParallel), but writers there wait for each other,
// which the inbox's senders do not.
const batchDelay = 10 * time.Millisecond

// batch runs fn in a write transaction, durably. Concurrent calls share
// one commit, so fn may run more than once and must not act outside tx
// until batch returns. A call made while no other is under way commits at
// once rather than wait batchDelay for company.
func (s *Store) batch(fn func(*bolt.Tx) error) error {
	defer s.writers.Add(-1)
	if s.writers.Add(1) == 1 {
		return s.db.Update(fn)
	}
	return s.db.Batch(fn)
}

// holder describes the process recorded as holding the data folder.
func holder(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, pidFileName))
	if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil {
		return "pid " + strconv.Itoa(pid)
	}
	return "another process"
}

// migrate runs the migrations the file has not had, each in its own
// transaction, so a crash leaves the file at a known version.
func (s *Store) migrate() error {
	v, err := s.Version()
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("store: database schema version %d is newer than this blogbridge understands (%d); upgrade blogbridge", v, SchemaVersion)
	}
	for ; v < SchemaVersion; v++ {
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := migrations[v](tx); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, uint64(v+1)))
		})
		if err != nil {
			return fmt.Errorf("store: migrate to schema version %d: %w", v+1, err)
		}
	}
	return nil
}

// Version returns the schema version of the open file (0 for a new file).
func (s *Store) Version() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if b == nil {
			return nil
		}
		if raw := b.Get(keySchema); len(raw) == 8 {
			v = int(binary.BigEndian.Uint64(raw))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// Close closes the database and removes the pid file.
func (s *Store) Close() error {
	os.Remove(s.pidFile)
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// readAll decodes every JSON record of bucket, in key order. what names the
// records in errors ("followers"), one a single record ("follower").
func readAll[T any](ctx context.Context, s *Store, bucket []byte, what, one string) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: read %s: %w", what, err)
	}
	var out []T
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		out = make([]T, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			var rec T
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("%s %q: %w", one, k, err)
			}
			out = append(out, rec)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: read %s: %w", what, err)
	}
	return out, nil
}
