package wire

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// Postgres' binary formats count dates and timestamps from 2000-01-01;
// Novelty counts from 1970-01-01.
const (
	pgEpochDays   = 10_957
	pgEpochMicros = pgEpochDays * types.MicrosPerDay
)

// errBadBinary reports a binary value whose bytes do not have the shape of
// its type (wrong length, bad header). Bind reports it as 22P03 naming the
// parameter.
var errBadBinary = errors.New("incorrect binary data format")

// appendBinary appends d, a non-NULL value of a column of type t, in t's
// binary format. A value whose type is not t's (an engine that computed an
// int for a numeric column) is converted through its text form first, as a
// cast would; values of t's own type append without allocating.
func appendBinary(buf []byte, t types.Type, d types.Datum) ([]byte, error) {
	if t == types.Unknown {
		t = types.Text // described to clients as text
	}
	if !encodesAs(t, d.Typ) {
		converted, err := types.ParseText(t, string(types.AppendText(nil, d, time.UTC)), time.UTC)
		if err != nil {
			return buf, err
		}
		d = converted
	}
	switch t {
	case types.Bool:
		return append(buf, byte(d.I&1)), nil
	case types.Int2:
		if d.I < math.MinInt16 || d.I > math.MaxInt16 {
			return buf, types.Errorf(types.CodeNumericValueOutOfRange, "smallint out of range")
		}
		return binary.BigEndian.AppendUint16(buf, uint16(d.I)), nil
	case types.Int4:
		if d.I < math.MinInt32 || d.I > math.MaxInt32 {
			return buf, types.Errorf(types.CodeNumericValueOutOfRange, "integer out of range")
		}
		return binary.BigEndian.AppendUint32(buf, uint32(d.I)), nil
	case types.Int8:
		return binary.BigEndian.AppendUint64(buf, uint64(d.I)), nil
	case types.Float4:
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(d.F))), nil
	case types.Float8:
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(d.F)), nil
	case types.Numeric:
		return appendNumericBinary(buf, d.F), nil
	case types.Text, types.Varchar, types.Bytea, types.JSON:
		return append(buf, d.S...), nil
	case types.JSONB:
		return append(append(buf, jsonbVersion), d.S...), nil
	case types.UUID:
		return appendUUIDBinary(buf, d.S)
	case types.Date:
		return appendDateBinary(buf, d.I)
	case types.Timestamp, types.TimestampTZ:
		return binary.BigEndian.AppendUint64(buf, uint64(toPGMicros(d.I))), nil
	case types.Interval:
		buf = binary.BigEndian.AppendUint64(buf, uint64(d.I))
		buf = binary.BigEndian.AppendUint32(buf, uint32(d.Days))
		return binary.BigEndian.AppendUint32(buf, uint32(d.Months)), nil
	case types.TextArray:
		return appendTextArrayBinary(buf, d.S)
	}
	return buf, types.Errorf(types.CodeFeatureNotSupported, "binary output of type %s is not supported", t)
}

// encodesAs reports whether a value of type v is held the way appendBinary
// reads a value of column type t.
func encodesAs(t, v types.Type) bool {
	if t == v {
		return true
	}
	switch t {
	case types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Numeric, types.JSON, types.JSONB:
		return t.Family() == v.Family()
	case types.Text, types.Varchar:
		return v.Family() == types.FamilyString
	}
	return false
}

// jsonbVersion is the first byte of jsonb's binary format: the text follows.
const jsonbVersion = 1

// toPGMicros converts microseconds since 1970 to microseconds since 2000,
// keeping the infinities, which both store as the extreme int64 values.
func toPGMicros(micros int64) int64 {
	if micros == math.MaxInt64 || micros == math.MinInt64 {
		return micros
	}
	return micros - pgEpochMicros
}

// appendDateBinary appends days since 1970 as Postgres' int32 days since
// 2000, whose extremes are the infinities.
func appendDateBinary(buf []byte, days int64) ([]byte, error) {
	var pg int64
	switch days {
	case math.MaxInt64:
		pg = math.MaxInt32
	case math.MinInt64:
		pg = math.MinInt32
	default:
		pg = days - pgEpochDays
		if pg <= math.MinInt32 || pg >= math.MaxInt32 {
			return buf, types.Errorf(codeDatetimeFieldOverflow, "date out of range")
		}
	}
	return binary.BigEndian.AppendUint32(buf, uint32(int32(pg))), nil
}

// appendUUIDBinary appends the 16 bytes of a UUID held in text form.
func appendUUIDBinary(buf []byte, s string) ([]byte, error) {
	var raw [16]byte
	nibbles := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			continue
		}
		v, ok := hexDigit(s[i])
		if !ok || nibbles == 32 {
			return buf, types.Errorf(types.CodeInvalidTextRepresent, "invalid input syntax for type uuid: \"%s\"", s)
		}
		raw[nibbles/2] |= v << (4 * (1 - nibbles%2))
		nibbles++
	}
	if nibbles != 32 {
		return buf, types.Errorf(types.CodeInvalidTextRepresent, "invalid input syntax for type uuid: \"%s\"", s)
	}
	return append(buf, raw[:]...), nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeBinary reads a value of type t from its binary format, as a Bind
