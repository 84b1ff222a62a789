package storage

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

// killProcess stands for the process dying: Pebble's lock is released,
// but the logs' files are neither synced nor closed; the file system (the
// page cache) keeps every write.
func killProcess(t *testing.T, s *Store) {
	t.Helper()
	s.guard.close()
	<-s.pollDone
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
}

// logModel is what a log must hold.
type logModel struct {
	values  map[uint64]int64 // the value appended at each seq not cut
	times   map[uint64]int   // the test clock each seq was appended at
	last    uint64           // LastSeq
	mark    uint64           // the trim mark
	durable uint64           // the last seq a sync covered
}

func newLogModel() *logModel {
	return &logModel{values: map[uint64]int64{}, times: map[uint64]int{}}
}

// check compares l with m. After a power loss l may end anywhere from
// m.durable to m.last; otherwise it must end at m.last. Either way it
// holds every seq above the trim mark up to its end, each with its value.
func (m *logModel) check(l *Log, powerLoss bool) error {
	last := l.LastSeq()
	switch {
	case powerLoss && (last < m.durable || last > m.last):
		return fmt.Errorf("LastSeq %d; synced up to %d, appended up to %d", last, m.durable, m.last)
	case !powerLoss && last != m.last:
		return fmt.Errorf("LastSeq %d, want %d", last, m.last)
	}
	if got := l.trimmed.Load(); got != m.mark {
		return fmt.Errorf("trim mark %d, want %d", got, m.mark)
	}
	next := m.mark + 1
	err := l.Scan(0, func(seq uint64, row []types.Datum) error {
		if seq != next || row[0].I != m.values[seq] {
			return fmt.Errorf("seq %d = %d, want seq %d = %d", seq, row[0].I, next, m.values[next])
		}
		next++
		return nil
	})
	if err != nil {
		return err
	}
	if next != last+1 {
		return fmt.Errorf("scan ended before seq %d, LastSeq %d", next, last)
	}
	return nil
}

// cutTo makes m end at last, as after TruncateAfter(last) or a power loss
// that kept rows up to last.
func (m *logModel) cutTo(last uint64) {
	for seq := range m.values {
		if seq > last {
			delete(m.values, seq)
			delete(m.times, seq)
		}
	}
	m.last, m.mark, m.durable = last, min(m.mark, last), min(m.durable, last)
}

// TestLogModelAcrossCrashes runs random appends (Synced and Deferred, some
// with a clock that went back, some filling segments), SyncLogs, Trim,
// TruncateAfter (to 0 and below the trim mark too), Drop, process kills
// and power losses (Pebble's CrashableMem keeping a random share of the
// unsynced writes), checking the log against a model after each crash and
// Trim's and TruncateAfter's counts as they go.
func TestLogModelAcrossCrashes(t *testing.T) {
	for seed := range uint64(30) {
		if err := runLogModel(t, seed); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		}
	}
}

func runLogModel(t *testing.T, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 11))
	fs := vfs.NewCrashableMem()
	s := openFS(t, fs)
	defer func() { _ = s.Close() }()
	l := s.Log(1)
	m := newLogModel()
	clock := 0
	for step := range 80 {
		switch op := rng.IntN(20); {
		case op < 11:
			d := Deferred
			if rng.IntN(3) == 0 {
				d = Synced
			}
			if rng.IntN(6) == 0 {
				clock -= 3
			}
			clock++
			n := 1 + rng.IntN(3)
			var rows []types.Datum
			first := m.last + 1
			for i := range uint64(n) {
				v := rng.Int64()
				rows = append(rows, paddedRow(v, rng.IntN(600_000))...)
				m.values[first+i], m.times[first+i] = v, clock
			}
			if got, err := l.Append(rows, 2, testTime(clock), d); err != nil || got != first {
				return fmt.Errorf("step %d: Append = %d, %v; want seq %d", step, got, err, first)
			}
			m.last += uint64(n)
			if d == Synced {
				m.durable = m.last
			}
		case op < 13:
			if err := s.SyncLogs(); err != nil {
				return fmt.Errorf("step %d: SyncLogs: %w", step, err)
			}
			m.durable = m.last
		case op < 15:
			cut := clock - rng.IntN(5)
			removed, err := l.Trim(testTime(cut))
			if err != nil {
				return fmt.Errorf("step %d: Trim: %w", step, err)
			}
			// The rows of one append share their time, so walking rows
			// stops where walking appends does.
			mark := m.mark
			for mark < m.last && m.times[mark+1] < cut {
				mark++
			}
			if removed != int(mark-m.mark) {
				return fmt.Errorf("step %d: Trim removed %d, want %d", step, removed, mark-m.mark)
			}
			m.mark = mark
		case op < 17:
			seq := rng.Uint64N(m.last + 1)
			removed, err := l.TruncateAfter(seq)
			want := 0
			if seq < m.last {
				want = int(m.last - max(seq, m.mark))
			}
			if err != nil || removed != want {
				return fmt.Errorf("step %d: TruncateAfter(%d) = %d, %v; want %d", step, seq, removed, err, want)
			}
			m.cutTo(min(seq, m.last))
		case op == 17:
			if err := l.Drop(); err != nil {
				return fmt.Errorf("step %d: Drop: %w", step, err)
			}
			m = newLogModel()
		case op == 18:
			killProcess(t, s)
			s = openFS(t, fs)
			l = s.Log(1)
			if err := m.check(l, false); err != nil {
				return fmt.Errorf("step %d, after a kill: %w", step, err)
			}
		default:
			crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
			killProcess(t, s)
			fs = crashed
			s = openFS(t, fs)
			l = s.Log(1)
			if err := m.check(l, true); err != nil {
				return fmt.Errorf("step %d, after a power loss: %w", step, err)
			}
			m.cutTo(l.LastSeq())
		}
	}
	return nil
}
