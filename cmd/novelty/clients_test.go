package main

// Integration tests with Postgres clients written in other languages: the
// programs under testdata/clients run against a real server and print what
// they saw, which these tests compare with the expected output.
// scripts/test.sh installs the clients; outside CI a missing client skips
// its test, in CI (the variable CI is set) it fails it.

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// clientTimeout bounds one client program's run, start-up included (the
// Java launcher compiles the source file first).
const clientTimeout = 2 * time.Minute

// requireClient skips the test, or fails it in CI, when what is missing is
// not installed.
func requireClient(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI: %v", what, err)
	}
	t.Skipf("%s is not installed (scripts/test.sh installs it): %v", what, err)
}

// runClient runs a client program against srv, with its port as the last
// argument, and returns its standard output.
func runClient(t *testing.T, srv *logicServer, dir string, env []string, name string, args ...string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, append(args, port)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// nodeModules is where scripts/test.sh installs npm pg:
// $NOVELTY_TEST_NPM_DIR, by default $HOME/.cache/novelty-test-npm.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NOVELTY_TEST_NPM_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			requireClient(t, "npm pg", err)
		}
		dir = filepath.Join(home, ".cache", "novelty-test-npm")
	}
	modules := filepath.Join(dir, "node_modules")
	data, err := os.ReadFile(filepath.Join(modules, "pg", "package.json"))
	if err != nil {
		requireClient(t, "npm pg", err)
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatalf("reading the version of npm pg: %v", err)
	}
	if pkg.Version != "8.23.1" {
		t.Fatalf("npm pg in %s is %s, want 8.23.1", modules, pkg.Version)
	}
	return modules
}

// TestNodePostgres runs testdata/clients/node/script.js with node-postgres.
// Node runs in a zone with a UTC offset, so timestamptz parameters arrive
// with an offset the server must apply.
func TestNodePostgres(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		requireClient(t, "node", err)
	}
	modules := nodeModules(t)
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	out := runClient(t, srv, filepath.Join("testdata", "clients", "node"),
		[]string{"NODE_PATH=" + modules, "TZ=America/New_York"}, node, "script.js")

	const want = `{
		"inserted": 3,
		"selected": [
			{"id": {"type": "number", "value": 1}, "label": {"type": "string", "value": "first"},
			 "ok": {"type": "boolean", "value": true}, "at": {"type": "Date", "value": "2024-05-01T10:00:00.250Z"},
			 "score": {"type": "number", "value": 0.25},
			 "doc": {"type": "object", "value": {"kind": "a", "tags": ["x", "y"]}}},
			{"id": {"type": "number", "value": 2}, "label": {"type": "string", "value": "it's second"},
			 "ok": {"type": "boolean", "value": false}, "at": {"type": "Date", "value": "2024-05-01T11:00:00.250Z"},
			 "score": {"type": "number", "value": -1.5},
			 "doc": {"type": "object", "value": {"kind": "b", "nested": {"n": 2}}}}
		],
		"byTime": [2],
		"byJSON": [{"id": {"type": "number", "value": 2}, "kind": {"type": "string", "value": "b"}}],
		"named": ["it's second", "first"],
		"missingTable": "42P01",
		"clicksInserted": 3,
		"fromStream": [{"user_name": {"type": "string", "value": "ben"}, "ts": {"type": "string", "value": "2024-05-01 10:00:02.5"}}],
		"fromSource": [{"n": {"type": "string", "value": "1"}}]
	}`
	var got, expected any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("node output is not JSON: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(want), &expected); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, expected) {
		gotJSON, _ := json.MarshalIndent(got, "", "  ")
		wantJSON, _ := json.MarshalIndent(expected, "", "  ")
		t.Errorf("node-postgres summary differs\ngot:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
}

// pgjdbcJar is where Debian's libpostgresql-jdbc-java installs pgjdbc.
const pgjdbcJar = "/usr/share/java/postgresql.jar"

// jdbcKnownGaps are the output sections of ClientTest.java whose metadata
// queries the server cannot answer yet, with the SQLSTATE they fail with.
// Such a section must print that error; once it works the test fails until
// its entry is removed here, and then its rows in jdbcWant are compared.
var jdbcKnownGaps = map[string]string{}

// jdbcWant is ClientTest.java's output from a server that answers every
// call; the metadata rows are what PostgreSQL 15 returns for the same
// relations (a source is a foreign table, a stream a view).
var jdbcWant = []string{
	"inserted: 2",
	"select 0: ann 10.5 true 2024-05-01T10:00:00.500Z",
	"select 1: o'brien -3.25 false null",
	"select 2: ann 10.5 true 2024-05-01T10:00:00.500Z",
	"select 3: o'brien -3.25 false null",
	"select 4: ann 10.5 true 2024-05-01T10:00:00.500Z",
	"select 5: o'brien -3.25 false null",
	"stream: 150.0 250.0",
	"tables: public payments FOREIGN TABLE",
	"tables: public accounts TABLE",
	"tables: public large_payments VIEW",
	"columns accounts: 1 id int8 -5 NO",
	"columns accounts: 2 owner text 12 NO",
	"columns accounts: 3 balance float8 8 YES",
	"columns accounts: 4 active bool -7 YES",
	"columns accounts: 5 opened timestamptz 93 YES",
	"columns payments: 1 account int8 -5 YES",
	"columns payments: 2 amount float8 8 YES",
	"columns payments: 3 ts timestamp 93 YES",
	"columns large_payments: 1 account int8 -5 YES",
	"columns large_payments: 2 amount float8 8 YES",
	"columns large_payments: 3 ts timestamp 93 YES",
	"schemas: information_schema",
	"schemas: pg_catalog",
	"schemas: public",
}

// TestPgJDBC runs testdata/clients/jdbc/ClientTest.java with pgjdbc.
func TestPgJDBC(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		requireClient(t, "java", err)
	}
	if _, err := os.Stat(pgjdbcJar); err != nil {
		requireClient(t, "pgjdbc (libpostgresql-jdbc-java)", err)
	}
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	out := runClient(t, srv, filepath.Join("testdata", "clients", "jdbc"), []string{"TZ=UTC"},
		java, "-cp", pgjdbcJar, "ClientTest.java")

	var got []string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		section, rest, _ := strings.Cut(line, ": ")
		state, isGap := jdbcKnownGaps[section]
		if !isGap {
			got = append(got, line)
			continue
		}
		if !strings.HasPrefix(rest, "ERROR "+state+" ") {
			t.Errorf("known gap %q no longer fails with %s (remove it from jdbcKnownGaps): %s", section, state, line)
			continue
		}
		t.Logf("known gap: %s", line)
	}
	var want []string
	for _, line := range jdbcWant {
		section, _, _ := strings.Cut(line, ": ")
		if _, isGap := jdbcKnownGaps[section]; !isGap {
			want = append(want, line)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pgjdbc output differs\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for section := range jdbcKnownGaps {
		if !strings.Contains(out, section+": ERROR ") {
			t.Errorf("known gap %q printed no error\n%s", section, out)
		}
	}
}
