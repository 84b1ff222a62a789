package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaWait bounds how long the test waits for rows to flow through.
const kafkaWait = 30 * time.Second

// TestKafkaSourceStreamSink runs logins from Kafka through a filtering
// stream into a Kafka sink, restarts the server, and checks that no input
// event reaches the stream twice.
func TestKafkaSourceStreamSink(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "logins", "alerts"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := strings.Join(cluster.ListenAddrs(), ",")
	ctx := context.Background()

	produceLogins(t, cluster.ListenAddrs(), 0, 12)
	dir := t.TempDir()
	srv := startLogicServer(t, dir)
	conn := srv.connect(ctx)
	mustExec(t, conn, fmt.Sprintf(`CREATE SOURCE logins (id INT, user_name VARCHAR, action VARCHAR)
		WITH (connector = 'kafka', brokers = '%s', topic = 'logins', group_id = 'novelty', start = 'earliest', format = 'json')`, brokers))
	mustExec(t, conn, `CREATE STREAM filtered AS SELECT id, user_name FROM logins WHERE action = 'fail'`)
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK alerts_kafka FROM filtered
		WITH (connector = 'kafka', brokers = '%s', topic = 'alerts', format = 'json', key = 'user_name')`, brokers))

	waitFilteredIDs(t, conn, failedIDs(0, 12))
	alerts := consumeRecords(t, cluster.ListenAddrs(), "alerts", 4)
	want := []string{
		`user0={"id":0,"user_name":"user0"}`,
		`user0={"id":3,"user_name":"user0"}`,
		`user0={"id":6,"user_name":"user0"}`,
		`user0={"id":9,"user_name":"user0"}`,
	}
	if !slices.Equal(alerts, want) {
		t.Errorf("alerts = %q, want %q", alerts, want)
	}
	conn.Close(ctx)
	srv.stop()

	produceLogins(t, cluster.ListenAddrs(), 12, 24)
	srv = startLogicServer(t, dir)
	defer srv.stop()
	conn = srv.connect(ctx)
	defer conn.Close(ctx)
	waitFilteredIDs(t, conn, failedIDs(0, 24))
	if got := textRows(t, conn, "SELECT count(*) FROM filtered"); got != "8" {
		t.Errorf("filtered holds %s rows after the restart, want 8: an event was delivered twice", got)
	}
}

// produceLogins writes events from..to-1 round-robin over the 3 partitions;
// every third one (id % 3 == 0, all in partition 0) is a failed login.
func produceLogins(t *testing.T, brokers []string, from, to int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for i := from; i < to; i++ {
		action := "ok"
		if i%3 == 0 {
			action = "fail"
		}
		value := fmt.Sprintf(`{"id":%d,"user_name":"user%d","action":"%s"}`, i, i%3, action)
		recs = append(recs, &kgo.Record{Topic: "logins", Partition: int32(i % 3), Value: []byte(value)})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// failedIDs returns the ids of the failed logins among from..to-1, as text.
func failedIDs(from, to int) []string {
	var ids []string
	for i := from; i < to; i++ {
		if i%3 == 0 {
			ids = append(ids, fmt.Sprint(i))
		}
	}
	slices.Sort(ids)
	return ids
}

// waitFilteredIDs polls the stream's retained output until its ids are
// want, failing the test when they are not within kafkaWait. The ids of
// the last events produced arrive after any replay of earlier ones in
// their partition, so equality also rules out duplicates.
func waitFilteredIDs(t *testing.T, conn *pgx.Conn, want []string) {
	t.Helper()
	deadline := time.Now().Add(kafkaWait)
	var got []string
	for time.Now().Before(deadline) {
		var err error
		got, err = queryText(context.Background(), conn, "SELECT id FROM filtered")
		if err != nil {
			t.Fatalf("SELECT id FROM filtered: %v", err)
		}
		if len(got) >= len(want) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("filtered ids = %v, want %v", got, want)
	}
}

// consumeRecords reads want records of topic from the start and returns
// them as "key=value", sorted.
func consumeRecords(t *testing.T, brokers []string, topic string, want int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), kafkaWait)
	defer cancel()
	var out []string
	for len(out) < want {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records of %s: %v", len(out), want, topic, err)
		}
		fetches.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Key)+"="+string(r.Value)) })
	}
	slices.Sort(out)
	return out
}
