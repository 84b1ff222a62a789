package planner

import (
	"strings"
	"testing"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// windowCatalog holds a table t and a source s, both (g int4, k int4, v
// float8, name text, ts timestamp).
type windowCatalog struct{}

var windowTestSchema = types.Schema{
	{Name: "g", Type: types.Int4}, {Name: "k", Type: types.Int4}, {Name: "v", Type: types.Float8},
	{Name: "name", Type: types.Text}, {Name: "ts", Type: types.Timestamp},
}

func (windowCatalog) Relation(name string) (*Relation, bool) {
	switch name {
	case "t":
		return &Relation{Name: "t", Kind: parser.KindTable, ID: 1, Schema: windowTestSchema, EventTime: -1}, true
	case "s":
		return &Relation{Name: "s", Kind: parser.KindSource, ID: 2, Schema: windowTestSchema, EventTime: 4}, true
	}
	return nil, false
}

func planWindowQuery(t *testing.T, sql string) (*Plan, error) {
	t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		t.Fatalf("parse %q: %v", sql, err)
	}
	switch st := stmts[0].(type) {
	case *parser.Query:
		return PlanQuery(windowCatalog{}, st, Options{})
	case *parser.CreateStream:
		return PlanContinuous(windowCatalog{}, st.Query, st.Text, st.Positions, Options{})
	}
	t.Fatalf("%q is a %T", sql, stmts[0])
	return nil, nil
}

