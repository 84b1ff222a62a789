// Package kafka reads rows from and writes rows to Apache Kafka topics with
// franz-go.
//
// The package depends only on types, connectors/format and franz-go:
// Source and Sink satisfy the connectors.Source and connectors.Sink
// contracts structurally, and package connectors adapts WITH options to the
// configs here.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// DefaultCommitInterval is how often a source with a group id commits its
// offsets to the group.
const DefaultCommitInterval = 5 * time.Second

// Start is where a partition the offset does not cover begins.
type Start uint8

// The start positions.
const (
	// StartEarliest begins at the oldest retained record.
	StartEarliest Start = iota
	// StartLatest begins after the newest record at Open.
	StartLatest
)

// BadRecordHandler decides what a record that cannot be decoded does to the
// read: nil skips it (after reporting or counting it), an error ends the
// read with that error. connectors.BadRecordPolicy implements it.
type BadRecordHandler interface {
	HandleBadRecord(raw []byte, offset string, err error) error
}

// SourceConfig configures a Kafka source.
type SourceConfig struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic is the topic read, all of its partitions.
	Topic string
	// Start places partitions a resumed offset does not name, and all of
	// them on a fresh start (nil offset).
	Start Start
	// GroupID, when set, is the consumer group the source commits its
	// offsets to so that Kafka tools show its progress. The group does not
	// assign partitions and its offsets are never read back: the engine's
	// checkpointed offset is the only position that counts.
	GroupID string
	// CommitInterval is how often offsets are committed to GroupID; 0 means
	// DefaultCommitInterval.
	CommitInterval time.Duration
	// Clock times the commits; nil means time.Now.
	Clock func() time.Time
	// Width is the number of columns of the rows Decoder fills.
	Width int
	// Decoder turns one record value into a row.
	Decoder format.Decoder
	// BadRecords handles records whose value does not decode.
	BadRecords BadRecordHandler
	// ClientOptions are extra franz-go options (tests, tuning).
	ClientOptions []kgo.Opt
}

// Source reads every partition of one topic by direct partition
// consumption: no group rebalancing, the engine owns the positions.
//
// Its offset is a JSON object mapping each partition number to the offset
// of the next record to read ({"0":123,"1":45}). Open resumes every named
// partition exactly there. Partitions are discovered once, at Open: a
// partition added to the topic later is read only after the source is
// opened again (a restart), from its earliest record.
type Source struct {
	cfg     SourceConfig
	cl      *kgo.Client
	topicID [16]byte // for group commits, which newer brokers want by id

	next      []int64 // per partition, the offset after the last record consumed
	committed []int64 // next as of the last successful Read: what Offset reports

	lastCommit time.Time
	commits    sync.WaitGroup // the group commit in flight, if any
	committing atomic.Bool    // a group commit is in flight
}

// NewSource returns an unopened source.
func NewSource(cfg SourceConfig) *Source {
	if cfg.CommitInterval <= 0 {
		cfg.CommitInterval = DefaultCommitInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Source{cfg: cfg}
}

// Open discovers the topic's partitions, resolves where each one starts
// (from offset, else from Start) and begins fetching.
func (s *Source) Open(ctx context.Context, offset []byte) error {
	resume, err := decodeOffset(offset)
	if err != nil {
		return types.Errorf(types.CodeInvalidParameterValue, "kafka source %s: invalid offset %q: %v", s.cfg.Topic, offset, err)
	}
	starts, err := s.startOffsets(ctx, resume)
	if err != nil {
		return err
	}
	at := make(map[int32]kgo.Offset, len(starts))
	for p, o := range starts {
		at[int32(p)] = kgo.NewOffset().At(o)
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(s.cfg.Brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.Topic: at}),
	}, s.cfg.ClientOptions...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return types.Errorf(types.CodeInvalidParameterValue, "kafka source %s: %v", s.cfg.Topic, err)
	}
	s.cl = cl
	s.next = starts
	s.committed = append([]int64(nil), starts...)
	s.lastCommit = s.cfg.Clock()
	return nil
}

