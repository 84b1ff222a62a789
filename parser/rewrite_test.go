package parser

import (
	"reflect"
	"strings"
	"testing"

	tparser "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/novelty-db/novelty/types"
)

// rewriteSQL returns the text the front end hands to TiDB for sql, after
// checking TiDB parses it.
func rewriteSQL(t *testing.T, sql string) rendered {
	t.Helper()
	toks, err := lex(sql)
	if err != nil {
		t.Fatalf("lex(%q): %v", sql, err)
	}
	_, out, err := tidbParse(sql, toks, 0, false, false)
	if err != nil {
		t.Fatalf("parse(%q): %v (rewritten: %q)", sql, err, out.sql)
	}
	return out
}

// rawTiDB parses sql with TiDB directly, in the front end's SQL mode.
func rawTiDB(t *testing.T, sql string) ast.StmtNode {
	t.Helper()
	p := tidbParsers.Get().(*tparser.Parser)
	defer tidbParsers.Put(p)
	stmts, _, err := p.Parse(sql, "", "")
	if err != nil {
		t.Fatalf("TiDB parse %q: %v", sql, err)
	}
	return stmts[0]
}

func restore(t *testing.T, n ast.Node) string {
	t.Helper()
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &b)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRewrite(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"identifiers fold, quoted keep case", `SELECT Foo, "Bar", "a""b" FROM T`,
			`select foo, "Bar", "a""b" from t`},
		{"TiDB-reserved identifiers are quoted", `SELECT key, rank, index, status FROM t ORDER BY key`,
			`select "key", "rank", "index", status from t order by "key"`},
		{"type words used as column names are quoted when TiDB reserves them", `SELECT real, t.int, char(65), timestamp FROM t`,
			`select "real", t."int", char(65), timestamp from t`},
		{"function names are not quoted", `SELECT rank() OVER (ORDER BY a), left(b, 1) FROM t`,
			`select rank() over (order by a), left(b, 1) from t`},
		{"a function in FROM becomes a derived table with its aliases", `SELECT * FROM generate_series(1, 3) AS s(n), t`,
			`select * from (SELECT pg_from_function(generate_series(1, 3), 'n')) AS "s", t`},
		{"a FROM function without alias is named after itself; LATERAL is implied", `SELECT x FROM t JOIN LATERAL pg_catalog.unnest(t.a) ON true`,
			`select x from t join (SELECT pg_from_function(pg_catalog.unnest(t.a))) AS "unnest" on true`},
		{"FROM inside a call is not a FROM clause", `SELECT extract(year FROM f(x)), trim(both 'x' FROM g(y)) FROM t`,
			`select date_part('year', f(x)), trim(both 'x' from g(y)) from t`},
		{"no space before a call's parenthesis", `SELECT count (*), sum (a) FROM t`,
			`select count(*), sum(a) from t`},
		{"params", `SELECT $2, $1 FROM t WHERE a = $2`, `select ?, ? from t where a = ?`},
		{"cast", `SELECT a::int, b.c::double precision, 'x'::timestamp with time zone`,
			`select pg_cast(a, 'int'), pg_cast(b.c, 'double precision'), pg_cast('x', 'timestamp with time zone')`},
		{"cast chains nest", `SELECT a::text::int`, `select pg_cast(pg_cast(a, 'text'), 'int')`},
		{"cast of calls, groups, params, arrays", `SELECT f(x)::text, (a + b)::numeric(10,2), $1::regclass, ARRAY[1]::text[]`,
			`select pg_cast(f(x), 'text'), pg_cast((a + b), 'numeric(10,2)'), pg_cast(?, 'regclass'), pg_cast(pg_array(1), 'text[]')`},
		{"cast binds tighter than unary minus and arithmetic", `SELECT -a::int, 1 + b::int`,
			`select -pg_cast(a, 'int'), 1 + pg_cast(b, 'int')`},
		{"qualified and varying type names", `SELECT a::pg_catalog.text, b::character varying(20), c::varchar[]`,
			`select pg_cast(a, 'pg_catalog.text'), pg_cast(b, 'character varying(20)'), pg_cast(c, 'varchar[]')`},
		{"CAST", `SELECT CAST(a AS bigint), CAST(CAST(b AS int) AS text)`,
			`select pg_cast(a, 'bigint'), pg_cast(pg_cast(b, 'int'), 'text')`},
		{"typed literals", `SELECT DATE '2024-01-01', timestamp with time zone '2024-01-01 00:00:00+00', jsonb '{}'`,
			`select pg_cast('2024-01-01', 'date'), pg_cast('2024-01-01 00:00:00+00', 'timestamp with time zone'), pg_cast('{}', 'jsonb')`},
		{"escape and dollar strings become standard literals", `SELECT E'a\nb''c\\d', $$x'y$$`,
			"select 'a\nb''c\\d', 'x''y'"},
		{"interval forms", `SELECT INTERVAL '5 minutes', INTERVAL '5' MINUTE, INTERVAL '1' HOUR TO SECOND, INTERVAL '1:30' HOUR TO MINUTE, INTERVAL 3 SECOND`,
			`select pg_interval('5 minutes'), pg_interval('5 minute'), pg_interval('1 second'), pg_interval('1:30'), pg_interval('3 second')`},
		{"watermark-style interval arithmetic", `SELECT ts - INTERVAL '5' SECOND`, `select ts - pg_interval('5 second')`},
		{"regex operators", `SELECT a ~ 'x', a !~ 'x', a ~* 'x', a !~* 'x'`,
			`select pg_regex_match(a, 'x'), (not pg_regex_match(a, 'x')), pg_regex_imatch(a, 'x'), (not pg_regex_imatch(a, 'x'))`},
		{"regex binds tighter than comparison and AND", `SELECT a ~ 'x' = true AND b !~ c`,
			`select pg_regex_match(a, 'x') = true and (not pg_regex_match(b, c))`},
		{"json operators chain left to right", `SELECT d->'a'->>'b', d -> 0, d -> -1`,
			`select pg_json_get_text(pg_json_get(d, 'a'), 'b'), pg_json_get(d, 0), pg_json_get(d, -1)`},
		{"other operators take arithmetic operands", `SELECT 1 + d -> 'x', d -> i + 1, d ->> 'k' = 'v'`,
			`select pg_json_get(1 + d, 'x'), pg_json_get(d, i + 1), pg_json_get_text(d, 'k') = 'v'`},
		{"json operand is a cast operand", `SELECT d->>'a'::int`, `select pg_json_get_text(d, pg_cast('a', 'int'))`},
		{"concatenation binds looser than arithmetic", `SELECT 'a' || 1 + 2, 2 * 3 || 'a', a || b || c`,
			`select pg_concat('a', 1 + 2), pg_concat(2 * 3, 'a'), pg_concat(pg_concat(a, b), c)`},
		{"other operators share one level", `SELECT a || b ~ c, x ~ a || b`,
			`select pg_regex_match(pg_concat(a, b), c), pg_concat(pg_regex_match(x, a), b)`},
		{"bitwise operators", `SELECT a | b & c, 1 << 2`, `select ((a | b) & c), (1 << 2)`},
		{"power is left-associative, below unary minus", `SELECT 2 ^ 3 ^ 2, -2 ^ 2, a * b ^ c`,
			`select power(power(2, 3), 2), power(-2, 2), a * power(b, c)`},
		{"OPERATOR() and COLLATE pg_catalog.default", `SELECT c.relname OPERATOR(pg_catalog.~) '^(foo)$' COLLATE pg_catalog.default FROM pg_class c`,
			`select pg_regex_match(c.relname, '^(foo)$') from pg_class c`},
		{"OPERATOR() with a plain operator", `SELECT a OPERATOR(pg_catalog.=) b`, `select a = b`},
		{"COLLATE C is dropped", `SELECT a FROM t ORDER BY a COLLATE "C"`, `select a from t order by a`},
		{"= ANY / <> ALL over arrays", `SELECT a = ANY(ARRAY[1, 2]), b <> ALL (ARRAY['x']), c = ANY(SELECT 1)`,
			`select a in (1, 2), b not in ('x'), c = any(select 1)`},
		{"= ANY / <> ALL over array values", `SELECT a = ANY(t.arr), b <> ALL ($1)`,
			`select pg_any_eq(a, (t.arr)), not pg_any_eq(b, (?))`},
		{"ARRAY(subquery)", `SELECT ARRAY(SELECT x FROM t)`, `select pg_array_subquery((select x from t))`},
		{"array subscripts", `SELECT (current_schemas(true))[1], a[i + 1]`,
			`select pg_array_get((current_schemas(true)), 1), pg_array_get(a, i + 1)`},
		{"IS [NOT] DISTINCT FROM", `SELECT a IS DISTINCT FROM b + 1 AND c IS NOT DISTINCT FROM d FROM t`,
			`select (not (a <=> (b + 1))) and (c <=> d) from t`},
		{"arrays, extract, at time zone", `SELECT ARRAY['a', 'b'], EXTRACT(epoch FROM ts), ts AT TIME ZONE 'UTC'`,
			`select pg_array('a', 'b'), date_part('epoch', ts), timezone('UTC', ts)`},
		{"windows", `SELECT window_start FROM t GROUP BY SESSION(ts, INTERVAL '5' MINUTE), TUMBLE(ts, INTERVAL '1 minute'), HOP(ts, '1 minute', '5 minutes')`,
			`select window_start from t group by session_window(ts, pg_interval('5 minute')), tumble(ts, pg_interval('1 minute')), hop(ts, '1 minute', '5 minutes')`},
		{"first_value and last_value without a window are quoted, so TiDB reads ordinary calls",
			`SELECT FIRST_VALUE(a), last_value (b + 1) AS l FROM t GROUP BY k HAVING first_value(a) > 0`,
			`select "first_value"(a), "last_value"(b + 1) as l from t group by k having "first_value"(a) > 0`},
		{"first_value and last_value with a window stay TiDB's window functions",
			`SELECT first_value(a) OVER (ORDER BY k), last_value(a) OVER w, first_value(a) RESPECT NULLS OVER () FROM t WINDOW w AS ()`,
			`select first_value(a) over (order by k), last_value(a) over w, first_value(a) respect nulls over () from t window w as ()`},
		{"an aggregate first_value inside a windowed one", `SELECT first_value(last_value(a)) OVER (ORDER BY k) FROM t GROUP BY k`,
			`select first_value("last_value"(a)) over (order by k) from t group by k`},
		{"CASE is an operand", `SELECT CASE WHEN a THEN 'x' ELSE 'y' END::text`,
			`select pg_cast(case when a then 'x' else 'y' end, 'text')`},
		{"limit forms", `SELECT a FROM t OFFSET 5`, `select a from t limit 18446744073709551615 offset 5`},
		{"limit all", `SELECT a FROM t LIMIT ALL`, `select a from t`},
		{"offset before limit", `SELECT a FROM t OFFSET $1 LIMIT $2`, `select a from t limit ? offset ?`},
		{"fetch first", `SELECT a FROM t OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY`, `select a from t limit 3 offset 2`},
		{"limit in a subquery", `SELECT (SELECT a FROM t OFFSET 1) FROM u LIMIT 2`,
			`select (select a from t limit 18446744073709551615 offset 1) from u limit 2`},
		{"hex integers", `SELECT 0x1F, 1_000`, `select 31, 1000`},
		{"booleans pass through", `SELECT true, FALSE`, `select true, false`},
		{"insert", `INSERT INTO t (a, "B") VALUES ($1, DEFAULT)`, `insert into t(a, "B") values(?, default)`},
		{"update and delete", `UPDATE t SET a = a || 'x' WHERE b ~ $1`, `update t set a = pg_concat(a, 'x') where pg_regex_match(b, ?)`},
		{"with and union", `WITH x AS (SELECT 1) SELECT * FROM x UNION ALL SELECT 2`,
			`with x as (select 1) select * from x union all select 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteSQL(t, tt.in).sql; got != tt.want {
				t.Errorf("rewrite(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRewriteParamOrder(t *testing.T) {
	out := rewriteSQL(t, `SELECT $2, $1 FROM t WHERE ts AT TIME ZONE $3 > $2`)
	// timezone(zone, ts) swaps the operands: the order follows the text TiDB sees.
	if want := []int{1, 0, 2, 1}; !reflect.DeepEqual(out.params, want) || out.max != 3 {
		t.Errorf("params = %v max %d, want %v max 3", out.params, out.max, want)
	}
	stmts, err := Parse(`SELECT a FROM t WHERE b = $2 AND c = $1 LIMIT $3`)
	if err != nil {
		t.Fatal(err)
	}
	q := stmts[0].(*Query)
	if q.Params != 3 || !reflect.DeepEqual(q.ParamOrder, []int{1, 0, 2}) {
		t.Errorf("Params %d ParamOrder %v", q.Params, q.ParamOrder)
	}
}

// TestTiDBWouldMisread shows, for each rewrite that prevents a silent
// misreading, what TiDB does with the Postgres text as written.
func TestTiDBWouldMisread(t *testing.T) {
	tests := []struct {
		name, pg, tidbReads, weSend string
	}{
		{"a string after a name is an alias to TiDB, a typed literal to Postgres",
			`SELECT a 'x' FROM t`, "SELECT `a` AS `x` FROM `t`", `select pg_cast('x', 'a') from t`},
		{"|| binds tighter than + in TiDB, and is concat(), which ignores NULLs",
			`SELECT 'a' || 1 + 2`, "SELECT CONCAT(_UTF8MB4'a', 1)+2", `select pg_concat('a', 1 + 2)`},
		{"^ is XOR in TiDB",
			`SELECT 2 ^ 3`, "SELECT 2^3", `select power(2, 3)`},
		{"0x1F is a binary string in TiDB",
			`SELECT 0x1F`, "SELECT x'1f'", `select 31`},
		{"-> is a JSON path operator in TiDB",
			`SELECT d -> '$.a' FROM t`, "SELECT JSON_EXTRACT(`d`, _UTF8MB4'$.a') FROM `t`", `select pg_json_get(d, '$.a') from t`},
		{"| and & have different precedence in TiDB",
			`SELECT a | b & c`, "SELECT `a`|`b`&`c`", `select ((a | b) & c)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := restore(t, rawTiDB(t, tt.pg)); got != tt.tidbReads {
				t.Errorf("TiDB reads %q as %q, test expected %q", tt.pg, got, tt.tidbReads)
			}
			if got := rewriteSQL(t, tt.pg).sql; got != tt.weSend {
				t.Errorf("we send %q, want %q", got, tt.weSend)
			}
		})
	}
	// a | b & c: TiDB groups b & c first; Postgres groups left to right.
	and, ok := rawTiDB(t, `SELECT a | b & c`).(*ast.SelectStmt).Fields.Fields[0].Expr.(*ast.BinaryOperationExpr)
	if !ok || and.Op != opcode.Or {
		t.Errorf("TiDB's top operator for a | b & c: %v", and)
	}
}

