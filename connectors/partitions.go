package connectors

// PartitionedSource is implemented by sources whose rows come from several
// partitions or shards, each ordered in event time on its own (Kafka
// partitions, Kinesis shards). The engine keeps a watermark per partition
// and combines them by minimum, so a partition that lags holds the source's
// watermark back instead of having its rows dropped as late. A source that
// does not implement it is one partition.
type PartitionedSource interface {
	// RowPartitions returns the partition of each row of the batch the last
	// successful Read filled: element i for row i, as many as the batch has
	// rows. Numbers are small, non-negative and stable for the life of the
	// source. The slice is the source's and valid until the next Read; the
	// caller must not modify it.
	RowPartitions() []int32
	// LivePartitions returns the partitions the source reads now (after
	// Open; it changes with rebalances and resharding), in any order: one
	// that has given no row yet holds the watermark back like a lagging
	// one (until idle_timeout), and one no longer listed (revoked, or a
	// shard read to its end) stops holding it. Called from Read's
	// goroutine; the slice is valid until the next Read.
	LivePartitions() []int32
}

var (
	_ PartitionedSource = kafkaSource{}
	_ PartitionedSource = kinesisSource{}
)
