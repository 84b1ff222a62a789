package kinesis

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"time"
	"unicode/utf8"

	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/connectors/internal/wait"
	"github.com/novelty-db/novelty/types"
)

// closeTimeout bounds how long Close tries to deliver buffered rows.
const closeTimeout = 30 * time.Second

// SinkConfig configures a Kinesis sink.
type SinkConfig struct {
	// Stream receives one record per row.
	Stream string
	// Put sends a PutRecords request: the client's PutRecords.
	Put PutRecordsFunc
	// Encoder writes a row as a record's data.
	Encoder format.Encoder
	// PartitionKeyColumn is the column whose value, as text, is the
	// partition key; -1 means a hash of the record's data. A NULL or empty
	// value also falls back to the hash, and a value longer than Kinesis'
	// 256 characters is replaced by its hash, so equal values still land on
	// the same shard.
	PartitionKeyColumn int
	// Sleep waits between retries; nil means the real one.
	Sleep Sleeper
	// Backoff spaces retries; zero means DefaultBackoff.
	Backoff Backoff
}

// Sink writes one record per row with PutRecords. Rows are buffered into
// requests of at most MaxRecordsPerRequest records and MaxRequestBytes
// bytes; a full request is sent during Write, the rest at Flush. Failed
// records are resent until accepted, so delivery is at least once.
type Sink struct {
	cfg    SinkConfig
	closed bool

	// The buffered request: the records' data back to back in data and
	// their partition keys in keys, ends[i] holding where record i ends in
	// each.
	data, keys []byte
	ends       []recordEnd

	entries []ktypes.PutRecordsRequestEntry // reused between requests
	keyStrs []string                        // the entries' partition keys
	scratch []byte                          // a partition key column's text
}

// recordEnd is where a buffered record's data and key end.
type recordEnd struct{ data, key int }

// NewSink builds a sink; Kinesis is contacted on the first request.
func NewSink(cfg SinkConfig) *Sink {
	if cfg.Sleep == nil {
		cfg.Sleep = wait.Sleep
	}
	if cfg.Backoff.Base <= 0 || cfg.Backoff.Max < cfg.Backoff.Base {
		cfg.Backoff = DefaultBackoff
	}
	return &Sink{cfg: cfg}
}

// Write implements connectors.Sink: it buffers the rows of b, sending each
// request that fills up. A row bigger than MaxRecordBytes is an error; the
// rows before it stay buffered. It does not keep b.
func (s *Sink) Write(ctx context.Context, b *types.Batch) error {
	if s.closed {
		return errors.New("kinesis sink " + s.cfg.Stream + ": write after close")
	}
	for i := 0; i < b.Len; i++ {
		if err := s.add(ctx, b.Row(i)); err != nil {
			return err
		}
	}
	return nil
}

// add encodes row at the end of the buffered request, sending the request
// first when the row does not fit in it.
func (s *Sink) add(ctx context.Context, row []types.Datum) error {
	dataStart, keyStart := len(s.data), len(s.keys)
	s.data = s.cfg.Encoder.Encode(s.data, row)
	s.keys = s.appendKey(s.keys, row, s.data[dataStart:])
	size := len(s.data) - dataStart + len(s.keys) - keyStart
	if size > MaxRecordBytes {
		s.data, s.keys = s.data[:dataStart], s.keys[:keyStart]
		return types.Errorf(codeProgramLimitExceeded,
			"kinesis sink %s: a row encodes to a record of %d bytes, over Kinesis' limit of %d bytes (1 MiB) per record including its partition key",
			s.cfg.Stream, size, MaxRecordBytes)
	}
	if n := len(s.ends); n == MaxRecordsPerRequest || dataStart+keyStart+size > MaxRequestBytes {
		if err := s.send(ctx, n); err != nil {
			s.data, s.keys = s.data[:dataStart], s.keys[:keyStart]
			return err
		}
		// The new record moves to the front of the emptied request.
		s.data = s.data[:copy(s.data, s.data[dataStart:])]
		s.keys = s.keys[:copy(s.keys, s.keys[keyStart:])]
	}
	s.ends = append(s.ends, recordEnd{data: len(s.data), key: len(s.keys)})
	return nil
}

// appendKey appends row's partition key to buf: the key column's text, or
// a hash of data when there is no key column, its value is NULL or empty,
// or it is too long.
func (s *Sink) appendKey(buf []byte, row []types.Datum, data []byte) []byte {
	if k := s.cfg.PartitionKeyColumn; k >= 0 && !row[k].IsNull() {
		s.scratch = types.AppendText(s.scratch[:0], row[k], time.UTC)
		if n := utf8.RuneCount(s.scratch); n > 0 && n <= MaxPartitionKeyChars {
			return append(buf, s.scratch...)
		}
		data = s.scratch
	}
	h := fnv.New64a()
	h.Write(data)
	return strconv.AppendUint(buf, h.Sum64(), 16)
}

// send puts the first n buffered records and removes them from the buffer.
// The bytes after them (a record not yet counted in ends) stay for the
// caller to move.
func (s *Sink) send(ctx context.Context, n int) error {
	if n == 0 {
		return nil
	}
	keys := string(s.keys[:s.ends[n-1].key])
	s.entries, s.keyStrs = s.entries[:0], s.keyStrs[:0]
	dataStart, keyStart := 0, 0
	for _, e := range s.ends[:n] {
		s.keyStrs = append(s.keyStrs, keys[keyStart:e.key])
		s.entries = append(s.entries, ktypes.PutRecordsRequestEntry{Data: s.data[dataStart:e.data:e.data]})
		dataStart, keyStart = e.data, e.key
	}
	for i := range s.entries {
		s.entries[i].PartitionKey = &s.keyStrs[i]
	}
	if err := putAll(ctx, s.cfg.Put, s.cfg.Stream, s.entries, s.cfg.Sleep, s.cfg.Backoff); err != nil {
		return err
	}
	s.ends = s.ends[:copy(s.ends, s.ends[n:])]
	return nil
}

// Flush implements connectors.Sink: it sends the buffered records and
// returns once Kinesis has accepted all of them.
func (s *Sink) Flush(ctx context.Context) error {
	if s.closed {
		return errors.New("kinesis sink " + s.cfg.Stream + ": flush after close")
	}
	if err := s.send(ctx, len(s.ends)); err != nil {
		return err
	}
	s.data, s.keys = s.data[:0], s.keys[:0]
	return nil
}

// Close implements connectors.Sink: it sends the buffered records, giving
// up after closeTimeout with an error, and releases the buffers. It is
// idempotent.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	err := s.Flush(ctx)
	s.closed = true
	s.data, s.keys, s.ends, s.entries, s.keyStrs = nil, nil, nil, nil, nil
	return err
}
