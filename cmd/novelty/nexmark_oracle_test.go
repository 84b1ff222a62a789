package main

// The Nexmark oracle: the queries of nexmark/*.sql run in Novelty on
// generated events; the same events, read back from the sources' retained
// rows, are copied into a real PostgreSQL (oracle_postgres_test.go), where
// the batch equivalent of every stream must give exactly the rows the
// stream emitted. It also checks the expected rows of
// testdata/logic/nexmark_generated.slt, which runs the same sources.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novelty-db/novelty/connectors/nexmark"
)

// nexmarkGeneratedSLT runs the queries on the nexmark connector; its
// CREATE SOURCE statements are the oracle's connector input.
const nexmarkGeneratedSLT = "../../testdata/logic/nexmark_generated.slt"

// nexmarkOracle is one stream of a Nexmark query and its batch equivalent
// in PostgreSQL, selecting the stream's columns in order. PostgreSQL
// stores each as a table named after the stream, so later ones read the
// earlier ones as the streams do.
type nexmarkOracle struct {
	stream   string
	postgres string
}

// nexmarkOracles lists every stream of nexmark/*.sql, each after the
// streams it reads. Windows are computed bounds: date_bin for TUMBLE, and
// for HOP the bin of the row and the bins before it that the window size
// covers. Novelty's numeric is a 64-bit float (README, "Limits"), so the
// PostgreSQL texts compute in float8 where the streams compute in numeric.
var nexmarkOracles = []nexmarkOracle{
	{"q0", `SELECT auction, bidder, price, date_time FROM bid`},
	{"q1", `SELECT auction, bidder, 0.908::float8 * price AS price, date_time FROM bid`},
	{"q2", `SELECT auction, price FROM bid WHERE auction % 123 = 0`},
	{"q3", `SELECT p.name, p.city, p.state, a.id FROM auction a JOIN person p
  ON a.seller = p.id AND a.date_time BETWEEN p.date_time - INTERVAL '1' SECOND AND p.date_time + INTERVAL '1' MINUTE
WHERE a.category = 10 AND p.state IN ('or', 'id', 'ca')`},
	{"q4_winning", `SELECT ws AS auctions_start, ws + INTERVAL '10' SECOND AS auctions_end, id, category, max(price) AS final
FROM (SELECT date_bin('10 seconds', a.date_time, TIMESTAMP '1970-01-01') AS ws, a.id, a.category, b.price
      FROM auction a JOIN bid b
        ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL '10' SECOND
      WHERE b.date_time <= a.expires) w
GROUP BY ws, id, category`},
	{"q4", `SELECT auctions_start, auctions_end, category, avg(final::float8) AS avg FROM q4_winning
GROUP BY auctions_start, auctions_end, category`},
	{"q5_counts", `SELECT ws AS starttime, ws + INTERVAL '10' SECOND AS endtime, auction, count(*) AS num
FROM (SELECT date_bin('2 seconds', date_time, TIMESTAMP '1970-01-01') - k * INTERVAL '2' SECOND AS ws, auction
      FROM bid CROSS JOIN generate_series(0, 4) AS k) w
GROUP BY ws, auction`},
	{"q5_max", `SELECT endtime, endtime + INTERVAL '2' SECOND AS maxtime, max(num) AS maxn FROM q5_counts GROUP BY endtime`},
	{"q5", `SELECT c.auction, c.num, c.starttime FROM q5_counts c JOIN q5_max m ON m.endtime = c.endtime WHERE c.num >= m.maxn`},
	{"q7_max", `SELECT ws AS window_start, ws + INTERVAL '10' SECOND AS window_end, max(price) AS maxprice
FROM (SELECT date_bin('10 seconds', date_time, TIMESTAMP '1970-01-01') AS ws, price FROM bid) w GROUP BY ws`},
	{"q7", `SELECT b.auction, b.price, b.bidder, b.date_time FROM bid b JOIN q7_max m
  ON b.price = m.maxprice AND b.date_time >= m.window_start AND b.date_time < m.window_end`},
	{"q8_people", `SELECT DISTINCT date_bin('10 seconds', date_time, TIMESTAMP '1970-01-01') AS window_start,
  date_bin('10 seconds', date_time, TIMESTAMP '1970-01-01') + INTERVAL '10' SECOND AS window_end, id, name FROM person`},
	{"q8_sellers", `SELECT DISTINCT date_bin('10 seconds', date_time, TIMESTAMP '1970-01-01') AS window_start,
  date_bin('10 seconds', date_time, TIMESTAMP '1970-01-01') + INTERVAL '10' SECOND AS window_end, seller FROM auction`},
	{"q8", `SELECT p.id, p.name, p.window_start AS starttime FROM q8_people p JOIN q8_sellers s
  ON p.id = s.seller AND p.window_end = s.window_end`},
}

