package main

// The window and join oracle: the same generated events (a source ev and a
// source pay) go into Novelty (once through bounded file sources, whose end
// flushes every open window, once through INSERTs, interleaved by event
// time and closed by a far-future sentinel row) and into a real PostgreSQL
// (oracle_postgres_test.go), where the batch equivalent of each stream
// (GROUP BY on computed window bounds; the join with the same conditions)
// must give exactly the rows the stream emitted, and the same bounded
// aggregates over the sources' retained rows must give the same rows.
//
// Late rows (an hour behind the watermark) are fed only by INSERT, after
// the streams exist: a stream reads the rows its source took before the
// stream was created from the retained log, without their watermarks, so
// whether such a row counts as late would depend on when the file source
// got to it. The file feed therefore leaves them out.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// oracleEvent is one generated row of the source ev or pay.
type oracleEvent struct {
	userID string
	amount *int32 // nil is NULL
	ts     time.Time
	// late marks a row generated far behind the rows before it: every
	// window it falls in has closed when it arrives.
	late bool
}

const (
	oracleEvents     = 5000
	oraclePayments   = 2500
	oracleUsers      = 20
	oracleWaitOutput = 30 * time.Second
)

// oracleWatermarkDelay is both sources' WATERMARK delay. Apart from the
// rows marked late, the generator keeps every row's disorder below it.
const oracleWatermarkDelay = 5 * time.Second

// oracleStart is the event time the generated clocks start at.
var oracleStart = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// oracleLateFrom is the first row that may be late: by then the
// watermark has long passed the windows of the hour before the start.
const oracleLateFrom = 100

// generateOracleEvents returns deterministic rows: time advances by
// 0-maxStep seconds per row, and one row in eight is moved back by up to 4s
// (less than the watermark delay). One amount in thirty is NULL. With
// lateEvery > 0, one row in lateEvery from oracleLateFrom on is late: an
// hour before the start, later than the watermark allows for any window.
func generateOracleEvents(seed uint64, n, maxStep, lateEvery int) []oracleEvent {
	rng := rand.New(rand.NewPCG(seed, 0x6f7261636c65))
	clock := oracleStart
	events := make([]oracleEvent, n)
	for i := range events {
		clock = clock.Add(time.Duration(rng.IntN(maxStep+1)) * time.Second)
		ts := clock
		if rng.IntN(8) == 0 {
			ts = ts.Add(-time.Duration(rng.IntN(5)) * time.Second)
		}
		ev := oracleEvent{userID: fmt.Sprintf("u%02d", rng.IntN(oracleUsers)), ts: ts}
		if lateEvery > 0 && i >= oracleLateFrom && rng.IntN(lateEvery) == 0 {
			ev.ts = oracleStart.Add(-time.Hour + time.Duration(rng.IntN(600))*time.Second)
			ev.late = true
		}
		if rng.IntN(30) != 0 {
			amount := int32(rng.IntN(1100) - 100)
			ev.amount = &amount
		}
		events[i] = ev
	}
	return events
}

// onTime returns the events not marked late.
func onTime(events []oracleEvent) []oracleEvent {
	var out []oracleEvent
	for _, ev := range events {
		if !ev.late {
			out = append(out, ev)
		}
	}
	return out
}

