package kinesis

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/novelty-db/novelty/types"
)

func TestKinesisRoundTripWithMetadata(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	createStream(t, cl, "events", 2)
	const rows, keys = 1500, 7
	writeRows(t, newTestSink(cl, "events", 1), 0, rows, keys)

	meta := []MetadataColumn{
		{Column: 2, Type: types.Text, Field: MetaPartitionKey},
		{Column: 3, Type: types.Varchar, Field: MetaShardID},
		{Column: 4, Type: types.Text, Field: MetaSequenceNumber},
		{Column: 5, Type: types.TimestampTZ, Field: MetaArrivalTime},
	}
	before := time.Now().Add(-time.Minute)
	src := newTestSource(t, cl, "events", StartTrimHorizon, &recordedBadRecords{fail: true}, meta...)
	openSource(t, src, nil)
	got := readRows(t, src, rows)
	checkOnce(t, ids(got), 0, rows)

	shards := listShardIDs(t, cl, "events", false)
	lastID := map[string]int64{}
	usedShards := map[string]bool{}
	for _, r := range got {
		name, key, shard, seq, arrived := r[1].S, r[2], r[3], r[4], r[5]
		if key.Typ != types.Text || key.S != name {
			t.Fatalf("partition_key = %+v, want text %q", key, name)
		}
		if shard.Typ != types.Varchar || !slices.Contains(shards, shard.S) {
			t.Fatalf("shard_id = %+v, want one of %v", shard, shards)
		}
		if _, err := strconv.ParseUint(seq.S[:15], 10, 64); err != nil || seq.Typ != types.Text {
			t.Fatalf("sequence_number = %+v", seq)
		}
		if at := time.UnixMicro(arrived.I); arrived.Typ != types.TimestampTZ || at.Before(before) || at.After(time.Now().Add(time.Minute)) {
			t.Fatalf("arrival_time = %+v", arrived)
		}
		usedShards[shard.S] = true
		if last, ok := lastID[name]; ok && last > r[0].I {
			t.Fatalf("key %s: id %d read after %d", name, r[0].I, last)
		}
		lastID[name] = r[0].I
	}
	if len(usedShards) != 2 {
		t.Errorf("rows came from shards %v, want both of %v", usedShards, shards)
	}
}

func TestKinesisSourceResumesAfterOffset(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	createStream(t, cl, "events", 2)
	const rows = 3000 // more than a batch, so the first session stops part way
	sink := newTestSink(cl, "events", -1)
	writeRows(t, sink, 0, rows, 50)

	first := newTestSource(t, cl, "events", StartTrimHorizon, &recordedBadRecords{fail: true})
	openSource(t, first, nil)
	seen := ids(readRows(t, first, 1))
	offset := first.Offset()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	writeRows(t, sink, rows, rows+10, 50)

	second := newTestSource(t, cl, "events", StartLatest, &recordedBadRecords{fail: true})
	openSource(t, second, offset)
	seen = append(seen, ids(readRows(t, second, rows+10-len(seen)))...)
	checkOnce(t, seen, 0, rows+10)
}

func TestKinesisSourceReadsParentShardsBeforeChildren(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	createStream(t, cl, "events", 1)
	sink := newTestSink(cl, "events", 1)
	const keys = 10
	src := newTestSource(t, cl, "events", StartTrimHorizon, &recordedBadRecords{fail: true})
	src.limit = 50 // so that records of the parent are still unread after the split
	openSource(t, src, nil)

	writeRows(t, sink, 0, 300, keys)
	got := readRows(t, src, 1) // the source is reading the parent when it splits

	ctx := context.Background()
	parent := listShardIDs(t, cl, "events", true)[0]
	if _, err := cl.SplitShard(ctx, &kinesis.SplitShardInput{
		StreamName: aws.String("events"), ShardToSplit: aws.String(parent),
		NewStartingHashKey: aws.String("170141183460469231731687303715884105728"), // 2^127: the middle
	}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, cl, "events")
	writeRows(t, sink, 300, 600, keys)
	got = append(got, readRows(t, src, 600-len(got))...)

	children := listShardIDs(t, cl, "events", true)
	if len(children) != 2 {
		t.Fatalf("open shards after the split: %v", children)
	}
	if _, err := cl.MergeShards(ctx, &kinesis.MergeShardsInput{
		StreamName: aws.String("events"), ShardToMerge: aws.String(children[0]), AdjacentShardToMerge: aws.String(children[1]),
	}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, cl, "events")
	writeRows(t, sink, 600, 900, keys)
	got = append(got, readRows(t, src, 900-len(got))...)

	checkOnce(t, ids(got), 0, 900)
	last := map[string]int64{}
	for _, r := range got {
		if prev, ok := last[r[1].S]; ok && prev > r[0].I {
			t.Fatalf("key %s: id %d read after %d: a child shard was read before its parent", r[1].S, r[0].I, prev)
		}
		last[r[1].S] = r[0].I
	}
	done := strings.Count(string(src.Offset()), `"done":true`)
	if done != 3 {
		t.Errorf("offset %s marks %d shards done, want the parent and both children", src.Offset(), done)
	}

	// A source opened now reads the whole history in the same order.
	again := newTestSource(t, cl, "events", StartTrimHorizon, &recordedBadRecords{fail: true})
	again.limit = 50 // so that one pass over the shards cannot read any of them whole
	openSource(t, again, nil)
	replay := readRows(t, again, 900)
	checkOnce(t, ids(replay), 0, 900)
	clear(last)
	for _, r := range replay {
		if prev, ok := last[r[1].S]; ok && prev > r[0].I {
			t.Fatalf("replay: key %s: id %d read after %d", r[1].S, r[0].I, prev)
		}
		last[r[1].S] = r[0].I
	}
}

