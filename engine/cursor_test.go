package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// binaryRows is a textRows that records whether SendBinary was called.
type binaryRows struct {
	textRows
	binary bool
}

func (w *binaryRows) SendBinary() { w.binary = true }

// step runs one statement and returns its tag and rows, or its error.
func step(ctx context.Context, s *Session, sql string) (string, []string, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return "", nil, err
	}
	w := &textRows{}
	tag, err := s.Execute(ctx, stmts[0], w)
	return tag, w.rows, err
}

// cursorStep is one statement of a cursor script and what it must give:
// a tag and rows, or an error with code.
type cursorStep struct {
	sql  string
	tag  string
	rows string // rows joined by ","
	code string
}

func runCursorSteps(t *testing.T, s *Session, steps []cursorStep) {
	t.Helper()
	for _, st := range steps {
		tag, rows, err := step(context.Background(), s, st.sql)
		if st.code != "" {
			e, ok := types.AsError(err)
			if !ok || e.Code != st.code {
				t.Errorf("%s: error %v, want SQLSTATE %s", st.sql, err, st.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", st.sql, err)
			continue
		}
		if tag != st.tag || strings.Join(rows, ",") != st.rows {
			t.Errorf("%s: %q %q, want %q %q", st.sql, tag, strings.Join(rows, ","), st.tag, st.rows)
		}
	}
}

func TestSelectCursor(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE TABLE t (id int PRIMARY KEY, name text)")
	run1(t, s, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')")
	runCursorSteps(t, s, []cursorStep{
		{sql: "DECLARE c CURSOR FOR SELECT id FROM t", code: codeNoActiveTransaction},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "DECLARE c CURSOR FOR SELECT id, name FROM t ORDER BY id", tag: "DECLARE CURSOR"},
		{sql: "FETCH 0 FROM c", tag: "FETCH 0"},
		{sql: "FETCH 2 FROM c", tag: "FETCH 2", rows: "1|a,2|b"},
		{sql: "FETCH 0 c", tag: "FETCH 1", rows: "2|b"},
		{sql: "MOVE c", tag: "MOVE 1"},
		{sql: "MOVE 0 c", tag: "MOVE 1"},
		{sql: "FETCH NEXT IN c", tag: "FETCH 1", rows: "4|d"},
		{sql: "FETCH ALL c", tag: "FETCH 1", rows: "5|e"},
		{sql: "FETCH FORWARD 3 c", tag: "FETCH 0"},
		{sql: "FETCH 0 c", tag: "FETCH 0"},
		{sql: "DECLARE d CURSOR FOR SELECT id FROM t WHERE id > 3", tag: "DECLARE CURSOR"},
		{sql: "MOVE ALL d", tag: "MOVE 2"},
		{sql: "CLOSE c", tag: "CLOSE CURSOR"},
		{sql: "CLOSE ALL", tag: "CLOSE CURSOR ALL"},
		{sql: "FETCH d", code: codeInvalidCursorName},
		{sql: "FETCH d", code: "25P02"},
		{sql: "ROLLBACK", tag: "ROLLBACK"},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "DECLARE c CURSOR FOR SELECT id FROM t", tag: "DECLARE CURSOR"},
		{sql: "DECLARE c CURSOR FOR SELECT id FROM t", code: codeDuplicateCursor},
		{sql: "ROLLBACK", tag: "ROLLBACK"},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "DECLARE c CURSOR FOR SELECT id FROM t", tag: "DECLARE CURSOR"},
		{sql: "FETCH PRIOR c", code: types.CodeObjectNotInPrerequisite},
		{sql: "ROLLBACK", tag: "ROLLBACK"},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "DECLARE c CURSOR FOR SELECT id FROM t", tag: "DECLARE CURSOR"},
		{sql: "COMMIT", tag: "COMMIT"},
		{sql: "FETCH c", code: codeInvalidCursorName},
		{sql: "CLOSE nope", code: codeInvalidCursorName},
	})
	if len(s.cursors) != 0 {
		t.Errorf("%d cursors left open", len(s.cursors))
	}
}

