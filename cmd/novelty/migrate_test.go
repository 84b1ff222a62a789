package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/postgres"
	_ "github.com/golang-migrate/migrate/v4/source/file"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// objectNames lists the user's sources, streams, sinks and tables.
func objectNames(t *testing.T, srv *logicServer) []string {
	t.Helper()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	var names []string
	for _, show := range []string{"SHOW SOURCES", "SHOW STREAMS", "SHOW SINKS", "SHOW TABLES"} {
		rows, err := conn.Query(ctx, show)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			name := string(rows.RawValues()[0])
			if name != "novelty_errors" {
				names = append(names, name)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func dsn(srv *logicServer, scheme string) string {
	host, port, _ := net.SplitHostPort(srv.addr)
	return fmt.Sprintf("%s://mig@%s:%s/appdb?sslmode=disable", scheme, host, port)
}

// TestGolangMigrate applies and rolls back migrations that declare sources,
// streams, sinks and tables with golang-migrate (lib/pq, advisory locks,
// information_schema, TRUNCATE + INSERT in a transaction).
func TestGolangMigrate(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	m, err := migrate.New("file://../../testdata/migrations/golang-migrate", dsn(srv, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	if v, dirty, err := m.Version(); err != nil || v != 2 || dirty {
		t.Fatalf("version after up = %d dirty=%v err=%v, want 2 clean", v, dirty, err)
	}
	if got := fmt.Sprint(objectNames(t, srv)); got != "[logins failures failures_out schema_migrations users]" {
		t.Fatalf("objects after up: %s", got)
	}
	if err := m.Steps(-1); err != nil {
		t.Fatalf("down one: %v", err)
	}
	if v, _, err := m.Version(); err != nil || v != 1 {
		t.Fatalf("version after one down = %d, %v", v, err)
	}
	if err := m.Down(); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, _, err := m.Version(); !errors.Is(err, migrate.ErrNilVersion) {
		t.Fatalf("version after down: %v, want none", err)
	}
	if got := fmt.Sprint(objectNames(t, srv)); got != "[schema_migrations]" {
		t.Fatalf("objects after down: %s", got)
	}
}

// TestGoose applies, reports and rolls back migrations with goose (pgx
// stdlib, its version table with serial ids and timestamps).
func TestGoose(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	db, err := sql.Open("pgx", dsn(srv, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := goose.SetDialect("postgres"); err != nil {
		t.Fatal(err)
	}
	goose.SetLogger(goose.NopLogger())
	dir := "../../testdata/migrations/goose"
	if err := goose.Up(db, dir); err != nil {
		t.Fatalf("up: %v", err)
	}
	if v, err := goose.GetDBVersion(db); err != nil || v != 2 {
		t.Fatalf("version after up = %d, %v", v, err)
	}
	if err := goose.Status(db, dir); err != nil {
		t.Fatalf("status: %v", err)
	}
	if got := fmt.Sprint(objectNames(t, srv)); got != "[logins failures goose_db_version users]" {
		t.Fatalf("objects after up: %s", got)
	}
	if err := goose.DownTo(db, dir, 0); err != nil {
		t.Fatalf("down: %v", err)
	}
	if v, err := goose.GetDBVersion(db); err != nil || v != 0 {
		t.Fatalf("version after down = %d, %v", v, err)
	}
	if got := fmt.Sprint(objectNames(t, srv)); got != "[goose_db_version]" {
		t.Fatalf("objects after down: %s", got)
	}
}
