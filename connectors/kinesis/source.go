package kinesis

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/connectors/internal/wait"
	"github.com/novelty-db/novelty/types"
)

// Defaults of SourceConfig's timing.
const (
	// DefaultPollInterval keeps a caught-up shard within Kinesis' limit of
	// five GetRecords calls per second.
	DefaultPollInterval = 200 * time.Millisecond
	// DefaultMaxPollInterval is the longest wait between polls of a quiet
	// shard.
	DefaultMaxPollInterval = time.Second
	// DefaultFetchLimit is the most records one GetRecords returns (the
	// Kinesis maximum).
	DefaultFetchLimit = 10000
)

// DefaultBackoff spaces retries of throttled or failed calls.
var DefaultBackoff = Backoff{Base: 100 * time.Millisecond, Max: 10 * time.Second}

// Start is where a fresh source begins reading.
type Start uint8

// The start positions.
const (
	// StartTrimHorizon begins at the oldest retained record of every shard.
	StartTrimHorizon Start = iota
	// StartLatest begins after the newest record of every open shard at
	// Open; shards closed then are skipped.
	StartLatest
	// StartAtTimestamp begins at the first record that arrived at or after
	// SourceConfig.StartTimestamp.
	StartAtTimestamp
)

// String returns the start's option spelling.
func (s Start) String() string {
	switch s {
	case StartLatest:
		return "latest"
	case StartAtTimestamp:
		return "at_timestamp"
	}
	return "trim_horizon"
}

