package kafka

// RowPartitions implements connectors.PartitionedSource: the Kafka
// partition of each row the last Read returned.
func (s *Source) RowPartitions() []int32 { return s.rowPartitions }
