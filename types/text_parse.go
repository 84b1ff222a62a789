package types

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// SQLSTATEs only text input reports.
const (
	codeDatetimeFieldOverflow       = "22008"
	codeIntervalFieldOverflow       = "22015"
	codeInvalidTimeZoneDisplacement = "22009"
)

// ParseText reads s as Postgres reads a value of type t in text format (a
// quoted literal cast to t, COPY text, a Bind parameter in text format).
// Timestamptz input without a zone is read in loc (UTC when nil). Bad input
// is a *Error with the SQLSTATE and message Postgres reports. Unknown, the
// type of an unresolved literal, reads as text.
func ParseText(t Type, s string, loc *time.Location) (Datum, error) {
	switch t {
	case Unknown, Text, Varchar:
		return Datum{Typ: Text, S: s}.withType(t), nil
	case Bool:
		return parseBool(s)
	case Int2:
		return parseInt(t, s, math.MinInt16, math.MaxInt16)
	case Int4:
		return parseInt(t, s, math.MinInt32, math.MaxInt32)
	case Int8:
		return parseInt(t, s, math.MinInt64, math.MaxInt64)
	case Float4:
		return parseFloat(t, s, 32)
	case Float8:
		return parseFloat(t, s, 64)
	case Numeric:
		return parseNumeric(s)
	case Bytea:
		return parseBytea(s)
	case Date:
		return parseDate(s)
	case Timestamp, TimestampTZ:
		return parseTimestamp(t, s, loc)
	case Interval:
		return parseInterval(s)
	case JSON:
		if !json.Valid([]byte(s)) {
			return Null, errInvalidJSON()
		}
		return NewJSON(s), nil
	case JSONB:
		normalised, ok := normaliseJSONB(s)
		if !ok {
			return Null, errInvalidJSON()
		}
		return NewJSONB(normalised), nil
	case UUID:
		return parseUUID(s)
	case TextArray:
		return parseTextArray(s)
	case Int2Vector:
		return parseInt2Vector(s)
	}
	return Null, Errorf(CodeFeatureNotSupported, "text input for type %s is not supported", t)
}

// withType keeps the string-family type t, reading Unknown as Text.
func (d Datum) withType(t Type) Datum {
	if t != Unknown {
		d.Typ = t
	}
	return d
}

// errInvalidJSON is the error json and jsonb input report alike.
func errInvalidJSON() *Error {
	return Errorf(CodeInvalidTextRepresent, "invalid input syntax for type json")
}

// syntaxError is Postgres' "invalid input syntax for type T" error.
func syntaxError(code string, t Type, s string) *Error {
	name := t.String()
	if t == Timestamp {
		name = "timestamp"
	}
	return Errorf(code, "invalid input syntax for type %s: \"%s\"", name, s)
}

// trimSpace trims the ASCII white space Postgres' input functions skip.
func trimSpace(s string) string { return strings.Trim(s, " \t\n\r\f\v") }

func parseBool(s string) (Datum, error) {
	v := strings.ToLower(trimSpace(s))
	prefixOf := func(word string, minLen int) bool {
		return len(v) >= minLen && strings.HasPrefix(word, v)
	}
	switch {
	case v == "":
	case prefixOf("true", 1), prefixOf("yes", 1), prefixOf("on", 2), v == "1":
		return NewBool(true), nil
	case prefixOf("false", 1), prefixOf("no", 1), prefixOf("off", 2), v == "0":
		return NewBool(false), nil
	}
	return Null, syntaxError(CodeInvalidTextRepresent, Bool, s)
}

func parseInt(t Type, s string, minValue, maxValue int64) (Datum, error) {
	v := trimSpace(s)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return Null, syntaxError(CodeInvalidTextRepresent, t, s)
	}
	if err != nil || n < minValue || n > maxValue {
		return Null, Errorf(CodeNumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, t)
	}
	return NewIntOf(t, n), nil
}

func parseFloat(t Type, s string, bitSize int) (Datum, error) {
	v := trimSpace(s)
	if !isDecimalFloat(v) {
		return Null, syntaxError(CodeInvalidTextRepresent, t, s)
	}
	f, err := strconv.ParseFloat(v, bitSize)
	if err != nil || f == 0 && hasNonZeroDigit(v) {
		return Null, Errorf(CodeNumericValueOutOfRange, "\"%s\" is out of range for type %s", s, t)
	}
	return NewFloatOf(t, f), nil
}

