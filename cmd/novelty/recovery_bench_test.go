package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/storage"
)

// BenchmarkRecovery measures how long an engine takes to come back with a
// large checkpointed state: it builds a data directory whose last
// checkpoint holds one novelty context of about the sub-benchmark's size
// (untimed, once per size and process), then times, for each iteration,
// opening the store and the engine (which restores the catalog and the
// context) until the stream has run again over new input. Run one size:
//
//	CGO_ENABLED=0 go test ./cmd/novelty -run '^$' -bench 'Recovery/1GB' -benchtime 3x -timeout 0
//
// Each event is [a of 10 values, b of 1,000, c unique of recoveryValueLen
// bytes], so the state is mostly distinct values and trie leaves, as in a
// context keyed by user agents or URLs. With -count above 1 each round
// builds its directories again.
func BenchmarkRecovery(b *testing.B) {
	built := recoveryDirs{}
	b.Cleanup(built.remove)
	for _, size := range []struct {
		name  string
		bytes int64
	}{{"100MB", 100 << 20}, {"250MB", 250 << 20}, {"500MB", 500 << 20}, {"1GB", 1 << 30}} {
		b.Run(size.name, func(b *testing.B) {
			dir := built.get(b, size.bytes)
			b.ResetTimer()
			var opened, restored time.Duration
			for range b.N {
				o, r := restartRecovery(b, dir)
				opened += o
				restored += r
			}
			b.ReportMetric(opened.Seconds()/float64(b.N), "s_engine_open/op")
			b.ReportMetric(restored.Seconds()/float64(b.N), "s_until_running/op")
			b.ReportMetric(float64(dir.stateBytes)/(1<<20), "MiB_state")
		})
	}
}

// recoveryValueLen is the length of the unique component's values.
const recoveryValueLen = 48

// recoveryBytesPerEvent approximates the checkpointed bytes one event
// adds: its unique value (and length) and a trie leaf (value rank, count,
// last-seen sequence, children).
const recoveryBytesPerEvent = recoveryValueLen + 11

// recoveryAppended is how many events are appended to the input before
// each restart: the stream has run again once it processed them.
const recoveryAppended = 1000

const recoverySetup = `CREATE SOURCE ev (a TEXT, b TEXT, c TEXT) WITH (connector = 'file', path = 'events.jsonl', retention = '0');
CREATE STREAM scored WITH (retention = '0') AS SELECT a, b, c, novelty_score(a, b, c) AS score FROM ev`

// recoveryData is a built data directory and what its checkpoint holds.
type recoveryData struct {
	dir        string
	events     int64 // written to the input so far
	stateBytes int   // bytes of the last checkpoint
}

// recoveryDirs are the data directories built so far, by state size: a
// sub-benchmark runs more than once (b.N grows), its directory is built
// once.
type recoveryDirs map[int64]*recoveryData

// get returns the data directory for a state of about size bytes,
// building it the first time: the events go through the engine once, and
// closing it writes the final checkpoint.
func (built recoveryDirs) get(b *testing.B, size int64) *recoveryData {
	if d, ok := built[size]; ok {
		return d
	}
	dir, err := os.MkdirTemp("", "novelty-recovery-")
	if err != nil {
		b.Fatal(err)
	}
	d := &recoveryData{dir: dir}
	built[size] = d
	events := size / recoveryBytesPerEvent
	start := time.Now()
	if err := d.appendEvents(events); err != nil {
		b.Fatal(err)
	}
	eng, store := openRecoveryEngine(b, dir)
	sess := eng.NewSession("bench", "bench")
	stmts, err := parser.Parse(recoverySetup)
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := sess.Execute(context.Background(), st, discard{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := eng.Wait(context.Background(), "scored"); err != nil {
		b.Fatal(err)
	}
	stats := closeRecoveryEngine(b, eng, store)
	d.stateBytes = stats.LastBytes
	b.Logf("built %s: %d events in %s; checkpoint of %.0f MiB in %s", dir, events,
		time.Since(start).Round(time.Second), float64(stats.LastBytes)/(1<<20), stats.LastDuration.Round(time.Millisecond))
	return d
}

// closeRecoveryEngine checkpoints and closes an engine and its store. The
// checkpoint is taken before Close, whose own has a shorter timeout than
// a large state needs: if that one fails, the engine still restarts from
// this one, which holds the same state.
func closeRecoveryEngine(b *testing.B, eng *engine.Engine, store *storage.Store) engine.CheckpointStats {
	if err := eng.Checkpoint(context.Background()); err != nil {
		b.Fatal(err)
	}
	stats := eng.CheckpointStats()
	eng.Close()
	if err := store.Close(); err != nil {
		b.Fatal(err)
	}
	return stats
}

func (built recoveryDirs) remove() {
	for _, d := range built {
		os.RemoveAll(d.dir)
	}
}

// appendEvents appends n events to the input file.
func (d *recoveryData) appendEvents(n int64) error {
	f, err := os.OpenFile(filepath.Join(d.dir, "events.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(uint64(d.events), 3))
	for i := d.events; i < d.events+n; i++ {
		fmt.Fprintf(w, `{"a":"a%d","b":"b%d","c":"%0*d"}`+"\n", rng.IntN(10), rng.IntN(1000), recoveryValueLen, i)
	}
	d.events += n
	return errors.Join(w.Flush(), f.Close())
}

func openRecoveryEngine(b *testing.B, dir string) (*engine.Engine, *storage.Store) {
	store, err := storage.Open(filepath.Join(dir, "data"))
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.Open(engine.Config{Store: store, Connectors: connectors.Default(),
		Logger: slog.New(slog.DiscardHandler), BaseDir: dir, CheckpointInterval: 0})
	if err != nil {
		b.Fatal(err)
	}
	return eng, store
}

// restartRecovery appends input, then times opening the store and the
// engine (opened) and, from the same start, until the stream processed
// the new input to its end (restored). Closing is not timed.
func restartRecovery(b *testing.B, d *recoveryData) (opened, restored time.Duration) {
	b.StopTimer()
	if err := d.appendEvents(recoveryAppended); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	eng, store := openRecoveryEngine(b, d.dir)
	opened = time.Since(start)
	if err := eng.Wait(context.Background(), "scored"); err != nil {
		b.Fatal(err)
	}
	restored = time.Since(start)
	b.StopTimer()
	closeRecoveryEngine(b, eng, store)
	b.StartTimer()
	return opened, restored
}
