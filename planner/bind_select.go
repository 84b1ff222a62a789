package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// query binds a SELECT or a set operation.
func (b *binder) query(n ast.Node) (Node, error) {
	switch n := n.(type) {
	case *ast.SelectStmt:
		return b.selectStmt(n)
	case *ast.SetOprStmt:
		return b.setOpr(n)
	}
	return nil, types.Errorf(types.CodeFeatureNotSupported, "statement %T is not a query", n)
}

func (b *binder) selectStmt(s *ast.SelectStmt) (Node, error) {
	if s.With != nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "WITH queries are not supported yet")
	}
	if s.Kind != ast.SelectStmtKindSelect {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "only SELECT queries are supported here")
	}
	// Aggregation scope is per SELECT: a subquery or UNION branch has its own.
	outer, outerWin := b.agg, b.win
	b.agg, b.win = nil, nil
	defer func() { b.agg, b.win = outer, outerWin }()
	var input Node
	var sc *scope
	if s.From == nil {
		input, sc = &Values{Rows: [][]Expr{{}}}, &scope{}
	} else {
		var err error
		if input, sc, err = b.from(s.From.TableRefs); err != nil {
			return nil, err
		}
	}
	if b.streaming && !isLive(input) {
		return nil, types.Errorf(types.CodeFeatureNotSupported,
			"a stream reads a source or another stream; a table can only be joined to one")
	}
	input, sc, err := b.noveltyCalls(input, sc, s)
	if err != nil {
		return nil, err
	}
	if s.Where != nil {
		pred, err := b.boolExpr(s.Where, sc, "WHERE")
		if err != nil {
			return nil, err
		}
		input = &Filter{Input: input, Pred: pred}
	}
	fields := s.Fields.Fields
	aggs := collectAggregates(s)
	grouped := s.GroupBy != nil || len(aggs) > 0 || s.Having != nil
	if grouped {
		if b.streaming {
			input, err = b.window(input, sc, s, aggs)
		} else {
			input, err = b.aggregate(input, sc, s, aggs)
		}
		if err != nil {
			return nil, err
		}
	}
	if s.Having != nil {
		pred, err := b.boolExpr(s.Having.Expr, sc, "HAVING")
		if err != nil {
			return nil, err
		}
		input = &Filter{Input: input, Pred: pred}
	}
	if input, err = b.windowFunctions(input, sc, s); err != nil {
		return nil, err
	}
	// Set-returning functions run after window functions, as in Postgres.
	if !grouped {
		outerSet := b.setCols
		defer func() { b.setCols = outerSet }()
		if input, err = b.setReturningCalls(input, sc, s); err != nil {
			return nil, err
		}
	}
	var exprs []Expr
	var cols types.Schema
	exprs, cols, err = b.selectList(fields, sc)
	if err != nil {
		return nil, err
	}
	visible := len(exprs)
	var keys []SortKey
	if s.OrderBy != nil {
		if b.streaming {
			return nil, types.Errorf(types.CodeFeatureNotSupported, "ORDER BY is not supported in a stream")
		}
		if keys, exprs, cols, err = b.orderBy(s.OrderBy, fields, exprs, cols, sc); err != nil {
			return nil, err
		}
	}
	var out Node = &Project{Input: input, Exprs: exprs, Cols: cols}
	if s.Distinct {
		if b.streaming {
			return nil, types.Errorf(types.CodeFeatureNotSupported, "SELECT DISTINCT is not supported in a stream")
		}
		if len(exprs) > visible {
			return nil, types.Errorf(types.CodeInvalidColumnReference,
				"for SELECT DISTINCT, ORDER BY expressions must appear in select list")
		}
		out = distinct(out)
	}
	if len(keys) > 0 {
		out = &Sort{Input: out, Keys: keys}
	}
	if len(exprs) > visible {
		out = projectPrefix(out, visible)
	}
	return b.limit(out, s.Limit)
}

