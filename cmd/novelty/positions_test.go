package main

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestErrorPositions checks that errors point at what the user wrote, as
// psql's caret shows it: 1-based character offsets into the whole script.
func TestErrorPositions(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE t (a INT, b TEXT)"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql      string
		code     string
		position int32
	}{
		{"SELECT * FRM t", "42601", 10},
		{"SELECT a, zz FROM t", "42703", 11},
		{"SELECT 1; SELECT a, zz FROM t", "42703", 21},
		// Postgres points at the operator; TiDB gives us the expression start.
		{"SELECT * FROM t WHERE a + b > 1", "42883", 23},
		{"SELECT * FROM nowhere", "42P01", 15},
		{"SELECT 'é', zz FROM t", "42703", 13},
	} {
		_, err := conn.Exec(ctx, tc.sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Errorf("%q: got %v, want a Postgres error", tc.sql, err)
			continue
		}
		if pgErr.Code != tc.code || pgErr.Position != tc.position {
			t.Errorf("%q: got %s at %d (%s), want %s at %d", tc.sql, pgErr.Code, pgErr.Position, pgErr.Message, tc.code, tc.position)
		}
	}
}
