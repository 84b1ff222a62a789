package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/types"
)

// windowFuncs are the window functions of GROUP BY; the front end turns
// SESSION( into session_window( because TiDB reserves SESSION.
var windowFuncs = map[string]WindowKind{"tumble": Tumble, "hop": Hop, "session_window": Session}

// window binds the GROUP BY of a continuous query: one window function
// plus ordinary grouping expressions.
func (b *binder) window(input Node, sc *scope, s *ast.SelectStmt, aggNodes []*ast.AggregateFuncExpr) (Node, error) {
	var win *ast.FuncCallExpr
	var items []ast.ExprNode
	if s.GroupBy != nil {
		for _, item := range s.GroupBy.Items {
			if f, ok := item.Expr.(*ast.FuncCallExpr); ok {
				if _, isWindow := windowFuncs[strings.ToLower(f.FnName.O)]; isWindow {
					if win != nil {
						return nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported, "GROUP BY may name only one window"), f)
					}
					win = f
					continue
				}
			}
			items = append(items, item.Expr)
		}
	}
	if win == nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported,
			"GROUP BY in a stream needs a window: GROUP BY TUMBLE(ts, size), HOP(ts, slide, size) or SESSION(ts, gap)")
	}
	kind := windowFuncs[strings.ToLower(win.FnName.O)]
	wantArgs := 2
	if kind == Hop {
		wantArgs = 3
	}
	if len(win.Args) != wantArgs {
		return nil, b.errAt(types.Errorf(types.CodeUndefinedFunction, "%s takes %d arguments", kind, wantArgs), win)
	}
	timeCol, err := b.windowTime(input, win.Args[0], sc)
	if err != nil {
		return nil, err
	}
	node := &WindowAggregate{Input: input, Kind: kind, TimeCol: timeCol, AllowedLateness: b.allowedLateness}
	sizes := make([]int64, wantArgs-1)
	for i := range sizes {
		if sizes[i], err = b.intervalMicros(win.Args[i+1], sc); err != nil {
			return nil, err
		}
	}
	switch kind {
	case Tumble:
		node.Size = sizes[0]
	case Hop:
		node.Slide, node.Size = sizes[0], sizes[1]
		if node.Size%node.Slide != 0 {
			return nil, b.errAt(types.Errorf(types.CodeInvalidParameterValue,
				"HOP size must be a multiple of its slide"), win)
		}
	case Session:
		node.Gap = sizes[0]
	}
	timeType := input.Schema()[timeCol].Type
	prefix := types.Schema{{Name: "window_start", Type: timeType}, {Name: "window_end", Type: timeType}}
	node.Groups, node.Aggs, node.Cols, err = b.grouping(sc, s.Fields.Fields, items, aggNodes, prefix)
	if err != nil {
		return nil, err
	}
	return node, nil
}

// windowTime binds a window's time argument: the event-time column of the
// input, whose watermark closes windows.
func (b *binder) windowTime(input Node, arg ast.ExprNode, sc *scope) (int, error) {
	e, err := b.expr(arg, sc)
	if err != nil {
		return 0, err
	}
	col, ok := e.(*ColRef)
	if !ok || col.Typ.Family() != types.FamilyTimestamp {
		return 0, b.errAt(types.Errorf(types.CodeDatatypeMismatch, "a window's first argument must be a timestamp column"), arg)
	}
	event := EventTimeColumn(input)
	switch {
	case event < 0:
		return 0, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
			"a window needs an input with a watermark, and %s has none", describeInputs(input)).
			WithHint("Declare the event time on the source: WATERMARK FOR %s AS %s - INTERVAL '5' SECOND.", col.Name, col.Name), arg)
	case event != col.Index:
		return 0, b.errAt(types.Errorf(types.CodeInvalidParameterValue,
			"window column %q is not the event-time column %q of its input", col.Name, input.Schema()[event].Name), arg)
	}
	return col.Index, nil
}

// intervalMicros binds a constant, positive interval argument.
func (b *binder) intervalMicros(arg ast.ExprNode, sc *scope) (int64, error) {
	e, err := b.expr(arg, sc)
	if err != nil {
		return 0, err
	}
	if e, err = b.coerce(e, types.Interval); err != nil {
		return 0, b.errAt(err, arg)
	}
	c, ok := e.(*Const)
	if !ok || c.Value.IsNull() || c.Value.IntervalMicros() <= 0 {
		return 0, b.errAt(types.Errorf(types.CodeInvalidParameterValue, "a window size must be a positive constant interval"), arg)
	}
	return c.Value.IntervalMicros(), nil
}

// describeInputs names the relations a plan reads, for messages.
func describeInputs(n Node) string {
	var names []string
	Walk(n, func(n Node) {
		if s, ok := n.(*Scan); ok {
			names = append(names, s.Rel.Kind.String()+" "+s.Rel.Name)
		}
	})
	return strings.Join(names, " and ")
}

// EventTimeColumn is the output column of n that carries event time (the
// column its watermarks bound), or -1 when its rows carry no watermark.
func EventTimeColumn(n Node) int {
	switch n := n.(type) {
	case *Scan:
		return n.Rel.EventTime
	case *Filter:
		return EventTimeColumn(n.Input)
	case *Limit:
		return EventTimeColumn(n.Input)
	case *Novelty:
		return EventTimeColumn(n.Input)
	case *Project:
		in := EventTimeColumn(n.Input)
		for i, e := range n.Exprs {
			if c, ok := e.(*ColRef); ok && in >= 0 && c.Index == in {
				return i
			}
		}
	case *UnionAll:
		col := EventTimeColumn(n.Branches[0])
		for _, br := range n.Branches[1:] {
			if EventTimeColumn(br) != col {
				return -1
			}
		}
		return col
	case *WindowAggregate:
		// Windows are emitted once the watermark passed their end.
		return 1
	case *HashJoin:
		// Enrichment joins keep the stream's columns first.
		return EventTimeColumn(n.Left)
	case *NestedLoopJoin:
		return EventTimeColumn(n.Left)
	case *IntervalJoin:
		// Output watermarks are the lower of both sides': left time bounds
		// it (right time is left time plus at least Lower).
		return n.LeftTime
	}
	return -1
}
