package kinesis

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// testSchema is the schema of the events the tests write and read.
var testSchema = types.Schema{{Name: "id", Type: types.Int8}, {Name: "name", Type: types.Text, Nullable: true}}

// kinesalitePath finds kinesalite's command: $NOVELTY_KINESALITE, else the
// npm cache scripts/test.sh installs it into. Without it the test is
// skipped, except under CI where it must be there.
func kinesalitePath(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("NOVELTY_KINESALITE")
	if path == "" {
		// scripts/test.sh installs npm packages into $NOVELTY_TEST_NPM_DIR.
		dir := os.Getenv("NOVELTY_TEST_NPM_DIR")
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				tb.Fatal(err)
			}
			dir = filepath.Join(home, ".cache", "novelty-test-npm")
		}
		path = filepath.Join(dir, "node_modules", ".bin", "kinesalite")
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("kinesalite not found at %s (scripts/test.sh installs it; or set NOVELTY_KINESALITE)", path)
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return path
}

// startKinesalite runs kinesalite on a free port until the test ends and
// returns its endpoint URL.
func startKinesalite(tb testing.TB) string {
	tb.Helper()
	path := kinesalitePath(tb)
	var lastErr error
	for range 3 { // a port found free may be taken before kinesalite binds it
		port := freePort(tb)
		cmd := exec.Command(path, "--port", strconv.Itoa(port), "--createStreamMs", "0",
			"--deleteStreamMs", "0", "--updateStreamMs", "0", "--shardLimit", "100")
		if lastErr = waitListening(tb, cmd); lastErr == nil {
			return "http://127.0.0.1:" + strconv.Itoa(port)
		}
	}
	tb.Fatalf("kinesalite did not start: %v", lastErr)
	return ""
}

// waitListening starts cmd and returns once it prints that it listens; the
// process is killed when the test ends.
func waitListening(tb testing.TB, cmd *exec.Cmd) error {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Listening at") {
				listening <- true
				return
			}
		}
		listening <- false
	}()
	select {
	case ok := <-listening:
		if !ok {
			stop()
			return fmt.Errorf("kinesalite exited: %s", stderr.String())
		}
	case <-time.After(20 * time.Second):
		stop()
		return fmt.Errorf("kinesalite did not listen within 20s")
	}
	tb.Cleanup(stop)
	return nil
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newClient returns a client of the kinesalite at endpoint.
func newClient(tb testing.TB, endpoint string) *kinesis.Client {
	tb.Helper()
	cl, err := NewClient(context.Background(), ClientConfig{
		Region: "us-east-1", Endpoint: endpoint, AccessKeyID: "novelty", SecretAccessKey: "test-secret",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cl
}

// createStream creates stream with shards shards and waits until it is
// active.
func createStream(tb testing.TB, cl *kinesis.Client, stream string, shards int32) {
	tb.Helper()
	ctx := context.Background()
	if _, err := cl.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(shards)}); err != nil {
		tb.Fatal(err)
	}
	waitActive(tb, cl, stream)
}

