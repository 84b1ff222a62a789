package functions

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// aggInstance is a registered aggregate with concrete argument types.
type aggInstance struct {
	agg  *Aggregate
	args []types.Type
}

func (a aggInstance) String() string { return fmt.Sprintf("%s%v", a.agg.Name, a.args) }

// registeredAggregates returns every registered aggregate signature, by
// name in registration order, with an any-type parameter instantiated
// once per value type.
func registeredAggregates() []aggInstance {
	var out []aggInstance
	names := make([]string, 0, len(aggregates))
	for name := range aggregates {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, a := range aggregates[name] {
			if !slices.Contains(a.Args, anyType) {
				out = append(out, aggInstance{a, a.Args})
				continue
			}
			for _, t := range valueTypes {
				args := slices.Clone(a.Args)
				for i := range args {
					if args[i] == anyType {
						args[i] = t
					}
				}
				out = append(out, aggInstance{a, args})
			}
		}
	}
	return out
}

var stateWords = []string{"", "a", "bb", "ccc", "apple", "pear", "zz", "ünïcode"}

// randomValue returns a random non-NULL value of type t.
func randomValue(r *rand.Rand, t types.Type) types.Datum {
	switch t {
	case types.Bool:
		return types.NewBool(r.IntN(2) == 0)
	case types.Int2:
		return types.NewIntOf(t, r.Int64N(65535)-32767)
	case types.Int4:
		return types.NewIntOf(t, r.Int64N(1<<32-1)-(1<<31-1))
	case types.Int8:
		// Full-range values push sum(bigint) past int64 into its float sum.
		if r.IntN(2) == 0 {
			return types.NewInt(int64(r.Uint64()))
		}
		return types.NewInt(r.Int64N(2000) - 1000)
	case types.Float4:
		return types.NewFloatOf(t, float64(float32(r.NormFloat64()*1000)))
	case types.Float8, types.Numeric:
		return types.NewFloatOf(t, r.NormFloat64()*1e6)
	case types.Text, types.Varchar:
		return types.NewString(t, stateWords[r.IntN(len(stateWords))]+fmt.Sprint(r.IntN(1000)))
	case types.Bytea:
		b := make([]byte, r.IntN(6))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return types.NewBytes(b)
	case types.Date:
		return types.NewDate(r.Int64N(100_000) - 50_000)
	case types.Timestamp, types.TimestampTZ:
		return types.NewIntOf(t, r.Int64N(1<<45))
	case types.Interval:
		return types.NewInterval(int32(r.IntN(25)), int32(r.IntN(61)-30), r.Int64N(1<<40)-1<<39)
	case types.JSON, types.JSONB:
		return types.NewString(t, fmt.Sprintf(`{"a": %d}`, r.IntN(1000)))
	case types.UUID:
		return types.NewString(t, fmt.Sprintf("%08x-0000-4000-8000-%012x", r.Uint32(), r.Int64N(1<<48)))
	case types.TextArray:
		return types.NewString(t, fmt.Sprintf("{%s,%d}", stateWords[1+r.IntN(len(stateWords)-2)], r.IntN(100)))
	}
	panic(fmt.Sprintf("randomValue: no generator for %v", t))
}

// randomRow returns random arguments for a, NULL one time in five; the
// percentile of approx_percentile stays between 0 and 1.
func randomRow(r *rand.Rand, a aggInstance) []types.Datum {
	row := make([]types.Datum, len(a.args))
	for i, t := range a.args {
		v := randomValue(r, t)
		if a.agg.Name == "approx_percentile" && i == 1 {
			v = types.NewFloat([]float64{0, 0.1, 0.5, 0.99, 1}[r.IntN(5)])
		}
		row[i] = orNull(r, v)
	}
	return row
}

func randomRows(r *rand.Rand, a aggInstance, n int) [][]types.Datum {
	rows := make([][]types.Datum, n)
	for i := range rows {
		rows[i] = randomRow(r, a)
	}
	return rows
}

func addAll(t testing.TB, s AggState, rows [][]types.Datum) {
	t.Helper()
	for _, row := range rows {
		if err := s.Add(row); err != nil {
			t.Fatalf("Add(%v): %v", row, err)
		}
	}
}

func codecOf(t testing.TB, s AggState) AggStateCodec {
	t.Helper()
	c, ok := s.(AggStateCodec)
	if !ok {
		t.Fatalf("%T does not implement AggStateCodec", s)
	}
	return c
}

func encodeState(t testing.TB, s AggState) []byte {
	t.Helper()
	enc, err := codecOf(t, s).AppendState(nil)
	if err != nil {
		t.Fatalf("AppendState: %v", err)
	}
	return enc
}

