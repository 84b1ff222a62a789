package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

// Durability says when a log append reaches the disk.
type Durability int

const (
	// Synced appends are on disk when Append returns: for a log that is the
	// only record of its rows (INSERTed rows acknowledged to a client). A
	// seq a reader has seen then names the same row after a crash.
	Synced Durability = iota
	// Deferred appends reach the disk at the next Store.SyncLogs (which a
	// checkpoint calls before it commits), when their segment is sealed,
	// or at Close. For rows a checkpoint can regenerate (a connector
	// source re-reads them from its offsets, a stream recomputes them):
	// after a crash the log is cut back to the checkpoint, so a lost tail
	// does not matter.
	Deferred
)

// logKeyLen is the length of a log's Pebble key: namespace, log id, and
// the trim mark's seq (see doc.go).
const logKeyLen = 1 + 8 + 8

// trimMarkSeq is the seq in a log's Pebble key; entries start at seq 1.
const trimMarkSeq = 0

// Log is the retention log of one source or stream: rows numbered by a
// dense seq starting at 1, each with the time it was appended, in segment
// files of its own (logfile.go) rather than in Pebble: appends are
// written once, never compacted, and retention removes whole files.
// Its methods are safe for concurrent use; appends are serialised.
type Log struct {
	store  *Store
	id     uint64
	dir    string // the log's directory
	prefix []byte // nsLogs + id: the prefix of its trim mark's key

	// mu serialises Append, Trim, TruncateAfter, Drop and sync, and
	// guards the fields below it. It is held across file writes and syncs,
	// which the disk guard may hold for as long as the disk is full.
	mu sync.Mutex
	// segments lists the segment files in seq order, covering every seq
	// above trimmed. Only holders of mu change it, under segMu too, never
	// across I/O, so Scan can take a copy while an append is held.
	segments []segment
	active   vfs.File // the last segment, open for appends; nil: the next append starts a segment
	unsynced bool     // active holds Deferred appends not yet synced
	failed   error    // a failed sync, or a failed write that could not be repaired: appends are refused
	entry    []byte   // scratch for the entry being appended
	// trimPos is where, in segments[0], the first entry that Trim has not
	// removed starts (a hint: the walk is correct from any entry before).
	trimPos entryPos

	// segMu guards segments for Scan, and scanHint.
	segMu sync.Mutex
	// scanHint is where the last Scan that stopped early (a reader filling
	// a batch) stopped: the next one, from a seq at or after it, starts
	// reading there rather than at its segment's start.
	scanHint entryPos

	lastSeq atomic.Uint64
	trimmed atomic.Uint64 // the trim mark: the highest seq Trim removed
}

// entryPos names an entry: its segment's first seq, its offset there and
// its first seq.
type entryPos struct {
	segFirst uint64
	offset   int64
	expect   uint64
}

