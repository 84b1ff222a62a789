package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestHTTPIngestToWebhook runs events POSTed to the server's HTTP port
// through a stream with novelty_score into a webhook: every event is
// scored once and every alert delivered, including through a webhook that
// fails before it recovers.
func TestHTTPIngestToWebhook(t *testing.T) {
	var mu sync.Mutex
	var delivered []map[string]any
	failures := 2
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var rows []map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &rows); err != nil {
			t.Errorf("webhook body %q: %v", body, err)
		}
		delivered = append(delivered, rows...)
	}))
	defer hook.Close()

	srv, base := startHTTPServer(t)
	defer srv.stop()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	mustExec(t, conn, "CREATE SOURCE logins (user_name text, src_ip text) WITH (connector = 'http')")
	mustExec(t, conn, "CREATE STREAM scored AS SELECT user_name, src_ip, novelty_score(user_name, src_ip) AS score FROM logins")
	mustExec(t, conn, "CREATE SINK alerts FROM scored WITH (connector = 'webhook', url = '"+hook.URL+"', batch_size = '2', max_backoff = '50ms')")

	events := `{"user_name": "alice", "src_ip": "10.0.0.1"}
{"user_name": "alice", "src_ip": "10.0.0.1"}
{"user_name": "bob", "src_ip": "10.0.0.2"}
not json
{"user_name": "alice", "src_ip": "10.9.9.9"}`
	resp, err := http.Post(base+"/ingest/logins", "application/x-ndjson", strings.NewReader(events))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var counts struct{ Accepted, Rejected int }
	if err := json.Unmarshal(answer, &counts); resp.StatusCode != http.StatusOK || err != nil || counts.Accepted != 4 || counts.Rejected != 1 {
		t.Fatalf("POST = %d %s", resp.StatusCode, answer)
	}
	waitFor(t, "four scored rows at the webhook", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) >= 4
	})
	mu.Lock()
	defer mu.Unlock()
	if len(delivered) != 4 {
		t.Fatalf("webhook got %d rows, want 4: %v", len(delivered), delivered)
	}
	var users []string
	for _, row := range delivered {
		users = append(users, row["user_name"].(string))
		if _, ok := row["score"].(float64); !ok {
			t.Errorf("row without a score: %v", row)
		}
	}
	if got := strings.Join(users, ","); got != "alice,alice,bob,alice" {
		t.Errorf("delivered users %s, want alice,alice,bob,alice in order", got)
	}
	if resp, err := http.Post(base+"/ingest/nope", "application/json", strings.NewReader(`{}`)); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST to an unknown source: %v %v", resp.StatusCode, err)
	}
}

// TestHTTPSourceNeedsEndpoint checks that an HTTP ingest source is refused,
// with a hint, when the server runs without --http.
func TestHTTPSourceNeedsEndpoint(t *testing.T) {
	srv := startLogicServer(t, t.TempDir())
	defer srv.stop()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	_, err := conn.Exec(ctx, "CREATE SOURCE events (x int) WITH (connector = 'http')")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55000" || !strings.Contains(pgErr.Hint, "--http") {
		t.Fatalf("CREATE SOURCE without --http: %v", err)
	}
}