func TestWindowFunctionPlans(t *testing.T) {
	tests := []struct {
		sql     string
		explain []string
	}{
		{
			"SELECT name, row_number() OVER (PARTITION BY g ORDER BY k DESC), sum(v) OVER (PARTITION BY g ORDER BY k DESC) FROM t",
			[]string{
				"Project name, row_number, sum",
				"└─ Window partition by g order by k DESC compute row_number(), sum(v)",
				"   └─ Scan table t (table)",
			},
		},
		{
			// Two windows: two nodes, the second over the first's output.
			"SELECT count(*) OVER w, rank() OVER (ORDER BY name), avg(v) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t WINDOW w AS (ORDER BY k)",
			[]string{
				"Project count, rank, avg",
				"└─ Window order by name compute rank()",
				"   └─ Window order by k compute count(*), avg(v) rows between 1 preceding and current row",
				"      └─ Scan table t (table)",
			},
		},
		{
			// Over grouped rows: the window reads the aggregation's output.
			"SELECT g, rank() OVER (ORDER BY sum(v) DESC) FROM t GROUP BY g",
			[]string{
				"Project g, rank",
				"└─ Window order by sum DESC compute rank()",
				"   └─ Aggregate group by g compute sum(v)",
				"      └─ Scan table t (table)",
			},
		},
		{
			"SELECT k FROM t ORDER BY lag(k, 2, 0) OVER (ORDER BY k RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)",
			[]string{
				"Project k",
				"└─ Sort lag",
				"   └─ Project k, lag",
				"      └─ Window order by k compute lag(k, 2, 0)",
				"         └─ Scan table t (table)",
			},
		},
	}
	for _, tt := range tests {
		plan, err := planWindowQuery(t, tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if got := Explain(plan.Root); strings.Join(got, "\n") != strings.Join(tt.explain, "\n") {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", tt.sql, strings.Join(got, "\n"), strings.Join(tt.explain, "\n"))
		}
	}
}

func TestWindowFunctionTypes(t *testing.T) {
	plan, err := planWindowQuery(t, "SELECT row_number() OVER (), percent_rank() OVER (), ntile(2) OVER (), lag(k, 1, 2.5) OVER (), "+
		"first_value(name) OVER (), sum(k) OVER (), count(v) OVER (), avg(k) OVER () FROM t")
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Type{types.Int8, types.Float8, types.Int4, types.Numeric, types.Text, types.Int8, types.Int8, types.Numeric}
	for i, c := range plan.Columns() {
		if c.Type != want[i] {
			t.Errorf("column %d (%s) is %s, want %s", i, c.Name, c.Type, want[i])
		}
	}
}

func TestWindowFunctionErrors(t *testing.T) {
	tests := []struct{ sql, code, msg string }{
		{"SELECT k FROM t WHERE row_number() OVER () > 1", "42P20", "window functions are allowed only in the SELECT list and ORDER BY"},
		{"SELECT g FROM t GROUP BY g HAVING rank() OVER () > 1", "42P20", "window functions are allowed only in the SELECT list and ORDER BY"},
		{"SELECT sum(rank() OVER ()) OVER () FROM t", "42P20", "window function calls cannot be nested"},
		{"SELECT rank() OVER (PARTITION BY rank() OVER ()) FROM t", "42P20", "window functions are not allowed in window definitions"},
		{"SELECT sum(v) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t", "42P20", "frame start cannot be UNBOUNDED FOLLOWING"},
		{"SELECT sum(v) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND UNBOUNDED PRECEDING) FROM t", "42P20", "frame end cannot be UNBOUNDED PRECEDING"},
		{"SELECT sum(v) OVER (ORDER BY k ROWS BETWEEN CURRENT ROW AND 2 PRECEDING) FROM t", "42P20", "frame starting from current row cannot have preceding rows"},
		{"SELECT sum(v) OVER (ORDER BY k ROWS BETWEEN 2 FOLLOWING AND 1 PRECEDING) FROM t", "42P20", "frame starting from following row cannot have preceding rows"},
		{"SELECT sum(v) OVER (RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"},
		{"SELECT sum(v) OVER (ORDER BY k RANGE BETWEEN 1.5 PRECEDING AND CURRENT ROW) FROM t", "0A000", "RANGE with offset PRECEDING/FOLLOWING is not supported for column type integer and offset type numeric"},
		{"SELECT sum(v) OVER (ORDER BY name RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "0A000", "RANGE with offset PRECEDING/FOLLOWING is not supported for column type text"},
		{"SELECT sum(v) OVER (ORDER BY k GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "0A000", "GROUPS frames are not supported"},
		{"SELECT sum(DISTINCT v) OVER () FROM t", "0A000", "DISTINCT is not implemented for window functions"},
		{"SELECT sum(v) OVER w FROM t", "42704", `window "w" does not exist`},
		{"SELECT sum(v) OVER (w) FROM t WINDOW x AS ()", "42704", `window "w" does not exist`},
		{"SELECT sum(v) OVER w FROM t WINDOW w AS (), w AS (ORDER BY k)", "42P20", `window "w" is already defined`},
		{"SELECT sum(v) OVER (w ORDER BY g) FROM t WINDOW w AS (ORDER BY k)", "42P20", `cannot override ORDER BY clause of window "w"`},
		{"SELECT sum(v) OVER (w PARTITION BY g) FROM t WINDOW w AS (ORDER BY k)", "42P20", `cannot override PARTITION BY clause of window "w"`},
		{"SELECT sum(v) OVER (w) FROM t WINDOW w AS (ORDER BY k ROWS 1 PRECEDING)", "42P20", `cannot copy window "w" because it has a frame clause`},
		{"SELECT lag(k, 1, name) OVER () FROM t", "42883", "function lag(integer, integer, text) does not exist"},
		{"SELECT ntile(v) OVER () FROM t", "42883", "function ntile(double precision) does not exist"},
		{"SELECT g, rank() OVER (ORDER BY k) FROM t GROUP BY g", "42803", `column "k" must appear in the GROUP BY clause or be used in an aggregate function`},
		{"CREATE STREAM x AS SELECT g, row_number() OVER (PARTITION BY g ORDER BY ts) FROM s", "0A000",
			"window functions (OVER) are not supported in a stream: they would revise rows already emitted; aggregate per window with GROUP BY TUMBLE/HOP/SESSION"},
	}
	for _, tt := range tests {
		_, err := planWindowQuery(t, tt.sql)
		e, ok := types.AsError(err)
		if !ok || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("%s:\ngot  %v\nwant %s %s", tt.sql, err, tt.code, tt.msg)
		}
	}
}
