package kafka

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/types"
)

// Group mode (GroupAssign): the source is a member of a consumer group that
// splits the topic's partitions between its members, and a rebalance moves
// partitions without losing or repeating rows:
//
//   - Polls hold rebalances back (BlockRebalanceOnPoll) until Read has put
//     every polled record in the batch it returns and recorded their
//     offsets (publish). A revoke therefore never finds a row polled but
//     not yet returned.
//   - On revoke the source commits, synchronously, the offsets of the rows
//     it returned from the revoked partitions, before the group gives them
//     to another member, which starts exactly there.
//   - On assign a partition starts at the group's committed offset, or at
//     the offset the source was opened at (the engine's checkpoint) when
//     that one is newer; with neither, at Start as resolved when the source
//     opened.
//   - Between rebalances the offsets of returned rows are committed every
//     CommitInterval (marks plus the client's autocommit) and the
//     partitions' start positions with them, so a member that dies without
//     a revoke costs at most the rows since that commit (at least once).
//
// Partitions lost rather than revoked (the member was fenced out of the
// group) cannot be committed: their next owner starts at the last commit
// and may repeat rows this member returned since.

// openGroup joins the group. The topic must exist; Start is resolved for
// every partition now, so a partition assigned later starts where the
// source would have started it at Open.
func (s *Source) openGroup(ctx context.Context, resume map[int32]int64) error {
	admin, err := kgo.NewClient(s.base...)
	if err != nil {
		return types.Errorf(types.CodeInvalidParameterValue, "kafka source %s: %v", s.cfg.Topic, err)
	}
	defer admin.Close()
	meta, err := describeTopic(ctx, admin, s.cfg.Topic)
	if err != nil {
		return err
	}
	all := make([]int32, meta.partitions)
	for p := range all {
		all[p] = int32(p)
	}
	listed, err := listOffsets(ctx, admin, s.cfg.Topic, all, s.cfg.Start, s.cfg.Isolation)
	if err != nil {
		return err
	}
	s.topicID = meta.id
	s.resume = resume
	s.initial = make([]int64, meta.partitions)
	s.next = make([]int64, meta.partitions)
	for p := range s.initial {
		s.initial[p], s.next[p] = listed[int32(p)], -1
	}
	s.mu.Lock()
	s.growLocked(meta.partitions)
	s.mu.Unlock()
	s.marks = map[string]map[int32]kgo.EpochOffset{s.cfg.Topic: {}}

	cl, err := kgo.NewClient(s.consumerOptions(
		kgo.ConsumerGroup(s.cfg.GroupID),
		kgo.ConsumeTopics(s.cfg.Topic),
		kgo.BlockRebalanceOnPoll(),
		kgo.AutoCommitMarks(),
		kgo.AutoCommitInterval(s.cfg.CommitInterval),
		kgo.AdjustFetchOffsetsFn(s.assigned),
		kgo.OnPartitionsRevoked(s.revoked),
		kgo.OnPartitionsLost(s.lost),
	)...)
	if err != nil {
		return types.Errorf(types.CodeInvalidParameterValue, "kafka source %s: %v", s.cfg.Topic, err)
	}
	s.cl = cl
	return nil
}

// assigned is called with the committed offsets of newly assigned
// partitions (the client's start offset where the group has none) and
// returns where each one starts. It takes ownership of them.
func (s *Source) assigned(_ context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, o := range offsets[s.cfg.Topic] {
		s.growLocked(int(p) + 1)
		s.owned[p] = true
		group := o.EpochOffset().Offset
		start := s.startOffset(p, group)
		if start < 0 {
			continue // a partition added since Open: the client starts it at its earliest record
		}
		if start != group {
			offsets[s.cfg.Topic][p] = kgo.NewOffset().At(start)
		}
		s.committed[p] = max(s.committed[p], start)
	}
	return offsets, nil
}

// startOffset is where assigned partition p starts given the group's
// committed offset (negative: none), or -1 when nothing names it.
func (s *Source) startOffset(p int32, group int64) int64 {
	resumed, ok := s.resume[p]
	switch {
	case ok && resumed > group:
		return resumed
	case group >= 0:
		return group
	case int(p) < len(s.initial):
		return s.initial[p]
	}
	return -1
}

// revoked commits the offsets of the rows returned from the revoked
// partitions and gives them up. The client calls it only while no poll
// holds rebalances back, so every polled row has been returned. A failed
// commit is not retried here: the group then restarts the partitions at
// their previous commit, and rows since are read again (at least once).
func (s *Source) revoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	if offsets := s.disown(revoked[s.cfg.Topic]); len(offsets) > 0 {
		cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{s.cfg.Topic: offsets}, nil)
	}
}

// lost gives up partitions the group took away without a revoke; a commit
// would be refused, so none is tried.
func (s *Source) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	s.disown(lost[s.cfg.Topic])
}

// disown marks partitions as no longer this member's and returns the
// offsets of the rows returned from them.
func (s *Source) disown(partitions []int32) map[int32]kgo.EpochOffset {
	s.mu.Lock()
	defer s.mu.Unlock()
	offsets := make(map[int32]kgo.EpochOffset, len(partitions))
	for _, p := range partitions {
		if int(p) >= len(s.owned) {
			continue
		}
		s.owned[p] = false
		if o := s.committed[p]; o >= 0 {
			offsets[p] = kgo.EpochOffset{Epoch: -1, Offset: o}
		}
	}
	return offsets
}

// markOwnedLocked fills s.marks with the position of every partition this
// member owns, for the client's autocommit.
func (s *Source) markOwnedLocked() {
	marks := s.marks[s.cfg.Topic]
	clear(marks)
	for p, owned := range s.owned {
		if owned && s.committed[p] >= 0 {
			marks[int32(p)] = kgo.EpochOffset{Epoch: -1, Offset: s.committed[p]}
		}
	}
}
