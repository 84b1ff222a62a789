package planner

import (
	"slices"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// binder turns TiDB AST into bound plans and expressions for one statement.
type binder struct {
	cat Catalog
	// positions maps TiDB node offsets back to the script; nil when unknown.
	positions parser.Positions
	// text is the statement's text, for locating names TiDB gives no offset.
	text string
	// params are the types inferred for $1..$n so far (Unknown: not yet).
	params []types.Type
	// markers maps each parameter marker to its $n (0-based); see numberParams.
	markers map[*test_driver.ParamMarkerExpr]int
	// agg, while binding expressions above an aggregation, maps group-by
	// expressions and aggregate calls to the aggregation's output columns.
	agg *aggScope
	// streaming is set while binding a continuous query.
	streaming bool
	// noveltyContext names the context novelty functions use ("": none).
	noveltyContext string
	// allowedLateness keeps windows open past the watermark (µs).
	allowedLateness int64
	// noveltyCols maps the text of each novelty call to the column of the
	// Novelty node that computes it.
	noveltyCols map[string]*ColRef
	// setCols maps the text of the set-returning call of a SELECT list to
	// the column of the TableFunction that computes it.
	setCols map[string]*ColRef
	// outer is the enclosing query's scope while binding a subquery;
	// correlated is set when the subquery refers to it.
	outer      *scope
	correlated bool
	// win, while binding a SELECT's list and ORDER BY, maps its window
	// function calls to the columns computing them.
	win *windowScope
}

// niladicFuncs are SQL's functions called without parentheses, which
// TiDB reads as column names.
var niladicFuncs = map[string]bool{
	"session_user": true, "current_role": true, "current_catalog": true, "current_schema": true, "user": true,
}

// errAt attaches the position of node n to a user error that has none.
func (b *binder) errAt(err error, n ast.Node) error {
	e, ok := types.AsError(err)
	if !ok || e.Position != 0 || b.positions == nil || n == nil {
		return err
	}
	e.Position = b.positions(n.OriginTextPosition()) + 1
	return e
}

// errAtName attaches the position of the first whole-word occurrence of
// name in the statement text, for nodes TiDB records no offset for.
func (b *binder) errAtName(err error, name string) error {
	e, ok := types.AsError(err)
	if !ok || e.Position != 0 || b.positions == nil {
		return err
	}
	lower := strings.ToLower(b.text)
	for from := 0; ; {
		i := strings.Index(lower[from:], name)
		if i < 0 {
			return err
		}
		i += from
		end := i + len(name)
		if (i == 0 || !isWordByte(lower[i-1])) && (end == len(lower) || !isWordByte(lower[end])) {
			e.Position = b.positions(i) + 1
			return e
		}
		from = end
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// expr binds an expression over the columns of sc.
func (b *binder) expr(n ast.ExprNode, sc *scope) (Expr, error) {
	if b.agg != nil {
		if e, ok, err := b.agg.lookup(n); ok || err != nil {
			return e, b.errAt(err, n)
		}
	}
	e, err := b.exprInner(n, sc)
	if err != nil {
		return nil, b.errAt(err, n)
	}
	return e, nil
}

func (b *binder) exprInner(n ast.ExprNode, sc *scope) (Expr, error) {
	switch n := n.(type) {
	case *ast.ParenthesesExpr:
		return b.expr(n.Expr, sc)
	case *ast.ColumnNameExpr:
		if b.agg != nil {
			return nil, types.Errorf(types.CodeGroupingError,
				"column %s must appear in the GROUP BY clause or be used in an aggregate function",
				quoteName(columnText(n.Name)))
		}
		c, err := sc.resolve(n.Name.Table.O, n.Name.Name.O)
		if err != nil && b.outer != nil && (types.CodeOf(err) == types.CodeUndefinedColumn || types.CodeOf(err) == types.CodeUndefinedTable) {
			if oc, oerr := b.outer.resolve(n.Name.Table.O, n.Name.Name.O); oerr == nil {
				b.correlated = true
				return &OuterRef{Index: oc.Index, Typ: oc.Type, Name: oc.Name}, nil
			}
		}
		if err != nil {
			if n.Name.Table.O == "" && niladicFuncs[n.Name.Name.L] && types.CodeOf(err) == types.CodeUndefinedColumn {
				// SQL's parenthesis-less functions, when no column has the name.
				return b.call(n.Name.Name.L, nil)
			}
			return nil, err
		}
		return &ColRef{Index: c.Index, Typ: c.Type, Name: c.Name}, nil
	case *test_driver.ParamMarkerExpr:
		idx, ok := b.markers[n]
		if !ok {
			return nil, types.Errorf(types.CodeInternalError, "parameter marker outside the statement")
		}
		for len(b.params) <= idx {
			b.params = append(b.params, types.Unknown)
		}
		return &Param{Index: idx, Typ: b.params[idx]}, nil
	case *test_driver.ValueExpr:
		if v, ok := parser.BoolLiteral(n); ok {
			return &Const{Value: types.NewBool(v), Typ: types.Bool}, nil
		}
		return literal(n)
	case *ast.BinaryOperationExpr:
		return b.binary(n, sc)
	case *ast.UnaryOperationExpr:
		return b.unary(n, sc)
	case *ast.FuncCallExpr:
		return b.funcCall(n, sc)
	case *ast.AggregateFuncExpr:
		if b.streaming {
			return nil, types.Errorf(types.CodeFeatureNotSupported,
				"aggregate %s() in a stream needs a window: GROUP BY TUMBLE/HOP/SESSION", strings.ToLower(n.F))
		}
		return nil, types.Errorf(types.CodeGroupingError, "aggregate functions are not allowed here")
	case *ast.WindowFuncExpr:
		return b.windowRef(n)
	case *ast.IsNullExpr:
		arg, err := b.expr(n.Expr, sc)
		if err != nil {
			return nil, err
		}
		return &IsNull{Arg: arg, Not: n.Not}, nil
	case *ast.IsTruthExpr:
		arg, err := b.boolExpr(n.Expr, sc, "IS TRUE")
		if err != nil {
			return nil, err
		}
		return &IsBool{Arg: arg, Value: n.True != 0, Not: n.Not}, nil
	case *ast.BetweenExpr:
		return b.between(n, sc)
	case *ast.PatternInExpr:
		return b.in(n, sc)
	case *ast.PatternLikeOrIlikeExpr:
		return b.like(n, sc)
	case *ast.CaseExpr:
		return b.caseExpr(n, sc)
	case *ast.SubqueryExpr:
		return b.scalarSubquery(n, sc)
	case *ast.ExistsSubqueryExpr:
		return b.existsSubquery(n, sc)
	case *ast.CompareSubqueryExpr:
		return nil, types.Errorf(types.CodeFeatureNotSupported, "ANY/ALL with a subquery is not supported yet")
	}
	return nil, types.Errorf(types.CodeFeatureNotSupported, "expression %s is not supported", restore(n))
}

// literal binds a constant. String literals stay Unknown-typed until the
// context gives them a type, as in Postgres.
func literal(n *test_driver.ValueExpr) (Expr, error) {
	switch n.Kind() {
	case test_driver.KindNull:
		return &Const{Typ: types.Unknown}, nil
	case test_driver.KindInt64:
		v := n.GetInt64()
		if v >= -1<<31 && v < 1<<31 {
			return &Const{Value: types.NewIntOf(types.Int4, v), Typ: types.Int4}, nil
		}
		return &Const{Value: types.NewInt(v), Typ: types.Int8}, nil
	case test_driver.KindUint64:
		return &Const{Value: types.NewFloatOf(types.Numeric, float64(n.GetUint64())), Typ: types.Numeric}, nil
	case test_driver.KindFloat32, test_driver.KindFloat64:
		return &Const{Value: types.NewFloatOf(types.Numeric, n.GetFloat64()), Typ: types.Numeric}, nil
	case test_driver.KindMysqlDecimal:
		d, err := types.ParseText(types.Numeric, n.GetMysqlDecimal().String(), nil)
		if err != nil {
			return nil, err
		}
		return &Const{Value: d, Typ: types.Numeric}, nil
	case test_driver.KindString, test_driver.KindBytes:
		return &Const{Value: types.NewText(n.GetString()), Typ: types.Unknown}, nil
	}
	return nil, types.Errorf(types.CodeFeatureNotSupported, "literal %s is not supported", restore(n))
}

// isUnknownLiteral reports whether e is an untyped string literal or NULL.
func isUnknownLiteral(e Expr) bool {
	c, ok := e.(*Const)
	return ok && c.Typ == types.Unknown
}

// coerce converts e to type to with implicit-cast rules: untyped literals
// are parsed as the target type, parameters take it, and the casts
// functions.CanCoerce allows are inserted.
func (b *binder) coerce(e Expr, to types.Type) (Expr, error) {
	if e.Type() == to || to == types.Unknown {
		return e, nil
	}
	switch e := e.(type) {
	case *Const:
		if e.Typ == types.Unknown {
			if e.Value.IsNull() {
				return &Const{Typ: to}, nil
			}
			v, err := types.ParseText(to, e.Value.S, nil)
			if err != nil {
				return nil, err
			}
			return &Const{Value: v, Typ: to}, nil
		}
	case *Param:
		if e.Typ == types.Unknown {
			b.params[e.Index] = to
			return &Param{Index: e.Index, Typ: to}, nil
		}
	}
	if functions.CanCoerce(e.Type(), to) {
		return castOf(e, to)
	}
	return nil, types.Errorf(types.CodeDatatypeMismatch, "expression of type %s cannot be used as type %s", e.Type(), to)
}

// castOf casts e to type to; a constant is converted now, once, rather
// than for every row.
func castOf(e Expr, to types.Type) (Expr, error) {
	c, ok := e.(*Const)
	if !ok {
		return &Cast{Arg: e, To: to}, nil
	}
	v, err := functions.Cast(&functions.EvalContext{Location: time.UTC}, c.Value, to)
	if err != nil {
		return nil, err
	}
	return &Const{Value: v, Typ: to}, nil
}

// resolved returns e with an Unknown type replaced by text: the type
// Postgres gives a literal nothing else constrains.
func (b *binder) resolved(e Expr) (Expr, error) {
	if e.Type() != types.Unknown {
		return e, nil
	}
	return b.coerce(e, types.Text)
}

// call resolves the function or operator name over args and casts the
// arguments to the chosen overload's parameter types.
func (b *binder) call(name string, args []Expr) (Expr, error) {
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	fn, err := functions.Resolve(name, argTypes)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		pt := fn.Args[min(i, len(fn.Args)-1)]
		if args[i], err = b.coerce(a, pt); err != nil {
			return nil, err
		}
		argTypes[i] = args[i].Type()
	}
	return &Call{Fn: fn, Args: args, Typ: fn.ResultType(argTypes)}, nil
}

func (b *binder) exprs(ns []ast.ExprNode, sc *scope) ([]Expr, error) {
	out := make([]Expr, len(ns))
	for i, n := range ns {
		e, err := b.expr(n, sc)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

var binaryOperators = map[opcode.Op]string{
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%",
	opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.LE: "<=", opcode.GT: ">", opcode.GE: ">=",
	opcode.Or: "|", opcode.And: "&", opcode.Xor: "#", opcode.LeftShift: "<<", opcode.RightShift: ">>",
}

func (b *binder) binary(n *ast.BinaryOperationExpr, sc *scope) (Expr, error) {
	switch n.Op {
	case opcode.LogicAnd, opcode.LogicOr:
		l, err := b.boolExpr(n.L, sc, strings.ToUpper(n.Op.String()))
		if err != nil {
			return nil, err
		}
		r, err := b.boolExpr(n.R, sc, strings.ToUpper(n.Op.String()))
		if err != nil {
			return nil, err
		}
		if n.Op == opcode.LogicAnd {
			return &And{Args: []Expr{l, r}}, nil
		}
		return &Or{Args: []Expr{l, r}}, nil
	}
	name, ok := binaryOperators[n.Op]
	if !ok {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "operator %s is not supported", n.Op)
	}
	l, err := b.expr(n.L, sc)
	if err != nil {
		return nil, err
	}
	r, err := b.expr(n.R, sc)
	if err != nil {
		return nil, err
	}
	return b.call(name, []Expr{l, r})
}

func (b *binder) unary(n *ast.UnaryOperationExpr, sc *scope) (Expr, error) {
	switch n.Op {
	case opcode.Not, opcode.Not2:
		arg, err := b.boolExpr(n.V, sc, "NOT")
		if err != nil {
			return nil, err
		}
		return &Not{Arg: arg}, nil
	case opcode.Plus:
		return b.expr(n.V, sc)
	case opcode.Minus:
		arg, err := b.expr(n.V, sc)
		if err != nil {
			return nil, err
		}
		if c, ok := arg.(*Const); ok && c.Typ.IsNumeric() && !c.Value.IsNull() {
			v := c.Value
			v.I, v.F = -v.I, -v.F
			return &Const{Value: v, Typ: c.Typ}, nil
		}
		return b.call("unary -", []Expr{arg})
	}
	return nil, types.Errorf(types.CodeFeatureNotSupported, "operator %s is not supported", n.Op)
}

// boolExpr binds an expression that must be boolean (WHERE, AND, NOT ...).
func (b *binder) boolExpr(n ast.ExprNode, sc *scope, context string) (Expr, error) {
	e, err := b.expr(n, sc)
	if err != nil {
		return nil, err
	}
	if e.Type() == types.Unknown {
		e, err = b.coerce(e, types.Bool)
		return e, b.errAt(err, n)
	}
	if e.Type() != types.Bool {
		return nil, b.errAt(types.Errorf(types.CodeDatatypeMismatch,
			"argument of %s must be type boolean, not type %s", context, e.Type()), n)
	}
	return e, nil
}

func (b *binder) funcCall(n *ast.FuncCallExpr, sc *scope) (Expr, error) {
	name := strings.ToLower(n.FnName.O)
	switch name {
	case "pg_cast":
		return b.cast(n, sc)
	case "pg_interval":
		return b.constArg(n, types.Interval)
	case "pg_array_subquery":
		return b.arraySubquery(n, sc)
	case "pg_concat":
		// The front end's form of ||, kept apart from concat(), which
		// ignores NULLs where || yields NULL.
		name = "||"
	}
	if functions.IsAggregate(name) {
		return nil, types.Errorf(types.CodeGroupingError, "aggregate functions are not allowed here")
	}
	if isNoveltyFunc(name) {
		return b.noveltyRef(n)
	}
	if functions.IsTableFunc(name) {
		return b.setReturningRef(n)
	}
	args, err := b.exprs(n.Args, sc)
	if err != nil {
		return nil, err
	}
	return b.call(name, args)
}

// cast binds pg_cast(x, 'type'), the front end's form of x::type and CAST.
func (b *binder) cast(n *ast.FuncCallExpr, sc *scope) (Expr, error) {
	if len(n.Args) != 2 {
		return nil, types.Errorf(types.CodeSyntaxError, "malformed cast")
	}
	typeName, ok := stringLiteral(n.Args[1])
	if !ok {
		return nil, types.Errorf(types.CodeSyntaxError, "malformed cast")
	}
	to, ok := types.TypeByName(typeName)
	if !ok {
		return nil, types.Errorf(types.CodeUndefinedObject, "type %q does not exist", typeName)
	}
	arg, err := b.expr(n.Args[0], sc)
	if err != nil {
		return nil, err
	}
	if c, isConst := arg.(*Const); isConst && c.Typ == types.Unknown && !c.Value.IsNull() &&
		strings.TrimPrefix(strings.ToLower(typeName), "pg_catalog.") == "regclass" {
		return b.regclass(c.Value.S)
	}
	if c, ok := arg.(*Const); ok && c.Typ == types.Unknown {
		return b.coerce(arg, to)
	}
	if p, ok := arg.(*Param); ok && p.Typ == types.Unknown {
		return b.coerce(arg, to)
	}
	if arg.Type() == to {
		return arg, nil
	}
	return castOf(arg, to)
}

// constArg binds a front-end helper whose one argument is the text of a
// constant of type t (pg_interval('5 minutes')).
func (b *binder) constArg(n *ast.FuncCallExpr, t types.Type) (Expr, error) {
	if len(n.Args) != 1 {
		return nil, types.Errorf(types.CodeSyntaxError, "malformed %s literal", t)
	}
	v, ok := n.Args[0].(*test_driver.ValueExpr)
	if !ok {
		return nil, types.Errorf(types.CodeSyntaxError, "malformed %s literal", t)
	}
	d, err := types.ParseText(t, v.GetString(), nil)
	if err != nil {
		return nil, err
	}
	return &Const{Value: d, Typ: t}, nil
}

func stringLiteral(n ast.ExprNode) (string, bool) {
	v, ok := n.(*test_driver.ValueExpr)
	if !ok || v.Kind() != test_driver.KindString {
		return "", false
	}
	return v.GetString(), true
}

func (b *binder) between(n *ast.BetweenExpr, sc *scope) (Expr, error) {
	x, err := b.expr(n.Expr, sc)
	if err != nil {
		return nil, err
	}
	lo, err := b.expr(n.Left, sc)
	if err != nil {
		return nil, err
	}
	hi, err := b.expr(n.Right, sc)
	if err != nil {
		return nil, err
	}
	ge, err := b.call(">=", []Expr{x, lo})
	if err != nil {
		return nil, err
	}
	le, err := b.call("<=", []Expr{x, hi})
	if err != nil {
		return nil, err
	}
	var e Expr = &And{Args: []Expr{ge, le}}
	if n.Not {
		e = &Not{Arg: e}
	}
	return e, nil
}

func (b *binder) in(n *ast.PatternInExpr, sc *scope) (Expr, error) {
	if n.Sel != nil {
		return b.inSubquery(n, sc)
	}
	x, err := b.expr(n.Expr, sc)
	if err != nil {
		return nil, err
	}
	list, err := b.exprs(n.List, sc)
	if err != nil {
		return nil, err
	}
	// Resolve = once between the argument and the first typed element (or
	// text), then bring every element to that overload's right-hand type.
	probe := types.Text
	for _, e := range list {
		if e.Type() != types.Unknown {
			probe = e.Type()
			break
		}
	}
	if x.Type() != types.Unknown {
		probe = x.Type()
	}
	eq, err := functions.Resolve("=", []types.Type{x.Type(), probe})
	if err != nil {
		return nil, err
	}
	if x, err = b.coerce(x, eq.Args[0]); err != nil {
		return nil, err
	}
	for i, e := range list {
		if list[i], err = b.coerce(e, eq.Args[1]); err != nil {
			return nil, err
		}
	}
	return &In{Arg: x, List: list, Eq: eq, Not: n.Not}, nil
}

func (b *binder) like(n *ast.PatternLikeOrIlikeExpr, sc *scope) (Expr, error) {
	x, err := b.expr(n.Expr, sc)
	if err != nil {
		return nil, err
	}
	pat, err := b.expr(n.Pattern, sc)
	if err != nil {
		return nil, err
	}
	name := "like"
	if !n.IsLike {
		name = "ilike"
	}
	if n.Not {
		name = "not " + name
	}
	return b.call(name, []Expr{x, pat})
}

func (b *binder) caseExpr(n *ast.CaseExpr, sc *scope) (Expr, error) {
	var operand Expr
	if n.Value != nil {
		var err error
		if operand, err = b.expr(n.Value, sc); err != nil {
			return nil, err
		}
	}
	c := &Case{}
	results := make([]Expr, 0, len(n.WhenClauses)+1)
	for _, w := range n.WhenClauses {
		var cond Expr
		var err error
		if operand != nil {
			v, err := b.expr(w.Expr, sc)
			if err != nil {
				return nil, err
			}
			if cond, err = b.call("=", []Expr{operand, v}); err != nil {
				return nil, b.errAt(err, w.Expr)
			}
		} else if cond, err = b.boolExpr(w.Expr, sc, "CASE/WHEN"); err != nil {
			return nil, err
		}
		r, err := b.expr(w.Result, sc)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: cond, Result: r})
		results = append(results, r)
	}
	if n.ElseClause != nil {
		e, err := b.expr(n.ElseClause, sc)
		if err != nil {
			return nil, err
		}
		c.Else = e
		results = append(results, e)
	}
	typ, err := b.commonType(results, "CASE")
	if err != nil {
		return nil, err
	}
	c.Typ = typ
	for i := range c.Whens {
		if c.Whens[i].Result, err = b.coerce(c.Whens[i].Result, typ); err != nil {
			return nil, err
		}
	}
	if c.Else != nil {
		if c.Else, err = b.coerce(c.Else, typ); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// commonType picks the type a set of branches (CASE, UNION) resolve to, as
// Postgres does: the first non-unknown type that all others coerce to; all
// unknown resolves to text.
func (b *binder) commonType(es []Expr, context string) (types.Type, error) {
	typ := types.Unknown
	for _, e := range es {
		t := e.Type()
		switch {
		case t == types.Unknown || t == typ:
		case typ == types.Unknown:
			typ = t
		case functions.CanCoerce(typ, t):
			typ = t
		case functions.CanCoerce(t, typ):
		default:
			return 0, types.Errorf(types.CodeDatatypeMismatch, "%s types %s and %s cannot be matched", context, typ, t)
		}
	}
	if typ == types.Unknown {
		typ = types.Text
	}
	return typ, nil
}

// restore renders an AST node back to SQL text, for messages and for
// matching expressions structurally (GROUP BY).
func restore(n ast.Node) string {
	var sb strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return "?"
	}
	return sb.String()
}

func columnText(c *ast.ColumnName) string {
	if c.Table.O != "" {
		return c.Table.O + "." + c.Name.O
	}
	return c.Name.O
}

// numberParams maps the parameter markers of stmt to their $n. TiDB numbers
// markers only when preparing, so the i-th marker in text order is found
// here by offset and mapped through the front end's order (order[i] is the
// 0-based n of the i-th marker).
func (b *binder) numberParams(stmt ast.Node, order []int) {
	var found []*test_driver.ParamMarkerExpr
	stmt.Accept(&markerCollector{found: &found})
	slices.SortFunc(found, func(x, y *test_driver.ParamMarkerExpr) int { return x.Offset - y.Offset })
	b.markers = make(map[*test_driver.ParamMarkerExpr]int, len(found))
	for i, m := range found {
		n := i
		if i < len(order) {
			n = order[i]
		}
		b.markers[m] = n
		for len(b.params) <= n {
			b.params = append(b.params, types.Unknown)
		}
	}
}

type markerCollector struct {
	found *[]*test_driver.ParamMarkerExpr
}

func (v *markerCollector) Enter(n ast.Node) (ast.Node, bool) {
	if m, ok := n.(*test_driver.ParamMarkerExpr); ok {
		*v.found = append(*v.found, m)
	}
	return n, false
}

func (v *markerCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// regclass resolves 'name'::regclass, a relation name, to its OID.
func (b *binder) regclass(name string) (Expr, error) {
	schema, rel, qualified := strings.Cut(strings.ToLower(name), ".")
	if !qualified {
		schema, rel = "", schema
	}
	r, ok := b.lookupRelation(schema, rel)
	if !ok {
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", name)
	}
	return &Const{Value: types.NewInt(int64(r.PGOID())), Typ: types.Int8}, nil
}
