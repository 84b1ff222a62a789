package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/storage"
)

// The filter benchmark's input: kafkaBenchRecords JSON events spread over
// kafkaBenchPartitions partitions of the input topic; every other event is
// a failed login, the rows the filter keeps.
const (
	kafkaBenchRecords    = 300_000
	kafkaBenchPartitions = 3
	kafkaBenchInput      = "bench_events"
	kafkaBenchKept       = kafkaBenchRecords / 2
)

// kafkaBenchFailed is how the raw client recognises a kept event without
// decoding it: the bytes the producer writes for action = 'fail'.
var kafkaBenchFailed = []byte(`"action":"fail"`)

// BenchmarkKafkaFilterToKafka measures Kafka (kfake) -> filter -> Kafka
// through the engine (CREATE SOURCE, CREATE STREAM ... WHERE, CREATE SINK,
// all JSON) and, in the same iteration, the raw franz-go client doing the
// same traffic: consume the input topic, keep the failed logins by matching
// their bytes, produce them to an output topic. Each reports input rows/s,
// timed from the start until the output topic holds every kept row;
// novelty/raw is the engine's share of the raw client's throughput. The
// cpu_ns/row metrics are the process's CPU time (kfake's included) per
// input row of each path: on a shared machine they vary less than rows/s.
// "unretained" runs the source and the stream with retention '0' (nothing
// stored, as the raw client); "retained" with the default '1h', so every
// source row and stream row is also appended to the on-disk log.
func BenchmarkKafkaFilterToKafka(b *testing.B) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.SeedTopics(kafkaBenchPartitions, kafkaBenchInput, "bench_raw_out", "bench_novelty_out"))
	if err != nil {
		b.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	produceBenchEvents(b, brokers)
	admin, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	for _, c := range []struct{ name, retention string }{
		{"unretained", "0"},
		{"retained", "1h"},
	} {
		b.Run(c.name, func(b *testing.B) {
			raw, novelty := pathCost{name: "raw"}, pathCost{name: "novelty"}
			for b.Loop() {
				rawFilterToKafka(b, brokers, admin, "bench_raw_out", &raw)
				engineFilterToKafka(b, brokers, admin, "bench_novelty_out", c.retention, &novelty)
			}
			rows := float64(kafkaBenchRecords * b.N)
			b.ReportMetric(rows/novelty.wall.Seconds(), "novelty_rows/s")
			b.ReportMetric(rows/raw.wall.Seconds(), "raw_rows/s")
			b.ReportMetric(raw.wall.Seconds()/novelty.wall.Seconds(), "novelty/raw")
			b.ReportMetric(novelty.cpu*1e9/rows, "novelty_cpu_ns/row")
			b.ReportMetric(raw.cpu*1e9/rows, "raw_cpu_ns/row")
		})
	}
}

// pathCost adds up the wall time and the process's CPU seconds of runs.
// Runs carry the pprof label path=name, as do the goroutines they start
// (the engine's pipelines, the clients' fetchers), so a CPU profile of the
// benchmark splits by path: go tool pprof -tagfocus path=novelty.
type pathCost struct {
	name string
	wall time.Duration
	cpu  float64
}

func (c *pathCost) add(run func()) {
	// Each path starts from a collected heap, so that its GC pacing follows
	// its own live data: without this, a path inherits the heap goal the
	// previous one left (the engine's Pebble memtables and caches, which
	// live on the Go heap without cgo), collects less often and looks
	// cheaper than it would run alone.
	runtime.GC()
	cpu, start := cpuSeconds(), time.Now()
	pprof.Do(context.Background(), pprof.Labels("path", c.name), func(context.Context) { run() })
	c.wall += time.Since(start)
	c.cpu += cpuSeconds() - cpu
}

// produceBenchEvents fills the input topic, round-robin over its partitions.
func produceBenchEvents(b *testing.B, brokers []string) {
	b.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(kafkaBenchInput),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	var failed atomic.Pointer[error]
	for i := range kafkaBenchRecords {
		action := "ok"
		if i%2 == 0 {
			action = "fail"
		}
		value := fmt.Appendf(nil, `{"id":%d,"user_name":"user%d","action":"%s","amount":%d.25}`, i, i%1000, action, i%500)
		cl.Produce(context.Background(), &kgo.Record{Partition: int32(i % kafkaBenchPartitions), Value: value},
			func(_ *kgo.Record, err error) {
				if err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			})
	}
	if err := cl.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	if err := failed.Load(); err != nil {
		b.Fatalf("filling %s: %v", kafkaBenchInput, *err)
	}
}

