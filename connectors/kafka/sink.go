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
	// it is sent; 0 sends at once. Write waits for its records, so a linger
	// adds up to that much to each Write.
	Linger time.Duration
	// Security is how the brokers are reached.
	Security Security
	// ClientOptions are extra franz-go options (tests, tuning), applied
	// after the sink's own.
	ClientOptions []kgo.Opt
}

// Sink produces one record per row to a topic with franz-go's idempotent
// producer, so the client's own retries never duplicate a record. Write
// returns once every record of the batch is acknowledged by the brokers;
// the client retries failures until then or until ctx is done. A Write that
// fails part way may have delivered some records, which a retried Write
// sends again: delivery is at least once.
type Sink struct {
	cfg     SinkConfig
	cl      *kgo.Client
	buf     []byte       // encoded values and keys of the batch being written
	ends    []int        // per row: end of its value and of its key in buf
	records []kgo.Record // reused between writes; reset before each
	ptrs    []*kgo.Record
}

// NewSink builds a sink and its client. Brokers are contacted lazily, on the
// first Write.
func NewSink(cfg SinkConfig) (*Sink, error) {
	if cfg.BatchMaxBytes < 0 {
		return nil, fmt.Errorf("kafka sink %s: negative batch size %d", cfg.Topic, cfg.BatchMaxBytes)
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
	opts = append(opts, security...)
	cl, err := kgo.NewClient(append(opts, cfg.ClientOptions...)...)
	if err != nil {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kafka sink %s: %v", cfg.Topic, err)
	}
	return &Sink{cfg: cfg, cl: cl}, nil
}

// Write implements connectors.Sink: it produces the rows of b and waits
// until all are acknowledged. It does not keep b.
func (s *Sink) Write(ctx context.Context, b *types.Batch) error {
	if s.cl == nil {
		return fmt.Errorf("kafka sink %s: write after close", s.cfg.Topic)
	}
	if b.Len == 0 {
		return ctx.Err()
	}
	s.encode(b)
	results := s.cl.ProduceSync(ctx, s.ptrs...)
	if err := results.FirstErr(); err != nil {
		return types.Errorf(codeConnectionFailure, "kafka sink %s: produce: %v", s.cfg.Topic, err)
	}
	return nil
}

// encode fills s.ptrs with one record per row of b. Values and keys are
// encoded into one buffer first and sliced after, as the buffer may move
// while it grows.
func (s *Sink) encode(b *types.Batch) {
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	for i := 0; i < b.Len; i++ {
		row := b.Row(i)
		s.buf = s.cfg.Encoder.Encode(s.buf, row)
		s.ends = append(s.ends, len(s.buf))
		if k := s.cfg.KeyColumn; k >= 0 && !row[k].IsNull() {
			s.buf = types.AppendText(s.buf, row[k], time.UTC)
		}
		s.ends = append(s.ends, len(s.buf))
	}
	if cap(s.records) < b.Len {
		s.records = make([]kgo.Record, b.Len)
		s.ptrs = make([]*kgo.Record, b.Len)
		for i := range s.records {
			s.ptrs[i] = &s.records[i]
		}
	}
	s.ptrs = s.ptrs[:b.Len]
	start := 0
	for i := 0; i < b.Len; i++ {
		valueEnd, keyEnd := s.ends[2*i], s.ends[2*i+1]
		r := &s.records[i]
		*r = kgo.Record{Topic: s.cfg.Topic, Value: s.buf[start:valueEnd:valueEnd]}
		if s.cfg.KeyColumn >= 0 && !b.Row(i)[s.cfg.KeyColumn].IsNull() {
			r.Key = s.buf[valueEnd:keyEnd:keyEnd]
		}
		start = keyEnd
	}
}

// Flush implements connectors.Sink. Write already waits for every record,
// so there is nothing left to make durable.
func (s *Sink) Flush(ctx context.Context) error {
	if s.cl == nil {
		return fmt.Errorf("kafka sink %s: flush after close", s.cfg.Topic)
	}
	return ctx.Err()
}

// Close implements connectors.Sink. It is idempotent.
func (s *Sink) Close() error {
	if s.cl == nil {
		return nil
	}
	s.cl.Close()
	s.cl = nil
	return nil
}
