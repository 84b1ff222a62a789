package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// cursorTestTimeout bounds each cursor test's statements: a FETCH over
// SUBSCRIBE waits for rows, so a lost row must fail the test, not hang it.
const cursorTestTimeout = 30 * time.Second

// connectCancelling connects with pgx in its default (extended protocol)
// mode, with a cancelled context sending a CancelRequest as psql does,
// instead of pgx's default of closing the connection.
func connectCancelling(t *testing.T, srv *logicServer) *pgx.Conn {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.addr)
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s user=app dbname=novelty sslmode=disable", host, port))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cursorTestTimeout}
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return fmt.Sprintf("%v", err)
}

// TestPgxSubscribeCursor reads a SUBSCRIBE through DECLARE and FETCH with
// pgx, then cancels a FETCH that waits for rows.
func TestPgxSubscribeCursor(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx, cancel := context.WithTimeout(context.Background(), cursorTestTimeout)
	defer cancel()
	writer := srv.connect(ctx)
	defer writer.Close(ctx)
	conn := connectCancelling(t, srv)
	defer conn.Close(ctx)

	mustExec(t, writer, "CREATE SOURCE clicks (user_name TEXT, page TEXT)")
	mustExec(t, writer, "CREATE STREAM checkouts AS SELECT user_name FROM clicks WHERE page = 'checkout'")
	if _, err := conn.Exec(ctx, "DECLARE c CURSOR FOR SUBSCRIBE checkouts"); pgCode(err) != "25P01" {
		t.Fatalf("DECLARE outside a transaction block: %v, want 25P01", err)
	}
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "DECLARE c CURSOR FOR SUBSCRIBE checkouts"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, writer, "INSERT INTO clicks VALUES ('ann', 'checkout'), ('bob', 'home'), ('cid', 'checkout')")
	var users []string
	for len(users) < 2 { // each FETCH waits for a row, then returns what arrived
		rows, err := conn.Query(ctx, "FETCH 2 c")
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatal("FETCH over SUBSCRIBE returned no rows")
		}
		users = append(users, got...)
	}
	if want := []string{"ann", "cid"}; !reflect.DeepEqual(users, want) {
		t.Errorf("fetched %q, want %q", users, want)
	}

	// No row comes: the FETCH waits until the context's cancel request.
	waitCtx, stop := context.WithTimeout(ctx, 200*time.Millisecond)
	defer stop()
	_, err := conn.Exec(waitCtx, "FETCH 1 c")
	if code := pgCode(err); code != "57014" && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled FETCH: %v, want 57014", err)
	}
	if conn.IsClosed() {
		t.Fatal("the connection closed after the cancel")
	}
	if _, err := conn.Exec(ctx, "FETCH 1 c"); pgCode(err) != "25P02" {
		t.Errorf("FETCH in the failed transaction: %v, want 25P02", err)
	}
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT after ROLLBACK: %d, %v", one, err)
	}
	if _, err := conn.Exec(ctx, "FETCH 1 c"); pgCode(err) != "34000" {
		t.Errorf("FETCH after ROLLBACK: %v, want 34000 (the cursor closed)", err)
	}
}

// TestPgxBinaryCursorAndCopyTo fetches from a BINARY cursor in the simple
// protocol (binary rows pgx decodes) and reads COPY TO STDOUT with pgx's
// CopyTo.
func TestPgxBinaryCursorAndCopyTo(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	mustExec(t, conn, "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, price DOUBLE PRECISION)")
	mustExec(t, conn, `INSERT INTO items VALUES (1, 'tea', 2.5), (2, 'coffee, black', NULL), (3, 'say "hi"', 4)`)

	mustExec(t, conn, "BEGIN")
	mustExec(t, conn, "DECLARE b BINARY CURSOR FOR SELECT id, name FROM items ORDER BY id")
	rows, err := conn.Query(ctx, "FETCH 2 FROM b")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rows.FieldDescriptions() {
		if f.Format != pgx.BinaryFormatCode {
			t.Errorf("column %s in format %d, want binary", f.Name, f.Format)
		}
	}
	type item struct {
		ID   int64
		Name string
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[item])
	if want := []item{{1, "tea"}, {2, "coffee, black"}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("FETCH from a BINARY cursor: %v %v, want %v", got, err, want)
	}
	mustExec(t, conn, "COMMIT")

	var out strings.Builder
	tag, err := conn.PgConn().CopyTo(ctx, &out, "COPY items (name, price) TO STDOUT WITH (FORMAT csv, HEADER)")
	want := "name,price\ntea,2.5\n\"coffee, black\",\n\"say \"\"hi\"\"\",4\n"
	if err != nil || tag.String() != "COPY 3" || out.String() != want {
		t.Errorf("COPY TO STDOUT: %q %q %v\nwant %q", tag.String(), out.String(), err, want)
	}
}

// TestPsqlCopyTo writes files with psql's \copy ... to, which reads them
// through COPY TO STDOUT.
func TestPsqlCopyTo(t *testing.T) {
	copyPsqlPath(t)
	dir := t.TempDir()
	srv := startLogicServer(t, dir)
	defer srv.stop()
	conn := srv.connect(context.Background())
	defer conn.Close(context.Background())
	mustExec(t, conn, "CREATE TABLE people (id INT PRIMARY KEY, name TEXT, note TEXT)")
	mustExec(t, conn, `INSERT INTO people VALUES (1, 'Smith, Ann', E'two\nlines'), (2, NULL, E'tab\there'), (3, 'back\slash', '')`)

	out, stderr, err := psql(t, srv, dir, "-c", `\copy people to 'people.txt'`)
	if err != nil || out != "COPY 3\n" {
		t.Fatalf("\\copy to: %q, %v\n%s", out, err, stderr)
	}
	out, stderr, err = psql(t, srv, dir, "-c", `\copy (SELECT id, name, note FROM people WHERE id > 1 ORDER BY id DESC) to 'people.csv' with (format csv, header)`)
	if err != nil || out != "COPY 2\n" {
		t.Fatalf("\\copy (query) to: %q, %v\n%s", out, err, stderr)
	}
	for file, want := range map[string]string{
		"people.txt": "1\tSmith, Ann\ttwo\\nlines\n2\t\\N\ttab\\there\n3\tback\\\\slash\t\n",
		"people.csv": "id,name,note\n3,back\\slash,\"\"\n2,,tab\there\n",
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || string(data) != want {
			t.Errorf("%s: %q %v\nwant %q", file, data, err, want)
		}
	}
}

// TestNodePostgresCursor runs testdata/clients/node/cursor.js with
// node-postgres: FETCH over SUBSCRIBE and a cancelled FETCH.
func TestNodePostgresCursor(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		requireClient(t, "node", err)
	}
	modules := nodeModules(t)
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	out := runClient(t, srv, filepath.Join("testdata", "clients", "node"), []string{"NODE_PATH=" + modules}, node, "cursor.js")
	const want = `{
		"outsideTransaction": "25P01",
		"answer": [{"v": 42}],
		"fetched": [1, 3],
		"cancelled": {"code": "57014"},
		"afterRollback": [{"one": 1}],
		"closedAtRollback": "34000"
	}`
	var got, expected any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("node output is not JSON: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(want), &expected); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, expected) {
		t.Errorf("node-postgres cursor summary:\n%s\nwant\n%s", out, want)
	}
}
