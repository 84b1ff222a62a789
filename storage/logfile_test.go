package storage

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/novelty-db/novelty/types"
)

// segmentFirsts lists the first seqs of l's segment files, in order.
func segmentFirsts(t *testing.T, fs vfs.FS, l *Log) []uint64 {
	t.Helper()
	names, err := fs.List(l.dir)
	if err != nil {
		t.Fatal(err)
	}
	var firsts []uint64
	for _, name := range names {
		if first, ok := parseSegmentName(name); ok {
			firsts = append(firsts, first)
		}
	}
	slices.Sort(firsts)
	return firsts
}

// paddedRow is a row of width 2, (v, pad bytes of text): big rows fill
// segments quickly.
func paddedRow(v int64, pad int) []types.Datum {
	return []types.Datum{types.NewInt(v), types.NewText(strings.Repeat("x", pad))}
}

// TestLogSegmentsRollAndTrimWholeFiles: a log past segmentBytes goes on in
// a new file; scans cross files; Trim removes the files whose rows are all
// trimmed and keeps the one it cuts into; a reopen finds the same rows.
func TestLogSegmentsRollAndTrimWholeFiles(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	l := s.Log(2)
	const rows, pad = 20, 1 << 20
	var all []int64
	for i := range int64(rows) {
		first, err := l.Append(paddedRow(i, pad), 2, testTime(int(i)), Deferred)
		if err != nil || first != uint64(i+1) {
			t.Fatalf("Append %d = %d, %v", i, first, err)
		}
		all = append(all, i)
	}
	before := segmentFirsts(t, fs, l)
	if len(before) < 3 {
		t.Fatalf("%d MiB in %d segment files, want one per %d MiB", rows, len(before), segmentBytes>>20)
	}
	wantEntries(t, scanLog(t, l, 0), 1, all...)
	wantEntries(t, scanLog(t, l, 9), 9, all[8:]...)
	if removed, err := l.Trim(testTime(10)); err != nil || removed != 10 {
		t.Fatalf("Trim = %d, %v; want 10 rows removed", removed, err)
	}
	after := segmentFirsts(t, fs, l)
	if len(after) >= len(before) || after[0] > 11 || (len(after) > 1 && after[1] <= 11) {
		t.Fatalf("segments %v after trimming seqs 1-10 (before %v): want only the files holding seq 11 on", after, before)
	}
	wantEntries(t, scanLog(t, l, 0), 11, all[10:]...)
	closeStore(t, s)

	s = openFS(t, fs)
	defer closeStore(t, s)
	l = s.Log(2)
	if l.LastSeq() != rows {
		t.Fatalf("LastSeq after reopen = %d, want %d", l.LastSeq(), rows)
	}
	wantEntries(t, scanLog(t, l, 3), 11, all[10:]...)
	appendRows(t, l, testTime(30), rows+1, 99)
}

// TestLogTornTailIsCut: a crash during an append leaves part of an entry
// (or bytes that are not one) after the last whole entry; the reopened
// log ends at that entry, and appends go on from there.
func TestLogTornTailIsCut(t *testing.T) {
	torn := func() []byte {
		e := appendLengthPrefixedRow(make([]byte, entryHeaderLen), intRows(13)[:2])
		sealEntry(e, 4, testTime(2).UnixMicro(), 1)
		return e
	}
	for _, tc := range []struct {
		name string
		tail []byte
	}{
		{"entry cut short", torn()[:len(torn())-3]},
		{"header cut short", torn()[:entryHeaderLen-1]},
		{"checksum mismatch", func() []byte { e := torn(); e[len(e)-1] ^= 1; return e }()},
		{"zeros", make([]byte, 100)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewMem()
			s := openFS(t, fs)
			l := s.Log(3)
			appendRows(t, l, testTime(0), 1, 10, 11)
			appendRows(t, l, testTime(1), 3, 12)
			size := l.segments[0].size
			closeStore(t, s)
			overwrite(t, fs, segmentPath(l, 1), size, tc.tail)

			s = openFS(t, fs)
			l = s.Log(3)
			if l.LastSeq() != 3 {
				t.Fatalf("LastSeq = %d, want 3", l.LastSeq())
			}
			if info, err := fs.Stat(segmentPath(l, 1)); err != nil || info.Size() != size {
				t.Fatalf("segment after recovery: %v, %v; want %d bytes", info, err, size)
			}
			wantEntries(t, scanLog(t, l, 0), 1, 10, 11, 12)
			appendRows(t, l, testTime(3), 4, 13)
			closeStore(t, s)
			s = openFS(t, fs)
			defer closeStore(t, s)
			wantEntries(t, scanLog(t, s.Log(3), 0), 1, 10, 11, 12, 13)
		})
	}
}

