package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// Checkpoints (aligned barriers, as in Flink and RisingWave).
//
// The coordinator starts checkpoint n by publishing barrier n into every
// running source's topic, in order with its rows, and records the source's
// offset, watermark and log position right there. Barriers flow through
// the streams' operators (multi-input operators align them: exec.aligner);
// a stream's driver that pulls barrier n saves its operators' state and
// log position, and passes the barrier on; a sink's driver flushes and
// records its position. A novelty context is saved once every stream using
// it passed the barrier (streams that passed it wait before observing
// more). When every part arrived, one Pebble batch writes them all and the
// checkpoint's number: a crash loses nothing that batch recorded, and
// recovery restores every object to the same checkpoint, replays sources
// from their offsets and cuts logs and file sinks back to their positions.
//
// A pipeline that ended (a bounded input) records a final part that is
// written with every later checkpoint, so its state stays consistent with
// the objects downstream of it.

// checkpointKey is the state key of the last complete checkpoint's number.
const checkpointKey = "checkpoint/epoch"

// checkpointPartKey is the state key of an object's part of the checkpoint.
func checkpointPartKey(id uint64) string { return stateKey(id, "checkpoint") }

// checkpointTimeout bounds a checkpoint's wait for its parts; one that
// times out is abandoned and the next one starts from scratch.
const checkpointTimeout = 30 * time.Second

// checkpointCostRatio stretches the interval after an expensive checkpoint:
// the next one starts no sooner than this many times the last duration
// later, which keeps checkpointing below ~1/ratio of the time.
const checkpointCostRatio = 10

// checkpointPart is one object's saved position and state.
type checkpointPart struct {
	// Offset is a connector source's offset after the last row published
	// before the barrier.
	Offset []byte
	// Watermark is the watermark the object had produced (NoWatermark: none).
	Watermark int64
	// LogSeq is the last seq of the object's retention log (0: none).
	LogSeq uint64
	// State is a stream's operator state (exec.Pipeline.AppendState).
	State []byte
	// Position is a rewindable sink's position, or what a transactional
	// sink prepared (connectors.TransactionalSink.Prepare).
	Position []byte
}

const checkpointPartVersion = 1

func (p checkpointPart) encode() []byte {
	buf := []byte{checkpointPartVersion}
	buf = binary.AppendVarint(buf, p.Watermark)
	buf = binary.AppendUvarint(buf, p.LogSeq)
	for _, field := range [][]byte{p.Offset, p.State, p.Position} {
		buf = binary.AppendUvarint(buf, uint64(len(field)))
		buf = append(buf, field...)
	}
	return buf
}

func decodeCheckpointPart(data []byte) (checkpointPart, error) {
	var p checkpointPart
	r := storage.NewStateReader(data, "checkpoint part")
	if v := r.Byte(); !r.Failed() && v != checkpointPartVersion {
		r.Failf("format version %d, want %d", v, checkpointPartVersion)
	}
	p.Watermark, p.LogSeq = r.Varint(), r.Uvarint()
	for _, field := range []*[]byte{&p.Offset, &p.State, &p.Position} {
		if b := r.LengthPrefixed(); len(b) > 0 {
			*field = append([]byte(nil), b...)
		}
	}
	return p, r.Finish()
}

// checkpoints coordinates checkpoints; see the comment at the top.
type checkpoints struct {
	e *Engine

	mu sync.Mutex
	// epoch is the number of the last checkpoint started.
	epoch uint64
	// pending is the checkpoint being taken, nil between checkpoints.
	pending *pendingCheckpoint
	// finals are the final parts of ended pipelines, by state key.
	finals map[string]finalPart
	// last is the number of the last complete checkpoint.
	last uint64
	// stats for SHOW and metrics.
	lastDuration time.Duration
	lastBytes    int
	completed    int64
	failed       int64
}

// finalPart is an ended pipeline's last part, valid from checkpoint from on.
type finalPart struct {
	from uint64
	data []byte
}

// pendingCheckpoint collects the parts of one checkpoint.
type pendingCheckpoint struct {
	epoch uint64
	// waiting are the parts still missing, by state key.
	waiting map[string]bool
	parts   map[string][]byte
	done    chan struct{}
}

// settle stops p waiting for key, whose part is data (nil: it keeps its
// earlier part), and marks p done when nothing else is awaited. c.mu must
// be held and key awaited.
func (p *pendingCheckpoint) settle(key string, data []byte) {
	delete(p.waiting, key)
	if data != nil {
		p.parts[key] = data
	}
	if len(p.waiting) == 0 {
		close(p.done)
	}
}

func newCheckpoints(e *Engine) (*checkpoints, error) {
	c := &checkpoints{e: e, finals: make(map[string]finalPart)}
	data, found, err := e.store.GetState(checkpointKey)
	if err != nil {
		return nil, err
	}
	if found {
		if c.last, err = strconv.ParseUint(string(data), 10, 64); err != nil {
			return nil, fmt.Errorf("engine: corrupt checkpoint number %q", data)
		}
	}
	c.epoch = c.last
	return c, nil
}

