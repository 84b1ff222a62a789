package format

import (
	"math"
	"strconv"

	"github.com/novelty-db/novelty/types"
)

// jsonKind names a JSON value's type for errors.
func jsonKind(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	}
	return "number"
}

// convert stores in *dst the validated JSON value v as a Datum of column
// c's type. On error *dst is unchanged.
func (d *JSONDecoder) convert(c int, v []byte, dst *types.Datum) error {
	if v[0] == 'n' {
		*dst = types.Null
		return nil
	}
	out, err := d.convertValue(d.schema[c].Type, v)
	if err != nil {
		return columnError(d.schema[c].Name, err)
	}
	*dst = out
	return nil
}

// decodeLeaf reads the value starting at raw[i] into *dst as column c and
// returns the offset after it. The common cases take one pass: a string
// without escapes into text, plain numbers into integers and float8. Any
// other value is scanned, then converted.
func (d *JSONDecoder) decodeLeaf(raw []byte, i, c int, dst *types.Datum, depth int) (int, error) {
	if i < len(raw) {
		t := d.schema[c].Type
		switch ch := raw[i]; {
		case ch == '"' && (t == types.Text || t == types.Varchar):
			end, escaped, err := scanString(raw, i)
			if err != nil || escaped {
				if err == nil {
					err = d.convert(c, raw[i:end], dst)
				}
				return end, err
			}
			*dst = types.NewString(t, d.texts.get(raw[i+1:end-1]))
			return end, nil
		case ch == '-' || isDigit(ch):
			var num jsonNumber
			end, err := readNumber(raw, i, &num)
			if err != nil {
				return end, err
			}
			switch t {
			case types.Int2, types.Int4, types.Int8:
				if v, ok := num.int64(); ok {
					if lo, hi := intRange(t); v >= lo && v <= hi {
						*dst = types.NewIntOf(t, v)
						return end, nil
					}
				}
			case types.Float8:
				if f, ok := num.float64(); ok {
					*dst = types.NewFloatOf(t, f)
					return end, nil
				}
			}
			return end, d.convert(c, raw[i:end], dst)
		}
	}
	end, err := scanValue(raw, i, depth)
	if err != nil {
		return end, err
	}
	return end, d.convert(c, raw[i:end], dst)
}

func (d *JSONDecoder) convertValue(t types.Type, v []byte) (types.Datum, error) {
	kind := v[0]
	switch t {
	case types.Bool:
		if kind == 't' || kind == 'f' {
			return types.NewBool(kind == 't'), nil
		}
	case types.Int2, types.Int4, types.Int8:
		if kind != '"' && kind != '{' && kind != '[' && kind != 't' && kind != 'f' {
			return jsonInt(t, v)
		}
	case types.Float4, types.Float8, types.Numeric:
		switch kind {
		case '"':
			return d.parseString(t, v)
		case '{', '[', 't', 'f':
		default:
			return jsonFloat(t, v)
		}
	case types.Text, types.Varchar:
		if kind == '"' {
			text, err := d.unquoted(v)
			return types.NewString(t, d.texts.get(text)), err
		}
		return types.NewString(t, string(v)), nil
	case types.Date, types.Timestamp, types.TimestampTZ:
		switch kind {
		case '"':
			return d.parseString(t, v)
		case '{', '[', 't', 'f':
		default:
			return epochMillis(t, v)
		}
	case types.JSON:
		return types.NewJSON(string(v)), nil
	case types.JSONB:
		return types.ParseText(t, string(v), d.loc)
	case types.TextArray:
		switch kind {
		case '"':
			return d.parseString(t, v)
		case '[':
			return d.textArray(v)
		}
	default: // uuid, bytea, interval: their text forms
		if kind == '"' {
			return d.parseString(t, v)
		}
	}
	return types.Null, types.Errorf(types.CodeInvalidTextRepresent, "cannot read a JSON %s as %s", jsonKind(kind), t)
}

func columnError(column string, err error) error {
	e, ok := types.AsError(err)
	if !ok {
		return types.Errorf(types.CodeInvalidTextRepresent, "column %s: %v", column, err)
	}
	out := *e
	out.Message = "column " + column + ": " + e.Message
	return &out
}

// unquoted returns the text of the JSON string literal v: a slice of v, or
// of the decoder's scratch buffer when v holds escapes (valid until the
// next call).
func (d *JSONDecoder) unquoted(v []byte) ([]byte, error) {
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c == '\\' {
			var err error
			d.scratch, err = appendUnescaped(d.scratch[:0], v)
			return d.scratch, err
		}
	}
	return inner, nil
}

