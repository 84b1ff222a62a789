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
	mu   sync.Mutex
	ctx  *novelty.Context
	// dirty is set by changes not yet saved to the state store.
	dirty bool
	// scores counts the scores Observe gave, for the metrics.
	scores ScoreHistogram
}

var _ exec.NoveltyModel = (*noveltyModel)(nil)

func (m *noveltyModel) Observe(components []types.Datum, r *novelty.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dirty = true
	if err := m.ctx.Observe(components, r); err != nil {
		return err
	}
	m.scores.Observe(r.Score)
	return nil
}

func (m *noveltyModel) Read(components []types.Datum, r *novelty.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ctx.Read(components, r)
}

// noveltyKey is the state-store key of a context's saved model.
func noveltyKey(name string) string { return "novelty/" + name }

// Model implements exec.NoveltyModels for queries and streams: the context
// must have been opened by a stream (or restored with one).
func (e *Engine) Model(name string) (exec.NoveltyModel, error) {
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
	m := &noveltyModel{name: name, opts: opts, ctx: novelty.NewContext(opts)}
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

// saveNovelty writes every changed context to the state store.
func (e *Engine) saveNovelty() error {
	for _, m := range e.noveltyModels() {
		m.mu.Lock()
		var data []byte
		var err error
		if m.dirty {
			data, err = m.ctx.MarshalBinary()
			m.dirty = false
		}
		m.mu.Unlock()
		if err != nil {
			return fmt.Errorf("engine: saving novelty context %q: %w", m.name, err)
		}
		if data != nil {
			if err := e.store.PutState(noveltyKey(m.name), data); err != nil {
				return err
			}
		}
	}
	return nil
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
	m.dirty = false
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
