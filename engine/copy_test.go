package engine

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// textRows collects a result as text rows, NULL as "NULL".
type textRows struct{ rows []string }

func (w *textRows) Columns(types.Schema) error { return nil }

func (w *textRows) Row(row []types.Datum) error {
	parts := make([]string, len(row))
	for i, d := range row {
		parts[i] = "NULL"
		if !d.IsNull() {
			parts[i] = string(types.AppendText(nil, d, time.UTC))
		}
	}
	w.rows = append(w.rows, strings.Join(parts, "|"))
	return nil
}

// openMemoryEngine returns an engine on an in-memory store, closed when
// the test ends, and a session.
func openMemoryEngine(t *testing.T) (*Engine, *Session) {
	t.Helper()
	store, err := storage.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e, e.NewSession("tester", "novelty")
}

func newCopyEngine(t *testing.T) *Session {
	t.Helper()
	_, s := openMemoryEngine(t)
	return s
}

func run1(t *testing.T, s *Session, sql string) []string {
	t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	w := &textRows{}
	for _, st := range stmts {
		if _, err := s.Execute(context.Background(), st, w); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return w.rows
}

// chunks returns a next function handing out data in pieces of size bytes,
// so records and escapes straddle chunk boundaries.
func chunks(data string, size int) func() ([]byte, error) {
	return func() ([]byte, error) {
		if data == "" {
			return nil, io.EOF
		}
		n := min(size, len(data))
		out := []byte(data[:n])
		data = data[n:]
		return out, nil
	}
}

func copyFrom(s *Session, sql, data string, size int) (string, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return "", err
	}
	return s.CopyFrom(context.Background(), stmts[0].(*parser.Copy), chunks(data, size))
}

func TestCopyFromTable(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		data string
		want []string
	}{
		{"text", "COPY t (id, b, c) FROM STDIN", "1\ta\t1.5\n2\t\\N\t\\N\n3\tx\\ty\\\\z\\n\\101\\x42\t0\n",
			[]string{"1|a|1.5|7", "2|NULL|NULL|7", "3|x\ty\\z\nAB|0|7"}},
		{"text columns and defaults", "COPY t (b, id) FROM STDIN", "p\t10\nq\t11\r\n",
			[]string{"10|p|NULL|7", "11|q|NULL|7"}},
		{"text end marker", "COPY t (id) FROM STDIN", "1\n\\.\n2\n", []string{"1|NULL|NULL|7"}},
		{"text no final newline", "COPY t (id, c) FROM STDIN (DELIMITER '|', NULL '')", "1|\n2|2.5",
			[]string{"1|NULL|NULL|7", "2|NULL|2.5|7"}},
		{"csv header", "COPY t FROM STDIN CSV HEADER", "id,b,c,d\n1,\"a,\"\"b\"\"\nc\",,\n2,\"\",3,4\n",
			[]string{"1|a,\"b\"\nc|NULL|NULL", "2||3|4"}},
		{"csv null option", "COPY t (id, b) FROM STDIN WITH (FORMAT csv, NULL 'NA')", "1,NA\n2,\"NA\"\n3,\n",
			[]string{"1|NULL|NULL|7", "2|NA|NULL|7", "3||NULL|7"}},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 3, 1 << 20} {
			s := newCopyEngine(t)
			run1(t, s, "CREATE TABLE t (id int PRIMARY KEY, b text, c float8, d int DEFAULT 7)")
			tag, err := copyFrom(s, tt.sql, tt.data, size)
			if err != nil {
				t.Fatalf("%s (chunks of %d): %v", tt.name, size, err)
			}
			if want := "COPY " + string(rune('0'+len(tt.want))); tag != want {
				t.Errorf("%s: tag %q, want %q", tt.name, tag, want)
			}
			got := run1(t, s, "SELECT id, b, c, d FROM t ORDER BY id")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("%s (chunks of %d):\n got %q\nwant %q", tt.name, size, got, tt.want)
			}
		}
	}
}

