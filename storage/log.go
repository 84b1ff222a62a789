package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/novelty-db/novelty/types"
)

// logWriteOptions is the write option of log trims and truncations.
var logWriteOptions = pebble.Sync

// Durability says when a log append reaches the disk.
type Durability int

const (
	// Synced appends are on disk when Append returns: for a log that is the
	// only record of its rows (INSERTed rows acknowledged to a client). A
	// seq a reader has seen then names the same row after a crash.
	Synced Durability = iota
	// Deferred appends reach the disk with the next synced write of the
	// store (a checkpoint commit syncs the WAL, which holds every earlier
	// write). For rows a checkpoint can regenerate (a connector source
	// re-reads them from its offsets, a stream recomputes them): after a
	// crash the log is cut back to the checkpoint, so a lost tail does not
	// matter. BenchmarkLogAppend: 342 µs per synced 1024-row batch against
	// 259 µs deferred (2-core AMD EPYC VM, local disk).
	Deferred
)

// logKeyLen is the length of a log key: namespace, log id, seq.
const logKeyLen = 1 + 8 + 8

// trimMarkSeq is the seq of a log's trim mark (see doc.go); entries start at 1.
const trimMarkSeq = 0

// errStopScan ends a scan early without being an error.
var errStopScan = errors.New("storage: stop scan")

// Log is the retention log of one source or stream: rows numbered by a
// dense seq starting at 1, each with the time it was appended. Its methods
// are safe for concurrent use; appends are serialised.
type Log struct {
	store  *Store
	id     uint64
	prefix []byte // nsLogs + id

	// mu serialises Append, Trim and Drop, and guards key and value.
	mu      sync.Mutex
	key     []byte // scratch for entry keys
	value   []byte // scratch for entry values
	lastSeq atomic.Uint64

	// epochBytes is what Append stored since Pebble's last flush began;
	// ownTables says whether the log stored at least ownTableMinBytes
	// between the two flushes before (see logSpanPolicy).
	epochBytes atomic.Uint64
	ownTables  atomic.Bool
}

// Log returns the retention log with object id id. Every call with the same
// id returns the same *Log, so appends from several callers share one seq.
func (s *Store) Log(id uint64) *Log {
	s.logsMu.Lock()
	defer s.logsMu.Unlock()
	if l, ok := s.logs[id]; ok {
		return l
	}
	l := newLog(s, id)
	s.logs[id] = l
	return l
}

func newLog(s *Store, id uint64) *Log {
	return &Log{store: s, id: id, prefix: idPrefix(nsLogs, id)}
}

// entryKey appends the key of entry seq to buf.
func (l *Log) entryKey(buf []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(buf, l.prefix...), seq)
}

// LastSeq returns the seq of the last appended row, 0 if none ever was.
func (l *Log) LastSeq() uint64 { return l.lastSeq.Load() }

