package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// Compression is the codec record batches are compressed with.
type Compression uint8

// The codecs.
const (
	CompressionNone Compression = iota
	CompressionGzip
	CompressionSnappy
	CompressionLZ4
	CompressionZstd
)

func (c Compression) codec() kgo.CompressionCodec {
	switch c {
	case CompressionGzip:
		return kgo.GzipCompression()
	case CompressionSnappy:
		return kgo.SnappyCompression()
	case CompressionLZ4:
		return kgo.Lz4Compression()
	case CompressionZstd:
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// SinkConfig configures a Kafka sink.
type SinkConfig struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// Topic receives one record per row.
	Topic string
	// Encoder writes a row as a record value.
	Encoder format.Encoder
	// KeyColumn is the column whose value, as text, is the record key; -1
	// means records have no key. A NULL value gives a record without a key.
	KeyColumn int
	// Compression compresses record batches.
	Compression Compression
	// BatchMaxBytes bounds a record batch before compression; 0 keeps the
	// client's default (1,000,012 bytes, Kafka's default max.message.bytes).
	BatchMaxBytes int32
	// Linger is how long a partition's batch waits for more records before
	// it is sent; 0 sends at once. Flush waits for the records, so a linger
	// adds up to that much to each Flush.
	Linger time.Duration
	// MaxBufferedRecords bounds the records produced and not acknowledged
	// yet: Write blocks while that many are in flight. 0 keeps the
	// client's default (50,000).
	MaxBufferedRecords int
	// Security is how the brokers are reached.
	Security Security
	// ClientOptions are extra franz-go options (tests, tuning), applied
	// after the sink's own.
	ClientOptions []kgo.Opt
}

// closeFlushTimeout bounds how long Close tries to deliver the records
// still buffered.
const closeFlushTimeout = 5 * time.Second

// Sink produces one record per row to a topic with franz-go's idempotent
// producer, so the client's own retries never duplicate a record.
//
// Write encodes the rows, hands them to the client and returns without
// waiting for the brokers; Flush waits until every record written is
// acknowledged. The client retries failures itself; a record it gives up
// on is kept and produced again by the next Write or Flush, which returns
// the failure so the caller backs off: no row is dropped. Delivery is at
// least once (a record the brokers stored but whose acknowledgement was
// lost is sent again), and a record produced again may land after records
// written later.
//
// A TransactionalSink (exactly_once) produces into Kafka transactions
// instead, committed with the engine's checkpoints.
type Sink struct {
	cfg  SinkConfig
	opts []kgo.Opt // every producing client's options
	// cl is the producing client; nil in a transactional sink, whose
	// transactions supply one (see producer).
	cl     *kgo.Client
	txns   *transactions
	d      delivery
	ends   []int // per row of the batch being encoded: end of its value and of its key in the chunk's buffer
	closed bool
}

// NewSink builds a sink and its client. Brokers are contacted lazily, on the
// first Write.
func NewSink(cfg SinkConfig) (*Sink, error) {
	s, err := newSink(cfg)
	if err != nil {
		return nil, err
	}
	if s.cl, err = kgo.NewClient(s.opts...); err != nil {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka sink %s: %v", cfg.Topic, err)
	}
	return s, nil
}

// newSink checks cfg and resolves the producing clients' options.
func newSink(cfg SinkConfig) (*Sink, error) {
	if cfg.BatchMaxBytes < 0 {
		return nil, fmt.Errorf("kafka sink %s: negative batch size %d", cfg.Topic, cfg.BatchMaxBytes)
	}
	if cfg.MaxBufferedRecords < 0 {
		return nil, fmt.Errorf("kafka sink %s: negative buffered record bound %d", cfg.Topic, cfg.MaxBufferedRecords)
	}
	security, err := cfg.Security.clientOptions()
	if err != nil {
		return nil, err
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.ProducerLinger(cfg.Linger),
		kgo.ProducerBatchCompression(cfg.Compression.codec()),
	}
	if cfg.BatchMaxBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(cfg.BatchMaxBytes))
	}
	if cfg.MaxBufferedRecords > 0 {
		opts = append(opts, kgo.MaxBufferedRecords(cfg.MaxBufferedRecords))
	}
	opts = append(opts, security...)
	return &Sink{cfg: cfg, opts: append(opts, cfg.ClientOptions...)}, nil
}

