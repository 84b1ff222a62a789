package storage

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestRowRoundTripEveryType(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, typ := range allTypes() {
		for range 500 {
			row := []types.Datum{randomDatum(r, typ)}
			got, err := DecodeRow(AppendRow(nil, row), nil)
			if err != nil {
				t.Fatalf("%v %+v: %v", typ, row[0], err)
			}
			if !sameRow(got, row) {
				t.Fatalf("%v: round trip of %+v gave %+v", typ, row, got)
			}
		}
	}
}

func TestRowRoundTripMixedRows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ts := allTypes()
	var buf []byte
	var decoded []types.Datum
	for range 2000 {
		row := make([]types.Datum, r.IntN(12))
		for i := range row {
			row[i] = randomDatum(r, ts[r.IntN(len(ts))])
		}
		buf = AppendRow(buf[:0], row)
		var err error
		// Decoding into the previous row's buffer exercises string reuse.
		decoded, err = DecodeRow(buf, decoded)
		if err != nil {
			t.Fatalf("decode %+v: %v", row, err)
		}
		if !sameRow(decoded, row) {
			t.Fatalf("round trip of %+v gave %+v", row, decoded)
		}
	}
}

func TestDecodeRowDoesNotAliasInput(t *testing.T) {
	data := AppendRow(nil, []types.Datum{types.NewText("hello")})
	row, err := DecodeRow(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 'x'
	}
	if row[0].S != "hello" {
		t.Fatalf("decoded string changed with its input: %q", row[0].S)
	}
}

func TestDecodeRowCorrupt(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"unknown type tag", []byte{byte(lastType) + 1}},
		{"tag 0xFF", []byte{0xFF, 0x01}},
		{"int without value", []byte{byte(types.Int8)}},
		{"int varint cut", []byte{byte(types.Int8), 0x80}},
		{"int varint overflow", []byte{byte(types.Int8), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
		{"float cut", []byte{byte(types.Float8), 1, 2, 3}},
		{"string length beyond data", []byte{byte(types.Text), 5, 'a', 'b'}},
		{"string length huge", []byte{byte(types.Text), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
		{"interval cut", []byte{byte(types.Interval), 2, 2}},
		{"interval months beyond int32", append([]byte{byte(types.Interval)}, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0)},
		{"good column then garbage", append(AppendRow(nil, []types.Datum{types.NewInt(1)}), 0xEE)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRow(tc.data, nil)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestDecodeRowTruncated cuts valid encodings at every byte: the result is
// an error or a row of fewer columns, never a panic or a wrong value.
func TestDecodeRowTruncated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ts := allTypes()
	for range 200 {
		row := make([]types.Datum, 1+r.IntN(6))
		for i := range row {
			row[i] = randomDatum(r, ts[r.IntN(len(ts))])
		}
		data := AppendRow(nil, row)
		for cut := range len(data) {
			got, err := DecodeRow(data[:cut], nil)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error does not wrap ErrCorrupt: %v", err)
				}
				continue
			}
			if len(got) >= len(row) || !sameRow(got, row[:len(got)]) {
				t.Fatalf("prefix %d of %+v decoded to %+v", cut, row, got)
			}
		}
	}
}

func FuzzDecodeRow(f *testing.F) {
	f.Add(AppendRow(nil, sampleRow()))
	f.Add(AppendRow(nil, []types.Datum{types.NewInterval(1, 2, 3), types.Null, types.NewBytes([]byte{0, 1})}))
	f.Add([]byte{byte(types.Text), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		row, err := DecodeRow(data, nil)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to a row that decodes the same.
		again, err := DecodeRow(AppendRow(nil, row), nil)
		if err != nil || !sameRow(again, row) {
			t.Fatalf("re-encoding %+v gave %+v, %v", row, again, err)
		}
	})
}
