package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

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

func str(s string) pgtype.Text { return pgtype.Text{String: s, Valid: true} }

// TestBinaryCodecAgainstPgx checks every type both ways against pgx's
// pgtype, an independent implementation of the binary formats: Novelty's
// encoding scans in pgx to the expected Go value, pgx's encoding of that Go
// value decodes to the expected Datum, and the bytes are the same.
func TestBinaryCodecAgainstPgx(t *testing.T) {
	moment := time.Date(2024, 1, 31, 12, 34, 56, 789000000, time.UTC)
	tests := []struct {
		name  string
		typ   types.Type
		datum types.Datum
		value any // what pgx encodes, and the Go type it scans into
	}{
		{"bool true", types.Bool, types.NewBool(true), true},
		{"bool false", types.Bool, types.NewBool(false), false},
		{"int2", types.Int2, types.NewIntOf(types.Int2, -2), int16(-2)},
		{"int2 max", types.Int2, types.NewIntOf(types.Int2, math.MaxInt16), int16(math.MaxInt16)},
		{"int4", types.Int4, types.NewIntOf(types.Int4, math.MinInt32), int32(math.MinInt32)},
		{"int8", types.Int8, types.NewInt(8_000_000_000), int64(8_000_000_000)},
		{"float4", types.Float4, types.NewFloatOf(types.Float4, float64(float32(1.1))), float32(1.1)},
		{"float8", types.Float8, types.NewFloat(0.1), 0.1},
		{"float8 infinity", types.Float8, types.NewFloat(math.Inf(-1)), math.Inf(-1)},
		{"text", types.Text, types.NewText("héllo"), "héllo"},
		{"empty text", types.Text, types.NewText(""), ""},
		{"varchar", types.Varchar, types.NewString(types.Varchar, "v"), "v"},
		{"bytea", types.Bytea, types.NewBytes([]byte{0xca, 0xfe, 0}), []byte{0xca, 0xfe, 0}},
		{"date", types.Date, types.NewDate(19753), time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"date before 2000", types.Date, types.NewDate(-1), time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"date infinity", types.Date, mustParse(t, types.Date, "infinity"), pgtype.Date{InfinityModifier: pgtype.Infinity, Valid: true}},
		{"timestamp", types.Timestamp, types.NewTimestamp(moment.UnixMicro()), moment},
		{"timestamp before 1970", types.Timestamp, types.NewTimestamp(-1), time.UnixMicro(-1).UTC()},
		{"timestamp -infinity", types.Timestamp, mustParse(t, types.Timestamp, "-infinity"),
			pgtype.Timestamp{InfinityModifier: pgtype.NegativeInfinity, Valid: true}},
		{"timestamptz", types.TimestampTZ, types.NewTimestampTZ(moment.UnixMicro()), moment},
		{"interval", types.Interval, types.NewInterval(14, -3, 5*60_000_000+1),
			pgtype.Interval{Months: 14, Days: -3, Microseconds: 5*60_000_000 + 1, Valid: true}},
		{"json", types.JSON, types.NewJSON(`{"k":[1,2]}`), json.RawMessage(`{"k":[1,2]}`)},
		{"jsonb", types.JSONB, types.NewJSONB(`{"k": [1, 2]}`), json.RawMessage(`{"k": [1, 2]}`)},
		{"uuid", types.UUID, types.NewString(types.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
			[16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}},
		{"text[]", types.TextArray, mustParse(t, types.TextArray, `{a,"b c","q\"uote","back\\slash","",",","NULL",é}`),
			[]string{"a", "b c", `q"uote`, `back\slash`, "", ",", "NULL", "é"}},
		{"text[] with NULL", types.TextArray, mustParse(t, types.TextArray, `{x,NULL}`),
			[]pgtype.Text{str("x"), {}}},
		{"empty text[]", types.TextArray, mustParse(t, types.TextArray, `{}`), []string{}},
	}
	// pgxDiffers says why pgx's bytes differ from Postgres' and Novelty's
	// for a case; both must still decode the same.
	pgxDiffers := map[string]string{
		"empty text[]": "pgx sends one dimension of size 0, Postgres' array_send no dimension",
	}
	m := pgtype.NewMap()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oid := tt.typ.OID()
			ours, err := appendBinary([]byte{}, tt.typ, tt.datum)
			if err != nil {
				t.Fatalf("appendBinary: %v", err)
			}
			theirs, err := m.Encode(oid, pgtype.BinaryFormatCode, tt.value, nil)
			if err != nil {
				t.Fatalf("pgx encode: %v", err)
			}
			if !bytes.Equal(ours, theirs) && pgxDiffers[tt.name] == "" {
				t.Errorf("Novelty encodes %x, pgx encodes %x", ours, theirs)
			}
			scanned := reflect.New(reflect.TypeOf(tt.value))
			if err := m.Scan(oid, pgtype.BinaryFormatCode, ours, scanned.Interface()); err != nil {
				t.Fatalf("pgx scan: %v", err)
			}
			if got := scanned.Elem().Interface(); !sameValue(got, tt.value) {
				t.Errorf("pgx reads Novelty's encoding as %#v, want %#v", got, tt.value)
			}
			decoded, err := decodeBinary(tt.typ, theirs)
			if err != nil {
				t.Fatalf("decodeBinary: %v", err)
			}
			if !sameDatum(decoded, tt.datum) {
				t.Errorf("decodeBinary(pgx's encoding) = %+v, want %+v", decoded, tt.datum)
			}
		})
	}
}

