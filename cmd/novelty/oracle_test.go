package main

// The window oracle: the same generated events go into Novelty (once
// through a bounded file source, whose end flushes every open window, once
// through INSERTs closed by a far-future sentinel row) and into a real
// PostgreSQL, where the batch equivalent of each stream (GROUP BY on
// computed window bounds) must give exactly the rows the stream emitted.
//
// PostgreSQL comes from Debian's postgresql package (scripts/test.sh
// installs it); the test starts a throwaway server on loopback. As with the
// other client tests, missing binaries skip the test, or fail it in CI.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// oracleEvent is one generated row of the source ev.
type oracleEvent struct {
	userID string
	amount *int32 // nil is NULL
	ts     time.Time
}

const (
	oracleEvents     = 5000
	oracleUsers      = 20
	oracleWaitOutput = 30 * time.Second
)

// oracleWatermarkDelay is the source's WATERMARK delay; the generator keeps
// every row's disorder below it, so no row is late.
const oracleWatermarkDelay = 5 * time.Second

// generateOracleEvents returns deterministic events: time advances by 0-2s
// per row, and one row in eight is moved back by up to 4s (less than the
// watermark delay). One amount in thirty is NULL.
func generateOracleEvents(seed uint64) []oracleEvent {
	rng := rand.New(rand.NewPCG(seed, 0x6f7261636c65))
	clock := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	events := make([]oracleEvent, oracleEvents)
	for i := range events {
		clock = clock.Add(time.Duration(rng.IntN(3)) * time.Second)
		ts := clock
		if rng.IntN(8) == 0 {
			ts = ts.Add(-time.Duration(rng.IntN(5)) * time.Second)
		}
		ev := oracleEvent{userID: fmt.Sprintf("u%02d", rng.IntN(oracleUsers)), ts: ts}
		if rng.IntN(30) != 0 {
			amount := int32(rng.IntN(1100) - 100)
			ev.amount = &amount
		}
		events[i] = ev
	}
	return events
}

// writeOracleJSONLines writes the events as the file source reads them.
func writeOracleJSONLines(t *testing.T, path string, events []oracleEvent) {
	var buf bytes.Buffer
	for _, ev := range events {
		amount := "null"
		if ev.amount != nil {
			amount = strconv.Itoa(int(*ev.amount))
		}
		fmt.Fprintf(&buf, `{"user_id":%q,"amount":%s,"ts":%q}`+"\n", ev.userID, amount, ev.ts.Format("2006-01-02 15:04:05"))
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// oracleQuery is one stream and its batch equivalent in PostgreSQL; both
// select the same columns in the same order.
type oracleQuery struct {
	stream   string
	create   string
	columns  string
	postgres string
}

var oracleQueries = []oracleQuery{
	{
		stream: "tumble10",
		create: `CREATE STREAM tumble10 AS SELECT window_start, window_end, user_id, count(*) AS n, count(amount) AS n_amount,
  sum(amount) AS total, min(amount) AS lo, max(amount) AS hi
FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), user_id`,
		columns: "window_start, window_end, user_id, n, n_amount, total, lo, hi",
		postgres: `SELECT ws, ws + INTERVAL '10 seconds', user_id, count(*), count(amount), sum(amount), min(amount), max(amount)
FROM (SELECT date_bin('10 seconds', ts, TIMESTAMP '1970-01-01') AS ws, user_id, amount FROM ev) w
GROUP BY ws, user_id`,
	},
	{
		stream: "hop5x20",
		create: `CREATE STREAM hop5x20 AS SELECT window_start, window_end, user_id, count(*) AS n, sum(amount) AS total
FROM ev GROUP BY HOP(ts, INTERVAL '5' SECOND, INTERVAL '20' SECOND), user_id`,
		columns: "window_start, window_end, user_id, n, total",
		// A row belongs to the four windows whose start is its 5s bin or one
		// of the three bins before it.
		postgres: `SELECT ws, ws + INTERVAL '20 seconds', user_id, count(*), sum(amount)
FROM (SELECT date_bin('5 seconds', ts, TIMESTAMP '1970-01-01') - k * INTERVAL '5 seconds' AS ws, user_id, amount
      FROM ev CROSS JOIN generate_series(0, 3) AS k) w
GROUP BY ws, user_id`,
	},
}

func TestOracleWindowsAgainstPostgres(t *testing.T) {
	pg := startOraclePostgres(t)
	ctx := context.Background()
	events := generateOracleEvents(20240501)

	pgConn := pg.connect(t, ctx)
	defer pgConn.Close(ctx)
	loadOraclePostgres(t, ctx, pgConn, events)
	want := make([][]string, len(oracleQueries))
	for i, q := range oracleQueries {
		rows, err := queryText(ctx, pgConn, q.postgres)
		if err != nil {
			t.Fatalf("%s in PostgreSQL: %v", q.stream, err)
		}
		want[i] = rows
	}

	feeds := []struct {
		name string
		with string // the source's WITH clause
		// prepare runs before the source exists, feed once the streams do;
		// either may be nil.
		prepare func(t *testing.T, dir string)
		feed    func(t *testing.T, ctx context.Context, conn *pgx.Conn)
	}{
		// A bounded file: batches of types.BatchSize rows, and the end of the
		// input emits every open window.
		{name: "file", with: " WITH (connector = 'file', path = 'ev.jsonl', format = 'json')",
			prepare: func(t *testing.T, dir string) {
				writeOracleJSONLines(t, filepath.Join(dir, "ev.jsonl"), events)
			}},
		// INSERTs of 1-40 rows: the watermark advances (and windows close)
		// many times. A final row an hour later closes every window of the
		// events; its own windows stay open, so it is in no compared row.
		{name: "insert", feed: func(t *testing.T, ctx context.Context, conn *pgx.Conn) {
			insertOracleEvents(t, ctx, conn, events)
		}},
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
			mustExec(fmt.Sprintf("CREATE SOURCE ev (user_id TEXT, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '%d' SECOND)%s",
				int(oracleWatermarkDelay/time.Second), f.with))
			for _, q := range oracleQueries {
				mustExec(q.create)
			}
			if f.feed != nil {
				f.feed(t, ctx, conn)
			}
			for i, q := range oracleQueries {
				got := waitStreamRows(t, ctx, conn, q, len(want[i]))
				t.Logf("%s: Novelty emitted %d rows, PostgreSQL computed %d", q.stream, len(got), len(want[i]))
				reportRowDifferences(t, q.stream, got, want[i])
			}
			checkStreamStats(t, ctx, conn, want)
		})
	}
}