// nexmarkSlowEvents and nexmarkSlowRate make the second input: 40 seconds
// of event time, so every 10-second window query sees several windows
// (the connector's rate option would pace that in real time too).
const (
	nexmarkSlowEvents = 20_000
	nexmarkSlowRate   = 500
)

// testNexmarkOracle runs every Nexmark query on two inputs: the logic
// test's sources (the nexmark connector) and the generator at a slower
// event-time rate through file sources. Each input gets a database of its
// own in pg.
func testNexmarkOracle(t *testing.T, pg *oraclePostgres) {
	ctx := context.Background()
	pgAdmin := pg.connect(t, ctx)
	defer pgAdmin.Close(ctx)
	recs, _ := parseLogicFile(t, nexmarkGeneratedSLT)
	connectorSources, connectorEvents := nexmarkSLTSources(t, recs)

	inputs := []struct {
		name string
		// sources writes what the sources read into dir and returns their
		// CREATE SOURCE statements; events counts the generated events.
		sources func(t *testing.T, dir string) []string
		events  int64
		// checkSLT compares the logic test's expected rows with PostgreSQL's.
		checkSLT bool
	}{
		{name: "connector", sources: func(*testing.T, string) []string { return connectorSources },
			events: connectorEvents, checkSLT: true},
		{name: "slow_generator", sources: func(t *testing.T, dir string) []string {
			cfg := nexmark.GeneratorConfig{Seed: 7, Rate: nexmarkSlowRate, MaxOutOfOrder: 2 * time.Second}
			writeNexmarkJSONLines(t, dir, cfg, nexmarkSlowEvents)
			return nexmarkFileSources(t)
		}, events: nexmarkSlowEvents},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			dir := t.TempDir()
			srv := startLogicServer(t, dir)
			defer srv.stop()
			conn := srv.connect(ctx)
			defer conn.Close(ctx)
			for _, sql := range in.sources(t, dir) {
				mustExecNovelty(t, ctx, conn, sql)
			}
			for _, name := range nexmarkQueryNames() {
				streams, err := nexmarkQuery(name)
				if err != nil {
					t.Fatal(err)
				}
				for _, cs := range streams {
					mustExecNovelty(t, ctx, conn, statementText(cs.Origin().Text))
				}
			}

			if _, err := pgAdmin.Exec(ctx, "CREATE DATABASE nexmark_"+in.name); err != nil {
				t.Fatal(err)
			}
			pgConn := pg.connectDatabase(t, ctx, "nexmark_"+in.name)
			defer pgConn.Close(ctx)
			for _, table := range []nexmark.Table{nexmark.TablePerson, nexmark.TableAuction, nexmark.TableBid} {
				waitSourceRows(t, ctx, conn, table.String(), nexmarkTableEvents(table, in.events))
				copyToPostgres(t, ctx, conn, pgConn, table.String())
			}

			wantRows, wantLate := map[string]int{}, map[string]int{}
			want := map[string][]string{}
			for _, q := range nexmarkOracles {
				if _, err := pgConn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s AS %s", q.stream, q.postgres)); err != nil {
					t.Fatalf("%s in PostgreSQL: %v", q.stream, err)
				}
				want[q.stream] = postgresRows(t, ctx, pgConn, q.stream, "SELECT * FROM "+q.stream)
				wantRows[q.stream] = len(want[q.stream])
			}
			for _, q := range nexmarkOracles {
				got := waitRows(t, ctx, conn, "SELECT * FROM "+q.stream, len(want[q.stream]))
				t.Logf("%s: Novelty emitted %d rows, PostgreSQL computed %d", q.stream, len(got), len(want[q.stream]))
				reportRowDifferences(t, q.stream, got, want[q.stream])
			}
			checkStreamStats(t, ctx, conn, wantRows, wantLate)
			if in.checkSLT {
				checkSLTRows(t, recs, want)
			}
		})
	}
}

