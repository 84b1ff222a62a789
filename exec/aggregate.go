package exec

import (
	"context"
	"io"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// aggregate is a hash aggregation over a bounded input. It consumes its
// input on the first Next, then emits one row per group in the order the
// groups first appeared.
type aggregate struct {
	input  Operator
	groups []Evaluator
	aggs   []aggSpec
	width  int
	env    *Env

	index  map[string]int
	states []groupState
	done   bool
	next   int
	key    []byte
	args   []types.Datum
}

type aggSpec struct {
	fn       *functions.Aggregate
	args     []Evaluator
	distinct bool
}

// groupState is one group: its key values and one state per aggregate;
// seen holds the DISTINCT arguments already added, per aggregate.
type groupState struct {
	key    []types.Datum
	states []functions.AggState
	seen   []map[string]struct{}
}

var _ Operator = (*aggregate)(nil)

func newAggregate(in Operator, n *planner.Aggregate, env *Env) (*aggregate, error) {
	groups, err := CompileAll(n.Groups, env)
	if err != nil {
		return nil, err
	}
	a := &aggregate{input: in, groups: groups, width: len(n.Cols), env: env}
	for _, call := range n.Aggs {
		args, err := CompileAll(call.Args, env)
		if err != nil {
			return nil, err
		}
		a.aggs = append(a.aggs, aggSpec{fn: call.Fn, args: args, distinct: call.Distinct})
	}
	return a, nil
}

func (a *aggregate) Open(ctx context.Context) error {
	a.index = make(map[string]int)
	a.states, a.done, a.next = nil, false, 0
	return a.input.Open(ctx)
}

func (a *aggregate) Next(ctx context.Context, b *types.Batch) error {
	if !a.done {
		if err := a.consume(ctx); err != nil {
			return err
		}
		a.done = true
		if len(a.states) == 0 && len(a.groups) == 0 {
			a.states = append(a.states, a.newGroup(nil))
		}
	}
	b.Reset(a.width)
	for a.next < len(a.states) && !b.Full() {
		g := a.states[a.next]
		out := b.AppendRow()
		copy(out, g.key)
		for i, st := range g.states {
			out[len(g.key)+i] = st.Result()
		}
		a.next++
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

func (a *aggregate) consume(ctx context.Context) error {
	in := types.NewBatch(0)
	keyVals := make([]types.Datum, len(a.groups))
	for {
		err := a.input.Next(ctx, in)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for i := 0; i < in.Len; i++ {
			if err := a.add(in.Row(i), keyVals); err != nil {
				if err = a.env.rowError(err); err != nil {
					return err
				}
			}
		}
	}
}

func (a *aggregate) add(row, keyVals []types.Datum) error {
	a.key = a.key[:0]
	for i, g := range a.groups {
		d, err := g(row)
		if err != nil {
			return err
		}
		keyVals[i] = d
		a.key = types.AppendKey(a.key, d)
	}
	gi, ok := a.index[string(a.key)]
	if !ok {
		gi = len(a.states)
		a.index[string(a.key)] = gi
		a.states = append(a.states, a.newGroup(types.CopyRow(keyVals)))
	}
	g := &a.states[gi]
	for i, spec := range a.aggs {
		a.args = a.args[:0]
		for _, ev := range spec.args {
			d, err := ev(row)
			if err != nil {
				return err
			}
			a.args = append(a.args, d)
		}
		if spec.distinct {
			a.key = a.key[:0]
			for _, d := range a.args {
				a.key = types.AppendKey(a.key, d)
			}
			if _, dup := g.seen[i][string(a.key)]; dup {
				continue
			}
			g.seen[i][string(a.key)] = struct{}{}
		}
		if err := g.states[i].Add(a.args); err != nil {
			return err
		}
	}
	return nil
}

func (a *aggregate) newGroup(key []types.Datum) groupState {
	g := groupState{key: key, states: make([]functions.AggState, len(a.aggs)), seen: make([]map[string]struct{}, len(a.aggs))}
	for i, spec := range a.aggs {
		g.states[i] = spec.fn.New()
		if spec.distinct {
			g.seen[i] = make(map[string]struct{})
		}
	}
	return g
}

func (a *aggregate) Close(ctx context.Context) error {
	a.index, a.states = nil, nil
	return a.input.Close(ctx)
}
