package parser

import (
	"fmt"
	"strings"
	"testing"

	tparser "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/types"
)

// kinds describes statements as "Type:text" for comparison.
func kinds(stmts []Statement) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = fmt.Sprintf("%T:%s", s, s.Origin().Text)
	}
	return out
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []string
	}{
		{"empty script", "", []string{"*parser.Empty:"}},
		{"only a comment", "-- hello\n/* x */", []string{"*parser.Empty:"}},
		{"lone semicolon", ";", []string{"*parser.Empty:"}},
		{"empty statements between", "SELECT 1;;  ; -- c\n;SELECT 2", []string{
			"*parser.Query:SELECT 1", "*parser.Empty:", "*parser.Empty:", "*parser.Empty:", "*parser.Query:SELECT 2"}},
		{"trailing semicolon and comment", "SELECT 1; -- done\n", []string{"*parser.Query:SELECT 1"}},
		{"semicolons in strings, identifiers, comments, dollar quotes",
			"SELECT ';', \"a;b\", $$;$$, $t$;$t$ /* ; */ -- ;\n FROM t; SELECT E'\\';'",
			[]string{"*parser.Query:SELECT ';', \"a;b\", $$;$$, $t$;$t$ /* ; */ -- ;\n FROM t", "*parser.Query:SELECT E'\\';'"}},
		{"text excludes surrounding comments", "  /* a */ SHOW ALL /* b */ ;", []string{"*parser.Show:SHOW ALL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := Parse(tt.script)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.script, err)
			}
			if got := kinds(stmts); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Parse(%q)\n got %q\nwant %q", tt.script, got, tt.want)
			}
			for _, s := range stmts {
				src := s.Origin()
				if tt.script[src.Offset:src.Offset+len(src.Text)] != src.Text {
					t.Errorf("Offset %d does not locate %q", src.Offset, src.Text)
				}
			}
		})
	}
}

func TestScriptFailsAsAWhole(t *testing.T) {
	script := "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nSELECT * FRM a;\nSELECT 1;"
	stmts, err := Parse(script)
	if stmts != nil {
		t.Errorf("statements returned with an error: %v", kinds(stmts))
	}
	e, ok := types.AsError(err)
	if !ok || e.Code != types.CodeSyntaxError || e.Message != `syntax error at or near "FRM"` {
		t.Fatalf("error = %v", err)
	}
	if want := strings.Index(script, "FRM") + 1; e.Position != want {
		t.Errorf("position %d, want %d", e.Position, want)
	}
}

func TestSyntaxErrorPositions(t *testing.T) {
	tests := []struct {
		script, message string
		at              string // the error is at the last occurrence of at, or at the end when ""
	}{
		{"SELECT * FRM t", `syntax error at or near "FRM"`, "FRM"},
		{"select a\nfrom t where x = = 1", `syntax error at or near "="`, "= 1"},
		{"SELECT a FROM t WHERE", `syntax error at end of input`, ""},
		{"SELECT a FROM t WHERE;", `syntax error at or near ";"`, ";"},
		{"SELECT a FROM t WHERE ; SELECT 1", `syntax error at or near ";"`, ";"},
		// As in Postgres, FRM is an alias after an expression; t is the error.
		{"SELECT 'é' FRM t", `syntax error at or near "t"`, "t"},
		{"SELECT a::int FRM t", `syntax error at or near "t"`, "t"},
		{"SELECT \"Key\" FROM t WHERE a ~ 'x' ORDER", `syntax error at end of input`, ""},
		{"SELECT 1; CREATE SOURCE", `syntax error at end of input`, ""},
		{"CREATE SOURCE s (a int;", `syntax error at or near ";"`, ";"},
		{"CREATE STREAM s AS SELECT * FRM t", `syntax error at or near "FRM"`, "FRM"},
		{"CREATE SOURCE s (ts timestamp, WATERMARK FOR ts AS ts - ) WITH (a = 'b')", `syntax error at or near ")"`, ") WITH"},
		{"SUBSCRIBE (SELECT a FROM) LIMIT 3", `syntax error at or near ")"`, ") LIMIT"},
		{"FOO BAR", `syntax error at or near "FOO"`, "FOO"},
		{"SELECT first_value(a) FRM t", `syntax error at or near "t"`, "t"},
		{"SELECT first_value(a,) FROM t", `syntax error at or near ")"`, ") FROM"},
		{"SELECT last_value(a) FROM t GROUP k", `syntax error at or near "k"`, "k"},
		{"SELECT first_value(a) OVER (ORDER k) FROM t", `syntax error at or near "k"`, "k)"},
		{"CREATE INDEX i ON t (a)", `syntax error at or near "INDEX"`, "INDEX"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.script)
		e, ok := types.AsError(err)
		if !ok {
			t.Errorf("Parse(%q) error = %v, want a *types.Error", tt.script, err)
			continue
		}
		want := len([]rune(tt.script)) + 1
		if tt.at != "" {
			want = len([]rune(tt.script[:strings.LastIndex(tt.script, tt.at)])) + 1
		}
		if e.Code != types.CodeSyntaxError || e.Message != tt.message || e.Position != want {
			t.Errorf("Parse(%q) = %s %q at %d, want 42601 %q at %d", tt.script, e.Code, e.Message, e.Position, tt.message, want)
		}
	}
}

