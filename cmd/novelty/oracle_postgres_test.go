package main

// A throwaway PostgreSQL server for the oracle tests and benchmarks:
// Debian's postgresql package (scripts/test.sh installs it), initdb'd in a
// temporary directory and started on loopback. Missing binaries skip the
// caller, or fail it in CI.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// oraclePostgres is a throwaway PostgreSQL server on loopback.
type oraclePostgres struct {
	port int
}

func (p *oraclePostgres) connect(t testing.TB, ctx context.Context) *pgx.Conn {
	t.Helper()
	return p.connectDatabase(t, ctx, "postgres")
}

// connectDatabase connects to the database db, which must exist.
func (p *oraclePostgres) connectDatabase(t testing.TB, ctx context.Context, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s sslmode=disable", p.port, db))
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
