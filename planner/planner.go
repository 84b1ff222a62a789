package planner

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// Plan is a planned row-returning statement.
type Plan struct {
	Root Node
	// Params are the types of $1..$n as inferred from their use (Unknown
	// where nothing constrains a parameter).
	Params []types.Type
}

// Columns is the plan's output schema.
func (p *Plan) Columns() types.Schema { return p.Root.Schema() }

// PlanQuery plans a bounded SELECT.
func PlanQuery(cat Catalog, q *parser.Query) (*Plan, error) {
	b := &binder{cat: cat, positions: q.Positions, text: q.Text, paramOrder: q.ParamOrder, params: make([]types.Type, q.Params)}
	root, err := b.query(q.Stmt)
	if err != nil {
		return nil, err
	}
	return &Plan{Root: root, Params: b.params}, nil
}

// PlanContinuous plans the query of CREATE STREAM or SUBSCRIBE (SELECT ...):
// it reads its sources and streams live and must not need unbounded state.
// text is the text of the statement holding the query.
func PlanContinuous(cat Catalog, stmt ast.StmtNode, text string, positions parser.Positions) (*Plan, error) {
	b := &binder{cat: cat, positions: positions, text: text, streaming: true}
	root, err := b.query(stmt)
	if err != nil {
		return nil, err
	}
	return &Plan{Root: root}, nil
}

// BindExpr binds a constant expression, such as a column DEFAULT or the
// WATERMARK delay, over the columns of schema (nil: no columns).
func BindExpr(n ast.ExprNode, schema types.Schema, want types.Type) (Expr, error) {
	b := &binder{}
	e, err := b.expr(n, scopeOf("", schema, 0))
	if err != nil {
		return nil, err
	}
	if want == types.Unknown {
		return b.resolved(e)
	}
	return b.coerceAssign(e, want, "")
}
