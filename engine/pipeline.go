package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// validateSource checks a source's connector options and builds the
// connector instance, so bad options fail the CREATE statement.
func (e *Engine) validateSource(o *object, opts parser.Options, cols []parser.ColumnDef) error {
	factory, err := e.cfg.Connectors.Source(o.connector)
	if err != nil {
		return err
	}
	values, err := connectors.Validate(o.connector, factory.Options, opts)
	if err != nil {
		return err
	}
	paths, metadata := map[string]string{}, map[string]string{}
	for _, c := range cols {
		if c.Path != "" {
			paths[c.Name] = c.Path
		}
		if c.Metadata != "" {
			metadata[c.Name] = strings.ToLower(c.Metadata)
		}
	}
	if err := connectors.ValidateMetadata(o.connector, factory, metadata); err != nil {
		return err
	}
	o.source, err = factory.New(connectors.SourceConfig{
		Name: o.name, Schema: o.rel.Schema, Options: values, Paths: paths, Metadata: metadata,
		Errors: errorReporter{e}, Clock: e.clock, BaseDir: e.cfg.BaseDir,
	})
	return err
}

// validateSink checks a sink's connector options and builds the sink.
func (e *Engine) validateSink(o *object, schema types.Schema) error {
	factory, err := e.cfg.Connectors.Sink(o.connector)
	if err != nil {
		return err
	}
	values, err := connectors.Validate(o.connector, factory.Options, o.options)
	if err != nil {
		return err
	}
	o.sink, err = factory.New(connectors.SinkConfig{Name: o.name, Schema: schema, Options: values, BaseDir: e.cfg.BaseDir})
	return err
}

// startSource runs a connector source: read, stamp the watermark, publish,
// remember the offset. It resumes from the last checkpoint's offset. While
// the store holds writes it pauses (disk.go).
func (e *Engine) startSource(o *object) error {
	part, found, err := e.restoredPart(o)
	if err != nil {
		return err
	}
	if found {
		// Until the source publishes again, a checkpoint must record the
		// position it resumed from, not "from the start".
		o.feed.Lock()
		o.offset = part.Offset
		o.feed.Unlock()
	}
	o.start(e.ctx, func(ctx context.Context) {
		defer o.source.Close()
		defer e.showDiskPauses(ctx, o)()
		if err := o.source.Open(ctx, part.Offset); err != nil {
			e.pipelineFailed(ctx, o, err)
			return
		}
		b := types.NewBatch(len(o.rel.Schema))
		for {
			err := e.readHeld(ctx, o, b)
			if err == io.EOF {
				// A bounded source ends its readers too: streams see the end of
				// their input (windows flush) once they drained the rest.
				e.log.Info("source finished", "source", o.name)
				e.finishSource(o)
				o.topic.Close()
				return
			}
			if err != nil {
				e.pipelineFailed(ctx, o, err)
				return
			}
			if err := e.feedHeld(ctx, o, b, o.source.Offset); err != nil {
				e.pipelineFailed(ctx, o, err)
				return
			}
		}
	})
	return nil
}

// feedSource stamps b with the source's watermark and publishes it; offset,
// when set, gives the connector's offset after b. Checkpoint barriers go
// in between two calls, never inside one.
func (e *Engine) feedSource(ctx context.Context, o *object, b *types.Batch, offset func() []byte) error {
	return e.publishSource(ctx, o, b, offset, o.topic.Publish)
}

// publishSource is feedSource with the topic's Publish or, for rows its
// log already holds, Republish.
func (e *Engine) publishSource(ctx context.Context, o *object, b *types.Batch, offset func() []byte, publish func(context.Context, *types.Batch) error) error {
	o.feed.Lock()
	defer o.feed.Unlock()
	// A store that holds writes would refuse the batch after its rows had
	// raised the watermark: refuse it before (feedHeld publishes it again).
	// Replaying at start-up waits for the disk in the retainer instead.
	if err := e.store.Writable(); err != nil && !e.restoring {
		return err
	}
	e.stampWatermark(o, b, o.stats.watermark.Load())
	if err := publish(ctx, b); err != nil {
		return err
	}
	o.stats.rowsIn.Add(int64(b.Len))
	if offset != nil {
		o.offset = offset()
	}
	return nil
}