// Append adds the len(rows)/width rows in rows, stamped with now, in one
// atomic write, and returns the seq of the first (LastSeq()+1 when rows is
// empty). The caller keeps ownership of rows. While the store holds writes
// (Store.DiskStatus) it appends nothing and returns an error wrapping
// ErrDiskHeld.
func (l *Log) Append(rows []types.Datum, width int, now time.Time, d Durability) (firstSeq uint64, err error) {
	if width <= 0 || len(rows)%width != 0 {
		return 0, fmt.Errorf("storage: log %d: append %d values in rows of width %d", l.id, len(rows), width)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.lastSeq.Load() + 1
	if len(rows) == 0 {
		return first, nil
	}
	if err := l.store.guard.admit(); err != nil {
		return 0, fmt.Errorf("storage: log %d: append: %w", l.id, err)
	}
	// One entry holds the whole batch: one Pebble key per append rather
	// than per row (BenchmarkLogAppend: per-row keys cost more in the
	// memtable and in every compaction than the rows' bytes do).
	l.key = l.entryKey(l.key[:0], first)
	l.value = binary.BigEndian.AppendUint64(l.value[:0], uint64(now.UnixMicro()))
	n := len(rows) / width
	l.value = binary.AppendUvarint(l.value, uint64(n))
	for i := 0; i < len(rows); i += width {
		l.value = appendLengthPrefixedRow(l.value, rows[i:i+width])
	}
	opts := pebble.Sync
	if d == Deferred {
		opts = pebble.NoSync
	}
	if err := l.store.db.Set(l.key, l.value, opts); err != nil {
		return 0, fmt.Errorf("storage: log %d: append: %w", l.id, err)
	}
	l.lastSeq.Store(first + uint64(n) - 1)
	l.epochBytes.Add(uint64(len(l.key) + len(l.value)))
	return first, nil
}

// appendLengthPrefixedRow appends row's AppendRow encoding after its
// length. Most rows encode to under 128 bytes, whose length is one byte:
// that byte is reserved before encoding, and the row is moved only when its
// length takes more.
func appendLengthPrefixedRow(buf []byte, row []types.Datum) []byte {
	start := len(buf)
	buf = AppendRow(append(buf, 0), row)
	size := len(buf) - start - 1
	if size < 0x80 {
		buf[start] = byte(size)
		return buf
	}
	var prefix [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(prefix[:], uint64(size))
	buf = append(buf, prefix[1:k]...)
	copy(buf[start+k:], buf[start+1:start+1+size])
	copy(buf[start:], prefix[:k])
	return buf
}

// Scan calls fn for every row with seq >= fromSeq, in seq order, as of the
// moment Scan starts. row is a buffer reused for the next row: it is valid
// only during fn (copy to keep; Datums themselves never alias storage). An
// error from fn stops the scan and is returned as is.
func (l *Log) Scan(fromSeq uint64, fn func(seq uint64, row []types.Datum) error) error {
	fromSeq = max(fromSeq, 1)
	start, found, err := l.entryHolding(fromSeq)
	if err != nil {
		return fmt.Errorf("storage: log %d: scan: %w", l.id, err)
	}
	if !found {
		start = fromSeq
	}
	var row []types.Datum
	var fnErr error
	err = l.store.scanRange(l.entryKey(nil, start), prefixEnd(l.prefix), func(key, value []byte) error {
		e, err := l.decodeEntry(key, value)
		if err != nil {
			return err
		}
		for seq := e.first; seq <= e.last(); seq++ {
			data, err := e.nextRow()
			if err != nil {
				return err
			}
			if seq < fromSeq {
				continue
			}
			if row, err = DecodeRow(data, row); err != nil {
				return fmt.Errorf("seq %d: %w", seq, err)
			}
			if err := fn(seq, row); err != nil {
				fnErr = err
				return err
			}
		}
		return nil
	})
	if err != nil && err != fnErr {
		return fmt.Errorf("storage: log %d: scan: %w", l.id, err)
	}
	return err
}

// entryHolding returns the first seq of the entry holding seq: the last
// entry starting at or before it; found is false when there is none (seq
// 0, or every entry up to seq trimmed).
func (l *Log) entryHolding(seq uint64) (first uint64, found bool, err error) {
	it, err := l.store.db.NewIter(&pebble.IterOptions{LowerBound: l.entryKey(nil, 1), UpperBound: l.entryKey(nil, seq+1)})
	if err != nil {
		return 0, false, err
	}
	defer func() {
		if cerr := it.Close(); err == nil {
			err = cerr
		}
	}()
	if !it.Last() {
		return 0, false, it.Error()
	}
	if len(it.Key()) != logKeyLen {
		return 0, false, fmt.Errorf("%w: log key of %d bytes", ErrCorrupt, len(it.Key()))
	}
	return binary.BigEndian.Uint64(it.Key()[1+8:]), true, nil
}

// Trim removes the longest prefix of the log whose rows were appended
// before before, and returns how many rows it removed. It stops at the
// first append at or after before, even if a later one is older (a clock
// that went back); the rows of one Append go together. Seq numbers are
// never reused after a trim.
func (l *Log) Trim(before time.Time) (removed int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := before.UnixMicro()
	var lastRemoved uint64
	err = l.store.scanRange(l.entryKey(nil, 1), prefixEnd(l.prefix), func(key, value []byte) error {
		e, err := l.decodeEntry(key, value)
		if err != nil {
			return err
		}
		if e.micros >= cut {
			return errStopScan
		}
		lastRemoved = e.last()
		removed += int(e.rows)
		return nil
	})
	if err != nil && err != errStopScan {
		return 0, fmt.Errorf("storage: log %d: trim: %w", l.id, err)
	}
	if removed == 0 {
		return 0, nil
	}
	batch := l.store.db.NewBatch()
	// Close fails only for a batch closed twice.
	defer func() { _ = batch.Close() }()
	if err := batch.DeleteRange(l.entryKey(nil, 1), l.entryKey(nil, lastRemoved+1), nil); err != nil {
		return 0, fmt.Errorf("storage: log %d: trim: %w", l.id, err)
	}
	if err := batch.Set(l.entryKey(nil, trimMarkSeq), binary.BigEndian.AppendUint64(nil, lastRemoved), nil); err != nil {
		return 0, fmt.Errorf("storage: log %d: trim: %w", l.id, err)
	}
	if err := batch.Commit(logWriteOptions); err != nil {
		return 0, fmt.Errorf("storage: log %d: trim: %w", l.id, err)
	}
	return removed, nil
}

// TruncateAfter removes every row after seq, synced, and returns how many
// it removed; the next append gets seq+1. Recovery uses it to cut a log
// back to a checkpoint before anything reads it: a reader that saw a
// removed seq would see it reused.
func (l *Log) TruncateAfter(seq uint64) (removed int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	last := l.lastSeq.Load()
	if seq >= last {
		return 0, nil
	}
	batch := l.store.db.NewBatch()
	// Close fails only for a batch closed twice.
	defer func() { _ = batch.Close() }()
	if err := batch.DeleteRange(l.entryKey(nil, seq+1), prefixEnd(l.prefix), nil); err != nil {
		return 0, fmt.Errorf("storage: log %d: truncate: %w", l.id, err)
	}
	if err := l.cutEntry(batch, seq); err != nil {
		return 0, fmt.Errorf("storage: log %d: truncate: %w", l.id, err)
	}
	// A trim mark beyond seq would bring the removed seqs back on the next
	// open (recoverLogs): lower it.
	mark, err := l.trimMark()
	if err != nil {
		return 0, err
	}
	if mark > seq {
		if err := batch.Set(l.entryKey(nil, trimMarkSeq), binary.BigEndian.AppendUint64(nil, seq), nil); err != nil {
			return 0, fmt.Errorf("storage: log %d: truncate: %w", l.id, err)
		}
	}
	if err := batch.Commit(logWriteOptions); err != nil {
		return 0, fmt.Errorf("storage: log %d: truncate: %w", l.id, err)
	}
	l.lastSeq.Store(seq)
	return int(last - max(seq, mark)), nil
}

// trimMark returns the last seq Trim removed, 0 if none.
func (l *Log) trimMark() (uint64, error) {
	value, closer, err := l.store.db.Get(l.entryKey(nil, trimMarkSeq))
	if err == pebble.ErrNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("storage: log %d: reading the trim mark: %w", l.id, err)
	}
	defer closer.Close()
	if len(value) != 8 {
		return 0, fmt.Errorf("storage: log %d: %w: trim mark of %d bytes", l.id, ErrCorrupt, len(value))
	}
	return binary.BigEndian.Uint64(value), nil
}

// Drop deletes the whole log, synced. The *Log stays usable and starts
// again at seq 1; callers drop a log only when its object is gone.
func (l *Log) Drop() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.store.db.DeleteRange(l.prefix, prefixEnd(l.prefix), pebble.Sync); err != nil {
		return fmt.Errorf("storage: log %d: drop: %w", l.id, err)
	}
	l.lastSeq.Store(0)
	return nil
}

