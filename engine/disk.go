package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// Pipelines and the store's disk guard (storage/diskguard.go). While the
// store holds writes (the data directory is short of space, or its writes
// fail and are being retried), a connector source stops reading, so its
// connector's offset stays where it is; a batch the store refused is
// published again once writes resume, so nothing is lost or repeated; and
// every source and stream shows "paused: <reason>" as its last error until
// then. INSERT and COPY get the store's error (SQLSTATE 53100 disk_full or
// 58030 io_error).

// pausedPrefix starts the last error of a pipeline paused by the disk.
const pausedPrefix = "paused: "

// DiskStatus returns the state of the store's disk guard, for SHOW and
// /metrics.
func (e *Engine) DiskStatus() storage.DiskStatus { return e.store.DiskStatus() }

// readHeld is a connector source's Read that first waits while the store
// holds writes: the source takes no input it could not store.
func (e *Engine) readHeld(ctx context.Context, o *object, b *types.Batch) error {
	if err := e.store.WaitForDisk(ctx); err != nil {
		return err
	}
	return o.source.Read(ctx, b)
}

// feedHeld is feedSource, publishing b again when the store refused to
// retain it: a refused batch reached no reader and moved no offset, so
// publishing it once writes resume loses and repeats nothing.
func (e *Engine) feedHeld(ctx context.Context, o *object, b *types.Batch, offset func() []byte) error {
	return e.untilStored(ctx, func() error { return e.feedSource(ctx, o, b, offset) })
}

// publishHeld is a stream's Publish, publishing b again when the store
// refused to retain it (see feedHeld).
func (e *Engine) publishHeld(ctx context.Context, o *object, b *types.Batch) error {
	return e.untilStored(ctx, func() error { return o.topic.Publish(ctx, b) })
}

// untilStored runs publish again, once writes resume, for as long as the
// store refuses to retain what it publishes.
func (e *Engine) untilStored(ctx context.Context, publish func() error) error {
	for {
		err := publish()
		if !errors.Is(err, storage.ErrDiskHeld) {
			return err
		}
		if err := e.store.WaitForDisk(ctx); err != nil {
			return err
		}
	}
}

// showDiskPauses shows on o's last error why the store holds writes, for
// as long as it does, until the returned stop is called. A pipeline
// blocked in a held write cannot say so itself, hence the goroutine. An
// error the pipeline records meanwhile is never overwritten or cleared.
func (e *Engine) showDiskPauses(ctx context.Context, o *object) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		shown := ""
		for {
			st := e.store.DiskStatus()
			next := ""
			if st.Held {
				next = pausedPrefix + st.Reason
			}
			if next != shown && o.stats.replaceError(shown, next) {
				shown = next
			}
			select {
			case <-ctx.Done():
				return
			case <-st.Changed:
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// replaceError sets the last error to next if it is still prev ("" for
// none), and reports whether it did.
func (s *stats) replaceError(prev, next string) bool {
	if s.lastError.CompareAndSwap(prev, next) {
		return true
	}
	return prev == "" && s.lastError.CompareAndSwap(nil, next)
}