// SourceAPI is the part of the Kinesis client a source calls;
// *kinesis.Client implements it.
type SourceAPI interface {
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, optFns ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// BadRecordHandler decides what a record that cannot be decoded does to the
// read: nil skips it (after reporting or counting it), an error ends the
// read with that error. connectors.BadRecordPolicy implements it.
type BadRecordHandler interface {
	HandleBadRecord(raw []byte, offset string, err error) error
}

// SourceConfig configures a Kinesis source.
type SourceConfig struct {
	// Stream is the stream read, all of its shards.
	Stream string
	// API is the Kinesis client.
	API SourceAPI
	// Start places the shards of a fresh source (nil offset).
	Start Start
	// StartTimestamp is where StartAtTimestamp begins.
	StartTimestamp time.Time
	// Width is the number of columns of the rows Decoder fills.
	Width int
	// Decoder turns one record's data into a row.
	Decoder format.Decoder
	// Metadata are the columns filled from the record's envelope, after
	// decoding, replacing what the decoder put there.
	Metadata []MetadataColumn
	// BadRecords handles records whose data does not decode.
	BadRecords BadRecordHandler
	// Clock and Sleep time polls and retries; nil means the real ones.
	Clock func() time.Time
	Sleep Sleeper
	// PollInterval is the wait before polling a shard that returned
	// records but is caught up; an empty poll doubles the wait up to
	// MaxPollInterval. Zero values mean the defaults.
	PollInterval, MaxPollInterval time.Duration
	// Backoff spaces retries of throttled and failed calls; zero means
	// DefaultBackoff.
	Backoff Backoff
	// FetchLimit caps the records of one GetRecords; 0 means
	// DefaultFetchLimit.
	FetchLimit int32
}

// Source reads every shard of one stream by polling GetRecords, the engine
// owning the positions (no lease table, no consumer application).
//
// Resharding: a shard is read only after the shards it was split or merged
// from are read to their end, so rows of one partition key come out in the
// order Kinesis accepted them. The shard list is read at Open and again
// whenever a shard ends.
//
// Its offset (see offsetJSON) holds every shard's last consumed sequence
// number and which shards are done; Open resumes each shard just after its
// sequence number.
type Source struct {
	cfg   SourceConfig
	open  bool
	limit int32

	// resume places shards without a sequence number on a resume and
	// shards created by resharding; it is written to the offset.
	resume position
	shards []*shard // in id order
	byID   map[string]*shard

	// pending are records fetched but not yet consumed, all of pendingShard.
	pending      []ktypes.Record
	pendingShard *shard

	// relist: list the shards again at relistAt (after relistFailures
	// failed attempts in a row).
	relist         bool
	relistAt       time.Time
	relistFailures int

	committed []byte // the offset as of the last successful Read

	// rowShards is the shard index of each row of the batch Read filled
	// last; shardIndexes numbers the shards seen (shardIndex).
	rowShards []int32
	// liveShards is LivePartitions' result, reused (Read's goroutine).
	liveShards   []int32
	shardIndexes map[string]int32
}

// NewSource returns an unopened source.
func NewSource(cfg SourceConfig) *Source {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = wait.Sleep
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxPollInterval < cfg.PollInterval {
		cfg.MaxPollInterval = max(DefaultMaxPollInterval, cfg.PollInterval)
	}
	if cfg.Backoff.Base <= 0 || cfg.Backoff.Max < cfg.Backoff.Base {
		cfg.Backoff = DefaultBackoff
	}
	limit := cfg.FetchLimit
	if limit <= 0 || limit > DefaultFetchLimit {
		limit = DefaultFetchLimit
	}
	return &Source{cfg: cfg, limit: limit}
}

// Open lists the stream's shards and places each one: after its sequence
// number in offset, else where offset (or, for a nil offset, Start) says
// new shards begin.
func (s *Source) Open(ctx context.Context, offset []byte) error {
	s.shards, s.byID = nil, map[string]*shard{}
	s.pending, s.pendingShard = nil, nil
	s.relist, s.relistFailures = false, 0
	now := s.cfg.Clock()
	var known map[string]shardPosition
	first := position{start: s.cfg.Start, at: s.cfg.StartTimestamp}
	if offset == nil {
		s.resume = first
		if s.cfg.Start == StartLatest {
			// A resume must not skip what arrived since this Open.
			s.resume = position{start: StartAtTimestamp, at: now}
		}
	} else {
		resume, progress, err := decodeOffset(offset)
		if err != nil {
			return types.Errorf(types.CodeInvalidParameterValue, "kinesis source %s: invalid offset %q: %v", s.cfg.Stream, offset, err)
		}
		s.resume, first, known = resume, resume, progress
	}
	listed, err := listShards(ctx, s.cfg.API, s.cfg.Stream)
	if err != nil {
		return apiError(s.cfg.Stream, "list shards", err)
	}
	s.addShards(listed, known, first, offset == nil && s.cfg.Start == StartLatest)
	if first.start == StartLatest {
		// Latest means as of Open, not as of the first Read.
		for _, sh := range s.shards {
			if !s.ready(sh) {
				continue
			}
			if sh.iter, err = s.iterator(ctx, sh); err != nil {
				return apiError(s.cfg.Stream, "get shard iterator on "+sh.id, err)
			}
		}
	}
	s.committed = encodeOffset(s.resume, s.shards)
	s.open = true
	return nil
}

// Offset implements connectors.Source.
func (s *Source) Offset() []byte { return s.committed }

// Read implements connectors.Source: it returns up to a batch of records
// from the shards that are due, waiting (polling with backoff) for at
// least one. It never returns io.EOF. Throttling, expired iterators and
// transient failures are retried; Read ends with an error only when ctx is
// done, Kinesis answers with a final error (the stream is gone, access is
// denied) or the on_error policy fails a record.
func (s *Source) Read(ctx context.Context, b *types.Batch) error {
	if !s.open {
		return errors.New("kinesis source: Read before Open")
	}
	b.Reset(s.cfg.Width)
	s.rowShards = s.rowShards[:0]
	for {
		wait, err := s.fill(ctx, b)
		if err != nil && (ctx.Err() == nil || b.Len == 0) {
			return err
		}
		if b.Len > 0 {
			s.committed = encodeOffset(s.resume, s.shards)
			return nil
		}
		if err := s.cfg.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// fill consumes pending records into b, then polls every readable shard
// that is due, until b is full. It returns how long to wait before a shard
// is due again.
func (s *Source) fill(ctx context.Context, b *types.Batch) (time.Duration, error) {
	if err := s.consume(b); err != nil || b.Full() {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.cfg.Clock()
	if s.relist && !now.Before(s.relistAt) {
		if err := s.rediscover(ctx, now); err != nil {
			return 0, err
		}
	}
	wait, readable := s.cfg.MaxPollInterval, false
	for _, sh := range s.shards {
		if !s.ready(sh) {
			continue
		}
		readable = true
		if sh.nextPoll.After(now) {
			wait = min(wait, sh.nextPoll.Sub(now))
			continue
		}
		if err := s.poll(ctx, sh, now); err != nil {
			return 0, err
		}
		if err := s.consume(b); err != nil || b.Full() {
			return 0, err
		}
		wait = min(wait, max(0, sh.nextPoll.Sub(now)))
	}
	if !readable && !s.relist {
		s.relist, s.relistAt = true, now.Add(s.cfg.MaxPollInterval)
	}
	if s.relist {
		wait = min(wait, max(0, s.relistAt.Sub(now)))
	}
	return wait, nil
}

// poll fetches the next records of sh into s.pending and schedules its
// next poll. Throttling and transient failures only delay the shard.
func (s *Source) poll(ctx context.Context, sh *shard, now time.Time) error {
	if sh.iter == nil {
		iter, err := s.iterator(ctx, sh)
		if err != nil {
			return s.callFailed(ctx, sh, now, "get shard iterator", err)
		}
		sh.iter = iter
	}
	out, err := s.cfg.API.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: sh.iter, Limit: aws.Int32(s.limit)}, noSDKRetry)
	if err != nil {
		if errorCode(err) == "ExpiredIteratorException" {
			sh.iter, sh.nextPoll = nil, now
			return nil
		}
		return s.callFailed(ctx, sh, now, "get records", err)
	}
	sh.failures = 0
	sh.iter = out.NextShardIterator
	sh.ended = out.NextShardIterator == nil
	behind := aws.ToInt64(out.MillisBehindLatest) > 0 || len(out.Records) >= int(s.limit)
	switch {
	case len(out.Records) == 0 && !behind:
		sh.idle++
		sh.nextPoll = now.Add(s.idleDelay(sh.idle))
	case behind:
		sh.idle, sh.nextPoll = 0, now
	default:
		sh.idle, sh.nextPoll = 0, now.Add(s.cfg.PollInterval)
	}
	s.pending, s.pendingShard = out.Records, sh
	return nil
}

// idleDelay is the wait after n consecutive empty polls.
func (s *Source) idleDelay(n int) time.Duration {
	d := s.cfg.PollInterval
	for i := 1; i < n && d < s.cfg.MaxPollInterval; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxPollInterval)
}

// callFailed handles a failed call on sh: ctx's error and final errors end
// the read, anything else (throttling included) retries the shard after a
// backoff.
func (s *Source) callFailed(ctx context.Context, sh *shard, now time.Time, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if isFinal(err) {
		return apiError(s.cfg.Stream, op+" on "+sh.id, err)
	}
	sh.failures++
	sh.nextPoll = now.Add(s.cfg.Backoff.Delay(sh.failures))
	return nil
}

// iterator gets an iterator for sh: after its last sequence number, else
// at its start position.
func (s *Source) iterator(ctx context.Context, sh *shard) (*string, error) {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(s.cfg.Stream), ShardId: aws.String(sh.id)}
	switch {
	case sh.pos.Seq != "":
		in.ShardIteratorType = ktypes.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = aws.String(sh.pos.Seq)
	case sh.from.start == StartLatest:
		in.ShardIteratorType = ktypes.ShardIteratorTypeLatest
	case sh.from.start == StartAtTimestamp:
		in.ShardIteratorType = ktypes.ShardIteratorTypeAtTimestamp
		in.Timestamp = aws.Time(sh.from.at)
	default:
		in.ShardIteratorType = ktypes.ShardIteratorTypeTrimHorizon
	}
	out, err := s.cfg.API.GetShardIterator(ctx, in, noSDKRetry)
	if err != nil {
		return nil, err
	}
	if sh.from.start == StartLatest {
		// A new iterator (this one expired) must not skip what arrived since.
		sh.from = s.resume
	}
	return out.ShardIterator, nil
}

