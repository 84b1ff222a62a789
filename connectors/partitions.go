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
}

var (
	_ PartitionedSource = kafkaSource{}
	_ PartitionedSource = kinesisSource{}
)