func TestKinesisSourceReportsBadRecordsAndReadsOn(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	createStream(t, cl, "events", 1)
	putRaw(t, cl, "events", []string{"a", "a", "a"}, []string{`{"id":1,"name":"x"}`, `{"id":"not a number"}`, `{"id":2}`})

	bad := &recordedBadRecords{}
	src := newTestSource(t, cl, "events", StartTrimHorizon, bad)
	openSource(t, src, nil)
	if got := ids(readRows(t, src, 2)); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("ids = %v, want [1 2]", got)
	}
	if len(bad.raws) != 1 || bad.raws[0] != `{"id":"not a number"}` {
		t.Fatalf("bad records = %q", bad.raws)
	}
	if !strings.HasPrefix(bad.offsets[0], "shardId-000000000000:") {
		t.Errorf("bad record offset = %q, want shard:sequence", bad.offsets[0])
	}
}

func TestKinesisSourceFailPolicyKeepsOffset(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	createStream(t, cl, "events", 1)
	putRaw(t, cl, "events", []string{"a", "a"}, []string{`not json`, `{"id":1}`})
	src := newTestSource(t, cl, "events", StartTrimHorizon, &recordedBadRecords{fail: true})
	openSource(t, src, nil)
	before := string(src.Offset())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := src.Read(ctx, types.NewBatch(len(testSchema))); err == nil {
		t.Fatal("Read succeeded past a bad record under a failing policy")
	}
	if got := string(src.Offset()); got != before {
		t.Errorf("Offset moved on a failed Read: %s, want %s", got, before)
	}
}

func TestKinesisSourceStartLatest(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	createStream(t, cl, "events", 2)
	sink := newTestSink(cl, "events", -1)
	writeRows(t, sink, 0, 5, 5)
	src := newTestSource(t, cl, "events", StartLatest, &recordedBadRecords{fail: true})
	openSource(t, src, nil)
	if off := string(src.Offset()); !strings.Contains(off, `"start":"at_timestamp"`) {
		t.Errorf("offset of a fresh latest source = %s, want an at_timestamp resume position", off)
	}
	writeRows(t, sink, 100, 103, 5)
	got := ids(readRows(t, src, 3))
	slices.Sort(got)
	if !slices.Equal(got, []int64{100, 101, 102}) {
		t.Errorf("ids = %v, want [100 101 102]", got)
	}
}

func TestKinesisSourceOpenUnknownStream(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	src := newTestSource(t, cl, "nope", StartTrimHorizon, &recordedBadRecords{})
	defer src.Close()
	err := src.Open(context.Background(), nil)
	if types.CodeOf(err) != types.CodeUndefinedObject {
		t.Errorf("Open of a missing stream = %v (%s), want SQLSTATE %s", err, types.CodeOf(err), types.CodeUndefinedObject)
	}
	if err != nil && strings.Contains(err.Error(), "test-secret") {
		t.Errorf("error shows the secret: %v", err)
	}
}

func TestKinesisSourceReadEndsWhenContextIsDone(t *testing.T) {
	cl := newClient(t, startKinesalite(t))
	createStream(t, cl, "events", 1)
	src := newTestSource(t, cl, "events", StartTrimHorizon, &recordedBadRecords{})
	openSource(t, src, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Read(ctx, types.NewBatch(len(testSchema))); !errors.Is(err, context.Canceled) {
		t.Errorf("Read on a done context = %v, want context.Canceled", err)
	}
}
