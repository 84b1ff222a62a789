package engine

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// Snapshot is one reading of the engine's counters, for the operations
// endpoints. Counters only grow while the engine runs (a novelty context's
// observations restart at 0 when it is reset).
type Snapshot struct {
	// Time is the engine clock's reading when the snapshot was taken.
	Time time.Time
	// Objects are the sources, streams, sinks and tables, ordered by kind
	// (in that order) then name.
	Objects []ObjectMetrics
	// Novelty are the open novelty contexts, by name.
	Novelty []NoveltyMetrics
	// Checkpoints describe the checkpoints since the engine opened.
	Checkpoints CheckpointStats
	// Disk is the data directory's disk guard: writes held, and why.
	Disk storage.DiskStatus
}

// Pipeline states of ObjectMetrics.Pipeline.
const (
	// PipelineNone: the object has no pipeline (a table, a source fed by INSERT).
	PipelineNone = "none"
	// PipelineRunning: the pipeline is running.
	PipelineRunning = "running"
	// PipelineFinished: the pipeline ended because its bounded input ended.
	PipelineFinished = "finished"
	// PipelineFailed: the pipeline stopped on an error (see LastError).
	PipelineFailed = "failed"
)

// ObjectMetrics are one catalog object's counters. Which counters an
// object keeps depends on its kind: sources count RowsIn, streams RowsIn,
// RowsOut, LateRows, StateBytes and Operators, sinks RowsOut; the others
// stay 0.
type ObjectMetrics struct {
	// Kind is "source", "stream", "sink" or "table".
	Kind string
	Name string
	// Connector is a source's or sink's connector; "" for a source fed by
	// INSERT, a stream or a table.
	Connector string
	// Inputs are the names of the objects this one reads.
	Inputs []string
	// Pipeline is one of the Pipeline* states.
	Pipeline string
	// RowsIn are the rows a source received or a stream's scans read.
	RowsIn int64
	// RowsOut are the rows a stream produced or a sink delivered.
	RowsOut int64
	// Errors are rows that failed (sent to novelty_errors) and, for a sink,
	// failed delivery attempts (each is retried).
	Errors int64
	// LateRows are rows a stream dropped for arriving behind its watermark.
	LateRows int64
	// SinkRetries are a sink's delivery steps repeated after a failure
	// (Errors counts the failures; a failure at shutdown is not retried).
	SinkRetries int64
	// Watermark is the latest watermark (event time, UTC); zero if none yet.
	Watermark time.Time
	// WatermarkLag is Time minus Watermark; 0 without a watermark.
	WatermarkLag time.Duration
	// LastError is the most recent pipeline error ("" if none).
	LastError string
	// StateBytes is the encoded size of a stream's operator state at its
	// last checkpoint or restore (0 before the first, or without state).
	StateBytes int64
	// Operators are a stream's operators, root first (see OperatorMetrics.ID).
	Operators []OperatorMetrics
}

// NoveltyMetrics describe one novelty context.
type NoveltyMetrics struct {
	Name string
	// Observations is the number of observations learnt.
	Observations int64
	// Nodes is the size of the context's trie.
	Nodes int64
	// Bytes is the estimated memory the context holds.
	Bytes int64
	// Scores is the distribution of the scores the context gave.
	Scores ScoreCounts
}

// Metrics reads the counters of every object and novelty context. It
// takes no lock a pipeline waits on, except each novelty context's for
// the moment its size is read.
func (e *Engine) Metrics() Snapshot {
	now := e.clock()
	s := Snapshot{Time: now}
	e.mu.RLock()
	objs := make([]*object, 0, len(e.objects))
	for _, o := range e.objects {
		objs = append(objs, o)
	}
	e.mu.RUnlock()
	slices.SortFunc(objs, func(a, b *object) int {
		return cmp.Or(cmp.Compare(kindOrder(a.kind), kindOrder(b.kind)), strings.Compare(a.name, b.name))
	})
	s.Disk = e.DiskStatus()
	s.Objects = make([]ObjectMetrics, len(objs))
	for i, o := range objs {
		s.Objects[i] = o.metrics(now)
	}
	for _, m := range e.noveltyModels() {
		m.mu.Lock()
		st := m.ctx.Stats()
		m.mu.Unlock()
		s.Novelty = append(s.Novelty, NoveltyMetrics{
			Name: m.name, Observations: st.Observations, Nodes: int64(st.Nodes), Bytes: st.Bytes,
			Scores: m.scores.Counts(),
		})
	}
	s.Checkpoints = e.CheckpointStats()
	return s
}