// insertOracleEvents inserts the events in chunks of 1-40 rows, then a
// sentinel row an hour after the last event.
func insertOracleEvents(t *testing.T, ctx context.Context, conn *pgx.Conn, events []oracleEvent) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	var sql strings.Builder
	for start := 0; start < len(events); {
		end := min(len(events), start+1+rng.IntN(40))
		sql.Reset()
		sql.WriteString("INSERT INTO ev VALUES ")
		for i, ev := range events[start:end] {
			if i > 0 {
				sql.WriteString(", ")
			}
			amount := "NULL"
			if ev.amount != nil {
				amount = strconv.Itoa(int(*ev.amount))
			}
			fmt.Fprintf(&sql, "('%s', %s, '%s')", ev.userID, amount, ev.ts.Format("2006-01-02 15:04:05"))
		}
		if _, err := conn.Exec(ctx, sql.String()); err != nil {
			t.Fatalf("inserting events %d-%d: %v", start, end, err)
		}
		start = end
	}
	last := events[len(events)-1].ts
	sentinel := fmt.Sprintf("INSERT INTO ev VALUES ('sentinel', 0, '%s')", last.Add(time.Hour).Format("2006-01-02 15:04:05"))
	if _, err := conn.Exec(ctx, sentinel); err != nil {
		t.Fatalf("inserting the sentinel: %v", err)
	}
}

