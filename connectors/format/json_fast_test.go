package format

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

// TestFastFloat64 checks the fast path against strconv.ParseFloat: where it
// answers, it must give the same bits; where it must not answer, it does not.
func TestFastFloat64(t *testing.T) {
	tests := []struct {
		in   string
		fast bool
	}{
		{"0", true}, {"-0", true}, {"12.25", true}, {"-12.25", true}, {"0.1", true}, {"0.3", true},
		{"9007199254740992", true},           // 2^53
		{"9007199254740993", false},          // 2^53 + 1: not exact
		{"900719925474099.3", false},         // digits over 2^53
		{"0.0000000000000000000001", true},   // 22 fraction digits
		{"0.00000000000000000000001", false}, // 23
		{"1e5", false}, {"1.5E-3", false}, {"123456.789", true},
		{"900719925474099.2", true},    // 2^53 as digits
		{"0.30000000000000004", false}, // digits over 2^53
	}
	for _, tt := range tests {
		got, ok := fastFloat64([]byte(tt.in))
		if ok != tt.fast {
			t.Errorf("fastFloat64(%s) answered %v, want %v", tt.in, ok, tt.fast)
		}
		want, err := strconv.ParseFloat(tt.in, 64)
		if err != nil {
			t.Fatal(err)
		}
		if ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("fastFloat64(%s) = %v, want %v", tt.in, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 100_000 {
		s := strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(12)-4)), 'f', rng.IntN(10), 64)
		got, ok := fastFloat64([]byte(s))
		want, _ := strconv.ParseFloat(s, 64)
		if ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("fastFloat64(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestJSONDecodeFieldOrders decodes records whose fields come in changing
// orders, with unknown and case-folded fields, through one decoder, so the
// ordered member search must find each field wherever it starts.
func TestJSONDecodeFieldOrders(t *testing.T) {
	schema := types.Schema{{Name: "a", Type: types.Int8}, {Name: "b", Type: types.Text}, {Name: "c", Type: types.Int8}}
	tests := []decodeCase{
		{`{"a":1,"b":"x","c":3}`, "1,x,3"},
		{`{"c":3,"b":"x","a":1}`, "1,x,3"},
		{`{"b":"y","zz":0,"a":2}`, "2,y,NULL"},
		{`{"a":1,"b":"x","c":3}`, "1,x,3"},
		{`{"C":4,"a":5}`, "5,NULL,4"},
		{`{"c":6,"c":7}`, "NULL,NULL,7"},
		{`{"zz":1}`, "NULL,NULL,NULL"},
		{`{"b":"z","c":8,"a":9}`, "9,z,8"},
	}
	decodeInOrder(t, schema, tests)
}

// TestJSONDecodeKeyForms decodes keys the expected-member shortcut must
// not mistake: a member name that is a prefix of another key, keys written
// with escapes, a column name that needs escaping in JSON, and a
// case-folded key, in changing orders after a steady run.
func TestJSONDecodeKeyForms(t *testing.T) {
	schema := types.Schema{{Name: "a", Type: types.Int8}, {Name: "ab", Type: types.Int8}, {Name: `q"t`, Type: types.Int8}}
	steady := `{"q\"t":3,"ab":2,"a":1}`
	tests := []decodeCase{
		{steady, "1,2,3"}, {steady, "1,2,3"}, {steady, "1,2,3"},
		{`{"a":1,"ab":2}`, "1,2,NULL"},
		{`{"ab":2,"a":1,"abc":9}`, "1,2,NULL"},
		{`{"\u0061":5,"a\u0062":6}`, "5,6,NULL"},
		{`{"q\u0022t":7,"a":8}`, "8,NULL,7"},
		{`{"A":9,"AB":10}`, "9,10,NULL"},
		{`{"a" :1, "ab":2 ,"q\"t" : 3 }`, "1,2,3"},
		{steady, "1,2,3"},
	}
	decodeInOrder(t, schema, tests)
}

// decodeCase is a record and its row as rowText writes it.
type decodeCase struct{ in, want string }

// decodeInOrder decodes every case, in order, through one decoder of
// schema: what a decoder learns from one record must not change the next.
func decodeInOrder(t *testing.T, schema types.Schema, tests []decodeCase) {
	t.Helper()
	d, err := NewJSONDecoder(schema, JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	row := make([]types.Datum, len(schema))
	for _, tt := range tests {
		if err := d.Decode([]byte(tt.in), row); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got := rowText(row); got != tt.want {
			t.Errorf("%s decoded as %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestShortHashSpreads checks that similar short strings (the user names
// and ids sources repeat) land in different cache slots about as often as
// a random hash would put them: 1,000 values in 4,096 slots leave ~890
// slots in use.
func TestShortHashSpreads(t *testing.T) {
	for _, format := range []string{"user%d", "%d", "device-%08d", "a-rather-long-prefix/%d/suffix"} {
		used := map[uint64]bool{}
		for i := range 1000 {
			used[shortHash(fmt.Appendf(nil, format, i))] = true
		}
		if len(used) < 850 {
			t.Errorf("%q: 1000 values use %d slots, want >= 850", format, len(used))
		}
	}
}

func rowText(row []types.Datum) string {
	var out []byte
	for i, d := range row {
		if i > 0 {
			out = append(out, ',')
		}
		if d.IsNull() {
			out = append(out, "NULL"...)
			continue
		}
		out = types.AppendText(out, d, time.UTC)
	}
	return string(out)
}

// TestJSONDecodeSharedStrings decodes many distinct and repeated strings
// (more than the cache holds, so slots are replaced) and checks every
// value, and that repeated short values no longer allocate.
func TestJSONDecodeSharedStrings(t *testing.T) {
	schema := types.Schema{{Name: "s", Type: types.Text}}
	d, err := NewJSONDecoder(schema, JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	row := make([]types.Datum, 1)
	long := "a value longer than the cache keeps: " + fmt.Sprint(make([]int, 8))
	for i := range 5 * stringCacheSlots {
		want := fmt.Sprintf("user%d", i%(3*stringCacheSlots))
		switch i % 7 {
		case 3:
			want += `"q"`
		case 5:
			want = long + want
		case 6:
			want = ""
		}
		if err := d.Decode(append(appendJSONString([]byte(`{"s":`), want), '}'), row); err != nil {
			t.Fatal(err)
		}
		if row[0].S != want {
			t.Fatalf("record %d: decoded %q, want %q", i, row[0].S, want)
		}
	}
	rec := []byte(`{"s":"fail"}`)
	allocs := testing.AllocsPerRun(100, func() {
		if err := d.Decode(rec, row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 || row[0].S != "fail" {
		t.Errorf("decoding a repeated short string: %q, %v allocations, want 0", row[0].S, allocs)
	}
}

// TestJSONEncodeFloatFastPath checks that float8 values in the fixed-point
// range encode exactly as their Postgres text form, around both bounds.
func TestJSONEncodeFloatFastPath(t *testing.T) {
	e := NewJSONEncoder(types.Schema{{Name: "f", Type: types.Float8}})
	values := []float64{1e-4, math.Nextafter(1e-4, 0), math.Nextafter(1e-4, 1), 1e15, math.Nextafter(1e15, 0),
		999999999999999.9, 0.1, 12.25, -12.25, 123456789.123, 5e-5, 1, -1e-4, 0, math.Copysign(0, -1)}
	rng := rand.New(rand.NewPCG(3, 5))
	for range 10_000 {
		values = append(values, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(24)-6)))
	}
	for _, f := range values {
		d := types.NewFloat(f)
		want := `{"f":` + string(types.AppendText(nil, d, time.UTC)) + `}`
		if got := string(e.Encode(nil, []types.Datum{d})); got != want {
			t.Fatalf("Encode(%v) = %s, want %s", f, got, want)
		}
	}
}
