package kinesis

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// scriptedShard is a SourceAPI of one open shard whose GetRecords answers
// come from a script: an error, or records (none for an empty poll).
type scriptedShard struct {
	script    []getRecordsAnswer
	iterators []*kinesis.GetShardIteratorInput
	seq       int
}

type getRecordsAnswer struct {
	err     error
	records int
}

func (f *scriptedShard) ListShards(context.Context, *kinesis.ListShardsInput, ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	return &kinesis.ListShardsOutput{Shards: []ktypes.Shard{{
		ShardId:             aws.String("shardId-000000000000"),
		SequenceNumberRange: &ktypes.SequenceNumberRange{StartingSequenceNumber: aws.String("1")},
	}}}, nil
}

func (f *scriptedShard) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	f.iterators = append(f.iterators, in)
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String("iterator")}, nil
}

func (f *scriptedShard) GetRecords(context.Context, *kinesis.GetRecordsInput, ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	if len(f.script) == 0 {
		return &kinesis.GetRecordsOutput{NextShardIterator: aws.String("iterator"), MillisBehindLatest: aws.Int64(0)}, nil
	}
	a := f.script[0]
	f.script = f.script[1:]
	if a.err != nil {
		return nil, a.err
	}
	out := &kinesis.GetRecordsOutput{NextShardIterator: aws.String("iterator"), MillisBehindLatest: aws.Int64(0)}
	for range a.records {
		f.seq++
		out.Records = append(out.Records, ktypes.Record{
			Data: []byte(`{"id":` + strconv.Itoa(f.seq) + `}`), SequenceNumber: aws.String(strconv.Itoa(100 + f.seq)), PartitionKey: aws.String("k"),
		})
	}
	return out, nil
}

// fakeClock is a clock its sleeper advances.
type fakeClock struct {
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) time() time.Time { return c.now }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func TestKinesisSourceBacksOffThrottledAndQuietShards(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "Rate exceeded for shard"}
	expired := &smithy.GenericAPIError{Code: "ExpiredIteratorException", Message: "Iterator expired"}
	api := &scriptedShard{script: []getRecordsAnswer{
		{err: throttled}, {err: throttled}, {}, {}, {records: 2},
		{err: expired}, {records: 1},
		{err: &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Stream events not found"}},
	}}
	clock := &fakeClock{now: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)}
	dec, err := format.NewJSONDecoder(testSchema, format.JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource(SourceConfig{
		Stream: "events", API: api, Width: len(testSchema), Decoder: dec, BadRecords: &recordedBadRecords{fail: true},
		Clock: clock.time, Sleep: clock.sleep,
		PollInterval: 200 * time.Millisecond, MaxPollInterval: time.Second, Backoff: testBackoff,
	})
	openSource(t, src, nil)
	ctx := context.Background()
	b := types.NewBatch(len(testSchema))

	if err := src.Read(ctx, b); err != nil || b.Len != 2 {
		t.Fatalf("first Read = %d rows, %v; want 2", b.Len, err)
	}
	// Two throttled polls back off exponentially (75ms, 150ms with the
	// fixed jitter); two empty polls wait 200ms, then 400ms.
	want := []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
	if !slices.Equal(clock.waits, want) {
		t.Errorf("waits = %v, want %v", clock.waits, want)
	}

	clock.waits = nil
	if err := src.Read(ctx, b); err != nil || b.Len != 1 || b.Row(0)[0].I != 3 {
		t.Fatalf("second Read = %d rows, %v; want id 3", b.Len, err)
	}
	if want := []time.Duration{200 * time.Millisecond, 0}; !slices.Equal(clock.waits, want) {
		t.Errorf("waits = %v, want %v", clock.waits, want)
	}
	last := api.iterators[len(api.iterators)-1]
	if last.ShardIteratorType != ktypes.ShardIteratorTypeAfterSequenceNumber || aws.ToString(last.StartingSequenceNumber) != "102" {
		t.Errorf("iterator after expiry: %s %s, want AFTER_SEQUENCE_NUMBER 102", last.ShardIteratorType, aws.ToString(last.StartingSequenceNumber))
	}
	if got, want := string(src.Offset()), `{"start":"trim_horizon","shards":{"shardId-000000000000":{"seq":"103"}}}`; got != want {
		t.Errorf("Offset = %s, want %s", got, want)
	}

	if err := src.Read(ctx, b); types.CodeOf(err) != types.CodeUndefinedObject {
		t.Errorf("Read of a deleted stream = %v (%s), want SQLSTATE 42704", err, types.CodeOf(err))
	}
}

func TestKinesisOffsetEncoding(t *testing.T) {
	at := time.Date(2024, 1, 31, 12, 0, 0, 500_000_000, time.UTC)
	shards := []*shard{
		{id: "shardId-000000000000", pos: shardPosition{Seq: "4959", Done: true}},
		{id: "shardId-000000000001"},
		{id: "shardId-000000000002", pos: shardPosition{Seq: "12"}},
		{id: "shardId-000000000003", pos: shardPosition{Done: true}},
	}
	got := string(encodeOffset(position{start: StartAtTimestamp, at: at}, shards))
	want := `{"start":"at_timestamp","ts":"2024-01-31T12:00:00.5Z","shards":{"shardId-000000000000":{"seq":"4959","done":true},` +
		`"shardId-000000000002":{"seq":"12"},"shardId-000000000003":{"done":true}}}`
	if got != want {
		t.Fatalf("encodeOffset = %s\nwant %s", got, want)
	}
	resume, progress, err := decodeOffset([]byte(got))
	if err != nil || resume.start != StartAtTimestamp || !resume.at.Equal(at) || len(progress) != 3 ||
		progress["shardId-000000000000"] != (shardPosition{Seq: "4959", Done: true}) {
		t.Errorf("decodeOffset = %+v, %v, %v", resume, progress, err)
	}
	for _, bad := range []string{`{}`, `{"start":"latest","shards":{}}`, `{"start":"at_timestamp","shards":{}}`,
		`{"start":"trim_horizon","shards":{"s":{"seq":"12a"}}}`, `{"start":"trim_horizon","shards":{"":{}}}`, `[1]`} {
		if _, _, err := decodeOffset([]byte(bad)); err == nil {
			t.Errorf("decodeOffset(%s) succeeded", bad)
		}
	}
}