// TestNexmarkOraclesCoverQueries checks that every stream of nexmark/*.sql
// has its PostgreSQL equivalent.
func TestNexmarkOraclesCoverQueries(t *testing.T) {
	oracles := map[string]bool{}
	for _, q := range nexmarkOracles {
		oracles[q.stream] = true
	}
	for _, name := range nexmarkQueryNames() {
		streams, err := nexmarkQuery(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range streams {
			if !oracles[cs.Name] {
				t.Errorf("stream %s of %s.sql has no PostgreSQL equivalent in nexmarkOracles", cs.Name, name)
			}
			delete(oracles, cs.Name)
		}
	}
	for name := range oracles {
		t.Errorf("nexmarkOracles has %s, which no query creates", name)
	}
}

// TestNexmarkGeneratedLogicTestRunsQueries checks that
// nexmark_generated.slt runs the query files' statements verbatim, so its
// expected rows test the files the benchmark runs.
func TestNexmarkGeneratedLogicTestRunsQueries(t *testing.T) {
	recs, _ := parseLogicFile(t, nexmarkGeneratedSLT)
	created := map[string]string{}
	for _, rec := range recs {
		if rec.kind == "statement" && strings.HasPrefix(rec.sql, "CREATE STREAM ") {
			created[strings.Fields(rec.sql)[2]] = rec.sql
		}
	}
	if len(created) == 0 {
		t.Fatal("nexmark_generated.slt creates no stream")
	}
	for _, name := range nexmarkQueryNames() {
		streams, err := nexmarkQuery(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, cs := range streams {
			if sql, ok := created[cs.Name]; ok && sql != statementText(cs.Origin().Text) {
				t.Errorf("nexmark_generated.slt creates %s as\n%s\nnot as %s.sql does:\n%s", cs.Name, sql, name, statementText(cs.Origin().Text))
			}
		}
	}
}

func mustExecNovelty(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

var sltEventsOption = regexp.MustCompile(`events = '(\d+)'`)

// nexmarkSLTSources returns the logic test's CREATE SOURCE statements and
// the events option they share.
func nexmarkSLTSources(t *testing.T, recs []record) ([]string, int64) {
	t.Helper()
	var sources []string
	events := int64(-1)
	for _, rec := range recs {
		if rec.kind != "statement" || !strings.HasPrefix(rec.sql, "CREATE SOURCE ") {
			continue
		}
		m := sltEventsOption.FindStringSubmatch(rec.sql)
		if m == nil {
			t.Fatalf("nexmark_generated.slt:%d: a source without events", rec.line)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		if events >= 0 && n != events {
			t.Fatalf("nexmark_generated.slt:%d: events %d, the other sources have %d", rec.line, n, events)
		}
		events = n
		sources = append(sources, rec.sql)
	}
	if len(sources) != 3 {
		t.Fatalf("nexmark_generated.slt creates %d sources, want person, auction and bid", len(sources))
	}
	return sources, events
}

// checkSLTRows compares the expected rows of every `SELECT * FROM stream`
// record (rowsort) of the logic test with PostgreSQL's rows of the stream.
func checkSLTRows(t *testing.T, recs []record, want map[string][]string) {
	t.Helper()
	checked := 0
	for _, rec := range recs {
		stream, ok := strings.CutPrefix(rec.sql, "SELECT * FROM ")
		if rec.kind != "query" || !ok {
			continue
		}
		if !hasArg(&rec, "rowsort") || want[stream] == nil {
			t.Errorf("nexmark_generated.slt:%d: a SELECT * record must be rowsort and read a Nexmark stream", rec.line)
			continue
		}
		if !equalRows(rec.expected, want[stream]) {
			t.Errorf("nexmark_generated.slt:%d: the expected rows of %s differ from PostgreSQL's\n--- slt:\n%s\n--- PostgreSQL:\n%s",
				rec.line, stream, strings.Join(rec.expected, "\n"), strings.Join(want[stream], "\n"))
		}
		checked++
	}
	if checked == 0 {
		t.Error("nexmark_generated.slt has no SELECT * FROM record to check")
	}
}

// nexmarkTableEvents counts the events of table among events 0..events-1.
func nexmarkTableEvents(table nexmark.Table, events int64) int {
	n := 0
	for i := range events {
		if nexmark.TableOf(i) == table {
			n++
		}
	}
	return n
}

// copyToPostgres creates table in PostgreSQL with the columns of the
// Novelty relation of that name and copies its retained rows in.
func copyToPostgres(t *testing.T, ctx context.Context, novelty, pg *pgx.Conn, table string) {
	t.Helper()
	rows, err := novelty.Query(ctx, "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	var data [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading %s back: %v", table, err)
	}
	var columns, defs []string
	for _, fd := range rows.FieldDescriptions() {
		typ, ok := novelty.TypeMap().TypeForOID(fd.DataTypeOID)
		if !ok {
			t.Fatalf("%s.%s: unknown type oid %d", table, fd.Name, fd.DataTypeOID)
		}
		columns = append(columns, fd.Name)
		defs = append(defs, fd.Name+" "+typ.Name)
	}
	if _, err := pg.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", table, strings.Join(defs, ", "))); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(data)); err != nil {
		t.Fatalf("copying %s into PostgreSQL: %v", table, err)
	}
}

// nexmarkFileSources returns sources.sql's statements reading the files
// writeNexmarkJSONLines writes.
func nexmarkFileSources(t *testing.T) []string {
	t.Helper()
	sources, err := nexmarkSources()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, table := range []string{"person", "auction", "bid"} {
		out = append(out, fmt.Sprintf("%s WITH (connector = 'file', path = '%s.jsonl', format = 'json')",
			statementText(sources[table].Origin().Text), table))
	}
	return out
}

// writeNexmarkJSONLines writes events 0..events-1 of the generator into
// dir/person.jsonl, auction.jsonl and bid.jsonl, with sources.sql's column
// names.
func writeNexmarkJSONLines(t *testing.T, dir string, cfg nexmark.GeneratorConfig, events int64) {
	t.Helper()
	gen := nexmark.NewGenerator(cfg)
	encoders := map[nexmark.Table]*json.Encoder{}
	for _, table := range []nexmark.Table{nexmark.TablePerson, nexmark.TableAuction, nexmark.TableBid} {
		f, err := os.Create(filepath.Join(dir, table.String()+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		encoders[table] = json.NewEncoder(f)
	}
	ts := func(micros int64) string { return time.UnixMicro(micros).UTC().Format("2006-01-02 15:04:05.000") }
	var (
		p nexmark.Person
		a nexmark.Auction
		b nexmark.Bid
	)
	for n := range events {
		table := nexmark.TableOf(n)
		var row map[string]any
		switch table {
		case nexmark.TablePerson:
			gen.Person(n, &p)
			row = map[string]any{"id": p.ID, "name": p.Name, "email_address": p.EmailAddress, "credit_card": p.CreditCard,
				"city": p.City, "state": p.State, "date_time": ts(p.DateTime), "extra": p.Extra}
		case nexmark.TableAuction:
			gen.Auction(n, &a)
			row = map[string]any{"id": a.ID, "item_name": a.ItemName, "description": a.Description, "initial_bid": a.InitialBid,
				"reserve": a.Reserve, "date_time": ts(a.DateTime), "expires": ts(a.Expires), "seller": a.Seller,
				"category": a.Category, "extra": a.Extra}
		default:
			gen.Bid(n, &b)
			row = map[string]any{"auction": b.Auction, "bidder": b.Bidder, "price": b.Price, "channel": b.Channel,
				"url": b.URL, "date_time": ts(b.DateTime), "extra": b.Extra}
		}
		if err := encoders[table].Encode(row); err != nil {
			t.Fatal(err)
		}
	}
}
