package kinesis

// RowPartitions implements connectors.PartitionedSource: for each row the
// last Read returned, the index of its shard (see shardIndex).
func (s *Source) RowPartitions() []int32 { return s.rowShards }

// shardIndex returns the small number standing for shard id: the next
// free one the first time id is seen, the same one afterwards, across
// Close and Open, for the life of the source.
func (s *Source) shardIndex(id string) int32 {
	if i, ok := s.shardIndexes[id]; ok {
		return i
	}
	if s.shardIndexes == nil {
		s.shardIndexes = map[string]int32{}
	}
	i := int32(len(s.shardIndexes))
	s.shardIndexes[id] = i
	return i
}
