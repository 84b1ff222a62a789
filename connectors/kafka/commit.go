package kafka

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// maybeCommit starts a group commit of the committed offsets when the
// source has a group id it is not a member of (group members commit through
// their client, see group.go), the interval has passed and no commit is in
// flight. It does not wait: the commit is for visibility only and must not
// hold reads back.
func (s *Source) maybeCommit() {
	if s.cfg.GroupID == "" || s.cfg.GroupAssign {
		return
	}
	now := s.cfg.Clock()
	if now.Sub(s.lastCommit) < s.cfg.CommitInterval {
		return
	}
	if !s.committing.CompareAndSwap(false, true) {
		return
	}
	s.lastCommit = now
	s.mu.Lock()
	offsets := append([]int64(nil), s.committed...)
	s.mu.Unlock()
	s.commits.Add(1)
	go func() {
		defer s.commits.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.commitGroup(ctx, offsets)
		s.committing.Store(false)
	}()
}

// commitGroup commits offsets to the group as a standalone consumer
// (generation -1, no member). Failures are ignored: the group's offsets
// only show progress to Kafka tools, and the next commit carries newer ones.
func (s *Source) commitGroup(ctx context.Context, offsets []int64) {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = s.cfg.GroupID
	t := kmsg.NewOffsetCommitRequestTopic()
	t.Topic, t.TopicID = s.cfg.Topic, s.topicID
	for p, o := range offsets {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset = int32(p), o
		t.Partitions = append(t.Partitions, rp)
	}
	req.Topics = append(req.Topics, t)
	_, _ = req.RequestWith(ctx, s.cl)
}