// TestLogCrashKeepsWhatWasSynced: whatever share of the unsynced writes a
// crash keeps (CrashClone keeps a random share, cut anywhere), the
// reopened log holds every row up to the last sync (a Synced append,
// SyncLogs, or a sealed segment), each under its seq, none after a gap,
// and appends go on after its last seq.
func TestLogCrashKeepsWhatWasSynced(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		fs := vfs.NewCrashableMem()
		s := openFS(t, fs)
		l := s.Log(1)
		var values []int64 // values[i] was appended at seq i+1
		var durable uint64
		for step := range 40 {
			d := Deferred
			if rng.IntN(5) == 0 {
				d = Synced
			}
			var rows []types.Datum
			for range 1 + rng.IntN(4) {
				v := rng.Int64()
				rows = append(rows, paddedRow(v, rng.IntN(600_000))...)
				values = append(values, v)
			}
			if _, err := l.Append(rows, 2, testTime(step), d); err != nil {
				t.Fatalf("seed %d: append: %v", seed, err)
			}
			switch {
			case d == Synced:
				durable = l.LastSeq()
			case rng.IntN(5) == 0:
				if err := s.SyncLogs(); err != nil {
					t.Fatalf("seed %d: SyncLogs: %v", seed, err)
				}
				durable = l.LastSeq()
			case rng.IntN(8) == 0:
				if _, err := l.Trim(testTime(step - 3)); err != nil {
					t.Fatalf("seed %d: trim: %v", seed, err)
				}
			}
		}
		if len(l.segments) > 1 {
			durable = max(durable, l.segments[len(l.segments)-2].last)
		}
		trimmed := l.trimmed.Load()
		crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
		closeStore(t, s)

		s = openFS(t, crashed)
		l = s.Log(1)
		last := l.LastSeq()
		if last < durable || last > uint64(len(values)) {
			t.Fatalf("seed %d: LastSeq %d after the crash; %d were synced, %d appended", seed, last, durable, len(values))
		}
		if got := l.trimmed.Load(); got != trimmed {
			t.Fatalf("seed %d: trim mark %d after the crash, want %d", seed, got, trimmed)
		}
		next := trimmed + 1
		err := l.Scan(0, func(seq uint64, row []types.Datum) error {
			if seq != next || row[0].I != values[seq-1] {
				t.Fatalf("seed %d: seq %d = %d, want seq %d = %d", seed, seq, row[0].I, next, values[next-1])
			}
			next++
			return nil
		})
		if err != nil || next != last+1 {
			t.Fatalf("seed %d: scan ended before seq %d (%v); LastSeq is %d", seed, next, err, last)
		}
		appendRows(t, l, testTime(100), last+1, 1)
		closeStore(t, s)
	}
}

// TestLogFailedSyncRefusesAppends: after a failed sync it is unknown which
// rows reached the disk, so the log refuses appends and syncs (no
// checkpoint may count on those rows) rather than trying again.
func TestLogFailedSyncRefusesAppends(t *testing.T) {
	fault := &fileFault{op: errorfs.OpFileSyncData, errno: syscall.EIO}
	s := openFS(t, errorfs.Wrap(vfs.NewMem(), fault))
	l := s.Log(1)
	appendRows(t, l, testTime(0), 1, 1)
	fault.on.Store(true)
	if _, err := l.Append(intRows(2), 2, testTime(1), Synced); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Synced append with a failing sync = %v, want EIO", err)
	}
	fault.on.Store(false)
	if _, err := l.Append(intRows(3), 2, testTime(2), Deferred); err == nil || !strings.Contains(err.Error(), "sync failed") {
		t.Fatalf("append after a failed sync = %v, want it refused", err)
	}
	if err := s.SyncLogs(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("SyncLogs after a failed sync = %v, want the sync's error", err)
	}
	if err := s.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close = %v, want the failed sync reported", err)
	}
}

