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
	d, err := NewJSONDecoder(schema, JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{`{"a":1,"b":"x","c":3}`, "1,x,3"},
		{`{"c":3,"b":"x","a":1}`, "1,x,3"},
		{`{"b":"y","zz":0,"a":2}`, "2,y,NULL"},
		{`{"a":1,"b":"x","c":3}`, "1,x,3"},
		{`{"C":4,"a":5}`, "5,NULL,4"},
		{`{"c":6,"c":7}`, "NULL,NULL,7"},
		{`{"zz":1}`, "NULL,NULL,NULL"},
		{`{"b":"z","c":8,"a":9}`, "9,z,8"},
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
