package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// chanSource is a connector source fed by a test: each Read returns one
// batch sent on rows (one BIGINT per row); its offset is the number of
// rows handed out, and handed counts the batches.
type chanSource struct {
	rows   chan []int64
	read   atomic.Int64
	handed atomic.Int64
}

func (s *chanSource) Open(_ context.Context, offset []byte) error {
	if len(offset) == 8 {
		s.read.Store(int64(binary.BigEndian.Uint64(offset)))
	}
	return nil
}

func (s *chanSource) Read(ctx context.Context, b *types.Batch) error {
	b.Reset(1)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case rows := <-s.rows:
		for _, n := range rows {
			b.Append([]types.Datum{types.NewInt(n)})
		}
		s.read.Add(int64(len(rows)))
		s.handed.Add(1)
		return nil
	}
}

func (s *chanSource) Offset() []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(s.read.Load()))
}
func (s *chanSource) Close() error { return nil }

// diskRun is an engine over a store whose free space the test sets.
type diskRun struct {
	t      *testing.T
	avail  atomic.Uint64
	store  *storage.Store
	e      *Engine
	s      *Session
	source *chanSource
}

// openDiskRun opens an engine over fs (nil: a directory on disk) whose
// store must keep 100 MiB free; it starts with 1 GiB. The connector
// "chan" is the run's chanSource.
func openDiskRun(t *testing.T, fs vfs.FS) *diskRun {
	t.Helper()
	r := &diskRun{t: t, source: &chanSource{rows: make(chan []int64)}}
	r.avail.Store(1 << 30)
	dir := t.TempDir()
	opts := storage.Options{
		FS: fs, MinFreeBytes: 100 << 20, DiskCheckInterval: time.Hour,
		DiskSpace: func() (storage.DiskSpace, error) {
			return storage.DiskSpace{AvailBytes: r.avail.Load(), TotalBytes: 10 << 30}, nil
		},
	}
	path := filepath.Join(dir, "data")
	if fs != nil {
		path = "data"
	}
	var err error
	if r.store, err = storage.OpenWith(path, opts); err != nil {
		t.Fatal(err)
	}
	reg := connectors.Default()
	reg.RegisterSource(connectors.SourceFactory{Name: "chan", New: func(connectors.SourceConfig) (connectors.Source, error) { return r.source, nil }})
	if r.e, err = Open(Config{Store: r.store, BaseDir: dir, Connectors: reg}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.e.Close()
		if err := r.store.Close(); err != nil {
			t.Error(err)
		}
	})
	r.s = r.e.NewSession("tester", "novelty")
	return r
}

// setFree sets the free space and has the store read it.
func (r *diskRun) setFree(bytes uint64) {
	r.avail.Store(bytes)
	r.store.CheckDisk()
}

// lastError is the last error the named object shows.
func (r *diskRun) lastError(name string) string {
	o, _ := r.e.lookup(name)
	return o.stats.errorText()
}

