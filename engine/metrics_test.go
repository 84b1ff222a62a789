package engine

import (
	"context"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/novelty-db/novelty/storage"
)

// TestMetrics feeds a source through two streams, one into a sink, and
// reads every counter the snapshot reports once the rows went through.
func TestMetrics(t *testing.T) {
	store, err := storage.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	now := time.Date(2024, 1, 1, 0, 1, 0, 0, time.UTC)
	e, err := Open(Config{Store: store, BaseDir: dir, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := e.NewSession("tester", "novelty")
	run1(t, s, `CREATE SOURCE src (ts TIMESTAMP, k TEXT, v INT, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`)
	run1(t, s, `CREATE STREAM big AS SELECT k, 10 / (v - 1) AS q FROM src WHERE v < 3`)
	run1(t, s, `CREATE STREAM scored AS SELECT novelty_score(k) AS score FROM src`)
	run1(t, s, `CREATE SINK out FROM big WITH (connector = 'file', path = 'out.jsonl')`)
	run1(t, s, `INSERT INTO src VALUES ('2024-01-01 00:00:10', 'a', 1), ('2024-01-01 00:00:30', 'b', 2),
		('2024-01-01 00:00:20', 'a', 3)`)

	mark := time.Date(2024, 1, 1, 0, 0, 25, 0, time.UTC)
	lag := 35 * time.Second
	want := []ObjectMetrics{
		{Kind: "source", Name: ErrorsSource, Pipeline: PipelineNone, RowsIn: 1},
		{Kind: "source", Name: "src", Pipeline: PipelineNone, RowsIn: 3, Watermark: mark, WatermarkLag: lag},
		// 10 / (1 - 1) fails: one error, one row out.
		{Kind: "stream", Name: "big", Inputs: []string{"src"}, Pipeline: PipelineRunning, RowsIn: 3, RowsOut: 1, Errors: 1,
			Watermark: mark, WatermarkLag: lag, Operators: []OperatorMetrics{
				{ID: "0:Project", Inputs: []string{"1:Filter"}, RowsIn: 2, RowsOut: 1, Batches: 1},
				{ID: "1:Filter", Inputs: []string{"2:Scan"}, RowsIn: 3, RowsOut: 2, Batches: 1},
				{ID: "2:Scan", RowsOut: 3, Batches: 1},
			}},
		{Kind: "stream", Name: "scored", Inputs: []string{"src"}, Pipeline: PipelineRunning, RowsIn: 3, RowsOut: 3,
			Watermark: mark, WatermarkLag: lag, Operators: []OperatorMetrics{
				{ID: "0:Project", Inputs: []string{"1:Novelty"}, RowsIn: 3, RowsOut: 3, Batches: 1},
				{ID: "1:Novelty", Inputs: []string{"2:Scan"}, RowsIn: 3, RowsOut: 3, Batches: 1},
				{ID: "2:Scan", RowsOut: 3, Batches: 1},
			}},
		{Kind: "sink", Name: "out", Connector: "file", Inputs: []string{"big"}, Pipeline: PipelineRunning, RowsOut: 1},
	}
	// The pipelines run on their own goroutines: wait for them to settle.
	snap := e.Metrics()
	for deadline := time.Now().Add(10 * time.Second); !reflect.DeepEqual(snap.Objects, want) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		snap = e.Metrics()
	}
	if !reflect.DeepEqual(snap.Objects, want) {
		t.Errorf("Objects =\n%+v\nwant\n%+v", snap.Objects, want)
	}
	if !snap.Time.Equal(now) {
		t.Errorf("Time = %v, want the engine clock %v", snap.Time, now)
	}
	if len(snap.Novelty) != 1 || snap.Novelty[0].Name != "scored" || snap.Novelty[0].Observations != 3 ||
		snap.Novelty[0].Nodes != 2 || snap.Novelty[0].Bytes <= 0 {
		t.Errorf("Novelty = %+v, want context scored with 3 observations of 2 values", snap.Novelty)
	}
	if !e.Running() {
		t.Error("Running() = false before Close")
	}
	e.Close()
	if e.Running() {
		t.Error("Running() = true after Close")
	}
}

// TestMetricsPipelineState tells pipelines that ended apart from those
// that failed.
func TestMetricsPipelineState(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, `CREATE SOURCE src (v INT)`)
	run1(t, s, `CREATE STREAM failed AS SELECT v FROM src`)
	run1(t, s, `CREATE STREAM finished AS SELECT v FROM src`)
	for _, name := range []string{"failed", "finished"} {
		o, _ := s.e.lookup(name)
		o.stop()
	}
	o, _ := s.e.lookup("failed")
	o.stats.setError(context.DeadlineExceeded)
	want := map[string]string{"src": PipelineNone, "failed": PipelineFailed, "finished": PipelineFinished}
	for _, m := range s.e.Metrics().Objects {
		if w, ok := want[m.Name]; ok && m.Pipeline != w {
			t.Errorf("%s: Pipeline = %q, want %q", m.Name, m.Pipeline, w)
		}
	}
}

func TestScoreHistogram(t *testing.T) {
	for _, tc := range []struct {
		score  float64
		bucket int // -1: not counted
	}{
		{0, 0}, {-0.5, 0}, {0.01, 0}, {0.05, 0}, {0.0501, 1}, {0.5, 9}, {0.51, 10},
		{0.99, 19}, {1, 19}, {1.5, 19}, {math.NaN(), -1},
	} {
		var h ScoreHistogram
		h.Observe(tc.score)
		var want ScoreCounts
		if tc.bucket >= 0 {
			want.Buckets[tc.bucket] = 1
			want.Count, want.Sum = 1, tc.score
		}
		if got := h.Counts(); got != want {
			t.Errorf("Observe(%v): %+v, want %+v", tc.score, got, want)
		}
	}
	if got := ScoreBucketBound(0); got != 0.05 {
		t.Errorf("ScoreBucketBound(0) = %v", got)
	}
	if got := ScoreBucketBound(ScoreBuckets - 1); got != 1 {
		t.Errorf("ScoreBucketBound(last) = %v", got)
	}
}

// TestScoreHistogramConcurrent observes from several goroutines at once
// (run with -race): nothing is lost.
func TestScoreHistogramConcurrent(t *testing.T) {
	var h ScoreHistogram
	const writers, each = 8, 1000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				h.Observe(float64((w*each+i)%ScoreBuckets) / ScoreBuckets)
			}
		}()
	}
	wg.Wait()
	got := h.Counts()
	if got.Count != writers*each {
		t.Fatalf("Count = %d, want %d", got.Count, writers*each)
	}
	// 0, 0.05, ..., 0.95 each writers*each/ScoreBuckets times; 0 and 0.05
	// share the first bucket.
	per := uint64(writers * each / ScoreBuckets)
	if got.Buckets[0] != 2*per || got.Buckets[ScoreBuckets-1] != 0 || got.Buckets[5] != per {
		t.Errorf("Buckets = %v", got.Buckets)
	}
	if want := float64(per) * 9.5; math.Abs(got.Sum-want) > 1e-6 {
		t.Errorf("Sum = %v, want %v", got.Sum, want)
	}
}