// editSegments runs edit, which changes l.segments, under segMu. Called
// with l.mu held.
func (l *Log) editSegments(edit func()) {
	l.segMu.Lock()
	defer l.segMu.Unlock()
	edit()
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
	return &Log{store: s, id: id, dir: s.fs.PathJoin(s.logsDir, logDirName(id)), prefix: idPrefix(nsLogs, id)}
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
	if l.failed != nil {
		return 0, fmt.Errorf("storage: log %d: append: %w", l.id, l.failed)
	}
	if err := l.store.guard.admit(); err != nil {
		return 0, fmt.Errorf("storage: log %d: append: %w", l.id, err)
	}
	n := len(rows) / width
	if n > math.MaxUint32 {
		return 0, fmt.Errorf("storage: log %d: append of %d rows: at most %d at once", l.id, n, math.MaxUint32)
	}
	// One entry holds the whole batch: one header, checksum and write per
	// append rather than per row.
	var header [entryHeaderLen]byte
	l.entry = append(l.entry[:0], header[:]...)
	for i := 0; i < len(rows); i += width {
		l.entry = appendLengthPrefixedRow(l.entry, rows[i:i+width])
	}
	if len(l.entry)-entryHeaderLen > math.MaxUint32 {
		return 0, fmt.Errorf("storage: log %d: append of %d bytes: at most 4 GiB at once", l.id, len(l.entry))
	}
	sealEntry(l.entry, first, now.UnixMicro(), uint32(n))
	if err := l.write(l.entry, first, first+uint64(n)-1, d); err != nil {
		return 0, fmt.Errorf("storage: log %d: append: %w", l.id, err)
	}
	l.lastSeq.Store(first + uint64(n) - 1)
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

// write appends entry, holding seqs first..last, to the active segment,
// starting one when there is none or the active one is full, and syncs
// as d says. Called with l.mu held.
func (l *Log) write(entry []byte, first, last uint64, d Durability) error {
	if l.active != nil && l.segments[len(l.segments)-1].size >= segmentBytes {
		if err := l.seal(); err != nil {
			return err
		}
	}
	if l.active == nil {
		if err := l.startSegment(first); err != nil {
			return err
		}
	}
	seg := &l.segments[len(l.segments)-1]
	if _, err := l.active.Write(entry); err != nil {
		return errors.Join(err, l.repair(*seg))
	}
	l.unsynced = true
	if d == Synced {
		if err := l.sync(); err != nil {
			return err
		}
	}
	l.editSegments(func() { seg.last, seg.size = last, seg.size+int64(len(entry)) })
	return nil
}

// startSegment creates the segment whose first seq is first and makes it
// the active one. Called with l.mu held.
func (l *Log) startSegment(first uint64) error {
	fs := l.store.fs
	if len(l.segments) == 0 {
		if err := fs.MkdirAll(l.dir, 0o755); err != nil {
			return err
		}
		if err := syncDir(fs, l.store.logsDir); err != nil {
			return err
		}
	}
	f, err := fs.Create(fs.PathJoin(l.dir, segmentName(first)), vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	if err := syncDir(fs, l.dir); err != nil {
		return errors.Join(err, f.Close())
	}
	l.active = f
	l.editSegments(func() { l.segments = append(l.segments, segment{first: first, last: first - 1}) })
	return nil
}

// repair, after a write to the active segment failed, cuts the segment
// back to seg (what it held before) and closes it, so that the next append
// starts a new one. If that fails too, the log refuses further appends:
// its files no longer end where its entries do. Called with l.mu held.
func (l *Log) repair(seg segment) error {
	fs := l.store.fs
	err := l.closeActive()
	path := fs.PathJoin(l.dir, segmentName(seg.first))
	if seg.size == 0 {
		l.editSegments(func() { l.segments = l.segments[:len(l.segments)-1] })
		err = errors.Join(err, removeIfExists(fs, path))
	} else {
		err = errors.Join(err, rewriteFile(fs, path, seg.size, nil))
	}
	if err == nil {
		err = syncDir(fs, l.dir)
	}
	if err != nil {
		l.failed = fmt.Errorf("log files damaged by a failed write: %w", err)
		return l.failed
	}
	return nil
}

// seal syncs and closes the active segment. Called with l.mu held.
func (l *Log) seal() error {
	return errors.Join(l.sync(), l.closeActive())
}

// closeActive closes the active segment without syncing it: its unsynced
// appends are being removed or rewritten (synced) by the caller. Called
// with l.mu held.
func (l *Log) closeActive() error {
	err := l.active.Close()
	l.active, l.unsynced = nil, false
	return err
}

// sync makes the active segment's appends durable. A failed sync leaves
// it unknown what reached the disk (the kernel may have dropped the
// unwritten pages, and a second sync would then succeed): the log refuses
// further appends and syncs, so that no checkpoint counts on those rows;
// a restart recovers from the last checkpoint. Called with l.mu held.
func (l *Log) sync() error {
	if l.failed != nil {
		return fmt.Errorf("storage: log %d: sync: %w", l.id, l.failed)
	}
	if !l.unsynced {
		return nil
	}
	if err := l.active.SyncData(); err != nil {
		l.failed = fmt.Errorf("a sync failed, the rows since the one before may be lost: %w", err)
		return fmt.Errorf("storage: log %d: sync: %w", l.id, l.failed)
	}
	l.unsynced = false
	return nil
}

// SyncLogs makes every Deferred append so far durable: a checkpoint calls
// it before it commits, so that the log seqs it records survive a crash.
func (s *Store) SyncLogs() error {
	s.logsMu.Lock()
	logs := make([]*Log, 0, len(s.logs))
	for _, l := range s.logs {
		logs = append(logs, l)
	}
	s.logsMu.Unlock()
	var errs []error
	for _, l := range logs {
		l.mu.Lock()
		errs = append(errs, l.sync())
		l.mu.Unlock()
	}
	return errors.Join(errs...)
}

// closeLogs syncs and closes every log's active segment: Store.Close.
func (s *Store) closeLogs() error {
	s.logsMu.Lock()
	defer s.logsMu.Unlock()
	var errs []error
	for _, l := range s.logs {
		l.mu.Lock()
		if l.active != nil {
			errs = append(errs, l.seal())
		}
		l.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Scan calls fn for every row with seq >= fromSeq, in seq order, as of the
// moment Scan starts. row is a buffer reused for the next row: it is valid
// only during fn (copy to keep; Datums themselves never alias storage). An
// error from fn stops the scan and is returned as is. Rows that a Trim
// running meanwhile removes may be skipped.
func (l *Log) Scan(fromSeq uint64, fn func(seq uint64, row []types.Datum) error) error {
	l.segMu.Lock()
	segments := slices.Clone(l.segments)
	l.segMu.Unlock()
	fromSeq = max(fromSeq, l.trimmed.Load()+1)
	var row []types.Datum
	var fnErr error
	for _, seg := range segments {
		if seg.last < fromSeq {
			continue
		}
		err := l.scanSegment(seg, fromSeq, func(seq uint64, data []byte) error {
			var err error
			if row, err = DecodeRow(data, row); err != nil {
				return fmt.Errorf("seq %d: %w", seq, err)
			}
			if err := fn(seq, row); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
		if err != nil && err == fnErr {
			return err
		} else if err != nil {
			return fmt.Errorf("storage: log %d: scan: %w", l.id, err)
		}
	}
	return nil
}

// scanSegment calls fn with the encoding of each row of seg from seq
// fromSeq on. A segment removed meanwhile (Trim) is skipped. It starts at
// l.scanHint when that lies in seg at or before fromSeq, and leaves the
// hint at the entry where fn stopped it.
func (l *Log) scanSegment(seg segment, fromSeq uint64, fn func(seq uint64, data []byte) error) error {
	fs := l.store.fs
	f, err := fs.Open(fs.PathJoin(l.dir, segmentName(seg.first)))
	if errors.Is(err, os.ErrNotExist) && seg.last <= l.trimmed.Load() {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := newEntryReader(f, seg)
	defer r.release()
	l.segMu.Lock()
	if hint := l.scanHint; hint.segFirst == seg.first && hint.expect <= fromSeq && hint.offset < seg.size {
		r.next, r.expect = hint.offset, hint.expect
	}
	l.segMu.Unlock()
	for {
		h, ok, err := r.header()
		if err != nil {
			return err
		}
		if !ok {
			// Seqs are dense: a segment ending early lost its tail.
			if r.expect != seg.last+1 {
				return fmt.Errorf("%w: segment %s ends before seq %d, where the next one begins", errEntryCorrupt, segmentName(seg.first), r.expect)
			}
			return nil
		}
		if h.last() < fromSeq {
			r.skip(h)
			continue
		}
		at := entryPos{segFirst: seg.first, offset: r.next, expect: h.first}
		b, err := r.entry(h)
		if err != nil {
			return err
		}
		e := decodeLogEntry(h, b)
		for seq := e.first; seq <= e.last(); seq++ {
			data, err := e.nextRow()
			if err != nil {
				return err
			}
			if seq < fromSeq {
				continue
			}
			if err := fn(seq, data); err != nil {
				l.editScanHint(at)
				return err
			}
		}
	}
}

// editScanHint sets l.scanHint to at.
func (l *Log) editScanHint(at entryPos) {
	l.segMu.Lock()
	defer l.segMu.Unlock()
	l.scanHint = at
}

// Trim removes the longest prefix of the log whose rows were appended
// before before, and returns how many rows it removed. It stops at the
// first append at or after before, even if a later one is older (a clock
// that went back); the rows of one Append go together. Seq numbers are
// never reused after a trim. The trim mark is written first (synced), then
// the segments wholly below it are removed.
func (l *Log) Trim(before time.Time) (removed int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	mark, err := l.trimWalk(before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("storage: log %d: trim: %w", l.id, err)
	}
	old := l.trimmed.Load()
	if mark <= old {
		return 0, nil
	}
	if err := l.setTrimMark(mark); err != nil {
		return 0, fmt.Errorf("storage: log %d: trim: %w", l.id, err)
	}
	if err := l.removeTrimmedSegments(); err != nil {
		return 0, fmt.Errorf("storage: log %d: trim: %w", l.id, err)
	}
	return int(mark - old), nil
}

// trimWalk returns the new trim mark for cut: the last seq of the last
// entry appended before cut, walking from the first entry not trimmed
// yet and stopping at the first one appended at or after cut. It leaves
// l.trimPos at that entry. Called with l.mu held.
func (l *Log) trimWalk(cut int64) (mark uint64, err error) {
	mark = l.trimmed.Load()
	fs := l.store.fs
	for _, seg := range l.segments {
		if seg.last <= mark {
			continue
		}
		f, err := fs.Open(fs.PathJoin(l.dir, segmentName(seg.first)))
		if err != nil {
			return 0, err
		}
		r := newEntryReader(f, seg)
		if l.trimPos.segFirst == seg.first {
			r.next, r.expect = l.trimPos.offset, l.trimPos.expect
		}
		stopped, err := walkTrimmable(r, cut, &mark)
		r.release()
		if stopped && err == nil {
			l.trimPos = entryPos{segFirst: seg.first, offset: r.next, expect: r.expect}
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil || stopped {
			return mark, err
		}
	}
	return mark, nil
}

// walkTrimmable moves r past the entries that are trimmed already (at or
// below *mark) or were appended before cut, raising *mark to the last seq
// of each; stopped says it reached an entry to keep rather than the end.
func walkTrimmable(r *entryReader, cut int64, mark *uint64) (stopped bool, err error) {
	for {
		h, ok, err := r.header()
		if err != nil || !ok {
			return false, err
		}
		if h.last() > *mark && h.micros >= cut {
			return true, nil
		}
		r.skip(h)
		*mark = max(*mark, h.last())
	}
}

// setTrimMark stores mark, synced, as the log's trim mark. Called with
// l.mu held.
func (l *Log) setTrimMark(mark uint64) error {
	key := binary.BigEndian.AppendUint64(slices.Clip(l.prefix), trimMarkSeq)
	if err := l.store.db.Set(key, binary.BigEndian.AppendUint64(nil, mark), pebble.Sync); err != nil {
		return err
	}
	l.trimmed.Store(mark)
	return nil
}

// removeTrimmedSegments removes the segments whose rows are all at or
// below the trim mark, the active one included (the next append starts a
// new one). Called with l.mu held.
func (l *Log) removeTrimmedSegments() error {
	mark := l.trimmed.Load()
	fs := l.store.fs
	n := 0
	for n < len(l.segments) && l.segments[n].last <= mark {
		n++
	}
	if n == 0 {
		return nil
	}
	if n == len(l.segments) && l.active != nil {
		if err := l.closeActive(); err != nil {
			return err
		}
	}
	for _, seg := range l.segments[:n] {
		if err := removeIfExists(fs, fs.PathJoin(l.dir, segmentName(seg.first))); err != nil {
			return err
		}
	}
	l.editSegments(func() { l.segments = slices.Delete(l.segments, 0, n) })
	return nil
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
	if err := l.cutAfter(seq); err != nil {
		return 0, fmt.Errorf("storage: log %d: truncate: %w", l.id, err)
	}
	// A trim mark beyond seq would bring the removed seqs back on the next
	// open (recoverLogs): lower it.
	mark := l.trimmed.Load()
	if mark > seq {
		if err := l.setTrimMark(seq); err != nil {
			return 0, fmt.Errorf("storage: log %d: truncate: %w", l.id, err)
		}
	}
	l.lastSeq.Store(seq)
	return int(last - max(seq, mark)), nil
}

// cutAfter removes the segments after seq, newest first (a crash half way
// leaves a log that still ends somewhere after seq), then rewrites the one
// holding seq to end there. Called with l.mu held.
func (l *Log) cutAfter(seq uint64) error {
	fs := l.store.fs
	if l.active != nil {
		if err := l.closeActive(); err != nil {
			return err
		}
	}
	for len(l.segments) > 0 && l.segments[len(l.segments)-1].first > seq {
		seg := l.segments[len(l.segments)-1]
		if err := removeIfExists(fs, fs.PathJoin(l.dir, segmentName(seg.first))); err != nil {
			return err
		}
		l.editSegments(func() { l.segments = l.segments[:len(l.segments)-1] })
	}
	if n := len(l.segments); n > 0 && l.segments[n-1].last > seq {
		if err := l.cutSegment(&l.segments[n-1], seq); err != nil {
			return err
		}
	}
	l.trimPos = entryPos{}
	l.editScanHint(entryPos{})
	return syncDir(fs, l.dir)
}

// cutSegment rewrites seg to end at seq: the entries up to seq are kept
// as they are, the one holding seq and later ones too loses its rows
// after seq.
func (l *Log) cutSegment(seg *segment, seq uint64) error {
	fs := l.store.fs
	path := fs.PathJoin(l.dir, segmentName(seg.first))
	f, err := fs.Open(path)
	if err != nil {
		return err
	}
	r := newEntryReader(f, *seg)
	keep, tail, err := entriesUpTo(r, seq)
	r.release()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rewriteFile(fs, path, keep, tail)
	}
	if err != nil {
		return err
	}
	l.editSegments(func() { seg.last, seg.size = seq, keep+int64(len(tail)) })
	return nil
}

// entriesUpTo reads r to the first entry holding rows after seq, and
// returns its offset (the bytes to keep as they are) and, when it also
// holds seq, that entry cut to end at seq.
func entriesUpTo(r *entryReader, seq uint64) (keep int64, tail []byte, err error) {
	for {
		h, ok, err := r.header()
		if err != nil || !ok {
			return r.next, nil, err
		}
		if h.last() <= seq {
			r.skip(h)
			continue
		}
		keep = r.next
		if h.first > seq {
			return keep, nil, nil
		}
		b, err := r.entry(h)
		if err != nil {
			return 0, nil, err
		}
		e := decodeLogEntry(h, b)
		tail = make([]byte, entryHeaderLen, len(b))
		rows := uint32(seq - e.first + 1)
		for range rows {
			data, err := e.nextRow()
			if err != nil {
				return 0, nil, err
			}
			tail = binary.AppendUvarint(tail, uint64(len(data)))
			tail = append(tail, data...)
		}
		sealEntry(tail, e.first, e.micros, rows)
		return keep, tail, nil
	}
}

// Drop deletes the whole log, synced. The *Log stays usable and starts
// again at seq 1; callers drop a log only when its object is gone.
func (l *Log) Drop() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.store.fs
	var err error
	if l.active != nil {
		err = l.closeActive()
	}
	// The files go first: a crash before the trim mark goes leaves a mark
	// without a log, not a log without its mark.
	if err == nil {
		err = fs.RemoveAll(l.dir)
	}
	if err == nil {
		err = syncDir(fs, l.store.logsDir)
	}
	if err == nil {
		err = l.store.db.DeleteRange(l.prefix, prefixEnd(l.prefix), pebble.Sync)
	}
	if err != nil {
		return fmt.Errorf("storage: log %d: drop: %w", l.id, err)
	}
	l.editSegments(func() { l.segments, l.scanHint = nil, entryPos{} })
	l.failed, l.trimPos = nil, entryPos{}
	l.lastSeq.Store(0)
	l.trimmed.Store(0)
	return nil
}

// recoverLogs finds every log at open: the trim marks in Pebble, then the
// log directories (Log.recover).
func (s *Store) recoverLogs() error {
	marks, err := s.readTrimMarks()
	if err != nil {
		return fmt.Errorf("storage: recover logs: %w", err)
	}
	if err := s.fs.MkdirAll(s.logsDir, 0o755); err != nil {
		return fmt.Errorf("storage: recover logs: %w", err)
	}
	// The directory must outlive a crash before any segment in it counts.
	if err := syncDir(s.fs, s.fs.PathDir(s.logsDir)); err != nil {
		return fmt.Errorf("storage: recover logs: %w", err)
	}
	names, err := s.fs.List(s.logsDir)
	if err != nil {
		return fmt.Errorf("storage: recover logs: %w", err)
	}
	for _, name := range names {
		id, ok := parseLogDirName(name)
		if !ok {
			continue
		}
		l := newLog(s, id)
		if err := l.recover(marks[id]); err != nil {
			return fmt.Errorf("storage: recover log %d: %w", id, err)
		}
		s.logs[id] = l
		delete(marks, id)
	}
	for id, mark := range marks {
		l := newLog(s, id)
		l.trimmed.Store(mark)
		l.lastSeq.Store(mark)
		s.logs[id] = l
	}
	return nil
}

// readTrimMarks returns every log's trim mark: the only log keys in Pebble.
func (s *Store) readTrimMarks() (map[uint64]uint64, error) {
	marks := make(map[uint64]uint64)
	err := s.scanRange([]byte{nsLogs}, []byte{nsLogs + 1}, func(key, value []byte) error {
		if len(key) != logKeyLen {
			return fmt.Errorf("%w: log key of %d bytes", ErrCorrupt, len(key))
		}
		id := binary.BigEndian.Uint64(key[1:])
		if seq := binary.BigEndian.Uint64(key[1+8:]); seq != trimMarkSeq {
			return fmt.Errorf("%w: log %d has rows in Pebble (seq %d): the store was written before logs moved to segment files", ErrCorrupt, id, seq)
		}
		if len(value) != 8 {
			return fmt.Errorf("%w: log %d: trim mark of %d bytes", ErrCorrupt, id, len(value))
		}
		marks[id] = binary.BigEndian.Uint64(value)
		return nil
	})
	return marks, err
}

// recover reads the log's directory: its segments in seq order (each ends
// where the next begins: seqs are dense), minus those wholly at or below
// mark (a crash during Trim left them). Only the newest segment can hold
// unsynced appends (segments are synced when sealed): it is read through
// and cut at its first entry that does not read back, a tail torn by a
// crash during an append. Left-over temporary files of rewriteFile go.
func (l *Log) recover(mark uint64) error {
	fs := l.store.fs
	names, err := fs.List(l.dir)
	if err != nil {
		return err
	}
	var firsts []uint64
	for _, name := range names {
		if first, ok := parseSegmentName(name); ok {
			firsts = append(firsts, first)
		} else if strings.HasSuffix(name, segmentSuffix+".tmp") {
			if err := removeIfExists(fs, fs.PathJoin(l.dir, name)); err != nil {
				return err
			}
		}
	}
	slices.Sort(firsts)
	for i, first := range firsts {
		info, err := fs.Stat(fs.PathJoin(l.dir, segmentName(first)))
		if err != nil {
			return err
		}
		seg := segment{first: first, size: info.Size()}
		if i+1 < len(firsts) {
			seg.last = firsts[i+1] - 1
		} else if seg, err = l.recoverTail(seg); err != nil {
			return err
		}
		if seg.size > 0 {
			l.segments = append(l.segments, seg)
		}
	}
	l.trimmed.Store(mark)
	last := mark
	if n := len(l.segments); n > 0 {
		last = max(last, l.segments[n-1].last)
	}
	l.lastSeq.Store(last)
	if err := l.removeTrimmedSegments(); err != nil {
		return err
	}
	return syncDir(fs, l.dir)
}

// recoverTail reads the newest segment through and cuts it after its last
// entry that reads back whole; a segment left without entries is removed.
func (l *Log) recoverTail(seg segment) (segment, error) {
	fs := l.store.fs
	path := fs.PathJoin(l.dir, segmentName(seg.first))
	f, err := fs.OpenReadWrite(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return seg, err
	}
	r := newEntryReader(f, seg)
	defer r.release()
	for {
		h, ok, herr := r.header()
		if herr == nil && ok {
			_, herr = r.entry(h)
		}
		if herr != nil && !errors.Is(herr, ErrCorrupt) {
			err = herr
		}
		if herr != nil || !ok {
			break
		}
	}
	valid := segment{first: seg.first, last: r.expect - 1, size: r.next}
	if err == nil && valid.size == seg.size {
		// After a process crash the tail read back may still be only in
		// the page cache, and this segment is sealed from now on (the next
		// append starts a new one): sync it, or a later power loss could
		// take rows that recovery and the checkpoints after it counted on.
		err = f.SyncData()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return seg, err
	case valid.size == 0:
		return valid, removeIfExists(fs, path)
	case valid.size < seg.size:
		return valid, rewriteFile(fs, path, valid.size, nil)
	}
	return valid, nil
}
