package parser

import (
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestCopyTo(t *testing.T) {
	tests := []struct {
		sql                     string
		table, query            string // query: the inner Source text
		columns                 int
		format, delimiter, null string
		header                  bool
	}{
		{sql: "COPY t TO STDOUT", table: "t", format: "text", delimiter: "\t", null: `\N`},
		{sql: "copy public.T (a, b) to stdout with csv header", table: "t", columns: 2, format: "csv", delimiter: ",", header: true},
		{sql: "COPY t TO STDOUT (FORMAT csv, DELIMITER ';', NULL 'NULL', HEADER)", table: "t", format: "csv", delimiter: ";", null: "NULL", header: true},
		{sql: "COPY (SELECT a, b FROM t WHERE a > 1) TO STDOUT", query: "SELECT a, b FROM t WHERE a > 1", format: "text", delimiter: "\t", null: `\N`},
		{sql: "COPY ((SELECT 1) UNION ALL (SELECT 2)) TO STDOUT (HEADER)", query: "(SELECT 1) UNION ALL (SELECT 2)", format: "text", delimiter: "\t", null: `\N`, header: true},
	}
	for _, tt := range tests {
		st, ok := parseOne(t, tt.sql).(*CopyTo)
		if !ok {
			t.Fatalf("%s: not a *CopyTo", tt.sql)
		}
		query := ""
		if st.Query != nil {
			query = st.Query.Text
			if st.Query.Params != 0 || st.Query.Stmt == nil {
				t.Errorf("%s: query %+v", tt.sql, st.Query)
			}
		}
		if st.Table != tt.table || query != tt.query || len(st.Columns) != tt.columns || st.Format != tt.format ||
			st.Delimiter != tt.delimiter || st.Null != tt.null || st.Header != tt.header {
			t.Errorf("%s: got %+v (query %q)", tt.sql, *st, query)
		}
	}
}

func TestCopyToErrors(t *testing.T) {
	tests := []parseErrorCase{
		{"COPY t TO STDIN", types.CodeSyntaxError, 11},
		{"COPY () TO STDOUT", types.CodeSyntaxError, 7},
		{"COPY (INSERT INTO t VALUES (1)) TO STDOUT", types.CodeSyntaxError, 7},
		{"COPY (SELECT $1) TO STDOUT", "42P02", 14},
		{"COPY (SELECT 1 TO STDOUT", types.CodeSyntaxError, 25},
		{"COPY t TO STDOUT (FORMAT binary)", types.CodeFeatureNotSupported, 26},
		{"COPY t TO STDOUT (DELIMITER ',', NULL 'a,b')", types.CodeInvalidParameterValue, 34},
		{"COPY t TO STDOUT junk", types.CodeSyntaxError, 18},
	}
	checkParseErrors(t, tests)
}