// Running reports whether the engine runs: true from Open until Close.
func (e *Engine) Running() bool { return e.ctx.Err() == nil }

// kindOrder orders objects as data flows: sources, streams, sinks, tables.
func kindOrder(k parser.ObjectKind) int {
	switch k {
	case parser.KindSource:
		return 0
	case parser.KindStream:
		return 1
	case parser.KindSink:
		return 2
	}
	return 3
}

// metrics reads o's counters; now is the engine clock's reading.
func (o *object) metrics(now time.Time) ObjectMetrics {
	m := ObjectMetrics{
		Kind: o.kind.String(), Name: o.name, Connector: o.connector, Inputs: slices.Clone(o.deps),
		Pipeline: o.pipelineState(), RowsIn: o.stats.rowsIn.Load(), RowsOut: o.stats.rowsOut.Load(),
		Errors: o.stats.errors.Load(), LateRows: o.stats.late.Load(),
		SinkRetries: o.stats.retries.Load(), LastError: o.stats.errorText(),
	}
	if o.kind == parser.KindStream {
		m.Operators, m.RowsIn, m.StateBytes = streamFigures(o)
	}
	if mark := o.stats.watermark.Load(); mark != 0 && mark != types.NoWatermark {
		m.Watermark = time.UnixMicro(mark).UTC()
		m.WatermarkLag = now.Sub(m.Watermark)
	}
	return m
}

// pipelineState tells whether o's pipeline runs. done is set before the
// object is published in the catalog (or, for a restored source, before
// Open returns), so reading it here does not race with start.
func (o *object) pipelineState() string {
	if o.done == nil {
		return PipelineNone
	}
	select {
	case <-o.done:
	default:
		return PipelineRunning
	}
	if o.stats.errorText() != "" {
		return PipelineFailed
	}
	return PipelineFinished
}

// ScoreBuckets is the number of equal-width buckets ScoreHistogram splits
// [0, 1] into.
const ScoreBuckets = 20

// ScoreHistogram counts novelty scores in ScoreBuckets fixed buckets. It
// is safe for concurrent use without a lock; its zero value is empty.
type ScoreHistogram struct {
	counts [ScoreBuckets]atomic.Uint64
	// sumBits is the float64 bits of the sum of the scores counted.
	sumBits atomic.Uint64
}

// Observe counts one score. Scores of 0 or less count in the first
// bucket, scores above 1 in the last; NaN is not counted.
func (h *ScoreHistogram) Observe(score float64) {
	if math.IsNaN(score) {
		return
	}
	i := max(0, min(int(math.Ceil(score*ScoreBuckets))-1, ScoreBuckets-1))
	// score*ScoreBuckets can round across a bound: settle on the bucket
	// whose bounds, as ScoreBucketBound states them, hold score.
	switch {
	case i > 0 && score <= ScoreBucketBound(i-1):
		i--
	case i < ScoreBuckets-1 && score > ScoreBucketBound(i):
		i++
	}
	h.counts[i].Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+score)) {
			return
		}
	}
}

// Counts reads the histogram. Scores may arrive during the read: Sum is
// read first, so it can miss scores that the buckets count.
func (h *ScoreHistogram) Counts() ScoreCounts {
	var c ScoreCounts
	c.Sum = math.Float64frombits(h.sumBits.Load())
	for i := range h.counts {
		c.Buckets[i] = h.counts[i].Load()
		c.Count += c.Buckets[i]
	}
	return c
}

// ScoreCounts is a reading of a ScoreHistogram.
type ScoreCounts struct {
	// Buckets[i] counts scores in (i/ScoreBuckets, (i+1)/ScoreBuckets]; the
	// first bucket includes 0, so each bucket is "at most its bound" minus
	// the buckets before it, as Prometheus's le buckets are.
	Buckets [ScoreBuckets]uint64
	// Count is the number of scores, Sum their sum.
	Count uint64
	Sum   float64
}

// ScoreBucketBound is the upper bound of bucket i, (i+1)/ScoreBuckets.
func ScoreBucketBound(i int) float64 { return float64(i+1) / ScoreBuckets }
