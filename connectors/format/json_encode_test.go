package format

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestJSONEncodeValues(t *testing.T) {
	ts := mustParse(t, types.Timestamp, "2024-01-31 12:34:56.789")
	tests := []struct {
		name string
		v    types.Datum
		want string
	}{
		{"null", types.Null, `null`},
		{"int", types.NewInt(-42), `-42`},
		{"float", types.NewFloat(1.5), `1.5`},
		{"big float", types.NewFloat(1e20), `1e+20`},
		{"NaN", types.NewFloat(math.NaN()), `"NaN"`},
		{"infinity", types.NewFloat(math.Inf(-1)), `"-Infinity"`},
		{"numeric", types.NewFloatOf(types.Numeric, 12.5), `12.5`},
		{"bool", types.NewBool(true), `true`},
		{"text", types.NewText("a\"b\\c\n\t\x01é"), `"a\"b\\c\n\t\u0001é"`},
		{"invalid utf8", types.NewText("a\xffb"), "\"a\ufffdb\""},
		{"uuid", mustParse(t, types.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`},
		{"timestamp", ts, `"2024-01-31T12:34:56.789"`},
		{"timestamp whole second", types.NewTimestamp(0), `"1970-01-01T00:00:00"`},
		{"timestamptz", types.NewTimestampTZ(ts.I), `"2024-01-31T12:34:56.789+00:00"`},
		{"timestamp infinity", types.NewTimestamp(math.MaxInt64), `"infinity"`},
		{"date", mustParse(t, types.Date, "2024-01-31"), `"2024-01-31"`},
		{"interval", mustParse(t, types.Interval, "90 minutes"), `"01:30:00"`},
		{"bytea", types.NewBytes([]byte{1, 0xab}), `"\\x01ab"`},
		{"json", types.NewJSON(`{"a": [1]}`), `{"a": [1]}`},
		{"text array", mustParse(t, types.TextArray, `{a,"b c",NULL,"x\"y"}`), `["a","b c",null,"x\"y"]`},
		{"empty text array", mustParse(t, types.TextArray, `{}`), `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewJSONEncoder(types.Schema{{Name: "v", Type: tt.v.Typ}})
			got := string(e.Encode(nil, []types.Datum{tt.v}))
			if want := `{"v":` + tt.want + `}`; got != want {
				t.Errorf("Encode = %s, want %s", got, want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("Encode = %s is not valid JSON", got)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	schema := types.Schema{
		{Name: "id", Type: types.Int8},
		{Name: "Name \"q\"", Type: types.Text},
		{Name: "score", Type: types.Float8},
		{Name: "ok", Type: types.Bool},
		{Name: "ts", Type: types.Timestamp},
		{Name: "tz", Type: types.TimestampTZ},
		{Name: "day", Type: types.Date},
		{Name: "doc", Type: types.JSONB},
		{Name: "tags", Type: types.TextArray},
		{Name: "gap", Type: types.Interval},
		{Name: "blob", Type: types.Bytea},
		{Name: "missing", Type: types.Int4},
	}
	row := []types.Datum{
		types.NewInt(7),
		types.NewText("line\nbreak \"quoted\" ✓"),
		types.NewFloat(-0.125),
		types.NewBool(false),
		mustParse(t, types.Timestamp, "2024-02-29 23:59:59.000001"),
		mustParse(t, types.TimestampTZ, "2024-02-29 23:59:59.5+02"),
		mustParse(t, types.Date, "1999-12-31"),
		mustParse(t, types.JSONB, `{"a": [1, "x"], "b": null}`),
		mustParse(t, types.TextArray, `{one,"two three",NULL}`),
		mustParse(t, types.Interval, "1 day 02:00:00"),
		types.NewBytes([]byte("\x00\x01bin")),
		types.Null,
	}
	enc := NewJSONEncoder(schema)
	rec := enc.Encode(nil, row)
	dec, err := NewJSONDecoder(schema, JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	back := make([]types.Datum, len(schema))
	if err := dec.Decode(rec, back); err != nil {
		t.Fatalf("decoding %s: %v", rec, err)
	}
	for i := range row {
		if back[i] != row[i] {
			t.Errorf("column %s: %+v came back as %+v (record %s)", schema[i].Name, row[i], back[i], rec)
		}
	}
}

func TestJSONEncodeAllocations(t *testing.T) {
	schema := types.Schema{{Name: "id", Type: types.Int8}, {Name: "name", Type: types.Text}, {Name: "ts", Type: types.TimestampTZ}}
	e := NewJSONEncoder(schema)
	row := []types.Datum{types.NewInt(1), types.NewText("ann"), types.NewTimestampTZ(1706704496789000)}
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() { buf = e.Encode(buf[:0], row) })
	if allocs != 0 {
		t.Errorf("Encode allocates %v times per row, want 0", allocs)
	}
}
