package engine

import (
	"context"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// execute runs one statement and returns its rows, or its error.
func execute(t *testing.T, s *Session, sql string) ([]string, error) {
	t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	w := &textRows{}
	_, err = s.Execute(context.Background(), stmts[0], w)
	return w.rows, err
}

// timesPattern matches EXPLAIN ANALYZE's times.
var timesPattern = regexp.MustCompile(`\d+\.\d{3} ms`)

// TestExplainAnalyze runs a filter and an aggregate over a table: every
// operator's line carries its exact row and batch counts, and the times
// are there (their values are not compared, only the root's being > 0).
func TestExplainAnalyze(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, `CREATE TABLE t (id INT PRIMARY KEY, k TEXT, v INT)`)
	run1(t, s, `INSERT INTO t VALUES (1, 'a', 1), (2, 'a', 5), (3, 'b', 7), (4, 'c', 2), (5, 'b', 9), (6, 'a', 3)`)
	for _, sql := range []string{
		`EXPLAIN ANALYZE SELECT k, count(*) FROM t WHERE v > 2 GROUP BY k`,
		`EXPLAIN (ANALYZE) SELECT k, count(*) FROM t WHERE v > 2 GROUP BY k`,
	} {
		lines, err := execute(t, s, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		plain := run1(t, s, strings.Replace(strings.Replace(sql, "ANALYZE ", "", 1), "(ANALYZE) ", "", 1))
		if len(lines) != len(plain)+3 {
			t.Fatalf("%s:\n%s\nwant EXPLAIN's %d lines and 3 totals", sql, strings.Join(lines, "\n"), len(plain))
		}
		// Rows (v > 2): a 5, b 7, b 9, a 3; groups a and b.
		wantCounts := []string{
			"(actual rows=2 batches=1 time=X self=X)", // Project or Aggregate at the root
		}
		for i, line := range lines[:len(plain)] {
			if !strings.HasPrefix(line, plain[i]+"  (actual ") {
				t.Errorf("line %d = %q, want EXPLAIN's %q and figures", i, line, plain[i])
			}
		}
		masked := make([]string, len(lines))
		for i, l := range lines {
			masked[i] = timesPattern.ReplaceAllString(l, "X")
		}
		byOperator := map[string]string{}
		for i, l := range masked[:len(plain)] {
			word := strings.Fields(strings.TrimLeft(plain[i], "└─├│ "))[0]
			byOperator[word] = l[strings.Index(l, "  (actual ")+2:]
		}
		want := map[string]string{
			"Aggregate": wantCounts[0],
			"Filter":    "(actual rows=4 batches=1 time=X self=X)",
			"Scan":      "(actual rows=6 batches=1 time=X self=X)",
		}
		for op, w := range want {
			if byOperator[op] != w {
				t.Errorf("%s: %s figures %q, want %q\n%s", sql, op, byOperator[op], w, strings.Join(lines, "\n"))
			}
		}
		if tail := masked[len(plain):]; !reflect.DeepEqual(tail, []string{"Total Rows: 2", "Planning Time: X", "Execution Time: X"}) {
			t.Errorf("totals %q", tail)
		}
		root := regexp.MustCompile(`time=(\d+\.\d{3}) ms`).FindStringSubmatch(lines[0])
		if ms, err := strconv.ParseFloat(root[1], 64); err != nil || ms <= 0 {
			t.Errorf("root time %q, want > 0", root[1])
		}
	}
}

// TestExplainAnalyzeRefuses statements that never end or that write, and
// leaves no trace of them.
func TestExplainAnalyzeRefuses(t *testing.T) {
	s := newCopyEngine(t)
	run1(t, s, `CREATE SOURCE src (v INT)`)
	run1(t, s, `CREATE TABLE t (v INT)`)
	for _, sql := range []string{
		`EXPLAIN ANALYZE CREATE STREAM s AS SELECT v FROM src`,
		`EXPLAIN ANALYZE SUBSCRIBE (SELECT v FROM src)`,
		`EXPLAIN ANALYZE INSERT INTO t VALUES (1)`,
		`EXPLAIN ANALYZE SHOW STREAMS`,
	} {
		_, err := execute(t, s, sql)
		if e, ok := types.AsError(err); !ok || e.Code != types.CodeFeatureNotSupported || !strings.Contains(e.Message, "EXPLAIN ANALYZE") {
			t.Errorf("%s: error %v, want 0A000 naming EXPLAIN ANALYZE", sql, err)
		}
	}
	if _, ok := s.e.lookup("s"); ok {
		t.Error("EXPLAIN ANALYZE CREATE STREAM created the stream")
	}
	if rows := run1(t, s, `SELECT count(*) FROM t`); rows[0] != "0" {
		t.Errorf("EXPLAIN ANALYZE INSERT wrote %s rows", rows[0])
	}
}

// TestStreamOperatorMetrics feeds rows through running streams and reads
// their operators' counters, the stream totals and SHOW STREAMS.
func TestStreamOperatorMetrics(t *testing.T) {
	s := newCopyEngine(t)
	e := s.e
	run1(t, s, `CREATE SOURCE src (ts TIMESTAMP, k TEXT, v INT, WATERMARK FOR ts AS ts)`)
	run1(t, s, `CREATE STREAM big AS SELECT k, v * 2 AS w FROM src WHERE v > 2`)
	run1(t, s, `CREATE STREAM per10 AS SELECT window_start, count(*) AS n FROM src GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)`)
	run1(t, s, `INSERT INTO src VALUES ('2024-01-01 00:00:01', 'a', 1), ('2024-01-01 00:00:02', 'b', 3),
		('2024-01-01 00:00:03', 'a', 5), ('2024-01-01 00:00:04', 'c', 2), ('2024-01-01 00:00:15', 'b', 9)`)

	want := []OperatorMetrics{
		{ID: "0:Project", Inputs: []string{"1:Filter"}, RowsIn: 3, RowsOut: 3, Batches: 1},
		{ID: "1:Filter", Inputs: []string{"2:Scan"}, RowsIn: 5, RowsOut: 3, Batches: 1},
		{ID: "2:Scan", RowsOut: 5, Batches: 1},
	}
	var big, per10 ObjectMetrics
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, m := range e.Metrics().Objects {
			switch m.Name {
			case "big":
				big = m
			case "per10":
				per10 = m
			}
		}
		if reflect.DeepEqual(big.Operators, want) && per10.RowsOut == 1 {
			break
		}
	}
	if !reflect.DeepEqual(big.Operators, want) || big.RowsIn != 5 || big.RowsOut != 3 || big.StateBytes != 0 {
		t.Errorf("big: rows in %d, out %d, state %d, operators\n%+v\nwant 5, 3, 0,\n%+v",
			big.RowsIn, big.RowsOut, big.StateBytes, big.Operators, want)
	}
	window := per10.Operators[1]
	if per10.RowsIn != 5 || window.ID != "1:WindowAggregate" || !window.Stateful || window.RowsIn != 5 ||
		window.RowsOut != 1 || window.StateBytes != 0 {
		t.Errorf("per10 before a checkpoint: rows in %d, operators %+v", per10.RowsIn, per10.Operators)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	var stateBytes int64
	for _, m := range e.Metrics().Objects {
		if m.Name == "per10" {
			stateBytes = m.StateBytes
			if m.Operators[1].StateBytes != stateBytes {
				t.Errorf("per10's state %d bytes, its window's %d", stateBytes, m.Operators[1].StateBytes)
			}
		}
	}
	if stateBytes <= 0 {
		t.Errorf("per10 holds an open window, state bytes = %d after a checkpoint", stateBytes)
	}

	rows := run1(t, s, `SHOW STREAMS`)
	wantRows := []string{
		"big|3|0|0|5|0|2024-01-01 00:00:15|01:00:00|SELECT k, v * 2 AS w FROM src WHERE v > 2|NULL",
		"per10|1|0|0|5|" + strconv.FormatInt(stateBytes, 10) + "|2024-01-01 00:00:15|01:00:00|" +
			"SELECT window_start, count(*) AS n FROM src GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)|NULL",
	}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("SHOW STREAMS =\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
	}
}
