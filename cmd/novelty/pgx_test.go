package main

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPgxExtendedProtocol drives the server with pgx in its default mode:
// extended protocol, cached prepared statements, binary results.
func TestPgxExtendedProtocol(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx := context.Background()
	host, port, _ := net.SplitHostPort(srv.addr)
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%s user=app dbname=novelty sslmode=disable", host, port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	mustExec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	mustExec(`CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, ok BOOLEAN, ts TIMESTAMPTZ, score DOUBLE PRECISION, n INT)`)
	when := time.Date(2024, 5, 1, 10, 0, 0, 123000, time.UTC)
	for i := int64(1); i <= 3; i++ {
		mustExec(`INSERT INTO items (id, name, ok, ts, score, n) VALUES ($1, $2, $3, $4, $5, $6)`,
			i, fmt.Sprintf("item %d", i), i%2 == 1, when.Add(time.Duration(i)*time.Hour), float64(i)/4, int32(i*10))
	}
	mustExec(`UPDATE items SET name = $1 WHERE id = $2`, "renamed", int64(2))

	var (
		name  string
		ok    bool
		ts    time.Time
		score float64
		n     int32
	)
	for round := 0; round < 3; round++ { // the statement is prepared once and re-bound
		err = conn.QueryRow(ctx, `SELECT name, ok, ts, score, n FROM items WHERE id = $1`, int64(2)).Scan(&name, &ok, &ts, &score, &n)
		if err != nil {
			t.Fatal(err)
		}
	}
	if name != "renamed" || ok || !ts.Equal(when.Add(2*time.Hour)) || score != 0.5 || n != 20 {
		t.Errorf("got %q %v %v %v %v", name, ok, ts, score, n)
	}
	var count int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM items WHERE score > $1 AND name LIKE $2`, 0.3, "item%").Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 1 {
		t.Errorf("count = %d, want 1", count)
	}
	var missing *string
	if err := conn.QueryRow(ctx, `SELECT name FROM items WHERE id = $1`, int64(99)).Scan(&missing); err != pgx.ErrNoRows {
		t.Errorf("missing row: %v", err)
	}
}
