package main

import (
	"context"
	"testing"
	"time"
)

// TestShowNoveltyContexts checks SHOW NOVELTY CONTEXTS over the wire: one
// row per context with its observation count, and a node and byte size.
func TestShowNoveltyContexts(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	for _, sql := range []string{
		`CREATE SOURCE ev (a TEXT, b TEXT)`,
		`CREATE STREAM s1 WITH (novelty_context = 'shared') AS SELECT novelty_score(a, b) AS s FROM ev`,
		`CREATE STREAM s2 AS SELECT novelty_score(a) AS s FROM ev`,
		`INSERT INTO ev VALUES ('x', '1'), ('x', '2'), ('y', '1')`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	type row struct {
		name         string
		obs          int64
		nodes, bytes int64
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []row
		rows, err := conn.Query(ctx, `SHOW NOVELTY CONTEXTS`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.name, &r.obs, &r.nodes, &r.bytes); err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		done := len(got) == 2 && got[0].obs == 3 && got[1].obs == 3
		if done {
			// shared holds x, y and their children 1, 2, 1: five nodes; s2 holds x and y.
			if got[0].name != "s2" || got[0].nodes != 2 || got[1].name != "shared" || got[1].nodes != 5 ||
				got[0].bytes <= 0 || got[1].bytes <= 0 {
				t.Fatalf("SHOW NOVELTY CONTEXTS = %+v", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SHOW NOVELTY CONTEXTS = %+v, want two contexts with 3 observations", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