// sameResult compares Results bit for bit, so that NaN equals NaN and
// -0 differs from 0.
func sameResult(a, b types.Datum) bool {
	return a.Typ == b.Typ && a.I == b.I && math.Float64bits(a.F) == math.Float64bits(b.F) &&
		a.S == b.S && a.Months == b.Months && a.Days == b.Days
}

// stateRowCounts cover empty states, exact small states, a dense HLL and a
// compacted percentile sketch.
var stateRowCounts = []int{0, 1, 7, 300, 3000}

// TestAggStateRoundTrip: for every registered aggregate, a state loaded
// from another's encoding gives its Result and, after the same further
// rows, the same Result and encoding.
func TestAggStateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, a := range registeredAggregates() {
		t.Run(a.String(), func(t *testing.T) {
			for _, n := range stateRowCounts {
				orig := a.agg.New()
				addAll(t, orig, randomRows(r, a, n))
				before := orig.Result()
				enc := encodeState(t, orig)
				if again := encodeState(t, orig); !bytes.Equal(again, enc) {
					t.Fatalf("%d rows: encoding twice differs:\n%x\n%x", n, enc, again)
				}
				if got := orig.Result(); !sameResult(got, before) {
					t.Fatalf("%d rows: encoding changed the result to %s, was %s", n, show(got), show(before))
				}
				prefixed, err := codecOf(t, orig).AppendState([]byte("xyz"))
				if err != nil || string(prefixed[:3]) != "xyz" || !bytes.Equal(prefixed[3:], enc) {
					t.Fatalf("%d rows: AppendState onto a buffer gave %x, %v", n, prefixed, err)
				}

				restored := a.agg.New()
				if err := codecOf(t, restored).LoadState(enc); err != nil {
					t.Fatalf("%d rows: LoadState: %v", n, err)
				}
				for i := range enc {
					enc[i] = 0xff // the restored state must not alias its input
				}
				if got := restored.Result(); !sameResult(got, before) {
					t.Fatalf("%d rows: restored %s, want %s", n, show(got), show(before))
				}

				// Merging shows state Result does not: string_agg's first delimiter.
				head := randomRows(r, a, 3)
				mergedOrig, mergedRestored := a.agg.New(), a.agg.New()
				addAll(t, mergedOrig, head)
				addAll(t, mergedRestored, head)
				if err := mergedOrig.Merge(orig.Clone()); err != nil {
					t.Fatalf("%d rows: Merge: %v", n, err)
				}
				if err := mergedRestored.Merge(restored.Clone()); err != nil {
					t.Fatalf("%d rows: Merge of the restored state: %v", n, err)
				}
				if got, want := mergedRestored.Result(), mergedOrig.Result(); !sameResult(got, want) {
					t.Fatalf("%d rows, merged after 3 rows: restored %s, original %s", n, show(got), show(want))
				}

				more := randomRows(r, a, 50)
				addAll(t, orig, more)
				addAll(t, restored, more)
				if got, want := restored.Result(), orig.Result(); !sameResult(got, want) {
					t.Fatalf("%d rows, then 50 more: restored %s, original %s", n, show(got), show(want))
				}
				if got, want := encodeState(t, restored), encodeState(t, orig); !bytes.Equal(got, want) {
					t.Fatalf("%d rows, then 50 more: restored state encodes as\n%x\noriginal as\n%x", n, got, want)
				}
			}
		})
	}
}

// TestAggStateLoadTruncated: every proper prefix of an encoding, and the
// encoding with a byte appended, fail with data_corrupted and leave the
// state as it was.
func TestAggStateLoadTruncated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, a := range registeredAggregates() {
		t.Run(a.String(), func(t *testing.T) {
			for _, n := range []int{0, 3, 300, 1500} {
				orig := a.agg.New()
				addAll(t, orig, randomRows(r, a, n))
				enc := encodeState(t, orig)
				codec := codecOf(t, orig)
				var now []byte // the state's encoding after each failed load
				for cut := range len(enc) + 1 {
					data := enc[:cut:cut]
					if cut == len(enc) {
						data = append(slices.Clone(enc), 0)
					}
					err := codec.LoadState(data)
					if err == nil || types.CodeOf(err) != types.CodeDataCorrupted {
						t.Fatalf("%d rows: LoadState of %d of %d bytes: error %v, want SQLSTATE %s", n, len(data), len(enc), err, types.CodeDataCorrupted)
					}
					if now, _ = codec.AppendState(now[:0]); !bytes.Equal(now, enc) {
						t.Fatalf("%d rows: a failed LoadState of %d bytes changed the state", n, len(data))
					}
				}
			}
		})
	}
}