// parameter. Malformed bytes give errBadBinary; values that are well formed
// but invalid (bad UTF-8, bad JSON, out of range) give a *types.Error.
func decodeBinary(t types.Type, b []byte) (types.Datum, error) {
	fixed := func(n int) error {
		if len(b) != n {
			return errBadBinary
		}
		return nil
	}
	switch t {
	case types.Bool:
		if err := fixed(1); err != nil {
			return types.Null, err
		}
		return types.NewBool(b[0] != 0), nil
	case types.Int2:
		if err := fixed(2); err != nil {
			return types.Null, err
		}
		return types.NewIntOf(t, int64(int16(binary.BigEndian.Uint16(b)))), nil
	case types.Int4:
		if err := fixed(4); err != nil {
			return types.Null, err
		}
		return types.NewIntOf(t, int64(int32(binary.BigEndian.Uint32(b)))), nil
	case types.Int8:
		if err := fixed(8); err != nil {
			return types.Null, err
		}
		return types.NewInt(int64(binary.BigEndian.Uint64(b))), nil
	case types.Float4:
		if err := fixed(4); err != nil {
			return types.Null, err
		}
		return types.NewFloatOf(t, float64(math.Float32frombits(binary.BigEndian.Uint32(b)))), nil
	case types.Float8:
		if err := fixed(8); err != nil {
			return types.Null, err
		}
		return types.NewFloat(math.Float64frombits(binary.BigEndian.Uint64(b))), nil
	case types.Numeric:
		return decodeNumericBinary(b)
	case types.Unknown, types.Text, types.Varchar:
		s, err := textBytes(b)
		if err != nil {
			return types.Null, err
		}
		return types.ParseText(t, s, nil)
	case types.Bytea:
		return types.NewBytes(b), nil
	case types.JSON:
		s, err := textBytes(b)
		if err != nil {
			return types.Null, err
		}
		return types.ParseText(t, s, nil)
	case types.JSONB:
		if len(b) == 0 || b[0] != jsonbVersion {
			return types.Null, types.Errorf(codeInvalidBinaryRepresentation, "unsupported jsonb version number %d", firstByte(b))
		}
		s, err := textBytes(b[1:])
		if err != nil {
			return types.Null, err
		}
		return types.ParseText(t, s, nil)
	case types.UUID:
		if err := fixed(16); err != nil {
			return types.Null, err
		}
		return types.NewString(t, formatUUID(b)), nil
	case types.Date:
		if err := fixed(4); err != nil {
			return types.Null, err
		}
		return types.NewDate(fromPGDays(int32(binary.BigEndian.Uint32(b)))), nil
	case types.Timestamp, types.TimestampTZ:
		if err := fixed(8); err != nil {
			return types.Null, err
		}
		micros, err := fromPGMicros(int64(binary.BigEndian.Uint64(b)))
		if err != nil {
			return types.Null, err
		}
		return types.Datum{Typ: t, I: micros}, nil
	case types.Interval:
		if err := fixed(16); err != nil {
			return types.Null, err
		}
		return types.NewInterval(int32(binary.BigEndian.Uint32(b[12:])), int32(binary.BigEndian.Uint32(b[8:])),
			int64(binary.BigEndian.Uint64(b))), nil
	case types.TextArray:
		return decodeTextArrayBinary(b)
	}
	return types.Null, types.Errorf(types.CodeFeatureNotSupported, "binary input of type %s is not supported", t)
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

// textBytes checks that b is text Postgres would accept in UTF8: valid
// UTF-8 without NUL bytes.
func textBytes(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", types.Errorf(codeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
	}
	for _, c := range b {
		if c == 0 {
			return "", types.Errorf(codeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0x00")
		}
	}
	return string(b), nil
}

// formatUUID prints 16 bytes in the canonical UUID text form.
func formatUUID(b []byte) string {
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return string(out)
}

const hexDigits = "0123456789abcdef"

// fromPGDays converts Postgres' days since 2000 (extremes: the infinities)
// to Novelty's days since 1970.
func fromPGDays(days int32) int64 {
	switch days {
	case math.MaxInt32:
		return math.MaxInt64
	case math.MinInt32:
		return math.MinInt64
	}
	return int64(days) + pgEpochDays
}

// fromPGMicros converts Postgres' microseconds since 2000 to microseconds
// since 1970, keeping the infinities.
func fromPGMicros(micros int64) (int64, error) {
	switch {
	case micros == math.MaxInt64 || micros == math.MinInt64:
		return micros, nil
	case micros > math.MaxInt64-pgEpochMicros-1:
		return 0, types.Errorf(codeDatetimeFieldOverflow, "timestamp out of range")
	}
	return micros + pgEpochMicros, nil
}