func TestHoldCursor(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE TABLE t (id int PRIMARY KEY)")
	run1(t, s, "INSERT INTO t VALUES (1), (2), (3)")
	runCursorSteps(t, s, []cursorStep{
		// Outside a transaction block the statement commits at once.
		{sql: "DECLARE h CURSOR WITH HOLD FOR SELECT id FROM t ORDER BY id", tag: "DECLARE CURSOR"},
		{sql: "INSERT INTO t VALUES (4)", tag: "INSERT 0 1"},
		{sql: "FETCH 2 h", tag: "FETCH 2", rows: "1,2"},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "FETCH h", tag: "FETCH 1", rows: "3"},
		{sql: "DECLARE kept CURSOR WITH HOLD FOR SELECT id FROM t ORDER BY id", tag: "DECLARE CURSOR"},
		{sql: "FETCH kept", tag: "FETCH 1", rows: "1"},
		{sql: "DECLARE gone CURSOR WITH HOLD FOR SELECT id FROM t", tag: "DECLARE CURSOR"},
		{sql: "DECLARE plain CURSOR FOR SELECT id FROM t", tag: "DECLARE CURSOR"},
		{sql: "COMMIT", tag: "COMMIT"},
		{sql: "FETCH ALL h", tag: "FETCH 0"},
		{sql: "FETCH 0 kept", tag: "FETCH 1", rows: "1"},
		{sql: "FETCH ALL kept", tag: "FETCH 3", rows: "2,3,4"},
		{sql: "FETCH plain", code: codeInvalidCursorName},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "DECLARE rolled CURSOR WITH HOLD FOR SELECT id FROM t", tag: "DECLARE CURSOR"},
		{sql: "ROLLBACK", tag: "ROLLBACK"},
		{sql: "FETCH rolled", code: codeInvalidCursorName},
		{sql: "FETCH 0 gone", tag: "FETCH 0"},
		{sql: "DISCARD ALL", tag: "DISCARD ALL"},
		{sql: "FETCH gone", code: codeInvalidCursorName},
	})
}

func TestSubscribeCursor(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE SOURCE src (x int)")
	ctx := context.Background()
	runCursorSteps(t, s, []cursorStep{
		{sql: "DECLARE h CURSOR WITH HOLD FOR SUBSCRIBE src", code: types.CodeFeatureNotSupported},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "DECLARE c CURSOR FOR SUBSCRIBE src", tag: "DECLARE CURSOR"},
		{sql: "DECLARE one CURSOR FOR SUBSCRIBE (SELECT x * 10 AS y FROM src) LIMIT 1", tag: "DECLARE CURSOR"},
		{sql: "FETCH 2 c WITH (timeout = '0s')", tag: "FETCH 0"},
		{sql: "FETCH c WITH (wait = '1s')", code: types.CodeInvalidParameterValue},
	})
	runCursorSteps(t, s, []cursorStep{
		{sql: "ROLLBACK", tag: "ROLLBACK"},
		{sql: "BEGIN", tag: "BEGIN"},
		{sql: "DECLARE c CURSOR FOR SUBSCRIBE src", tag: "DECLARE CURSOR"},
		{sql: "DECLARE one CURSOR FOR SUBSCRIBE (SELECT x * 10 AS y FROM src) LIMIT 1", tag: "DECLARE CURSOR"},
		{sql: "INSERT INTO src VALUES (1), (2), (3)", tag: "INSERT 0 3"},
		{sql: "FETCH 2 c", tag: "FETCH 2", rows: "1,2"},
		// Only what has arrived: the FETCH does not wait for a fourth row.
		{sql: "FETCH 5 c", tag: "FETCH 1", rows: "3"},
		{sql: "FETCH ALL one", tag: "FETCH 1", rows: "10"},
		{sql: "FETCH ALL one", tag: "FETCH 0"},
	})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := step(cancelled, s, "FETCH c"); !errors.Is(err, context.Canceled) {
		t.Errorf("FETCH with nothing to read, cancelled: %v, want context.Canceled", err)
	}
	runCursorSteps(t, s, []cursorStep{
		{sql: "FETCH c", code: "25P02"},
		{sql: "ROLLBACK", tag: "ROLLBACK"},
	})
	if len(s.cursors) != 0 {
		t.Errorf("%d cursors left open", len(s.cursors))
	}
}

func TestBinaryCursorAndDescribe(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE TABLE t (id int PRIMARY KEY, name text)")
	run1(t, s, "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	run1(t, s, "BEGIN")
	stmts, err := parser.Parse("DECLARE c BINARY CURSOR FOR SELECT name FROM t WHERE id = $1")
	if err != nil {
		t.Fatal(err)
	}
	params, cols, err := s.Describe(stmts[0])
	if err != nil || len(params) != 1 || params[0] != types.Int4 || cols != nil {
		t.Fatalf("Describe DECLARE: %v %v %v", params, cols, err)
	}
	if _, err := s.ExecuteParams(context.Background(), stmts[0], []types.Datum{types.NewIntOf(types.Int4, 2)}, &textRows{}); err != nil {
		t.Fatal(err)
	}
	fetch, err := parser.Parse("FETCH ALL c")
	if err != nil {
		t.Fatal(err)
	}
	if _, cols, err := s.Describe(fetch[0]); err != nil || len(cols) != 1 || cols[0].Name != "name" {
		t.Fatalf("Describe FETCH: %v %v", cols, err)
	}
	w := &binaryRows{}
	if _, err := s.Execute(context.Background(), fetch[0], w); err != nil {
		t.Fatal(err)
	}
	if !w.binary || strings.Join(w.rows, ",") != "b" {
		t.Errorf("FETCH from a BINARY cursor: binary %v, rows %q", w.binary, w.rows)
	}
	missing, _ := parser.Parse("FETCH nope")
	if _, _, err := s.Describe(missing[0]); err == nil {
		t.Error("Describe FETCH of a missing cursor succeeded")
	}
}