func sameValue(got, want any) bool {
	if w, ok := want.(time.Time); ok {
		g, ok := got.(time.Time)
		return ok && g.Equal(w)
	}
	return reflect.DeepEqual(got, want)
}

// sameDatum reports whether a and b have the same type and print the same.
func sameDatum(a, b types.Datum) bool {
	return a.Typ == b.Typ && string(types.AppendText(nil, a, time.UTC)) == string(types.AppendText(nil, b, time.UTC))
}

// TestNumericBinaryRoundTrip checks that numeric's binary form encodes
// exactly the decimal the text form prints: pgx reads it as that decimal,
// and it decodes back to the same float64. pgx's encoding of the decimal
// decodes to the same float64 too.
func TestNumericBinaryRoundTrip(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 12.25, -12.25, 0.1, 1e-5, 9999, 10000, 123456789.125,
		1e20, 1.5e-300, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64, 1 << 53, 0.30000000000000004}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		values = append(values, math.Float64frombits(r.Uint64()))
	}
	m := pgtype.NewMap()
	for _, f := range values {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		text := string(types.AppendText(nil, types.NewFloatOf(types.Numeric, f), nil))
		ours := appendNumericBinary(nil, f)
		var n pgtype.Numeric
		if err := m.Scan(types.Numeric.OID(), pgtype.BinaryFormatCode, ours, &n); err != nil {
			t.Fatalf("%s: pgx scan: %v", text, err)
		}
		if got, err := n.Value(); err != nil || got != text {
			t.Errorf("%s: pgx reads Novelty's encoding as %v (%v)", text, got, err)
		}
		decoded, err := decodeNumericBinary(ours)
		if err != nil || math.Float64bits(decoded.F) != math.Float64bits(f) && f != 0 {
			t.Errorf("%s: decodes back as %v (%v)", text, decoded.F, err)
		}
		var fromText pgtype.Numeric
		if err := fromText.Scan(text); err != nil {
			t.Fatalf("%s: pgx parse: %v", text, err)
		}
		theirs, err := m.Encode(types.Numeric.OID(), pgtype.BinaryFormatCode, fromText, nil)
		if err != nil {
			t.Fatalf("%s: pgx encode: %v", text, err)
		}
		if decoded, err := decodeNumericBinary(theirs); err != nil || decoded.F != f {
			t.Errorf("%s: pgx's encoding decodes as %v (%v)", text, decoded.F, err)
		}
	}
	specials := []struct {
		f     float64
		value pgtype.Numeric
	}{
		{math.NaN(), pgtype.Numeric{NaN: true, Valid: true}},
		{math.Inf(1), pgtype.Numeric{InfinityModifier: pgtype.Infinity, Valid: true}},
		{math.Inf(-1), pgtype.Numeric{InfinityModifier: pgtype.NegativeInfinity, Valid: true}},
	}
	for _, s := range specials {
		theirs, err := m.Encode(types.Numeric.OID(), pgtype.BinaryFormatCode, s.value, nil)
		if err != nil {
			t.Fatalf("pgx encode %v: %v", s.f, err)
		}
		if ours := appendNumericBinary(nil, s.f); !bytes.Equal(ours, theirs) {
			t.Errorf("%v: Novelty encodes %x, pgx %x", s.f, ours, theirs)
		}
		decoded, err := decodeNumericBinary(theirs)
		if err != nil || decoded.F != s.f && !(math.IsNaN(s.f) && math.IsNaN(decoded.F)) {
			t.Errorf("%v decodes as %v (%v)", s.f, decoded.F, err)
		}
	}
}

