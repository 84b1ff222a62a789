package kafka

import (
	"context"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/connectors/format"
)

// produceTransaction writes values to partition 0 of topic in one
// transaction, committed or aborted.
func produceTransaction(tb testing.TB, brokers []string, topic string, commit kgo.TransactionEndTry, values ...string) {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID("test-producer"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	if err := cl.BeginTransaction(); err != nil {
		tb.Fatal(err)
	}
	for _, v := range values {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := cl.EndTransaction(ctx, commit); err != nil {
		tb.Fatal(err)
	}
}

func TestKafkaSourceIsolationLevel(t *testing.T) {
	brokers := newCluster(t, "logins")
	produceTransaction(t, brokers, "logins", kgo.TryAbort, events(0, 5)...)
	produceTransaction(t, brokers, "logins", kgo.TryCommit, events(5, 10)...)
	for _, tc := range []struct {
		name      string
		isolation Isolation
		want      []int64
	}{
		{"read_committed", ReadCommitted, []int64{5, 6, 7, 8, 9}},
		{"read_uncommitted", ReadUncommitted, []int64{0, 1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := format.NewJSONDecoder(testSchema, format.JSONConfig{})
			if err != nil {
				t.Fatal(err)
			}
			src := mustSource(t, SourceConfig{Brokers: brokers, Topic: "logins", Isolation: tc.isolation,
				Width: len(testSchema), Decoder: dec, BadRecords: &recordedBadRecords{fail: true}})
			openSource(t, src, nil)
			// The first five rows read: the aborted ones come first in
			// the partition, so a read_committed source that returned
			// them would show here.
			if got := readIDs(t, src, 5)[:5]; !slices.Equal(got, tc.want) {
				t.Errorf("first rows read = %v, want %v", got, tc.want)
			}
		})
	}
}