// from binds a FROM clause: table references and joins.
func (b *binder) from(j *ast.Join) (Node, *scope, error) {
	left, lsc, err := b.tableRef(j.Left)
	if err != nil {
		return nil, nil, err
	}
	if j.Right == nil {
		return left, lsc, nil
	}
	right, rsc, err := b.tableRef(j.Right)
	if err != nil {
		return nil, nil, err
	}
	streams := b.streaming && isLive(left) && isLive(right)
	if b.streaming && !isLive(left) {
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported,
			"a stream joins a source or stream (left) with a table or another stream (right)")
	}
	width := len(left.Schema())
	for i := range rsc.cols {
		rsc.cols[i].Index += width
	}
	sc := lsc.concat(rsc)
	kind := InnerJoin
	switch j.Tp {
	case ast.LeftJoin:
		kind = LeftJoin
	case ast.RightJoin:
		kind = RightJoin
	}
	if j.NaturalJoin {
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "NATURAL JOIN is not supported")
	}
	switch {
	case streams && kind == RightJoin:
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "a RIGHT JOIN of two streams is not supported").
			WithHint("Write it as a LEFT JOIN with the two streams swapped.")
	case streams && kind != InnerJoin && kind != LeftJoin:
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "a join of two streams must be an inner or a LEFT join")
	case b.streaming && kind != InnerJoin && kind != LeftJoin:
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "a stream supports INNER and LEFT joins with a table")
	}
	var on Expr
	switch {
	case j.On != nil:
		if on, err = b.boolExpr(j.On.Expr, sc, "JOIN/ON"); err != nil {
			return nil, nil, err
		}
		correlated := false
		VisitExpr(on, func(e Expr) {
			if s, ok := e.(*Subquery); ok && s.Correlated {
				correlated = true
			}
		})
		if correlated {
			return nil, nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
				"a subquery in JOIN ... ON may not refer to the joined tables"), j.On.Expr)
		}
	case len(j.Using) > 0:
		if on, err = b.using(j.Using, lsc, rsc); err != nil {
			return nil, nil, err
		}
	case kind == InnerJoin:
		kind = CrossJoin
	}
	if streams {
		node, err := b.intervalJoin(left, right, kind, on)
		if err != nil {
			if j.On != nil {
				err = b.errAt(err, j.On.Expr)
			}
			return nil, nil, err
		}
		return node, sc, nil
	}
	return planJoin(left, right, kind, on), sc, nil
}

// using binds JOIN ... USING (a, b) as a.x = b.x AND ...
func (b *binder) using(cols []*ast.ColumnName, lsc, rsc *scope) (Expr, error) {
	var conj []Expr
	for _, c := range cols {
		l, err := lsc.resolve("", c.Name.O)
		if err != nil {
			return nil, err
		}
		r, err := rsc.resolve("", c.Name.O)
		if err != nil {
			return nil, err
		}
		eq, err := b.call("=", []Expr{
			&ColRef{Index: l.Index, Typ: l.Type, Name: l.Name},
			&ColRef{Index: r.Index, Typ: r.Type, Name: r.Name},
		})
		if err != nil {
			return nil, err
		}
		conj = append(conj, eq)
	}
	if len(conj) == 1 {
		return conj[0], nil
	}
	return &And{Args: conj}, nil
}

// tableRef binds one FROM item: a relation, a subquery or a nested join.
func (b *binder) tableRef(n ast.ResultSetNode) (Node, *scope, error) {
	switch n := n.(type) {
	case *ast.Join:
		return b.from(n)
	case *ast.TableSource:
		alias := n.AsName.O
		if joinWords[n.AsName.L] {
			// TiDB reads "t FULL JOIN u" as t aliased "full": never misread it.
			return nil, nil, b.errAtName(types.Errorf(types.CodeFeatureNotSupported,
				"%s JOIN is not supported", strings.ToUpper(n.AsName.L)), n.AsName.L)
		}
		switch src := n.Source.(type) {
		case *ast.TableName:
			node, err := b.relation(src)
			if err != nil {
				return nil, nil, b.errAtName(err, src.Name.L)
			}
			if alias == "" {
				alias = src.Name.O
			}
			node.Alias = alias
			return node, scopeOf(alias, node.Schema(), 0), nil
		case *ast.SelectStmt, *ast.SetOprStmt:
			if sel, ok := src.(*ast.SelectStmt); ok {
				if call, cols, ok := fromFunctionCall(sel); ok {
					return b.fromFunction(call, alias, cols)
				}
			}
			node, err := b.query(src)
			if err != nil {
				return nil, nil, err
			}
			return node, scopeOf(alias, node.Schema(), 0), nil
		}
	}
	return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "FROM item %T is not supported", n)
}

