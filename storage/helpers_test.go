package storage

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/novelty-db/novelty/types"
)

// allTypes is every Type the codecs must handle, NULL (Unknown) included.
func allTypes() []types.Type {
	ts := make([]types.Type, 0, lastType+1)
	for t := types.Unknown; t <= lastType; t++ {
		ts = append(ts, t)
	}
	return ts
}

// randomDatum returns a random value of type t, biased towards edge cases
// (extreme integers, NaN, -0, infinities, strings with 0x00 and 0xFF).
func randomDatum(r *rand.Rand, t types.Type) types.Datum {
	d := types.Datum{Typ: t}
	switch t.Family() {
	case types.FamilyUnknown:
	case types.FamilyBool:
		d.I = r.Int64N(2)
	case types.FamilyInt, types.FamilyDate, types.FamilyTimestamp:
		d.I = randomInt(r)
	case types.FamilyFloat:
		d.F = randomFloat(r)
	case types.FamilyInterval:
		d.Months, d.Days, d.I = int32(randomInt(r)), int32(randomInt(r)), randomInt(r)
	default:
		d.S = randomString(r, 20)
	}
	return d
}

func randomInt(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return []int64{math.MinInt64, math.MaxInt64, 0, -1, 1, math.MinInt32, math.MaxInt32}[r.IntN(7)]
	case 1:
		return r.Int64N(200) - 100
	default:
		return int64(r.Uint64())
	}
}

func randomFloat(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		specials := []float64{math.NaN(), math.Float64frombits(0x7FF0000000000001), math.Float64frombits(0xFFF8000000000000),
			math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.SmallestNonzeroFloat64,
			-math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64, 1, -1}
		return specials[r.IntN(len(specials))]
	case 1:
		return float64(r.IntN(7) - 3)
	default:
		return math.Float64frombits(r.Uint64())
	}
}

// randomString draws up to maxLen bytes from a small alphabet holding the
// bytes the key escaping cares about, so that prefixes and ties are common.
func randomString(r *rand.Rand, maxLen int) string {
	alphabet := []byte{0x00, 0x01, 'a', 'b', 0xFE, 0xFF}
	b := make([]byte, r.IntN(maxLen+1))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// sameDatum is exact equality: floats compare by bits, so NaN payloads and
// -0 must survive too.
func sameDatum(a, b types.Datum) bool {
	return a.Typ == b.Typ && a.S == b.S && a.I == b.I && a.Months == b.Months && a.Days == b.Days &&
		math.Float64bits(a.F) == math.Float64bits(b.F)
}

func sameRow(a, b []types.Datum) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameDatum(a[i], b[i]) {
			return false
		}
	}
	return true
}

// openFS opens a store in directory "db" of fs; opening the same fs again
// after Close simulates a restart.
func openFS(t testing.TB, fs vfs.FS) *Store {
	t.Helper()
	s, err := OpenWith("db", Options{FS: fs})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func closeStore(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// sampleRow is the 5-column row of the benchmarks.
func sampleRow() []types.Datum {
	return []types.Datum{
		types.NewInt(42),
		types.NewText("sensor-42"),
		types.NewFloat(21.5),
		types.NewTimestampTZ(1_700_000_000_000_000),
		types.NewBool(true),
	}
}