func parseNumeric(s string) (Datum, error) {
	v := trimSpace(s)
	if !isDecimalFloat(v) {
		return Null, syntaxError(CodeInvalidTextRepresent, Numeric, s)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return Null, Errorf(CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	return NewFloatOf(Numeric, f), nil
}

// isDecimalFloat reports whether v is a decimal number with an optional
// exponent, or NaN or [+-]Infinity/inf in any case: what strtod accepts
// minus hexadecimal floats and Go's digit separators.
func isDecimalFloat(v string) bool {
	if strings.EqualFold(v, "nan") || isInfinityWord(v) {
		return true
	}
	i := 0
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(v) && isDigit(v[i]); i++ {
		digits++
	}
	if i < len(v) && v[i] == '.' {
		for i++; i < len(v) && isDigit(v[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		start := i
		for ; i < len(v) && isDigit(v[i]); i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(v)
}

func isInfinityWord(v string) bool {
	if v != "" && (v[0] == '+' || v[0] == '-') {
		v = v[1:]
	}
	return strings.EqualFold(v, "infinity") || strings.EqualFold(v, "inf")
}

// hasNonZeroDigit reports whether the mantissa of a decimal number has a
// non-zero digit, to tell an underflow from an exact zero.
func hasNonZeroDigit(v string) bool {
	for i := 0; i < len(v) && v[i] != 'e' && v[i] != 'E'; i++ {
		if v[i] >= '1' && v[i] <= '9' {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseBytea reads bytea input: \x followed by hex digit pairs (white space
// allowed between pairs), or the escape format where \\ is a backslash and
// \ooo an octal byte.
func parseBytea(s string) (Datum, error) {
	if strings.HasPrefix(s, `\x`) {
		out := make([]byte, 0, (len(s)-2)/2)
		for i := 2; i < len(s); {
			if strings.IndexByte(" \t\n\r", s[i]) >= 0 {
				i++
				continue
			}
			hi, ok := hexValue(s[i])
			if !ok {
				return Null, Errorf(CodeInvalidParameterValue, "invalid hexadecimal digit: \"%c\"", s[i])
			}
			if i+1 >= len(s) {
				return Null, Errorf(CodeInvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := hexValue(s[i+1])
			if !ok {
				return Null, Errorf(CodeInvalidParameterValue, "invalid hexadecimal digit: \"%c\"", s[i+1])
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return NewBytes(out), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(s) && isOctal(s[i+1]) && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]):
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return Null, Errorf(CodeInvalidTextRepresent, "invalid input syntax for type bytea")
		}
	}
	return NewBytes(out), nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func hexValue(c byte) (byte, bool) {
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

// parseUUID reads a UUID in any form Postgres accepts: optional braces,
// upper or lower case, a hyphen allowed after any group of four digits.
func parseUUID(s string) (Datum, error) {
	v := s
	if strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
		v = v[1 : len(v)-1]
	}
	var raw [16]byte
	n := 0
	for i := 0; i < len(v); {
		if v[i] == '-' && n > 0 && n%2 == 0 && n < 16 && i+1 < len(v) && v[i+1] != '-' {
			i++
			continue
		}
		if n == 16 || i+1 >= len(v) {
			return Null, syntaxError(CodeInvalidTextRepresent, UUID, s)
		}
		hi, ok1 := hexValue(v[i])
		lo, ok2 := hexValue(v[i+1])
		if !ok1 || !ok2 {
			return Null, syntaxError(CodeInvalidTextRepresent, UUID, s)
		}
		raw[n] = hi<<4 | lo
		n++
		i += 2
	}
	if n != 16 {
		return Null, syntaxError(CodeInvalidTextRepresent, UUID, s)
	}
	out := make([]byte, 0, 36)
	for i, b := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[b>>4], hexDigits[b&0xf])
	}
	return NewString(UUID, string(out)), nil
}

// parseInt2Vector reads int2vector's text form: smallints separated by
// spaces.
func parseInt2Vector(s string) (Datum, error) {
	fields := strings.Fields(s)
	for _, f := range fields {
		if _, err := strconv.ParseInt(f, 10, 16); err != nil {
			return Null, Errorf(CodeInvalidTextRepresent, "invalid input syntax for type int2vector: %q", s)
		}
	}
	return NewString(Int2Vector, strings.Join(fields, " ")), nil
}