// savedPart returns the part the last complete checkpoint recorded for
// object id, if any.
func (c *checkpoints) savedPart(id uint64) (checkpointPart, bool, error) {
	data, found, err := c.e.store.GetState(checkpointPartKey(id))
	if err != nil || !found {
		return checkpointPart{}, false, err
	}
	p, err := decodeCheckpointPart(data)
	if err != nil {
		return p, false, fmt.Errorf("%w of object %d", err, id)
	}
	return p, true, nil
}

// report delivers a part of checkpoint epoch; parts of a checkpoint that
// is no longer pending (abandoned) are dropped.
func (c *checkpoints) report(epoch uint64, key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pending
	if p == nil || p.epoch != epoch || !p.waiting[key] {
		return
	}
	p.settle(key, data)
}

// finish records the final part of a pipeline that ended after reporting
// checkpoint reported (0: none): it counts for every checkpoint after that
// one, including a pending one still waiting for it.
func (c *checkpoints) finish(reported uint64, key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finals[key] = finalPart{from: reported + 1, data: data}
	if p := c.pending; p != nil && p.waiting[key] && p.epoch > reported {
		p.settle(key, data)
	}
}

// forget drops what the coordinator holds about a dropped object.
func (c *checkpoints) forget(id uint64) {
	key := checkpointPartKey(id)
	c.mu.Lock()
	delete(c.finals, key)
	c.mu.Unlock()
	c.leave(key)
}

// run takes a checkpoint every interval until the engine closes.
func (c *checkpoints) run(interval time.Duration) {
	defer c.e.wg.Done()
	wait := interval
	for {
		select {
		case <-c.e.ctx.Done():
			return
		case <-time.After(wait):
		}
		if c.e.store.DiskStatus().Held {
			// It could not be written, and its barriers would wait behind
			// the paused pipelines while holding DDL (a DROP freeing space).
			continue
		}
		start := time.Now()
		if err := c.take(c.e.ctx); err != nil && c.e.ctx.Err() == nil {
			c.e.log.Warn("checkpoint failed", "err", err)
		}
		wait = max(interval, checkpointCostRatio*time.Since(start))
	}
}

// take runs one checkpoint to completion, or to its timeout, then lets
// transactional sinks commit what it covers.
func (c *checkpoints) take(ctx context.Context) error {
	epoch, err := c.takeParts(ctx)
	if err != nil {
		return err
	}
	// Outside the DDL lock and bounded: a broker that is down must not hold
	// DDL or the next checkpoints; what is not committed now the next
	// checkpoint's commit (or recovery) commits.
	commitCtx, cancel := context.WithTimeout(ctx, checkpointTimeout)
	defer cancel()
	c.e.commitSinks(commitCtx, epoch)
	return nil
}

// takeParts runs one checkpoint until its parts are written, holding DDL
// back: the checkpoint's participants are fixed.
func (c *checkpoints) takeParts(ctx context.Context) (uint64, error) {
	e := c.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	start := time.Now()
	p, sources, models := c.begin()
	for _, o := range sources {
		if err := e.injectBarrier(ctx, o, p.epoch); err != nil {
			c.abandon(p, models)
			return 0, fmt.Errorf("checkpoint %d: source %s: %w", p.epoch, o.name, err)
		}
	}
	for _, m := range models {
		m.saveIfIdle(p.epoch)
	}
	timeout := time.NewTimer(checkpointTimeout)
	defer timeout.Stop()
	select {
	case <-p.done:
	case <-timeout.C:
		c.abandon(p, models)
		return 0, fmt.Errorf("checkpoint %d: timed out after %s waiting for %d parts", p.epoch, checkpointTimeout, c.missing(p))
	case <-ctx.Done():
		c.abandon(p, models)
		return 0, ctx.Err()
	}
	return p.epoch, c.commit(p, start)
}

// begin numbers a new checkpoint and lists what it waits for: every running
// stream and sink, and every novelty context. It returns the sources to
// put the barrier into and the contexts to save.
func (c *checkpoints) begin() (*pendingCheckpoint, []*object, []*noveltyModel) {
	e := c.e
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	p := &pendingCheckpoint{epoch: c.epoch, waiting: make(map[string]bool), parts: make(map[string][]byte), done: make(chan struct{})}
	var sources []*object
	streamsOf := make(map[string][]uint64)
	e.mu.RLock()
	for _, o := range e.objects {
		switch {
		case o.kind == parser.KindSource && o.topic != nil:
			sources = append(sources, o)
		case (o.kind == parser.KindStream || o.kind == parser.KindSink) && o.running.Load():
			p.waiting[checkpointPartKey(o.id)] = true
			if o.plan != nil {
				for _, name := range noveltyContexts(o.plan.Root) {
					streamsOf[name] = append(streamsOf[name], o.id)
				}
			}
		}
	}
	e.mu.RUnlock()
	models := e.noveltyModels()
	for _, m := range models {
		p.waiting[noveltyKey(m.name)] = true
		m.expect(p.epoch, streamsOf[m.name])
	}
	c.pending = p
	if len(p.waiting) == 0 {
		close(p.done)
	}
	return p, sources, models
}

