package exec

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// PlanStats are the figures of an instrumented operator tree, one entry
// per plan node in pre-order (planner.Walk's order, which is the order of
// planner.Explain's lines). The counters are written by whoever pulls the
// operators and may be read at any time from any goroutine.
type PlanStats struct {
	nodes    []planner.Node
	children [][]int
	counters []operatorCounters
}

// operatorCounters are one operator's running counts.
type operatorCounters struct {
	rows    atomic.Int64
	batches atomic.Int64
	// nanos is the time spent in the operator's Open and Next calls,
	// its inputs' calls included.
	nanos atomic.Int64
	// stateBytes is the size of the operator's encoded state when it was
	// last saved or restored; stateful is set for operators with state.
	stateBytes atomic.Int64
	stateful   bool
}

// OperatorStats is one reading of an operator's figures.
type OperatorStats struct {
	// Position is the operator's index in the plan's pre-order: 0 is the
	// root, and it is the index of its line in planner.Explain's output.
	Position int
	Node     planner.Node
	// Inputs are the positions of the operator's inputs.
	Inputs []int
	// RowsIn are the rows its inputs produced (0 for a leaf).
	RowsIn int64
	// RowsOut are the rows it produced; Batches the non-empty batches
	// they came in (watermark-only and barrier batches are not counted).
	RowsOut int64
	Batches int64
	// Time is the time spent in its Open and Next calls, its inputs'
	// included; SelfTime is Time minus its inputs' Time (never below 0:
	// inputs pulled on their own goroutines overlap with it). Both are 0
	// unless the tree was built with a clock.
	Time     time.Duration
	SelfTime time.Duration
	// Stateful tells operators whose state a checkpoint saves; StateBytes
	// is the size of that state, encoded, when it was last saved or
	// restored (0 before then).
	Stateful   bool
	StateBytes int64
}

// Read returns every operator's figures, in pre-order. Counters move
// while a pipeline runs: a reading is not a consistent cut across
// operators.
func (p *PlanStats) Read() []OperatorStats {
	out := make([]OperatorStats, len(p.nodes))
	for i := range out {
		c := &p.counters[i]
		out[i] = OperatorStats{Position: i, Node: p.nodes[i], Inputs: p.children[i],
			RowsOut: c.rows.Load(), Batches: c.batches.Load(), Time: time.Duration(c.nanos.Load()),
			Stateful: c.stateful, StateBytes: c.stateBytes.Load()}
	}
	for i := range out {
		self := out[i].Time
		for _, in := range out[i].Inputs {
			out[i].RowsIn += out[in].RowsOut
			self -= out[in].Time
		}
		out[i].SelfTime = max(self, 0)
	}
	return out
}

// BuildInstrumented is Build with every operator of the plan tree (not
// those of subqueries inside expressions) wrapped to count the rows and
// batches it produces. With a clock, each operator also measures the time
// its Open and Next calls take; without one, counting costs two atomic
// adds per batch and nothing per row.
func BuildInstrumented(n planner.Node, env *Env, clock func() time.Time) (Operator, *PlanStats, error) {
	size := 0
	planner.Walk(n, func(planner.Node) { size++ })
	b := &instrumentBuilder{env: env, clock: clock, stats: &PlanStats{nodes: make([]planner.Node, 0, size),
		children: make([][]int, 0, size), counters: make([]operatorCounters, size)}}
	op, err := b.build(n)
	if err != nil {
		return nil, nil, err
	}
	return op, b.stats, nil
}

// BuildPipelineInstrumented is BuildPipeline with BuildInstrumented's
// counting (no clock). The pipeline's Stats returns the figures.
func BuildPipelineInstrumented(n planner.Node, env *Env) (*Pipeline, error) {
	p := &Pipeline{}
	env.stateful = &p.stateful
	defer func() { env.stateful = nil }()
	root, _, err := BuildInstrumented(n, env, nil)
	if err != nil {
		return nil, err
	}
	p.Root = root
	return p, nil
}

