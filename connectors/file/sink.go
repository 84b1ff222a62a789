package file

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// flushThreshold is how many encoded bytes a sink buffers before writing
// them to the file without waiting for Flush.
const flushThreshold = 256 << 10

// SinkConfig configures a file sink.
type SinkConfig struct {
	// Path is the file to append to; it is created when missing.
	Path string
	// Encoder writes one row as one record; the sink adds the line break.
	Encoder format.Encoder
	// Header, when not nil, is written as the first line of a file that is
	// empty when the sink opens it (a CSV header).
	Header []byte
}

// Sink appends one record per row, each ending in "\n", to a file. Writes
// are buffered; Flush writes the buffer and fsyncs the file. Errors of the
// file system are returned as they happen: a local file has no transient
// failures worth retrying.
type Sink struct {
	path string
	enc  format.Encoder
	f    *os.File
	buf  []byte
	// header is the CSV header an empty file starts with (nil: none).
	header []byte
}

// NewSink opens (creating if needed) the file for appending.
func NewSink(cfg SinkConfig) (*Sink, error) {
	f, err := os.OpenFile(cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, types.Errorf(codeUndefinedFile, "could not open file %q for writing: %v", cfg.Path, err)
	}
	s := &Sink{path: cfg.Path, enc: cfg.Encoder, f: f, header: cfg.Header}
	if cfg.Header != nil {
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("file sink %s: %w", cfg.Path, err)
		}
		if info.Size() == 0 {
			s.buf = append(append(s.buf, cfg.Header...), '\n')
		}
	}
	return s, nil
}

// Write implements connectors.Sink. It encodes the rows of b into the
// sink's own buffer and does not keep b.
func (s *Sink) Write(ctx context.Context, b *types.Batch) error {
	if s.f == nil {
		return fmt.Errorf("file sink %s: write after close", s.path)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := 0; i < b.Len; i++ {
		s.buf = s.enc.Encode(s.buf, b.Row(i))
		s.buf = append(s.buf, '\n')
		if len(s.buf) >= flushThreshold {
			if err := s.writeOut(); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeOut writes the buffer to the file. What a failed write did not
// write stays buffered for the next attempt.
func (s *Sink) writeOut() error {
	n, err := s.f.Write(s.buf)
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	if err != nil {
		return fmt.Errorf("file sink %s: write: %w", s.path, err)
	}
	return nil
}

// Flush implements connectors.Sink: buffered rows are written and the file
// is synced to stable storage.
func (s *Sink) Flush(ctx context.Context) error {
	if s.f == nil {
		return fmt.Errorf("file sink %s: flush after close", s.path)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.writeOut(); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("file sink %s: sync: %w", s.path, err)
	}
	return nil
}

// Position implements connectors.RewindableSink: the file's size, as 8
// big-endian bytes. Call it after Flush.
func (s *Sink) Position() ([]byte, error) {
	if s.f == nil {
		return nil, fmt.Errorf("file sink %s: position after close", s.path)
	}
	info, err := s.f.Stat()
	if err != nil {
		return nil, fmt.Errorf("file sink %s: %w", s.path, err)
	}
	return binary.BigEndian.AppendUint64(nil, uint64(info.Size())), nil
}

// Rewind implements connectors.RewindableSink: the file is truncated to
// the size Position returned, and synced.
func (s *Sink) Rewind(pos []byte) error {
	if s.f == nil {
		return fmt.Errorf("file sink %s: rewind after close", s.path)
	}
	if len(pos) != 8 {
		return fmt.Errorf("file sink %s: invalid position of %d bytes", s.path, len(pos))
	}
	size := int64(binary.BigEndian.Uint64(pos))
	info, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("file sink %s: %w", s.path, err)
	}
	if info.Size() < size {
		return fmt.Errorf("file sink %s: the file has %d bytes, fewer than the %d the checkpoint recorded", s.path, info.Size(), size)
	}
	if info.Size() == size {
		return nil
	}
	// What is buffered was encoded for the file as it was; a file cut back
	// to empty gets its header again.
	s.buf = s.buf[:0]
	if size == 0 && s.header != nil {
		s.buf = append(append(s.buf, s.header...), '\n')
	}
	if err := s.f.Truncate(size); err != nil {
		return fmt.Errorf("file sink %s: truncate: %w", s.path, err)
	}
	return s.f.Sync()
}

// Close implements connectors.Sink: buffered rows are written (not
// synced) and the file closed. It is idempotent.
func (s *Sink) Close() error {
	if s.f == nil {
		return nil
	}
	werr := s.writeOut()
	cerr := s.f.Close()
	s.f = nil
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return fmt.Errorf("file sink %s: close: %w", s.path, cerr)
	}
	return nil
}
