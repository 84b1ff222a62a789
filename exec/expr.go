package exec

import (
	"fmt"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// Evaluator computes a compiled expression over one row. An Evaluator owns
// scratch space, so one evaluator must not be called concurrently.
type Evaluator func(row []types.Datum) (types.Datum, error)

// Compile turns a bound expression into an evaluator. It is done once per
// operator; evaluating allocates nothing unless a function does.
func Compile(e planner.Expr, env *Env) (Evaluator, error) {
	switch e := e.(type) {
	case *planner.ColRef:
		idx := e.Index
		return func(row []types.Datum) (types.Datum, error) { return row[idx], nil }, nil
	case *planner.Const:
		v := e.Value
		return func([]types.Datum) (types.Datum, error) { return v, nil }, nil
	case *planner.Param:
		if e.Index >= len(env.Params) {
			return nil, types.Errorf(types.CodeProtocolViolation, "there is no parameter $%d", e.Index+1)
		}
		v := env.Params[e.Index]
		return func([]types.Datum) (types.Datum, error) { return v, nil }, nil
	case *planner.Call:
		return compileCall(e, env)
	case *planner.Cast:
		arg, err := Compile(e.Arg, env)
		if err != nil {
			return nil, err
		}
		to, ctx := e.To, env.Eval
		return func(row []types.Datum) (types.Datum, error) {
			d, err := arg(row)
			if err != nil {
				return d, err
			}
			return functions.Cast(ctx, d, to)
		}, nil
	case *planner.And:
		return compileLogic(e.Args, false, env)
	case *planner.Or:
		return compileLogic(e.Args, true, env)
	case *planner.Not:
		arg, err := Compile(e.Arg, env)
		if err != nil {
			return nil, err
		}
		return func(row []types.Datum) (types.Datum, error) {
			d, err := arg(row)
			if err != nil || d.IsNull() {
				return d, err
			}
			return types.NewBool(!d.Bool()), nil
		}, nil
	case *planner.IsNull:
		arg, err := Compile(e.Arg, env)
		if err != nil {
			return nil, err
		}
		not := e.Not
		return func(row []types.Datum) (types.Datum, error) {
			d, err := arg(row)
			return types.NewBool(d.IsNull() != not), err
		}, nil
	case *planner.IsBool:
		arg, err := Compile(e.Arg, env)
		if err != nil {
			return nil, err
		}
		want, not := e.Value, e.Not
		return func(row []types.Datum) (types.Datum, error) {
			d, err := arg(row)
			is := !d.IsNull() && d.Bool() == want
			return types.NewBool(is != not), err
		}, nil
	case *planner.Case:
		return compileCase(e, env)
	case *planner.In:
		return compileIn(e, env)
	case *planner.Subquery:
		return compileSubquery(e, env)
	case *planner.OuterRef:
		return compileOuterRef(e, env)
	case *planner.NextSerial:
		rel, col, typ, next := e.Rel, e.Column, e.Typ, env.NextSerial
		if next == nil {
			return nil, fmt.Errorf("exec: serial column without a sequence")
		}
		return func([]types.Datum) (types.Datum, error) {
			v, err := next(rel, col)
			return types.NewIntOf(typ, v), err
		}, nil
	}
	return nil, fmt.Errorf("exec: cannot compile expression %T", e)
}

// CompileAll compiles a list of expressions.
func CompileAll(es []planner.Expr, env *Env) ([]Evaluator, error) {
	out := make([]Evaluator, len(es))
	for i, e := range es {
		ev, err := Compile(e, env)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

func compileCall(e *planner.Call, env *Env) (Evaluator, error) {
	argEvals, err := CompileAll(e.Args, env)
	if err != nil {
		return nil, err
	}
	args := make([]types.Datum, len(argEvals))
	impl, strict, ctx := e.Fn.Impl, !e.Fn.NullCalls, env.Eval
	if len(argEvals) == 2 {
		a, b := argEvals[0], argEvals[1]
		return func(row []types.Datum) (types.Datum, error) {
			x, err := a(row)
			if err != nil {
				return x, err
			}
			y, err := b(row)
			if err != nil {
				return y, err
			}
			if strict && (x.IsNull() || y.IsNull()) {
				return types.Null, nil
			}
			args[0], args[1] = x, y
			return impl(ctx, args)
		}, nil
	}
	return func(row []types.Datum) (types.Datum, error) {
		for i, ev := range argEvals {
			d, err := ev(row)
			if err != nil {
				return d, err
			}
			if strict && d.IsNull() {
				return types.Null, nil
			}
			args[i] = d
		}
		return impl(ctx, args)
	}, nil
}

// compileLogic compiles AND (or=false) / OR (or=true) with SQL's
// three-valued logic and short-circuiting.
func compileLogic(es []planner.Expr, or bool, env *Env) (Evaluator, error) {
	argEvals, err := CompileAll(es, env)
	if err != nil {
		return nil, err
	}
	return func(row []types.Datum) (types.Datum, error) {
		sawNull := false
		for _, ev := range argEvals {
			d, err := ev(row)
			if err != nil {
				return d, err
			}
			if d.IsNull() {
				sawNull = true
				continue
			}
			if d.Bool() == or {
				return d, nil
			}
		}
		if sawNull {
			return types.Null, nil
		}
		return types.NewBool(!or), nil
	}, nil
}

func compileCase(e *planner.Case, env *Env) (Evaluator, error) {
	conds := make([]Evaluator, len(e.Whens))
	results := make([]Evaluator, len(e.Whens))
	for i, w := range e.Whens {
		var err error
		if conds[i], err = Compile(w.Cond, env); err != nil {
			return nil, err
		}
		if results[i], err = Compile(w.Result, env); err != nil {
			return nil, err
		}
	}
	otherwise := func([]types.Datum) (types.Datum, error) { return types.Null, nil }
	if e.Else != nil {
		var err error
		if otherwise, err = Compile(e.Else, env); err != nil {
			return nil, err
		}
	}
	return func(row []types.Datum) (types.Datum, error) {
		for i, cond := range conds {
			d, err := cond(row)
			if err != nil {
				return d, err
			}
			if !d.IsNull() && d.Bool() {
				return results[i](row)
			}
		}
		return otherwise(row)
	}, nil
}

func compileIn(e *planner.In, env *Env) (Evaluator, error) {
	arg, err := Compile(e.Arg, env)
	if err != nil {
		return nil, err
	}
	list, err := CompileAll(e.List, env)
	if err != nil {
		return nil, err
	}
	args := make([]types.Datum, 2)
	eq, ctx, not := e.Eq.Impl, env.Eval, e.Not
	return func(row []types.Datum) (types.Datum, error) {
		x, err := arg(row)
		if err != nil || x.IsNull() {
			return types.Null, err
		}
		sawNull := false
		for _, ev := range list {
			y, err := ev(row)
			if err != nil {
				return y, err
			}
			if y.IsNull() {
				sawNull = true
				continue
			}
			args[0], args[1] = x, y
			r, err := eq(ctx, args)
			if err != nil {
				return r, err
			}
			if r.Bool() {
				return types.NewBool(!not), nil
			}
		}
		if sawNull {
			return types.Null, nil
		}
		return types.NewBool(not), nil
	}, nil
}
