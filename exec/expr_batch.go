package exec

import (
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// batchEvaluator computes a compiled expression over every row of a
// non-empty batch at once, a column at a time. An expression that computes
// values writes them into dst, a column of in.Len rows, and returns dst;
// with dst empty (Values nil) it writes into scratch space of its own. A
// column reference or constant ignores dst and returns a view of the batch
// or of the value. The column returned is valid until the evaluator's next
// call or until the batch changes. An error means some row failed; which
// one is found by evaluating row by row (see project.projectBatch), so a
// batch evaluator never reports row errors itself.
type batchEvaluator func(in *types.Batch, dst functions.Column) (functions.Column, error)

// compileBatch compiles e for evaluation a batch at a time. ok is false
// when e must be evaluated row by row instead: it has side effects or reads
// state (sequences, volatile functions, subqueries), whose evaluation a
// fallback to row-at-a-time after an error would repeat visibly.
func compileBatch(e planner.Expr, env *Env) (ev batchEvaluator, ok bool, err error) {
	if !batchable(e) {
		return nil, false, nil
	}
	ev, err = compileBatchExpr(e, env)
	return ev, err == nil, err
}

// compileBatchAll compiles every expression of es for batch evaluation;
// ok is false unless all of them can be.
func compileBatchAll(es []planner.Expr, env *Env) ([]batchEvaluator, bool, error) {
	out := make([]batchEvaluator, len(es))
	for i, e := range es {
		ev, ok, err := compileBatch(e, env)
		if err != nil || !ok {
			return nil, false, err
		}
		out[i] = ev
	}
	return out, true, nil
}

// batchable reports whether e and every expression in it are pure: the
// same rows give the same values, and evaluating twice is not observable.
func batchable(e planner.Expr) bool {
	switch e := e.(type) {
	case *planner.ColRef, *planner.Const, *planner.Param:
		return true
	case *planner.Call:
		return !e.Fn.Volatile && allBatchable(e.Args)
	case *planner.Cast:
		return batchable(e.Arg)
	case *planner.And:
		return allBatchable(e.Args)
	case *planner.Or:
		return allBatchable(e.Args)
	case *planner.Not:
		return batchable(e.Arg)
	case *planner.IsNull:
		return batchable(e.Arg)
	case *planner.IsBool:
		return batchable(e.Arg)
	case *planner.Case:
		for _, w := range e.Whens {
			if !batchable(w.Cond) || !batchable(w.Result) {
				return false
			}
		}
		return e.Else == nil || batchable(e.Else)
	case *planner.In:
		return !e.Eq.Volatile && batchable(e.Arg) && allBatchable(e.List)
	}
	return false
}

func allBatchable(es []planner.Expr) bool {
	for _, e := range es {
		if !batchable(e) {
			return false
		}
	}
	return true
}

// compileBatchExpr compiles a batchable expression. Column references and
// constants are views without copies; casts and calls write into the
// destination column or their own scratch (see batchEvaluator), their
// arguments always into the arguments' scratch. Expressions that evaluate lazily
// (AND, OR, CASE, IN), where a batch loop would compute values that row by
// row are never computed, run their row evaluator over each row.
func compileBatchExpr(e planner.Expr, env *Env) (batchEvaluator, error) {
	switch e := e.(type) {
	case *planner.ColRef:
		idx := e.Index
		return func(in *types.Batch, _ functions.Column) (functions.Column, error) {
			return functions.Column{Values: in.Datums[idx:], Stride: in.Width}, nil
		}, nil
	case *planner.Const:
		col := functions.ConstColumn(e.Value)
		return func(*types.Batch, functions.Column) (functions.Column, error) { return col, nil }, nil
	case *planner.Param:
		if e.Index >= len(env.Params) {
			return nil, types.Errorf(types.CodeProtocolViolation, "there is no parameter $%d", e.Index+1)
		}
		col := functions.ConstColumn(env.Params[e.Index])
		return func(*types.Batch, functions.Column) (functions.Column, error) { return col, nil }, nil
	case *planner.Cast:
		return compileBatchCast(e, env)
	case *planner.Call:
		return compileBatchCall(e, env)
	}
	row, err := Compile(e, env)
	if err != nil {
		return nil, err
	}
	var own []types.Datum
	return func(in *types.Batch, dst functions.Column) (functions.Column, error) {
		out := output(&own, dst, in.Len)
		for i := 0; i < in.Len; i++ {
			d, err := row(in.Row(i))
			if err != nil {
				return functions.Column{}, err
			}
			*out.Ref(i) = d
		}
		return out, nil
	}, nil
}

func compileBatchCast(e *planner.Cast, env *Env) (batchEvaluator, error) {
	arg, err := compileBatchExpr(e.Arg, env)
	if err != nil {
		return nil, err
	}
	cast, ctx := functions.CastBatch(e.Arg.Type(), e.To), env.Eval
	var own []types.Datum
	return func(in *types.Batch, dst functions.Column) (functions.Column, error) {
		col, err := arg(in, functions.Column{})
		if err != nil {
			return col, err
		}
		out := output(&own, dst, in.Len)
		if err := cast(ctx, col, in.Len, out); err != nil {
			return functions.Column{}, err
		}
		return out, nil
	}, nil
}

func compileBatchCall(e *planner.Call, env *Env) (batchEvaluator, error) {
	argEvals := make([]batchEvaluator, len(e.Args))
	for i, a := range e.Args {
		ev, err := compileBatchExpr(a, env)
		if err != nil {
			return nil, err
		}
		argEvals[i] = ev
	}
	impl := functions.BatchImplOf(e.Fn)
	if impl == nil {
		impl = rowByRow(e.Fn, len(argEvals))
	}
	ctx := env.Eval
	cols := make([]functions.Column, len(argEvals))
	var own []types.Datum
	return func(in *types.Batch, dst functions.Column) (functions.Column, error) {
		for i, ev := range argEvals {
			col, err := ev(in, functions.Column{})
			if err != nil {
				return col, err
			}
			cols[i] = col
		}
		out := output(&own, dst, in.Len)
		if err := impl(ctx, cols, in.Len, out); err != nil {
			return functions.Column{}, err
		}
		return out, nil
	}, nil
}

// rowByRow applies o's Impl to each row of nargs argument columns, NULL
// arguments of a strict overload giving NULL without a call, as compileCall
// does.
func rowByRow(o *functions.Overload, nargs int) functions.BatchImpl {
	impl, strict := o.Impl, !o.NullCalls
	args := make([]types.Datum, nargs)
	return func(ctx *functions.EvalContext, cols []functions.Column, n int, out functions.Column) error {
	rows:
		for i := 0; i < n; i++ {
			for j := range cols {
				d := cols[j].Ref(i)
				if strict && d.IsNull() {
					*out.Ref(i) = types.Null
					continue rows
				}
				args[j] = *d
			}
			d, err := impl(ctx, args)
			if err != nil {
				return err
			}
			*out.Ref(i) = d
		}
		return nil
	}
}

// output is where an evaluator writes n computed values: dst when given,
// else its own scratch space *own, grown when too small.
func output(own *[]types.Datum, dst functions.Column, n int) functions.Column {
	if dst.Values != nil {
		return dst
	}
	if cap(*own) < n {
		*own = make([]types.Datum, max(n, types.BatchSize))
	}
	return functions.Column{Values: (*own)[:n], Stride: 1}
}
