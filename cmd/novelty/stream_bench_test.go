package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// streamRowsQuery yields 1M rows of (bigint, text, double precision,
// timestamp); Novelty and PostgreSQL run the same text.
const streamRowsQuery = `SELECT i::bigint AS id, 'user-' || i AS name, i::float8 * 0.5 AS amount,
	'2024-01-01 00:00:00'::timestamp + i * INTERVAL '1 second' AS ts
FROM generate_series(1, 1000000) AS g(i)`

// BenchmarkStream1MRows streams 1M rows to a pgx client (default extended
// protocol, binary results) from Novelty and, in the same run, from a real
// PostgreSQL 15 started on loopback; one op is the whole million rows.
func BenchmarkStream1MRows(b *testing.B) {
	ctx := context.Background()
	srv := startLogicServer(b, b.TempDir())
	defer srv.stop()
	pg := startOraclePostgres(b)
	novelty := srv.connect(ctx)
	defer novelty.Close(ctx)
	// The logic tests' connection speaks the simple protocol; benchmark
	// what applications use: pgx's default, the extended protocol.
	extended, err := pgx.Connect(ctx, novelty.Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	defer extended.Close(ctx)
	postgres := pg.connect(b, ctx)
	defer postgres.Close(ctx)
	for _, target := range []struct {
		name string
		conn *pgx.Conn
	}{{"novelty", extended}, {"postgres", postgres}} {
		b.Run(target.name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for range b.N {
				if n := streamRows(b, ctx, target.conn); n != 1_000_000 {
					b.Fatalf("%d rows, want 1000000", n)
				}
			}
			b.ReportMetric(float64(b.N)*1e6/time.Since(start).Seconds(), "rows/s")
		})
	}
}

// streamRows reads every row of streamRowsQuery, decoding each value.
func streamRows(b *testing.B, ctx context.Context, conn *pgx.Conn) int {
	rows, err := conn.Query(ctx, streamRowsQuery)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var (
		id     int64
		name   string
		amount float64
		ts     time.Time
		n      int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &name, &amount, &ts); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}
