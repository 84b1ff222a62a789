package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// benchRecords is how many records each benchmark iteration reads.
const benchRecords = 100_000

// BenchmarkKafkaRead compares the source's Read (fetch + JSON decode into
// batches) with a raw franz-go consumer that only counts the records, on
// the same in-process cluster, in records per second.
func BenchmarkKafkaRead(b *testing.B) {
	brokers := newCluster(b, "logins")
	for p := int32(0); p < 3; p++ {
		produce(b, brokers, "logins", p, events(int(p)*benchRecords/3, int(p+1)*benchRecords/3)...)
	}
	total := benchRecords / 3 * 3
	b.Run("source", func(b *testing.B) {
		for b.Loop() {
			src := newTestSource(b, brokers, "logins", StartEarliest, &recordedBadRecords{fail: true})
			if err := src.Open(context.Background(), nil); err != nil {
				b.Fatal(err)
			}
			readIDs(b, src, total)
			src.Close()
		}
		b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("raw_franz_go", func(b *testing.B) {
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
		b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
