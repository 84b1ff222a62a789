package planner

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// SubqueryKind is how a subquery is used in an expression.
type SubqueryKind uint8

// The subquery forms.
const (
	// ScalarSubquery yields its one row's one column, NULL for no rows,
	// and an error for more than one row.
	ScalarSubquery SubqueryKind = iota + 1
	// ExistsSubquery is true when the query yields a row.
	ExistsSubquery
	// InSubquery is Arg [NOT] IN (query), with SQL's NULL semantics.
	InSubquery
	// ArraySubquery is ARRAY(query): the first column of every row, as text[].
	ArraySubquery
)

// Subquery is a bounded query evaluated for each row of the enclosing
// query; OuterRef expressions inside Plan read that row. A subquery
// without OuterRefs is uncorrelated and evaluated once.
type Subquery struct {
	Plan       Node
	Kind       SubqueryKind
	Arg        Expr                // InSubquery: the left operand
	Eq         *functions.Overload // InSubquery: = between Arg and the query's column
	Not        bool
	Correlated bool
	Typ        types.Type
}

// OuterRef reads column Index of the enclosing query's current row.
type OuterRef struct {
	Index int
	Typ   types.Type
	Name  string
}

func (e *Subquery) Type() types.Type { return e.Typ }
func (e *OuterRef) Type() types.Type { return e.Typ }
func (e *OuterRef) String() string   { return "outer." + e.Name }

func (e *Subquery) String() string {
	switch e.Kind {
	case ExistsSubquery:
		if e.Not {
			return "NOT EXISTS (subquery)"
		}
		return "EXISTS (subquery)"
	case InSubquery:
		if e.Not {
			return e.Arg.String() + " NOT IN (subquery)"
		}
		return e.Arg.String() + " IN (subquery)"
	}
	if e.Kind == ArraySubquery {
		return "ARRAY(subquery)"
	}
	return "(subquery)"
}

// arraySubquery binds ARRAY(SELECT ...), which the front end writes as
// pg_array_subquery((SELECT ...)).
func (b *binder) arraySubquery(n *ast.FuncCallExpr, sc *scope) (Expr, error) {
	sub, ok := n.Args[0].(*ast.SubqueryExpr)
	if len(n.Args) != 1 || !ok {
		return nil, types.Errorf(types.CodeSyntaxError, "ARRAY( needs a subquery")
	}
	node, correlated, err := b.subquery(sub.Query, sc)
	if err != nil {
		return nil, err
	}
	if len(node.Schema()) != 1 {
		return nil, types.Errorf(types.CodeSyntaxError, "subquery must return only one column")
	}
	return &Subquery{Plan: node, Kind: ArraySubquery, Correlated: correlated, Typ: types.TextArray}, nil
}

// subquery binds a query nested in an expression. Its columns may refer to
// the enclosing query's columns (one level of nesting).
func (b *binder) subquery(q ast.ResultSetNode, sc *scope) (Node, bool, error) {
	if b.streaming {
		return nil, false, types.Errorf(types.CodeFeatureNotSupported, "subqueries are not supported in a stream")
	}
	if b.outer != nil {
		return nil, false, types.Errorf(types.CodeFeatureNotSupported, "subqueries nested in subqueries are not supported")
	}
	child := *b
	child.outer, child.agg, child.noveltyCols, child.setCols, child.correlated = sc, nil, nil, nil, false
	node, err := child.query(q)
	if err != nil {
		return nil, false, err
	}
	if child.correlated && b.agg != nil {
		return nil, false, types.Errorf(types.CodeFeatureNotSupported,
			"a subquery in a grouped query may not refer to the outer query's columns")
	}
	return node, child.correlated, nil
}

func (b *binder) scalarSubquery(n *ast.SubqueryExpr, sc *scope) (Expr, error) {
	node, correlated, err := b.subquery(n.Query, sc)
	if err != nil {
		return nil, err
	}
	cols := node.Schema()
	if len(cols) != 1 {
		return nil, types.Errorf(types.CodeSyntaxError, "subquery must return only one column")
	}
	return &Subquery{Plan: node, Kind: ScalarSubquery, Correlated: correlated, Typ: cols[0].Type}, nil
}

func (b *binder) existsSubquery(n *ast.ExistsSubqueryExpr, sc *scope) (Expr, error) {
	sub, ok := n.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "EXISTS needs a subquery")
	}
	node, correlated, err := b.subquery(sub.Query, sc)
	if err != nil {
		return nil, err
	}
	return &Subquery{Plan: node, Kind: ExistsSubquery, Not: n.Not, Correlated: correlated, Typ: types.Bool}, nil
}

func (b *binder) inSubquery(n *ast.PatternInExpr, sc *scope) (Expr, error) {
	sub, ok := n.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "IN needs a list or a subquery")
	}
	x, err := b.expr(n.Expr, sc)
	if err != nil {
		return nil, err
	}
	node, correlated, err := b.subquery(sub.Query, sc)
	if err != nil {
		return nil, err
	}
	cols := node.Schema()
	if len(cols) != 1 {
		return nil, types.Errorf(types.CodeSyntaxError, "subquery has too many columns")
	}
	eq, err := functions.Resolve("=", []types.Type{x.Type(), cols[0].Type})
	if err != nil {
		return nil, err
	}
	if x, err = b.coerce(x, eq.Args[0]); err != nil {
		return nil, err
	}
	if cols[0].Type != eq.Args[1] {
		col := &ColRef{Index: 0, Typ: cols[0].Type, Name: cols[0].Name}
		cast, err := b.coerce(col, eq.Args[1])
		if err != nil {
			return nil, err
		}
		node = &Project{Input: node, Exprs: []Expr{cast}, Cols: types.Schema{{Name: cols[0].Name, Type: eq.Args[1], Nullable: true}}}
	}
	return &Subquery{Plan: node, Kind: InSubquery, Arg: x, Eq: eq, Not: n.Not, Correlated: correlated, Typ: types.Bool}, nil
}