// TestLogRecoveredTailIsSynced: after a process crash the reopened log
// keeps its unsynced tail (it is in the page cache) and starts a new
// segment; a later power loss must not take that tail, which recovery
// (and any checkpoint since) counted on.
func TestLogRecoveredTailIsSynced(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s := openFS(t, fs)
	appendRows(t, s.Log(1), testTime(0), 1, 10)
	if _, err := s.Log(1).Append(intRows(20, 21), 2, testTime(1), Deferred); err != nil {
		t.Fatal(err)
	}
	killProcess(t, s)

	s = openFS(t, fs)
	appendRows(t, s.Log(1), testTime(2), 4, 30)
	crashed := fs.CrashClone(vfs.CrashCloneCfg{})
	killProcess(t, s)

	s = openFS(t, crashed)
	defer closeStore(t, s)
	wantEntries(t, scanLog(t, s.Log(1), 0), 1, 10, 20, 21, 30)
}

// TestLogScanDoesNotWaitForAHeldAppend: while the disk guard holds an
// append's write (the disk is full), a Scan of the same log still reads
// what was appended before.
func TestLogScanDoesNotWaitForAHeldAppend(t *testing.T) {
	fault := &fileFault{op: errorfs.OpFileWrite, errno: syscall.ENOSPC}
	disk := &fakeDisk{}
	disk.avail.Store(1 << 30)
	s := openGuarded(t, errorfs.Wrap(vfs.NewMem(), fault), disk)
	defer closeStore(t, s)
	l := s.Log(7)
	appendRows(t, l, testTime(0), 1, 1)
	fault.on.Store(true)
	appended := make(chan error, 1)
	go func() {
		_, err := l.Append(intRows(2), 2, testTime(1), Synced)
		appended <- err
	}()
	waitFor(t, "the store to be held", func() bool { return s.DiskStatus().Held })
	scanned := make(chan []scannedRow, 1)
	go func() { scanned <- scanLog(t, l, 0) }()
	select {
	case got := <-scanned:
		wantEntries(t, got, 1, 1)
	case <-time.After(10 * time.Second):
		t.Fatal("Scan waited for the held append")
	}
	fault.on.Store(false)
	s.CheckDisk()
	if err := <-appended; err != nil {
		t.Fatalf("the held append: %v", err)
	}
	wantEntries(t, scanLog(t, l, 0), 1, 1, 2)
}

// errBatchDone stops a scan the way a reader filling a batch does.
var errBatchDone = errors.New("batch done")

// TestLogBatchedScansResume: reading a log in small batches, one Scan per
// batch that stops early (as the engine's log reader does), yields every
// row once, in order; each Scan starts where the one before stopped
// (Log.scanHint), and a Scan from an earlier seq still starts there.
func TestLogBatchedScansResume(t *testing.T) {
	s := openFS(t, vfs.NewMem())
	defer closeStore(t, s)
	l := s.Log(1)
	var all []int64
	for i := range int64(50) {
		appendRows(t, l, testTime(int(i)), uint64(3*i+1), 3*i, 3*i+1, 3*i+2)
		all = append(all, 3*i, 3*i+1, 3*i+2)
	}
	var got []scannedRow
	for next := uint64(1); next <= l.LastSeq(); {
		n := 0
		err := l.Scan(next, func(seq uint64, row []types.Datum) error {
			got = append(got, scannedRow{seq, row[0].I})
			next, n = seq+1, n+1
			if n == 7 {
				return errBatchDone
			}
			return nil
		})
		if err != nil && err != errBatchDone {
			t.Fatal(err)
		}
	}
	wantEntries(t, got, 1, all...)
	wantEntries(t, scanLog(t, l, 2), 2, all[1:]...)
}

// TestLogScanFindsAGap: seqs are dense, so a segment that ends before the
// next one begins lost rows; Scan reports that rather than skip them.
func TestLogScanFindsAGap(t *testing.T) {
	fs := vfs.NewMem()
	s := openFS(t, fs)
	l := s.Log(1)
	for i := range int64(12) {
		if _, err := l.Append(paddedRow(i, 1<<20), 2, testTime(int(i)), Deferred); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.segments) < 2 {
		t.Fatalf("%d segments, want 2 or more", len(l.segments))
	}
	first := l.segments[0]
	closeStore(t, s)
	// Cut the first segment's last entry off, as a lost tail would.
	f, err := fs.Open(segmentPath(l, first.first))
	if err != nil {
		t.Fatal(err)
	}
	r := newEntryReader(f, first)
	defer r.release()
	lastEntry := int64(0)
	for {
		h, ok, err := r.header()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		lastEntry = r.next
		r.skip(h)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rewriteFile(fs, segmentPath(l, first.first), lastEntry, nil); err != nil {
		t.Fatal(err)
	}

	s = openFS(t, fs)
	defer closeStore(t, s)
	if err := s.Log(1).Scan(0, func(uint64, []types.Datum) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Scan over a gap = %v, want ErrCorrupt", err)
	}
}
