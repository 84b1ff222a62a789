package parser

import (
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestExplainAnalyze(t *testing.T) {
	for _, tc := range []struct {
		sql     string
		analyze bool
		inner   string
	}{
		{"EXPLAIN SELECT 1", false, "SELECT 1"},
		{"EXPLAIN ANALYZE SELECT a FROM t WHERE a > 1", true, "SELECT a FROM t WHERE a > 1"},
		{"explain analyse select 1", true, "select 1"},
		{"EXPLAIN (ANALYZE) SELECT 1", true, "SELECT 1"},
		{"EXPLAIN (analyze true) SELECT 1", true, "SELECT 1"},
		{"EXPLAIN (ANALYZE off) SELECT 1", false, "SELECT 1"},
		{"EXPLAIN (ANALYZE 0, ANALYZE 1) SELECT 1", true, "SELECT 1"},
		{"EXPLAIN (SELECT 1)", false, "(SELECT 1)"},
		{"EXPLAIN ANALYZE CREATE STREAM s AS SELECT 1", true, "CREATE STREAM s AS SELECT 1"},
	} {
		st, err := Parse(tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		ex, ok := st[0].(*Explain)
		if !ok || ex.Analyze != tc.analyze || ex.Text != tc.sql || ex.Stmt == nil {
			t.Errorf("%s: %+v, want analyze %v", tc.sql, st[0], tc.analyze)
			continue
		}
		if inner := statementText(ex.Stmt); inner != tc.inner {
			t.Errorf("%s: inner statement %q, want %q", tc.sql, inner, tc.inner)
		}
	}
	for _, tc := range []struct {
		sql  string
		code string
		pos  int
	}{
		{"EXPLAIN ANALYZE", types.CodeSyntaxError, 16},
		{"EXPLAIN (ANALYZE", types.CodeSyntaxError, 17},
		{"EXPLAIN (ANALYZE maybe) SELECT 1", types.CodeSyntaxError, 18},
		{"EXPLAIN (ANALYZE,) SELECT 1", types.CodeSyntaxError, 18},
		{"EXPLAIN (VERBOSE) SELECT 1", types.CodeFeatureNotSupported, 10},
		{"EXPLAIN (ANALYZE, costs off) SELECT 1", types.CodeFeatureNotSupported, 19},
	} {
		_, err := Parse(tc.sql)
		if types.CodeOf(err) != tc.code {
			t.Errorf("%s: error %v, want %s", tc.sql, err, tc.code)
			continue
		}
		if e, ok := err.(*types.Error); !ok || e.Position != tc.pos {
			t.Errorf("%s: error %#v, want position %d", tc.sql, err, tc.pos)
		}
	}
}

// statementText is the text of a statement EXPLAIN wraps.
func statementText(st Statement) string {
	switch st := st.(type) {
	case *Query:
		return st.Text
	case *CreateStream:
		return st.Text
	}
	return ""
}
