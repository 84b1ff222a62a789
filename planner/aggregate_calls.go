package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/functions"
)

// prepare readies a statement's syntax tree for binding: aggregate calls
// TiDB's grammar does not know as aggregates become aggregate nodes, and
// parameter markers are numbered (numberParams).
func (b *binder) prepare(stmt ast.Node, order []int) {
	stmt.Accept(aggregateCalls{})
	b.numberParams(stmt, order)
}

// aggregateCalls replaces calls of our aggregates that TiDB parses as plain
// function calls (string_agg, bool_and, ...) with aggregate nodes, so
// grouping treats them like count or sum. first_value and last_value
// without OVER arrive here as plain calls too (the parser quotes their
// names, which TiDB reserves for its window functions); with OVER they are
// window functions and are left alone.
type aggregateCalls struct{}

func (aggregateCalls) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (aggregateCalls) Leave(n ast.Node) (ast.Node, bool) {
	call, ok := n.(*ast.FuncCallExpr)
	if !ok || !functions.IsAggregate(call.FnName.L) {
		return n, true
	}
	agg := &ast.AggregateFuncExpr{F: strings.ToLower(call.FnName.O), Args: call.Args}
	agg.SetOriginTextPosition(call.OriginTextPosition())
	agg.SetText(nil, call.Text())
	return agg, true
}