// noveltyContexts lists the novelty contexts a plan observes.
func noveltyContexts(root planner.Node) []string {
	var names []string
	planner.Walk(root, func(n planner.Node) {
		if nv, ok := n.(*planner.Novelty); ok {
			names = append(names, nv.Context)
		}
	})
	return names
}

func (c *checkpoints) missing(p *pendingCheckpoint) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(p.waiting)
}

// abandon gives up on p: streams waiting at a novelty context go on.
func (c *checkpoints) abandon(p *pendingCheckpoint, models []*noveltyModel) {
	c.mu.Lock()
	if c.pending == p {
		c.pending = nil
	}
	c.failed++
	c.mu.Unlock()
	for _, m := range models {
		m.abandonCheckpoint(p.epoch)
	}
}

// commit writes every part of p, the final parts of ended pipelines and
// the checkpoint's number in one atomic batch.
func (c *checkpoints) commit(p *pendingCheckpoint, start time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending != p {
		return fmt.Errorf("checkpoint %d was abandoned", p.epoch)
	}
	c.pending = nil
	// The parts record log seqs (sources' and streams' LastSeq at the
	// barrier): the rows up to them must be on disk before the checkpoint
	// is, or recovery would resume after rows a crash lost.
	if err := c.e.store.SyncLogs(); err != nil {
		c.failed++
		return fmt.Errorf("checkpoint %d: %w", p.epoch, err)
	}
	w := c.e.store.NewWriteBatch()
	defer w.Close()
	bytes := 0
	for key, data := range p.parts {
		w.PutState(key, data)
		bytes += len(data)
	}
	for key, f := range c.finals {
		if _, reported := p.parts[key]; !reported && f.from <= p.epoch {
			w.PutState(key, f.data)
			bytes += len(f.data)
		}
	}
	w.PutState(checkpointKey, []byte(strconv.FormatUint(p.epoch, 10)))
	if err := w.Commit(); err != nil {
		c.failed++
		return fmt.Errorf("checkpoint %d: %w", p.epoch, err)
	}
	c.last = p.epoch
	c.completed++
	c.lastDuration = time.Since(start)
	c.lastBytes = bytes
	return nil
}

// injectBarrier puts barrier epoch into a source's topic, in order with
// its rows, and reports the source's part. A source that ended reported a
// final part instead.
func (e *Engine) injectBarrier(ctx context.Context, o *object, epoch uint64) error {
	o.feed.Lock()
	defer o.feed.Unlock()
	if o.finished {
		return nil
	}
	b := types.Batch{Width: len(o.rel.Schema), Watermark: types.NoWatermark, Barrier: epoch}
	if err := o.topic.Publish(ctx, &b); err != nil {
		return err
	}
	o.reported = epoch
	part := e.sourcePart(o)
	e.checkpoints.reportSource(epoch, o, part.encode())
	return nil
}

// reportSource records a source's part of a pending checkpoint (sources
// are not waited for: their part is taken when the barrier goes in).
func (c *checkpoints) reportSource(epoch uint64, o *object, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pending; p != nil && p.epoch == epoch {
		p.parts[checkpointPartKey(o.id)] = data
	}
}

// sourcePart is a source's position now; o.feed must be held.
func (e *Engine) sourcePart(o *object) checkpointPart {
	part := checkpointPart{Offset: o.offset, Watermark: o.stats.watermark.Load()}
	if o.log != nil && o.retention > 0 {
		part.LogSeq = o.log.LastSeq()
	}
	return part
}

// finishSource records the final part of a source whose input ended.
func (e *Engine) finishSource(o *object) {
	o.feed.Lock()
	defer o.feed.Unlock()
	o.finished = true
	e.checkpoints.finish(o.reported, checkpointPartKey(o.id), e.sourcePart(o).encode())
}

// Checkpoint takes a checkpoint now and waits for it (tests, shutdown).
func (e *Engine) Checkpoint(ctx context.Context) error {
	return e.checkpoints.take(ctx)
}

// CheckpointStats are the checkpoint figures SHOW and the metrics report.
type CheckpointStats struct {
	// Last is the number of the last complete checkpoint.
	Last uint64
	// Completed and Failed count checkpoints since the engine opened.
	Completed, Failed int64
	// LastDuration and LastBytes describe the last complete checkpoint.
	LastDuration time.Duration
	LastBytes    int
}

// CheckpointStats returns the checkpoint figures.
func (e *Engine) CheckpointStats() CheckpointStats {
	c := e.checkpoints
	c.mu.Lock()
	defer c.mu.Unlock()
	return CheckpointStats{Last: c.last, Completed: c.completed, Failed: c.failed, LastDuration: c.lastDuration, LastBytes: c.lastBytes}
}