// Stats returns the figures of a pipeline built by
// BuildPipelineInstrumented, nil for one built by BuildPipeline.
func (p *Pipeline) Stats() *PlanStats {
	switch root := p.Root.(type) {
	case *instrumented:
		return root.plan
	case *instrumentedState:
		return root.plan
	}
	return nil
}

// instrumentBuilder builds an instrumented tree, numbering nodes in
// pre-order as it goes.
type instrumentBuilder struct {
	env   *Env
	clock func() time.Time
	stats *PlanStats
}

// build mirrors Build, wrapping each operator it makes: leaves come from
// Build itself, inner nodes from newOperator over wrapped inputs, and a
// stateful operator is registered (for checkpoints) through its wrapper,
// after its inputs, as Build registers it.
func (b *instrumentBuilder) build(n planner.Node) (Operator, error) {
	pos := len(b.stats.nodes)
	b.stats.nodes = append(b.stats.nodes, n)
	b.stats.children = append(b.stats.children, nil)
	var op Operator
	nodes := n.Inputs()
	if len(nodes) == 0 {
		leaf, err := Build(n, b.env)
		if err != nil {
			return nil, err
		}
		op = leaf
	} else {
		inputs := make([]Operator, 0, len(nodes))
		children := make([]int, 0, len(nodes))
		for _, in := range nodes {
			children = append(children, len(b.stats.nodes))
			child, err := b.build(in)
			if err != nil {
				_ = closeAll(context.Background(), inputs...)
				return nil, err
			}
			inputs = append(inputs, child)
		}
		b.stats.children[pos] = children
		inner, err := newOperator(n, inputs, b.env)
		if err != nil {
			_ = closeAll(context.Background(), inputs...)
			return nil, err
		}
		op = inner
	}
	w := &instrumented{input: op, counters: &b.stats.counters[pos], clock: b.clock, plan: b.stats}
	s, ok := op.(stateful)
	if !ok || len(nodes) == 0 {
		return w, nil
	}
	w.counters.stateful = true
	ws := &instrumentedState{instrumented: w, state: s}
	if b.env.stateful != nil {
		*b.env.stateful = append(*b.env.stateful, ws)
	}
	return ws, nil
}

// instrumented counts what its input operator produces. It adds no
// behaviour: every call is passed on and its result returned unchanged.
type instrumented struct {
	input    Operator
	counters *operatorCounters
	// clock, when set, times Open and Next.
	clock func() time.Time
	plan  *PlanStats
}

func (op *instrumented) Open(ctx context.Context) error {
	if op.clock == nil {
		return op.input.Open(ctx)
	}
	start := op.clock()
	err := op.input.Open(ctx)
	op.counters.nanos.Add(int64(op.clock().Sub(start)))
	return err
}

func (op *instrumented) Next(ctx context.Context, b *types.Batch) error {
	var start time.Time
	if op.clock != nil {
		start = op.clock()
	}
	err := op.input.Next(ctx, b)
	if op.clock != nil {
		op.counters.nanos.Add(int64(op.clock().Sub(start)))
	}
	if err == nil && b.Len > 0 {
		op.counters.rows.Add(int64(b.Len))
		op.counters.batches.Add(1)
	}
	return err
}

func (op *instrumented) Close(ctx context.Context) error { return op.input.Close(ctx) }

// instrumentedState is instrumented over a stateful operator: it passes
// the state through and records its encoded size.
type instrumentedState struct {
	*instrumented
	state stateful
}

func (op *instrumentedState) appendState(buf []byte) ([]byte, error) {
	before := len(buf)
	buf, err := op.state.appendState(buf)
	if err != nil {
		return buf, err
	}
	op.counters.stateBytes.Store(int64(len(buf) - before))
	return buf, nil
}

func (op *instrumentedState) loadState(data []byte) error {
	if err := op.state.loadState(data); err != nil {
		return err
	}
	op.counters.stateBytes.Store(int64(len(data)))
	return nil
}