// Write implements connectors.Sink: it hands the rows of b to the client
// and returns, blocking only while MaxBufferedRecords are in flight. When
// records failed since the last call it first produces them again and
// returns their error without taking b: the caller retries with b after a
// backoff. It does not keep b.
func (s *Sink) Write(ctx context.Context, b *types.Batch) error {
	if s.closed {
		return fmt.Errorf("kafka sink %s: write after close", s.cfg.Topic)
	}
	if err := s.retryFailed(ctx); err != nil {
		return err
	}
	if b.Len == 0 {
		return ctx.Err()
	}
	cl, err := s.producer()
	if err != nil {
		return err
	}
	c := s.d.chunk(b.Len)
	s.encode(c, b)
	for i := range c.records {
		cl.Produce(ctx, &c.records[i], c.promise)
	}
	return nil
}

// producer returns the client records are produced with: the sink's own,
// or the current transaction's.
func (s *Sink) producer() (*kgo.Client, error) {
	if s.txns != nil {
		return s.txns.current()
	}
	return s.cl, nil
}

// retryFailed produces the records that failed since the last call again
// and returns the first failure; nil when none failed.
func (s *Sink) retryFailed(ctx context.Context) error {
	failed, err := s.d.takeFailed()
	if err == nil {
		return nil
	}
	cl, perr := s.producer()
	if perr != nil {
		return perr
	}
	for _, f := range failed {
		cl.Produce(ctx, f.record, f.chunk.promise)
	}
	return types.Errorf(codeConnectionFailure, "kafka sink %s: delivery failed, retrying %d records: %v", s.cfg.Topic, len(failed), err)
}

// encode fills c with one record per row of b. Values and keys are encoded
// into the chunk's buffer first and sliced after, as the buffer may move
// while it grows.
func (s *Sink) encode(c *chunk, b *types.Batch) {
	s.ends = s.ends[:0]
	for i := 0; i < b.Len; i++ {
		row := b.Row(i)
		c.buf = s.cfg.Encoder.Encode(c.buf, row)
		s.ends = append(s.ends, len(c.buf))
		if k := s.cfg.KeyColumn; k >= 0 && !row[k].IsNull() {
			c.buf = types.AppendText(c.buf, row[k], time.UTC)
		}
		s.ends = append(s.ends, len(c.buf))
	}
	// One timestamp for the batch: the client would read the clock for
	// each record, which costs as much as encoding it on some VMs.
	now := time.Now()
	start := 0
	for i := 0; i < b.Len; i++ {
		valueEnd, keyEnd := s.ends[2*i], s.ends[2*i+1]
		r := &c.records[i]
		*r = kgo.Record{Topic: s.cfg.Topic, Value: c.buf[start:valueEnd:valueEnd], Timestamp: now}
		if s.cfg.KeyColumn >= 0 && !b.Row(i)[s.cfg.KeyColumn].IsNull() {
			r.Key = c.buf[valueEnd:keyEnd:keyEnd]
		}
		start = keyEnd
	}
}

// Flush implements connectors.Sink: it waits until every record written is
// acknowledged. Records that failed are produced again and their failure
// returned; the caller retries Flush, which then waits for them.
func (s *Sink) Flush(ctx context.Context) error {
	if s.closed {
		return fmt.Errorf("kafka sink %s: flush after close", s.cfg.Topic)
	}
	if s.d.unacked.Load() == 0 {
		return ctx.Err()
	}
	cl, err := s.producer()
	if err != nil {
		return err
	}
	if err := cl.Flush(ctx); err != nil {
		return types.Errorf(codeConnectionFailure, "kafka sink %s: flush: %v", s.cfg.Topic, err)
	}
	if err := s.retryFailed(ctx); err != nil {
		return err
	}
	// A record failed before the client buffered it has its promise
	// called after Flush may have returned.
	if n := s.d.unacked.Load(); n != 0 {
		return types.Errorf(codeConnectionFailure, "kafka sink %s: flush: %d records not acknowledged yet", s.cfg.Topic, n)
	}
	return nil
}

// Close implements connectors.Sink: it gives the records still buffered a
// few seconds to be delivered, then closes the client. A transactional
// sink aborts the transaction not prepared yet and leaves the prepared
// ones for Commit or, after a restart, Recover. It is idempotent.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.txns != nil {
		return s.txns.close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeFlushTimeout)
	defer cancel()
	err := s.cl.Flush(ctx)
	s.cl.Close()
	if err != nil {
		return types.Errorf(codeConnectionFailure, "kafka sink %s: close: records still buffered were dropped: %v", s.cfg.Topic, err)
	}
	return nil
}
