package main

// What the oracle tests share: reading rows from Novelty and PostgreSQL as
// sorted text, waiting for bounded inputs and streams to finish, and
// reporting differences.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresRows runs the batch equivalent of query name in PostgreSQL; it
// must return rows, or the comparison would prove nothing.
func postgresRows(t *testing.T, ctx context.Context, conn *pgx.Conn, name, sql string) []string {
	t.Helper()
	rows, err := queryText(ctx, conn, sql)
	if err != nil {
		t.Fatalf("%s in PostgreSQL: %v", name, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: PostgreSQL computed no rows; the comparison would prove nothing", name)
	}
	return rows
}

// waitRows polls sql (rows that only grow in number: a stream's retained
// output once its inputs have ended) until it returns at least want rows or
// the deadline passes, and returns its rows sorted.
func waitRows(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string, want int) []string {
	t.Helper()
	deadline := time.Now().Add(oracleWaitOutput)
	for {
		got, err := queryText(ctx, conn, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSourceRows waits until the source has retained want rows.
func waitSourceRows(t *testing.T, ctx context.Context, conn *pgx.Conn, source string, want int) {
	t.Helper()
	deadline := time.Now().Add(oracleWaitOutput)
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+source).Scan(&n); err != nil {
			t.Fatalf("counting the rows of %s: %v", source, err)
		}
		if n == want {
			return
		}
		if n > want || time.Now().After(deadline) {
			t.Fatalf("source %s retained %d rows, want %d", source, n, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queryText runs sql in the simple protocol (text results) and returns its
// rows rendered by collectRows, sorted.
func queryText(ctx context.Context, conn *pgx.Conn, sql string) ([]string, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	out, err := collectRows(rows)
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// reportRowDifferences fails the test with the first rows only one side
// has, when the sorted row sets differ.
func reportRowDifferences(t *testing.T, stream string, got, want []string) {
	t.Helper()
	var onlyNovelty, onlyPostgres []string
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || (i < len(got) && got[i] < want[j]):
			onlyNovelty = append(onlyNovelty, got[i])
			i++
		case i == len(got) || want[j] < got[i]:
			onlyPostgres = append(onlyPostgres, want[j])
			j++
		default:
			i++
			j++
		}
	}
	if len(onlyNovelty) == 0 && len(onlyPostgres) == 0 {
		return
	}
	const show = 10
	t.Errorf("%s: %d rows only in Novelty, %d only in PostgreSQL (of %d and %d)\n--- first only in Novelty:\n%s\n--- first only in PostgreSQL:\n%s",
		stream, len(onlyNovelty), len(onlyPostgres), len(got), len(want),
		strings.Join(onlyNovelty[:min(show, len(onlyNovelty))], "\n"),
		strings.Join(onlyPostgres[:min(show, len(onlyPostgres))], "\n"))
}

// checkStreamStats asserts that every stream emitted wantRows[name] rows
// (no more than the comparison read) and dropped wantLate[name] late rows.
func checkStreamStats(t *testing.T, ctx context.Context, conn *pgx.Conn, wantRows, wantLate map[string]int) {
	t.Helper()
	rows, err := queryText(ctx, conn, "SHOW STREAMS")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(wantRows) {
		t.Errorf("SHOW STREAMS lists %d streams, want %d", len(rows), len(wantRows))
	}
	for _, row := range rows {
		// SHOW STREAMS starts with name, rows_out, late_rows.
		var name string
		var out, late int
		if _, err := fmt.Sscan(row, &name, &out, &late); err != nil {
			t.Fatalf("SHOW STREAMS row %q: %v", row, err)
		}
		if late != wantLate[name] {
			t.Errorf("stream %s dropped %d late rows, want %d", name, late, wantLate[name])
		}
		if out != wantRows[name] {
			t.Errorf("stream %s emitted %d rows, want %d", name, out, wantRows[name])
		}
	}
}