// stampWatermark advances a source's watermark over the rows of b and
// stamps b with it: per partition the largest value of its WATERMARK
// expression, combined by minimum over the partitions that are not idle
// (partitionWatermarks), never below mark, the watermark the caller
// stamped before.
func (e *Engine) stampWatermark(o *object, b *types.Batch, mark int64) int64 {
	if o.watermark == nil {
		return mark
	}
	// A source without partitions is partition 0. An empty batch (a
	// timer's, say) asks the source nothing: its Read may be running.
	var partitions, live []int32
	if ps, ok := o.source.(connectors.PartitionedSource); ok && b.Len > 0 {
		if p := ps.RowPartitions(); len(p) == b.Len {
			partitions = p
		}
		live = ps.LivePartitions()
	}
	now := e.clock()
	o.marks.mu.Lock()
	if live != nil {
		o.marks.track(live, now)
	}
	for i := 0; i < b.Len; i++ {
		d, err := o.watermark(b.Row(i))
		if err != nil {
			e.rowFailed(o, fmt.Errorf("watermark: %w", err))
			continue
		}
		if d.IsNull() {
			continue
		}
		var p int32
		if partitions != nil {
			p = partitions[i]
		}
		o.marks.observe(p, d.I, now)
	}
	mark = max(mark, o.marks.advance(now))
	o.marks.mu.Unlock()
	b.Watermark = mark
	// Sessions inserting concurrently race here: keep the largest.
	for {
		seen := o.stats.watermark.Load()
		if seen >= mark || o.stats.watermark.CompareAndSwap(seen, mark) {
			break
		}
	}
	return mark
}

// pipelineFailed records why a pipeline stopped, unless it was asked to.
func (e *Engine) pipelineFailed(ctx context.Context, o *object, err error) {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return
	}
	o.stats.setError(err)
	e.log.Error("pipeline stopped", "kind", o.kind.String(), "name", o.name, "err", err)
}

// startStream builds a stream's operators (subscribing to its inputs now,
// so no row published after CREATE is missed) and runs them.
func (e *Engine) startStream(o *object) error {
	eval := &functions.EvalContext{Now: e.clock(), Location: time.UTC}
	limit := &stateLimit{stream: o.name, limit: o.maxState, scans: scanner{e: e, backfill: o.backfill}}
	env := &exec.Env{
		Eval:      eval,
		Scans:     limit,
		Novelty:   streamModels{e: e, stream: o.id},
		LateRows:  func(n int64) { o.stats.late.Add(n) },
		RowErrors: func(err error) { e.rowFailed(o, err) },
	}
	// Instrumented: per-operator counts for SHOW STREAMS and /metrics (opstats.go).
	pipe, err := exec.BuildPipelineInstrumented(o.plan.Root, env)
	if err != nil {
		return err
	}
	limit.watch(pipe)
	saved, restore, err := e.restoredPart(o)
	if err != nil {
		_ = pipe.Root.Close(context.Background())
		return err
	}
	o.pipeline = pipe
	op := pipe.Root
	o.start(e.ctx, func(ctx context.Context) {
		defer e.pipelineExited(o)
		defer op.Close(context.WithoutCancel(ctx))
		defer e.showDiskPauses(ctx, o)()
		if err := op.Open(ctx); err != nil {
			e.pipelineFailed(ctx, o, err)
			return
		}
		if restore {
			if err := pipe.LoadState(saved.State); err != nil {
				e.pipelineFailed(ctx, o, fmt.Errorf("restoring checkpoint: %w", err))
				return
			}
		}
		b := types.NewBatch(len(o.rel.Schema))
		for {
			eval.Now = e.clock()
			err := op.Next(ctx, b)
			if err == io.EOF {
				e.log.Info("stream finished: its inputs ended", "stream", o.name)
				if err := e.finishStream(o); err != nil {
					e.pipelineFailed(ctx, o, err)
				}
				o.topic.Close()
				return
			}
			if err != nil {
				e.pipelineFailed(ctx, o, err)
				return
			}
			if b.IsBarrier() {
				if err := e.streamBarrier(ctx, o, b); err != nil {
					e.pipelineFailed(ctx, o, err)
					return
				}
				continue
			}
			o.stats.rowsOut.Add(int64(b.Len))
			if b.Watermark != types.NoWatermark {
				o.stats.watermark.Store(b.Watermark)
			}
			if err := e.publishHeld(ctx, o, b); err != nil {
				e.pipelineFailed(ctx, o, err)
				return
			}
		}
	})
	return nil
}

// startSink delivers a relation's rows to a sink. A batch that cannot be
// delivered is retried with backoff, holding the stream back; nothing is
// dropped.
func (e *Engine) startSink(o *object) error {
	from, ok := e.lookup(o.deps[0])
	if !ok {
		return types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", o.deps[0])
	}
	if err := e.rewindSink(o); err != nil {
		return err
	}
	sub := follow(from, o.backfill)
	o.start(e.ctx, func(ctx context.Context) {
		defer e.pipelineExited(o)
		defer sub.Close(context.WithoutCancel(ctx))
		if err := sub.Open(ctx); err != nil {
			e.pipelineFailed(ctx, o, err)
			return
		}
		b := types.NewBatch(len(from.rel.Schema))
		unflushed := false
		for {
			if err := e.nextForSink(ctx, o, sub, b, &unflushed); err != nil {
				if err != io.EOF {
					e.pipelineFailed(ctx, o, err)
					return
				}
				if err := e.finishSink(o); err != nil {
					e.pipelineFailed(ctx, o, err)
				}
				return
			}
			if b.IsBarrier() {
				if err := e.sinkBarrier(ctx, o, b.Barrier); err != nil {
					e.pipelineFailed(ctx, o, err)
					return
				}
				unflushed = false
				continue
			}
			if b.Len == 0 {
				continue
			}
			if err := e.retry(ctx, o, func() error { return o.sink.Write(ctx, b) }); err != nil {
				return
			}
			unflushed = true
			o.stats.rowsOut.Add(int64(b.Len))
		}
	})
	return nil
}

