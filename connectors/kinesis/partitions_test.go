package kinesis

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/novelty-db/novelty/types"
)

// shardRecords is a SourceAPI of open shards, each holding fixed records:
// every GetRecords returns the whole shard (its iterator is its id).
type shardRecords map[string][]string

func (f shardRecords) ListShards(context.Context, *kinesis.ListShardsInput, ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	out := &kinesis.ListShardsOutput{}
	for id := range f {
		out.Shards = append(out.Shards, ktypes.Shard{ShardId: aws.String(id),
			SequenceNumberRange: &ktypes.SequenceNumberRange{StartingSequenceNumber: aws.String("1")}})
	}
	return out, nil
}

func (f shardRecords) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	return &kinesis.GetShardIteratorOutput{ShardIterator: in.ShardId}, nil
}

func (f shardRecords) GetRecords(_ context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	out := &kinesis.GetRecordsOutput{NextShardIterator: in.ShardIterator, MillisBehindLatest: aws.Int64(0)}
	for i, data := range f[aws.ToString(in.ShardIterator)] {
		out.Records = append(out.Records, ktypes.Record{Data: []byte(data),
			SequenceNumber: aws.String(strconv.Itoa(i + 1)), PartitionKey: aws.String("k")})
	}
	return out, nil
}

// TestRowShardsMatchRows checks that each row is paired with the index of
// the shard it came from (read from its shard_id metadata column), bad
// records skipped, and that a shard keeps its index across Close and Open.
func TestRowShardsMatchRows(t *testing.T) {
	api := shardRecords{
		"shardId-000000000000": {`{"id":1}`, `{"id":2}`},
		"shardId-000000000001": {`{"id":3}`, `{"id":"bad"}`, `{"id":4}`},
	}
	shardID, err := NewMetadataColumn(len(testSchema), types.Column{Name: "shard", Type: types.Text}, "shard_id")
	if err != nil {
		t.Fatal(err)
	}
	src := newTestSource(t, api, "events", StartTrimHorizon, &recordedBadRecords{}, shardID)
	indexes := map[string]int32{}
	for open := 0; open < 2; open++ {
		openSource(t, src, nil)
		b := types.NewBatch(src.cfg.Width)
		for read := 0; read < 4; read += b.Len {
			if err := src.Read(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			parts := src.RowPartitions()
			if len(parts) != b.Len {
				t.Fatalf("RowPartitions has %d entries for a batch of %d rows", len(parts), b.Len)
			}
			for i := 0; i < b.Len; i++ {
				id := b.Row(i)[len(testSchema)].S
				if want, seen := indexes[id]; seen && want != parts[i] {
					t.Errorf("open %d: a row of %s paired with index %d, earlier %d", open, id, parts[i], want)
				}
				indexes[id] = parts[i]
			}
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(indexes) != 2 || indexes["shardId-000000000000"] == indexes["shardId-000000000001"] {
		t.Errorf("shard indexes = %v, want two distinct ones", indexes)
	}
	for id, i := range indexes {
		if i < 0 || i > 1 {
			t.Errorf("shard %s has index %d, want 0 or 1", id, i)
		}
	}
}
