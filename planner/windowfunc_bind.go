package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// codeWindowingError is Postgres' SQLSTATE for misused window functions.
const codeWindowingError = "42P20"

// windowScope maps the window function calls of one SELECT to the output
// columns of the WindowFunctions nodes that compute them.
type windowScope struct {
	cols map[string]*ColRef
	// forbidden, while a call's window or arguments are bound, is why
	// another window function may not appear there ("": it may).
	forbidden string
}

// windowSpec is a window after named windows are resolved.
type windowSpec struct {
	partition *ast.PartitionByClause
	order     *ast.OrderByClause
	frame     *ast.FrameClause
}

// windowFunctions plans the window function calls of s's select list and
// ORDER BY over input (whose columns sc, or b.agg when grouped, describe):
// one WindowFunctions node per distinct window, stacked. It sets b.win so
// that the calls then bind to the nodes' output columns.
func (b *binder) windowFunctions(input Node, sc *scope, s *ast.SelectStmt) (Node, error) {
	calls := collectWindowCalls(s)
	if len(calls) == 0 {
		return input, nil
	}
	if b.streaming {
		return nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
			"window functions (OVER) are not supported in a stream: they would revise rows already emitted; aggregate per window with GROUP BY TUMBLE/HOP/SESSION"), calls[0])
	}
	named, err := b.namedWindows(s.WindowSpecs)
	if err != nil {
		return nil, err
	}
	ws := &windowScope{cols: map[string]*ColRef{}}
	b.win = ws
	var nodes []*WindowFunctions
	byWindow := map[string]*WindowFunctions{}
	type placed struct {
		node  *WindowFunctions
		index int
	}
	placement := map[string]placed{}
	var order []string
	for _, call := range calls {
		text := restore(call)
		if _, dup := placement[text]; dup {
			continue
		}
		spec, err := b.resolveWindow(call.Spec, named)
		if err != nil {
			return nil, b.errAt(err, call)
		}
		key := windowKey(spec)
		node, ok := byWindow[key]
		if !ok {
			node = &WindowFunctions{}
			ws.forbidden = "window functions are not allowed in window definitions"
			if node.Partition, node.Order, err = b.windowKeys(spec, sc); err != nil {
				return nil, err
			}
			byWindow[key] = node
			nodes = append(nodes, node)
		}
		ws.forbidden = "window function calls cannot be nested"
		wc, err := b.windowCall(call, spec.frame, node.Order, sc)
		ws.forbidden = ""
		if err != nil {
			return nil, b.errAt(err, call)
		}
		placement[text] = placed{node: node, index: len(node.Calls)}
		order = append(order, text)
		node.Calls = append(node.Calls, wc)
	}
	base := map[*WindowFunctions]int{}
	for _, node := range nodes {
		node.Input = input
		base[node] = len(input.Schema())
		node.Cols = append(types.Schema(nil), input.Schema()...)
		for _, c := range node.Calls {
			node.Cols = append(node.Cols, types.Column{Name: c.Name, Type: c.Typ, Nullable: true})
		}
		input = node
	}
	for _, text := range order {
		p := placement[text]
		c := p.node.Calls[p.index]
		ws.cols[text] = &ColRef{Index: base[p.node] + p.index, Typ: c.Typ, Name: c.Name}
	}
	return input, nil
}

// windowRef binds a window function call to the column computing it.
func (b *binder) windowRef(n *ast.WindowFuncExpr) (Expr, error) {
	switch {
	case b.streaming:
		return nil, types.Errorf(types.CodeFeatureNotSupported,
			"window functions (OVER) are not supported in a stream; aggregate per window with GROUP BY TUMBLE/HOP/SESSION")
	case b.win == nil:
		return nil, types.Errorf(codeWindowingError, "window functions are allowed only in the SELECT list and ORDER BY")
	case b.win.forbidden != "":
		return nil, types.Errorf(codeWindowingError, "%s", b.win.forbidden)
	}
	ref, ok := b.win.cols[restore(n)]
	if !ok {
		return nil, types.Errorf(codeWindowingError, "window functions are allowed only in the SELECT list and ORDER BY")
	}
	return ref, nil
}

// namedWindows resolves the WINDOW clause; a window may build on one
// defined before it.
func (b *binder) namedWindows(specs []ast.WindowSpec) (map[string]windowSpec, error) {
	named := make(map[string]windowSpec, len(specs))
	for i := range specs {
		spec := &specs[i]
		name := spec.Name.L
		if _, dup := named[name]; dup {
			return nil, types.Errorf(codeWindowingError, "window %q is already defined", spec.Name.O)
		}
		resolved, err := b.resolveWindow(ast.WindowSpec{Ref: spec.Ref, PartitionBy: spec.PartitionBy,
			OrderBy: spec.OrderBy, Frame: spec.Frame}, named)
		if err != nil {
			return nil, err
		}
		named[name] = resolved
	}
	return named, nil
}

// resolveWindow resolves OVER w and OVER (w ...) against the named windows
// with Postgres' rules for copying a window.
func (b *binder) resolveWindow(spec ast.WindowSpec, named map[string]windowSpec) (windowSpec, error) {
	if spec.OnlyAlias {
		w, ok := named[spec.Name.L]
		if !ok {
			return windowSpec{}, types.Errorf(types.CodeUndefinedObject, "window %q does not exist", spec.Name.O)
		}
		return w, nil
	}
	out := windowSpec{partition: spec.PartitionBy, order: spec.OrderBy, frame: spec.Frame}
	if spec.Ref.L == "" {
		return out, nil
	}
	base, ok := named[spec.Ref.L]
	switch {
	case !ok:
		return windowSpec{}, types.Errorf(types.CodeUndefinedObject, "window %q does not exist", spec.Ref.O)
	case spec.PartitionBy != nil:
		return windowSpec{}, types.Errorf(codeWindowingError, "cannot override PARTITION BY clause of window %q", spec.Ref.O)
	case spec.OrderBy != nil && base.order != nil:
		return windowSpec{}, types.Errorf(codeWindowingError, "cannot override ORDER BY clause of window %q", spec.Ref.O)
	case base.frame != nil:
		return windowSpec{}, types.Errorf(codeWindowingError, "cannot copy window %q because it has a frame clause", spec.Ref.O)
	}
	out.partition = base.partition
	if out.order == nil {
		out.order = base.order
	}
	return out, nil
}

