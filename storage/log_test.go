package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

// testTime is a fixed clock reading: the epoch of the tests plus sec seconds.
func testTime(sec int) time.Time {
	return time.Date(2024, 1, 1, 0, 0, sec, 0, time.UTC)
}

// intRows returns rows of width 2: (v, "r<v>") for each v.
func intRows(vs ...int64) []types.Datum {
	var rows []types.Datum
	for _, v := range vs {
		rows = append(rows, types.NewInt(v), types.NewText("r"+string(rune('a'+v%26))))
	}
	return rows
}

type scannedRow struct {
	seq uint64
	v   int64
}

func scanLog(t *testing.T, l *Log, from uint64) []scannedRow {
	t.Helper()
	var got []scannedRow
	err := l.Scan(from, func(seq uint64, row []types.Datum) error {
		if len(row) != 2 {
			t.Fatalf("seq %d: row of %d columns", seq, len(row))
		}
		got = append(got, scannedRow{seq, row[0].I})
		return nil
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return got
}

func wantEntries(t *testing.T, got []scannedRow, firstSeq uint64, vs ...int64) {
	t.Helper()
	if len(got) != len(vs) {
		t.Fatalf("got %v, want values %v from seq %d", got, vs, firstSeq)
	}
	for i, e := range got {
		if e.seq != firstSeq+uint64(i) || e.v != vs[i] {
			t.Fatalf("got %v, want values %v from seq %d", got, vs, firstSeq)
		}
	}
}

func appendRows(t *testing.T, l *Log, now time.Time, want uint64, vs ...int64) {
	t.Helper()
	first, err := l.Append(intRows(vs...), 2, now, Synced)
	if err != nil || first != want {
		t.Fatalf("Append = %d, %v; want first seq %d", first, err, want)
	}
}

func TestLogAppendScanAcrossReopen(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	l := s.Log(7)
	if s.Log(7) != l {
		t.Fatal("Log(7) returned a second value")
	}
	appendRows(t, l, testTime(0), 1, 10, 11, 12)
	appendRows(t, l, testTime(1), 4, 13, 14)
	appendRows(t, l, testTime(1), 6)
	appendRows(t, s.Log(8), testTime(1), 1, 99)
	if l.LastSeq() != 5 {
		t.Fatalf("LastSeq = %d, want 5", l.LastSeq())
	}
	wantEntries(t, scanLog(t, l, 0), 1, 10, 11, 12, 13, 14)
	wantEntries(t, scanLog(t, l, 3), 3, 12, 13, 14)
	wantEntries(t, scanLog(t, l, 6), 6)
	closeStore(t, s)

	s = openFS(t, fs)
	defer closeStore(t, s)
	l = s.Log(7)
	if l.LastSeq() != 5 {
		t.Fatalf("LastSeq after reopen = %d, want 5", l.LastSeq())
	}
	appendRows(t, l, testTime(2), 6, 15)
	wantEntries(t, scanLog(t, l, 1), 1, 10, 11, 12, 13, 14, 15)
	wantEntries(t, scanLog(t, s.Log(8), 1), 1, 99)
	if s.Log(9).LastSeq() != 0 {
		t.Fatal("unknown log has a last seq")
	}
}

func TestLogTrim(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	l := s.Log(1)
	appendRows(t, l, testTime(0), 1, 1, 2)
	appendRows(t, l, testTime(10), 3, 3, 4)
	appendRows(t, l, testTime(20), 5, 5)

	tests := []struct {
		before  time.Time
		removed int
		left    []int64
	}{
		{testTime(0), 0, []int64{1, 2, 3, 4, 5}},
		{testTime(10), 2, []int64{3, 4, 5}},
		{testTime(10), 0, []int64{3, 4, 5}},
		{testTime(15), 2, []int64{5}},
		{testTime(100), 1, nil},
	}
	for _, tc := range tests {
		removed, err := l.Trim(tc.before)
		if err != nil || removed != tc.removed {
			t.Fatalf("Trim(%v) = %d, %v; want %d", tc.before, removed, err, tc.removed)
		}
		wantEntries(t, scanLog(t, l, 0), 6-uint64(len(tc.left)), tc.left...)
	}
	if l.LastSeq() != 5 {
		t.Fatalf("LastSeq after trimming everything = %d, want 5", l.LastSeq())
	}
	closeStore(t, s)

	// With every entry trimmed only the trim mark remembers the seq.
	s = openFS(t, fs)
	defer closeStore(t, s)
	l = s.Log(1)
	if l.LastSeq() != 5 {
		t.Fatalf("LastSeq after reopen = %d, want 5", l.LastSeq())
	}
	appendRows(t, l, testTime(30), 6, 6)
	wantEntries(t, scanLog(t, l, 0), 6, 6)
}

// TestLogTrimStopsAtFirstNewer: Trim removes a prefix, so an entry older
// than the cut behind a newer one (a clock that went back) stays.
func TestLogTrimStopsAtFirstNewer(t *testing.T) {
	s, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	l := s.Log(1)
	appendRows(t, l, testTime(5), 1, 1)
	appendRows(t, l, testTime(20), 2, 2)
	appendRows(t, l, testTime(3), 3, 3)
	removed, err := l.Trim(testTime(10))
	if err != nil || removed != 1 {
		t.Fatalf("Trim = %d, %v; want 1", removed, err)
	}
	wantEntries(t, scanLog(t, l, 0), 2, 2, 3)
}

func TestLogDrop(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	for _, id := range []uint64{1, 2, 3, math.MaxUint64} {
		appendRows(t, s.Log(id), testTime(0), 1, 1, 2)
	}
	for _, id := range []uint64{2, math.MaxUint64} {
		if err := s.Log(id).Drop(); err != nil {
			t.Fatal(err)
		}
		if s.Log(id).LastSeq() != 0 {
			t.Fatalf("log %d: LastSeq after Drop = %d", id, s.Log(id).LastSeq())
		}
	}
	closeStore(t, s)
	s = openFS(t, fs)
	defer closeStore(t, s)
	for _, tc := range []struct {
		id   uint64
		last uint64
	}{{1, 2}, {2, 0}, {3, 2}, {math.MaxUint64, 0}} {
		l := s.Log(tc.id)
		if l.LastSeq() != tc.last || uint64(len(scanLog(t, l, 0))) != tc.last {
			t.Fatalf("log %d: LastSeq %d, %d rows; want %d", tc.id, l.LastSeq(), len(scanLog(t, l, 0)), tc.last)
		}
	}
	appendRows(t, s.Log(2), testTime(1), 1, 5)
}

func TestLogAppendRejectsBadWidth(t *testing.T) {
	s, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	l := s.Log(1)
	for _, tc := range []struct {
		values, width int
	}{{3, 2}, {2, 0}, {0, -1}} {
		if _, err := l.Append(make([]types.Datum, tc.values), tc.width, testTime(0), Synced); err == nil {
			t.Fatalf("Append of %d values in width %d succeeded", tc.values, tc.width)
		}
	}
	if first, err := l.Append(nil, 2, testTime(0), Synced); err != nil || first != 1 || l.LastSeq() != 0 {
		t.Fatalf("empty Append = %d, %v, LastSeq %d; want 1, nil, 0", first, err, l.LastSeq())
	}
}

func TestLogScanStopsOnCallbackError(t *testing.T) {
	s, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	l := s.Log(1)
	appendRows(t, l, testTime(0), 1, 1, 2, 3)
	stop := errors.New("enough")
	calls := 0
	err = l.Scan(1, func(uint64, []types.Datum) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Fatalf("Scan = %v after %d calls; want the callback's error after 1", err, calls)
	}
}

func TestLogCorruptEntries(t *testing.T) {
	tests := []struct {
		name    string
		offset  func(first int64) int64 // where to write, given the first entry's size
		bytes   []byte
		trimErr bool // Trim walks the headers, so it sees this corruption too
	}{
		{"checksum mismatch", func(first int64) int64 { return first - 1 }, []byte{0xEE}, false},
		{"header out of sequence", func(first int64) int64 { return first + 8 }, binary.BigEndian.AppendUint64(nil, 9), true},
		{"header without rows", func(first int64) int64 { return first + 24 }, make([]byte, 4), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewMem()
			s := openFS(t, fs)
			defer closeStore(t, s)
			l := s.Log(1)
			appendRows(t, l, testTime(0), 1, 1)
			firstSize := l.segments[0].size
			appendRows(t, l, testTime(0), 2, 2)
			overwrite(t, fs, segmentPath(l, 1), tc.offset(firstSize), tc.bytes)
			err := l.Scan(1, func(uint64, []types.Datum) error { return nil })
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Scan = %v, want ErrCorrupt", err)
			}
			if _, err := l.Trim(testTime(100)); tc.trimErr != errors.Is(err, ErrCorrupt) {
				t.Fatalf("Trim = %v, want ErrCorrupt: %v", err, tc.trimErr)
			}
		})
	}
}

