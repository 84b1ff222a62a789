package kafka

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// testSchema is the schema of the events the tests produce.
var testSchema = types.Schema{{Name: "id", Type: types.Int8}, {Name: "name", Type: types.Text, Nullable: true}}

// newCluster starts an in-process Kafka with the topics, 3 partitions each.
func newCluster(tb testing.TB, topics ...string) []string {
	tb.Helper()
	return newClusterWith(tb, kfake.SeedTopics(3, topics...))
}

// newClusterWith starts an in-process Kafka of one broker with opts.
func newClusterWith(tb testing.TB, opts ...kfake.Opt) []string {
	tb.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c.ListenAddrs()
}

// produce writes values to topic, partition by partition as given.
func produce(tb testing.TB, brokers []string, topic string, partition int32, values ...string) {
	tb.Helper()
	produceWith(tb, brokers, nil, topic, partition, values...)
}

// produceWith is produce with extra client options (TLS, SASL).
func produceWith(tb testing.TB, brokers []string, opts []kgo.Opt, topic string, partition int32, values ...string) {
	tb.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner())}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		tb.Fatal(err)
	}
}

// events returns JSON events with ids from..to-1.
func events(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf(`{"id":%d,"name":"user%d"}`, i, i))
	}
	return out
}

// recordedBadRecords is a BadRecordHandler that remembers what it was given
// and fails the read when fail is set.
type recordedBadRecords struct {
	mu      sync.Mutex
	offsets []string
	raws    []string
	fail    bool
}

func (r *recordedBadRecords) HandleBadRecord(raw []byte, offset string, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.offsets = append(r.offsets, offset)
	r.raws = append(r.raws, string(raw))
	if r.fail {
		return err
	}
	return nil
}

func newTestSource(tb testing.TB, brokers []string, topic string, start Start, bad BadRecordHandler) *Source {
	tb.Helper()
	dec, err := format.NewJSONDecoder(testSchema, format.JSONConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return mustSource(tb, SourceConfig{
		Brokers: brokers, Topic: topic, Start: start,
		Width: len(testSchema), Decoder: dec, BadRecords: bad,
	})
}

func mustSource(tb testing.TB, cfg SourceConfig) *Source {
	tb.Helper()
	src, err := NewSource(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// readIDs reads until want rows arrived and returns their ids in the order
// read. It fails the test after a generous deadline.
func readIDs(tb testing.TB, s *Source, want int) []int64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var ids []int64
	b := types.NewBatch(len(testSchema))
	for len(ids) < want {
		if err := s.Read(ctx, b); err != nil {
			tb.Fatalf("read after %d of %d rows: %v", len(ids), want, err)
		}
		if b.Len == 0 || b.Len > types.BatchSize {
			tb.Fatalf("batch of %d rows", b.Len)
		}
		for i := 0; i < b.Len; i++ {
			ids = append(ids, b.Row(i)[0].I)
		}
	}
	return ids
}

func openSource(tb testing.TB, s *Source, offset []byte) {
	tb.Helper()
	if err := s.Open(context.Background(), offset); err != nil {
		tb.Fatalf("open at %s: %v", offset, err)
	}
	tb.Cleanup(func() { s.Close() })
}

// groupOffsets returns the offsets group has committed, by partition.
func groupOffsets(tb testing.TB, brokers []string, group string) map[int32]int64 {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	g := kmsg.NewOffsetFetchRequestGroup()
	g.Group = group
	req.Groups = append(req.Groups, g)
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		tb.Fatal(err)
	}
	got := map[int32]int64{}
	for _, g := range resp.Groups {
		for _, rt := range g.Topics {
			for _, rp := range rt.Partitions {
				got[rp.Partition] = rp.Offset
			}
		}
	}
	return got
}

// describedTopic returns a client of brokers, closed when the test ends,
// and topic's metadata as that client sees it.
func describedTopic(tb testing.TB, brokers []string, topic string) (*kgo.Client, topicMetadata) {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cl.Close)
	meta, err := describeTopic(context.Background(), cl, topic)
	if err != nil {
		tb.Fatal(err)
	}
	return cl, meta
}

// fetchPartitions sends one raw fetch of every partition of topic from
// its start, at the given isolation level (0 read_uncommitted, 1
// read_committed), without waiting for data.
func fetchPartitions(tb testing.TB, brokers []string, topic string, isolationLevel int8) *kmsg.FetchResponse {
	tb.Helper()
	cl, meta := describedTopic(tb, brokers, topic)
	req := kmsg.NewPtrFetchRequest()
	req.MaxBytes, req.MaxWaitMillis, req.IsolationLevel = 1<<24, 0, isolationLevel
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic, ft.TopicID = topic, meta.id
	for p := range int32(meta.partitions) {
		fp := kmsg.NewFetchRequestTopicPartition()
		fp.Partition, fp.PartitionMaxBytes = p, 1<<24
		ft.Partitions = append(ft.Partitions, fp)
	}
	req.Topics = append(req.Topics, ft)
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		tb.Fatal(err)
	}
	return resp
}
