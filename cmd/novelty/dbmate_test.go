package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDbmate applies, reports and rolls back migrations with the dbmate
// binary (npm dbmate, a Go program on lib/pq): its schema_migrations table,
// quote_ident(unnest($1::text[])) and a transaction per migration.
func TestDbmate(t *testing.T) {
	bin := filepath.Join(nodeModules(t), ".bin", "dbmate")
	if _, err := exec.LookPath(bin); err != nil {
		requireClient(t, "npm dbmate", err)
	}
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	migrations, err := filepath.Abs("../../testdata/migrations/dbmate")
	if err != nil {
		t.Fatal(err)
	}
	dbmate := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--url", dsn(srv, "postgres"), "--migrations-dir", migrations,
			"--no-dump-schema"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("dbmate %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	dbmate("migrate")
	status := dbmate("status")
	for _, want := range []string{"[X] 20240101000000_events.sql", "[X] 20240102000000_users.sql", "Applied: 2", "Pending: 0"} {
		if !strings.Contains(status, want) {
			t.Fatalf("status after migrate lacks %q:\n%s", want, status)
		}
	}
	if got := fmt.Sprint(objectNames(t, srv)); got != "[logins failures failures_out schema_migrations users]" {
		t.Fatalf("objects after migrate: %s", got)
	}
	dbmate("rollback")
	if status := dbmate("status"); !strings.Contains(status, "[ ] 20240102000000_users.sql") || !strings.Contains(status, "Applied: 1") {
		t.Fatalf("status after rollback:\n%s", status)
	}
	dbmate("rollback")
	if got := fmt.Sprint(objectNames(t, srv)); got != "[schema_migrations]" {
		t.Fatalf("objects after rolling back both: %s", got)
	}
	if status := dbmate("status"); !strings.Contains(status, "Applied: 0") || !strings.Contains(status, "Pending: 2") {
		t.Fatalf("status after rollback of both:\n%s", status)
	}
}
