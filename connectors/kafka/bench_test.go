package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
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