func (d *JSONDecoder) parseString(t types.Type, v []byte) (types.Datum, error) {
	text, err := d.unquoted(v)
	if err != nil {
		return types.Null, err
	}
	return types.ParseText(t, string(text), d.loc)
}

// intRange is the range of each integer type.
func intRange(t types.Type) (lo, hi int64) {
	switch t {
	case types.Int2:
		return math.MinInt16, math.MaxInt16
	case types.Int4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// jsonInt reads the validated JSON number v as an integer of type t. The
// common case, plain digits, is parsed here without allocating; a fraction
// or exponent goes through float parsing and must leave an integral value.
func jsonInt(t types.Type, v []byte) (types.Datum, error) {
	lo, hi := intRange(t)
	n, ok := plainInt(v)
	if !ok && isDigits(v) {
		var err error
		if n, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return types.Null, outOfRange(t, v)
		}
		ok = true
	}
	if !ok {
		f, err := strconv.ParseFloat(string(v), 64)
		switch {
		case err != nil && !isRangeErr(err):
			return types.Null, types.Errorf(types.CodeInvalidTextRepresent, "invalid number %s", v)
		case f != math.Trunc(f):
			return types.Null, types.Errorf(types.CodeInvalidTextRepresent, "%s is not an integer, as type %s needs", v, t)
		case err != nil || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18:
			return types.Null, outOfRange(t, v)
		}
		n = int64(f)
	}
	if n < lo || n > hi {
		return types.Null, outOfRange(t, v)
	}
	return types.NewIntOf(t, n), nil
}

func outOfRange(t types.Type, v []byte) error {
	return types.Errorf(types.CodeNumericValueOutOfRange, "value %s is out of range for type %s", v, t)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// plainInt parses -?digits into an int64; ok is false for anything else
// (fraction, exponent) and on overflow, which the caller re-checks.
func plainInt(v []byte) (int64, bool) {
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// isDigits reports whether v is -?digits: an integer too long for plainInt.
func isDigits(v []byte) bool {
	for i, c := range v {
		if (c < '0' || c > '9') && !(i == 0 && c == '-') {
			return false
		}
	}
	return true
}

// jsonFloat reads the validated JSON number v as a float-family value.
func jsonFloat(t types.Type, v []byte) (types.Datum, error) {
	bits := 64
	if t == types.Float4 {
		bits = 32
	} else if f, ok := fastFloat64(v); ok {
		return types.NewFloatOf(t, f), nil
	}
	f, err := strconv.ParseFloat(string(v), bits)
	if err != nil {
		return types.Null, outOfRange(t, v)
	}
	return types.NewFloatOf(t, f), nil
}

// epochMillis reads a JSON number as milliseconds since 1970-01-01 UTC: a
// timestamp at that instant, or the date it falls on.
func epochMillis(t types.Type, v []byte) (types.Datum, error) {
	var micros int64
	if ms, ok := plainInt(v); ok && ms > math.MinInt64/1000 && ms < math.MaxInt64/1000 {
		micros = ms * 1000
	} else {
		f, err := strconv.ParseFloat(string(v), 64)
		us := math.Round(f * 1000)
		if err != nil || us <= math.MinInt64 || us >= math.MaxInt64 {
			return types.Null, outOfRange(t, v)
		}
		micros = int64(us)
	}
	if t == types.Date {
		days := micros / types.MicrosPerDay
		if micros%types.MicrosPerDay < 0 {
			days--
		}
		return types.NewDate(days), nil
	}
	return types.Datum{Typ: t, I: micros}, nil
}

// textArray reads a JSON array as text[]: strings are elements, null is a
// NULL element, any other value is kept as its JSON text.
func (d *JSONDecoder) textArray(v []byte) (types.Datum, error) {
	lit := append(d.scratch[:0], '{')
	i := skipSpace(v, 1)
	for first := true; i < len(v) && v[i] != ']'; first = false {
		end, err := scanValue(v, i, 0)
		if err != nil {
			return types.Null, err
		}
		if !first {
			lit = append(lit, ',')
		}
		switch elem := v[i:end]; elem[0] {
		case 'n':
			lit = append(lit, "NULL"...)
		case '"':
			var text []byte
			if text, err = appendUnescaped(nil, elem); err != nil {
				return types.Null, err
			}
			lit = appendArrayElement(lit, text)
		default:
			lit = appendArrayElement(lit, elem)
		}
		i = skipSpace(v, end)
		if i < len(v) && v[i] == ',' {
			i = skipSpace(v, i+1)
		}
	}
	lit = append(lit, '}')
	d.scratch = lit
	return types.ParseText(types.TextArray, string(lit), d.loc)
}