// lookupRelation resolves a possibly schema-qualified name: user objects
// live in public; pg_catalog and information_schema are virtual, and
// pg_catalog is searched for unqualified names too, as in Postgres.
func (b *binder) lookupRelation(schema, name string) (*Relation, bool) {
	switch schema {
	case "", "public":
		if rel, ok := b.cat.Relation(name); ok {
			return rel, true
		}
		if schema == "" {
			return b.cat.Relation("pg_catalog." + name)
		}
		return nil, false
	case "pg_catalog", "information_schema":
		return b.cat.Relation(schema + "." + name)
	}
	return nil, false
}

// isLive reports whether a plan reads a source or stream live.
func isLive(n Node) bool {
	live := false
	Walk(n, func(n Node) {
		if s, ok := n.(*Scan); ok && s.Mode == ScanLive {
			live = true
		}
	})
	return live
}

// joinWords are join keywords that TiDB accepts as table aliases.
var joinWords = map[string]bool{"full": true, "natural": true, "cross": true, "outer": true, "lateral": true}

// relation binds a relation name to a scan in the mode the statement needs.
func (b *binder) relation(t *ast.TableName) (*Scan, error) {
	rel, ok := b.lookupRelation(t.Schema.L, t.Name.O)
	if !ok {
		if t.Schema.O != "" {
			return nil, types.Errorf(types.CodeUndefinedTable, "relation \"%s.%s\" does not exist", t.Schema.O, t.Name.O)
		}
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", t.Name.O)
	}
	mode := ScanRetained
	switch {
	case rel.Virtual && b.streaming:
		return nil, types.Errorf(types.CodeFeatureNotSupported, "%s can only be read by a query", rel.Name)
	case rel.Kind == parser.KindTable:
		mode = ScanTable
	case b.streaming:
		mode = ScanLive
	}
	return &Scan{Rel: rel, Mode: mode}, nil
}

// selectList binds the SELECT fields, expanding * and t.*.
func (b *binder) selectList(fields []*ast.SelectField, sc *scope) ([]Expr, types.Schema, error) {
	var exprs []Expr
	var cols types.Schema
	for _, f := range fields {
		if f.WildCard != nil {
			found := false
			for _, c := range sc.cols {
				if f.WildCard.Table.O != "" && c.Qualifier != f.WildCard.Table.O {
					continue
				}
				found = true
				e, err := b.wildcardColumn(c)
				if err != nil {
					return nil, nil, err
				}
				exprs = append(exprs, e)
				cols = append(cols, types.Column{Name: c.Name, Type: c.Type, Nullable: true})
			}
			if !found && f.WildCard.Table.O != "" {
				return nil, nil, types.Errorf(types.CodeUndefinedTable,
					"missing FROM-clause entry for table %q", f.WildCard.Table.O)
			}
			if !found && len(sc.cols) == 0 {
				return nil, nil, types.Errorf(types.CodeSyntaxError, "SELECT * with no tables specified is not valid")
			}
			continue
		}
		// An untyped literal stays unknown here: UNION and INSERT ... SELECT
		// give it its type; Plan resolves what is left to text.
		e, err := b.expr(f.Expr, sc)
		if err != nil {
			return nil, nil, err
		}
		name := f.AsName.O
		if name == "" {
			name = columnName(f.Expr)
		}
		exprs = append(exprs, e)
		cols = append(cols, types.Column{Name: name, Type: e.Type(), Nullable: true})
	}
	return exprs, cols, nil
}