// noWait is a context that is always done: an operator's Next with it
// returns a batch only when one is ready at once.
var noWait = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// nextForSink reads a sink's next batch from in. When rows were written
// since the last flush (*unflushed) and no batch is ready at once, it
// flushes the sink first. So a sink flushes when it caught up with its
// input (and at barriers and at the end), not after every batch: a busy
// sink keeps writing while its earlier rows are in flight, and a quiet one
// holds nothing back. in is what follow returns: a topic subscription,
// after a log scan when backfilling; with a done context both return its
// error having consumed nothing.
func (e *Engine) nextForSink(ctx context.Context, o *object, in exec.Operator, b *types.Batch, unflushed *bool) error {
	if *unflushed {
		err := in.Next(noWait, b)
		if !errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return err
		}
		if err := e.retry(ctx, o, func() error { return o.sink.Flush(ctx) }); err != nil {
			return err
		}
		*unflushed = false
	}
	return in.Next(ctx, b)
}

// retry runs step (a sink's Write or Flush) until it succeeds, backing off
// exponentially between failures (up to 30s) until ctx ends. A failed
// Write is retried with the same batch; a Write that succeeded is never
// repeated, so a batch is never handed to the sink twice.
func (e *Engine) retry(ctx context.Context, o *object, step func() error) error {
	backoff := 100 * time.Millisecond
	for {
		err := step()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			// Stopping (shutdown, DROP): the step failed because of that.
			return ctx.Err()
		}
		o.stats.errors.Add(1)
		o.stats.setError(err)
		e.log.Warn("sink delivery failed; retrying", "sink", o.name, "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		o.stats.retries.Add(1)
		backoff = min(2*backoff, 30*time.Second)
	}
}

// rowFailed sends a row a stream could not compute to novelty_errors.
func (e *Engine) rowFailed(o *object, err error) {
	o.stats.errors.Add(1)
	e.publishError(o.name, nil, err.Error(), "")
}

// errorReporter receives connectors' bad records for novelty_errors.
type errorReporter struct{ e *Engine }

func (r errorReporter) Report(rec connectors.BadRecord) {
	if o, ok := r.e.lookup(rec.Source); ok {
		o.stats.errors.Add(1)
	}
	msg := ""
	if rec.Err != nil {
		msg = rec.Err.Error()
	}
	r.e.publishError(rec.Source, rec.Raw, msg, rec.Offset)
}

// errorQueueDepth bounds the bad records waiting for novelty_errors.
const errorQueueDepth = 4096

// publishError queues one row for novelty_errors. It never blocks: a
// pipeline must not stall (or deadlock, when it reads novelty_errors
// itself) because a reader of novelty_errors is slow. When the queue is
// full the record is dropped and counted in novelty_errors' error count.
func (e *Engine) publishError(source string, raw []byte, msg, offset string) {
	row := []types.Datum{types.NewText(source), types.Null, types.NewText(msg), types.Null,
		types.NewTimestampTZ(e.clock().UnixMicro())}
	if raw != nil {
		row[1] = types.NewText(string(raw))
	}
	if offset != "" {
		row[3] = types.NewText(offset)
	}
	select {
	case e.errorQueue <- row:
	default:
		e.errors.stats.errors.Add(1)
	}
}

// publishErrors moves queued bad records into novelty_errors until the
// engine closes.
func (e *Engine) publishErrors() {
	defer e.wg.Done()
	b := types.NewBatch(len(errorsSchema))
	for {
		select {
		case <-e.ctx.Done():
			return
		case row := <-e.errorQueue:
			b.Reset(len(errorsSchema))
			b.Append(row)
			for more := true; more && !b.Full(); {
				select {
				case row := <-e.errorQueue:
					b.Append(row)
				default:
					more = false
				}
			}
			if err := e.feedHeld(e.ctx, e.errors, b, nil); err != nil && e.ctx.Err() == nil {
				e.log.Error("recording bad records", "err", err)
			}
		}
	}
}

// newErrorsSource creates the system source novelty_errors.
func (e *Engine) newErrorsSource() *object {
	o := &object{id: errorsID, kind: parser.KindSource, name: ErrorsSource, retention: defaultRetention}
	o.rel = withID(newRelation(ErrorsSource, parser.KindSource, errorsSchema), errorsID)
	o.log = e.store.Log(errorsID)
	o.topic = exec.NewTopic(len(errorsSchema), e.retainer(o))
	return o
}