// offsets collects each expression node's text-relative offset by restored text.
type offsets map[string]int

func (o offsets) Enter(n ast.Node) (ast.Node, bool) {
	if e, ok := n.(ast.ExprNode); ok {
		var b strings.Builder
		if restoreErr := e.Restore(restoreCtx(&b)); restoreErr == nil {
			o[b.String()] = e.OriginTextPosition()
		}
	}
	return n, false
}

func (o offsets) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func TestNodeOffsetsPointIntoStatementText(t *testing.T) {
	script := "SELECT 1;\n  SELECT  Foo::int,\n bar ~ 'x' FROM t WHERE é = $1"
	stmts, err := Parse(script)
	if err != nil {
		t.Fatal(err)
	}
	q := stmts[1].(*Query)
	got := offsets{}
	q.Stmt.Accept(got)
	// Positions turns a node offset into a 0-based character offset in the script.
	if p, want := q.Positions(got["`é`"]), len([]rune(script[:strings.Index(script, "é")])); p != want {
		t.Errorf("Positions = %d, want %d", p, want)
	}
	for expr, token := range map[string]string{
		"`foo`":                              "Foo",
		"PG_CAST(`foo`, _UTF8MB4'int')":      "::",
		"PG_REGEX_MATCH(`bar`, _UTF8MB4'x')": "~",
		"`é`":                                "é",
		"?":                                  "$1",
		"`é`=?":                              "é",
	} {
		off, ok := got[expr]
		if !ok {
			t.Errorf("no node %s in %v", expr, got)
			continue
		}
		if want := strings.Index(q.Text, token); off != want {
			t.Errorf("%s at offset %d of %q, want %d (%q)", expr, off, q.Text, want, token)
		}
	}
}

func TestParseExpr(t *testing.T) {
	e, err := ParseExpr("now() - INTERVAL '1 day'")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := e.Restore(restoreCtx(&b)); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "NOW()-PG_INTERVAL(_UTF8MB4'1 day')" {
		t.Errorf("restored %q", got)
	}
	if e.OriginTextPosition() != 0 {
		t.Errorf("offset %d, want 0", e.OriginTextPosition())
	}
	for _, tt := range []struct{ in, message string }{
		{"", "syntax error at end of input"},
		{"1, 2", `syntax error at or near ","`},
		{"1 FROM t", `syntax error at or near "FROM"`},
		{"1 AS x", `syntax error at or near "AS"`},
		{"$1", "there is no parameter $1"},
		{"1; 2", `syntax error at or near ";"`},
	} {
		_, err := ParseExpr(tt.in)
		if e, ok := types.AsError(err); !ok || e.Message != tt.message {
			t.Errorf("ParseExpr(%q) error = %v, want %q", tt.in, err, tt.message)
		}
	}
}

// TestFirstLastValueWithoutOver checks that first_value and last_value
// without OVER reach the planner as calls under the name written, at the
// name's offset, and with OVER as TiDB's window functions.
func TestFirstLastValueWithoutOver(t *testing.T) {
	p := tidbParsers.Get().(*tparser.Parser)
	_, _, rawErr := p.Parse("select first_value(v) as f from t group by k", "", "")
	tidbParsers.Put(p)
	if rawErr == nil {
		t.Error("TiDB parses first_value(v) without OVER; the quoting rewrite is no longer needed")
	}
	script := "SELECT 1;\nSELECT k, First_Value(v), last_value(v) OVER (ORDER BY k) FROM t GROUP BY k"
	stmts, err := Parse(script)
	if err != nil {
		t.Fatal(err)
	}
	q := stmts[1].(*Query)
	fields := q.Stmt.(*ast.SelectStmt).Fields.Fields
	call, ok := fields[1].Expr.(*ast.FuncCallExpr)
	if !ok || call.FnName.O != "first_value" {
		t.Fatalf("first_value(v) parsed as %T %+v, want a call of first_value", fields[1].Expr, fields[1].Expr)
	}
	if p, want := q.Positions(call.OriginTextPosition()), strings.Index(script, "First_Value"); p != want {
		t.Errorf("first_value(v) at character %d, want %d", p, want)
	}
	win, ok := fields[2].Expr.(*ast.WindowFuncExpr)
	if !ok || win.Name != "last_value" {
		t.Fatalf("last_value(v) OVER (...) parsed as %T, want a window function", fields[2].Expr)
	}
	if p, want := q.Positions(win.OriginTextPosition()), strings.Index(script, "last_value"); p != want {
		t.Errorf("last_value(v) OVER at character %d, want %d", p, want)
	}
}
