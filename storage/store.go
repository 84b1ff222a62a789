package storage

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configures Open.
type Options struct {
	// Logger receives Pebble's log lines; nil discards them.
	Logger *slog.Logger
	// FS is the file system to store the database in; nil is the OS file
	// system. Tests pass vfs.NewMem() and may reopen the same FS to
	// simulate a restart.
	FS vfs.FS
	// MinFreeBytes is the free space the data directory's volume must keep:
	// below it the store holds writes that add data (see DiskStatus) until
	// free space is back above MinFreeBytes plus a quarter. 0 does not
	// check free space; file writes that fail because the disk is full or
	// failing are held and retried either way (diskguard.go).
	MinFreeBytes uint64
	// DiskSpace reads the free space of the data directory's volume; nil
	// asks FS (statfs). Tests inject their own.
	DiskSpace func() (DiskSpace, error)
	// DiskCheckInterval is how often free space is read; 0 is every second.
	DiskCheckInterval time.Duration
}

// defaultDiskCheckInterval is how often free space is read by default.
const defaultDiskCheckInterval = time.Second

// Store is Novelty's state store: one Pebble database. Its methods are
// safe for concurrent use. Using a Store after Close is a programming
// error (Pebble panics).
type Store struct {
	db *pebble.DB
	// fs is the file system of the database and the logs (writes held and
	// retried by guard); logsDir holds the logs (log.go).
	fs      vfs.FS
	logsDir string
	// guard holds writes while the disk is short of space or failing;
	// pollDone is closed when its poller stopped.
	guard    *diskGuard
	pollDone chan struct{}

	// closeMu guards closed, which makes a second Close a no-op.
	closeMu sync.Mutex
	closed  bool

	// idMu serialises NextID; lastID is the last id handed out (persisted).
	idMu   sync.Mutex
	lastID uint64

	// logsMu guards logs, the one Log value per log id, so that every
	// caller of Log(id) shares its sequence counter and append lock.
	logsMu sync.Mutex
	logs   map[uint64]*Log
}

// Open opens the store in dir, creating the directory if needed, with
// Pebble's logging discarded.
func Open(dir string) (*Store, error) {
	return OpenWith(dir, Options{})
}

// OpenInMemory opens a store held in memory, for tests.
func OpenInMemory() (*Store, error) {
	return OpenWith("", Options{FS: vfs.NewMem()})
}

// OpenWith opens the store in dir with the given options, creating the
// directory if needed.
func OpenWith(dir string, opts Options) (*Store, error) {
	fs := opts.FS
	if fs == nil {
		fs = vfs.Default
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if dir != "" {
		if err := fs.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("storage: create %s: %w", dir, err)
		}
	}
	measure := opts.DiskSpace
	if measure == nil {
		measure = func() (DiskSpace, error) {
			u, err := fs.GetDiskUsage(dir)
			return DiskSpace{AvailBytes: u.AvailBytes, TotalBytes: u.TotalBytes}, err
		}
	}
	guard := newDiskGuard(measure, opts.MinFreeBytes, logger)
	// A store opened on a full disk starts held.
	guard.check()
	guarded := guardedFS{FS: fs, guard: guard}
	s := &Store{fs: guarded, logsDir: fs.PathJoin(dir, logsDirName), guard: guard, pollDone: make(chan struct{}), logs: make(map[uint64]*Log)}
	db, err := pebble.Open(dir, &pebble.Options{FS: guarded, Logger: pebbleLogger{log: logger}})
	if err != nil {
		guard.close()
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	s.db = db
	if err := s.load(); err != nil {
		guard.close()
		return nil, errors.Join(err, db.Close())
	}
	go guard.poll(cmp.Or(opts.DiskCheckInterval, defaultDiskCheckInterval), s.pollDone)
	return s, nil
}

// load reads the id counter and the last seq of every log.
func (s *Store) load() error {
	value, closer, err := s.db.Get([]byte{nsIDs})
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return fmt.Errorf("storage: read id counter: %w", err)
	default:
		if len(value) != 8 {
			err = fmt.Errorf("%w: id counter is %d bytes", ErrCorrupt, len(value))
		} else {
			s.lastID = binary.BigEndian.Uint64(value)
		}
		if cerr := closer.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("storage: read id counter: %w", err)
		}
	}
	return s.recoverLogs()
}

// Close closes the store. A second Close does nothing.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	// Writes still held give up (Pebble then fails on them, as it would
	// have without the guard) rather than keep Close waiting.
	s.guard.close()
	<-s.pollDone
	if err := errors.Join(s.closeLogs(), s.db.Close()); err != nil {
		return fmt.Errorf("storage: close: %w", err)
	}
	return nil
}

// NextID returns a new object id: 1 for a new store, then one more than
// the previous call, across restarts. The id is persisted (synced) before
// it is returned, so no id is handed out twice.
func (s *Store) NextID() (uint64, error) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	id := s.lastID + 1
	if err := s.guard.admit(); err != nil {
		return 0, err
	}
	if err := s.db.Set([]byte{nsIDs}, binary.BigEndian.AppendUint64(nil, id), pebble.Sync); err != nil {
		return 0, fmt.Errorf("storage: persist id counter: %w", err)
	}
	s.lastID = id
	return id, nil
}

// DiskStatus returns the state of the store's disk guard: whether writes
// are held, and why.
func (s *Store) DiskStatus() DiskStatus { return s.guard.status() }

// WaitForDisk blocks until the store no longer holds writes, or ctx ends
// (then it returns ctx's error).
func (s *Store) WaitForDisk(ctx context.Context) error { return s.guard.wait(ctx) }

// Writable returns nil when a write that adds data would be accepted, else
// the error (wrapping ErrDiskHeld) it would get.
func (s *Store) Writable() error { return s.guard.admit() }

// CheckDisk reads the free space now, as the poller does every
// DiskCheckInterval, and holds or releases writes accordingly.
func (s *Store) CheckDisk() { s.guard.check() }
