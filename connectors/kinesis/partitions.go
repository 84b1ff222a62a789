package kinesis

// RowPartitions implements connectors.PartitionedSource: for each row the
// last Read returned, the index of its shard (see shardIndex).
func (s *Source) RowPartitions() []int32 { return s.rowShards }

// LivePartitions implements connectors.PartitionedSource: the shards not
// read to their end, children waiting for their parents included (their
// rows come after their parents', so they hold the watermark no further).
func (s *Source) LivePartitions() []int32 {
	s.liveShards = s.liveShards[:0]
	for _, sh := range s.shards {
		if !sh.pos.Done {
			s.liveShards = append(s.liveShards, sh.index)
		}
	}
	return s.liveShards
}

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