func TestAppendBinaryConvertsOtherTypes(t *testing.T) {
	tests := []struct {
		name  string
		typ   types.Type
		datum types.Datum
		want  types.Datum // what the bytes decode to
	}{
		{"int4 value in an int8 column", types.Int8, types.NewIntOf(types.Int4, 7), types.NewInt(7)},
		{"int value in a numeric column", types.Numeric, types.NewInt(7), types.NewFloatOf(types.Numeric, 7)},
		{"float8 value in a float4 column", types.Float4, types.NewFloat(1.5), types.NewFloatOf(types.Float4, 1.5)},
		{"text value in an unknown column", types.Unknown, types.NewText("x"), types.NewText("x")},
		{"text value in a uuid column", types.UUID, types.NewText("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
			types.NewString(types.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
		{"json value in a jsonb column", types.JSONB, types.NewJSON(`{"a":1}`), types.NewJSONB(`{"a": 1}`)},
		{"date value in a timestamp column", types.Timestamp, types.NewDate(1), types.NewTimestamp(types.MicrosPerDay)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf, err := appendBinary(nil, tt.typ, tt.datum)
			if err != nil {
				t.Fatalf("appendBinary: %v", err)
			}
			decodeAs := tt.typ
			if decodeAs == types.Unknown {
				decodeAs = types.Text
			}
			got, err := decodeBinary(decodeAs, buf)
			if err != nil || !sameDatum(got, tt.want) {
				t.Errorf("decodes as %+v (%v), want %+v", got, err, tt.want)
			}
		})
	}
}

func TestBinaryErrors(t *testing.T) {
	u32s := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = be.AppendUint32(b, x)
		}
		return b
	}
	encodeTests := []struct {
		name  string
		typ   types.Type
		datum types.Datum
		code  string
	}{
		{"smallint out of range", types.Int2, types.NewInt(70000), types.CodeNumericValueOutOfRange},
		{"integer out of range", types.Int4, types.NewInt(1 << 40), types.CodeNumericValueOutOfRange},
		{"not a uuid", types.UUID, types.NewText("nope"), types.CodeInvalidTextRepresent},
		{"float in an int column", types.Int8, types.NewFloat(0.5), types.CodeInvalidTextRepresent},
		{"malformed array", types.TextArray, types.NewString(types.TextArray, "{a,{b}}"), types.CodeInvalidTextRepresent},
	}
	for _, tt := range encodeTests {
		buf, err := appendBinary([]byte("keep"), tt.typ, tt.datum)
		if code := types.CodeOf(err); err == nil || code != tt.code || string(buf) != "keep" {
			t.Errorf("encode %s: %q, %v (code %s), want code %s and the buffer unchanged", tt.name, buf, err, code, tt.code)
		}
	}
	decodeTests := []struct {
		name string
		typ  types.Type
		raw  []byte
		code string // "" for errBadBinary
	}{
		{"short int8", types.Int8, []byte{1, 2, 3}, ""},
		{"long bool", types.Bool, []byte{1, 0}, ""},
		{"short uuid", types.UUID, make([]byte, 15), ""},
		{"short interval", types.Interval, make([]byte, 12), ""},
		{"numeric digit over 9999", types.Numeric, []byte{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}, ""},
		{"numeric missing digits", types.Numeric, []byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 1}, ""},
		{"numeric bad sign", types.Numeric, []byte{0, 0, 0, 0, 0x12, 0x34, 0, 0}, ""},
		{"numeric overflow", types.Numeric, []byte{0, 1, 0x7f, 0xff, 0, 0, 0, 0, 0, 1}, types.CodeNumericValueOutOfRange},
		{"invalid UTF-8", types.Text, []byte{0xff}, codeCharacterNotInRepertoire},
		{"NUL in text", types.Varchar, []byte{'a', 0}, codeCharacterNotInRepertoire},
		{"invalid json", types.JSON, []byte("{"), types.CodeInvalidTextRepresent},
		{"jsonb version 2", types.JSONB, []byte("\x02{}"), codeInvalidBinaryRepresentation},
		{"empty jsonb", types.JSONB, nil, codeInvalidBinaryRepresentation},
		{"timestamp out of range", types.Timestamp, u32s(0x7fffffff, 0xfffffff0), codeDatetimeFieldOverflow},
		{"int4[]", types.TextArray, u32s(1, 0, 23, 1, 1, 4, 7), types.CodeDatatypeMismatch},
		{"2-D array", types.TextArray, u32s(2, 0, 25, 1, 1, 1, 1), types.CodeFeatureNotSupported},
		{"lower bound 0", types.TextArray, u32s(1, 0, 25, 1, 0, 1, 'a'<<24), types.CodeFeatureNotSupported},
		{"array element past the end", types.TextArray, u32s(1, 0, 25, 1, 1, 9), ""},
		{"array trailing bytes", types.TextArray, append(u32s(1, 0, 25, 1, 1, 0xffffffff), 0), ""},
		{"array header cut", types.TextArray, u32s(1, 0), ""},
	}
	for _, tt := range decodeTests {
		_, err := decodeBinary(tt.typ, tt.raw)
		switch {
		case tt.code == "" && !errors.Is(err, errBadBinary):
			t.Errorf("decode %s: %v, want errBadBinary", tt.name, err)
		case tt.code != "" && types.CodeOf(err) != tt.code:
			t.Errorf("decode %s: %v, want code %s", tt.name, err, tt.code)
		}
	}
}
