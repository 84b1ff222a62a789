package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// outerRow is the enclosing query's current row, read by the OuterRefs of
// a correlated subquery while it runs.
type outerRow struct{ row []types.Datum }

// compileOuterRef reads a column of the enclosing row.
func compileOuterRef(e *planner.OuterRef, env *Env) (Evaluator, error) {
	if env.outer == nil {
		return nil, fmt.Errorf("exec: outer reference %s outside a subquery", e.Name)
	}
	outer, idx := env.outer, e.Index
	return func([]types.Datum) (types.Datum, error) { return outer.row[idx], nil }, nil
}

// compileSubquery builds the subquery's operators once; evaluating runs
// them to the end for the current row (re-opening them each time), or,
// for an uncorrelated subquery, once, keeping the answer.
func compileSubquery(e *planner.Subquery, env *Env) (Evaluator, error) {
	inner := *env
	inner.outer = &outerRow{}
	op, err := Build(e.Plan, &inner)
	if err != nil {
		return nil, err
	}
	var arg Evaluator
	if e.Arg != nil {
		if arg, err = Compile(e.Arg, env); err != nil {
			return nil, err
		}
	}
	run := &subqueryRun{op: op, kind: e.Kind, b: types.NewBatch(len(e.Plan.Schema())), outer: inner.outer}
	run.eval = env.Eval
	if e.Kind == planner.InSubquery {
		run.eq = e.Eq.Impl
	}
	not, correlated := e.Not, e.Correlated
	var cached *[]types.Datum
	return func(row []types.Datum) (types.Datum, error) {
		var x types.Datum
		if arg != nil {
			var err error
			if x, err = arg(row); err != nil {
				return types.Null, err
			}
		}
		var values []types.Datum
		if correlated || cached == nil {
			var err error
			if values, err = run.values(row); err != nil {
				return types.Null, err
			}
			if !correlated {
				cached = &values
			}
		} else {
			values = *cached
		}
		return run.answer(x, values, not)
	}, nil
}

// subqueryRun executes a subquery's operators for one outer row.
type subqueryRun struct {
	op    Operator
	kind  planner.SubqueryKind
	b     *types.Batch
	outer *outerRow
	eq    functions.Impl
	eval  *functions.EvalContext
	args  [2]types.Datum
}

// values runs the subquery and returns what its answer needs: the first
// column of its rows (EXISTS and scalar subqueries stop after two rows).
func (r *subqueryRun) values(row []types.Datum) ([]types.Datum, error) {
	r.outer.row = row
	ctx := context.Background()
	if err := r.op.Open(ctx); err != nil {
		return nil, err
	}
	defer r.op.Close(ctx)
	var out []types.Datum
	for {
		err := r.op.Next(ctx, r.b)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for i := 0; i < r.b.Len; i++ {
			out = append(out, r.b.Row(i)[0])
		}
		if (r.kind == planner.ScalarSubquery || r.kind == planner.ExistsSubquery) && len(out) > 1 {
			return out, nil
		}
	}
}

// answer turns the subquery's values into the expression's value.
func (r *subqueryRun) answer(x types.Datum, values []types.Datum, not bool) (types.Datum, error) {
	switch r.kind {
	case planner.ExistsSubquery:
		return types.NewBool((len(values) > 0) != not), nil
	case planner.ArraySubquery:
		elems := make([]*string, len(values))
		for i, v := range values {
			if !v.IsNull() {
				text := string(types.AppendText(nil, v, r.eval.Location))
				elems[i] = &text
			}
		}
		return functions.NewTextArray(elems), nil
	case planner.ScalarSubquery:
		switch len(values) {
		case 0:
			return types.Null, nil
		case 1:
			return values[0], nil
		}
		return types.Null, types.Errorf("21000", "more than one row returned by a subquery used as an expression")
	}
	if x.IsNull() {
		if len(values) == 0 {
			return types.NewBool(not), nil
		}
		return types.Null, nil
	}
	sawNull := false
	for _, v := range values {
		if v.IsNull() {
			sawNull = true
			continue
		}
		r.args[0], r.args[1] = x, v
		eq, err := r.eq(r.eval, r.args[:])
		if err != nil {
			return types.Null, err
		}
		if eq.Bool() {
			return types.NewBool(!not), nil
		}
	}
	if sawNull {
		return types.Null, nil
	}
	return types.NewBool(not), nil
}
