package novelty

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// benchStream is pre-generated input: observations of 3 components with
// 10, 1000 and 1,000,000 distinct values, picked uniformly with a fixed
// seed. The text of all observations lies back to back, in order, as a
// decoded batch of records would, so the timed loop reads input memory
// sequentially and only builds Datums (substrings, no allocation).
type benchStream struct{ text string }

const benchWidth = 10 // bytes per component value, e.g. "c2-0123456"

func newBenchStream(n int, seed uint64) benchStream {
	rng := rand.New(rand.NewPCG(seed, 2))
	buf := make([]byte, 0, n*3*benchWidth)
	for range n {
		for k, distinct := range []int{10, 1000, 1_000_000} {
			buf = fmt.Appendf(buf, "c%d-%07d", k, rng.IntN(distinct))
		}
	}
	return benchStream{text: string(buf)}
}

func (s benchStream) observation(i int, obs []types.Datum) {
	base := i * 3 * benchWidth
	for k := range obs {
		obs[k] = types.NewText(s.text[base+k*benchWidth : base+(k+1)*benchWidth])
	}
}

func BenchmarkObserve(b *testing.B) {
	benchObserve(b, Options{}, 0)
}

// BenchmarkObserveBudget is BenchmarkObserve with a node budget, so
// eviction runs.
func BenchmarkObserveBudget(b *testing.B) {
	benchObserve(b, Options{MaxNodes: 200_000}, 0)
}

// BenchmarkObserveSnapshotted is BenchmarkObserve with a snapshot taken
// every 500,000 observations, as checkpoints every second at that rate
// would: its cost to observations is the freeze and the chunks copied on
// write afterwards (encoding runs elsewhere and is not timed).
func BenchmarkObserveSnapshotted(b *testing.B) {
	benchObserve(b, Options{}, 500_000)
}

// benchObserve times observations, taking a snapshot every snapshotEvery
// of them (0: never).
func benchObserve(b *testing.B, opts Options, snapshotEvery int) {
	in := newBenchStream(b.N, 1)
	c := NewContext(opts)
	obs := make([]types.Datum, 3)
	var r Result
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if snapshotEvery > 0 && i%snapshotEvery == snapshotEvery-1 {
			c.Snapshot()
		}
		in.observation(i, obs)
		if err := c.Observe(obs, &r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportContext(b, c)
}

func BenchmarkRead(b *testing.B) {
	const learnt = 1_000_000
	in := newBenchStream(learnt+b.N, 1)
	c := learntContext(b, in, learnt)
	obs := make([]types.Datum, 3)
	var r Result
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		in.observation(learnt+i, obs)
		if err := c.Read(obs, &r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportContext(b, c)
}

// learntContext returns a context that observed the first n observations
// of in, as untimed set-up.
func learntContext(b *testing.B, in benchStream, n int) *Context {
	b.Helper()
	c := NewContext(Options{})
	obs := make([]types.Datum, 3)
	var r Result
	for i := range n {
		in.observation(i, obs)
		if err := c.Observe(obs, &r); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

func reportContext(b *testing.B, c *Context) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "obs/s")
	s := c.Stats()
	b.ReportMetric(float64(s.Nodes), "nodes")
	if s.Nodes > 0 {
		b.ReportMetric(float64(s.Bytes)/float64(s.Nodes), "bytes/node")
	}
}

// BenchmarkSnapshotEncode encodes a context of 3M observations of
// benchStream (~3M nodes, ~1M distinct values), as a checkpoint does.
func BenchmarkSnapshotEncode(b *testing.B) {
	const learnt = 3_000_000
	c := learntContext(b, newBenchStream(learnt, 1), learnt)
	b.ResetTimer()
	var size int
	for range b.N {
		size = len(c.Snapshot().Encode())
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}
