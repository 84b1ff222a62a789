package engine

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// manualClock is an engine clock tests move by hand; pipelines read it
// from their own goroutines.
type manualClock struct{ nanos atomic.Int64 }

func newManualClock(t time.Time) *manualClock {
	c := &manualClock{}
	c.nanos.Store(t.UnixNano())
	return c
}

func (c *manualClock) now() time.Time          { return time.Unix(0, c.nanos.Load()).UTC() }
func (c *manualClock) advance(d time.Duration) { c.nanos.Add(int64(d)) }

// produceEvents writes one JSON event per event time to a partition of topic.
func produceEvents(t *testing.T, brokers []string, topic string, partition int32, times ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(times))
	for i, ts := range times {
		recs[i] = &kgo.Record{Topic: topic, Partition: partition, Value: fmt.Appendf(nil, `{"ts":"2024-01-01 %s"}`, ts)}
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// waitRowsIn waits until source o has received n rows: then their
// watermark is stamped (it is stamped before they are counted).
func waitRowsIn(t *testing.T, o *object, n int64) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); o.stats.rowsIn.Load() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("source %s received %d rows, want %d", o.name, o.stats.rowsIn.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKafkaIdlePartition reads a two-partition topic through a TUMBLE
// window. Both partitions deliver rows, then only partition 0 does, far
// ahead in event time, while the engine clock moves past idle_timeout.
// Without idle_timeout partition 1 holds the watermark and no window
// closes; with it partition 1 is idle and the windows before partition 0's
// watermark close.
func TestKafkaIdlePartition(t *testing.T) {
	for _, tt := range []struct {
		name    string
		option  string
		mark    string   // the source's watermark at the end
		windows []string // the stream's rows at the end
	}{
		{name: "without idle_timeout", mark: "2024-01-01 00:00:00"},
		{name: "with idle_timeout", option: ", idle_timeout = '30s'", mark: "2024-01-01 00:00:44", windows: []string{
			"2024-01-01 00:00:00|2024-01-01 00:00:10|2",
			"2024-01-01 00:00:10|2024-01-01 00:00:20|1",
			"2024-01-01 00:00:20|2024-01-01 00:00:30|1",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "events"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(cluster.Close)
			brokers := cluster.ListenAddrs()
			store, err := storage.OpenInMemory()
			if err != nil {
				t.Fatal(err)
			}
			clock := newManualClock(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
			e, err := Open(Config{Store: store, Clock: clock.now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			s := e.NewSession("tester", "novelty")
			run1(t, s, fmt.Sprintf(`CREATE SOURCE ev (ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
				WITH (connector = 'kafka', brokers = '%s', topic = 'events', format = 'json'%s)`, brokers[0], tt.option))
			run1(t, s, `CREATE STREAM w AS SELECT window_start, window_end, count(*) AS n
				FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND)`)
			ev, ok := e.lookup("ev")
			if !ok {
				t.Fatal("source ev not found")
			}

			produceEvents(t, brokers, "events", 1, "00:00:01")
			produceEvents(t, brokers, "events", 0, "00:00:02")
			waitRowsIn(t, ev, 2)
			if got, want := watermarkText(ev), "2024-01-01 00:00:00"; got != want {
				t.Fatalf("watermark after both partitions = %s, want %s (partition 1's)", got, want)
			}

			clock.advance(31 * time.Second)
			produceEvents(t, brokers, "events", 0, "00:00:15", "00:00:25", "00:00:45")
			waitRowsIn(t, ev, 5)
			if got := watermarkText(ev); got != tt.mark {
				t.Fatalf("watermark after partition 0 moved on = %s, want %s", got, tt.mark)
			}
			got := run1(t, s, `SELECT * FROM w ORDER BY window_start`)
			for deadline := time.Now().Add(20 * time.Second); len(got) < len(tt.windows) && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
				got = run1(t, s, `SELECT * FROM w ORDER BY window_start`)
			}
			if !slices.Equal(got, tt.windows) {
				t.Errorf("windows = %q, want %q", got, tt.windows)
			}
		})
	}
}

// TestKafkaUnseenPartitionHoldsTheWatermark: a two-partition topic where
// partition 0's rows all arrive before partition 1's first. Partition 1,
// read by the source but not seen yet, must hold the watermark, or its
// rows are dropped as late (they were: 2040 of 6000).
func TestKafkaUnseenPartitionHoldsTheWatermark(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "events"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	brokers := cluster.ListenAddrs()
	e, s := openMemoryEngine(t)
	run1(t, s, fmt.Sprintf(`CREATE SOURCE ev (ts TIMESTAMP, WATERMARK FOR ts AS ts)
		WITH (connector = 'kafka', brokers = '%s', topic = 'events', format = 'json')`, brokers[0]))
	run1(t, s, `CREATE STREAM per_minute AS SELECT window_start, count(*) AS n FROM ev GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE)`)
	ev, _ := e.lookup("ev")
	const perPartition = 3000
	times := make([]string, perPartition)
	for i := range times {
		times[i] = fmt.Sprintf("%02d:%02d:%02d", i/3600, i/60%60, i%60)
	}
	produceEvents(t, brokers, "events", 0, times...)
	waitRowsIn(t, ev, perPartition)
	produceEvents(t, brokers, "events", 1, times...)
	waitRowsIn(t, ev, 2*perPartition)
	w, _ := e.lookup("per_minute")
	// Every window but the last (which the watermark has not passed) is
	// out, each with both partitions' 60 rows.
	want := perPartition/60 - 1
	for deadline := time.Now().Add(10 * time.Second); w.stats.rowsOut.Load() < int64(want) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if late := w.stats.late.Load(); late != 0 {
		t.Fatalf("%d rows were late: a partition not seen yet did not hold the watermark", late)
	}
	got := run1(t, s, `SELECT count(*), min(n), max(n) FROM per_minute`)
	if len(got) != 1 || got[0] != fmt.Sprintf("%d|120|120", want) {
		t.Fatalf("windows: %v, want %d windows of 120 rows", got, want)
	}
}

// watermarkText is a source's watermark as a timestamp, "none" without one.
func watermarkText(o *object) string {
	mark := o.stats.watermark.Load()
	if mark == types.NoWatermark {
		return "none"
	}
	return time.UnixMicro(mark).UTC().Format(time.DateTime)
}
