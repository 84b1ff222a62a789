package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// copyPsqlPath finds psql. CI installs it (the variable CI is set there),
// so a missing psql fails the test in CI and skips it elsewhere.
func copyPsqlPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("psql is required in CI: %v", err)
		}
		t.Skip("psql is not installed")
	}
	return path
}

// psql runs psql against srv with unaligned, tuples-only output and
// returns its stdout and stderr.
func psql(t *testing.T, srv *logicServer, dir string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host, port, _ := net.SplitHostPort(srv.addr)
	conninfo := "host=" + host + " port=" + port + " user=tester dbname=novelty sslmode=disable"
	cmd := exec.CommandContext(ctx, copyPsqlPath(t), append([]string{"-X", "-A", "-t", "-d", conninfo}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PGTZ=", "PGOPTIONS=", "PGCLIENTENCODING=")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// textRows returns the rows of sql as collectRows renders them, one per line.
func textRows(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out, err := collectRows(rows)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return strings.Join(out, "\n")
}

func TestCopyWithPsql(t *testing.T) {
	copyPsqlPath(t)
	dir := t.TempDir()
	srv := startLogicServer(t, dir)
	defer srv.stop()
	conn := srv.connect(context.Background())
	defer conn.Close(context.Background())
	mustExec(t, conn, "CREATE TABLE people (id INT PRIMARY KEY, name TEXT, joined DATE, score INT DEFAULT 10)")

	csv := "id,name,joined\n1,\"Smith, Ann\",2024-01-02\n2,,2024-02-03\n"
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := psql(t, srv, dir, "-c", `\copy people (id, name, joined) FROM 'people.csv' CSV HEADER`)
	if err != nil || out != "COPY 2\n" {
		t.Fatalf("\\copy: %q, %v\n%s", out, err, stderr)
	}

	script := "COPY people (id, name) FROM STDIN;\n3\tTab\\there\n4\t\\N\n\\.\nSELECT count(*) FROM people;\n"
	if err := os.WriteFile(filepath.Join(dir, "script.sql"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err = psql(t, srv, dir, "-f", "script.sql")
	if err != nil || out != "COPY 2\n4\n" {
		t.Fatalf("COPY FROM STDIN script: %q, %v\n%s", out, err, stderr)
	}
	want := "1 Smith, Ann 2024-01-02 10\n2 NULL 2024-02-03 10\n3 Tab\there NULL 10\n4 NULL NULL 10"
	if got := textRows(t, conn, "SELECT id, name, joined, score FROM people ORDER BY id"); got != want {
		t.Errorf("people:\n%s\nwant\n%s", got, want)
	}

	bad := "id,name\n5,ok\nx,bad\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = psql(t, srv, dir, "-v", "ON_ERROR_STOP=1", "-c", `\copy people (id, name) FROM 'bad.csv' WITH (FORMAT csv, HEADER)`)
	wantErr := "ERROR:  invalid input syntax for type integer: \"x\"\nDETAIL:  COPY people, line 3, column id: \"x\""
	if err == nil || !strings.Contains(stderr, wantErr) {
		t.Errorf("bad \\copy: %v, stderr %q, want it to contain %q", err, stderr, wantErr)
	}
	if got := textRows(t, conn, "SELECT count(*) FROM people"); got != "4" {
		t.Errorf("failed \\copy changed the table: %s rows", got)
	}
}

// failingReader returns data, then err.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestCopyWithPgx(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	mustExec(t, conn, "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, ts TIMESTAMPTZ)")

	tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader("1,a,2024-05-01 10:00:00+02\n2,\"b\nc\",\n"), "COPY t FROM STDIN WITH (FORMAT csv)")
	if err != nil || tag.String() != "COPY 2" {
		t.Fatalf("CopyFrom: %q, %v", tag, err)
	}
	if got, want := textRows(t, conn, "SELECT id, name, ts FROM t ORDER BY id"), "1 a 2024-05-01 08:00:00+00\n2 b\nc NULL"; got != want {
		t.Errorf("rows:\n%s\nwant\n%s", got, want)
	}

	tests := []struct {
		name   string
		sql    string
		data   io.Reader
		code   string
		detail string
	}{
		{"bad value", "COPY t FROM STDIN (FORMAT csv)", strings.NewReader("3,c,\n4,d,\n5,e,yesterday-ish\n"),
			"22007", `COPY t, line 3, column ts: "yesterday-ish"`},
		{"not null", "COPY t (id) FROM STDIN", strings.NewReader("3\n"), "23502", `COPY t, line 1: "3"`},
		{"duplicate in data", "COPY t (id, name) FROM STDIN", strings.NewReader("3\tx\n3\ty\n"), "23505", "Key (id)=(3) already exists.\nCOPY t, line 2"},
		{"unknown column", "COPY t (id, nope) FROM STDIN", strings.NewReader("3\tx\n"), "42703", ""},
		{"copy fail", "COPY t FROM STDIN", &failingReader{data: "3\tx\t\\N\n", err: errors.New("disk gone")}, "57014", "COPY t, line 2"},
	}
	for _, tt := range tests {
		_, err := conn.PgConn().CopyFrom(ctx, tt.data, tt.sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != tt.code || pgErr.Detail != tt.detail {
			t.Errorf("%s: %v (%+v), want %s with detail %q", tt.name, err, pgErr, tt.code, tt.detail)
		}
		if got := textRows(t, conn, "SELECT count(*) FROM t"); got != "2" {
			t.Errorf("%s: the table has %s rows after a failed COPY", tt.name, got)
		}
	}
}

func TestCopyIntoSourceFeedsStream(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	mustExec(t, conn, "CREATE SOURCE events (id INT NOT NULL, kind TEXT, ts TIMESTAMP)")
	mustExec(t, conn, "CREATE STREAM errors_only AS SELECT id, kind FROM events WHERE kind = 'error'")

	sub := srv.connect(ctx)
	defer sub.Close(ctx)
	rows, err := sub.Query(ctx, "SUBSCRIBE errors_only LIMIT 2")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []string, 1)
	go func() {
		out, err := collectRows(rows)
		if err != nil {
			t.Errorf("subscribe: %v", err)
		}
		done <- out
	}()

	// A bad row fails the whole COPY: nothing is published.
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader("9\terror\t\\N\n\\N\terror\t\\N\n"), "COPY events FROM STDIN")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23502" {
		t.Fatalf("COPY with a NULL id: %v", err)
	}
	data := "id\tkind\tts\n1\terror\t2024-05-01 10:00:00\n2\tinfo\t2024-05-01 10:00:01\n3\terror\t\\N\n"
	tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(data), "COPY events FROM STDIN (HEADER true)")
	if err != nil || tag.String() != "COPY 3" {
		t.Fatalf("COPY into source: %q, %v", tag, err)
	}
	select {
	case got := <-done:
		if strings.Join(got, "\n") != "1 error\n3 error" {
			t.Errorf("stream rows %q", got)
		}
	case <-time.After(retryFor):
		t.Fatal("the stream did not see the copied rows")
	}
	if got := textRows(t, conn, "SELECT count(*) FROM events"); got != "3" {
		t.Errorf("source holds %s rows, want 3", got)
	}
}
