package parser

import (
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestDeclare(t *testing.T) {
	tests := []struct {
		sql          string
		name         string
		binary, hold bool
		query        string // the inner statement's text
		subscribe    bool
		params       int
	}{
		{sql: "DECLARE c CURSOR FOR SELECT * FROM t", name: "c", query: "SELECT * FROM t"},
		{sql: `declare "Cur" binary no scroll cursor with hold for select a from t where a = $1`,
			name: "Cur", binary: true, hold: true, query: "select a from t where a = $1", params: 1},
		{sql: "DECLARE c INSENSITIVE CURSOR WITHOUT HOLD FOR (SELECT 1) UNION ALL (SELECT 2)", name: "c",
			query: "(SELECT 1) UNION ALL (SELECT 2)"},
		{sql: "DECLARE c CURSOR FOR SUBSCRIBE alerts LIMIT 3", name: "c", query: "SUBSCRIBE alerts LIMIT 3", subscribe: true},
		{sql: "DECLARE c CURSOR FOR SUBSCRIBE (SELECT a FROM s WHERE a > 1)", name: "c",
			query: "SUBSCRIBE (SELECT a FROM s WHERE a > 1)", subscribe: true},
	}
	for _, tt := range tests {
		st, ok := parseOne(t, tt.sql).(*Declare)
		if !ok {
			t.Fatalf("%s: not a *Declare", tt.sql)
		}
		var inner Source
		params := 0
		switch {
		case st.Subscribe != nil && st.Query == nil:
			inner = st.Subscribe.Source
		case st.Query != nil && st.Subscribe == nil:
			inner, params = st.Query.Source, st.Query.Params
		default:
			t.Fatalf("%s: want exactly one of Query and Subscribe: %+v", tt.sql, st)
		}
		if st.Name != tt.name || st.Binary != tt.binary || st.Hold != tt.hold || inner.Text != tt.query ||
			(st.Subscribe != nil) != tt.subscribe || params != tt.params {
			t.Errorf("%s: got %+v, inner %q", tt.sql, *st, inner.Text)
		}
		if tt.sql[inner.Offset:inner.Offset+len(inner.Text)] != inner.Text {
			t.Errorf("%s: inner offset %d does not locate %q", tt.sql, inner.Offset, inner.Text)
		}
	}
}

func TestFetch(t *testing.T) {
	tests := []struct {
		sql      string
		move     bool
		count    int64
		backward string
		options  int
	}{
		{sql: "FETCH c", count: 1},
		{sql: "FETCH next", count: 1}, // a cursor named next
		{sql: "FETCH NEXT FROM c", count: 1},
		{sql: "fetch 5 in c", count: 5},
		{sql: "FETCH +2 c", count: 2},
		{sql: "FETCH 0 FROM c", count: 0},
		{sql: "FETCH ALL c", count: FetchAll},
		{sql: "FETCH FORWARD c", count: 1},
		{sql: "FETCH FORWARD 3 FROM c", count: 3},
		{sql: "FETCH FORWARD ALL FROM c", count: FetchAll},
		{sql: "MOVE 10 IN c", move: true, count: 10},
		{sql: "MOVE ALL c", move: true, count: FetchAll},
		{sql: "FETCH 2 c WITH (timeout = '1s')", count: 2, options: 1},
		{sql: "FETCH PRIOR FROM c", count: 1, backward: "PRIOR"},
		{sql: "FETCH -1 FROM c", count: 1, backward: "-1"},
		{sql: "FETCH FORWARD -2 c", count: 1, backward: "FORWARD -2"},
		{sql: "FETCH BACKWARD 2 c", count: 1, backward: "BACKWARD 2"},
		{sql: "FETCH BACKWARD ALL c", count: 1, backward: "BACKWARD ALL"},
		{sql: "FETCH ABSOLUTE 3 c", count: 1, backward: "ABSOLUTE 3"},
		{sql: "MOVE RELATIVE -1 IN c", move: true, count: 1, backward: "RELATIVE -1"},
		{sql: "FETCH LAST c", count: 1, backward: "LAST"},
	}
	for _, tt := range tests {
		st, ok := parseOne(t, tt.sql).(*Fetch)
		if !ok {
			t.Fatalf("%s: not a *Fetch", tt.sql)
		}
		name := "c"
		if tt.sql == "FETCH next" {
			name = "next"
		}
		if st.Name != name || st.Move != tt.move || st.Count != tt.count || st.Backward != tt.backward || len(st.Options) != tt.options {
			t.Errorf("%s: got %+v", tt.sql, *st)
		}
	}
}

func TestClose(t *testing.T) {
	if st := parseOne(t, "CLOSE c").(*CloseCursor); st.Name != "c" || st.All {
		t.Errorf("CLOSE c: %+v", *st)
	}
	if st := parseOne(t, "close all").(*CloseCursor); st.Name != "" || !st.All {
		t.Errorf("CLOSE ALL: %+v", *st)
	}
}

func TestCursorErrors(t *testing.T) {
	tests := []parseErrorCase{
		{"DECLARE c SCROLL CURSOR FOR SELECT 1", types.CodeFeatureNotSupported, 11},
		{"DECLARE c CURSOR SELECT 1", types.CodeSyntaxError, 18},
		{"DECLARE c CURSOR FOR", types.CodeSyntaxError, 21},
		{"DECLARE c CURSOR FOR INSERT INTO t VALUES (1)", types.CodeSyntaxError, 22},
		{"DECLARE c CURSOR FOR SUBSCRIBE (SELECT $1)", "42P02", 40},
		{"DECLARE CURSOR FOR SELECT 1", types.CodeSyntaxError, 16},
		{"FETCH 1.5 c", types.CodeSyntaxError, 7},
		{"FETCH 2", types.CodeSyntaxError, 8},
		{"FETCH FROM", types.CodeSyntaxError, 11},
		{"MOVE 1 c WITH (timeout = '1s')", types.CodeSyntaxError, 10},
		{"FETCH 99999999999999999999 c", types.CodeNumericValueOutOfRange, 7},
		{"CLOSE", types.CodeSyntaxError, 6},
		{"CLOSE a b", types.CodeSyntaxError, 9},
	}
	checkParseErrors(t, tests)
}
