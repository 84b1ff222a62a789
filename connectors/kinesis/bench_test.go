package kinesis

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/novelty-db/novelty/types"
)

// benchRows is how many rows each benchmark iteration writes and reads.
const benchRows = 20_000

// BenchmarkKinesisRoundTrip writes rows through the sink (JSON encode,
// PutRecords, Flush) and reads them back through the source (GetRecords,
// JSON decode into batches), against kinesalite with a fresh two-shard
// stream per iteration. raw_sdk does the same traffic with bare SDK calls on
// pre-encoded records, without decoding, so source/raw is the connector's
// overhead. Stream creation is not timed.
func BenchmarkKinesisRoundTrip(b *testing.B) {
	cl := newClient(b, startKinesalite(b))
	streams := 0
	newStream := func(b *testing.B) string {
		b.StopTimer()
		streams++
		name := "bench-" + strconv.Itoa(streams)
		createStream(b, cl, name, 2)
		b.StartTimer()
		return name
	}
	b.Run("connector", func(b *testing.B) {
		var phases benchPhases
		for b.Loop() {
			stream := newStream(b)
			phases.write(func() { writeRows(b, newTestSink(cl, stream, -1), 0, benchRows, 100) })
			phases.read(func() {
				src := newTestSource(b, cl, stream, StartTrimHorizon, &recordedBadRecords{fail: true})
				if err := src.Open(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
				readCount(b, src, benchRows)
				src.Close()
			})
		}
		phases.report(b)
	})
	b.Run("raw_sdk", func(b *testing.B) {
		data := make([][]byte, benchRows)
		for i := range data {
			data[i] = []byte(`{"id":` + strconv.Itoa(i) + `,"name":"k` + strconv.Itoa(i%100) + `"}`)
		}
		var phases benchPhases
		for b.Loop() {
			stream := newStream(b)
			phases.write(func() { rawPut(b, cl, stream, data) })
			phases.read(func() { rawGet(b, cl, stream, benchRows) })
		}
		phases.report(b)
	})
}

// benchPhases times the write and the read phase of the iterations.
type benchPhases struct{ writing, reading time.Duration }

func (p *benchPhases) write(f func()) { start := time.Now(); f(); p.writing += time.Since(start) }
func (p *benchPhases) read(f func())  { start := time.Now(); f(); p.reading += time.Since(start) }

// report gives rows/s of the round trip and of each phase.
func (p *benchPhases) report(b *testing.B) {
	rows := float64(benchRows * b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(rows/p.writing.Seconds(), "write_rows/s")
	b.ReportMetric(rows/p.reading.Seconds(), "read_rows/s")
}

// readCount reads want rows from s without keeping them.
func readCount(tb testing.TB, s *Source, want int) {
	tb.Helper()
	batch := types.NewBatch(s.cfg.Width)
	for n := 0; n < want; n += batch.Len {
		if err := s.Read(context.Background(), batch); err != nil {
			tb.Fatal(err)
		}
	}
}

// rawPut writes data with PutRecords requests of 500, keyed by position.
func rawPut(tb testing.TB, cl *kinesis.Client, stream string, data [][]byte) {
	tb.Helper()
	for start := 0; start < len(data); start += MaxRecordsPerRequest {
		end := min(start+MaxRecordsPerRequest, len(data))
		entries := make([]ktypes.PutRecordsRequestEntry, 0, end-start)
		for i := start; i < end; i++ {
			entries = append(entries, ktypes.PutRecordsRequestEntry{Data: data[i], PartitionKey: aws.String(strconv.Itoa(i))})
		}
		out, err := cl.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) > 0 {
			tb.Fatalf("put records: %v", err)
		}
	}
}

// rawGet reads every shard of stream from its start with GetRecords until
// want records arrived.
func rawGet(tb testing.TB, cl *kinesis.Client, stream string, want int) {
	tb.Helper()
	ctx := context.Background()
	var iters []*string
	for _, id := range listShardIDs(tb, cl, stream, false) {
		out, err := cl.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: aws.String(id), ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			tb.Fatal(err)
		}
		iters = append(iters, out.ShardIterator)
	}
	for n := 0; n < want; {
		for i, it := range iters {
			out, err := cl.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it})
			if err != nil {
				tb.Fatal(err)
			}
			n += len(out.Records)
			iters[i] = out.NextShardIterator
		}
	}
}
