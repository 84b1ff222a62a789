package engine

import (
	"strings"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/types"
)

// replayMarks recomputes, over a source's retained rows in log order, the
// watermark the source stamped on them when it published them
// (stampWatermark): per partition the largest value of its WATERMARK
// expression, the smallest over the partitions. What the log does not keep
// is approximated:
//
//   - Batch boundaries. Live, a row is judged against the watermark before
//     its batch; replayed, against the watermark after the rows before it,
//     as if each row had been published alone. A row that arrived in one
//     batch after a row far ahead of it in event time was taken live and
//     may be late replayed.
//   - Partitions, unless a column holds them (partitionColumn): without
//     one the source counts as one partition, so rows of a partition that
//     lagged behind the others may be late replayed. The stamped watermark
//     never exceeds limit, which bounds the error.
//   - Idle partitions: arrival times are not replayed, so no partition is
//     ever idle and a quiet one holds the watermark back until limit.
//
// Rows go into a batch as long as none could be late against the
// watermark the batch's earlier rows raised (admit), so rows in event-time
// order make full batches.
type replayMarks struct {
	source *object
	// eventTime is the source's WATERMARK column.
	eventTime int
	// partition is the column holding each row's partition, -1 for none.
	partition int
	// shards numbers a text partition column's values (Kinesis shard ids).
	shards map[string]int32
	// limit is the source's watermark when the reader joined: the
	// watermark stamped never goes past it (NoWatermark: no bound).
	limit int64

	marks *partitionWatermarks
	// mark is the watermark after the rows admitted so far.
	mark int64
	// batchMark is mark when the current batch began.
	batchMark int64
}

// newReplayMarks returns the replay of source o's watermark, bounded by
// limit. o must have a WATERMARK clause.
func newReplayMarks(o *object, limit int64) *replayMarks {
	r := &replayMarks{source: o, eventTime: o.rel.EventTime, partition: partitionColumn(o), limit: limit}
	r.reset()
	return r
}

// reset starts the replay over, before the first retained row.
func (r *replayMarks) reset() {
	// Replayed rows have no arrival time: no partition is ever idle.
	r.marks = newPartitionWatermarks(0)
	r.shards = nil
	r.mark, r.batchMark = types.NoWatermark, types.NoWatermark
}

// startBatch begins a batch at the current watermark.
func (r *replayMarks) startBatch() { r.batchMark = r.mark }

// admit observes row and reports true, or reports false having observed
// nothing when row must begin the next batch: the batch's rows raised the
// watermark past row's event time, so row may be late against it. The
// first row of a batch is always admitted.
func (r *replayMarks) admit(row []types.Datum) bool {
	if r.mark > r.batchMark {
		if t := row[r.eventTime]; !t.IsNull() && t.I < r.mark {
			return false
		}
	}
	candidate, ok := r.candidate(row)
	if !ok {
		return true
	}
	var zero time.Time
	r.marks.observe(r.partitionOf(row), candidate, zero)
	mark := r.marks.advance(zero)
	if r.limit != types.NoWatermark {
		mark = min(mark, r.limit)
	}
	r.mark = max(r.mark, mark)
	return true
}

// candidate evaluates the source's WATERMARK expression over row; false
// when it is NULL or failed (the live path reported the failure already).
// The source's evaluator reuses its argument buffers, so it runs under
// the lock its live stamping holds.
func (r *replayMarks) candidate(row []types.Datum) (int64, bool) {
	o := r.source
	o.marks.mu.Lock()
	d, err := o.watermark(row)
	o.marks.mu.Unlock()
	if err != nil || d.IsNull() {
		return 0, false
	}
	return d.I, true
}

// partitionOf returns row's partition number: 0 without a partition
// column, the column's value for an integer one, the order of first
// appearance for a text one.
func (r *replayMarks) partitionOf(row []types.Datum) int32 {
	if r.partition < 0 {
		return 0
	}
	d := row[r.partition]
	if d.Typ.Family() != types.FamilyString {
		return int32(d.I)
	}
	id, ok := r.shards[d.S]
	if !ok {
		if r.shards == nil {
			r.shards = map[string]int32{}
		}
		id = int32(len(r.shards))
		r.shards[d.S] = id
	}
	return id
}

// partitionMetadata names, per connector whose source is partitioned, the
// METADATA key of a column holding the partition its live watermark is
// kept by (connectors.PartitionedSource).
var partitionMetadata = map[string]string{
	connectors.KafkaConnector:   "partition",
	connectors.KinesisConnector: "shard_id",
}

// partitionColumn returns the column of source o that holds each row's
// partition, -1 when o is not partitioned or declares no such column.
func partitionColumn(o *object) int {
	if _, ok := o.source.(connectors.PartitionedSource); !ok {
		return -1
	}
	key, ok := partitionMetadata[o.connector]
	if !ok {
		return -1
	}
	for i, c := range o.columns {
		if strings.EqualFold(c.Metadata, key) {
			return i
		}
	}
	return -1
}
