package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// object is one catalog object and, for sources, streams and sinks, its
// running pipeline.
type object struct {
	id   uint64
	kind parser.ObjectKind
	name string
	// rel is how queries see a source, stream or table (nil for sinks).
	rel *planner.Relation
	// deps are the names of the objects this one reads.
	deps []string
	// connector is the connector of a source or sink ("" for a source fed by INSERT).
	connector string
	// options are the connector's WITH options.
	options parser.Options
	// columns are the declared columns of a source or table.
	columns []parser.ColumnDef
	// source and sink are the connector instances of a source or sink.
	source connectors.Source
	sink   connectors.Sink
	// query is a stream's query text, as written.
	query string
	// plan is a stream's continuous plan.
	plan *planner.Plan
	// maxState bounds a stream's operator state in bytes (0: no limit).
	maxState int64
	// backfill is set for a stream or sink created now (not restored): it
	// reads its inputs' retained rows before their live rows.
	backfill bool
	// replaying is set, while the engine opens, for a source fed by INSERT
	// that the last checkpoint covers: the rows of its log after seq
	// replayAfter come again by replay (replayFedSource), so a reader
	// backfilling meanwhile reads the log only up to there (follow).
	// Written and read by Open's goroutine before the engine serves.
	replaying   bool
	replayAfter uint64
	// watermark computes a source row's watermark candidate (nil: none).
	watermark exec.Evaluator
	// marks combines a source's per-partition watermarks (nil: none).
	marks *partitionWatermarks

	// topic fans a source's or stream's rows out to its readers.
	topic *exec.Topic
	// log retains a source's or stream's recent rows for bounded SELECT.
	log       *storage.Log
	retention time.Duration
	// table stores a table's rows.
	table *storage.Table

	// cancel stops the pipeline; done is closed when it has stopped.
	cancel context.CancelFunc
	done   chan struct{}
	// running is set while the pipeline runs.
	running atomic.Bool
	// pipeline is a running stream's operators (for checkpoints).
	pipeline *exec.Pipeline

	// feed serialises what goes into a source's topic (the connector's
	// batches, INSERTed rows, checkpoint barriers) with the position
	// fields below, so a barrier's part names exactly the rows before it.
	feed sync.Mutex
	// offset is a connector source's offset after its last published batch.
	offset []byte
	// finished is set once a source's input ended.
	finished bool
	// reported is the last checkpoint this object's part was taken for.
	reported uint64

	stats stats
}

// stats are the counters SHOW reports.
type stats struct {
	rowsIn  atomic.Int64
	rowsOut atomic.Int64
	errors  atomic.Int64
	// retries are a sink's delivery steps (Write, Flush) repeated after a
	// failure.
	retries atomic.Int64
	late    atomic.Int64
	// lastError is the most recent pipeline error, for SHOW (string).
	lastError atomic.Value
	// watermark is the latest watermark produced (µs), NoWatermark if none.
	watermark atomic.Int64
}

// setError records err for SHOW's last_error, with the hint of a user
// error (what to do about it), since nothing else shows it.
func (s *stats) setError(err error) {
	text := err.Error()
	var ue *types.Error
	if errors.As(err, &ue) && ue.Hint != "" {
		text += " (hint: " + ue.Hint + ")"
	}
	s.lastError.Store(text)
}

func (s *stats) errorText() string {
	if v, ok := s.lastError.Load().(string); ok {
		return v
	}
	return ""
}

// start runs fn as the object's pipeline until stop.
func (o *object) start(parent context.Context, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(parent)
	o.cancel = cancel
	o.done = make(chan struct{})
	o.running.Store(true)
	go func() {
		defer close(o.done)
		defer o.running.Store(false)
		fn(ctx)
	}()
}

// stop ends the object's pipeline and waits for it, then closes its topic
// or sink; idempotent. A sink is closed here rather than when its input
// ends, so a transactional sink's last output can still be committed by
// the checkpoint after the end.
func (o *object) stop() {
	if o.cancel != nil {
		o.cancel()
		<-o.done
		o.cancel = nil
	}
	if o.topic != nil {
		o.topic.Close()
	}
	if o.sink != nil {
		_ = o.sink.Close()
	}
}

// retainer returns the retention callback for an object's topic: the
// batch goes to the object's log unless retention is zero. The log of a
// source without a connector (INSERT-fed, and novelty_errors) is the only
// record of its rows, so its appends are synced; every other log's rows
// come back from the last checkpoint after a crash, so its appends are
// synced when the next checkpoint commits (storage.Store.SyncLogs). While the store holds writes (disk.go) every append is refused
// with an error wrapping storage.ErrDiskHeld; so are the rows of a source
// without a connector and without retention, so that INSERT gets that
// error rather than waiting behind paused streams.
func (e *Engine) retainer(o *object) func(*types.Batch) error {
	fed := o.kind == parser.KindSource && o.connector == ""
	if o.retention <= 0 {
		if !fed {
			return nil
		}
		return func(*types.Batch) error { return e.store.Writable() }
	}
	durability := storage.Deferred
	if fed {
		durability = storage.Synced
	}
	return func(b *types.Batch) error {
		_, err := o.log.Append(b.Datums[:b.Len*b.Width], b.Width, e.clock(), durability)
		return err
	}
}

// newRelation returns the planner's view of a source or stream.
func newRelation(name string, kind parser.ObjectKind, schema types.Schema) *planner.Relation {
	return &planner.Relation{Name: name, Kind: kind, Schema: schema, EventTime: -1}
}
