package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

// The disk guard keeps a full or failing disk from costing data.
//
// Pebble (v2.1.7) does not return a failed WAL write or sync to the
// committing caller: DB.Apply calls Logger.Fatalf("pebble: fatal commit
// error") (db.go), a failed WAL rotation or MANIFEST write panics or calls
// Fatalf too, and the WAL writer's error is sticky (record.LogWriter keeps
// flusher.err). A failed flush or compaction is only reported and retried;
// memtables then pile up until writes stall. So an ENOSPC or EIO that
// reaches Pebble on the write path ends the process. The guard works on
// both sides of Pebble so that it does not happen:
//
//   - In front: free space is read every second (statfs). Below
//     MinFreeBytes the store is held: writes that add data (log appends,
//     table rows, state, catalog entries) are refused with ErrDiskHeld and
//     SQLSTATE 53100, deletes still go through (they free space), and the
//     engine pauses its sources. Writes resume once free space is back
//     above MinFreeBytes plus a quarter (hysteresis), as in CockroachDB's
//     out-of-disk headroom.
//   - Underneath: Pebble's file system is wrapped (guardedFS) so that a
//     file write or create that fails with ENOSPC, EDQUOT or EIO is held
//     and retried (backoff, and at once when a reading finds space again)
//     instead of failing; the store counts as held meanwhile. A write that
//     failed wrote nothing past what it reported, so the retry writes the
//     rest. Syncs are never retried: after a failed fsync the kernel may
//     have dropped the dirty pages, so a later successful fsync proves
//     nothing (PostgreSQL's fsync lesson, and the reason CockroachDB lets
//     Pebble crash there); a failed sync stays fatal and the next start
//     recovers from the last checkpoint.

// DefaultMinFreeBytes is the server's default free space floor.
const DefaultMinFreeBytes = 256 << 20

// DiskSpace is a reading of the data directory's volume.
type DiskSpace struct {
	// AvailBytes is the space this process may still write.
	AvailBytes uint64
	TotalBytes uint64
}

// DiskStatus is the guard's state, for SHOW and metrics.
type DiskStatus struct {
	// Held is set while the store refuses writes that add data: free space
	// is below MinFreeBytes, or writes to the data directory fail and are
	// being retried.
	Held bool
	// Reason says why, for people ("" when not held), e.g. "data directory
	// has 12 MiB free, needs 256 MiB".
	Reason string
	// Space is the last reading; zero when the file system gives none.
	Space DiskSpace
	// MinFreeBytes is the configured floor (0: free space is not checked).
	MinFreeBytes uint64
	// Changed is closed at the next change of Held or Reason.
	Changed <-chan struct{}
}

// ErrDiskHeld is wrapped by the error of every write the store refused
// because it is held (see DiskStatus). The error also wraps a
// *types.Error: SQLSTATE 53100 (disk_full) or 58030 (io_error).
var ErrDiskHeld = errors.New("storage: writes are held")

// Backoff of a held file write between retries.
const (
	retryBackoffMin = 100 * time.Millisecond
	retryBackoffMax = 10 * time.Second
)

// diskGuard is a store's guard; its methods are safe for concurrent use.
type diskGuard struct {
	measure func() (DiskSpace, error)
	minFree uint64
	// resumeFree is the free space at which a low store resumes.
	resumeFree uint64
	log        *slog.Logger

	mu sync.Mutex
	// low is set from a reading below minFree until one at resumeFree.
	low   bool
	space DiskSpace
	// measureErr is the last reading's error, logged once.
	measureErr error
	// failing counts file writes being retried; failErr is the latest
	// error among them.
	failing int
	failErr error
	// changed is closed (and replaced) when held or the reason changes.
	changed chan struct{}
	// spaceBack is closed (and replaced) by a reading at resumeFree while
	// writes are failing: they retry at once.
	spaceBack chan struct{}
	// closing is closed by Store.Close: held writes give up.
	closing chan struct{}
}

func newDiskGuard(measure func() (DiskSpace, error), minFree uint64, log *slog.Logger) *diskGuard {
	return &diskGuard{
		measure: measure, minFree: minFree, resumeFree: minFree + minFree/4, log: log,
		changed: make(chan struct{}), spaceBack: make(chan struct{}), closing: make(chan struct{}),
	}
}

// held reports whether writes are held; g.mu must be held.
func (g *diskGuard) held() bool { return g.low || g.failing > 0 }