// cutEntry rewrites, in batch, the entry holding seq to end at seq, when
// it holds rows after it.
func (l *Log) cutEntry(batch *pebble.Batch, seq uint64) error {
	first, found, err := l.entryHolding(seq)
	if err != nil || !found {
		return err
	}
	key := l.entryKey(nil, first)
	value, closer, err := l.store.db.Get(key)
	if err == pebble.ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	defer closer.Close()
	e, err := l.decodeEntry(key, value)
	if err != nil || e.last() <= seq {
		return err
	}
	keep := seq - first + 1
	cut := binary.BigEndian.AppendUint64(nil, uint64(e.micros))
	cut = binary.AppendUvarint(cut, keep)
	for range keep {
		data, err := e.nextRow()
		if err != nil {
			return err
		}
		cut = binary.AppendUvarint(cut, uint64(len(data)))
		cut = append(cut, data...)
	}
	return batch.Set(key, cut, nil)
}

// logEntry is one decoded entry: the rows of one Append.
type logEntry struct {
	first  uint64 // seq of the first row
	micros int64  // append time
	rows   uint64
	data   []byte // the rows not read yet, each length-prefixed
}

func (e *logEntry) last() uint64 { return e.first + e.rows - 1 }

// nextRow returns the encoding of the entry's next row.
func (e *logEntry) nextRow() ([]byte, error) {
	size, k := binary.Uvarint(e.data)
	if k <= 0 || uint64(len(e.data)-k) < size {
		return nil, fmt.Errorf("%w: log entry at seq %d: row cut short", ErrCorrupt, e.first)
	}
	row := e.data[k : k+int(size)]
	e.data = e.data[k+int(size):]
	return row, nil
}

