package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"testing"

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
