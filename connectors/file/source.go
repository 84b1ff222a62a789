// Package file reads rows from and writes rows to local files of
// newline-separated records (JSON lines, CSV, raw lines).
//
// The package depends only on types and connectors/format: Source and Sink
// satisfy the connectors.Source and connectors.Sink contracts
// structurally, and package connectors adapts WITH options to the configs
// here.
package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// DefaultPollInterval is how often a following source looks for new data.
const DefaultPollInterval = 100 * time.Millisecond

// DefaultMaxRecordSize bounds one record (line); longer ones are bad records.
const DefaultMaxRecordSize = 16 << 20

// codeUndefinedFile is Postgres' SQLSTATE for a file that cannot be opened.
const codeUndefinedFile = "58P01"

// BadRecordHandler decides what a record that cannot be read does to the
// read: nil skips it (after reporting or counting it), an error ends the
// read with that error. connectors.BadRecordPolicy implements it.
type BadRecordHandler interface {
	HandleBadRecord(raw []byte, offset string, err error) error
}

// SourceConfig configures a file source.
type SourceConfig struct {
	// Path is the file to read.
	Path string
	// Width is the number of columns of the rows Decoder fills.
	Width int
	// Decoder turns one record (without its line break) into a row.
	Decoder format.Decoder
	// CSV makes a line break inside a quoted field part of the record.
	CSV bool
	// Header skips the first record of the file.
	Header bool
	// Follow keeps reading as the file grows, like tail -F, instead of
	// ending with io.EOF at the end of the file.
	Follow bool
	// PollInterval is how often a following source checks the file when
	// it has no data; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// MaxRecordSize bounds a record; 0 means DefaultMaxRecordSize.
	MaxRecordSize int
	// BadRecords handles records that do not decode or are too long.
	BadRecords BadRecordHandler
}

// Source reads records from a file, one per line (CSV records may span
// lines inside quotes). Blank lines are skipped.
//
// Its offset is the decimal byte offset just after the last consumed
// record. While following, a last line without its line break is not
// consumed until the break arrives; a bounded read consumes it at the end.
//
// Following copes with the file changing under it the way tail -F does:
// when the file shrinks below the read position (truncated in place) it
// starts again from the beginning; when a different file appears at the
// path (rotated by rename and re-create) it reads the old file to its end
// and continues with the new one from its beginning. A header is skipped
// again in either case. An offset names a position, not a file: resuming
// after a rotation resumes in whatever file is at the path, and an offset
// beyond the file's end restarts it from the beginning.
type Source struct {
	cfg  SourceConfig
	f    *os.File
	info os.FileInfo

	buf        []byte
	start, end int   // buf[start:end] is read but not consumed
	scan       int   // buf[start:scan] is known to hold no record end
	pos        int64 // file offset of buf[start]
	committed  int64 // offset after the last record Read returned or skipped
	header     bool  // the next record is the header
	discarding bool  // dropping the rest of an over-long record
	rotated    bool  // a new file is at the path; switch after draining this one
	timer      *time.Timer
}

// NewSource returns an unopened source.
func NewSource(cfg SourceConfig) *Source {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxRecordSize <= 0 {
		cfg.MaxRecordSize = DefaultMaxRecordSize
	}
	return &Source{cfg: cfg}
}

// Open opens the file and positions it after offset (nil: the start).
func (s *Source) Open(_ context.Context, offset []byte) error {
	var at int64
	if offset != nil {
		n, err := strconv.ParseInt(string(offset), 10, 64)
		if err != nil || n < 0 {
			return types.Errorf(types.CodeInvalidParameterValue, "file source %s: invalid offset %q", s.cfg.Path, offset)
		}
		at = n
	}
	if err := s.openFile(); err != nil {
		return err
	}
	if at > s.info.Size() {
		at = 0
	}
	if _, err := s.f.Seek(at, io.SeekStart); err != nil {
		return fmt.Errorf("file source %s: seek: %w", s.cfg.Path, err)
	}
	s.resetTo(at)
	return nil
}

func (s *Source) openFile() error {
	f, err := os.Open(s.cfg.Path)
	if err != nil {
		return types.Errorf(codeUndefinedFile, "could not open file %q for reading: %v", s.cfg.Path, errors.Unwrap(err))
	}
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = errors.New("is a directory")
	}
	if err != nil {
		f.Close()
		return types.Errorf(codeUndefinedFile, "could not open file %q for reading: %v", s.cfg.Path, err)
	}
	s.f, s.info = f, info
	return nil
}

// resetTo forgets buffered data; the file is positioned at offset at.
func (s *Source) resetTo(at int64) {
	s.start, s.end, s.scan = 0, 0, 0
	s.pos, s.committed = at, at
	s.header = s.cfg.Header && at == 0
	s.discarding = false
}

// Offset implements connectors.Source.
func (s *Source) Offset() []byte { return strconv.AppendInt(nil, s.committed, 10) }

// Read implements connectors.Source: it returns the records available now
// (up to a full batch) and, when there are none, io.EOF for a bounded
// source or waits for more for a following one.
func (s *Source) Read(ctx context.Context, b *types.Batch) error {
	if s.f == nil {
		return errors.New("file source: Read before Open")
	}
	b.Reset(s.cfg.Width)
	for {
		if err := s.readAvailable(b); err != nil {
			return err
		}
		s.committed = s.pos
		switch {
		case b.Len > 0:
			return nil
		case !s.cfg.Follow:
			return io.EOF
		case s.rotated:
			if err := s.switchFile(); err != nil {
				return err
			}
			continue
		}
		changed, err := s.checkFile()
		if err != nil {
			return err
		}
		if !changed {
			if err := s.wait(ctx); err != nil {
				return err
			}
		}
	}
}

