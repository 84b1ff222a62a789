package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// recordingSink logs the calls the engine makes, one string per call
// ("write 3" for a 3-row batch, "flush", "prepare 2", "commit 2",
// "recover <prepared>"). Write waits while hold is set: rows pile up in
// front of a held sink.
type recordingSink struct {
	mu    sync.Mutex
	calls []string
	// hold, when not nil, blocks Write until it is closed.
	hold chan struct{}
	// written counts the rows written, for Prepare's result.
	written int
}

func (s *recordingSink) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

func (s *recordingSink) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func (s *recordingSink) Write(ctx context.Context, b *types.Batch) error {
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	s.written += b.Len
	s.mu.Unlock()
	s.record(fmt.Sprintf("write %d", b.Len))
	return nil
}

func (s *recordingSink) Flush(context.Context) error { s.record("flush"); return nil }
func (s *recordingSink) Close() error                { return nil }

// transactionalSink is a recordingSink that takes part in checkpoints as a
// connectors.TransactionalSink; its prepared output is the row count.
type transactionalSink struct{ recordingSink }

func (s *transactionalSink) Prepare(_ context.Context, epoch uint64) ([]byte, error) {
	s.record(fmt.Sprintf("prepare %d", epoch))
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Appendf(nil, "%d rows", s.written), nil
}

func (s *transactionalSink) Commit(_ context.Context, epoch uint64) error {
	s.record(fmt.Sprintf("commit %d", epoch))
	return nil
}

func (s *transactionalSink) Recover(_ context.Context, prepared []byte) error {
	s.record(fmt.Sprintf("recover %q", prepared))
	return nil
}

// openWithSink opens an engine over dir whose connector "recorder" is sink.
func openWithSink(t *testing.T, dir string, sink connectors.Sink) (*Engine, *storage.Store, *Session) {
	t.Helper()
	store, err := storage.Open(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	reg := connectors.Default()
	reg.RegisterSink(connectors.SinkFactory{Name: "recorder", New: func(connectors.SinkConfig) (connectors.Sink, error) { return sink, nil }})
	e, err := Open(Config{Store: store, BaseDir: dir, Connectors: reg})
	if err != nil {
		t.Fatal(err)
	}
	return e, store, e.NewSession("tester", "novelty")
}

// waitCalls waits until the sink's call log satisfies done.
func waitCalls(t *testing.T, s *recordingSink, what string, done func([]string) bool) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if calls := s.log(); done(calls) {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink never saw %s; calls: %v", what, s.log())
		}
	}
}

// TestSinkFlushesWhenCaughtUp: a sink is flushed once it has written every
// batch ready for it, not after each batch, and a quiet sink is flushed
// without waiting for more input.
func TestSinkFlushesWhenCaughtUp(t *testing.T) {
	sink := &recordingSink{hold: make(chan struct{})}
	e, store, s := openWithSink(t, t.TempDir(), sink)
	defer store.Close()
	defer e.Close()
	run1(t, s, "CREATE SOURCE ev (n BIGINT)")
	run1(t, s, "CREATE SINK out FROM ev WITH (connector = 'recorder')")
	for i := range 3 {
		run1(t, s, fmt.Sprintf("INSERT INTO ev VALUES (%d), (%d)", 2*i, 2*i+1))
	}
	close(sink.hold)
	calls := waitCalls(t, sink, "a flush", func(c []string) bool { return slices.Contains(c, "flush") })
	if want := []string{"write 2", "write 2", "write 2", "flush"}; !slices.Equal(calls, want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	run1(t, s, "INSERT INTO ev VALUES (6)")
	calls = waitCalls(t, sink, "a second flush", func(c []string) bool { return len(c) == 6 })
	if want := []string{"write 1", "flush"}; !slices.Equal(calls[4:], want) {
		t.Fatalf("calls after the quiet insert %v, want %v", calls[4:], want)
	}
}

// TestTransactionalSinkFollowsCheckpoints: a transactional sink prepares
// its output at each barrier, has it committed once the checkpoint is
// durable, and recovers with what the last checkpoint stored.
func TestTransactionalSinkFollowsCheckpoints(t *testing.T) {
	dir := t.TempDir()
	sink := &transactionalSink{}
	e, store, s := openWithSink(t, dir, sink)
	run1(t, s, "CREATE SOURCE ev (n BIGINT)")
	run1(t, s, "CREATE SINK out FROM ev WITH (connector = 'recorder')")
	run1(t, s, "INSERT INTO ev VALUES (1), (2)")
	waitCalls(t, &sink.recordingSink, "the rows", func(c []string) bool { return slices.Contains(c, "write 2") })
	if err := e.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	run1(t, s, "INSERT INTO ev VALUES (3)")
	waitCalls(t, &sink.recordingSink, "the third row", func(c []string) bool { return slices.Contains(c, "write 1") })
	// A crash: the output prepared after the checkpoint is never committed.
	e.stop()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	// The barrier's flush follows the one the caught-up sink made.
	calls := strings.Join(sink.log(), ", ")
	if want := `recover "", write 2, flush, flush, prepare 1, commit 1, write 1, flush`; calls != want {
		t.Fatalf("calls %q, want %q", calls, want)
	}

	again := &transactionalSink{}
	e, store, _ = openWithSink(t, dir, again)
	defer store.Close()
	defer e.Close()
	// The row taken after the checkpoint is replayed from the source's log.
	replayed := waitCalls(t, &again.recordingSink, "the replayed row", func(c []string) bool { return slices.Contains(c, "write 1") })
	if calls, want := strings.Join(replayed[:2], ", "), `recover "2 rows", write 1`; calls != want {
		t.Fatalf("calls after the restart %q, want %q", calls, want)
	}
}