// wildcardColumn binds one column of a * expansion; above an aggregation
// it must be a grouping column.
func (b *binder) wildcardColumn(c scopeColumn) (Expr, error) {
	ref := &ColRef{Index: c.Index, Typ: c.Type, Name: c.Name}
	if b.agg == nil {
		return ref, nil
	}
	if e, ok := b.agg.groupColumn(c.Index); ok {
		return e, nil
	}
	return nil, types.Errorf(types.CodeGroupingError,
		"column %s must appear in the GROUP BY clause or be used in an aggregate function", quoteName(c.Name))
}

// orderBy binds ORDER BY items: an output column by name or position, or
// an expression over the input added as a hidden output column.
func (b *binder) orderBy(ob *ast.OrderByClause, fields []*ast.SelectField, exprs []Expr, cols types.Schema, sc *scope) ([]SortKey, []Expr, types.Schema, error) {
	keys := make([]SortKey, 0, len(ob.Items))
	for _, item := range ob.Items {
		idx := -1
		switch e := item.Expr.(type) {
		case *ast.PositionExpr:
			if e.N < 1 || e.N > len(cols) {
				return nil, nil, nil, b.errAt(types.Errorf(types.CodeInvalidColumnReference,
					"ORDER BY position %d is not in select list", e.N), e)
			}
			idx = e.N - 1
		case *ast.ColumnNameExpr:
			if e.Name.Table.O == "" {
				var err error
				if idx, err = outputIndex(cols, e.Name.Name.O); err != nil {
					return nil, nil, nil, b.errAt(err, e)
				}
			}
		}
		if idx < 0 {
			e, err := b.expr(item.Expr, sc)
			if err != nil {
				return nil, nil, nil, err
			}
			idx = len(exprs)
			exprs = append(exprs, e)
			cols = append(cols, types.Column{Name: columnName(item.Expr), Type: e.Type(), Nullable: true})
		}
		// Postgres puts NULLs last ascending and first descending.
		keys = append(keys, SortKey{Index: idx, Desc: item.Desc, NullsFirst: item.Desc})
	}
	return keys, exprs, cols, nil
}

// outputIndex finds the output column named name, as Postgres resolves an
// ORDER BY name: output names first. It returns -1 when none matches.
func outputIndex(cols types.Schema, name string) (int, error) {
	idx := -1
	for i, c := range cols {
		if c.Name != name {
			continue
		}
		if idx >= 0 {
			return 0, types.Errorf(types.CodeAmbiguousColumn, "ORDER BY %q is ambiguous", name)
		}
		idx = i
	}
	return idx, nil
}