// waitActive waits until stream is active (after creation or resharding).
func waitActive(tb testing.TB, cl *kinesis.Client, stream string) {
	tb.Helper()
	w := kinesis.NewStreamExistsWaiter(cl, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(context.Background(), &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, 10*time.Second); err != nil {
		tb.Fatal(err)
	}
}

// listShardIDs returns the ids of stream's shards; open ones only when
// openOnly.
func listShardIDs(tb testing.TB, cl *kinesis.Client, stream string, openOnly bool) []string {
	tb.Helper()
	shards, err := listShards(context.Background(), cl, stream)
	if err != nil {
		tb.Fatal(err)
	}
	var ids []string
	for _, s := range shards {
		if !openOnly || s.SequenceNumberRange.EndingSequenceNumber == nil {
			ids = append(ids, aws.ToString(s.ShardId))
		}
	}
	return ids
}

// putRaw writes records with the SDK directly, each with its partition
// key.
func putRaw(tb testing.TB, cl *kinesis.Client, stream string, keys []string, data []string) {
	tb.Helper()
	entries := make([]ktypes.PutRecordsRequestEntry, len(data))
	for i := range data {
		entries[i] = ktypes.PutRecordsRequestEntry{Data: []byte(data[i]), PartitionKey: aws.String(keys[i])}
	}
	out, err := cl.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil {
		tb.Fatal(err)
	}
	if n := aws.ToInt32(out.FailedRecordCount); n > 0 {
		tb.Fatalf("%d records failed", n)
	}
}

// newTestSink returns a sink of testSchema rows as JSON to stream, keyed by
// keyColumn (-1: hashed).
func newTestSink(cl *kinesis.Client, stream string, keyColumn int) *Sink {
	return NewSink(SinkConfig{Stream: stream, Put: cl.PutRecords, Encoder: format.NewJSONEncoder(testSchema), PartitionKeyColumn: keyColumn})
}

// writeRows writes rows with ids from..to-1, named "k<id mod keys>", and
// flushes.
func writeRows(tb testing.TB, sink *Sink, from, to, keys int) {
	tb.Helper()
	ctx := context.Background()
	b := types.NewBatch(len(testSchema))
	for i := from; i < to; i++ {
		b.Append([]types.Datum{types.NewInt(int64(i)), types.NewText("k" + strconv.Itoa(i%keys))})
		if b.Full() || i == to-1 {
			if err := sink.Write(ctx, b); err != nil {
				tb.Fatal(err)
			}
			b.Reset(len(testSchema))
		}
	}
	if err := sink.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
}

// recordedBadRecords is a BadRecordHandler that remembers what it was given
// and fails the read when fail is set.
type recordedBadRecords struct {
	offsets []string
	raws    []string
	fail    bool
}

func (r *recordedBadRecords) HandleBadRecord(raw []byte, offset string, err error) error {
	r.offsets = append(r.offsets, offset)
	r.raws = append(r.raws, string(raw))
	if r.fail {
		return err
	}
	return nil
}

// newTestSource returns an unopened source of testSchema (plus the
// metadata columns after it) reading JSON, polling every few milliseconds.
func newTestSource(tb testing.TB, cl SourceAPI, stream string, start Start, bad BadRecordHandler, metadata ...MetadataColumn) *Source {
	tb.Helper()
	dec, err := format.NewJSONDecoder(testSchema, format.JSONConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	return NewSource(SourceConfig{
		Stream: stream, API: cl, Start: start, Width: len(testSchema) + len(metadata),
		Decoder: widthDecoder{dec, len(testSchema)}, Metadata: metadata, BadRecords: bad,
		PollInterval: 5 * time.Millisecond, MaxPollInterval: 20 * time.Millisecond,
		Backoff: Backoff{Base: 5 * time.Millisecond, Max: 50 * time.Millisecond},
	})
}

// widthDecoder decodes the first n columns of a wider row: it stands in
// for the decoder skipping metadata columns.
type widthDecoder struct {
	format.Decoder
	n int
}

func (d widthDecoder) Decode(raw []byte, row []types.Datum) error {
	for i := d.n; i < len(row); i++ {
		row[i] = types.Null
	}
	return d.Decoder.Decode(raw, row[:d.n])
}

func openSource(tb testing.TB, s *Source, offset []byte) {
	tb.Helper()
	if err := s.Open(context.Background(), offset); err != nil {
		tb.Fatalf("open at %s: %v", offset, err)
	}
	tb.Cleanup(func() { s.Close() })
}

// readRows reads until want rows arrived and returns them in the order
// read, copied. It fails the test after a generous deadline.
func readRows(tb testing.TB, s *Source, want int) [][]types.Datum {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rows [][]types.Datum
	b := types.NewBatch(s.cfg.Width)
	for len(rows) < want {
		if err := s.Read(ctx, b); err != nil {
			tb.Fatalf("read after %d of %d rows: %v", len(rows), want, err)
		}
		if b.Len == 0 || b.Len > types.BatchSize {
			tb.Fatalf("batch of %d rows", b.Len)
		}
		for i := 0; i < b.Len; i++ {
			rows = append(rows, types.CopyRow(b.Row(i)))
		}
	}
	return rows
}

// ids returns the id column of rows.
func ids(rows [][]types.Datum) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r[0].I
	}
	return out
}

// checkOnce fails unless ids holds from..to-1 exactly once each.
func checkOnce(tb testing.TB, got []int64, from, to int) {
	tb.Helper()
	seen := make(map[int64]int, len(got))
	for _, id := range got {
		seen[id]++
	}
	for i := from; i < to; i++ {
		if seen[int64(i)] != 1 {
			tb.Fatalf("id %d read %d times (of %d rows read)", i, seen[int64(i)], len(got))
		}
	}
	if len(got) != to-from {
		tb.Fatalf("read %d rows, want %d", len(got), to-from)
	}
}
