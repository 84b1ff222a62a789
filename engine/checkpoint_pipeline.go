package engine

import (
	"context"
	"fmt"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// What each pipeline does with checkpoints: report its part when a barrier
// reaches its driver, record a final part when its input ends, and restore
// its part when the engine reopens.

// restoredPart returns the part a restored connector source, stream or
// sink starts from, restoring its watermark; one created now (backfill)
// starts fresh. Its log is cut back to the checkpoint: what it wrote
// after, it writes again.
func (e *Engine) restoredPart(o *object) (checkpointPart, bool, error) {
	if o.backfill {
		return checkpointPart{}, false, nil
	}
	part, found, err := e.checkpoints.savedPart(o.id)
	if err != nil || !found {
		return part, false, err
	}
	if err := e.cutLog(o, part.LogSeq); err != nil {
		return part, false, err
	}
	o.stats.watermark.Store(part.Watermark)
	return part, true, nil
}

// restartUncovered makes a restored object that the last checkpoint does
// not cover (created after it, or before any checkpoint completed) start
// over as if created now: it reads its input's retained rows again, and
// what it wrote before the crash goes (its log is emptied; a sink rewinds
// to where it began), since those rows come again. A source fed by INSERT
// keeps its log: that is the only record of its rows.
func (e *Engine) restartUncovered(o *object) error {
	if !e.restoring || o.kind == parser.KindTable || o.kind == parser.KindSource && o.connector == "" {
		return nil
	}
	_, found, err := e.checkpoints.savedPart(o.id)
	if err != nil || found {
		return err
	}
	o.backfill = true
	return e.cutLog(o, 0)
}

// sinkOriginKey is the state key of a rewindable sink's position when it
// was created: where it rewinds to when no checkpoint covers it.
func sinkOriginKey(id uint64) string { return stateKey(id, "origin") }

// cutLog removes what o's retention log holds after seq.
func (e *Engine) cutLog(o *object, seq uint64) error {
	if o.log == nil || o.retention <= 0 {
		return nil
	}
	removed, err := o.log.TruncateAfter(seq)
	if err != nil {
		return fmt.Errorf("engine: %s %s: cutting its log back to the checkpoint: %w", o.kind, o.name, err)
	}
	if removed > 0 {
		e.log.Info("log cut back to the checkpoint", "name", o.name, "rows", removed)
	}
	return nil
}

// streamPart is a stream's part now, between two pulls of its driver.
func (e *Engine) streamPart(o *object) ([]byte, error) {
	state, err := o.pipeline.AppendState(nil)
	if err != nil {
		return nil, err
	}
	part := checkpointPart{State: state, Watermark: o.stats.watermark.Load()}
	if o.log != nil && o.retention > 0 {
		part.LogSeq = o.log.LastSeq()
	}
	return part.encode(), nil
}

// streamBarrier reports a stream's part of checkpoint b.Barrier and passes
// the barrier on to the stream's readers.
func (e *Engine) streamBarrier(ctx context.Context, o *object, b *types.Batch) error {
	data, err := e.streamPart(o)
	if err != nil {
		return fmt.Errorf("checkpoint %d: %w", b.Barrier, err)
	}
	o.reported = b.Barrier
	e.checkpoints.report(b.Barrier, checkpointPartKey(o.id), data)
	return o.topic.Publish(ctx, b)
}

// finishStream records the final part of a stream whose inputs ended.
func (e *Engine) finishStream(o *object) error {
	data, err := e.streamPart(o)
	if err != nil {
		return err
	}
	e.checkpoints.finish(o.reported, checkpointPartKey(o.id), data)
	return nil
}

// rewindSink cuts a restored sink's output back to the checkpoint, when
// the sink can (a file); the rows after it are delivered again. A sink no
// checkpoint covers goes back to where it began, recorded when it was
// created. A transactional sink commits the output its checkpoint
// prepared and discards the rest.
func (e *Engine) rewindSink(o *object) error {
	part, found, err := e.restoredPart(o)
	if err != nil {
		return err
	}
	if t, ok := o.sink.(connectors.TransactionalSink); ok {
		if err := t.Recover(e.ctx, part.Position); err != nil {
			return fmt.Errorf("engine: sink %s: recovering its transactions: %w", o.name, err)
		}
		return nil
	}
	r, ok := o.sink.(connectors.RewindableSink)
	if !ok {
		return nil
	}
	if found {
		if err := r.Rewind(part.Position); err != nil {
			return fmt.Errorf("engine: sink %s: rewinding to the checkpoint: %w", o.name, err)
		}
		return nil
	}
	if !e.restoring {
		origin, err := r.Position()
		if err != nil {
			return fmt.Errorf("engine: sink %s: %w", o.name, err)
		}
		return e.store.PutState(sinkOriginKey(o.id), origin)
	}
	origin, found, err := e.store.GetState(sinkOriginKey(o.id))
	if err != nil || !found {
		return err
	}
	if err := r.Rewind(origin); err != nil {
		return fmt.Errorf("engine: sink %s: rewinding to where it began: %w", o.name, err)
	}
	return nil
}

// sinkPart is a sink's part of checkpoint epoch, once everything it was
// given is durable: a rewindable sink's position, or what a transactional
// sink prepared for the checkpoint to commit.
func (e *Engine) sinkPart(ctx context.Context, o *object, epoch uint64) ([]byte, error) {
	if err := e.retry(ctx, o, func() error { return o.sink.Flush(ctx) }); err != nil {
		return nil, err
	}
	var part checkpointPart
	switch s := o.sink.(type) {
	case connectors.TransactionalSink:
		var prepared []byte
		if err := e.retry(ctx, o, func() (err error) {
			prepared, err = s.Prepare(ctx, epoch)
			return err
		}); err != nil {
			return nil, err
		}
		part.Position = prepared
	case connectors.RewindableSink:
		pos, err := s.Position()
		if err != nil {
			return nil, err
		}
		part.Position = pos
	}
	return part.encode(), nil
}

// sinkBarrier reports a sink's part of checkpoint epoch.
func (e *Engine) sinkBarrier(ctx context.Context, o *object, epoch uint64) error {
	data, err := e.sinkPart(ctx, o, epoch)
	if err != nil {
		return err
	}
	o.reported = epoch
	e.checkpoints.report(epoch, checkpointPartKey(o.id), data)
	return nil
}

// finishSink records the final part of a sink whose input ended; it is
// written with the next checkpoint, which commits a transactional sink's
// last output.
func (e *Engine) finishSink(o *object) error {
	data, err := e.sinkPart(e.ctx, o, o.reported+1)
	if err != nil {
		return err
	}
	e.checkpoints.finish(o.reported, checkpointPartKey(o.id), data)
	return nil
}

// commitSinks makes the output of transactional sinks that checkpoint
// epoch covers visible, once it is durable. A sink that fails keeps its
// prepared output: the next checkpoint's commit, or recovery after a
// crash, commits it.
func (e *Engine) commitSinks(ctx context.Context, epoch uint64) {
	for _, o := range e.sortedObjects(parser.KindSink) {
		t, ok := o.sink.(connectors.TransactionalSink)
		if !ok {
			continue
		}
		if err := t.Commit(ctx, epoch); err != nil && ctx.Err() == nil {
			o.stats.errors.Add(1)
			o.stats.setError(err)
			e.log.Warn("committing the sink's output failed; the next checkpoint retries", "sink", o.name, "checkpoint", epoch, "err", err)
		}
	}
}

// pipelineExited runs when a stream's or sink's pipeline stops for any
// reason: a checkpoint no longer waits for it (one that failed keeps its
// earlier part), nor do the novelty contexts it used.
func (e *Engine) pipelineExited(o *object) {
	e.checkpoints.leave(checkpointPartKey(o.id))
	for _, m := range e.noveltyModels() {
		m.leave(o.id)
	}
}

// leave stops a pending checkpoint from waiting for key.
func (c *checkpoints) leave(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pending; p != nil && p.waiting[key] {
		p.settle(key, nil)
	}
}

// prepareReplay marks a source fed by INSERT (or novelty_errors) that the
// last checkpoint covers as replaying (see object.replaying), and restores
// its watermark, before the streams reading it subscribe.
func (e *Engine) prepareReplay(o *object) error {
	if !e.restoring || o.kind != parser.KindSource || o.connector != "" || o.log == nil || o.retention <= 0 {
		return nil
	}
	part, found, err := e.checkpoints.savedPart(o.id)
	if err != nil || !found {
		return err
	}
	o.stats.watermark.Store(part.Watermark)
	o.replaying, o.replayAfter = true, part.LogSeq
	return nil
}

// replayFedSource publishes again the rows a replaying source took after
// the last checkpoint: they are in its log, and the streams restored to
// the checkpoint have not seen them. They stay in the log as they are
// (Republish): cutting them and appending them again would lose them to
// a crash in between.
func (e *Engine) replayFedSource(ctx context.Context, o *object) error {
	if !o.replaying {
		return nil
	}
	width := len(o.rel.Schema)
	b := types.NewBatch(width)
	replayed := 0
	publish := func() error {
		replayed += b.Len
		err := e.publishSource(ctx, o, b, nil, o.topic.Republish)
		b.Reset(width)
		return err
	}
	err := o.log.Scan(o.replayAfter+1, func(_ uint64, row []types.Datum) error {
		b.Append(row)
		if !b.Full() {
			return nil
		}
		return publish()
	})
	if err == nil && b.Len > 0 {
		err = publish()
	}
	o.replaying = false
	if err != nil {
		return err
	}
	if replayed > 0 {
		e.log.Info("replayed rows taken after the checkpoint", "source", o.name, "rows", replayed)
	}
	return nil
}

// streamModels gives a stream's novelty operators their contexts, tagged
// with the stream so checkpoints can line the stream up at the context.
type streamModels struct {
	e      *Engine
	stream uint64
}

func (s streamModels) Model(name string) (exec.NoveltyModel, error) {
	m, err := s.e.model(name)
	if err != nil {
		return nil, err
	}
	return modelHandle{m: m, stream: s.stream}, nil
}
