package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/types"
)

// The novelty functions (NOVELTY.md): novelty_score and novelty learn the
// observation; novelty_read scores it without learning.
const (
	fnNoveltyScore = "novelty_score"
	fnNovelty      = "novelty"
	fnNoveltyRead  = "novelty_read"
)

func isNoveltyFunc(name string) bool {
	return name == fnNoveltyScore || name == fnNovelty || name == fnNoveltyRead
}

// NoveltyCall is one distinct observation a query makes per row: calls of
// novelty_score and novelty with the same arguments share it.
type NoveltyCall struct {
	Args []Expr
	// Learn is set for observations (novelty_score, novelty), clear for
	// novelty_read.
	Learn bool
	// Score and Detail are the output columns (input width + i) receiving
	// the score (double precision) and the JSON result, or -1 when the
	// query does not use them.
	Score, Detail int
}

// Novelty scores every input row in the named context and appends the
// requested result columns to it.
type Novelty struct {
	Input   Node
	Context string
	Calls   []NoveltyCall
	Cols    types.Schema
}

func (n *Novelty) Schema() types.Schema { return n.Cols }
func (n *Novelty) Inputs() []Node       { return []Node{n.Input} }

// noveltyCalls plans the novelty calls of a SELECT's fields and WHERE: it
// appends a Novelty node over input and records, for each call's text, the
// column its result is in, so binding the call reads that column.
func (b *binder) noveltyCalls(input Node, sc *scope, s *ast.SelectStmt) (Node, *scope, error) {
	var found []*ast.FuncCallExpr
	v := &funcCollector{match: isNoveltyFunc, found: &found}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if s.Where != nil {
		s.Where.Accept(v)
	}
	if len(found) == 0 {
		return input, sc, nil
	}
	for _, call := range found {
		if name := strings.ToLower(call.FnName.O); name != fnNoveltyRead && !b.streaming {
			return nil, nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
				"%s() learns from every row, so it runs in a stream", name).
				WithHint("Use novelty_read() to score rows in a query without learning."), call)
		}
	}
	if b.noveltyContext == "" {
		return nil, nil, b.errAt(types.Errorf(types.CodeUndefinedObject, "no novelty context for %s()", strings.ToLower(found[0].FnName.O)).
			WithHint("Novelty functions run in a stream (the context is the stream's name or its novelty_context option); in a query, SET novelty_context = 'name' and use novelty_read()."), found[0])
	}
	node := &Novelty{Input: input, Context: b.noveltyContext, Cols: append(types.Schema(nil), input.Schema()...)}
	byKey := map[string]int{}
	b.noveltyCols = map[string]*ColRef{}
	for _, call := range found {
		name := strings.ToLower(call.FnName.O)
		learn := name != fnNoveltyRead
		if len(call.Args) == 0 {
			return nil, nil, b.errAt(types.Errorf(types.CodeUndefinedFunction, "%s() needs at least one component", name), call)
		}
		args, err := b.exprs(call.Args, sc)
		if err != nil {
			return nil, nil, err
		}
		for i := range args {
			if args[i], err = b.resolved(args[i]); err != nil {
				return nil, nil, err
			}
		}
		key := joinExprs(args, ", ")
		if !learn {
			key = "read:" + key
		}
		ci, ok := byKey[key]
		if !ok {
			ci = len(node.Calls)
			byKey[key] = ci
			node.Calls = append(node.Calls, NoveltyCall{Args: args, Learn: learn, Score: -1, Detail: -1})
		}
		nc := &node.Calls[ci]
		out := &nc.Detail
		colName, typ := name, types.JSON
		if name == fnNoveltyScore {
			out, typ = &nc.Score, types.Float8
		}
		if *out < 0 {
			*out = len(node.Cols)
			node.Cols = append(node.Cols, types.Column{Name: colName, Type: typ, Nullable: true})
		}
		b.noveltyCols[restore(call)] = &ColRef{Index: *out, Typ: typ, Name: colName}
	}
	// The result columns are not visible by name: only the calls read them.
	return node, sc, nil
}

// noveltyRef binds a novelty call to the column its planned observation fills.
func (b *binder) noveltyRef(n *ast.FuncCallExpr) (Expr, error) {
	ref, ok := b.noveltyCols[restore(n)]
	if !ok {
		return nil, types.Errorf(types.CodeFeatureNotSupported,
			"%s() is supported in the SELECT list and WHERE of a query", strings.ToLower(n.FnName.O))
	}
	return ref, nil
}

// funcCollector finds the calls of functions whose names match.
type funcCollector struct {
	match func(name string) bool
	found *[]*ast.FuncCallExpr
}

func (v *funcCollector) Enter(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok && v.match(strings.ToLower(f.FnName.O)) {
		*v.found = append(*v.found, f)
		return n, true
	}
	_, sub := n.(*ast.SubqueryExpr)
	return n, sub
}

func (v *funcCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
