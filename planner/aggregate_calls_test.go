package planner

import (
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// TestFirstLastValueAggregates plans first_value and last_value without
// OVER as aggregates: grouped, per window, over the whole table, beside
// their window-function forms, and in HAVING and ORDER BY.
func TestFirstLastValueAggregates(t *testing.T) {
	tests := []struct {
		sql     string
		explain []string
		cols    types.Schema
	}{
		{
			"SELECT g, first_value(name), last_value(v) AS lv FROM t GROUP BY g",
			[]string{
				"Project g, first_value, last_value AS lv",
				"└─ Aggregate group by g compute first_value(name), last_value(v)",
				"   └─ Scan table t (table)",
			},
			types.Schema{{Name: "g", Type: types.Int4, Nullable: true}, {Name: "first_value", Type: types.Text, Nullable: true},
				{Name: "lv", Type: types.Float8, Nullable: true}},
		},
		{
			"SELECT first_value(k), count(*) FROM t",
			[]string{
				"Project first_value, count",
				"└─ Aggregate compute first_value(k), count(*)",
				"   └─ Scan table t (table)",
			},
			types.Schema{{Name: "first_value", Type: types.Int4, Nullable: true}, {Name: "count", Type: types.Int8, Nullable: true}},
		},
		{
			"CREATE STREAM x AS SELECT window_start, FIRST_VALUE(name) AS f, last_value(k) FROM s GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)",
			[]string{
				"Project window_start, first_value AS f, last_value",
				"└─ WindowAggregate tumble(ts, size 00:00:10) compute first_value(name), last_value(k)",
				"   └─ Scan source s (live)",
			},
			types.Schema{{Name: "window_start", Type: types.Timestamp, Nullable: true}, {Name: "f", Type: types.Text, Nullable: true},
				{Name: "last_value", Type: types.Int4, Nullable: true}},
		},
		{
			// The windowed first_value reads the aggregation's output,
			// including the aggregate last_value nested in it.
			"SELECT g, first_value(k), sum(v), first_value(g) OVER (ORDER BY g), first_value(last_value(k)) OVER (ORDER BY g) FROM t GROUP BY g",
			[]string{
				"Project g, first_value, sum, first_value, first_value",
				"└─ Window order by g compute first_value(g), first_value(last_value)",
				"   └─ Aggregate group by g compute first_value(k), sum(v), last_value(k)",
				"      └─ Scan table t (table)",
			},
			nil,
		},
		{
			"SELECT g FROM t GROUP BY g HAVING first_value(k) > 1 ORDER BY last_value(v)",
			[]string{
				"Project g",
				"└─ Sort last_value",
				"   └─ Project g, last_value",
				"      └─ Filter (first_value > 1)",
				"         └─ Aggregate group by g compute first_value(k), last_value(v)",
				"            └─ Scan table t (table)",
			},
			nil,
		},
	}
	for _, tt := range tests {
		plan, err := planWindowQuery(t, tt.sql)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		if got := Explain(plan.Root); strings.Join(got, "\n") != strings.Join(tt.explain, "\n") {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", tt.sql, strings.Join(got, "\n"), strings.Join(tt.explain, "\n"))
		}
		if tt.cols == nil {
			continue
		}
		got := plan.Columns()
		if len(got) != len(tt.cols) {
			t.Errorf("%s: columns %v, want %v", tt.sql, got, tt.cols)
			continue
		}
		for i, c := range tt.cols {
			if got[i].Name != c.Name || got[i].Type != c.Type {
				t.Errorf("%s: column %d is %s %s, want %s %s", tt.sql, i, got[i].Name, got[i].Type, c.Name, c.Type)
			}
		}
	}
}

// TestFirstLastValueErrors checks errors name the function as written and
// point at it.
func TestFirstLastValueErrors(t *testing.T) {
	tests := []struct {
		sql, code, msg string
		at             string // the error position is the first occurrence of at
	}{
		{"SELECT first_value(k, g) FROM t", "42883", "function first_value(integer, integer) does not exist", "first_value"},
		{"SELECT g, last_value() FROM t GROUP BY g", "42883", "function last_value() does not exist", "last_value"},
		{"SELECT k FROM t WHERE first_value(k) > 1", "42803", "aggregate functions are not allowed here", "first_value"},
		{"SELECT last_value(zz) FROM t", "42703", `column "zz" does not exist`, "zz"},
	}
	for _, tt := range tests {
		_, err := planWindowQuery(t, tt.sql)
		e, ok := types.AsError(err)
		if !ok {
			t.Errorf("%s: got %v, want %s %s", tt.sql, err, tt.code, tt.msg)
			continue
		}
		want := strings.Index(tt.sql, tt.at) + 1
		if e.Code != tt.code || e.Message != tt.msg || e.Position != want {
			t.Errorf("%s:\ngot  %s %s at %d\nwant %s %s at %d", tt.sql, e.Code, e.Message, e.Position, tt.code, tt.msg, want)
		}
	}
}