// waitStreamRows polls the stream's retained output until it holds at least
// want rows (the source has ended, so the count only grows) or the deadline
// passes, and returns its rows sorted.
func waitStreamRows(t *testing.T, ctx context.Context, conn *pgx.Conn, q oracleQuery, want int) []string {
	t.Helper()
	sql := fmt.Sprintf("SELECT %s FROM %s", q.columns, q.stream)
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

// checkStreamStats asserts that no stream dropped a late row (the
// generator keeps disorder below the watermark delay, and a dropped row
// would make the comparison meaningless) and that each emitted no more rows
// than the comparison read.
func checkStreamStats(t *testing.T, ctx context.Context, conn *pgx.Conn, want [][]string) {
	t.Helper()
	rows, err := queryText(ctx, conn, "SHOW STREAMS")
	if err != nil {
		t.Fatal(err)
	}
	wantRows := map[string]int{}
	for i, q := range oracleQueries {
		wantRows[q.stream] = len(want[i])
	}
	for _, row := range rows {
		// SHOW STREAMS starts with name, rows_out, late_rows.
		var name string
		var out, late int
		if _, err := fmt.Sscan(row, &name, &out, &late); err != nil {
			t.Fatalf("SHOW STREAMS row %q: %v", row, err)
		}
		if late != 0 {
			t.Errorf("stream %s dropped %d late rows", name, late)
		}
		if out != wantRows[name] {
			t.Errorf("stream %s emitted %d rows, want %d", name, out, wantRows[name])
		}
	}
}

// loadOraclePostgres creates the table ev in PostgreSQL and copies the events in.
func loadOraclePostgres(t *testing.T, ctx context.Context, conn *pgx.Conn, events []oracleEvent) {
	t.Helper()
	if _, err := conn.Exec(ctx, `CREATE TABLE ev (user_id TEXT, amount INT, ts TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	rows := make([][]any, len(events))
	for i, ev := range events {
		rows[i] = []any{ev.userID, ev.amount, ev.ts}
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"ev"}, []string{"user_id", "amount", "ts"}, pgx.CopyFromRows(rows))
	if err != nil {
		t.Fatalf("copying events into PostgreSQL: %v", err)
	}
	if n != int64(len(events)) {
		t.Fatalf("copied %d events into PostgreSQL, want %d", n, len(events))
	}
}

// oraclePostgres is a throwaway PostgreSQL server on loopback.
type oraclePostgres struct {
	port int
}

func (p *oraclePostgres) connect(t testing.TB, ctx context.Context) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", p.port))
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	return conn
}

// startOraclePostgres initdbs a temporary cluster and starts it; t.Cleanup
// stops it and removes its files. PostgreSQL refuses to run as root, so as
// root the server runs as the user nobody in a directory nobody owns.
func startOraclePostgres(t testing.TB) *oraclePostgres {
	t.Helper()
	bin, err := findPostgresBin()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL server binaries are required in CI: %v", err)
		}
		t.Skipf("PostgreSQL server binaries not available: %v", err)
	}
	root, err := os.MkdirTemp("", "novelty-oracle-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	runAs, err := postgresRunAs(root)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(root, "data")
	logFile := filepath.Join(root, "postgres.log")
	run := func(name string, args ...string) error {
		cmd := runAs(filepath.Join(bin, name), args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "--no-locale", "-E", "UTF8"); err != nil {
		t.Fatal(err)
	}
	port, err := freeLoopbackPort()
	if err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", port, root)
	if err := run("pg_ctl", "-D", data, "-l", logFile, "-w", "-o", opts, "start"); err != nil {
		serverLog, _ := os.ReadFile(logFile)
		t.Fatalf("%v\n%s", err, serverLog)
	}
	t.Cleanup(func() {
		if err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Errorf("stopping PostgreSQL: %v", err)
		}
	})
	return &oraclePostgres{port: port}
}

// findPostgresBin returns a directory holding initdb and pg_ctl: the one
// initdb is found in on PATH, /usr/local/bin, or Debian's
// /usr/lib/postgresql/<version>/bin (the newest version).
func findPostgresBin() (string, error) {
	var dirs []string
	if path, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(path))
	}
	dirs = append(dirs, "/usr/local/bin")
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(debian, func(i, j int) bool { return postgresVersion(debian[i]) > postgresVersion(debian[j]) })
	dirs = append(dirs, debian...)
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	return "", errors.New("no directory with initdb and pg_ctl on PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin")
}

// postgresVersion reads the major version of /usr/lib/postgresql/<version>/bin.
func postgresVersion(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// postgresRunAs returns how to run a PostgreSQL program: directly, or as
// root through runuser as nobody, after giving dir to nobody.
func postgresRunAs(dir string) (func(name string, args ...string) *exec.Cmd, error) {
	if os.Geteuid() != 0 {
		return func(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }, nil
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running PostgreSQL as root needs the user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, fmt.Errorf("giving %s to nobody: %w", dir, err)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return nil, fmt.Errorf("running PostgreSQL as root needs runuser: %w", err)
	}
	return func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(runuser, append([]string{"-u", "nobody", "--", name}, args...)...)
		cmd.Dir = dir // nobody may not be able to enter the test's working directory
		return cmd
	}, nil
}

// freeLoopbackPort returns a port that was free on 127.0.0.1 a moment ago.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