// consume decodes pending records into b until b is full or none are left;
// a shard that ended is done once its last record is consumed.
func (s *Source) consume(b *types.Batch) error {
	sh := s.pendingShard
	if sh == nil {
		return nil
	}
	for len(s.pending) > 0 && !b.Full() {
		r := &s.pending[0]
		s.pending = s.pending[1:]
		sh.pos.Seq = aws.ToString(r.SequenceNumber)
		row := b.AppendRow()
		if err := s.cfg.Decoder.Decode(r.Data, row); err != nil {
			b.Truncate(b.Len - 1)
			if err := s.cfg.BadRecords.HandleBadRecord(r.Data, sh.id+":"+sh.pos.Seq, err); err != nil {
				return err
			}
			continue
		}
		fillMetadata(s.cfg.Metadata, row, sh.id, r)
		s.rowShards = append(s.rowShards, sh.index)
	}
	if len(s.pending) > 0 {
		return nil
	}
	s.pending, s.pendingShard = nil, nil
	if sh.ended {
		sh.pos.Done = true
		s.relist, s.relistAt = true, time.Time{}
	}
	return nil
}

// Close implements connectors.Source. It is idempotent; the client needs
// no closing.
func (s *Source) Close() error {
	s.open = false
	s.shards, s.byID, s.pending, s.pendingShard = nil, nil, nil, nil
	return nil
}