// corruptState builds an encoding from parts: bytes, or uint64 written as
// 8 bytes little-endian.
func corruptState(parts ...any) []byte {
	var buf []byte
	for _, p := range parts {
		switch v := p.(type) {
		case byte:
			buf = append(buf, v)
		case int:
			buf = append(buf, byte(v))
		case rune:
			buf = append(buf, byte(v))
		case []byte:
			buf = append(buf, v...)
		case uint64:
			buf = binary.LittleEndian.AppendUint64(buf, v)
		default:
			panic(fmt.Sprintf("corruptState: %T", p))
		}
	}
	return buf
}

func uvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func TestAggStateLoadRejectsCorrupt(t *testing.T) {
	sparse := func(hashes ...uint64) []byte {
		buf := append([]byte{stateHLLV1, 0}, uvarint(uint64(len(hashes)))...)
		for _, h := range hashes {
			buf = binary.LittleEndian.AppendUint64(buf, h)
		}
		return buf
	}
	tooManyHashes := make([]uint64, hllSparseLimit+1)
	for i := range tooManyHashes {
		tooManyHashes[i] = uint64(i)
	}
	denseRegisters := make([]byte, hllPackedSize)
	denseRegisters[0] = hllMaxRank + 1
	fullLevel := corruptState(statePercentileV1, 1, math.Float64bits(0.5), 1, 0, uvarint(percentileLevelSize))
	fullLevel = append(fullLevel, make([]byte, 8*percentileLevelSize)...)
	cases := []struct {
		name string
		agg  string
		args []types.Type
		data []byte
		msg  string
	}{
		{"empty", "count", nil, nil, "truncated"},
		{"another state's encoding", "count", nil, corruptState(stateBoolV1, 1), "unknown format"},
		{"unknown version", "count", nil, corruptState(200, 1), "unknown format"},
		{"count past int64", "count", nil, corruptState(stateCountV1, uvarint(1<<63)), "count out of range"},
		{"overlong varint", "count", nil, corruptState(stateCountV1, bytes.Repeat([]byte{0x80}, 11)), "overlong"},
		{"bigint sum past its range", "sum", sig(types.Int4), corruptState(stateIntSumV1, 1, 1, uint64(0)), "bigint sum past its range"},
		{"sum without rows", "sum", sig(types.Int8), corruptState(stateIntSumV1, 0, 0, 2), "sum without rows"},
		{"bad overflow flag", "sum", sig(types.Int8), corruptState(stateIntSumV1, 1, 2, 2), "invalid flag"},
		{"boolean value", "bool_and", sig(types.Bool), corruptState(stateBoolV1, 3), "invalid value"},
		{"string_agg flag", "string_agg", sig(types.Text, types.Text), corruptState(stateStringAggV1, 2), "invalid flag"},
		{"string_agg length", "string_agg", sig(types.Text, types.Text), corruptState(stateStringAggV1, 1, 1, ',', 9, 'a'), "count out of range"},
		{"min without a value", "min", sig(types.Text), corruptState(stateExtremeV1), "0 values"},
		{"min of an unknown type", "min", sig(types.Text), corruptState(stateExtremeV1, 250), "unknown type"},
		{"min of two values", "min", sig(types.Int4), corruptState(stateExtremeV1, int(types.Int4), 2, int(types.Int4), 4), "2 values"},
		{"first_value as min", "first_value", sig(types.Int4), corruptState(stateExtremeV1, int(types.Int4), 2), "unknown format"},
		{"unsorted hashes", "approx_count_distinct", sig(types.Int4), sparse(5, 3), "not sorted"},
		{"repeated hash", "approx_count_distinct", sig(types.Int4), sparse(5, 5), "not sorted"},
		{"too many hashes", "approx_count_distinct", sig(types.Int4), sparse(tooManyHashes...), "count out of range"},
		{"hashes cut short", "approx_count_distinct", sig(types.Int4), corruptState(stateHLLV1, 0, 200, 1, 2), "truncated"},
		{"register past the maximum rank", "approx_count_distinct", sig(types.Int4), corruptState(stateHLLV1, 1, denseRegisters), "register out of range"},
		{"percentile above 1", "approx_percentile", sig(types.Float8, types.Float8), corruptState(statePercentileV1, 1, math.Float64bits(1.5), 0), "percentile out of range"},
		{"NaN percentile", "approx_percentile", sig(types.Float8, types.Float8), corruptState(statePercentileV1, 1, math.Float64bits(math.NaN()), 0), "percentile out of range"},
		{"values without a percentile", "approx_percentile", sig(types.Float8, types.Float8), corruptState(statePercentileV1, 0, 1, 0, 1, math.Float64bits(2)), "without a percentile"},
		{"full level", "approx_percentile", sig(types.Float8, types.Float8), fullLevel, "count out of range"},
		{"too many levels", "approx_percentile", sig(types.Float8, types.Float8), corruptState(statePercentileV1, 1, math.Float64bits(0.5), percentileMaxLevels+1), "count out of range"},
		{"level cut short", "approx_percentile", sig(types.Float8, types.Float8), corruptState(statePercentileV1, 1, math.Float64bits(0.5), 1, 0, 100, uint64(0)), "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ResolveAggregate(c.agg, c.args)
			if err != nil {
				t.Fatal(err)
			}
			err = codecOf(t, a.New()).LoadState(c.data)
			if err == nil || types.CodeOf(err) != types.CodeDataCorrupted || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("LoadState(%x): error %v, want SQLSTATE %s mentioning %q", c.data, err, types.CodeDataCorrupted, c.msg)
			}
		})
	}
}

