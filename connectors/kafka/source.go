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

// Isolation is which records of transactions a source reads.
type Isolation uint8

// The isolation levels.
const (
	// ReadCommitted reads the records of a transaction once it commits,
	// never those of an aborted one, and plain records in order with them:
	// a partition is read up to its first open transaction.
	ReadCommitted Isolation = iota
	// ReadUncommitted reads every record as soon as it is written.
	ReadUncommitted
)

func (i Isolation) level() kgo.IsolationLevel {
	if i == ReadUncommitted {
		return kgo.ReadUncommitted()
	}
	return kgo.ReadCommitted()
}

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
	// Topic is the topic read.
	Topic string
	// Start places partitions that neither the resumed offset nor (with
	// GroupAssign) the group's committed offsets name, and all of them on a
	// fresh start (nil offset).
	Start Start
	// Isolation is which transactional records are read; StartLatest
	// begins after the last stable offset under ReadCommitted.
	Isolation Isolation
	// GroupID is a consumer group. Without GroupAssign the source commits
	// its offsets there so that Kafka tools show its progress; the group
	// does not assign partitions and its offsets are never read back.
	GroupID string
	// GroupAssign makes the source a member of GroupID: the group splits
	// the topic's partitions between the sources (in any number of servers)
	// that join it, and a source reads only those assigned to it.
	GroupAssign bool
	// CommitInterval is how often offsets are committed to GroupID; 0 means
	// DefaultCommitInterval.
	CommitInterval time.Duration
	// Clock times the commits; nil means time.Now.
	Clock func() time.Time
	// Width is the number of columns of the rows Decoder fills.
	Width int
	// Decoder turns one record value into a row. It must leave the
	// Metadata columns alone (NULL); the source fills them.
	Decoder format.Decoder
	// Metadata are the columns filled from each record's envelope (see
	// ResolveMetadata).
	Metadata []MetadataColumn
	// BadRecords handles records whose value does not decode.
	BadRecords BadRecordHandler
	// Security is how the brokers are reached.
	Security Security
	// ClientOptions are extra franz-go options (tests, tuning), applied
	// after the source's own.
	ClientOptions []kgo.Opt
}

// Source reads one topic into rows.
//
// By default it reads every partition by direct partition consumption: no
// group rebalancing, the engine owns the positions. Partitions are
// discovered once, at Open: a partition added to the topic later is read
// only after the source is opened again (a restart), from its earliest
// record.
//
// With GroupAssign it is a member of a consumer group instead and reads the
// partitions the group assigns it (see group.go for how rebalances keep
// every row read exactly once).
//
// Its offset is a JSON object mapping each partition number to the offset
// of the next record to read ({"0":123,"1":45}): every partition in direct
// mode, the partitions it has been assigned in group mode. Open resumes
// every named partition exactly there (in group mode, unless the group has
// committed a newer offset).
type Source struct {
	cfg     SourceConfig
	base    []kgo.Opt // seed brokers and security: every client's options
	cl      *kgo.Client
	topicID [16]byte // for group commits, which newer brokers want by id
	meta    metadataFiller

	next []int64 // Read's goroutine only: per partition, the offset after the last record consumed; -1 for none
	// rowPartitions is Read's goroutine only: the partition of each row of
	// the batch Read filled last (RowPartitions).
	rowPartitions []int32
	// livePartitions is LivePartitions' result, reused (Read's goroutine).
	livePartitions []int32

	mu        sync.Mutex
	committed []int64 // per partition, the offset after the last row Read returned; -1 for none
	owned     []bool  // group mode: the partitions assigned to this member

	// Group mode: set by Open before the client starts, read-only after.
	resume  map[int32]int64                      // the offset Open was given
	initial []int64                              // per partition, Start resolved at Open
	marks   map[string]map[int32]kgo.EpochOffset // publish's argument to MarkCommitOffsets, reused

	lastCommit time.Time
	commits    sync.WaitGroup // the group commit in flight, if any
	committing atomic.Bool    // a group commit is in flight
}

// NewSource returns an unopened source. It fails when the configuration is
// unusable: a certificate file that does not load, GroupAssign without a
// group, a metadata column outside the row.
func NewSource(cfg SourceConfig) (*Source, error) {
	if cfg.CommitInterval <= 0 {
		cfg.CommitInterval = DefaultCommitInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.GroupAssign && cfg.GroupID == "" {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka source %s: group assignment needs a group id", cfg.Topic)
	}
	for _, mc := range cfg.Metadata {
		if mc.Column < 0 || mc.Column >= cfg.Width {
			return nil, fmt.Errorf("kafka source %s: metadata column %d outside rows of %d columns", cfg.Topic, mc.Column, cfg.Width)
		}
	}
	security, err := cfg.Security.clientOptions()
	if err != nil {
		return nil, err
	}
	base := append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, security...)
	return &Source{cfg: cfg, base: base, meta: metadataFiller{columns: cfg.Metadata}}, nil
}

// consumerOptions returns the options of the consuming client: consume
// plus the base options, then cfg.ClientOptions, which may override them.
// Admin clients (metadata, list offsets) take the base options only.
func (s *Source) consumerOptions(consume ...kgo.Opt) []kgo.Opt {
	opts := append(consume, kgo.FetchIsolationLevel(s.cfg.Isolation.level()))
	opts = append(opts, s.base...)
	return append(opts, s.cfg.ClientOptions...)
}