// readAvailable decodes records into b until it is full or no whole record
// is available without waiting.
func (s *Source) readAvailable(b *types.Batch) error {
	for !b.Full() {
		rec, at, ok, err := s.nextRecord()
		if err != nil || !ok {
			return err
		}
		if s.header {
			s.header = false
			continue
		}
		if isBlank(rec) {
			continue
		}
		if err := s.cfg.Decoder.Decode(rec, b.AppendRow()); err != nil {
			b.Truncate(b.Len - 1)
			if err := s.cfg.BadRecords.HandleBadRecord(rec, strconv.FormatInt(at, 10), err); err != nil {
				return err
			}
		}
	}
	return nil
}

// nextRecord returns the next whole record without its line break, and its
// offset. ok is false when none is available yet. The slice is valid until
// the next call.
func (s *Source) nextRecord() (rec []byte, at int64, ok bool, err error) {
	for {
		if i := bytes.IndexByte(s.buf[s.scan:s.end], '\n'); i >= 0 {
			end := s.scan + i + 1
			if s.discarding {
				s.consume(end)
				s.discarding = false
				continue
			}
			if s.cfg.CSV && !format.CSVRecordComplete(s.buf[s.start:end]) {
				s.scan = end
				continue
			}
			at = s.pos
			rec = trimLineBreak(s.buf[s.start:end])
			s.consume(end)
			return rec, at, true, nil
		}
		s.scan = s.end
		if s.discarding {
			s.consume(s.end)
		} else if s.end-s.start >= s.cfg.MaxRecordSize {
			if err := s.tooLong(); err != nil {
				return nil, 0, false, err
			}
			continue
		}
		n, err := s.fill()
		if err != nil {
			return nil, 0, false, err
		}
		if n > 0 {
			continue
		}
		if s.cfg.Follow || s.end == s.start {
			return nil, 0, false, nil
		}
		at = s.pos
		rec = trimLineBreak(s.buf[s.start:s.end])
		s.consume(s.end)
		return rec, at, true, nil
	}
}

// consume drops buf[start:end] as read.
func (s *Source) consume(end int) {
	s.pos += int64(end - s.start)
	s.start, s.scan = end, end
}

// tooLong reports the over-long record at buf[start:] and drops it up to
// its line break, which may still be ahead in the file.
func (s *Source) tooLong() error {
	raw := s.buf[s.start:min(s.end, s.start+1024)]
	err := types.Errorf(types.CodeInvalidParameterValue, "record longer than %d bytes", s.cfg.MaxRecordSize)
	at := s.pos
	s.consume(s.end)
	s.discarding = true
	return s.cfg.BadRecords.HandleBadRecord(raw, strconv.FormatInt(at, 10), err)
}

// fill reads more of the file into the buffer, first moving unconsumed
// bytes to its front and growing it when it is full. n == 0 means the end
// of the file for now.
func (s *Source) fill() (int, error) {
	if s.start > 0 {
		n := copy(s.buf, s.buf[s.start:s.end])
		s.scan -= s.start
		s.start, s.end = 0, n
	}
	if s.end == len(s.buf) {
		grown := make([]byte, max(64<<10, 2*len(s.buf)))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	n, err := s.f.Read(s.buf[s.end:])
	s.end += n
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("file source %s: read: %w", s.cfg.Path, err)
	}
	return n, nil
}

// checkFile looks for truncation or rotation of a followed file. changed
// says the read position moved (or will, after draining) so the caller
// should read again before waiting.
func (s *Source) checkFile() (changed bool, err error) {
	info, err := os.Stat(s.cfg.Path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil // between a rotation's rename and re-create
	}
	if err != nil {
		return false, fmt.Errorf("file source %s: %w", s.cfg.Path, err)
	}
	if !os.SameFile(info, s.info) {
		s.rotated = true
		return true, nil
	}
	if readTo := s.pos + int64(s.end-s.start); info.Size() < readTo {
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return false, fmt.Errorf("file source %s: seek: %w", s.cfg.Path, err)
		}
		s.resetTo(0)
		return true, nil
	}
	return false, nil
}

// switchFile moves to the file now at the path, from its beginning. A
// partial last line of the old file is dropped.
func (s *Source) switchFile() error {
	s.rotated = false
	old := s.f
	if err := s.openFile(); err != nil {
		return err
	}
	old.Close()
	s.resetTo(0)
	return nil
}

func (s *Source) wait(ctx context.Context) error {
	if s.timer == nil {
		s.timer = time.NewTimer(s.cfg.PollInterval)
	} else {
		s.timer.Reset(s.cfg.PollInterval)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.timer.C:
		return nil
	}
}

// Close implements connectors.Source. It is idempotent.
func (s *Source) Close() error {
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

func trimLineBreak(rec []byte) []byte {
	if n := len(rec); n > 0 && rec[n-1] == '\n' {
		rec = rec[:n-1]
		if n > 1 && rec[n-2] == '\r' {
			rec = rec[:n-2]
		}
	}
	return rec
}

func isBlank(rec []byte) bool {
	for _, c := range rec {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
