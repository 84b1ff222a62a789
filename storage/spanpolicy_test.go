package storage

import (
	"bytes"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

func TestLogSpanPolicy(t *testing.T) {
	s := openFS(t, vfs.NewMem())
	for id, busy := range map[uint64]bool{3: true, 5: false, 7: true, 9: false} {
		s.Log(id).ownTables.Store(busy)
	}
	logKey := func(id, seq uint64) []byte { return newLog(s, id).entryKey(nil, seq) }
	for _, tc := range []struct {
		name  string
		start []byte
		end   []byte // nil: the rest of the key space
	}{
		{"catalog ends where the logs start", []byte("cfoo"), []byte{nsLogs}},
		{"empty key", nil, []byte{nsLogs}},
		{"busy log ends at its own end", logKey(3, 17), idPrefix(nsLogs, 4)},
		{"trim mark of a busy log", logKey(7, trimMarkSeq), idPrefix(nsLogs, 8)},
		{"quiet log runs to the next busy one", logKey(5, 1), idPrefix(nsLogs, 7)},
		{"unknown log runs to the next busy one", logKey(1, 1), idPrefix(nsLogs, 3)},
		{"namespace bound runs to the first busy log", []byte{nsLogs}, idPrefix(nsLogs, 3)},
		{"short bound inside a busy log", idPrefix(nsLogs, 7)[:5], idPrefix(nsLogs, 3)},
		{"quiet log after the last busy one", logKey(9, 1), []byte{nsLogs + 1}},
		{"state runs to the end", []byte("sfoo"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, end, err := s.logSpanPolicy(tc.start)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(end, tc.end) {
				t.Errorf("end %x, want %x", end, tc.end)
			}
		})
	}
}

// TestBusyLogsFlushToTablesOfTheirOwn appends to two busy logs and a quiet
// one in turn, as a source and its streams do, and flushes twice: every
// table of a busy log holds that log's keys only, so the second flush's
// tables overlap none of the first's. (The first flush ends the epoch that
// began when the store opened.)
func TestBusyLogsFlushToTablesOfTheirOwn(t *testing.T) {
	s := openFS(t, vfs.NewMem())
	busy, quiet := []*Log{s.Log(2), s.Log(4)}, s.Log(3)
	rows := make([]types.Datum, 0, 5*types.BatchSize)
	for range types.BatchSize {
		rows = append(rows, sampleRow()...)
	}
	for flush := range 2 {
		for busy[0].epochBytes.Load() < 2*ownTableMinBytes {
			for _, l := range busy {
				if _, err := l.Append(rows, 5, testTime(flush), Deferred); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := quiet.Append(sampleRow(), 5, testTime(flush), Deferred); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	levels, err := s.db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	busyTables := 0
	for _, level := range levels {
		for _, table := range level {
			smallest, largest := table.Smallest.UserKey, table.Largest.UserKey
			for _, l := range busy {
				if bytes.HasPrefix(smallest, l.prefix) {
					busyTables++
					if !bytes.HasPrefix(largest, l.prefix) {
						t.Errorf("table %s of log %d ends at %x, in another log", table.FileNum, l.id, largest)
					}
				}
			}
		}
	}
	if busyTables < 2*len(busy) {
		t.Errorf("%d tables start in a busy log, want one per busy log and flush (%d)", busyTables, 2*len(busy))
	}
}
