package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// TableFunction runs a set-returning function once per input row and
// yields the input row followed by each row the function returns; an
// input row for which it returns no rows is dropped (Postgres' ProjectSet).
// As a FROM item its input is a single empty row.
type TableFunction struct {
	Input Node
	Func  *functions.TableFunc
	// Args are evaluated over the input row (and the enclosing query's row
	// in a subquery).
	Args []Expr
	// Cols are the input's columns followed by the function's.
	Cols types.Schema
}

func (n *TableFunction) Schema() types.Schema { return n.Cols }
func (n *TableFunction) Inputs() []Node       { return []Node{n.Input} }

// fromFunctionCall returns the call of a derived table the front end wrote
// for a FROM-item function (parser.FromFunction), and its column aliases.
func fromFunctionCall(s *ast.SelectStmt) (*ast.FuncCallExpr, []string, bool) {
	if s.From != nil || s.Where != nil || s.GroupBy != nil || len(s.Fields.Fields) != 1 {
		return nil, nil, false
	}
	marker, ok := s.Fields.Fields[0].Expr.(*ast.FuncCallExpr)
	if !ok || marker.FnName.L != parser.FromFunction || len(marker.Args) == 0 {
		return nil, nil, false
	}
	call, ok := marker.Args[0].(*ast.FuncCallExpr)
	if !ok {
		return nil, nil, false
	}
	var aliases []string
	for _, a := range marker.Args[1:] {
		name, ok := stringLiteral(a)
		if !ok {
			return nil, nil, false
		}
		aliases = append(aliases, name)
	}
	return call, aliases, true
}

// fromFunction binds a function called as a FROM item: a set-returning
// function's rows, or a scalar function's one row. Its arguments may read
// the enclosing query's row, not other FROM items.
func (b *binder) fromFunction(call *ast.FuncCallExpr, alias string, colAliases []string) (Node, *scope, error) {
	name := strings.ToLower(call.FnName.L)
	empty := &Values{Rows: [][]Expr{{}}}
	var node Node
	var cols types.Schema
	if functions.IsTableFunc(name) {
		fn, err := b.tableFunction(empty, call, &scope{})
		if err != nil {
			return nil, nil, err
		}
		node, cols = fn, fn.Cols
	} else {
		// A scalar function in FROM is a table of one row.
		e, err := b.expr(call, &scope{})
		if err != nil {
			return nil, nil, err
		}
		cols = types.Schema{{Name: name, Type: e.Type(), Nullable: true}}
		node = &Project{Input: empty, Exprs: []Expr{e}, Cols: cols}
	}
	if len(colAliases) > len(cols) {
		return nil, nil, b.errAt(types.Errorf(types.CodeSyntaxError,
			"table %q has %d columns available but %d columns specified", alias, len(cols), len(colAliases)), call)
	}
	switch {
	case len(colAliases) > 0:
		for i, c := range colAliases {
			cols[i].Name = c
		}
	case len(cols) == 1 && alias != "":
		// Postgres names a scalar function's column after the table alias.
		cols[0].Name = alias
	}
	if alias == "" {
		alias = name
	}
	return node, scopeOf(alias, cols, 0), nil
}

// tableFunction plans call over input, its arguments bound in sc.
func (b *binder) tableFunction(input Node, call *ast.FuncCallExpr, sc *scope) (*TableFunction, error) {
	args, err := b.exprs(call.Args, sc)
	if err != nil {
		return nil, err
	}
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	fn, err := functions.ResolveTableFunc(call.FnName.L, argTypes)
	if err != nil {
		return nil, b.errAt(err, call)
	}
	for i, a := range args {
		if args[i], err = b.coerce(a, fn.Args[i]); err != nil {
			return nil, err
		}
	}
	cols := append(append(types.Schema(nil), input.Schema()...), fn.Cols...)
	return &TableFunction{Input: input, Func: fn, Args: args, Cols: cols}, nil
}

// setReturningCalls plans the set-returning function called in a SELECT
// list, as Postgres' ProjectSet does: the rows of the input are repeated
// once per row the function returns, and binding the call reads that
// column. Only one distinct such call is supported.
func (b *binder) setReturningCalls(input Node, sc *scope, s *ast.SelectStmt) (Node, error) {
	var found []*ast.FuncCallExpr
	v := &funcCollector{match: functions.IsTableFunc, found: &found}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if len(found) == 0 {
		return input, nil
	}
	key := restore(found[0])
	for _, call := range found[1:] {
		if restore(call) != key {
			return nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
				"only one set-returning function call per SELECT list is supported"), call)
		}
	}
	node, err := b.tableFunction(input, found[0], sc)
	if err != nil {
		return nil, err
	}
	if len(node.Func.Cols) != 1 {
		return nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
			"%s() returns several columns: call it in FROM", node.Func.Name), found[0])
	}
	at := len(node.Cols) - 1
	b.setCols = map[string]*ColRef{key: {Index: at, Typ: node.Cols[at].Type, Name: node.Func.Name}}
	return node, nil
}

// setReturningRef binds a set-returning call to the column its planned
// function fills.
func (b *binder) setReturningRef(n *ast.FuncCallExpr) (Expr, error) {
	if ref, ok := b.setCols[restore(n)]; ok {
		return ref, nil
	}
	return nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
		"set-returning function %s() is supported in FROM and in the SELECT list of an ungrouped query",
		strings.ToLower(n.FnName.O)), n)
}
