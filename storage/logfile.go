package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// The on-disk form of retention logs (see doc.go): each log is a directory
// of segment files, each file a run of entries, each entry the rows of one
// Append behind a fixed header.

const (
	// logsDirName is the directory, inside the store's, holding one
	// directory per log.
	logsDirName = "logs"
	// segmentSuffix ends a segment file's name; the name before it is the
	// first seq the segment holds, 16 hex digits.
	segmentSuffix = ".seg"
	// segmentBytes is the size at which a segment is sealed (synced and
	// closed) and the next append starts a new one. Retention removes
	// whole segments, so this bounds how much trimmed data a log keeps on
	// disk, and how much a restart reads to check a log's tail.
	segmentBytes = 8 << 20
	// entryHeaderLen is the size of an entry's header: payload length
	// (uint32), CRC-32C of everything after the CRC (uint32), first seq
	// (uint64), append time in unix micros (int64), row count (uint32).
	entryHeaderLen = 28
	// readChunk is how much an entryReader reads at once.
	readChunk = 64 << 10
)

// crcTable is CRC-32C, computed with the CPU's instructions where Go has them.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// segment is one file of a log: entries holding the seqs first..last in
// its first size bytes.
type segment struct {
	first, last uint64
	size        int64
}

// segmentName is the file name of the segment whose first seq is first.
func segmentName(first uint64) string {
	return fmt.Sprintf("%016x%s", first, segmentSuffix)
}

// parseSegmentName returns the first seq a segment file name says, and
// false for a name that is not a segment's.
func parseSegmentName(name string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	first, err := strconv.ParseUint(hex, 16, 64)
	return first, err == nil && first > 0
}

// logDirName is the name of log id's directory inside the logs directory.
func logDirName(id uint64) string { return fmt.Sprintf("%016x", id) }

// parseLogDirName returns the log id a directory name says.
func parseLogDirName(name string) (uint64, bool) {
	if len(name) != 16 {
		return 0, false
	}
	id, err := strconv.ParseUint(name, 16, 64)
	return id, err == nil
}

// entryHeader is the decoded header of one entry.
type entryHeader struct {
	payload uint32 // bytes after the header: the rows, each length-prefixed
	first   uint64 // seq of the first row
	micros  int64  // append time
	rows    uint32
}

func (h entryHeader) last() uint64 { return h.first + uint64(h.rows) - 1 }
func (h entryHeader) size() int64  { return entryHeaderLen + int64(h.payload) }

// sealEntry fills the header at the start of entry, whose payload (the
// rows) follows it, and checksums the whole.
func sealEntry(entry []byte, first uint64, micros int64, rows uint32) {
	binary.BigEndian.PutUint32(entry[0:], uint32(len(entry)-entryHeaderLen))
	binary.BigEndian.PutUint64(entry[8:], first)
	binary.BigEndian.PutUint64(entry[16:], uint64(micros))
	binary.BigEndian.PutUint32(entry[24:], rows)
	binary.BigEndian.PutUint32(entry[4:], crc32.Checksum(entry[8:], crcTable))
}

// errEntryCorrupt marks an entry that does not read back as written: a
// torn tail when it is the last thing in the newest segment, corruption
// anywhere else.
var errEntryCorrupt = fmt.Errorf("%w: log entry", ErrCorrupt)

// entryReader reads one segment's entries in order. It reads the file in
// chunks of readChunk (one ReadAt per chunk, not per entry), and an entry
// skipped with skip is not read at all when it lies beyond the chunk.
type entryReader struct {
	f      io.ReaderAt
	end    int64  // the segment's size: entries end here
	next   int64  // offset of the next entry
	expect uint64 // the first seq the next entry must have
	buf    []byte // the file's bytes at bufOff
	bufOff int64
	pooled *[]byte // where buf came from in readBufs
}

// readBufs holds entryReaders' buffers: the engine's log reader calls Scan
// once per batch, which would otherwise allocate a chunk each time.
var readBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuf is the largest buffer release returns to readBufs: one
// that grew for a huge entry is left to the collector.
const maxPooledBuf = 4 * readChunk

// newEntryReader returns a reader of seg's entries in f. Call release
// once done with it and with the bytes it returned.
func newEntryReader(f io.ReaderAt, seg segment) *entryReader {
	pooled := readBufs.Get().(*[]byte)
	return &entryReader{f: f, end: seg.size, expect: seg.first, buf: (*pooled)[:0], pooled: pooled}
}