// writeOracleJSONLines writes the events as the file source reads them.
func writeOracleJSONLines(t *testing.T, path string, events []oracleEvent) {
	var buf bytes.Buffer
	for _, ev := range events {
		fmt.Fprintf(&buf, `{"user_id":%q,"amount":%s,"ts":%q}`+"\n", ev.userID, ev.amountSQL("null"), ev.ts.Format(time.DateTime))
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// amountSQL renders the amount, NULL as null.
func (ev oracleEvent) amountSQL(null string) string {
	if ev.amount == nil {
		return null
	}
	return strconv.Itoa(int(*ev.amount))
}

// oracleQuery is one stream and its batch equivalent in PostgreSQL; both
// select the same columns in the same order. In PostgreSQL, ev and pay
// also have the columns seq (the row's position in its input, hence its
// arrival order) and late (see oracleEvent).
type oracleQuery struct {
	stream   string
	create   string
	columns  string
	postgres string
	// windowed streams drop the late rows of ev and count them; the joins
	// join every row (a late row meets what is still buffered; the late
	// rows here are an hour older than anything pay has, so they meet
	// nothing in either system).
	windowed bool
}

// Novelty's numeric is a 64-bit float (README, "Limits"): its avg(int) is
// the float nearest the exact mean, as PostgreSQL's avg over float8 is.
var oracleQueries = []oracleQuery{
	{
		stream: "tumble10",
		create: `CREATE STREAM tumble10 AS SELECT window_start, window_end, user_id, count(*) AS n, count(amount) AS n_amount,
  sum(amount) AS total, min(amount) AS lo, max(amount) AS hi
FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), user_id`,
		columns: "window_start, window_end, user_id, n, n_amount, total, lo, hi",
		postgres: `SELECT ws, ws + INTERVAL '10 seconds', user_id, count(*), count(amount), sum(amount), min(amount), max(amount)
FROM (SELECT date_bin('10 seconds', ts, TIMESTAMP '1970-01-01') AS ws, user_id, amount FROM ev WHERE NOT late) w
GROUP BY ws, user_id`,
		windowed: true,
	},
	{
		stream: "hop5x20",
		create: `CREATE STREAM hop5x20 AS SELECT window_start, window_end, user_id, count(*) AS n, sum(amount) AS total,
  count(DISTINCT amount % 10) AS digits, avg(amount) AS mean
FROM ev GROUP BY HOP(ts, INTERVAL '5' SECOND, INTERVAL '20' SECOND), user_id`,
		columns: "window_start, window_end, user_id, n, total, digits, mean",
		// A row belongs to the four windows whose start is its 5s bin or one
		// of the three bins before it.
		postgres: `SELECT ws, ws + INTERVAL '20 seconds', user_id, count(*), sum(amount), count(DISTINCT amount % 10), avg(amount::float8)
FROM (SELECT date_bin('5 seconds', ts, TIMESTAMP '1970-01-01') - k * INTERVAL '5 seconds' AS ws, user_id, amount
      FROM ev CROSS JOIN generate_series(0, 3) AS k WHERE NOT late) w
GROUP BY ws, user_id`,
		windowed: true,
	},
	{
		// string_agg sees a TUMBLE window's rows in arrival order.
		stream: "tumble30",
		create: `CREATE STREAM tumble30 AS SELECT window_start, window_end, count(DISTINCT user_id) AS users,
  count(DISTINCT amount) AS amounts, avg(amount) AS mean, bool_and(amount >= 0) AS none_negative,
  bool_or(amount > 990) AS some_large, string_agg(user_id, ',') AS arrivals
FROM ev GROUP BY TUMBLE(ts, INTERVAL '30' SECOND)`,
		columns: "window_start, window_end, users, amounts, mean, none_negative, some_large, arrivals",
		postgres: `SELECT ws, ws + INTERVAL '30 seconds', count(DISTINCT user_id), count(DISTINCT amount), avg(amount::float8),
  bool_and(amount >= 0), bool_or(amount > 990), string_agg(user_id, ',' ORDER BY seq)
FROM (SELECT date_bin('30 seconds', ts, TIMESTAMP '1970-01-01') AS ws, seq, user_id, amount FROM ev WHERE NOT late) w
GROUP BY ws`,
		windowed: true,
	},
	{
		// The interval join, bounds inclusive. PostgreSQL runs the same text.
		stream: "paid",
		create: `CREATE STREAM paid AS SELECT e.user_id, e.amount AS spent, e.ts, p.amount AS paid, p.ts AS paid_at
FROM ev e JOIN pay p ON e.user_id = p.user_id AND p.ts BETWEEN e.ts - INTERVAL '5' SECOND AND e.ts + INTERVAL '10' SECOND`,
		columns: "user_id, spent, ts, paid, paid_at",
		postgres: `SELECT e.user_id, e.amount AS spent, e.ts, p.amount AS paid, p.ts AS paid_at
FROM ev e JOIN pay p ON e.user_id = p.user_id AND p.ts BETWEEN e.ts - INTERVAL '5' SECOND AND e.ts + INTERVAL '10' SECOND`,
	},
	{
		// Exclusive bounds, the key written right side first, and a
		// residual condition that NULL amounts never pass.
		stream: "paid_more",
		create: `CREATE STREAM paid_more AS SELECT e.user_id, e.ts, p.ts AS paid_at, p.amount - e.amount AS extra
FROM ev e JOIN pay p ON p.user_id = e.user_id AND p.ts > e.ts AND p.ts < e.ts + INTERVAL '30' SECOND AND p.amount >= e.amount`,
		columns: "user_id, ts, paid_at, extra",
		postgres: `SELECT e.user_id, e.ts, p.ts AS paid_at, p.amount - e.amount AS extra
FROM ev e JOIN pay p ON p.user_id = e.user_id AND p.ts > e.ts AND p.ts < e.ts + INTERVAL '30' SECOND AND p.amount >= e.amount`,
	},
}

// oracleAggregate is a bounded query over the sources' retained rows
// (every row, late or not) without windows, and its PostgreSQL text, where
// {ev} is the table of the rows the feed gave ev: ev, or the view
// ev_on_time without the late rows.
type oracleAggregate struct {
	name     string
	novelty  string
	postgres string
}

// The insert feed's sentinel row is in Novelty's ev only; the queries
// over ev leave it out.
var oracleAggregates = []oracleAggregate{
	{
		name: "per user",
		novelty: `SELECT user_id, count(*), count(amount), count(DISTINCT amount), sum(amount), min(amount), max(amount),
  avg(amount), min(ts), max(ts), bool_and(amount >= 0), bool_or(amount > 990)
FROM ev WHERE user_id <> 'sentinel' GROUP BY user_id`,
		postgres: `SELECT user_id, count(*), count(amount), count(DISTINCT amount), sum(amount), min(amount), max(amount),
  avg(amount::float8), min(ts), max(ts), bool_and(amount >= 0), bool_or(amount > 990)
FROM {ev} GROUP BY user_id`,
	},
	{
		name:     "whole input",
		novelty:  `SELECT count(*), count(DISTINCT user_id), count(DISTINCT amount), sum(amount), avg(amount), min(ts), max(ts) FROM pay`,
		postgres: `SELECT count(*), count(DISTINCT user_id), count(DISTINCT amount), sum(amount), avg(amount::float8), min(ts), max(ts) FROM pay`,
	},
	{
		name: "having",
		novelty: `SELECT user_id, amount % 7 AS r, count(*) AS n, sum(amount) FROM ev WHERE user_id <> 'sentinel' AND amount IS NOT NULL
GROUP BY user_id, amount % 7 HAVING count(*) > 35`,
		postgres: `SELECT user_id, amount % 7 AS r, count(*) AS n, sum(amount) FROM {ev} WHERE amount IS NOT NULL
GROUP BY user_id, amount % 7 HAVING count(*) > 35`,
	},
}

// TestOracleAgainstPostgres runs the window and join oracle and the
// Nexmark oracle (nexmark_oracle_test.go) against one PostgreSQL server.
func TestOracleAgainstPostgres(t *testing.T) {
	pg := startOraclePostgres(t)
	t.Run("windows", func(t *testing.T) { testWindowOracle(t, pg) })
	t.Run("nexmark", func(t *testing.T) { testNexmarkOracle(t, pg) })
}

// testWindowOracle compares the streams of oracleQueries and the queries
// of oracleAggregates with PostgreSQL, in a database of its own in pg.
func testWindowOracle(t *testing.T, pg *oraclePostgres) {
	ctx := context.Background()
	events := generateOracleEvents(20240501, oracleEvents, 2, 150)
	payments := generateOracleEvents(20240502, oraclePayments, 4, 0)
	late := len(events) - len(onTime(events))
	if late < 5 {
		t.Fatalf("the generator made %d late rows; the test needs some", late)
	}

	pgAdmin := pg.connect(t, ctx)
	defer pgAdmin.Close(ctx)
	if _, err := pgAdmin.Exec(ctx, "CREATE DATABASE windows"); err != nil {
		t.Fatal(err)
	}
	pgConn := pg.connectDatabase(t, ctx, "windows")
	defer pgConn.Close(ctx)
	loadOraclePostgres(t, ctx, pgConn, "ev", events)
	loadOraclePostgres(t, ctx, pgConn, "pay", payments)
	if _, err := pgConn.Exec(ctx, "CREATE VIEW ev_on_time AS SELECT * FROM ev WHERE NOT late"); err != nil {
		t.Fatal(err)
	}
	want := make([][]string, len(oracleQueries))
	for i, q := range oracleQueries {
		want[i] = postgresRows(t, ctx, pgConn, q.stream, q.postgres)
	}

	feeds := []struct {
		name string
		with func(table string) string // the source's WITH clause
		// prepare runs before the sources exist, feed once the streams do;
		// either may be nil. events are the rows ev gets, sentinels the rows
		// feed adds to them, pgEv their table in PostgreSQL.
		prepare   func(t *testing.T, dir string)
		feed      func(t *testing.T, ctx context.Context, conn *pgx.Conn)
		events    []oracleEvent
		sentinels int
		pgEv      string
	}{
		// Bounded files: batches of types.BatchSize rows, and the end of the
		// input emits every open window.
		{name: "file",
			with: func(table string) string {
				return fmt.Sprintf(" WITH (connector = 'file', path = '%s.jsonl', format = 'json')", table)
			},
			prepare: func(t *testing.T, dir string) {
				writeOracleJSONLines(t, filepath.Join(dir, "ev.jsonl"), onTime(events))
				writeOracleJSONLines(t, filepath.Join(dir, "pay.jsonl"), payments)
			},
			events: onTime(events), pgEv: "ev_on_time"},
		// INSERTs of 1-40 rows, the two sources interleaved by event time:
		// the watermarks advance (and windows close, join state expires)
		// many times. A final row an hour later closes every window of the
		// events; its own windows stay open, so it is in no compared row.
		{name: "insert",
			with: func(string) string { return "" },
			feed: func(t *testing.T, ctx context.Context, conn *pgx.Conn) {
				insertOracleEvents(t, ctx, conn, events, payments)
			},
			events: events, sentinels: 1, pgEv: "ev"},
	}
	for _, f := range feeds {
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			srv := startLogicServer(t, dir)
			defer srv.stop()
			conn := srv.connect(ctx)
			defer conn.Close(ctx)
			mustExec := func(sql string) {
				t.Helper()
				if _, err := conn.Exec(ctx, sql); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			if f.prepare != nil {
				f.prepare(t, dir)
			}
			for _, table := range []string{"ev", "pay"} {
				mustExec(fmt.Sprintf("CREATE SOURCE %s (user_id TEXT, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '%d' SECOND)%s",
					table, int(oracleWatermarkDelay/time.Second), f.with(table)))
			}
			for _, q := range oracleQueries {
				mustExec(q.create)
			}
			if f.feed != nil {
				f.feed(t, ctx, conn)
			}
			for i, q := range oracleQueries {
				got := waitRows(t, ctx, conn, fmt.Sprintf("SELECT %s FROM %s", q.columns, q.stream), len(want[i]))
				t.Logf("%s: Novelty emitted %d rows, PostgreSQL computed %d", q.stream, len(got), len(want[i]))
				reportRowDifferences(t, q.stream, got, want[i])
			}
			wantRows, wantLate := map[string]int{}, map[string]int{}
			for i, q := range oracleQueries {
				wantRows[q.stream] = len(want[i])
				if q.windowed {
					wantLate[q.stream] = len(f.events) - len(onTime(f.events))
				}
			}
			checkStreamStats(t, ctx, conn, wantRows, wantLate)
			waitSourceRows(t, ctx, conn, "ev", len(f.events)+f.sentinels)
			waitSourceRows(t, ctx, conn, "pay", len(payments))
			for _, q := range oracleAggregates {
				got, err := queryText(ctx, conn, q.novelty)
				if err != nil {
					t.Fatalf("%s: %v", q.novelty, err)
				}
				reportRowDifferences(t, q.name, got, postgresRows(t, ctx, pgConn, q.name, strings.ReplaceAll(q.postgres, "{ev}", f.pgEv)))
			}
		})
	}
}

// insertOracleEvents inserts the rows of ev and pay in chunks of 1-40
// rows, taking the next chunk from the source whose next row is earlier,
// then a sentinel row in ev an hour after its last event.
func insertOracleEvents(t *testing.T, ctx context.Context, conn *pgx.Conn, events, payments []oracleEvent) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	var sql strings.Builder
	next := map[string]int{}
	var last time.Time
	for next["ev"] < len(events) || next["pay"] < len(payments) {
		table, rows := "ev", events
		if next["ev"] == len(events) || (next["pay"] < len(payments) && payments[next["pay"]].ts.Before(events[next["ev"]].ts)) {
			table, rows = "pay", payments
		}
		start := next[table]
		end := min(len(rows), start+1+rng.IntN(40))
		sql.Reset()
		fmt.Fprintf(&sql, "INSERT INTO %s VALUES ", table)
		for i, ev := range rows[start:end] {
			if i > 0 {
				sql.WriteString(", ")
			}
			fmt.Fprintf(&sql, "('%s', %s, '%s')", ev.userID, ev.amountSQL("NULL"), ev.ts.Format(time.DateTime))
			if ev.ts.After(last) {
				last = ev.ts
			}
		}
		if _, err := conn.Exec(ctx, sql.String()); err != nil {
			t.Fatalf("inserting %s rows %d-%d: %v", table, start, end, err)
		}
		next[table] = end
	}
	sentinel := fmt.Sprintf("INSERT INTO ev VALUES ('sentinel', 0, '%s')", last.Add(time.Hour).Format(time.DateTime))
	if _, err := conn.Exec(ctx, sentinel); err != nil {
		t.Fatalf("inserting the sentinel: %v", err)
	}
}

// loadOraclePostgres creates the table in PostgreSQL and copies the rows
// in, numbering them in input order (seq).
func loadOraclePostgres(t *testing.T, ctx context.Context, conn *pgx.Conn, table string, events []oracleEvent) {
	t.Helper()
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s (seq INT, user_id TEXT, amount INT, ts TIMESTAMP, late BOOLEAN)`, table)); err != nil {
		t.Fatal(err)
	}
	rows := make([][]any, len(events))
	for i, ev := range events {
		rows[i] = []any{i, ev.userID, ev.amount, ev.ts, ev.late}
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"seq", "user_id", "amount", "ts", "late"}, pgx.CopyFromRows(rows))
	if err != nil {
		t.Fatalf("copying %s into PostgreSQL: %v", table, err)
	}
	if n != int64(len(events)) {
		t.Fatalf("copied %d rows of %s into PostgreSQL, want %d", n, table, len(events))
	}
}
