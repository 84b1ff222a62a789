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

// Options are the settings planning depends on beyond the statement.
type Options struct {
	// NoveltyContext names the context novelty functions read and learn:
	// the stream's (its name or novelty_context option), or the session's
	// novelty_context setting for queries.
	NoveltyContext string
	// AllowedLateness keeps a stream's windows open this long (µs) after
	// the watermark passes their end.
	AllowedLateness int64
}

// PlanQuery plans a bounded SELECT.
func PlanQuery(cat Catalog, q *parser.Query, opts Options) (*Plan, error) {
	b := &binder{cat: cat, positions: q.Positions, text: q.Text, params: make([]types.Type, q.Params),
		noveltyContext: opts.NoveltyContext}
	b.prepare(q.Stmt, q.ParamOrder)
	root, err := b.query(q.Stmt)
	if err != nil {
		return nil, err
	}
	return &Plan{Root: resolveUnknown(root), Params: b.params}, nil
}

// PlanContinuous plans the query of CREATE STREAM or SUBSCRIBE (SELECT ...):
// it reads its sources and streams live and must not need unbounded state.
// text is the text of the statement holding the query.
func PlanContinuous(cat Catalog, stmt ast.StmtNode, text string, positions parser.Positions, opts Options) (*Plan, error) {
	b := &binder{cat: cat, positions: positions, text: text, streaming: true,
		noveltyContext: opts.NoveltyContext, allowedLateness: opts.AllowedLateness}
	b.prepare(stmt, nil)
	root, err := b.query(stmt)
	if err != nil {
		return nil, err
	}
	return &Plan{Root: resolveUnknown(root)}, nil
}

// resolveUnknown gives output columns still of unknown type (untyped
// literals nothing constrained) the type text, as Postgres does.
func resolveUnknown(root Node) Node {
	cols := root.Schema()
	unknown := false
	for _, c := range cols {
		unknown = unknown || c.Type == types.Unknown
	}
	if !unknown {
		return root
	}
	out := make(types.Schema, len(cols))
	exprs := make([]Expr, len(cols))
	for i, c := range cols {
		exprs[i] = &ColRef{Index: i, Typ: c.Type, Name: c.Name}
		if c.Type == types.Unknown {
			c.Type = types.Text
			// Values of an unknown literal are already text (or NULL).
			exprs[i] = &ColRef{Index: i, Typ: types.Text, Name: c.Name}
		}
		out[i] = c
	}
	return &Project{Input: root, Exprs: exprs, Cols: out}
}

// BindExpr binds a constant expression, such as a column DEFAULT or the
// WATERMARK delay, over the columns of schema (nil: no columns).
func BindExpr(n ast.ExprNode, schema types.Schema, want types.Type) (Expr, error) {
	b := &binder{}
	b.prepare(n, nil)
	e, err := b.expr(n, scopeOf("", schema, 0))
	if err != nil {
		return nil, err
	}
	if want == types.Unknown {
		return b.resolved(e)
	}
	return b.coerceAssign(e, want, "")
}