// windowKey identifies a window's partitioning and ordering: calls with
// equal keys share one WindowFunctions node (one sort).
func windowKey(w windowSpec) string {
	key := ""
	if w.partition != nil {
		key = restore(w.partition)
	}
	key += "\x00"
	if w.order != nil {
		key += restore(w.order)
	}
	return key
}

// windowKeys binds a window's PARTITION BY and ORDER BY. An integer there
// is a constant, not a select-list position (SQL:1999 rules, as Postgres).
func (b *binder) windowKeys(w windowSpec, sc *scope) ([]Expr, []WindowOrderKey, error) {
	var partition []Expr
	if w.partition != nil {
		for _, item := range w.partition.Items {
			e, err := b.windowKeyExpr(item.Expr, sc)
			if err != nil {
				return nil, nil, err
			}
			partition = append(partition, e)
		}
	}
	var order []WindowOrderKey
	if w.order != nil {
		for _, item := range w.order.Items {
			e, err := b.windowKeyExpr(item.Expr, sc)
			if err != nil {
				return nil, nil, err
			}
			// Postgres puts NULLs last ascending and first descending.
			order = append(order, WindowOrderKey{Expr: e, Desc: item.Desc, NullsFirst: item.Desc})
		}
	}
	return partition, order, nil
}

func (b *binder) windowKeyExpr(n ast.ExprNode, sc *scope) (Expr, error) {
	if p, ok := n.(*ast.PositionExpr); ok {
		return &Const{Value: types.NewIntOf(types.Int4, int64(p.N)), Typ: types.Int4}, nil
	}
	e, err := b.expr(n, sc)
	if err != nil {
		return nil, err
	}
	return b.resolved(e)
}

// windowCall binds one call: a window function proper, or an aggregate
// computed over the frame.
func (b *binder) windowCall(n *ast.WindowFuncExpr, frameClause *ast.FrameClause, order []WindowOrderKey, sc *scope) (WindowCall, error) {
	name := strings.ToLower(n.Name)
	switch {
	case n.Distinct:
		return WindowCall{}, types.Errorf(types.CodeFeatureNotSupported, "DISTINCT is not implemented for window functions")
	case n.IgnoreNull:
		return WindowCall{}, types.Errorf(types.CodeFeatureNotSupported, "IGNORE NULLS is not supported")
	case n.FromLast:
		return WindowCall{}, types.Errorf(types.CodeFeatureNotSupported, "FROM LAST is not supported")
	}
	frame, err := b.frame(frameClause, order)
	if err != nil {
		return WindowCall{}, err
	}
	if !functions.IsWindowFunction(name) {
		agg, err := b.aggCall(&ast.AggregateFuncExpr{F: name, Args: n.Args}, sc)
		if err != nil {
			return WindowCall{}, err
		}
		return WindowCall{Agg: agg.Fn, Args: agg.Args, Frame: frame, Typ: agg.Typ, Name: name}, nil
	}
	args, err := b.exprs(n.Args, sc)
	if err != nil {
		return WindowCall{}, err
	}
	if (name == "lag" || name == "lead") && len(args) == 3 {
		// lag(anycompatible, integer, anycompatible): value and default
		// share a type.
		t, err := b.commonType([]Expr{args[0], args[2]}, strings.ToUpper(name))
		if err != nil {
			names := make([]string, len(args))
			for i, a := range args {
				names[i] = a.Type().String()
			}
			return WindowCall{}, types.Errorf(types.CodeUndefinedFunction, "function %s(%s) does not exist", name, strings.Join(names, ", ")).
				WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
		}
		for _, i := range []int{0, 2} {
			if args[i], err = b.coerce(args[i], t); err != nil {
				return WindowCall{}, err
			}
		}
	}
	argTypes := make([]types.Type, len(args))
	for i, e := range args {
		argTypes[i] = e.Type()
	}
	fn, err := functions.ResolveWindowFunction(name, argTypes)
	if err != nil {
		return WindowCall{}, err
	}
	for i, e := range args {
		if args[i], err = b.coerce(e, fn.Args[i]); err != nil {
			return WindowCall{}, err
		}
		argTypes[i] = args[i].Type()
	}
	return WindowCall{Fn: fn, Args: args, Frame: frame, Typ: fn.ResultType(argTypes), Name: name}, nil
}

// collectWindowCalls finds the window function calls of a SELECT's fields
// and ORDER BY, outermost first (not in subqueries; calls nested in a
// call's arguments are the binder's error).
func collectWindowCalls(s *ast.SelectStmt) []*ast.WindowFuncExpr {
	v := &windowCollector{}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if s.OrderBy != nil {
		for _, item := range s.OrderBy.Items {
			item.Expr.Accept(v)
		}
	}
	return v.found
}

type windowCollector struct {
	found []*ast.WindowFuncExpr
}

func (v *windowCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.WindowFuncExpr:
		v.found = append(v.found, n)
		return n, true
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, false
}

func (v *windowCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
