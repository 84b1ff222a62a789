package storage

import (
	"errors"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func BenchmarkAppendRow(b *testing.B) {
	row := sampleRow()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRow(buf[:0], row)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkDecodeRow decodes the same row into the same buffer, as a scan
// over rows with a repeating string column does: the string is reused.
func BenchmarkDecodeRow(b *testing.B) {
	data := AppendRow(nil, sampleRow())
	row := make([]types.Datum, 0, 5)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var err error
		if row, err = DecodeRow(data, row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRowDistinctStrings alternates two rows whose string
// columns differ, so every decode allocates the string.
func BenchmarkDecodeRowDistinctStrings(b *testing.B) {
	other := sampleRow()
	other[1] = types.NewText("sensor-43")
	data := [2][]byte{AppendRow(nil, sampleRow()), AppendRow(nil, other)}
	row := make([]types.Datum, 0, 5)
	b.ReportAllocs()
	b.SetBytes(int64(len(data[0])))
	i := 0
	for b.Loop() {
		var err error
		if row, err = DecodeRow(data[i&1], row); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLogAppend appends 1024-row batches of the 5-column sample row
// to a log on disk, with and without syncing the WAL per batch.
func BenchmarkLogAppend(b *testing.B) {
	for _, bc := range []struct {
		name       string
		durability Durability
	}{{"Deferred", Deferred}, {"Synced", Synced}} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer closeStore(b, s)
			rows := make([]types.Datum, 0, 5*types.BatchSize)
			for range types.BatchSize {
				rows = append(rows, sampleRow()...)
			}
			l := s.Log(1)
			b.ReportAllocs()
			b.SetBytes(int64(len(AppendRow(nil, sampleRow())) * types.BatchSize))
			for b.Loop() {
				if _, err := l.Append(rows, 5, testTime(0), bc.durability); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*types.BatchSize), "ns/row")
		})
	}
}

// BenchmarkLogScanBatched reads a log of one-row appends (an INSERT-fed
// source) the way the engine's log reader does: one Scan per 1024-row
// batch, each stopping when its batch is full.
func BenchmarkLogScanBatched(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer closeStore(b, s)
	l := s.Log(1)
	row := sampleRow()
	const rows = 100_000
	for range rows {
		if _, err := l.Append(row, len(row), testTime(0), Deferred); err != nil {
			b.Fatal(err)
		}
	}
	full := errors.New("batch full")
	b.ReportAllocs()
	for b.Loop() {
		for next := uint64(1); next <= rows; {
			n := 0
			err := l.Scan(next, func(seq uint64, _ []types.Datum) error {
				next, n = seq+1, n+1
				if n == types.BatchSize {
					return full
				}
				return nil
			})
			if err != nil && err != full {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
