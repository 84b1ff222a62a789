// Package exec runs plans: it builds pull-based operators from planner
// nodes and drives them batch at a time.
package exec

import (
	"context"
	"fmt"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// Operator is a pull-based operator.
//
// Contract:
//   - Open is called once before Next; it opens the operator's inputs.
//   - Next resets b and fills it with the next rows of the operator's
//     schema. The caller owns b and may reuse it for the next call; rows
//     read from b are valid only until then. A returned batch holds at least
//     one row, or no rows and a watermark (a pure watermark advance).
//     Next returns io.EOF, with b empty, when a bounded input is exhausted;
//     further calls return io.EOF again. A live operator blocks until it has
//     rows or ctx is done, and then returns ctx.Err().
//   - Close releases resources; it is idempotent and safe after a failed Open.
//
// Errors are returned, never panicked, across operators.
type Operator interface {
	Open(ctx context.Context) error
	Next(ctx context.Context, b *types.Batch) error
	Close(ctx context.Context) error
}

// ScanOpener opens the leaf scans of a plan; the engine implements it
// because only it knows where relations live.
type ScanOpener interface {
	OpenScan(s *planner.Scan) (Operator, error)
}

// Env is what a plan's operators need from the running system.
type Env struct {
	// Eval is shared by every expression of the plan.
	Eval *functions.EvalContext
	// Params are the statement's parameter values, $1 first.
	Params []types.Datum
	// Scans opens Scan nodes.
	Scans ScanOpener
	// NextSerial returns the next value of a serial column's sequence.
	NextSerial func(rel uint64, column int) (int64, error)
	// LateRows, when set, is told how many rows arrived too late for their
	// window and were dropped.
	LateRows func(n int64)
	// RowErrors, when set, receives the error of a row whose expressions
	// fail; the row is dropped and the operator goes on (continuous queries:
	// one bad row must not stop a stream). When nil, the error is returned.
	RowErrors func(err error)
}

// rowError decides what a failing row does: reported and skipped, or fatal.
func (env *Env) rowError(err error) error {
	if env.RowErrors == nil {
		return err
	}
	env.RowErrors(err)
	return nil
}

// rowErrorOrNil is rowError for call sites where err may be nil.
func (env *Env) rowErrorOrNil(err error) error {
	if err == nil {
		return nil
	}
	return env.rowError(err)
}

// Build turns a plan into an operator tree.
func Build(n planner.Node, env *Env) (Operator, error) {
	switch n := n.(type) {
	case *planner.Scan:
		return env.Scans.OpenScan(n)
	case *planner.Values:
		return newValues(n, env)
	case *planner.Filter:
		in, err := Build(n.Input, env)
		if err != nil {
			return nil, err
		}
		return newFilter(in, n, env)
	case *planner.Project:
		in, err := Build(n.Input, env)
		if err != nil {
			return nil, err
		}
		return newProject(in, n, env)
	case *planner.Limit:
		in, err := Build(n.Input, env)
		if err != nil {
			return nil, err
		}
		return &limit{input: in, count: n.Count, offset: n.Offset}, nil
	case *planner.UnionAll:
		ins, err := buildAll(n.Branches, env)
		if err != nil {
			return nil, err
		}
		if isLive(n) {
			return newMerge(ins, len(n.Schema())), nil
		}
		return &concat{inputs: ins}, nil
	case *planner.HashJoin:
		l, r, err := buildPair(n.Left, n.Right, env)
		if err != nil {
			return nil, err
		}
		return newHashJoin(l, r, n, env)
	case *planner.NestedLoopJoin:
		l, r, err := buildPair(n.Left, n.Right, env)
		if err != nil {
			return nil, err
		}
		return newNestedLoopJoin(l, r, n, env)
	case *planner.Aggregate:
		in, err := Build(n.Input, env)
		if err != nil {
			return nil, err
		}
		return newAggregate(in, n, env)
	case *planner.Sort:
		in, err := Build(n.Input, env)
		if err != nil {
			return nil, err
		}
		return &sorter{input: in, keys: n.Keys, width: len(n.Schema())}, nil
	}
	return nil, fmt.Errorf("exec: no operator for plan node %T", n)
}

func buildAll(nodes []planner.Node, env *Env) ([]Operator, error) {
	ops := make([]Operator, len(nodes))
	for i, n := range nodes {
		op, err := Build(n, env)
		if err != nil {
			return nil, err
		}
		ops[i] = op
	}
	return ops, nil
}

func buildPair(l, r planner.Node, env *Env) (Operator, Operator, error) {
	ops, err := buildAll([]planner.Node{l, r}, env)
	if err != nil {
		return nil, nil, err
	}
	return ops[0], ops[1], nil
}

// isLive reports whether any scan below n reads live rows.
func isLive(n planner.Node) bool {
	live := false
	planner.Walk(n, func(n planner.Node) {
		if s, ok := n.(*planner.Scan); ok && s.Mode == planner.ScanLive {
			live = true
		}
	})
	return live
}

// openAll opens inputs in order; on failure it closes what it opened.
func openAll(ctx context.Context, ops ...Operator) error {
	for i, op := range ops {
		if err := op.Open(ctx); err != nil {
			for _, opened := range ops[:i] {
				_ = opened.Close(ctx)
			}
			return err
		}
	}
	return nil
}

// closeAll closes every input and returns the first error.
func closeAll(ctx context.Context, ops ...Operator) error {
	var first error
	for _, op := range ops {
		if err := op.Close(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}
