package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaExactlyOnceAcrossCrash: a Kafka sink with exactly_once commits
// its rows with the checkpoints, so after a crash that loses rows written
// since the last checkpoint (they are read again from the source's
// offsets) a read_committed consumer sees every row once.
func TestKafkaExactlyOnceAcrossCrash(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "events", "copies"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	dir := t.TempDir()
	r := openCheckpointRun(t, dir)
	run1(t, r.s, fmt.Sprintf(`CREATE SOURCE events (ts TIMESTAMP) WITH (connector = 'kafka', brokers = '%s', topic = 'events', start = 'earliest', format = 'json')`, brokers[0]))
	run1(t, r.s, fmt.Sprintf(`CREATE SINK copies FROM events WITH (connector = 'kafka', brokers = '%s', topic = 'copies', format = 'json', exactly_once = 'true')`, brokers[0]))
	produceEvents(t, brokers, "events", 0, "00:00:01", "00:00:02", "00:00:03")
	r.waitRows("copies", 3)
	if err := r.e.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Written into an open transaction, never committed: the crash loses
	// them, and the restarted source reads them again.
	produceEvents(t, brokers, "events", 0, "00:00:04", "00:00:05")
	r.waitRows("copies", 5)
	r.crash()

	r = openCheckpointRun(t, dir)
	produceEvents(t, brokers, "events", 0, "00:00:06")
	r.waitRows("copies", 3)
	r.close()

	got := readCommitted(t, brokers, "copies", "2024-01-01T00:00:06")
	want := []string{"2024-01-01T00:00:01", "2024-01-01T00:00:02", "2024-01-01T00:00:03",
		"2024-01-01T00:00:04", "2024-01-01T00:00:05", "2024-01-01T00:00:06"}
	if !slices.Equal(got, want) {
		t.Fatalf("read_committed consumer saw %v, want each row once: %v", got, want)
	}
}

// readCommitted consumes topic as a read_committed consumer until the
// record whose ts is last, and returns every ts in order.
func readCommitted(t *testing.T, brokers []string, topic, last string) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	for !slices.Contains(got, last) {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("%s: saw %v, never %s", topic, got, last)
		}
		fetches.EachRecord(func(rec *kgo.Record) {
			var row struct{ TS string }
			if err := json.Unmarshal(rec.Value, &row); err != nil {
				t.Fatalf("record %q: %v", rec.Value, err)
			}
			got = append(got, row.TS)
		})
	}
	return got
}
