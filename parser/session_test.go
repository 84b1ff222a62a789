package parser

import (
	"reflect"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/types"
)

func TestShow(t *testing.T) {
	for sql, want := range map[string]string{
		"SHOW SOURCES":                     "sources",
		"show Streams":                     "streams",
		"SHOW SINKS":                       "sinks",
		"SHOW TABLES":                      "tables",
		"SHOW NOVELTY CONTEXTS":            "novelty contexts",
		"SHOW ALL":                         "all",
		"SHOW server_version":              "server_version",
		`SHOW "TimeZone"`:                  "timezone",
		"SHOW TRANSACTION ISOLATION LEVEL": "transaction_isolation",
		"SHOW TIME ZONE":                   "timezone",
		"SHOW SESSION AUTHORIZATION":       "session_authorization",
		"SHOW novelty.checkpoint_interval": "novelty.checkpoint_interval",
	} {
		st := parseOne(t, sql).(*Show)
		if st.What != want {
			t.Errorf("%s: What %q, want %q", sql, st.What, want)
		}
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		sql  string
		want Set
	}{
		{"SET search_path = public", Set{Name: "search_path", Value: "public"}},
		{"SET search_path TO \"$user\", Public", Set{Name: "search_path", Value: "$user, public"}},
		{"SET SESSION statement_timeout TO 5000", Set{Name: "statement_timeout", Value: "5000"}},
		{"SET LOCAL extra_float_digits = -3", Set{Name: "extra_float_digits", Value: "-3", Local: true}},
		{"SET application_name = 'psql'", Set{Name: "application_name", Value: "psql"}},
		{"SET DateStyle TO DEFAULT", Set{Name: "datestyle", Value: "default"}},
		{"SET TIME ZONE 'Europe/Paris'", Set{Name: "timezone", Value: "Europe/Paris"}},
		{"SET TIME ZONE LOCAL", Set{Name: "timezone", Value: "default"}},
		{"SET NAMES 'UTF8'", Set{Name: "client_encoding", Value: "UTF8"}},
		{"SET SCHEMA 'public'", Set{Name: "search_path", Value: "public"}},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
			Set{Name: "session_characteristics", Value: "isolation level read committed"}},
		{"SET TRANSACTION READ ONLY, NOT DEFERRABLE", Set{Name: "transaction", Value: "read only, not deferrable"}},
		{"RESET search_path", Set{Name: "search_path", Value: "default"}},
		{"RESET ALL", Set{Name: "all", Value: "default"}},
		{"RESET TIME ZONE", Set{Name: "timezone", Value: "default"}},
	}
	for _, tt := range tests {
		st := parseOne(t, tt.sql).(*Set)
		tt.want.Source = st.Source
		if !reflect.DeepEqual(*st, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.sql, *st, tt.want)
		}
	}
	for _, sql := range []string{"SET a", "SET a =", "SET a = b c", "SET TRANSACTION ISOLATION LEVEL SOMETIMES"} {
		if _, err := Parse(sql); types.CodeOf(err) != types.CodeSyntaxError {
			t.Errorf("%s: error %v", sql, err)
		}
	}
}

func TestTransactions(t *testing.T) {
	for sql, want := range map[string]TxnKind{
		"BEGIN":                        TxnBegin,
		"BEGIN WORK":                   TxnBegin,
		"BEGIN TRANSACTION READ WRITE": TxnBegin,
		"BEGIN READ ONLY":              TxnBegin,
		"BEGIN ISOLATION LEVEL REPEATABLE READ, READ WRITE": TxnBegin,
		"START TRANSACTION ISOLATION LEVEL SERIALIZABLE":    TxnBegin,
		"COMMIT":                   TxnCommit,
		"COMMIT WORK AND NO CHAIN": TxnCommit,
		"END TRANSACTION":          TxnCommit,
		"ROLLBACK":                 TxnRollback,
		"ABORT":                    TxnRollback,
	} {
		if st := parseOne(t, sql).(*Transaction); st.Kind != want {
			t.Errorf("%s: kind %v, want %v", sql, st.Kind, want)
		}
	}
	for sql, code := range map[string]string{
		"ROLLBACK TO SAVEPOINT a": types.CodeFeatureNotSupported,
		"COMMIT AND CHAIN":        types.CodeFeatureNotSupported,
		"BEGIN READ SOMETIMES":    types.CodeSyntaxError,
		"START":                   types.CodeSyntaxError,
	} {
		if _, err := Parse(sql); types.CodeOf(err) != code {
			t.Errorf("%s: error %v, want %s", sql, err, code)
		}
	}
}

