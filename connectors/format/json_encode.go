package format

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// JSONEncoder writes each row as a JSON object keyed by column name, with
// values as Postgres' to_json writes them: numbers as JSON numbers (NaN and
// infinities as strings), booleans, null, json columns embedded as they are,
// text[] as arrays, timestamps as ISO 8601 strings
// ("2024-01-31T12:34:56.789", timestamptz in UTC with "+00:00"), and every
// other type as the JSON string of its text form.
type JSONEncoder struct {
	// keys[i] is `"name":` for column i, with the separating comma for i > 0.
	keys    [][]byte
	scratch []byte
}

// NewJSONEncoder builds an encoder for rows of schema.
func NewJSONEncoder(schema types.Schema) *JSONEncoder {
	e := &JSONEncoder{keys: make([][]byte, len(schema))}
	for i, c := range schema {
		var k []byte
		if i > 0 {
			k = append(k, ',')
		}
		k = appendJSONString(k, c.Name)
		e.keys[i] = append(k, ':')
	}
	return e
}

// Encode implements Encoder.
func (e *JSONEncoder) Encode(buf []byte, row []types.Datum) []byte {
	buf = append(buf, '{')
	for i, d := range row {
		buf = append(buf, e.keys[i]...)
		buf = e.appendValue(buf, d)
	}
	return append(buf, '}')
}

func (e *JSONEncoder) appendValue(buf []byte, d types.Datum) []byte {
	switch d.Typ {
	case types.Unknown:
		return append(buf, "null"...)
	case types.Bool:
		return strconv.AppendBool(buf, d.Bool())
	case types.Int2, types.Int4, types.Int8:
		return strconv.AppendInt(buf, d.I, 10)
	case types.Float4, types.Float8, types.Numeric:
		if a := math.Abs(d.F); d.Typ == types.Float8 && a >= 1e-4 && a < 1e15 {
			// float8out's fixed-point range: AppendText would print the
			// exponent form first only to find that out.
			return strconv.AppendFloat(buf, d.F, 'f', -1, 64)
		}
		if math.IsNaN(d.F) || math.IsInf(d.F, 0) {
			e.scratch = types.AppendText(e.scratch[:0], d, time.UTC)
			return appendJSONString(buf, e.scratch)
		}
		return types.AppendText(buf, d, time.UTC)
	case types.Text, types.Varchar, types.UUID:
		return appendJSONString(buf, d.S)
	case types.JSON, types.JSONB:
		return append(buf, d.S...)
	case types.Timestamp, types.TimestampTZ:
		e.scratch = appendISOTimestamp(e.scratch[:0], d)
		return appendJSONString(buf, e.scratch)
	case types.TextArray:
		return e.appendArray(buf, d.S)
	}
	e.scratch = types.AppendText(e.scratch[:0], d, time.UTC)
	return appendJSONString(buf, e.scratch)
}

// appendISOTimestamp writes a timestamp as to_json does: the text form with
// a T between date and time, and a timestamptz offset as +hh:mm.
func appendISOTimestamp(buf []byte, d types.Datum) []byte {
	start := len(buf)
	buf = types.AppendText(buf, d, time.UTC)
	text := buf[start:]
	if len(text) < 19 || text[10] != ' ' || text[len(text)-1] == 'C' {
		return buf // infinity, or a BC or far-future date: keep the text form
	}
	text[10] = 'T'
	if d.Typ == types.TimestampTZ && len(text) >= 3 && (text[len(text)-3] == '+' || text[len(text)-3] == '-') {
		buf = append(buf, ":00"...)
	}
	return buf
}

// appendArray writes a text[] value as a JSON array of strings and nulls.
func (e *JSONEncoder) appendArray(buf []byte, s string) []byte {
	elems, ok := newArrayElements(s)
	if !ok {
		return appendJSONString(buf, s)
	}
	start := len(buf)
	buf = append(buf, '[')
	for n := 0; ; n++ {
		var elem []byte
		var null, done bool
		elem, null, done, ok = elems.next(e.scratch)
		e.scratch = elem
		if !ok {
			return appendJSONString(buf[:start], s)
		}
		if done {
			return append(buf, ']')
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		if null {
			buf = append(buf, "null"...)
		} else {
			buf = appendJSONString(buf, elem)
		}
	}
}

// appendJSONString appends s as a JSON string literal. Invalid UTF-8
// becomes U+FFFD so the output is always valid JSON.
func appendJSONString[S string | []byte](buf []byte, s S) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			buf = append(buf, s[start:i]...)
			buf = append(buf, "\ufffd"...)
			i++
			start = i
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		}
		i++
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