func (b *binder) limit(n Node, l *ast.Limit) (Node, error) {
	if l == nil {
		return n, nil
	}
	if b.streaming {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "LIMIT is not supported in a stream; use it in SUBSCRIBE")
	}
	out := &Limit{Input: n, Count: -1}
	var err error
	if l.Count != nil {
		if out.Count, err = b.constInt(l.Count, "LIMIT"); err != nil {
			return nil, err
		}
	}
	if l.Offset != nil {
		if out.Offset, err = b.constInt(l.Offset, "OFFSET"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *binder) constInt(n ast.ExprNode, clause string) (int64, error) {
	if v, ok := n.(*test_driver.ValueExpr); ok && (v.Kind() == test_driver.KindInt64 || v.Kind() == test_driver.KindUint64) {
		if v.GetInt64() < 0 {
			return 0, b.errAt(types.Errorf(types.CodeInvalidRowCountInLimit, "%s must not be negative", clause), n)
		}
		return v.GetInt64(), nil
	}
	return 0, b.errAt(types.Errorf(types.CodeFeatureNotSupported, "%s must be an integer constant", clause), n)
}

// setOpr binds UNION [ALL] chains.
func (b *binder) setOpr(s *ast.SetOprStmt) (Node, error) {
	if s.With != nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "WITH queries are not supported yet")
	}
	var branches []Node
	dedup := false
	for i, sel := range s.SelectList.Selects {
		var op *ast.SetOprType
		var node Node
		var err error
		switch sel := sel.(type) {
		case *ast.SelectStmt:
			op = sel.AfterSetOperator
			node, err = b.selectStmt(sel)
		case *ast.SetOprSelectList:
			op = sel.AfterSetOperator
			node, err = b.setOpr(&ast.SetOprStmt{SelectList: sel})
		default:
			err = types.Errorf(types.CodeFeatureNotSupported, "set operation over %T is not supported", sel)
		}
		if err != nil {
			return nil, err
		}
		if i > 0 && op != nil {
			switch *op {
			case ast.UnionAll:
			case ast.Union:
				dedup = true
			default:
				return nil, types.Errorf(types.CodeFeatureNotSupported, "only UNION and UNION ALL are supported")
			}
		}
		branches = append(branches, node)
	}
	out, err := b.unionAll(branches)
	if err != nil {
		return nil, err
	}
	if dedup {
		if b.streaming {
			return nil, types.Errorf(types.CodeFeatureNotSupported, "UNION without ALL is not supported in a stream")
		}
		out = distinct(out)
	}
	if s.OrderBy != nil {
		if b.streaming {
			return nil, types.Errorf(types.CodeFeatureNotSupported, "ORDER BY is not supported in a stream")
		}
		var keys []SortKey
		cols := out.Schema()
		for _, item := range s.OrderBy.Items {
			idx := -1
			if c, ok := item.Expr.(*ast.ColumnNameExpr); ok {
				idx = cols.Index(c.Name.Name.O)
			} else if p, ok := item.Expr.(*ast.PositionExpr); ok {
				idx = p.N - 1
			}
			if idx < 0 || idx >= len(cols) {
				return nil, b.errAt(types.Errorf(types.CodeFeatureNotSupported,
					"ORDER BY on a UNION must name an output column"), item.Expr)
			}
			keys = append(keys, SortKey{Index: idx, Desc: item.Desc, NullsFirst: item.Desc})
		}
		out = &Sort{Input: out, Keys: keys}
	}
	return b.limit(out, s.Limit)
}

// unionAll checks that branches have the same width and brings every
// column to the branches' common type.
func (b *binder) unionAll(branches []Node) (Node, error) {
	width := len(branches[0].Schema())
	for _, br := range branches[1:] {
		if len(br.Schema()) != width {
			return nil, types.Errorf(types.CodeSyntaxError, "each UNION query must have the same number of columns")
		}
	}
	target := make(types.Schema, width)
	copy(target, branches[0].Schema())
	for i := range target {
		col := make([]Expr, len(branches))
		for j, br := range branches {
			col[j] = &ColRef{Index: i, Typ: br.Schema()[i].Type}
		}
		t, err := b.commonType(col, "UNION")
		if err != nil {
			return nil, err
		}
		target[i].Type = t
	}
	for j, br := range branches {
		schema := br.Schema()
		same := true
		exprs := make([]Expr, width)
		for i, c := range schema {
			var e Expr = &ColRef{Index: i, Typ: c.Type, Name: c.Name}
			if c.Type != target[i].Type {
				same = false
				var err error
				if e, err = b.coerce(e, target[i].Type); err != nil {
					return nil, err
				}
			}
			exprs[i] = e
		}
		if !same {
			branches[j] = &Project{Input: br, Exprs: exprs, Cols: target}
		}
	}
	if len(branches) == 1 {
		return branches[0], nil
	}
	return &UnionAll{Branches: branches}, nil
}

// distinct removes duplicate rows: an aggregation grouping by every column.
func distinct(n Node) Node {
	cols := n.Schema()
	groups := make([]Expr, len(cols))
	for i, c := range cols {
		groups[i] = &ColRef{Index: i, Typ: c.Type, Name: c.Name}
	}
	return &Aggregate{Input: n, Groups: groups, Cols: cols}
}

// projectPrefix keeps the first n columns of node's output.
func projectPrefix(node Node, n int) Node {
	cols := node.Schema()[:n]
	exprs := make([]Expr, n)
	for i, c := range cols {
		exprs[i] = &ColRef{Index: i, Typ: c.Type, Name: c.Name}
	}
	return &Project{Input: node, Exprs: exprs, Cols: cols}
}

