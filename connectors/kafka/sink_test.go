package kafka

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

func TestKafkaSinkWritesKeyedRecords(t *testing.T) {
	brokers := newCluster(t, "alerts")
	sink, err := NewSink(SinkConfig{Brokers: brokers, Topic: "alerts", Encoder: format.NewJSONEncoder(testSchema), KeyColumn: 1})
	if err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(len(testSchema))
	b.Append([]types.Datum{types.NewInt(1), types.NewText("alice")})
	b.Append([]types.Datum{types.NewInt(2), {}})
	ctx := context.Background()
	if err := sink.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	b.Reset(len(testSchema))
	b.Append([]types.Datum{types.NewInt(3), types.NewText("bob")})
	if err := sink.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	got := consumeAll(t, brokers, "alerts", 3)
	want := []string{
		`alice={"id":1,"name":"alice"}`,
		`<nil>={"id":2,"name":null}`,
		`bob={"id":3,"name":"bob"}`,
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("records = %q, want %q", got, want)
	}
}

func TestKafkaSinkWriteAfterClose(t *testing.T) {
	brokers := newCluster(t, "alerts")
	sink, err := NewSink(SinkConfig{Brokers: brokers, Topic: "alerts", Encoder: format.NewJSONEncoder(testSchema), KeyColumn: -1})
	if err != nil {
		t.Fatal(err)
	}
	sink.Close()
	b := types.NewBatch(len(testSchema))
	b.Append([]types.Datum{types.NewInt(1), types.NewText("alice")})
	if err := sink.Write(context.Background(), b); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// consumeAll reads want records of topic with a plain consumer and returns
// them as "key=value", "<nil>" standing for no key.
func consumeAll(tb testing.TB, brokers []string, topic string, want int) []string {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []string
	for len(out) < want {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			tb.Fatalf("consumed %d of %d records: %v", len(out), want, err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			key := "<nil>"
			if r.Key != nil {
				key = string(r.Key)
			}
			out = append(out, key+"="+string(r.Value))
		})
	}
	return out
}
