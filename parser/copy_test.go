package parser

import (
	"reflect"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestCopy(t *testing.T) {
	text := Copy{Format: "text", Delimiter: "\t", Null: `\N`}
	csv := Copy{Format: "csv", Delimiter: ",", Null: ""}
	with := func(c Copy, f func(*Copy)) Copy { f(&c); return c }
	tests := []struct {
		sql  string
		want Copy
	}{
		{"COPY t FROM STDIN", with(text, func(c *Copy) { c.Table = "t" })},
		{"copy public.T (a, \"B\") from stdin", with(text, func(c *Copy) { c.Table = "t"; c.Columns = []string{"a", "B"} })},
		{"COPY t FROM STDIN CSV HEADER", with(csv, func(c *Copy) { c.Table = "t"; c.Header = true })},
		{"COPY t FROM STDIN WITH CSV", with(csv, func(c *Copy) { c.Table = "t" })},
		{"COPY t FROM STDIN WITH DELIMITER AS '|' NULL 'nil' CSV", with(csv, func(c *Copy) {
			c.Table, c.Delimiter, c.Null = "t", "|", "nil"
		})},
		{"COPY t FROM STDIN WITH (FORMAT csv)", with(csv, func(c *Copy) { c.Table = "t" })},
		{"COPY t FROM STDIN (FORMAT 'text', HEADER)", with(text, func(c *Copy) { c.Table = "t"; c.Header = true })},
		{"COPY t FROM STDIN (FORMAT csv, HEADER false, DELIMITER ';', NULL 'NULL')", with(csv, func(c *Copy) {
			c.Table, c.Delimiter, c.Null = "t", ";", "NULL"
		})},
		{"COPY t FROM STDIN (HEADER on)", with(text, func(c *Copy) { c.Table = "t"; c.Header = true })},
	}
	for _, tt := range tests {
		st, ok := parseOne(t, tt.sql).(*Copy)
		if !ok {
			t.Fatalf("%s: not a *Copy", tt.sql)
		}
		tt.want.Source = st.Source
		if !reflect.DeepEqual(*st, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.sql, *st, tt.want)
		}
	}
}

func TestCopyErrors(t *testing.T) {
	tests := []parseErrorCase{
		{"COPY t TO '/tmp/x.csv'", types.CodeFeatureNotSupported, 11},
		{"COPY (SELECT 1) TO PROGRAM 'cat'", types.CodeFeatureNotSupported, 20},
		{"COPY t FROM '/tmp/x.csv'", types.CodeFeatureNotSupported, 13},
		{"COPY t FROM STDIN BINARY", types.CodeFeatureNotSupported, 19},
		{"COPY t FROM STDIN (FORMAT binary)", types.CodeFeatureNotSupported, 27},
		{"COPY t FROM STDIN (FORMAT xml)", types.CodeInvalidParameterValue, 27},
		{"COPY t FROM STDIN (HEADER maybe)", types.CodeSyntaxError, 27},
		{"COPY t FROM STDIN (FORMAT csv, FORMAT text)", types.CodeSyntaxError, 32},
		{"COPY t FROM STDIN CSV CSV", types.CodeSyntaxError, 23},
		{"COPY t FROM STDIN (DELIMITER ',,')", types.CodeFeatureNotSupported, 20},
		{"COPY t FROM STDIN (DELIMITER '\\')", types.CodeInvalidParameterValue, 20},
		{"COPY t FROM STDIN (FORMAT csv, DELIMITER '\"')", types.CodeInvalidParameterValue, 32},
		{"COPY t FROM STDIN (NULL 'a\tb')", types.CodeInvalidParameterValue, 20},
		{"COPY t FROM STDIN (QUOTE '''')", types.CodeFeatureNotSupported, 20},
		{"COPY t FROM STDIN (bogus 1)", types.CodeSyntaxError, 20},
		{"COPY t (a, ) FROM STDIN", types.CodeSyntaxError, 12},
		{"COPY t FROM STDIN garbage", types.CodeSyntaxError, 19},
		{"COPY t FROM", types.CodeSyntaxError, 12},
	}
	checkParseErrors(t, tests)
}

// parseErrorCase is a statement Parse must refuse with code at pos.
type parseErrorCase struct {
	sql  string
	code string
	pos  int
}

func checkParseErrors(t *testing.T, tests []parseErrorCase) {
	t.Helper()
	for _, tt := range tests {
		_, err := Parse(tt.sql)
		e, ok := types.AsError(err)
		if !ok {
			t.Errorf("%s: error %v, want a *types.Error", tt.sql, err)
			continue
		}
		if e.Code != tt.code || e.Position != tt.pos {
			t.Errorf("%s: %s at %d (%s), want %s at %d", tt.sql, e.Code, e.Position, e.Message, tt.code, tt.pos)
		}
	}
}
