package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/functions/novelty"
	"github.com/novelty-db/novelty/types"
)

// noveltyModel is one named novelty context, shared by every stream that
// names it. Its lock serialises observations from those streams.
type noveltyModel struct {
	name string
	opts novelty.Options
	// report receives the context's saved state for a checkpoint, on a
	// goroutine of its own (see saveIfDone).
	report func(epoch uint64, data []byte)
	mu     sync.Mutex
	ctx    *novelty.Context
	// scores counts the scores Observe gave, for the metrics.
	scores ScoreHistogram

	// A checkpoint saves the context once every stream using it passed the
	// barrier; until then a stream that passed it waits before observing
	// more (passed), so the saved state holds exactly the rows before the
	// barrier. Guarded by mu; resumed is signalled when the wait ends.
	epoch   uint64
	waiting map[uint64]bool
	passed  map[uint64]bool
	resumed *sync.Cond
}

func newNoveltyModel(name string, opts novelty.Options, report func(uint64, []byte)) *noveltyModel {
	m := &noveltyModel{name: name, opts: opts, ctx: novelty.NewContext(opts), report: report}
	m.resumed = sync.NewCond(&m.mu)
	return m
}

// modelHandle is a context as one stream (or, with stream 0, a query)
// uses it.
type modelHandle struct {
	m      *noveltyModel
	stream uint64
}

var _ exec.NoveltyModel = modelHandle{}

func (h modelHandle) Observe(components []types.Datum, r *novelty.Result) error {
	m := h.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.epoch != 0 && m.passed[h.stream] {
		m.resumed.Wait()
	}
	if err := m.ctx.Observe(components, r); err != nil {
		return err
	}
	m.scores.Observe(r.Score)
	return nil
}

func (h modelHandle) Read(components []types.Datum, r *novelty.Result) error {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.m.ctx.Read(components, r)
}

func (h modelHandle) Barrier(epoch uint64) error {
	m := h.m
	m.mu.Lock()
	if epoch != m.epoch || !m.waiting[h.stream] {
		m.mu.Unlock()
		return nil
	}
	delete(m.waiting, h.stream)
	m.passed[h.stream] = true
	m.saveIfDone()
	return nil
}

// expect starts checkpoint epoch at the context: it waits for streams.
func (m *noveltyModel) expect(epoch uint64, streams []uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.epoch = epoch
	m.waiting = make(map[uint64]bool, len(streams))
	for _, id := range streams {
		m.waiting[id] = true
	}
	m.passed = make(map[uint64]bool, len(streams))
}

// saveIfIdle saves a context no stream uses for checkpoint epoch.
func (m *noveltyModel) saveIfIdle(epoch uint64) {
	m.mu.Lock()
	if m.epoch == epoch {
		m.saveIfDone()
	} else {
		m.mu.Unlock()
	}
}

// leave stops a checkpoint waiting for a stream that stopped.
func (m *noveltyModel) leave(stream uint64) {
	m.mu.Lock()
	if m.epoch == 0 || !m.waiting[stream] {
		m.mu.Unlock()
		return
	}
	delete(m.waiting, stream)
	m.saveIfDone()
}

// saveIfDone, with mu held, saves the context if no stream is still
// awaited, lets the streams go on, and unlocks mu. The streams wait only
// for the context to be frozen (novelty.Context.Snapshot, which costs
// O(chunks)); the frozen state is encoded and reported on a goroutine of
// its own, which the checkpoint waits for.
func (m *noveltyModel) saveIfDone() {
	if len(m.waiting) > 0 {
		m.mu.Unlock()
		return
	}
	epoch := m.epoch
	snap := m.ctx.Snapshot()
	m.epoch, m.waiting, m.passed = 0, nil, nil
	m.resumed.Broadcast()
	m.mu.Unlock()
	go func() { m.report(epoch, snap.Encode()) }()
}

// abandonCheckpoint lets streams waiting for checkpoint epoch go on.
func (m *noveltyModel) abandonCheckpoint(epoch uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.epoch == epoch {
		m.epoch, m.waiting, m.passed = 0, nil, nil
		m.resumed.Broadcast()
	}
}

// noveltyKey is the state-store key of a context's saved model.
func noveltyKey(name string) string { return "novelty/" + name }