// TestAggStateEncodingSize pins the size of a few encodings, so that a
// change making them larger is a deliberate one.
func TestAggStateEncodingSize(t *testing.T) {
	ints := func(n int) [][]types.Datum {
		rows := make([][]types.Datum, n)
		for i := range rows {
			rows[i] = []types.Datum{types.NewIntOf(types.Int4, int64(i))}
		}
		return rows
	}
	cases := []struct {
		agg  string
		args []types.Type
		rows [][]types.Datum
		size int
	}{
		{"count", nil, ints(100), 2},
		{"sum", sig(types.Int4), ints(100), 5},
		{"avg", sig(types.Int4), nil, 4},
		{"bool_or", sig(types.Bool), [][]types.Datum{{types.NewBool(true)}}, 2},
		{"min", sig(types.Int4), ints(100), 3},
		{"string_agg", sig(types.Text, types.Text), [][]types.Datum{{types.NewText("ab"), types.NewText(",")}, {types.NewText("c"), types.NewText(";")}}, 1 + 1 + 2 + 5},
		{"approx_count_distinct", sig(types.Int4), ints(3), 1 + 1 + 1 + 3*8},
		{"approx_count_distinct", sig(types.Int4), ints(1000), 1 + 1 + hllPackedSize},
		{"approx_percentile", sig(types.Float8, types.Float8), nil, 3},
	}
	for _, c := range cases {
		a, err := ResolveAggregate(c.agg, c.args)
		if err != nil {
			t.Fatal(err)
		}
		s := a.New()
		addAll(t, s, c.rows)
		if got := len(encodeState(t, s)); got != c.size {
			t.Errorf("%s%v over %d rows: %d bytes, want %d", c.agg, c.args, len(c.rows), got, c.size)
		}
	}
}

// fuzzAggregates are the states FuzzAggStateLoad loads, with a row to add
// to each afterwards.
func fuzzAggregates(t testing.TB) []aggInstance {
	sigs := []aggInstance{
		{nil, nil},
		{nil, sig(types.Int8)},
		{nil, sig(types.Float8)},
		{nil, sig(types.Interval)},
		{nil, sig(types.Bool)},
		{nil, sig(types.Text, types.Text)},
		{nil, sig(types.Text)},
		{nil, sig(types.Int4)},
		{nil, sig(types.Int4)},
		{nil, sig(types.Float8, types.Float8)},
	}
	names := []string{"count", "sum", "avg", "avg", "bool_and", "string_agg", "max", "last_value", "approx_count_distinct", "approx_percentile"}
	for i := range sigs {
		a, err := ResolveAggregate(names[i], sigs[i].args)
		if err != nil {
			t.Fatal(err)
		}
		sigs[i].agg = a
	}
	return sigs
}

// FuzzAggStateLoad: LoadState never panics; what it accepts encodes to a
// canonical form that loads back to the same encoding, and the loaded
// state takes further rows.
func FuzzAggStateLoad(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	aggs := fuzzAggregates(f)
	for _, a := range aggs {
		for _, n := range []int{0, 2, 40, 400} {
			s := a.agg.New()
			addAll(f, s, randomRows(r, a, n))
			f.Add(encodeState(f, s))
		}
	}
	rows := make([][]types.Datum, len(aggs))
	for i, a := range aggs {
		rows[i] = randomRow(r, a)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for i, a := range aggs {
			s := a.agg.New()
			if err := codecOf(t, s).LoadState(data); err != nil {
				if types.CodeOf(err) != types.CodeDataCorrupted {
					t.Fatalf("%s: LoadState error %v, want SQLSTATE %s", a, err, types.CodeDataCorrupted)
				}
				continue
			}
			s.Result()
			enc := encodeState(t, s)
			reloaded := a.agg.New()
			if err := codecOf(t, reloaded).LoadState(enc); err != nil {
				t.Fatalf("%s: loading the re-encoded state %x: %v", a, enc, err)
			}
			if again := encodeState(t, reloaded); !bytes.Equal(again, enc) {
				t.Fatalf("%s: re-encoding is not stable:\n%x\n%x", a, enc, again)
			}
			if err := s.Add(rows[i]); err == nil {
				s.Result()
			}
		}
	})
}