// columnName is the output name Postgres gives an unaliased expression.
func columnName(n ast.ExprNode) string {
	switch n := n.(type) {
	case *ast.ColumnNameExpr:
		return n.Name.Name.O
	case *ast.ParenthesesExpr:
		return columnName(n.Expr)
	case *ast.FuncCallExpr:
		name := strings.ToLower(n.FnName.O)
		switch name {
		case "pg_cast":
			if inner := columnName(n.Args[0]); inner != "?column?" {
				return inner
			}
			if t, ok := stringLiteral(n.Args[1]); ok {
				if typ, ok := types.TypeByName(t); ok {
					return shortTypeName(typ)
				}
			}
			return "?column?"
		case "pg_interval":
			return "interval"
		case "pg_array_subquery":
			return "array"
		case "pg_json_get", "pg_json_get_text", "pg_regex_match", "pg_regex_imatch", "pg_concat", "pg_any_eq":
			return "?column?"
		case "current_timestamp":
			return "current_timestamp"
		}
		return name
	case *ast.AggregateFuncExpr:
		return strings.ToLower(n.F)
	case *ast.WindowFuncExpr:
		return strings.ToLower(n.Name)
	case *ast.CaseExpr:
		return "case"
	}
	return "?column?"
}

// shortTypeName is the name Postgres uses for a cast's output column.
func shortTypeName(t types.Type) string {
	switch t {
	case types.Bool:
		return "bool"
	case types.Int2:
		return "int2"
	case types.Int4:
		return "int4"
	case types.Int8:
		return "int8"
	case types.Float4:
		return "float4"
	case types.Float8:
		return "float8"
	case types.Varchar:
		return "varchar"
	case types.Timestamp:
		return "timestamp"
	case types.TimestampTZ:
		return "timestamptz"
	}
	return t.String()
}

// planJoin chooses the physical join: a hash join on the equality
// conjuncts of ON that compare a left expression with a right one, the
// rest as a residual; a nested-loop join otherwise. A right join becomes a
// left join with swapped inputs and a projection restoring column order.
func planJoin(left, right Node, kind JoinKind, on Expr) Node {
	if kind == RightJoin {
		lw, rw := len(left.Schema()), len(right.Schema())
		swapped := remapColumns(on, func(i int) int {
			if i < lw {
				return i + rw
			}
			return i - lw
		})
		inner := planJoin(right, left, LeftJoin, swapped)
		schema := inner.Schema()
		exprs := make([]Expr, 0, lw+rw)
		cols := make(types.Schema, 0, lw+rw)
		for i := rw; i < rw+lw; i++ {
			exprs = append(exprs, &ColRef{Index: i, Typ: schema[i].Type, Name: schema[i].Name})
			cols = append(cols, schema[i])
		}
		for i := 0; i < rw; i++ {
			exprs = append(exprs, &ColRef{Index: i, Typ: schema[i].Type, Name: schema[i].Name})
			cols = append(cols, schema[i])
		}
		return &Project{Input: inner, Exprs: exprs, Cols: cols}
	}
	if on == nil {
		return &NestedLoopJoin{Left: left, Right: right, Kind: kind}
	}
	lw := len(left.Schema())
	var lkeys, rkeys, rest []Expr
	for _, c := range conjuncts(on) {
		call, ok := c.(*Call)
		if ok && call.Fn.Name == "=" {
			l, r := call.Args[0], call.Args[1]
			ls, rs := sideOf(l, lw), sideOf(r, lw)
			if ls == sideRight && rs == sideLeft {
				l, r, ls, rs = r, l, rs, ls
			}
			if ls == sideLeft && rs == sideRight {
				lkeys = append(lkeys, l)
				rkeys = append(rkeys, remapColumns(r, func(i int) int { return i - lw }))
				continue
			}
		}
		rest = append(rest, c)
	}
	if len(lkeys) == 0 {
		return &NestedLoopJoin{Left: left, Right: right, Kind: kind, On: on}
	}
	var residual Expr
	switch len(rest) {
	case 0:
	case 1:
		residual = rest[0]
	default:
		residual = &And{Args: rest}
	}
	return &HashJoin{Left: left, Right: right, Kind: kind, LeftKeys: lkeys, RightKeys: rkeys, Residual: residual}
}