// Model implements exec.NoveltyModels for queries: the context must have
// been opened by a stream (or restored with one).
func (e *Engine) Model(name string) (exec.NoveltyModel, error) {
	m, err := e.model(name)
	if err != nil {
		return nil, err
	}
	return modelHandle{m: m}, nil
}

// model returns the open context name.
func (e *Engine) model(name string) (*noveltyModel, error) {
	e.noveltyMu.Lock()
	defer e.noveltyMu.Unlock()
	m, ok := e.novelty[name]
	if !ok {
		return nil, types.Errorf(types.CodeUndefinedObject, "novelty context %q does not exist", name).
			WithHint("A context is created by the first stream that uses a novelty function in it.")
	}
	return m, nil
}

// openNovelty returns the context name, creating it with opts (restoring
// its saved model) if no stream opened it yet. A stream that states
// options different from the context's is refused.
func (e *Engine) openNovelty(name string, opts novelty.Options, stated bool) (*noveltyModel, error) {
	e.noveltyMu.Lock()
	defer e.noveltyMu.Unlock()
	if m, ok := e.novelty[name]; ok {
		if stated && m.opts != opts {
			return nil, types.Errorf(types.CodeInvalidParameterValue,
				"novelty context %q already exists with other options (%s)", name, describeNoveltyOptions(m.opts))
		}
		return m, nil
	}
	key := noveltyKey(name)
	m := newNoveltyModel(name, opts, func(epoch uint64, data []byte) { e.checkpoints.report(epoch, key, data) })
	saved, found, err := e.store.GetState(noveltyKey(name))
	if err != nil {
		return nil, err
	}
	if found {
		if err := m.ctx.UnmarshalBinary(saved); err != nil {
			return nil, fmt.Errorf("engine: restoring novelty context %q: %w", name, err)
		}
	}
	e.novelty[name] = m
	return m, nil
}

func describeNoveltyOptions(o novelty.Options) string {
	return fmt.Sprintf("novelty_max_nodes = %d, novelty_half_life = %d, novelty_min_support = %d", o.MaxNodes, o.HalfLife, o.MinSupport)
}

// noveltyOptions reads a stream's novelty_* options; stated reports
// whether any was given.
func noveltyOptions(opts map[string]string) (novelty.Options, bool, error) {
	var o novelty.Options
	stated := false
	for _, f := range []struct {
		key string
		set func(int64)
	}{
		{"novelty_max_nodes", func(v int64) { o.MaxNodes = int(v) }},
		{"novelty_half_life", func(v int64) { o.HalfLife = v }},
		{"novelty_min_support", func(v int64) { o.MinSupport = v }},
	} {
		raw := opts[f.key]
		if raw == "" {
			continue
		}
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v < 0 {
			return o, false, types.Errorf(types.CodeInvalidParameterValue,
				"invalid value %q for option %q: expected a whole number >= 0", raw, f.key)
		}
		f.set(v)
		stated = true
	}
	return o, stated, nil
}

// resetNovelty forgets everything a context learned.
func (e *Engine) resetNovelty(name string) error {
	e.noveltyMu.Lock()
	m, ok := e.novelty[name]
	e.noveltyMu.Unlock()
	if !ok {
		return types.Errorf(types.CodeUndefinedObject, "novelty context %q does not exist", name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ctx.Reset()
	data, err := m.ctx.MarshalBinary()
	if err != nil {
		return err
	}
	return e.store.PutState(noveltyKey(name), data)
}

// noveltyRows lists the contexts for SHOW NOVELTY CONTEXTS, by name.
func (e *Engine) noveltyRows() [][]types.Datum {
	models := e.noveltyModels()
	rows := make([][]types.Datum, len(models))
	for i, m := range models {
		m.mu.Lock()
		st := m.ctx.Stats()
		m.mu.Unlock()
		rows[i] = []types.Datum{types.NewText(m.name), types.NewInt(st.Observations), types.NewInt(int64(st.Nodes)), types.NewInt(st.Bytes)}
	}
	return rows
}

// noveltyModels returns the open contexts in name order.
func (e *Engine) noveltyModels() []*noveltyModel {
	e.noveltyMu.Lock()
	defer e.noveltyMu.Unlock()
	models := make([]*noveltyModel, 0, len(e.novelty))
	for _, m := range e.novelty {
		models = append(models, m)
	}
	slices.SortFunc(models, func(a, b *noveltyModel) int { return strings.Compare(a.name, b.name) })
	return models
}