// rawFilterToKafka runs the filter with franz-go alone and adds to cost
// what it took until out held every kept row.
func rawFilterToKafka(b *testing.B, brokers []string, admin *kgo.Client, out string, cost *pathCost) {
	b.Helper()
	target := endOffsetSum(b, admin, out) + kafkaBenchKept
	cost.add(func() { rawFilter(b, brokers, admin, out, target) })
}

// rawFilter consumes the input topic, produces its failed logins to out and
// waits until out's end offsets reach target.
func rawFilter(b *testing.B, brokers []string, admin *kgo.Client, out string, target int64) {
	b.Helper()
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(kafkaBenchInput),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DefaultProduceTopic(out))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	var failed atomic.Pointer[error]
	delivered := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	}
	for n := 0; n < kafkaBenchRecords; {
		fetches := cl.PollRecords(ctx, 1024)
		if err := fetches.Err(); err != nil {
			b.Fatal(err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			n++
			if bytes.Contains(r.Value, kafkaBenchFailed) {
				cl.Produce(ctx, &kgo.Record{Value: r.Value}, delivered)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if err := failed.Load(); err != nil {
		b.Fatalf("raw produce to %s: %v", out, *err)
	}
	waitEndOffsetSum(b, admin, out, target)
}

// engineFilterToKafka runs the filter through a fresh engine, the source
// and the stream keeping retention of their output, and adds to cost what
// it took from the first CREATE until out held every kept row. Opening and
// closing the engine are not counted.
func engineFilterToKafka(b *testing.B, brokers []string, admin *kgo.Client, out, retention string, cost *pathCost) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	store, err := storage.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	eng, err := engine.Open(engine.Config{Store: store, Connectors: connectors.Default(), Logger: logger, BaseDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	sess := eng.NewSession("bench", "bench")
	seeds := strings.Join(brokers, ",")
	setup := []string{
		fmt.Sprintf(`CREATE SOURCE events (id BIGINT, user_name VARCHAR, action VARCHAR, amount DOUBLE PRECISION)
			WITH (connector = 'kafka', brokers = '%s', topic = '%s', start = 'earliest', format = 'json', retention = '%s')`,
			seeds, kafkaBenchInput, retention),
		fmt.Sprintf(`CREATE STREAM failed WITH (retention = '%s') AS
			SELECT id, user_name, amount FROM events WHERE action = 'fail'`, retention),
		fmt.Sprintf(`CREATE SINK failed_out FROM failed WITH (connector = 'kafka', brokers = '%s', topic = '%s', format = 'json')`,
			seeds, out),
	}
	target := endOffsetSum(b, admin, out) + kafkaBenchKept
	cost.add(func() {
		for _, sql := range setup {
			stmts, err := parser.Parse(sql)
			if err != nil {
				b.Fatalf("%s: %v", sql, err)
			}
			if _, err := sess.Execute(ctx, stmts[0], discard{}); err != nil {
				b.Fatalf("%s: %v", sql, err)
			}
		}
		waitEndOffsetSum(b, admin, out, target)
	})
}

// endOffsetPoll is how often waitEndOffsetSum asks the broker; it bounds the
// error of each timing.
const endOffsetPoll = 2 * time.Millisecond

// waitEndOffsetSum waits until topic's end offsets add up to at least
// target, failing the benchmark after kafkaWait.
func waitEndOffsetSum(b *testing.B, admin *kgo.Client, topic string, target int64) {
	b.Helper()
	deadline := time.Now().Add(kafkaWait)
	tick := time.NewTicker(endOffsetPoll)
	defer tick.Stop()
	for {
		n := endOffsetSum(b, admin, topic)
		if n >= target {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s holds %d records, want %d", topic, n, target)
		}
		<-tick.C
	}
}

// endOffsetSum is the sum of topic's partitions' end offsets, asked with
// admin: how many records were ever written to topic.
func endOffsetSum(b *testing.B, admin *kgo.Client, topic string) int64 {
	b.Helper()
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for p := range int32(kafkaBenchPartitions) {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p
		rp.Timestamp = -1 // the end offset
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), admin)
	if err != nil {
		b.Fatalf("end offsets of %s: %v", topic, err)
	}
	var sum int64
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				b.Fatalf("end offset of %s/%d: error code %d", topic, p.Partition, p.ErrorCode)
			}
			sum += p.Offset
		}
	}
	return sum
}