// startOffsets returns, per partition of the topic, the offset to read
// first: the resumed one, or the Start position resolved to a concrete
// offset so that the source's Offset names every partition from the first
// checkpoint on.
func (s *Source) startOffsets(ctx context.Context, resume map[int32]int64) ([]int64, error) {
	opts := append([]kgo.Opt{kgo.SeedBrokers(s.cfg.Brokers...)}, s.cfg.ClientOptions...)
	admin, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka source %s: %v", s.cfg.Topic, err)
	}
	defer admin.Close()
	meta, err := describeTopic(ctx, admin, s.cfg.Topic)
	if err != nil {
		return nil, err
	}
	s.topicID = meta.id
	starts := make([]int64, meta.partitions)
	var missing []int32
	for p := range starts {
		if o, ok := resume[int32(p)]; ok {
			starts[p] = o
			continue
		}
		missing = append(missing, int32(p))
	}
	if len(missing) == 0 {
		return starts, nil
	}
	start := s.cfg.Start
	if resume != nil {
		start = StartEarliest // added since the offset was taken: all of it is new
	}
	listed, err := listOffsets(ctx, admin, s.cfg.Topic, missing, start)
	if err != nil {
		return nil, err
	}
	for _, p := range missing {
		starts[p] = listed[p]
	}
	return starts, nil
}

// Offset implements connectors.Source.
func (s *Source) Offset() []byte { return encodeOffset(s.committed) }

// Read implements connectors.Source: it returns the records fetched so far,
// up to a full batch, waiting for at least one. It never returns io.EOF.
// Broker and network failures are retried by the client; Read ends with an
// error only when ctx is done, the client is closed or the on_error policy
// fails a record.
func (s *Source) Read(ctx context.Context, b *types.Batch) error {
	if s.cl == nil {
		return errors.New("kafka source: Read before Open")
	}
	b.Reset(s.cfg.Width)
	for b.Len == 0 {
		fetches := s.cl.PollRecords(ctx, types.BatchSize)
		if err := s.fetchError(ctx, fetches); err != nil {
			return err
		}
		for it := fetches.RecordIter(); !it.Done(); {
			if err := s.decode(it.Next(), b); err != nil {
				return err
			}
		}
	}
	copy(s.committed, s.next)
	s.maybeCommit()
	return nil
}

// decode appends r's row to b, or hands r to the bad-record policy.
func (s *Source) decode(r *kgo.Record, b *types.Batch) error {
	if int(r.Partition) < len(s.next) {
		s.next[r.Partition] = r.Offset + 1
	}
	if err := s.cfg.Decoder.Decode(r.Value, b.AppendRow()); err != nil {
		b.Truncate(b.Len - 1)
		return s.cfg.BadRecords.HandleBadRecord(r.Value, strconv.Itoa(int(r.Partition))+":"+strconv.FormatInt(r.Offset, 10), err)
	}
	return nil
}

// fetchError returns the error that ends a read: ctx done or the client
// closed. Other fetch errors are the client's to retry; it keeps fetching.
func (s *Source) fetchError(ctx context.Context, fetches kgo.Fetches) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, fe := range fetches.Errors() {
		if errors.Is(fe.Err, kgo.ErrClientClosed) {
			return fmt.Errorf("kafka source %s: %w", s.cfg.Topic, fe.Err)
		}
	}
	return nil
}

// Close implements connectors.Source. It commits the last offsets to the
// group (when there is one) and closes the client. It is idempotent.
func (s *Source) Close() error {
	if s.cl == nil {
		return nil
	}
	s.commits.Wait()
	if s.cfg.GroupID != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.commitGroup(ctx, append([]int64(nil), s.committed...))
		cancel()
	}
	s.cl.Close()
	s.cl = nil
	return nil
}