// release hands the reader's buffer back for another reader.
func (r *entryReader) release() {
	if cap(r.buf) <= maxPooledBuf {
		*r.pooled = r.buf[:0]
		readBufs.Put(r.pooled)
	}
	r.buf, r.pooled = nil, nil
}

// header reads the next entry's header; ok is false at the end of the
// segment. Errors wrap errEntryCorrupt when the bytes are not an entry
// continuing the segment's seqs.
func (r *entryReader) header() (h entryHeader, ok bool, err error) {
	if r.next >= r.end {
		return entryHeader{}, false, nil
	}
	if r.end-r.next < entryHeaderLen {
		return entryHeader{}, false, fmt.Errorf("%w at offset %d: header cut short", errEntryCorrupt, r.next)
	}
	b, err := r.bytes(r.next, entryHeaderLen)
	if err != nil {
		return entryHeader{}, false, err
	}
	h = entryHeader{
		payload: binary.BigEndian.Uint32(b[0:]),
		first:   binary.BigEndian.Uint64(b[8:]),
		micros:  int64(binary.BigEndian.Uint64(b[16:])),
		rows:    binary.BigEndian.Uint32(b[24:]),
	}
	switch {
	case h.rows == 0:
		return entryHeader{}, false, fmt.Errorf("%w at offset %d: no rows", errEntryCorrupt, r.next)
	case h.first != r.expect:
		return entryHeader{}, false, fmt.Errorf("%w at offset %d: seq %d where %d was due", errEntryCorrupt, r.next, h.first, r.expect)
	case h.size() > r.end-r.next:
		return entryHeader{}, false, fmt.Errorf("%w at seq %d: %d bytes past the segment's end", errEntryCorrupt, h.first, h.size()-(r.end-r.next))
	}
	return h, true, nil
}

// entry returns the whole entry whose header header just returned, its
// checksum verified, and moves past it. The bytes are valid until the
// next call.
func (r *entryReader) entry(h entryHeader) ([]byte, error) {
	b, err := r.bytes(r.next, h.size())
	if err != nil {
		return nil, err
	}
	if crc32.Checksum(b[8:], crcTable) != binary.BigEndian.Uint32(b[4:]) {
		return nil, fmt.Errorf("%w at seq %d: checksum mismatch", errEntryCorrupt, h.first)
	}
	r.skip(h)
	return b, nil
}

// skip moves past the entry whose header header just returned.
func (r *entryReader) skip(h entryHeader) {
	r.next += h.size()
	r.expect = h.last() + 1
}

// bytes returns the n file bytes at off, reading a chunk from off when the
// buffer does not hold them.
func (r *entryReader) bytes(off, n int64) ([]byte, error) {
	if off >= r.bufOff && off+n <= r.bufOff+int64(len(r.buf)) {
		return r.buf[off-r.bufOff : off-r.bufOff+n], nil
	}
	size := min(max(n, readChunk), r.end-off)
	if int64(cap(r.buf)) < size {
		r.buf = make([]byte, size)
	}
	r.buf = r.buf[:size]
	r.bufOff = off
	if _, err := r.f.ReadAt(r.buf, off); err != nil {
		r.buf = r.buf[:0]
		return nil, err
	}
	return r.buf[:n], nil
}

// logEntry is one decoded entry: the rows of one Append.
type logEntry struct {
	entryHeader
	data []byte // the rows not read yet, each length-prefixed
}

// decodeLogEntry returns the entry whose header is h and whose bytes (as
// entryReader.entry returns them) are b.
func decodeLogEntry(h entryHeader, b []byte) logEntry {
	return logEntry{entryHeader: h, data: b[entryHeaderLen:]}
}

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

// rewriteFile replaces the file at path with the first keep bytes of
// what it holds followed by tail, synced, through a temporary file and a
// rename, so that a crash leaves the old file or the new one. The caller
// syncs the directory.
func rewriteFile(fs vfs.FS, path string, keep int64, tail []byte) error {
	old, err := fs.Open(path)
	if err != nil {
		return err
	}
	defer old.Close()
	tmp := path + ".tmp"
	f, err := fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, io.NewSectionReader(old, 0, keep))
	if err == nil {
		_, err = f.Write(tail)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Rename(tmp, path)
	}
	if err != nil {
		return errors.Join(err, removeIfExists(fs, tmp))
	}
	return nil
}

// syncDir makes the creation, renaming and removal of files in dir
// durable.
func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeIfExists removes the file at path, if there is one.
func removeIfExists(fs vfs.FS, path string) error {
	if err := fs.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
