package wire

import (
	"encoding/binary"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// Postgres' array binary format: int32 ndim, int32 flags (1 when any
// element is NULL), uint32 element type OID, then per dimension int32 size
// and int32 lower bound, then each element as int32 length (-1 for NULL)
// and its bytes in the element type's binary format. An empty array has
// ndim 0 and no dimensions. Novelty's arrays are one-dimensional text[]
// with lower bound 1.
const (
	textOID    = 25
	varcharOID = 1043
)

// appendTextArrayBinary appends a text[] held in its text form ({a,"b c",NULL})
// in the array binary format, without allocating.
func appendTextArrayBinary(buf []byte, s string) ([]byte, error) {
	start := len(buf)
	malformed := func() ([]byte, error) {
		return buf[:start], types.Errorf(types.CodeInvalidTextRepresent, "malformed array literal: \"%s\"", s)
	}
	body := strings.Trim(s, arraySpaces)
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return malformed()
	}
	body = body[1 : len(body)-1]
	buf = binary.BigEndian.AppendUint32(buf, 1) // ndim
	buf = binary.BigEndian.AppendUint32(buf, 0) // flags
	buf = binary.BigEndian.AppendUint32(buf, textOID)
	buf = binary.BigEndian.AppendUint32(buf, 0) // size
	buf = binary.BigEndian.AppendUint32(buf, 1) // lower bound
	count, hasNull := 0, false
	if strings.Trim(body, arraySpaces) != "" {
		for i := 0; ; i++ {
			lenAt := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			var null, ok bool
			buf, i, null, ok = appendArrayElement(buf, body, i)
			if !ok {
				return malformed()
			}
			if null {
				buf = buf[:lenAt]
				buf = binary.BigEndian.AppendUint32(buf, ^uint32(0))
				hasNull = true
			} else {
				binary.BigEndian.PutUint32(buf[lenAt:], uint32(len(buf)-lenAt-4))
			}
			count++
			if i >= len(body) {
				break
			}
		}
	}
	if count == 0 {
		buf = binary.BigEndian.AppendUint32(buf[:start], 0) // ndim 0
		buf = binary.BigEndian.AppendUint32(buf, 0)
		return binary.BigEndian.AppendUint32(buf, textOID), nil
	}
	if hasNull {
		binary.BigEndian.PutUint32(buf[start+4:], 1)
	}
	binary.BigEndian.PutUint32(buf[start+12:], uint32(count))
	return buf, nil
}

const arraySpaces = " \t\n\r\v\f"

// appendArrayElement appends the unescaped bytes of the element of body
// starting at i (leading white space allowed) and returns the index of the
// comma after it (len(body) at the end). An unquoted NULL appends nothing
// and reports null; ok is false for malformed input, including nested
// arrays.
func appendArrayElement(buf []byte, body string, i int) (_ []byte, next int, null, ok bool) {
	for i < len(body) && strings.IndexByte(arraySpaces, body[i]) >= 0 {
		i++
	}
	if i < len(body) && body[i] == '"' {
		for i++; ; i++ {
			if i >= len(body) {
				return buf, 0, false, false
			}
			c := body[i]
			if c == '"' {
				i++
				break
			}
			if c == '\\' {
				if i++; i >= len(body) {
					return buf, 0, false, false
				}
				c = body[i]
			}
			buf = append(buf, c)
		}
		for i < len(body) && strings.IndexByte(arraySpaces, body[i]) >= 0 {
			i++
		}
		if i < len(body) && body[i] != ',' {
			return buf, 0, false, false
		}
		return buf, i, false, true
	}
	start, escaped, trailing := len(buf), false, 0 // trailing: unescaped spaces at the end
	for ; i < len(body) && body[i] != ','; i++ {
		c := body[i]
		switch {
		case c == '{' || c == '}' || c == '"':
			return buf, 0, false, false
		case c == '\\':
			if i++; i >= len(body) {
				return buf, 0, false, false
			}
			buf = append(buf, body[i])
			escaped, trailing = true, 0
		case strings.IndexByte(arraySpaces, c) >= 0:
			buf = append(buf, c)
			trailing++
		default:
			buf = append(buf, c)
			trailing = 0
		}
	}
	buf = buf[:len(buf)-trailing]
	element := buf[start:]
	switch {
	case len(element) == 0 && !escaped:
		return buf, 0, false, false
	case !escaped && isNullWord(element):
		return buf[:start], i, true, true
	}
	return buf, i, false, true
}

// isNullWord reports whether b spells NULL in any case.
func isNullWord(b []byte) bool {
	const word = "null"
	if len(b) != len(word) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != word[i] {
			return false
		}
	}
	return true
}

// decodeTextArrayBinary reads a one-dimensional text[] (or varchar[]) in
// the array binary format.
func decodeTextArrayBinary(b []byte) (types.Datum, error) {
	if len(b) < 12 {
		return types.Null, errBadBinary
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	flags := binary.BigEndian.Uint32(b[4:])
	elemOID := binary.BigEndian.Uint32(b[8:])
	b = b[12:]
	switch {
	case ndim < 0 || flags > 1:
		return types.Null, errBadBinary
	case elemOID != textOID && elemOID != varcharOID:
		return types.Null, types.Errorf(types.CodeDatatypeMismatch, "binary data has array element type %d instead of text", elemOID)
	case ndim == 0:
		if len(b) != 0 {
			return types.Null, errBadBinary
		}
		return types.NewString(types.TextArray, "{}"), nil
	case ndim > 1:
		return types.Null, types.Errorf(types.CodeFeatureNotSupported, "multidimensional arrays are not supported")
	case len(b) < 8:
		return types.Null, errBadBinary
	}
	size := int32(binary.BigEndian.Uint32(b))
	lowerBound := int32(binary.BigEndian.Uint32(b[4:]))
	b = b[8:]
	if size < 0 {
		return types.Null, errBadBinary
	}
	if lowerBound != 1 {
		return types.Null, types.Errorf(types.CodeFeatureNotSupported, "array lower bounds other than 1 are not supported")
	}
	// Build the text form with every element quoted; ParseText then gives
	// it the canonical form every text[] value has.
	var text strings.Builder
	text.WriteByte('{')
	for i := range size {
		if len(b) < 4 {
			return types.Null, errBadBinary
		}
		n := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if i > 0 {
			text.WriteByte(',')
		}
		if n == -1 {
			text.WriteString("NULL")
			continue
		}
		if n < 0 || int(n) > len(b) {
			return types.Null, errBadBinary
		}
		element, err := textBytes(b[:n])
		if err != nil {
			return types.Null, err
		}
		b = b[n:]
		text.WriteByte('"')
		for j := 0; j < len(element); j++ {
			if element[j] == '"' || element[j] == '\\' {
				text.WriteByte('\\')
			}
			text.WriteByte(element[j])
		}
		text.WriteByte('"')
	}
	if len(b) != 0 {
		return types.Null, errBadBinary
	}
	text.WriteByte('}')
	return types.ParseText(types.TextArray, text.String(), nil)
}