func conjuncts(e Expr) []Expr {
	if a, ok := e.(*And); ok {
		var out []Expr
		for _, arg := range a.Args {
			out = append(out, conjuncts(arg)...)
		}
		return out
	}
	return []Expr{e}
}

type side uint8

const (
	sideNone side = iota
	sideLeft
	sideRight
	sideBoth
)

// sideOf tells which join input the columns of e come from.
func sideOf(e Expr, leftWidth int) side {
	s := sideNone
	VisitExpr(e, func(e Expr) {
		if c, ok := e.(*ColRef); ok {
			cs := sideLeft
			if c.Index >= leftWidth {
				cs = sideRight
			}
			if s == sideNone {
				s = cs
			} else if s != cs {
				s = sideBoth
			}
		}
	})
	return s
}

// aggregate builds the Aggregate node for a grouped SELECT and sets b.agg
// so the expressions above it read its output.
func (b *binder) aggregate(input Node, sc *scope, s *ast.SelectStmt, aggNodes []*ast.AggregateFuncExpr) (Node, error) {
	var items []ast.ExprNode
	if s.GroupBy != nil {
		for _, item := range s.GroupBy.Items {
			items = append(items, item.Expr)
		}
	}
	groups, aggs, cols, err := b.grouping(sc, s.Fields.Fields, items, aggNodes, nil)
	if err != nil {
		return nil, err
	}
	return &Aggregate{Input: input, Groups: groups, Aggs: aggs, Cols: cols}, nil
}

// grouping binds the grouping expressions and aggregate calls of a grouped
// SELECT over sc. The output columns are prefix (window_start and
// window_end for windows), the groups, then the aggregates; b.agg is set
// so expressions above the grouping read those columns.
func (b *binder) grouping(sc *scope, fields []*ast.SelectField, items []ast.ExprNode, aggNodes []*ast.AggregateFuncExpr, prefix types.Schema) ([]Expr, []AggCall, types.Schema, error) {
	as := &aggScope{input: sc, aggIndex: map[string]int{}, base: len(prefix)}
	cols := append(types.Schema(nil), prefix...)
	var groups []Expr
	for _, item := range items {
		n := groupByTarget(item, fields, sc)
		e, err := b.expr(n, sc)
		if err != nil {
			return nil, nil, nil, err
		}
		if e, err = b.resolved(e); err != nil {
			return nil, nil, nil, err
		}
		as.groupKeys = append(as.groupKeys, restore(n))
		as.groups = append(as.groups, e)
		groups = append(groups, e)
		cols = append(cols, types.Column{Name: columnName(n), Type: e.Type(), Nullable: true})
	}
	var aggs []AggCall
	for _, a := range aggNodes {
		key := restore(a)
		if _, dup := as.aggIndex[key]; dup {
			continue
		}
		call, err := b.aggCall(a, sc)
		if err != nil {
			return nil, nil, nil, b.errAt(err, a)
		}
		as.aggIndex[key] = len(cols)
		aggs = append(aggs, call)
		cols = append(cols, types.Column{Name: call.Name, Type: call.Typ, Nullable: true})
	}
	as.cols = cols
	b.agg = as
	return groups, aggs, cols, nil
}

// groupByTarget resolves GROUP BY 1 and GROUP BY alias to the select
// field they name; anything else groups by the expression itself.
func groupByTarget(n ast.ExprNode, fields []*ast.SelectField, sc *scope) ast.ExprNode {
	switch e := n.(type) {
	case *ast.PositionExpr:
		if e.N >= 1 && e.N <= len(fields) && fields[e.N-1].Expr != nil {
			return fields[e.N-1].Expr
		}
	case *ast.ColumnNameExpr:
		if e.Name.Table.O == "" {
			if _, err := sc.resolve("", e.Name.Name.O); err != nil {
				for _, f := range fields {
					if f.AsName.O == e.Name.Name.O && f.Expr != nil {
						return f.Expr
					}
				}
			}
		}
	}
	return n
}

