package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// copyLines collects the output of COPY TO.
type copyLines struct {
	columns int
	began   bool
	out     strings.Builder
}

func (c *copyLines) Begin(columns int) error { c.columns, c.began = columns, true; return nil }
func (c *copyLines) Data(line []byte) error  { c.out.Write(line); return nil }

func copyTo(s *Session, sql string) (string, *copyLines, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return "", nil, err
	}
	out := &copyLines{}
	tag, err := s.CopyTo(context.Background(), stmts[0].(*parser.CopyTo), out)
	return tag, out, err
}

func TestCopyTo(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE TABLE t (id int PRIMARY KEY, b text, c float8, ok boolean)")
	run1(t, s, `INSERT INTO t VALUES (1, E'tab\there\\back', 1.5, true), (2, NULL, NULL, false),
		(3, 'a,"b"', -2, NULL), (4, '', 0, true), (5, E'line\nbreak\r', 3, false)`)
	tests := []struct {
		sql           string
		columns, rows int
		want          string
	}{
		{"COPY t TO STDOUT", 4, 5,
			"1\ttab\\there\\\\back\t1.5\tt\n2\t\\N\t\\N\tf\n3\ta,\"b\"\t-2\t\\N\n4\t\t0\tt\n5\tline\\nbreak\\r\t3\tf\n"},
		{"COPY t (b, id) TO STDOUT WITH (FORMAT csv, HEADER)", 2, 5,
			"b,id\ntab\there\\back,1\n,2\n\"a,\"\"b\"\"\",3\n\"\",4\n\"line\nbreak\r\",5\n"},
		{"COPY t (id, b) TO STDOUT (DELIMITER '|', NULL 'NULL', HEADER)", 2, 5,
			"id|b\n1|tab\\there\\\\back\n2|NULL\n3|a,\"b\"\n4|\n5|line\\nbreak\\r\n"},
		{"COPY (SELECT id, b FROM t WHERE id IN (2, 3) ORDER BY id DESC) TO STDOUT CSV NULL 'x'", 2, 2,
			"3,\"a,\"\"b\"\"\"\n2,x\n"},
		{`COPY (SELECT '\.' AS v) TO STDOUT CSV`, 1, 1, "\"\\.\"\n"},
		{`COPY (SELECT 'a|b' AS "x|y") TO STDOUT (DELIMITER '|', HEADER)`, 1, 1, "x\\|y\na\\|b\n"},
	}
	for _, tt := range tests {
		tag, out, err := copyTo(s, tt.sql)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		if want := "COPY " + string(rune('0'+tt.rows)); tag != want || out.columns != tt.columns {
			t.Errorf("%s: tag %q, %d columns; want %q, %d", tt.sql, tag, out.columns, want, tt.columns)
		}
		if out.out.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.sql, out.out.String(), tt.want)
		}
	}
}

func TestCopyToStreamReadsRetainedRows(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE SOURCE src (x int, y text)")
	run1(t, s, "INSERT INTO src VALUES (1, 'a'), (2, 'b')")
	tag, out, err := copyTo(s, "COPY src (y) TO STDOUT")
	if err != nil || tag != "COPY 2" || out.out.String() != "a\nb\n" {
		t.Errorf("COPY src TO STDOUT: %q %q %v", tag, out.out.String(), err)
	}
}

func TestCopyToErrors(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, "CREATE TABLE t (id int PRIMARY KEY)")
	tests := []struct {
		sql  string
		code string
	}{
		{"COPY nope TO STDOUT", types.CodeUndefinedTable},
		{"COPY t (nope) TO STDOUT", types.CodeUndefinedColumn},
		{"COPY t (id, id) TO STDOUT", types.CodeDuplicateColumn},
		{"COPY (SELECT nope FROM t) TO STDOUT", types.CodeUndefinedColumn},
	}
	for _, tt := range tests {
		_, out, err := copyTo(s, tt.sql)
		if e, ok := types.AsError(err); !ok || e.Code != tt.code {
			t.Errorf("%s: %v, want SQLSTATE %s", tt.sql, err, tt.code)
		}
		if out != nil && out.began {
			t.Errorf("%s: the copy began before the error", tt.sql)
		}
	}
	stmts, _ := parser.Parse("COPY t TO STDOUT")
	if _, err := s.Execute(context.Background(), stmts[0], &textRows{}); err == nil {
		t.Error("COPY TO through Execute succeeded")
	}
}

func TestCopyEncoderAllocatesNothing(t *testing.T) {
	enc := copyEncoder{csv: true, delim: ',', loc: time.UTC}
	row := []types.Datum{types.NewInt(42), types.NewText(`say "hi", then go`), types.Null, types.NewFloat(2.5)}
	line := func() {
		for k, d := range row {
			enc.value(k, d)
		}
		enc.end()
	}
	line()
	if n := testing.AllocsPerRun(100, line); n != 0 {
		t.Errorf("a CSV line allocates %v times", n)
	}
}