// waitFor polls cond until it holds, failing after 10s.
func (r *diskRun) waitFor(what string, cond func() bool) {
	r.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// rowsOut is the rows the named stream put out since the engine opened.
func (r *diskRun) rowsOut(name string) int64 {
	o, _ := r.e.lookup(name)
	return o.stats.rowsOut.Load()
}

// sortedRows runs a query and returns its rows sorted.
func (r *diskRun) sortedRows(sql string) []string {
	rows := run1(r.t, r.s, sql)
	slices.Sort(rows)
	return rows
}

// TestRefusedInsertKeepsTheWatermark: an INSERT the full disk refuses
// must not move the source's watermark, or the rows inserted once space is
// back would be judged against rows that never went in.
func TestRefusedInsertKeepsTheWatermark(t *testing.T) {
	r := openDiskRun(t, nil)
	run1(t, r.s, "CREATE SOURCE ev (ts TIMESTAMP, WATERMARK FOR ts AS ts)")
	run1(t, r.s, "INSERT INTO ev VALUES ('2024-01-01 00:00:10')")
	ev, _ := r.e.lookup("ev")
	before := watermarkText(ev)
	r.setFree(50 << 20)
	r.waitFor("the pause", func() bool { return r.e.DiskStatus().Held })
	if _, err := execute(t, r.s, "INSERT INTO ev VALUES ('2024-01-01 01:00:00')"); types.CodeOf(err) != "53100" {
		t.Fatalf("INSERT while paused: %v, want 53100", err)
	}
	if got := watermarkText(ev); got != before {
		t.Fatalf("watermark after a refused INSERT = %s, want %s", got, before)
	}
}

// TestDiskFullPausesPipelines: below the free space floor a connector
// source stops taking input, every source and stream shows why, INSERT
// into a source or a table fails with 53100 and checkpoints fail; once
// space is back the rows fed meanwhile come through once each and the
// pipelines carry on as before.
func TestDiskFullPausesPipelines(t *testing.T) {
	r := openDiskRun(t, nil)
	run1(t, r.s, "CREATE SOURCE ev (n BIGINT) WITH (connector = 'chan')")
	run1(t, r.s, "CREATE STREAM doubled AS SELECT n * 2 AS d FROM ev")
	run1(t, r.s, "CREATE SOURCE typed (n BIGINT)")
	run1(t, r.s, "CREATE TABLE kept (id INT PRIMARY KEY)")
	r.source.rows <- []int64{1, 2, 3}
	r.waitFor("the first rows", func() bool { return r.rowsOut("doubled") == 3 })

	r.setFree(50 << 20)
	const paused = "paused: data directory has 50 MiB free, needs 100 MiB"
	r.waitFor("the pause to show", func() bool { return r.lastError("doubled") == paused && r.lastError("ev") == paused })
	shown := strings.Join(run1(t, r.s, "SHOW STREAMS"), "\n")
	if !strings.Contains(shown, paused) {
		t.Fatalf("SHOW STREAMS does not show the pause:\n%s", shown)
	}
	for _, sql := range []string{"INSERT INTO typed VALUES (1)", "INSERT INTO kept VALUES (1)"} {
		_, err := execute(t, r.s, sql)
		if types.CodeOf(err) != "53100" || !strings.Contains(err.Error(), "disk full: data directory has 50 MiB free") {
			t.Fatalf("%s while paused: %v (SQLSTATE %s), want disk full with 53100", sql, err, types.CodeOf(err))
		}
	}
	if err := r.e.Checkpoint(context.Background()); !errors.Is(err, storage.ErrDiskHeld) {
		t.Fatalf("a checkpoint while paused: %v, want it refused", err)
	}
	// The source was waiting in Read when the pause began: it takes this
	// batch, the store refuses to keep it, and it holds it.
	r.source.rows <- []int64{4, 5, 6}
	r.waitFor("the source to take the batch", func() bool { return r.source.handed.Load() == 2 })
	ev, _ := r.e.lookup("ev")
	if got := ev.stats.rowsIn.Load(); got != 3 {
		t.Fatalf("the source published %d rows while paused, want 3", got)
	}
	if !ev.running.Load() {
		t.Fatalf("the source stopped while paused: %s", r.lastError("ev"))
	}

	// Above the floor but short of the resume level: still paused.
	r.setFree(110 << 20)
	r.waitFor("the pause to update", func() bool {
		return r.lastError("doubled") == "paused: data directory has 110 MiB free, needs 100 MiB"
	})
	r.setFree(1 << 30)
	r.waitFor("the held rows", func() bool { return r.rowsOut("doubled") == 6 })
	r.waitFor("the pause to clear", func() bool { return r.lastError("doubled") == "" && r.lastError("ev") == "" })
	r.source.rows <- []int64{7}
	r.waitFor("a row after the pause", func() bool { return r.rowsOut("doubled") == 7 })
	if got, want := r.sortedRows("SELECT d FROM doubled"), []string{"10", "12", "14", "2", "4", "6", "8"}; !slices.Equal(got, want) {
		t.Fatalf("the stream holds %v, want %v (each row once)", got, want)
	}
	run1(t, r.s, "INSERT INTO typed VALUES (1)")
	run1(t, r.s, "INSERT INTO kept VALUES (1)")
	if err := r.e.Checkpoint(context.Background()); err != nil {
		t.Fatalf("a checkpoint after the pause: %v", err)
	}
}

// dataWriteFault fails writes of Pebble's WAL (*.log files) and of
// retention log segments (*.seg files) with EIO while on.
type dataWriteFault struct{ on atomic.Bool }

func (f *dataWriteFault) MaybeError(op errorfs.Op) error {
	if f.on.Load() && op.Kind == errorfs.OpFileWrite &&
		(strings.HasSuffix(op.Path, ".log") || strings.HasSuffix(op.Path, ".seg")) {
		return syscall.EIO
	}
	return nil
}

func (f *dataWriteFault) String() string { return "data write fault" }

// TestDiskErrorPausesPipelines: while the data directory's writes fail
// with EIO the INSERT whose write failed waits, later writes (here into a
// table) fail with 58030, and the stream shows the error; once the disk
// works again the waiting INSERT completes and its rows reach the stream
// once.
func TestDiskErrorPausesPipelines(t *testing.T) {
	fault := &dataWriteFault{}
	r := openDiskRun(t, errorfs.Wrap(vfs.NewMem(), fault))
	run1(t, r.s, "CREATE SOURCE ev (n BIGINT)")
	run1(t, r.s, "CREATE STREAM doubled AS SELECT n * 2 AS d FROM ev")
	run1(t, r.s, "CREATE TABLE kept (id INT PRIMARY KEY)")
	run1(t, r.s, "INSERT INTO ev VALUES (1), (2), (3)")
	r.waitFor("the first rows", func() bool { return r.rowsOut("doubled") == 3 })

	fault.on.Store(true)
	inserted := make(chan error, 1)
	go func() {
		_, err := execute(t, r.s, "INSERT INTO ev VALUES (4), (5), (6)")
		inserted <- err
	}()
	const paused = "paused: writes to the data directory fail (input/output error); retrying"
	r.waitFor("the stream to show the disk error", func() bool { return r.lastError("doubled") == paused })
	_, err := execute(t, r.e.NewSession("other", "novelty"), "INSERT INTO kept VALUES (1)")
	if types.CodeOf(err) != "58030" || !strings.Contains(err.Error(), "disk error: writes to the data directory fail") {
		t.Fatalf("an INSERT while writes fail: %v (SQLSTATE %s), want a disk error with 58030", err, types.CodeOf(err))
	}
	select {
	case err := <-inserted:
		t.Fatalf("the INSERT whose write failed returned (%v) before the disk worked again", err)
	default:
	}

	fault.on.Store(false)
	select {
	case err := <-inserted:
		if err != nil {
			t.Fatalf("the held INSERT: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the held INSERT did not complete once the disk worked again")
	}
	r.waitFor("the held rows", func() bool { return r.rowsOut("doubled") == 6 })
	r.waitFor("the error to clear", func() bool { return r.lastError("doubled") == "" })
	want := []string{"10", "12", "2", "4", "6", "8"}
	if got := r.sortedRows("SELECT d FROM doubled"); !slices.Equal(got, want) {
		t.Fatalf("the stream holds %v, want %v (each row once)", got, want)
	}
	if got := r.sortedRows("SELECT n FROM ev"); !slices.Equal(got, []string{"1", "2", "3", "4", "5", "6"}) {
		t.Fatalf("the source holds %v, want 1..6", got)
	}
	if got := run1(t, r.s, "SELECT count(*) FROM kept"); !slices.Equal(got, []string{"0"}) {
		t.Fatalf("the refused INSERT left %v rows in the table", got)
	}
}

// TestRestartOnFullDiskKeepsInsertedRows: the rows INSERTed after the last
// checkpoint stay in their source's log and are published again when the
// engine opens. That writes nothing, so a store short of space does not
// hold the start; the stream catches up once space is back, each row once.
func TestRestartOnFullDiskKeepsInsertedRows(t *testing.T) {
	dir := t.TempDir()
	var avail atomic.Uint64
	avail.Store(1 << 30)
	openStore := func() *storage.Store {
		store, err := storage.OpenWith(filepath.Join(dir, "data"), storage.Options{
			MinFreeBytes: 100 << 20, DiskCheckInterval: time.Hour,
			DiskSpace: func() (storage.DiskSpace, error) {
				return storage.DiskSpace{AvailBytes: avail.Load(), TotalBytes: 10 << 30}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return store
	}
	store := openStore()
	e, err := Open(Config{Store: store, BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession("tester", "novelty")
	run1(t, s, "CREATE SOURCE ev (n BIGINT)")
	run1(t, s, "CREATE STREAM doubled AS SELECT n * 2 AS d FROM ev")
	run1(t, s, "INSERT INTO ev VALUES (1), (2), (3)")
	if err := e.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	run1(t, s, "INSERT INTO ev VALUES (4), (5)")
	doubled, _ := e.lookup("doubled")
	for deadline := time.Now().Add(10 * time.Second); doubled.stats.rowsOut.Load() < 5; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the stream did not see the rows before the crash")
		}
	}
	e.stop()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	avail.Store(50 << 20)
	store = openStore()
	defer store.Close()
	e, err = Open(Config{Store: store, BaseDir: dir})
	if err != nil {
		t.Fatalf("Open on a disk short of space: %v", err)
	}
	defer e.Close()
	s = e.NewSession("tester", "novelty")
	if got := run1(t, s, "SELECT n FROM ev"); len(got) != 5 {
		t.Fatalf("the source holds %v while space is short, want its 5 rows", got)
	}
	avail.Store(1 << 30)
	store.CheckDisk()

	for _, q := range []struct{ sql, want string }{
		{"SELECT n FROM ev", "1 2 3 4 5"},
		{"SELECT d FROM doubled", "10 2 4 6 8"},
	} {
		var got []string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
			got = run1(t, s, q.sql)
			slices.Sort(got)
			if strings.Join(got, " ") == q.want || time.Now().After(deadline) {
				break
			}
		}
		if strings.Join(got, " ") != q.want {
			t.Fatalf("%s after the restart: %v, want %s (each row once)", q.sql, got, q.want)
		}
	}
}
