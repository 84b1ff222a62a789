package kafka

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

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

func TestKafkaSinkCompressionRoundTrips(t *testing.T) {
	codecs := []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd}
	for _, c := range codecs {
		brokers := newCluster(t, "alerts")
		sink, err := NewSink(SinkConfig{Brokers: brokers, Topic: "alerts", Encoder: format.NewJSONEncoder(testSchema),
			KeyColumn: -1, Compression: c, BatchMaxBytes: 64 << 10, Linger: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		b := types.NewBatch(len(testSchema))
		for i := range 200 {
			b.Append([]types.Datum{types.NewInt(int64(i)), types.NewText("a fairly compressible name")})
		}
		if err := sink.Write(context.Background(), b); err != nil {
			t.Fatalf("compression %d: Write: %v", c, err)
		}
		sink.Close()
		if got := consumeAll(t, brokers, "alerts", 200); len(got) != 200 {
			t.Errorf("compression %d: consumed %d records, want 200", c, len(got))
		}
		for _, codec := range batchCodecs(t, brokers, "alerts") {
			if codec != int8(c) {
				t.Errorf("compression %d: a record batch has codec %d", c, codec)
			}
		}
	}
}

// batchCodecs returns the compression codec of every record batch stored
// in topic's partitions (the attribute's low bits).
func batchCodecs(tb testing.TB, brokers []string, topic string) []int8 {
	tb.Helper()
	resp := fetchPartitions(tb, brokers, topic, 0)
	var codecs []int8
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			for raw := rp.RecordBatches; len(raw) > 0; {
				var batch kmsg.RecordBatch
				if err := batch.ReadFrom(raw); err != nil {
					tb.Fatalf("partition %d: %v", rp.Partition, err)
				}
				codecs = append(codecs, int8(batch.Attributes&0x07))
				raw = raw[12+int(batch.Length):]
			}
		}
	}
	if len(codecs) == 0 {
		tb.Fatal("no record batch fetched")
	}
	return codecs
}

func TestKafkaSinkRejectsNegativeBatchSize(t *testing.T) {
	if _, err := NewSink(SinkConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "t", BatchMaxBytes: -1}); err == nil {
		t.Error("NewSink with a negative batch size succeeded")
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

// invalidRecordResponse answers produce by failing every partition it
// wrote to with INVALID_RECORD, an error the client does not retry itself.
func invalidRecordResponse(produce *kmsg.ProduceRequest) *kmsg.ProduceResponse {
	resp := produce.ResponseKind().(*kmsg.ProduceResponse)
	for _, rt := range produce.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition, sp.ErrorCode = rp.Partition, kerr.InvalidRecord.Code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

// TestKafkaSinkRetriesFailedRecords fails the first produce request with
// an error the client does not retry itself: the records must come back
// from Flush as an error and be produced again, once each.
func TestKafkaSinkRetriesFailedRecords(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "alerts"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var failures atomic.Int32
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		failures.Add(1)
		return invalidRecordResponse(req.(*kmsg.ProduceRequest)), nil, true
	})
	brokers := c.ListenAddrs()
	sink, err := NewSink(SinkConfig{Brokers: brokers, Topic: "alerts", Encoder: format.NewJSONEncoder(testSchema), KeyColumn: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	b := types.NewBatch(len(testSchema))
	for i := range 50 {
		b.Append([]types.Datum{types.NewInt(int64(i)), types.NewText("user")})
	}
	ctx := context.Background()
	if err := sink.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err == nil {
		t.Fatal("Flush after a failed produce succeeded")
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatalf("Flush of the records produced again: %v", err)
	}
	if failures.Load() != 1 {
		t.Errorf("%d produce requests failed, want 1", failures.Load())
	}
	got := consumeAll(t, brokers, "alerts", 50)
	want := make([]string, 0, 50)
	for i := range 50 {
		want = append(want, fmt.Sprintf(`<nil>={"id":%d,"name":"user"}`, i))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("records = %q, want %q", got, want)
	}
}

// TestKafkaSinkWriteReturnsEarlierFailure checks a Write after a failed
// delivery reports it without taking its batch, which the caller retries.
func TestKafkaSinkWriteReturnsEarlierFailure(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "alerts"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		return invalidRecordResponse(req.(*kmsg.ProduceRequest)), nil, true
	})
	brokers := c.ListenAddrs()
	sink, err := NewSink(SinkConfig{Brokers: brokers, Topic: "alerts", Encoder: format.NewJSONEncoder(testSchema), KeyColumn: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ctx := context.Background()
	batch := func(id int64) *types.Batch {
		b := types.NewBatch(len(testSchema))
		b.Append([]types.Datum{types.NewInt(id), types.NewText("user")})
		return b
	}
	if err := sink.Write(ctx, batch(1)); err != nil {
		t.Fatal(err)
	}
	// Wait for the failure through the client: the sink's Flush would
	// report it itself.
	if err := sink.cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, batch(2)); err == nil {
		t.Fatal("Write after a failed delivery succeeded")
	}
	if err := sink.Write(ctx, batch(2)); err != nil {
		t.Fatalf("retried Write: %v", err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := consumeAll(t, brokers, "alerts", 2)
	slices.Sort(got)
	want := []string{`<nil>={"id":1,"name":"user"}`, `<nil>={"id":2,"name":"user"}`}
	if !slices.Equal(got, want) {
		t.Errorf("records = %q, want %q", got, want)
	}
}
