package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

const benchUsage = `Usage:
  novelty bench novelty [--events N] [--distinct N]
      file source of N events -> stream with novelty_score(a, b, c) -> retained output
  novelty bench nexmark [--query q0|q1|q2|q3|q4|q5|q7|q8] [--events N]
      nexmark sources -> the query's streams; N counts the events of the
      tables the query reads (bids for q0-q2, q5, q7)

Each run uses a fresh data directory under the system temp directory and
prints events/s, CPU seconds and peak RSS. --checkpoint-interval (default
1s, as the server) sets how often checkpoints are taken; 0 measures
without them.
`

// benchResult is what one benchmark run measured.
type benchResult struct {
	Events     int64
	Elapsed    time.Duration
	CPUSeconds float64
	PeakRSSMiB float64
}

func (r benchResult) String() string {
	return fmt.Sprintf("events=%d elapsed=%s events/s=%.0f cpu_seconds=%.2f events/cpu_s=%.0f peak_rss_mib=%.1f",
		r.Events, r.Elapsed.Round(time.Millisecond), float64(r.Events)/r.Elapsed.Seconds(), r.CPUSeconds,
		float64(r.Events)/r.CPUSeconds, r.PeakRSSMiB)
}

func bench(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, benchUsage)
		return nil
	}
	fs := flag.NewFlagSet("novelty bench "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	events := fs.Int64("events", 1_000_000, "number of events")
	distinct := fs.Int("distinct", 1_000_000, "novelty: distinct values of the last component")
	query := fs.String("query", "q0", "nexmark: the query (q0, q1, q2, q3, q4, q5, q7, q8)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	checkpoints := fs.Duration("checkpoint-interval", engine.DefaultCheckpointInterval, "how often the engine takes a checkpoint during the run; 0 takes none until it closes")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	dir, err := os.MkdirTemp("", "novelty-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var res benchResult
	switch args[0] {
	case "novelty":
		res, err = benchNovelty(ctx, dir, *checkpoints, *events, *distinct)
	case "nexmark":
		res, err = benchNexmark(ctx, dir, *checkpoints, *query, *events)
	default:
		fmt.Fprint(stderr, benchUsage)
		return fmt.Errorf("unknown benchmark %q", args[0])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench %s: %s\n", args[0], res)
	return nil
}

// benchNovelty scores events of 3 components (10, 1,000 and distinct
// values) read from a JSON-lines file, end to end through SQL.
func benchNovelty(ctx context.Context, dir string, checkpoints time.Duration, events int64, distinct int) (benchResult, error) {
	if err := writeNoveltyEvents(filepath.Join(dir, "events.jsonl"), events, distinct); err != nil {
		return benchResult{}, err
	}
	setup, err := parser.Parse(`CREATE SOURCE ev (a TEXT, b TEXT, c TEXT) WITH (connector = 'file', path = 'events.jsonl', retention = '0');
		CREATE STREAM scored AS SELECT a, b, c, novelty_score(a, b, c) AS score FROM ev`)
	if err != nil {
		return benchResult{}, err
	}
	return runBench(ctx, dir, checkpoints, events, "scored", setup)
}

// writeNoveltyEvents writes the benchmark input; generating it is not timed.
func writeNoveltyEvents(path string, events int64, distinct int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := int64(0); i < events; i++ {
		fmt.Fprintf(w, `{"a":"a%d","b":"b%d","c":"c%d"}`+"\n", rng.IntN(10), rng.IntN(1000), rng.IntN(distinct))
	}
	return errors.Join(w.Flush(), f.Close())
}

func benchNexmark(ctx context.Context, dir string, checkpoints time.Duration, query string, events int64) (benchResult, error) {
	setup, err := nexmarkSetup(query, events)
	if err != nil {
		return benchResult{}, err
	}
	return runBench(ctx, dir, checkpoints, setup.events, setup.stream, setup.stmts)
}

// runBench starts an engine on dir, checkpointing every checkpoints, runs
// the setup statements (the last one creating the measured stream), and
// times until that stream ends.
func runBench(ctx context.Context, dir string, checkpoints time.Duration, events int64, stream string, setup []parser.Statement) (benchResult, error) {
	store, err := storage.Open(dir)
	if err != nil {
		return benchResult{}, err
	}
	defer store.Close()
	eng, err := engine.Open(engine.Config{Store: store, Connectors: connectors.Default(),
		Logger: slog.New(slog.DiscardHandler), BaseDir: dir, CheckpointInterval: checkpoints})
	if err != nil {
		return benchResult{}, err
	}
	defer eng.Close()
	sess := eng.NewSession("bench", "bench")
	cpu0 := cpuSeconds()
	start := time.Now()
	for _, stmt := range setup {
		if _, err := sess.Execute(ctx, stmt, discard{}); err != nil {
			return benchResult{}, fmt.Errorf("%s: %w", stmt.Origin().Text, err)
		}
	}
	if err := eng.Wait(ctx, stream); err != nil {
		return benchResult{}, err
	}
	return benchResult{Events: events, Elapsed: time.Since(start), CPUSeconds: cpuSeconds() - cpu0, PeakRSSMiB: peakRSSMiB()}, nil
}

// discard is a RowWriter for statements whose rows the benchmark ignores.
type discard struct{}

func (discard) Columns(types.Schema) error { return nil }
func (discard) Row([]types.Datum) error    { return nil }

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMiB is the process's maximum resident set size (Linux reports KiB).
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