func (b *binder) aggCall(a *ast.AggregateFuncExpr, sc *scope) (AggCall, error) {
	name := strings.ToLower(a.F)
	var args []Expr
	if !(name == "count" && len(a.Args) == 1 && isNonNullConst(a.Args[0])) {
		var err error
		if args, err = b.exprs(a.Args, sc); err != nil {
			return AggCall{}, err
		}
	}
	argTypes := make([]types.Type, len(args))
	for i, e := range args {
		argTypes[i] = e.Type()
	}
	fn, err := functions.ResolveAggregate(name, argTypes)
	if err != nil {
		return AggCall{}, err
	}
	for i, e := range args {
		if args[i], err = b.coerce(e, fn.Args[min(i, len(fn.Args)-1)]); err != nil {
			return AggCall{}, err
		}
		argTypes[i] = args[i].Type()
	}
	return AggCall{Fn: fn, Args: args, Distinct: a.Distinct, Typ: fn.ResultType(argTypes), Name: name}, nil
}

// isNonNullConst recognises the argument TiDB gives COUNT(*) (and COUNT(1)).
func isNonNullConst(n ast.ExprNode) bool {
	v, ok := n.(*test_driver.ValueExpr)
	return ok && v.Kind() != test_driver.KindNull
}

// aggScope maps expressions above an aggregation to its output columns.
type aggScope struct {
	input *scope
	// base is the output column of the first group; the columns before it
	// (window_start, window_end) are visible by name.
	base      int
	groups    []Expr
	groupKeys []string
	aggIndex  map[string]int
	cols      types.Schema
}

// lookup binds n if it is a grouping expression or an aggregate call.
func (a *aggScope) lookup(n ast.ExprNode) (Expr, bool, error) {
	if p, ok := n.(*ast.ParenthesesExpr); ok {
		return a.lookup(p.Expr)
	}
	if agg, ok := n.(*ast.AggregateFuncExpr); ok {
		idx, found := a.aggIndex[restore(agg)]
		if !found {
			return nil, false, types.Errorf(types.CodeGroupingError, "aggregate functions are not allowed here")
		}
		return a.column(idx), true, nil
	}
	key := restore(n)
	for i, k := range a.groupKeys {
		if k == key {
			return a.column(a.base + i), true, nil
		}
	}
	if c, ok := n.(*ast.ColumnNameExpr); ok && c.Name.Table.O == "" {
		for i := 0; i < a.base; i++ {
			if a.cols[i].Name == c.Name.Name.O {
				return a.column(i), true, nil
			}
		}
	}
	if c, ok := n.(*ast.ColumnNameExpr); ok {
		col, err := a.input.resolve(c.Name.Table.O, c.Name.Name.O)
		if err != nil {
			return nil, false, err
		}
		if e, ok := a.groupColumn(col.Index); ok {
			return e, true, nil
		}
	}
	return nil, false, nil
}

// groupColumn finds the output column of a grouping expression that is
// exactly input column idx.
func (a *aggScope) groupColumn(idx int) (Expr, bool) {
	for i, g := range a.groups {
		if c, ok := g.(*ColRef); ok && c.Index == idx {
			return a.column(a.base + i), true
		}
	}
	return nil, false
}

// column references output column i of the grouping.
func (a *aggScope) column(i int) *ColRef {
	return &ColRef{Index: i, Typ: a.cols[i].Type, Name: a.cols[i].Name}
}

// collectAggregates finds the aggregate calls of a SELECT's fields, HAVING
// and ORDER BY (not inside other aggregates, not in subqueries).
func collectAggregates(s *ast.SelectStmt) []*ast.AggregateFuncExpr {
	v := &aggCollector{}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if s.Having != nil {
		s.Having.Expr.Accept(v)
	}
	if s.OrderBy != nil {
		for _, item := range s.OrderBy.Items {
			item.Expr.Accept(v)
		}
	}
	return v.found
}

type aggCollector struct {
	found []*ast.AggregateFuncExpr
}

func (v *aggCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		v.found = append(v.found, n)
		return n, true
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, false
}

func (v *aggCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
