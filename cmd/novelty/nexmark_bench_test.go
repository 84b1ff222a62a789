package main

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/novelty-db/novelty/engine"
)

var nexmarkBenchEvents = flag.Int64("nexmark-events", 100_000,
	"BenchmarkNexmark: events per run, counted as `novelty bench nexmark --events` counts them")

// BenchmarkNexmark runs every Nexmark query the way `novelty bench nexmark`
// does (benchNexmark: a fresh engine and data directory, checkpoints every
// second, timed until the query's stream ends); one op is one run over
// -nexmark-events events. It reports events/s (wall clock), CPU seconds
// per run, events per CPU second, and the process's peak RSS so far, a
// high-water mark over the whole process: bench one query per process
// (-bench 'Nexmark/q5$') to attribute it. For BENCHMARKS.md:
//
//	go test ./cmd/novelty -run '^$' -bench 'Nexmark/q5$' -benchtime 1x -nexmark-events 10000000
func BenchmarkNexmark(b *testing.B) {
	for _, name := range nexmarkQueryNames() {
		b.Run(name, func(b *testing.B) {
			var events int64
			var elapsed time.Duration
			var cpu float64
			for range b.N {
				res, err := benchNexmark(context.Background(), b.TempDir(), engine.DefaultCheckpointInterval, name, *nexmarkBenchEvents)
				if err != nil {
					b.Fatal(err)
				}
				events += res.Events
				elapsed += res.Elapsed
				cpu += res.CPUSeconds
			}
			b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
			b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(events)/cpu, "events/cpu-s")
			b.ReportMetric(peakRSSMiB(), "peak-rss-MiB")
		})
	}
}