func TestBoolLiterals(t *testing.T) {
	stmts, err := Parse(`SELECT TRUE, FALSE, 1, 0`)
	if err != nil {
		t.Fatal(err)
	}
	fields := stmts[0].(*Query).Stmt.(*ast.SelectStmt).Fields.Fields
	want := []struct{ value, ok bool }{{true, true}, {false, true}, {false, false}, {false, false}}
	for i, w := range want {
		value, ok := BoolLiteral(fields[i].Expr)
		if value != w.value || ok != w.ok {
			t.Errorf("field %d: BoolLiteral = %v, %v; want %v, %v", i, value, ok, w.value, w.ok)
		}
	}
	// TiDB's values alone do not tell TRUE from 1.
	v1 := fields[0].Expr.(ast.ValueExpr).GetValue()
	v3 := fields[2].Expr.(ast.ValueExpr).GetValue()
	if v1 != v3 {
		t.Errorf("TiDB values for TRUE and 1 differ (%v, %v): BoolLiteral's note is stale", v1, v3)
	}
}

func TestRewriteRefusals(t *testing.T) {
	tests := []struct {
		in, code, message string
		pos               int
	}{
		{`SELECT a # b`, types.CodeFeatureNotSupported, "operator # is not supported", 10},
		{`SELECT a ? 'k'`, types.CodeFeatureNotSupported, "operator ? is not supported", 10},
		{`SELECT a && b`, types.CodeFeatureNotSupported, "operator && is not supported", 10},
		{"SELECT `a`", types.CodeFeatureNotSupported, "operator ` is not supported", 8},
		{`SELECT a COLLATE "de_DE"`, types.CodeFeatureNotSupported, `collation "de_DE" is not supported`, 18},
		{`SELECT a > ANY(ARRAY[1])`, types.CodeFeatureNotSupported, "ANY over an array is supported only as = ANY (...) and <> ALL (...)", 12},
		{`SELECT 'a' 'b'`, types.CodeSyntaxError, `syntax error at or near "'b'"`, 12},
		{`SELECT count(*) 'n' FROM t`, types.CodeSyntaxError, `syntax error at or near "'n'"`, 17},
		{`SELECT a AS 'n' FROM t`, types.CodeSyntaxError, `syntax error at or near "'n'"`, 13},
		{`SELECT a FROM t LIMIT 1, 2`, types.CodeSyntaxError, `syntax error at or near ","`, 24},
		{`SELECT ::int`, types.CodeSyntaxError, `syntax error at or near "::"`, 8},
		{`SELECT a::`, types.CodeSyntaxError, `syntax error at end of input`, 11},
		{`SELECT -> 'a'`, types.CodeSyntaxError, `syntax error at or near "->"`, 8},
		{`SELECT a -> `, types.CodeSyntaxError, `syntax error at end of input`, 13},
		{`SELECT CAST(a)`, types.CodeSyntaxError, `syntax error at or near ")"`, 14},
		{`SELECT (a`, types.CodeSyntaxError, `syntax error at end of input`, 10},
		{`SELECT a)`, types.CodeSyntaxError, `syntax error at or near ")"`, 9},
		{`SELECT CASE WHEN a THEN 1`, types.CodeSyntaxError, `syntax error at end of input`, 26},
		{`SELECT INTERVAL 5`, types.CodeSyntaxError, `syntax error at or near "5"`, 17},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		e, ok := types.AsError(err)
		if !ok {
			t.Errorf("Parse(%q) error = %v, want a *types.Error", tt.in, err)
			continue
		}
		if e.Code != tt.code || e.Message != tt.message || e.Position != tt.pos {
			t.Errorf("Parse(%q) = %s %q at %d, want %s %q at %d", tt.in, e.Code, e.Message, e.Position, tt.code, tt.message, tt.pos)
		}
	}
}

func restoreCtx(b *strings.Builder) *format.RestoreCtx {
	return format.NewRestoreCtx(format.DefaultRestoreFlags, b)
}

func restoreExpr(t *testing.T, e ast.ExprNode) string {
	t.Helper()
	var b strings.Builder
	if err := e.Restore(restoreCtx(&b)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