// Open discovers the topic's partitions and begins fetching: in direct mode
// from where each one starts (offset, else Start); in group mode it joins
// the group, which assigns partitions as members come and go.
func (s *Source) Open(ctx context.Context, offset []byte) error {
	resume, err := decodeOffset(offset)
	if err != nil {
		return types.Errorf(types.CodeInvalidParameterValue, "kafka source %s: invalid offset %q: %v", s.cfg.Topic, offset, err)
	}
	if s.cfg.GroupAssign {
		return s.openGroup(ctx, resume)
	}
	starts, err := s.startOffsets(ctx, resume)
	if err != nil {
		return err
	}
	at := make(map[int32]kgo.Offset, len(starts))
	for p, o := range starts {
		at[int32(p)] = kgo.NewOffset().At(o)
	}
	cl, err := kgo.NewClient(s.consumerOptions(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.Topic: at}))...)
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
	admin, err := kgo.NewClient(s.base...)
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
	listed, err := listOffsets(ctx, admin, s.cfg.Topic, missing, start, s.cfg.Isolation)
	if err != nil {
		return nil, err
	}
	for _, p := range missing {
		starts[p] = listed[p]
	}
	return starts, nil
}

// Offset implements connectors.Source.
func (s *Source) Offset() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return encodeOffset(s.committed)
}

// Read implements connectors.Source: it returns the records fetched so far,
// up to a full batch, waiting for at least one. It never returns io.EOF.
// Broker and network failures are retried by the client; Read ends with an
// error only when ctx is done, the client is closed or the on_error policy
// fails a record. Every record polled is in the batch returned (or was a
// bad record): the source buffers nothing between reads.
func (s *Source) Read(ctx context.Context, b *types.Batch) error {
	if s.cl == nil {
		return errors.New("kafka source: Read before Open")
	}
	b.Reset(s.cfg.Width)
	s.rowPartitions = s.rowPartitions[:0]
	for b.Len == 0 {
		fetches := s.cl.PollRecords(ctx, types.BatchSize)
		if err := s.consume(ctx, fetches, b); err != nil {
			s.cl.AllowRebalance()
			return err
		}
		if len(fetches) > 0 {
			s.publish()
		}
	}
	s.maybeCommit()
	return nil
}

// consume decodes the records of fetches into b.
func (s *Source) consume(ctx context.Context, fetches kgo.Fetches, b *types.Batch) error {
	if err := s.fetchError(ctx, fetches); err != nil {
		return err
	}
	for it := fetches.RecordIter(); !it.Done(); {
		if err := s.decode(it.Next(), b); err != nil {
			return err
		}
	}
	return nil
}

// publish makes the records consumed so far count as returned: Offset
// reports them and, in group mode, they are marked for the group's
// commits. Then it lets a rebalance the poll held back proceed: its revoke
// commits exactly the rows returned. It must be called only after a poll
// that returned fetches, while that poll holds rebalances back, so that
// the partitions marked are still this member's.
func (s *Source) publish() {
	s.mu.Lock()
	s.growLocked(len(s.next))
	for p, o := range s.next {
		s.committed[p] = max(s.committed[p], o)
	}
	if s.cfg.GroupAssign {
		s.markOwnedLocked()
	}
	s.mu.Unlock()
	if s.cfg.GroupAssign {
		s.cl.MarkCommitOffsets(s.marks)
	}
	s.cl.AllowRebalance()
}

// growLocked extends committed and owned to n partitions.
func (s *Source) growLocked(n int) {
	for len(s.committed) < n {
		s.committed = append(s.committed, -1)
	}
	for len(s.owned) < n {
		s.owned = append(s.owned, false)
	}
}

// decode appends r's row to b, or hands r to the bad-record policy.
func (s *Source) decode(r *kgo.Record, b *types.Batch) error {
	p := int(r.Partition)
	for len(s.next) <= p {
		s.next = append(s.next, -1)
	}
	s.next[p] = r.Offset + 1
	row := b.AppendRow()
	err := s.cfg.Decoder.Decode(r.Value, row)
	if err == nil && len(s.meta.columns) > 0 {
		err = s.meta.fill(r, row)
	}
	if err != nil {
		b.Truncate(b.Len - 1)
		return s.cfg.BadRecords.HandleBadRecord(r.Value, strconv.Itoa(p)+":"+strconv.FormatInt(r.Offset, 10), err)
	}
	s.rowPartitions = append(s.rowPartitions, r.Partition)
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

// Close implements connectors.Source. In direct mode it commits the last
// offsets to the group (when there is one); in group mode it leaves the
// group, whose final revoke commits the offsets of the rows returned. It
// is idempotent.
func (s *Source) Close() error {
	if s.cl == nil {
		return nil
	}
	s.commits.Wait()
	if s.cfg.GroupID != "" && !s.cfg.GroupAssign {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.mu.Lock()
		offsets := append([]int64(nil), s.committed...)
		s.mu.Unlock()
		s.commitGroup(ctx, offsets)
		cancel()
	}
	s.cl.CloseAllowingRebalance()
	s.cl = nil
	return nil
}