func TestOtherCommands(t *testing.T) {
	if st := parseOne(t, "DESCRIBE Logins").(*Describe); st.Name != "logins" {
		t.Errorf("describe %+v", st)
	}
	if st := parseOne(t, `DESC "Logins"`).(*Describe); st.Name != "Logins" {
		t.Errorf("desc %+v", st)
	}
	for sql, name := range map[string]string{"TRUNCATE t": "t", "TRUNCATE TABLE public.t": "t"} {
		if st := parseOne(t, sql).(*Truncate); st.Name != name {
			t.Errorf("%s: %+v", sql, st)
		}
	}
	parseOne(t, "DISCARD ALL")
	if st := parseOne(t, "RESET NOVELTY CONTEXT 'auth'").(*ResetNovelty); st.Context != "auth" {
		t.Errorf("reset novelty %+v", st)
	}
	for _, sql := range []string{"DISCARD PLANS", "TRUNCATE t RESTART IDENTITY", "DESCRIBE"} {
		if _, err := Parse(sql); types.CodeOf(err) != types.CodeSyntaxError {
			t.Errorf("%s: error %v", sql, err)
		}
	}
}

func TestExplain(t *testing.T) {
	script := "SELECT 1; EXPLAIN SELECT a::int FROM t"
	stmts, err := Parse(script)
	if err != nil {
		t.Fatal(err)
	}
	ex := stmts[1].(*Explain)
	q := ex.Stmt.(*Query)
	if ex.Text != "EXPLAIN SELECT a::int FROM t" || q.Text != "SELECT a::int FROM t" || q.Offset != 18 {
		t.Errorf("explain %q, inner %q at %d", ex.Text, q.Text, q.Offset)
	}
	if cs := parseOne(t, "EXPLAIN CREATE STREAM s AS SELECT 1").(*Explain); cs.Stmt.(*CreateStream).Name != "s" {
		t.Errorf("explain create stream %+v", cs)
	}
}

func TestSubscribe(t *testing.T) {
	st := parseOne(t, "SUBSCRIBE alerts").(*Subscribe)
	if st.Name != "alerts" || st.Limit != -1 || st.Query != nil {
		t.Errorf("%+v", st)
	}
	st = parseOne(t, "SUBSCRIBE TO alerts LIMIT 10").(*Subscribe)
	if st.Name != "alerts" || st.Limit != 10 {
		t.Errorf("%+v", st)
	}
	st = parseOne(t, "SUBSCRIBE (SELECT a FROM t WHERE b ~ 'x' LIMIT 5) LIMIT 3").(*Subscribe)
	if st.Name != "" || st.Limit != 3 || st.Positions == nil {
		t.Errorf("%+v", st)
	}
	sel := st.Query.(*ast.SelectStmt)
	if sel.Limit == nil || sel.Where == nil {
		t.Errorf("inner query %+v", sel)
	}
	for _, sql := range []string{"SUBSCRIBE alerts LIMIT -1", "SUBSCRIBE alerts LIMIT 1.5", "SUBSCRIBE (SELECT 1", "SUBSCRIBE (SELECT $1)"} {
		if _, err := Parse(sql); err == nil {
			t.Errorf("%s accepted", sql)
		}
	}
}

func TestDMLStatements(t *testing.T) {
	for sql, want := range map[string]string{
		"INSERT INTO t VALUES ($1)":            "*ast.InsertStmt",
		"UPDATE t SET a = 1":                   "*ast.UpdateStmt",
		"DELETE FROM t WHERE a = 1":            "*ast.DeleteStmt",
		"WITH x AS (SELECT 1) SELECT * FROM x": "*ast.SelectStmt",
		"SELECT 1 UNION SELECT 2":              "*ast.SetOprStmt",
		"(SELECT 1)":                           "*ast.SelectStmt",
	} {
		var got string
		switch st := parseOne(t, sql).(type) {
		case *DML:
			got = typeName(st.Stmt)
			if st.Positions == nil {
				t.Errorf("%s: no Positions", sql)
			}
		case *Query:
			got = typeName(st.Stmt)
		}
		if got != want {
			t.Errorf("%s: %s, want %s", sql, got, want)
		}
	}
}

func typeName(n ast.Node) string { return reflect.TypeOf(n).String() }
