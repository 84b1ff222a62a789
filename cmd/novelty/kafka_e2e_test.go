package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestKafkaNoveltyAlertsAcrossRestart runs login events from Kafka through
// a novelty_score stream into a Kafka topic of scores and, for failed
// logins, a Kafka topic and a webhook of alerts, with a server restart in
// the middle: every event is scored once (the context observed each event
// once, the scores topic holds each id once) and every alert reaches both
// the topic and the webhook.
func TestKafkaNoveltyAlertsAcrossRestart(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "logins", "scores", "alerts"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := strings.Join(cluster.ListenAddrs(), ",")
	var mu sync.Mutex
	hooked := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rows []struct {
			ID    int64   `json:"id"`
			Score float64 `json:"score"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &rows); err != nil {
			t.Errorf("webhook body %q: %v", body, err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, row := range rows {
			hooked[fmt.Sprint(row.ID)]++
		}
	}))
	defer hook.Close()

	ctx := context.Background()
	const first, total = 30, 60
	produceLogins(t, cluster.ListenAddrs(), 0, first)
	dir := t.TempDir()
	srv := startLogicServer(t, dir)
	conn := srv.connect(ctx)
	for _, sql := range []string{
		fmt.Sprintf(`CREATE SOURCE logins (id INT, user_name VARCHAR, action VARCHAR)
			WITH (connector = 'kafka', brokers = '%s', topic = 'logins', start = 'earliest', format = 'json')`, brokers),
		`CREATE STREAM scored WITH (novelty_context = 'logins') AS
			SELECT id, user_name, action, novelty_score(user_name, action) AS score FROM logins`,
		`CREATE STREAM alerts AS SELECT id, user_name, score FROM scored WHERE action = 'fail'`,
		fmt.Sprintf(`CREATE SINK scores_kafka FROM scored WITH (connector = 'kafka', brokers = '%s', topic = 'scores', format = 'json')`, brokers),
		fmt.Sprintf(`CREATE SINK alerts_kafka FROM alerts WITH (connector = 'kafka', brokers = '%s', topic = 'alerts', format = 'json')`, brokers),
		`CREATE SINK alerts_hook FROM alerts WITH (connector = 'webhook', url = '` + hook.URL + `', batch_size = '4', max_backoff = '50ms')`,
	} {
		mustExec(t, conn, sql)
	}
	consumeRecords(t, cluster.ListenAddrs(), "scores", first)
	conn.Close(ctx)
	srv.stop()

	produceLogins(t, cluster.ListenAddrs(), first, total)
	srv = startLogicServer(t, dir)
	defer srv.stop()
	conn = srv.connect(ctx)
	defer conn.Close(ctx)

	scoredIDs := recordIDs(t, consumeRecords(t, cluster.ListenAddrs(), "scores", total))
	var all []string
	for i := range total {
		all = append(all, fmt.Sprint(i))
	}
	slices.Sort(all)
	if !slices.Equal(scoredIDs, all) {
		t.Errorf("scores topic ids = %v, want each of 0..%d once", scoredIDs, total-1)
	}
	wantAlerts := failedIDs(0, total)
	if got := recordIDs(t, consumeRecords(t, cluster.ListenAddrs(), "alerts", len(wantAlerts))); !slices.Equal(got, wantAlerts) {
		t.Errorf("alerts topic ids = %v, want %v", got, wantAlerts)
	}
	waitFor(t, "every alert at the webhook", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(hooked) == len(wantAlerts)
	})
	mu.Lock()
	for _, id := range wantAlerts {
		if hooked[id] != 1 {
			t.Errorf("webhook got alert %s %d times, want once", id, hooked[id])
		}
	}
	mu.Unlock()
	contexts := strings.Split(textRows(t, conn, "SHOW NOVELTY CONTEXTS"), "\n")
	if len(contexts) != 1 || !strings.HasPrefix(contexts[0], fmt.Sprintf("logins %d ", total)) {
		t.Errorf("SHOW NOVELTY CONTEXTS = %q, want logins with %d observations: each event exactly once", contexts, total)
	}
}

// recordIDs returns the "id" of each JSON record value ("key=value"), sorted.
func recordIDs(t *testing.T, records []string) []string {
	t.Helper()
	var ids []string
	for _, r := range records {
		_, value, _ := strings.Cut(r, "=")
		var row struct{ ID int64 }
		if err := json.Unmarshal([]byte(value), &row); err != nil {
			t.Fatalf("record %q: %v", r, err)
		}
		ids = append(ids, fmt.Sprint(row.ID))
	}
	slices.Sort(ids)
	return ids
}