// segmentPath is the path of l's segment starting at seq first.
func segmentPath(l *Log, first uint64) string {
	return l.store.fs.PathJoin(l.dir, segmentName(first))
}

// overwrite writes b at offset off of the file at path.
func overwrite(t *testing.T, fs vfs.FS, path string, off int64, b []byte) {
	t.Helper()
	f, err := fs.OpenReadWrite(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsCorruptLogKeys(t *testing.T) {
	tests := []struct {
		name  string
		key   []byte
		value []byte
	}{
		{"short log key", []byte{nsLogs, 1, 2}, nil},
		{"trim mark of wrong size", append(idPrefix(nsLogs, 1), 0, 0, 0, 0, 0, 0, 0, 0), []byte{1}},
		{"rows in Pebble (the old layout)", append(idPrefix(nsLogs, 1), 0, 0, 0, 0, 0, 0, 0, 1), make([]byte, 9)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewMem()
			s := openFS(t, fs)
			if err := s.db.Set(tc.key, tc.value, pebble.Sync); err != nil {
				t.Fatal(err)
			}
			closeStore(t, s)
			if s, err := OpenWith("db", Options{FS: fs}); !errors.Is(err, ErrCorrupt) {
				if err == nil {
					closeStore(t, s)
				}
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestLogConcurrentAppends: appends from several goroutines through
// separate Log(id) calls share one dense seq.
func TestLogConcurrentAppends(t *testing.T) {
	s, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, s)
	const writers, appends = 4, 25
	var wg sync.WaitGroup
	firsts := make(chan uint64, writers*appends)
	for w := range writers {
		wg.Go(func() {
			for range appends {
				first, err := s.Log(1).Append(intRows(int64(w), int64(w)), 2, testTime(0), Synced)
				if err != nil {
					t.Error(err)
					return
				}
				firsts <- first
			}
		})
	}
	wg.Wait()
	close(firsts)
	seen := map[uint64]bool{}
	for first := range firsts {
		if first%2 != 1 || seen[first] {
			t.Fatalf("first seq %d repeated or misaligned", first)
		}
		seen[first] = true
	}
	if got := len(scanLog(t, s.Log(1), 0)); got != writers*appends*2 || s.Log(1).LastSeq() != uint64(got) {
		t.Fatalf("%d rows, LastSeq %d; want %d", got, s.Log(1).LastSeq(), writers*appends*2)
	}
}

func TestLogTruncateAfter(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	l := s.Log(3)
	appendRows(t, l, testTime(0), 1, 1, 2, 3)
	appendRows(t, l, testTime(10), 4, 4, 5)
	if removed, err := l.TruncateAfter(5); err != nil || removed != 0 {
		t.Fatalf("TruncateAfter(last) = %d, %v; want nothing removed", removed, err)
	}
	if removed, err := l.TruncateAfter(3); err != nil || removed != 2 {
		t.Fatalf("TruncateAfter(3) = %d, %v; want 2", removed, err)
	}
	wantEntries(t, scanLog(t, l, 0), 1, 1, 2, 3)
	appendRows(t, l, testTime(20), 4, 40)
	closeStore(t, s)

	s = openFS(t, fs)
	l = s.Log(3)
	if l.LastSeq() != 4 {
		t.Fatalf("LastSeq after reopen = %d, want 4", l.LastSeq())
	}
	wantEntries(t, scanLog(t, l, 0), 1, 1, 2, 3, 40)
	// Trimmed past the cut: the trim mark must not bring the seqs back.
	if _, err := l.Trim(testTime(30)); err != nil {
		t.Fatal(err)
	}
	if removed, err := l.TruncateAfter(2); err != nil || removed != 0 {
		t.Fatalf("TruncateAfter(2) after trimming everything = %d, %v; want 0", removed, err)
	}
	closeStore(t, s)
	s = openFS(t, fs)
	defer closeStore(t, s)
	if got := s.Log(3).LastSeq(); got != 2 {
		t.Fatalf("LastSeq after reopen = %d, want 2", got)
	}
	appendRows(t, s.Log(3), testTime(40), 3, 7)
}

// TestLogCutsInsideAnAppend: one Append is one entry, yet scans start and
// truncations cut at any row inside it.
func TestLogCutsInsideAnAppend(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	l := s.Log(4)
	appendRows(t, l, testTime(0), 1, 10, 20, 30, 40, 50)
	appendRows(t, l, testTime(0), 6, 60, 70)
	wantEntries(t, scanLog(t, l, 3), 3, 30, 40, 50, 60, 70)
	wantEntries(t, scanLog(t, l, 7), 7, 70)
	wantEntries(t, scanLog(t, l, 8), 8)
	if removed, err := l.TruncateAfter(3); err != nil || removed != 4 {
		t.Fatalf("TruncateAfter(3) = %d, %v; want 4 removed", removed, err)
	}
	wantEntries(t, scanLog(t, l, 0), 1, 10, 20, 30)
	closeStore(t, s)

	s = openFS(t, fs)
	defer closeStore(t, s)
	l = s.Log(4)
	if l.LastSeq() != 3 {
		t.Fatalf("LastSeq after reopen = %d, want 3", l.LastSeq())
	}
	appendRows(t, l, testTime(10), 4, 41, 51)
	wantEntries(t, scanLog(t, l, 2), 2, 20, 30, 41, 51)
}

// TestLogTruncateToNothingAfterTrim: cutting a trimmed log back to seq 0
// (a stream no checkpoint covers, restarted) must not read the trim mark
// as an entry.
func TestLogTruncateToNothingAfterTrim(t *testing.T) {
	s := openFS(t, vfs.NewMem())
	defer closeStore(t, s)
	l := s.Log(5)
	appendRows(t, l, testTime(0), 1, 10, 20)
	appendRows(t, l, testTime(10), 3, 30)
	if _, err := l.Trim(testTime(5)); err != nil {
		t.Fatal(err)
	}
	if removed, err := l.TruncateAfter(0); err != nil || removed != 1 {
		t.Fatalf("TruncateAfter(0) after a trim = %d, %v; want the one row left removed", removed, err)
	}
	wantEntries(t, scanLog(t, l, 0), 1)
	appendRows(t, l, testTime(20), 1, 11)
}

// TestAppendLengthPrefixedRow checks the one-pass encoding against a
// uvarint length followed by AppendRow, for rows whose length takes one,
// two and three bytes, after existing bytes in the buffer.
func TestAppendLengthPrefixedRow(t *testing.T) {
	for _, size := range []int{0, 1, 125, 126, 127, 128, 300, 16381, 16382, 16383, 20000} {
		row := []types.Datum{types.NewText(strings.Repeat("x", size))}
		encoded := AppendRow(nil, row)
		want := binary.AppendUvarint([]byte("head"), uint64(len(encoded)))
		want = append(want, encoded...)
		if got := appendLengthPrefixedRow([]byte("head"), row); !bytes.Equal(got, want) {
			t.Errorf("row of %d bytes: got %x, want %x", len(encoded), got[:min(len(got), 12)], want[:min(len(want), 12)])
		}
	}
}
