package kafka

// RowPartitions implements connectors.PartitionedSource: the Kafka
// partition of each row the last Read returned.
func (s *Source) RowPartitions() []int32 { return s.rowPartitions }

// LivePartitions implements connectors.PartitionedSource: every partition
// of the topic in direct mode, the partitions the group assigned this
// member with GroupAssign.
func (s *Source) LivePartitions() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.livePartitions = s.livePartitions[:0]
	for p := range s.committed {
		if !s.cfg.GroupAssign || p < len(s.owned) && s.owned[p] {
			s.livePartitions = append(s.livePartitions, int32(p))
		}
	}
	return s.livePartitions
}
