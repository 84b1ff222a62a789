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
//     read from b are valid only until then. Next may swap b.Datums for
//     storage of its own (a topic's reader does): the storage b held before
//     then belongs to the operator. A returned batch holds at least
//     one row, or no rows and a watermark (a pure watermark advance).
//     Next returns io.EOF, with b empty, when a bounded input is exhausted;
//     further calls return io.EOF again. A live operator blocks until it has
//     rows or ctx is done, and then returns ctx.Err().
//   - Close releases resources; it is idempotent and safe after a failed Open.
//     Open after Close runs the operator again from the start (subqueries
//     re-run their operators for each outer row).
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
	// Novelty gives novelty operators their contexts.
	Novelty NoveltyModels
	// LateRows, when set, is told how many rows arrived too late for their
	// window and were dropped.
	LateRows func(n int64)
	// outer is the enclosing row of a subquery being built (see subquery.go).
	outer *outerRow
	// stateful, while BuildPipeline builds, collects the stateful operators.
	stateful *[]stateful
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

// Build turns a plan into an operator tree. Live scans subscribe while
// being built; if Build fails, everything it built is closed again.
func Build(n planner.Node, env *Env) (Operator, error) {
	if s, ok := n.(*planner.Scan); ok {
		return env.Scans.OpenScan(s)
	}
	if v, ok := n.(*planner.Values); ok {
		return newValues(v, env)
	}
	inputs, err := buildAll(n.Inputs(), env)
	if err != nil {
		return nil, err
	}
	op, err := newOperator(n, inputs, env)
	if err != nil {
		_ = closeAll(context.Background(), inputs...)
		return nil, err
	}
	if s, ok := op.(stateful); ok && env.stateful != nil {
		*env.stateful = append(*env.stateful, s)
	}
	return op, nil
}

// newOperator builds the operator of n over its already built inputs.
func newOperator(n planner.Node, in []Operator, env *Env) (Operator, error) {
	switch n := n.(type) {
	case *planner.Filter:
		return newFilter(in[0], n, env)
	case *planner.Project:
		return newProject(in[0], n, env)
	case *planner.Limit:
		return &limit{input: in[0], count: n.Count, offset: n.Offset}, nil
	case *planner.UnionAll:
		if isLive(n) {
			return newMerge(in, len(n.Schema())), nil
		}
		return &concat{inputs: in}, nil
	case *planner.HashJoin:
		return newHashJoin(in[0], in[1], n, env)
	case *planner.NestedLoopJoin:
		return newNestedLoopJoin(in[0], in[1], n, env)
	case *planner.Aggregate:
		return newAggregate(in[0], n, env)
	case *planner.Novelty:
		return newNovelty(in[0], n, env)
	case *planner.WindowAggregate:
		return NewWindowAggregate(in[0], n, env)
	case *planner.WindowFunctions:
		return newWindowFunctions(in[0], n, env)
	case *planner.IntervalJoin:
		return NewIntervalJoin(in[0], in[1], n, env)
	case *planner.TableFunction:
		return newTableFunction(in[0], n, env)
	case *planner.Sort:
		return &sorter{input: in[0], keys: n.Keys, width: len(n.Schema())}, nil
	}
	return nil, fmt.Errorf("exec: no operator for plan node %T", n)
}

// buildAll builds nodes in order; on failure it closes what it built.
func buildAll(nodes []planner.Node, env *Env) ([]Operator, error) {
	ops := make([]Operator, 0, len(nodes))
	for _, n := range nodes {
		op, err := Build(n, env)
		if err != nil {
			_ = closeAll(context.Background(), ops...)
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
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
