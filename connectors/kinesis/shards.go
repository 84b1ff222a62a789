package kinesis

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// shard is the reading state of one shard of the stream.
type shard struct {
	id string
	// index is the shard's number in RowPartitions.
	index int32
	// parents are the shards it was split or merged from. It is read only
	// once every listed parent is done, so all rows of a key that moved
	// between shards come out in order.
	parents []string
	// pos is the progress the offset records.
	pos shardPosition
	// from is where reading begins when pos has no sequence number.
	from position
	// iter is the iterator of the next GetRecords; nil means get one.
	iter *string
	// ended: GetRecords reported the shard's end. It is done once the
	// records fetched before the end are consumed too.
	ended bool
	// nextPoll is when the shard may be polled again.
	nextPoll time.Time
	// idle counts consecutive empty polls, failures consecutive failed
	// calls; each backs the next poll off.
	idle, failures int
}

// listShards returns every shard of the stream Kinesis still lists (open
// ones and closed ones within retention), following pages.
func listShards(ctx context.Context, api SourceAPI, stream string, optFns ...func(*kinesis.Options)) ([]ktypes.Shard, error) {
	var shards []ktypes.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for {
		out, err := api.ListShards(ctx, in, optFns...)
		if err != nil {
			return nil, err
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			return shards, nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// addShards adds the listed shards the source does not know yet, each read
// from `from` unless known has its progress, and keeps s.shards in id order.
// markClosedDone marks shards that are already closed as done (a fresh
// start at latest: nothing new will arrive on them).
func (s *Source) addShards(listed []ktypes.Shard, known map[string]shardPosition, from position, markClosedDone bool) {
	added := false
	for _, l := range listed {
		id := aws.ToString(l.ShardId)
		if _, ok := s.byID[id]; ok || id == "" {
			continue
		}
		sh := &shard{id: id, index: s.shardIndex(id), pos: known[id], from: from}
		for _, p := range []*string{l.ParentShardId, l.AdjacentParentShardId} {
			if p != nil && *p != "" {
				sh.parents = append(sh.parents, *p)
			}
		}
		closed := l.SequenceNumberRange != nil && l.SequenceNumberRange.EndingSequenceNumber != nil
		if markClosedDone && closed {
			sh.pos.Done = true
		}
		s.byID[id] = sh
		s.shards = append(s.shards, sh)
		added = true
	}
	if added {
		slices.SortFunc(s.shards, func(a, b *shard) int { return strings.Compare(a.id, b.id) })
	}
}

// ready reports whether sh may be read: it is not done and every parent
// Kinesis still lists is. A parent no longer listed expired with its rows.
func (s *Source) ready(sh *shard) bool {
	if sh.pos.Done {
		return false
	}
	for _, id := range sh.parents {
		if p, ok := s.byID[id]; ok && !p.pos.Done {
			return false
		}
	}
	return true
}

// rediscover lists the shards again, after a shard ended or when nothing
// was left to read, to find the children of resharding. A failure is
// retried later unless it is final.
func (s *Source) rediscover(ctx context.Context, now time.Time) error {
	listed, err := listShards(ctx, s.cfg.API, s.cfg.Stream, noSDKRetry)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if isFinal(err) {
			return apiError(s.cfg.Stream, "list shards", err)
		}
		s.relistFailures++
		s.relistAt = now.Add(s.cfg.Backoff.Delay(s.relistFailures))
		return nil
	}
	s.relist, s.relistFailures = false, 0
	s.addShards(listed, nil, s.resume, false)
	return nil
}