// decodeEntry reads a stored entry's header: its first seq, append time
// and row count; the rows follow with nextRow.
func (l *Log) decodeEntry(key, value []byte) (logEntry, error) {
	if len(key) != logKeyLen {
		return logEntry{}, fmt.Errorf("%w: log key of %d bytes", ErrCorrupt, len(key))
	}
	e := logEntry{first: binary.BigEndian.Uint64(key[1+8:])}
	if len(value) < 8 {
		return logEntry{}, fmt.Errorf("%w: seq %d: log entry of %d bytes", ErrCorrupt, e.first, len(value))
	}
	e.micros = int64(binary.BigEndian.Uint64(value))
	rows, k := binary.Uvarint(value[8:])
	if k <= 0 || rows == 0 {
		return logEntry{}, fmt.Errorf("%w: seq %d: log entry without rows", ErrCorrupt, e.first)
	}
	e.rows, e.data = rows, value[8+k:]
	return e, nil
}

// recoverLogs finds the last seq of every log: one seek to the end of each
// log's key range, so opening costs one seek per log, not one per entry.
func (s *Store) recoverLogs() (err error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{nsLogs}, UpperBound: []byte{nsLogs + 1}})
	if err != nil {
		return fmt.Errorf("storage: recover logs: %w", err)
	}
	defer func() {
		if cerr := it.Close(); err == nil {
			err = cerr
		}
	}()
	for valid := it.First(); valid; {
		if len(it.Key()) != logKeyLen {
			return fmt.Errorf("storage: recover logs: %w: log key of %d bytes", ErrCorrupt, len(it.Key()))
		}
		id := binary.BigEndian.Uint64(it.Key()[1:])
		l := newLog(s, id)
		end := prefixEnd(l.prefix)
		it.SeekLT(end)
		if len(it.Key()) != logKeyLen {
			return fmt.Errorf("storage: recover log %d: %w: log key of %d bytes", id, ErrCorrupt, len(it.Key()))
		}
		value, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("storage: recover log %d: %w", id, err)
		}
		var last uint64
		if binary.BigEndian.Uint64(it.Key()[1+8:]) == trimMarkSeq {
			if len(value) != 8 {
				return fmt.Errorf("storage: recover log %d: %w: trim mark of %d bytes", id, ErrCorrupt, len(value))
			}
			last = binary.BigEndian.Uint64(value)
		} else {
			e, err := l.decodeEntry(it.Key(), value)
			if err != nil {
				return fmt.Errorf("storage: recover log %d: %w", id, err)
			}
			last = e.last()
		}
		l.lastSeq.Store(last)
		// Pebble's flushes read s.logs (logSpanPolicy) while the store opens.
		s.logsMu.Lock()
		s.logs[id] = l
		s.logsMu.Unlock()
		valid = it.SeekGE(end)
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("storage: recover logs: %w", err)
	}
	return nil
}