// reason says why writes are held; g.mu must be held.
func (g *diskGuard) reason() string {
	switch {
	case g.low:
		return fmt.Sprintf("data directory has %s free, needs %s", FormatSize(g.space.AvailBytes), FormatSize(g.minFree))
	case g.failing > 0 && isNoSpace(g.failErr):
		return fmt.Sprintf("data directory is full (%s); writes wait for space", errnoText(g.failErr))
	case g.failing > 0:
		return fmt.Sprintf("writes to the data directory fail (%s); retrying", errnoText(g.failErr))
	}
	return ""
}

// status returns the guard's state.
func (g *diskGuard) status() DiskStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	return DiskStatus{Held: g.held(), Reason: g.reason(), Space: g.space, MinFreeBytes: g.minFree, Changed: g.changed}
}

// update runs change under g.mu and wakes the watchers of Changed when
// the held state or its reason changed.
func (g *diskGuard) update(change func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	wasHeld, was := g.held(), g.reason()
	change()
	if g.held() == wasHeld && g.reason() == was {
		return
	}
	close(g.changed)
	g.changed = make(chan struct{})
	switch {
	case g.held() && !wasHeld:
		g.log.Warn("data directory: writes held; sources pause", "reason", g.reason())
	case !g.held():
		g.log.Info("data directory: writes resume", "was", was)
	}
}

// check reads the free space once and holds or releases the store.
func (g *diskGuard) check() {
	space, err := g.measure()
	if err != nil {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.measureErr == nil && !errors.Is(err, vfs.ErrUnsupported) {
			g.log.Warn("data directory: cannot read its free space", "err", err)
		}
		g.measureErr = err
		return
	}
	g.update(func() {
		g.measureErr = nil
		g.space = space
		switch {
		case g.minFree > 0 && space.AvailBytes < g.minFree:
			g.low = true
		case space.AvailBytes >= g.resumeFree:
			g.low = false
			if g.failing > 0 {
				close(g.spaceBack)
				g.spaceBack = make(chan struct{})
			}
		}
	})
}

// poll checks the free space every interval until the store closes.
func (g *diskGuard) poll(interval time.Duration, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-g.closing:
			return
		case <-tick.C:
			g.check()
		}
	}
}

// admit returns nil when a write that adds data may go ahead, else the
// error refusing it (ErrDiskHeld and a *types.Error).
func (g *diskGuard) admit() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.held() {
		return nil
	}
	if g.low || isNoSpace(g.failErr) {
		return fmt.Errorf("%w: %w", ErrDiskHeld, types.Errorf(types.CodeDiskFull, "disk full: %s", g.reason()).
			WithHint("Free space on the data directory's volume or drop objects; writes resume by themselves once %s are free.", FormatSize(g.resumeFree)))
	}
	return fmt.Errorf("%w: %w", ErrDiskHeld, types.Errorf(types.CodeIOError, "disk error: %s", g.reason()).
		WithHint("Check the disk of the data directory; writes resume by themselves once it accepts them again."))
}

// wait blocks until the store is not held, or ctx ends.
func (g *diskGuard) wait(ctx context.Context) error {
	for {
		st := g.status()
		if !st.Held {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-st.Changed:
		}
	}
}

// retry runs write (a file write or create) until it succeeds or fails
// with an error retrying cannot help; meanwhile the store is held. write
// must carry on from where the failed attempt stopped.
func (g *diskGuard) retry(write func() error) error {
	err := write()
	if err == nil || !retriable(err) {
		return err
	}
	g.log.Warn("data directory: a write failed; holding it and retrying", "err", err)
	g.update(func() { g.failing++; g.failErr = err })
	defer g.update(func() { g.failing-- })
	backoff := retryBackoffMin
	for attempt := 1; ; attempt++ {
		g.mu.Lock()
		spaceBack := g.spaceBack
		g.mu.Unlock()
		timer := time.NewTimer(backoff)
		select {
		case <-g.closing:
			timer.Stop()
			return err
		case <-spaceBack:
		case <-timer.C:
		}
		timer.Stop()
		if err = write(); err == nil || !retriable(err) {
			if err == nil {
				g.log.Info("data directory: a held write went through", "attempts", attempt+1)
			}
			return err
		}
		g.update(func() { g.failErr = err })
		backoff = min(2*backoff, retryBackoffMax)
	}
}

// close makes held writes give up and stops the poller.
func (g *diskGuard) close() { close(g.closing) }

// retriable reports whether a failed file write may succeed later: the
// disk is full (or the quota reached), or it reported an I/O error.
func retriable(err error) bool {
	return isNoSpace(err) || errors.Is(err, syscall.EIO)
}

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// errnoText names err by its errno when it has one, so the reason reads
// the same whichever file failed.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}
