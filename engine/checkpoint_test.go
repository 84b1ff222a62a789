package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/novelty-db/novelty/storage"
)

// checkpointRun is one engine over an on-disk store that a test can crash
// (stop without the final checkpoint) and open again.
type checkpointRun struct {
	t     *testing.T
	dir   string
	store *storage.Store
	e     *Engine
	s     *Session
}

func openCheckpointRun(t *testing.T, dir string) *checkpointRun {
	t.Helper()
	store, err := storage.Open(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(Config{Store: store, BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return &checkpointRun{t: t, dir: dir, store: store, e: e, s: e.NewSession("tester", "novelty")}
}

// crash stops every pipeline without a final checkpoint, as a killed
// process would, and closes the store.
func (r *checkpointRun) crash() {
	r.e.stop()
	if err := r.store.Close(); err != nil {
		r.t.Fatal(err)
	}
}

// close shuts down cleanly (final checkpoint) and closes the store.
func (r *checkpointRun) close() {
	r.e.Close()
	if err := r.store.Close(); err != nil {
		r.t.Fatal(err)
	}
}

// waitRows waits until the stream named name has put out n rows in total
// since this engine opened.
func (r *checkpointRun) waitRows(name string, n int64) {
	r.t.Helper()
	o, _ := r.e.lookup(name)
	for deadline := time.Now().Add(10 * time.Second); o.stats.rowsOut.Load() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s put out %d rows, want %d", name, o.stats.rowsOut.Load(), n)
		}
	}
}

// insertEvents inserts events [from, to): event i at second i, key k<i%3>.
func (r *checkpointRun) insertEvents(from, to int) {
	var values []string
	for i := from; i < to; i++ {
		values = append(values, fmt.Sprintf("('2024-01-01 00:00:00'::timestamp + INTERVAL '%d' SECOND, 'k%d', 'u%d')", i, i%3, i%7))
	}
	run1(r.t, r.s, "INSERT INTO logins VALUES "+strings.Join(values, ", "))
}

const checkpointSchema = `
CREATE SOURCE logins (ts TIMESTAMP, k TEXT, u TEXT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
CREATE STREAM per_window AS SELECT window_start, k, count(*) AS n FROM logins GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), k;
CREATE STREAM scored WITH (novelty_context = 'logins') AS SELECT ts, k, u, novelty_score(k, u) AS score FROM logins;
CREATE SINK windows_out FROM per_window WITH (connector = 'file', path = 'windows.jsonl');
CREATE SINK scored_out FROM scored WITH (connector = 'file', path = 'scored.jsonl');
`

// outcome is what a run leaves behind: the sinks' files and the novelty
// context's saved bytes.
func (r *checkpointRun) outcome() (windows, scored []string, context []byte) {
	r.t.Helper()
	read := func(name string) []string {
		data, err := os.ReadFile(filepath.Join(r.dir, name))
		if err != nil {
			r.t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		slices.Sort(lines)
		return lines
	}
	store, err := storage.Open(filepath.Join(r.dir, "data"))
	if err != nil {
		r.t.Fatal(err)
	}
	defer store.Close()
	context, _, err = store.GetState(noveltyKey("logins"))
	if err != nil {
		r.t.Fatal(err)
	}
	return read("windows.jsonl"), read("scored.jsonl"), context
}

// TestCheckpointCrashRecovery crashes an engine after a checkpoint with
// rows processed since, opens it again, and checks that the sinks' files
// and the novelty context equal those of a run that never crashed.
func TestCheckpointCrashRecovery(t *testing.T) {
	const a, b, c = 40, 75, 120 // event counts after each phase

	steady := openCheckpointRun(t, t.TempDir())
	run1(t, steady.s, checkpointSchema)
	steady.insertEvents(0, a)
	steady.insertEvents(a, b)
	steady.insertEvents(b, c)
	steady.waitRows("scored", c)
	steady.close()
	wantWindows, wantScored, wantContext := steady.outcome()

	for _, tc := range []struct {
		name string
		// checkpointed is how many events the checkpoint before the crash
		// covers; 0 crashes before any checkpoint, so the streams and sinks
		// must start over as if created after the restart.
		checkpointed int
	}{{"after a checkpoint", a}, {"before the first checkpoint", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			crashed := openCheckpointRun(t, t.TempDir())
			run1(t, crashed.s, checkpointSchema)
			crashed.insertEvents(0, a)
			crashed.waitRows("scored", a)
			if tc.checkpointed > 0 {
				if err := crashed.e.Checkpoint(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			crashed.insertEvents(a, b)
			crashed.waitRows("scored", b)
			crashed.crash()

			restarted := openCheckpointRun(t, crashed.dir)
			// The rows inserted after the checkpoint are replayed from the
			// source's log: the restored stream scores them again.
			restarted.waitRows("scored", int64(b-tc.checkpointed))
			restarted.insertEvents(b, c)
			restarted.waitRows("scored", int64(c-tc.checkpointed))
			restarted.close()
			gotWindows, gotScored, gotContext := restarted.outcome()

			if !slices.Equal(gotWindows, wantWindows) {
				t.Errorf("window sink after the crash:\n%s\nwant\n%s", strings.Join(gotWindows, "\n"), strings.Join(wantWindows, "\n"))
			}
			if !slices.Equal(gotScored, wantScored) {
				t.Errorf("scored sink after the crash has %d lines, want %d; first difference: %s", len(gotScored), len(wantScored), firstDifference(gotScored, wantScored))
			}
			if len(wantContext) == 0 || !bytes.Equal(gotContext, wantContext) {
				t.Errorf("novelty context after the crash: %d bytes, want the uninterrupted run's %d bytes bit for bit", len(gotContext), len(wantContext))
			}
		})
	}
}

func firstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}

// TestCheckpointKeepsResumedOffset restarts a Kafka source from a
// checkpoint, takes another checkpoint before the source read anything new,
// and crashes: the second restart must resume from the same offset, not
// read the topic again from the start.
func TestCheckpointKeepsResumedOffset(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	produceEvents(t, cluster.ListenAddrs(), "events", 0, "00:00:01", "00:00:02", "00:00:03")
	dir := t.TempDir()
	r := openCheckpointRun(t, dir)
	run1(t, r.s, fmt.Sprintf(`CREATE SOURCE events (ts TIMESTAMP) WITH (connector = 'kafka', brokers = '%s', topic = 'events', start = 'earliest', format = 'json')`,
		cluster.ListenAddrs()[0]))
	run1(t, r.s, `CREATE STREAM copied AS SELECT ts FROM events`)
	r.waitRows("copied", 3)
	if err := r.e.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.crash()

	r = openCheckpointRun(t, dir)
	if err := r.e.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.crash()

	r = openCheckpointRun(t, dir)
	defer r.close()
	produceEvents(t, cluster.ListenAddrs(), "events", 0, "00:00:04")
	r.waitRows("copied", 1)
	// The source's retained log and the stream's hold each event once.
	for _, q := range []string{"SELECT count(*) FROM events", "SELECT count(*) FROM copied"} {
		deadline := time.Now().Add(10 * time.Second)
		got := run1(t, r.s, q)
		for (len(got) != 1 || got[0] != "4") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			got = run1(t, r.s, q)
		}
		if len(got) != 1 || got[0] != "4" {
			t.Errorf("%s = %v after two restarts, want 4: each event once", q, got)
		}
	}
}

// TestCheckpointPassesEveryStreamingOperator runs a stream through each
// operator a continuous query can use: a checkpoint completes only if
// every one of them passes the barrier on.
func TestCheckpointPassesEveryStreamingOperator(t *testing.T) {
	r := openCheckpointRun(t, t.TempDir())
	defer r.close()
	run1(t, r.s, `
CREATE TABLE users (name TEXT PRIMARY KEY, team TEXT);
INSERT INTO users VALUES ('k0', 'red');
CREATE SOURCE logins (ts TIMESTAMP, k TEXT, u TEXT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
CREATE SOURCE logouts (ts TIMESTAMP, k TEXT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND);
CREATE STREAM filtered AS SELECT k, upper(u) AS u FROM logins WHERE k <> 'k2';
CREATE STREAM expanded AS SELECT k, generate_series(1, 2) AS n FROM logins;
CREATE STREAM windowed AS SELECT window_start, count(*) AS n FROM logins GROUP BY TUMBLE(ts, INTERVAL '10' SECOND);
CREATE STREAM enriched AS SELECT l.k, u.team FROM logins l LEFT JOIN users u ON l.k = u.name;
CREATE STREAM both_kinds AS SELECT ts, k FROM logins UNION ALL SELECT ts, k FROM logouts;
CREATE STREAM sessions AS SELECT i.k, o.ts FROM logins i JOIN logouts o ON i.k = o.k AND o.ts BETWEEN i.ts AND i.ts + INTERVAL '1' HOUR;
CREATE STREAM scored AS SELECT k, novelty_score(k, u) AS score FROM logins;
`)
	r.insertEvents(0, 30)
	run1(t, r.s, `INSERT INTO logouts VALUES ('2024-01-01 00:00:05', 'k1')`)
	r.waitRows("scored", 30)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.e.Checkpoint(ctx); err != nil {
		t.Fatalf("checkpoint: %v (a stream's operator did not pass the barrier on)", err)
	}
	if got := r.e.CheckpointStats(); got.Completed != 1 || got.LastBytes == 0 {
		t.Errorf("CheckpointStats = %+v, want one complete checkpoint with state", got)
	}
}
