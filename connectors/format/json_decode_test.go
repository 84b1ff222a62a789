package format

import (
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

func mustParse(t *testing.T, typ types.Type, s string) types.Datum {
	t.Helper()
	d, err := types.ParseText(typ, s, time.UTC)
	if err != nil {
		t.Fatalf("ParseText(%s, %q): %v", typ, s, err)
	}
	return d
}

func TestJSONDecodeValues(t *testing.T) {
	ts := mustParse(t, types.Timestamp, "2024-01-31 12:34:56.789")
	tests := []struct {
		name string
		typ  types.Type
		in   string // the value of field "v"
		want types.Datum
	}{
		{"int", types.Int8, `42`, types.NewInt(42)},
		{"negative int", types.Int4, `-7`, types.NewIntOf(types.Int4, -7)},
		{"integral float to int", types.Int8, `2.0`, types.NewInt(2)},
		{"exponent to int", types.Int8, `2e3`, types.NewInt(2000)},
		{"max bigint", types.Int8, `9223372036854775807`, types.NewInt(9223372036854775807)},
		{"min bigint", types.Int8, `-9223372036854775808`, types.NewInt(-9223372036854775808)},
		{"bigint over 2^53", types.Int8, `9007199254740993`, types.NewInt(9007199254740993)},
		{"negative zero int", types.Int2, `-0`, types.NewIntOf(types.Int2, 0)},
		{"float", types.Float8, `1.5e2`, types.NewFloat(150)},
		{"float with 17 digits", types.Float8, `0.30000000000000004`, types.NewFloat(0.30000000000000004)},
		{"float with 20 digits", types.Float8, `12345678901234567890.5`, types.NewFloat(12345678901234567890.5)},
		{"float with leading zeros", types.Float8, `-0.000000000000000000000125`, types.NewFloat(-0.000000000000000000000125)},
		{"float from int", types.Float8, `3`, types.NewFloat(3)},
		{"float from string", types.Float8, `"12.25"`, types.NewFloat(12.25)},
		{"numeric", types.Numeric, `12.50`, types.NewFloatOf(types.Numeric, 12.5)},
		{"bool true", types.Bool, `true`, types.NewBool(true)},
		{"bool false", types.Bool, `false`, types.NewBool(false)},
		{"text", types.Text, `"héllo"`, types.NewText("héllo")},
		{"text escapes", types.Text, `"a\"b\\c\n\u00e9\ud83d\ude00"`, types.NewText("a\"b\\c\né😀")},
		{"varchar", types.Varchar, `"x"`, types.NewString(types.Varchar, "x")},
		{"number to text", types.Text, `12.0`, types.NewText("12.0")},
		{"object to text", types.Text, `{"a": [1, 2]}`, types.NewText(`{"a": [1, 2]}`)},
		{"null", types.Int8, `null`, types.Null},
		{"timestamp string", types.Timestamp, `"2024-01-31 12:34:56.789"`, ts},
		{"timestamp ISO", types.Timestamp, `"2024-01-31T12:34:56.789"`, ts},
		{"timestamp millis", types.Timestamp, `1706704496789`, ts},
		{"timestamp fractional millis", types.Timestamp, `1706704496789.5`, types.NewTimestamp(ts.I + 500)},
		{"timestamptz with zone", types.TimestampTZ, `"2024-01-31 13:34:56.789+01"`, types.NewTimestampTZ(ts.I)},
		{"timestamptz millis", types.TimestampTZ, `1706704496789`, types.NewTimestampTZ(ts.I)},
		{"date", types.Date, `"2024-01-31"`, mustParse(t, types.Date, "2024-01-31")},
		{"date from millis", types.Date, `1706704496789`, mustParse(t, types.Date, "2024-01-31")},
		{"date before epoch", types.Date, `-1`, mustParse(t, types.Date, "1969-12-31")},
		{"json object", types.JSON, `{"b":1,  "a":[true]}`, types.NewJSON(`{"b":1,  "a":[true]}`)},
		{"json string", types.JSON, `"s"`, types.NewJSON(`"s"`)},
		{"jsonb", types.JSONB, `{"b":1,"a":2}`, mustParse(t, types.JSONB, `{"b":1,"a":2}`)},
		{"text array", types.TextArray, `["a", "b c", null, 1]`, mustParse(t, types.TextArray, `{a,"b c",NULL,1}`)},
		{"text array string", types.TextArray, `"{x,y}"`, mustParse(t, types.TextArray, `{x,y}`)},
		{"uuid", types.UUID, `"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"`, mustParse(t, types.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
		{"interval", types.Interval, `"5 minutes"`, mustParse(t, types.Interval, "5 minutes")},
		{"bytea", types.Bytea, `"\\x0102"`, types.NewBytes([]byte{1, 2})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := types.Schema{{Name: "v", Type: tt.typ}}
			d, err := NewJSONDecoder(schema, JSONConfig{})
			if err != nil {
				t.Fatal(err)
			}
			row := make([]types.Datum, 1)
			if err := d.Decode([]byte(`{"v": `+tt.in+`}`), row); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if row[0] != tt.want {
				t.Errorf("got %+v, want %+v", row[0], tt.want)
			}
		})
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		typ  types.Type
		rec  string
		code string
		msg  string // substring of the message
	}{
		{"string to int", types.Int8, `{"v": "42"}`, types.CodeInvalidTextRepresent, "column v: cannot read a JSON string as bigint"},
		{"bool to int", types.Int8, `{"v": true}`, types.CodeInvalidTextRepresent, "JSON boolean"},
		{"fraction to int", types.Int8, `{"v": 1.5}`, types.CodeInvalidTextRepresent, "not an integer"},
		{"int out of range", types.Int2, `{"v": 40000}`, types.CodeNumericValueOutOfRange, "out of range for type smallint"},
		{"bigint out of range", types.Int8, `{"v": 9223372036854775808}`, types.CodeNumericValueOutOfRange, "out of range"},
		{"huge float to int", types.Int8, `{"v": 1e30}`, types.CodeNumericValueOutOfRange, "out of range"},
		{"float overflow", types.Float4, `{"v": 1e39}`, types.CodeNumericValueOutOfRange, "out of range for type real"},
		{"number to bool", types.Bool, `{"v": 1}`, types.CodeInvalidTextRepresent, "JSON number as boolean"},
		{"object to int", types.Int8, `{"v": {}}`, types.CodeInvalidTextRepresent, "JSON object"},
		{"bad timestamp", types.Timestamp, `{"v": "yesterday-ish"}`, types.CodeInvalidDatetimeFormat, "column v:"},
		{"NUL escape", types.Text, `{"v": "a\u0000"}`, types.CodeInvalidTextRepresent, `\u0000`},
		{"not an object", types.Int8, `[1]`, types.CodeInvalidTextRepresent, "must be a JSON object"},
		{"empty", types.Int8, `  `, types.CodeInvalidTextRepresent, "empty record"},
		{"truncated", types.Int8, `{"v": 1`, types.CodeInvalidTextRepresent, "unterminated object"},
		{"trailing garbage", types.Int8, `{"v": 1} x`, types.CodeInvalidTextRepresent, "unexpected data after"},
		{"bad literal", types.Int8, `{"v": tru}`, types.CodeInvalidTextRepresent, "invalid literal"},
		{"bad number", types.Int8, `{"v": 01}`, types.CodeInvalidTextRepresent, "expected ','"},
		{"lone minus", types.Int8, `{"v": -}`, types.CodeInvalidTextRepresent, "invalid number"},
		{"no fraction digits", types.Float8, `{"v": 1.}`, types.CodeInvalidTextRepresent, "invalid number"},
		{"no exponent digits", types.Float8, `{"v": 1e+}`, types.CodeInvalidTextRepresent, "invalid number"},
		{"escape in text", types.Text, `{"v": "a\x"}`, types.CodeInvalidTextRepresent, "invalid escape"},
		{"bad skipped value", types.Int8, `{"w": [1,}`, types.CodeInvalidTextRepresent, "unexpected character"},
		{"unterminated string", types.Text, `{"v": "ab`, types.CodeInvalidTextRepresent, "unterminated string"},
		{"unterminated after escape", types.Text, `{"v": "ab\`, types.CodeInvalidTextRepresent, "unterminated string"},
		{"control char", types.Text, "{\"v\": \"a\tb\"}", types.CodeInvalidTextRepresent, "control character"},
		{"invalid utf8", types.Text, "{\"v\": \"\xff\"}", types.CodeInvalidTextRepresent, "UTF-8"},
		{"missing colon", types.Int8, `{"v" 1}`, types.CodeInvalidTextRepresent, "expected ':'"},
		{"deep nesting", types.Int8, `{"w":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, types.CodeInvalidTextRepresent, "too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewJSONDecoder(types.Schema{{Name: "v", Type: tt.typ}}, JSONConfig{})
			if err != nil {
				t.Fatal(err)
			}
			err = d.Decode([]byte(tt.rec), make([]types.Datum, 1))
			e, ok := types.AsError(err)
			if !ok {
				t.Fatalf("Decode(%s) = %v, want a *types.Error", tt.rec, err)
			}
			if e.Code != tt.code || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("Decode(%s) = %s %q, want %s containing %q", tt.rec, e.Code, e.Message, tt.code, tt.msg)
			}
		})
	}
}

func TestJSONDecodeMatching(t *testing.T) {
	schema := types.Schema{
		{Name: "id", Type: types.Int8},
		{Name: "name", Type: types.Text},
		{Name: "city", Type: types.Text},
		{Name: "first_tag", Type: types.Text},
		{Name: "payload", Type: types.JSON},
		{Name: "odd", Type: types.Int8},
		{Name: "whole", Type: types.JSON},
	}
	paths := map[string]string{
		"city":      "$.address.city",
		"first_tag": "$.tags[0]",
		"odd":       `$["a key"].x`,
		"whole":     "$",
	}
	d, err := NewJSONDecoder(schema, JSONConfig{Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		rec  string
		want []types.Datum
	}{
		{
			"paths and extra fields",
			`{"id": 1, "extra": {"deep": [1, {"x": null}]}, "address": {"zip": "1", "city": "Oslo"}, "tags": ["a", "b"], "a key": {"x": 5}}`,
			[]types.Datum{types.NewInt(1), types.Null, types.NewText("Oslo"), types.NewText("a"), types.Null, types.NewInt(5), types.Null},
		},
		{
			"missing fields are NULL",
			`{}`,
			[]types.Datum{types.Null, types.Null, types.Null, types.Null, types.Null, types.Null, types.Null},
		},
		{
			"case-insensitive fallback",
			`{"ID": 7, "Name": "ann"}`,
			[]types.Datum{types.NewInt(7), types.NewText("ann"), types.Null, types.Null, types.Null, types.Null, types.Null},
		},
		{
			"exact match wins over fallback in either order",
			`{"NAME": "upper", "name": "exact", "Name": "mixed", "ID": 1, "id": 2}`,
			[]types.Datum{types.NewInt(2), types.NewText("exact"), types.Null, types.Null, types.Null, types.Null, types.Null},
		},
		{
			"escaped key",
			`{"n\u0061me": "esc", "payload": {"k": [1, "two"]}}`,
			[]types.Datum{types.Null, types.NewText("esc"), types.Null, types.Null, types.NewJSON(`{"k": [1, "two"]}`), types.Null, types.Null},
		},
		{
			"path through a non-object is NULL",
			`{"address": "nowhere", "tags": {"0": "x"}}`,
			[]types.Datum{types.Null, types.Null, types.Null, types.Null, types.Null, types.Null, types.Null},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := make([]types.Datum, len(schema))
			if err := d.Decode([]byte(tt.rec), row); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := tt.want
			want[6] = types.NewJSON(tt.rec)
			for i := range want {
				if row[i] != want[i] {
					t.Errorf("column %s = %+v, want %+v", schema[i].Name, row[i], want[i])
				}
			}
		})
	}
}

func TestJSONDecoderConfigErrors(t *testing.T) {
	schema := types.Schema{{Name: "a", Type: types.Int8}}
	for _, paths := range []map[string]string{
		{"a": "a.b"},
		{"a": "$.a["},
		{"a": "$..a"},
		{"a": "$[-1]"},
		{"b": "$.b"},
	} {
		if _, err := NewJSONDecoder(schema, JSONConfig{Paths: paths}); err == nil {
			t.Errorf("NewJSONDecoder(paths %v) succeeded, want an error", paths)
		}
	}
}

func TestJSONDecodeAllocations(t *testing.T) {
	schema := types.Schema{{Name: "id", Type: types.Int8}, {Name: "score", Type: types.Float8}, {Name: "ok", Type: types.Bool}}
	d, err := NewJSONDecoder(schema, JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rec := []byte(`{"id": 12345, "score": 0.75, "ok": true, "ignored": {"a": [1, 2, "x"]}}`)
	row := make([]types.Datum, len(schema))
	allocs := testing.AllocsPerRun(100, func() {
		if err := d.Decode(rec, row); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Decode of a record without strings allocates %v times, want 0", allocs)
	}
}
