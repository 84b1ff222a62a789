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
  novelty bench nexmark [--query q0|q1|q2] [--events N]
      nexmark bid source -> the query as a stream

Each run uses a fresh data directory under the system temp directory and
prints events/s, CPU seconds and peak RSS.
`

// nexmarkQueries are the Nexmark queries the engine runs today, in
// RisingWave's formulation adapted to Novelty's syntax.
var nexmarkQueries = map[string]string{
	"q0": `SELECT auction, bidder, price, date_time FROM bid`,
	"q1": `SELECT auction, bidder, 0.908 * price AS price, date_time FROM bid`,
	"q2": `SELECT auction, price FROM bid WHERE auction % 123 = 0`,
}

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
	query := fs.String("query", "q0", "nexmark: the query (q0, q1, q2)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
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
		res, err = benchNovelty(ctx, dir, *events, *distinct)
	case "nexmark":
		res, err = benchNexmark(ctx, dir, *query, *events)
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
func benchNovelty(ctx context.Context, dir string, events int64, distinct int) (benchResult, error) {
	if err := writeNoveltyEvents(filepath.Join(dir, "events.jsonl"), events, distinct); err != nil {
		return benchResult{}, err
	}
	return runBench(ctx, dir, events, "scored",
		`CREATE SOURCE ev (a TEXT, b TEXT, c TEXT) WITH (connector = 'file', path = 'events.jsonl', retention = '0')`,
		`CREATE STREAM scored AS SELECT a, b, c, novelty_score(a, b, c) AS score FROM ev`)
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

func benchNexmark(ctx context.Context, dir, query string, events int64) (benchResult, error) {
	sql, ok := nexmarkQueries[query]
	if !ok {
		return benchResult{}, fmt.Errorf("unknown nexmark query %q (known: q0, q1, q2)", query)
	}
	// Bids are 46 of every 50 events: generate enough of the stream for events bids.
	total := events * 50 / 46
	return runBench(ctx, dir, events, query,
		fmt.Sprintf(`CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '%d', retention = '0')`, total),
		fmt.Sprintf(`CREATE STREAM %s WITH (retention = '0') AS %s`, query, sql))
}

// runBench starts an engine on dir, runs the setup statements (the last
// one creating the measured stream), and times until that stream ends.
func runBench(ctx context.Context, dir string, events int64, stream string, setup ...string) (benchResult, error) {
	store, err := storage.Open(dir)
	if err != nil {
		return benchResult{}, err
	}
	defer store.Close()
	eng, err := engine.Open(engine.Config{Store: store, Connectors: connectors.Default(),
		Logger: slog.New(slog.DiscardHandler), BaseDir: dir})
	if err != nil {
		return benchResult{}, err
	}
	defer eng.Close()
	sess := eng.NewSession("bench", "bench")
	cpu0 := cpuSeconds()
	start := time.Now()
	for _, sql := range setup {
		stmts, err := parser.Parse(sql)
		if err != nil {
			return benchResult{}, err
		}
		if _, err := sess.Execute(ctx, stmts[0], discard{}); err != nil {
			return benchResult{}, fmt.Errorf("%s: %w", sql, err)
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
