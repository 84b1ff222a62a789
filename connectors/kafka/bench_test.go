package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// benchRecords is how many records each benchmark iteration reads.
const benchRecords = 100_000

// BenchmarkKafkaRead compares, on the same in-process cluster and records,
// a raw franz-go consumer that only counts the records (raw) with the
// source's Read, which also decodes each JSON record into a batch row
// (novelty). Both report records/s; the parent logs novelty/raw.
func BenchmarkKafkaRead(b *testing.B) {
	brokers := newCluster(b, "logins")
	for p := int32(0); p < 3; p++ {
		produce(b, brokers, "logins", p, events(int(p)*benchRecords/3, int(p+1)*benchRecords/3)...)
	}
	total := benchRecords / 3 * 3
	var raw, novelty float64
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics("logins"),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			if err != nil {
				b.Fatal(err)
			}
			for n := 0; n < total; {
				fetches := cl.PollRecords(context.Background(), 1024)
				n += fetches.NumRecords()
			}
			cl.Close()
		}
		raw = float64(total*b.N) / b.Elapsed().Seconds()
		b.ReportMetric(raw, "records/s")
	})
	b.Run("novelty", func(b *testing.B) {
		for b.Loop() {
			src := newTestSource(b, brokers, "logins", StartEarliest, &recordedBadRecords{fail: true})
			if err := src.Open(context.Background(), nil); err != nil {
				b.Fatal(err)
			}
			readIDs(b, src, total)
			src.Close()
		}
		novelty = float64(total*b.N) / b.Elapsed().Seconds()
		b.ReportMetric(novelty, "records/s")
	})
	if raw > 0 && novelty > 0 {
		b.Logf("novelty/raw throughput ratio: %.2f", novelty/raw)
	}
}

// BenchmarkKafkaWrite compares, on one in-process cluster, a raw franz-go
// producer that produces benchRecords records and flushes once (raw) with
// the sink writing the same rows as JSON in batches of types.BatchSize,
// flushing once at the end (novelty) or after every batch (flush_each,
// which waits for each batch's acknowledgements before the next). Each
// reports records/s; the parent logs each one's ratio to raw.
func BenchmarkKafkaWrite(b *testing.B) {
	brokers := newCluster(b, "alerts")
	ctx := context.Background()
	batches := make([]*types.Batch, 0, benchRecords/types.BatchSize+1)
	for i := 0; i < benchRecords; i += types.BatchSize {
		batch := types.NewBatch(len(testSchema))
		for j := i; j < min(i+types.BatchSize, benchRecords); j++ {
			batch.Append([]types.Datum{types.NewInt(int64(j)), types.NewText("a user name")})
		}
		batches = append(batches, batch)
	}
	rates := map[string]float64{}
	b.Run("raw", func(b *testing.B) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic("alerts"))
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		enc := format.NewJSONEncoder(testSchema)
		for b.Loop() {
			for _, batch := range batches {
				for i := 0; i < batch.Len; i++ {
					cl.Produce(ctx, &kgo.Record{Value: enc.Encode(nil, batch.Row(i))}, nil)
				}
			}
			if err := cl.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
		rates["raw"] = float64(benchRecords*b.N) / b.Elapsed().Seconds()
		b.ReportMetric(rates["raw"], "records/s")
	})
	for _, mode := range []string{"novelty", "flush_each"} {
		b.Run(mode, func(b *testing.B) {
			sink, err := NewSink(SinkConfig{Brokers: brokers, Topic: "alerts", Encoder: format.NewJSONEncoder(testSchema), KeyColumn: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			for b.Loop() {
				for _, batch := range batches {
					if err := sink.Write(ctx, batch); err != nil {
						b.Fatal(err)
					}
					if mode == "flush_each" {
						if err := sink.Flush(ctx); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := sink.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			rates[mode] = float64(benchRecords*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rates[mode], "records/s")
		})
	}
	if rates["raw"] > 0 {
		b.Logf("novelty/raw throughput ratio: %.2f, flush_each/raw: %.2f", rates["novelty"]/rates["raw"], rates["flush_each"]/rates["raw"])
	}
}