func TestCopyFromErrorsWriteNothing(t *testing.T) {
	errFail := types.Errorf(types.CodeQueryCanceled, "COPY from stdin failed: stop")
	tests := []struct {
		name   string
		sql    string
		data   string
		next   func() ([]byte, error) // overrides data
		code   string
		detail string
	}{
		{"bad value", "COPY t FROM STDIN CSV HEADER", "id,b\n1,a\n2,b\nx,c\n", nil, types.CodeInvalidTextRepresent, `COPY t, line 4, column id: "x"`},
		{"extra column", "COPY t FROM STDIN", "1\ta\textra\n", nil, codeBadCopyFileFormat, "COPY t, line 1: \"1\ta\textra\""},
		{"missing column", "COPY t FROM STDIN", "1\ta\n2\n", nil, codeBadCopyFileFormat, `COPY t, line 2: "2"`},
		{"not null", "COPY t FROM STDIN", "\\N\ta\n", nil, types.CodeNotNullViolation, "COPY t, line 1: \"\\N\ta\""},
		{"duplicate key", "COPY t FROM STDIN", "1\ta\n1\tb\n", nil, types.CodeUniqueViolation, "Key (id)=(1) already exists.\nCOPY t, line 2"},
		{"unterminated quote", "COPY t FROM STDIN CSV", "1,\"a\n", nil, codeBadCopyFileFormat, ""},
		{"unknown column", "COPY t (id, nope) FROM STDIN", "", nil, types.CodeUndefinedColumn, ""},
		{"unknown table", "COPY nope FROM STDIN", "", nil, types.CodeUndefinedTable, ""},
		{"client fail", "COPY t FROM STDIN", "", func() func() ([]byte, error) {
			sent := false
			return func() ([]byte, error) {
				if !sent {
					sent = true
					return []byte("5\ta\n"), nil
				}
				return nil, errFail
			}
		}(), types.CodeQueryCanceled, ""},
	}
	for _, tt := range tests {
		s := newCopyEngine(t)
		run1(t, s, "CREATE TABLE t (id int PRIMARY KEY, b text)")
		stmts, err := parser.Parse(tt.sql)
		if err != nil {
			t.Fatal(err)
		}
		next := tt.next
		if next == nil {
			next = chunks(tt.data, 2)
		}
		_, err = s.CopyFrom(context.Background(), stmts[0].(*parser.Copy), next)
		e, ok := types.AsError(err)
		if !ok || e.Code != tt.code {
			t.Errorf("%s: error %v, want %s", tt.name, err, tt.code)
			continue
		}
		if tt.detail != "" && e.Detail != tt.detail {
			t.Errorf("%s: detail %q, want %q", tt.name, e.Detail, tt.detail)
		}
		if got := run1(t, s, "SELECT count(*) FROM t"); got[0] != "0" {
			t.Errorf("%s: table has %s rows after a failed COPY", tt.name, got[0])
		}
	}
}

func TestCopyColumns(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE TABLE t (id int, b text); CREATE SOURCE src (x int) WITH (connector = 'datagen')")
	for sql, want := range map[string]string{
		"COPY t FROM STDIN":        "id,b",
		"COPY t (b) FROM STDIN":    "b",
		"COPY t (b, b) FROM STDIN": types.CodeDuplicateColumn,
		"COPY src FROM STDIN":      types.CodeWrongObjectType,
	} {
		stmts, err := parser.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := s.CopyColumns(stmts[0].(*parser.Copy))
		got := types.CodeOf(err)
		if err == nil {
			names := make([]string, len(cols))
			for i, c := range cols {
				names[i] = c.Name
			}
			got = strings.Join(names, ",")
		}
		if got != want {
			t.Errorf("%s: %s, want %s", sql, got, want)
		}
	}
}

func TestCopyInFailedTransaction(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE TABLE t (id int PRIMARY KEY); BEGIN")
	if _, err := copyFrom(s, "COPY t FROM STDIN", "1\n1\n", 10); types.CodeOf(err) != types.CodeUniqueViolation {
		t.Fatalf("duplicate in transaction: %v", err)
	}
	if _, err := copyFrom(s, "COPY t FROM STDIN", "2\n", 10); types.CodeOf(err) != "25P02" {
		t.Fatalf("COPY in a failed transaction: %v", err)
	}
	run1(t, s, "COMMIT")
	if got := run1(t, s, "SELECT count(*) FROM t"); got[0] != "0" {
		t.Errorf("rolled-back COPY left %s rows", got[0])
	}
}

func TestCopyThroughExecuteFails(t *testing.T) {
	s := newCopyEngine(t)
	stmts, err := parser.Parse("COPY t FROM STDIN")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Execute(context.Background(), stmts[0], &textRows{})
	var e *types.Error
	if !errors.As(err, &e) || e.Code != types.CodeFeatureNotSupported {
		t.Errorf("COPY through Execute: %v, want 0A000", err)
	}
}
