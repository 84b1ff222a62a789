package planner

// VisitExpr calls fn for e and every expression below it, parents first.
func VisitExpr(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	for _, c := range exprChildren(e) {
		VisitExpr(c, fn)
	}
}

func exprChildren(e Expr) []Expr {
	switch e := e.(type) {
	case *Call:
		return e.Args
	case *Cast:
		return []Expr{e.Arg}
	case *And:
		return e.Args
	case *Or:
		return e.Args
	case *Not:
		return []Expr{e.Arg}
	case *IsNull:
		return []Expr{e.Arg}
	case *IsBool:
		return []Expr{e.Arg}
	case *Case:
		out := make([]Expr, 0, 2*len(e.Whens)+1)
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *In:
		return append([]Expr{e.Arg}, e.List...)
	case *Subquery:
		if e.Arg != nil {
			return []Expr{e.Arg}
		}
	}
	return nil
}

// remapColumns returns a copy of e whose column references point at
// remap(old index). Expressions without columns are shared, not copied.
func remapColumns(e Expr, remap func(int) int) Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *ColRef:
		return &ColRef{Index: remap(e.Index), Typ: e.Typ, Name: e.Name}
	case *Call:
		return &Call{Fn: e.Fn, Args: remapAll(e.Args, remap), Typ: e.Typ}
	case *Cast:
		return &Cast{Arg: remapColumns(e.Arg, remap), To: e.To}
	case *And:
		return &And{Args: remapAll(e.Args, remap)}
	case *Or:
		return &Or{Args: remapAll(e.Args, remap)}
	case *Not:
		return &Not{Arg: remapColumns(e.Arg, remap)}
	case *IsNull:
		return &IsNull{Arg: remapColumns(e.Arg, remap), Not: e.Not}
	case *IsBool:
		return &IsBool{Arg: remapColumns(e.Arg, remap), Value: e.Value, Not: e.Not}
	case *Case:
		out := &Case{Typ: e.Typ, Else: remapColumns(e.Else, remap), Whens: make([]When, len(e.Whens))}
		for i, w := range e.Whens {
			out.Whens[i] = When{Cond: remapColumns(w.Cond, remap), Result: remapColumns(w.Result, remap)}
		}
		return out
	case *In:
		return &In{Arg: remapColumns(e.Arg, remap), List: remapAll(e.List, remap), Eq: e.Eq, Not: e.Not}
	case *Subquery:
		// A correlated subquery's OuterRefs would need remapping too: the
		// binder keeps them out of join conditions, the only remapped place.
		out := *e
		out.Arg = remapColumns(e.Arg, remap)
		return &out
	}
	return e
}

func remapAll(es []Expr, remap func(int) int) []Expr {
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = remapColumns(e, remap)
	}
	return out
}
