package format

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// maxJSONDepth bounds nesting so a hostile record cannot exhaust the stack.
const maxJSONDepth = 512

// The scanner below validates JSON (RFC 8259, UTF-8) while finding value
// boundaries in place: it never copies the input and allocates only for
// errors. Positions are byte offsets into the record.

func jsonSyntaxError(i int, what string) error {
	return types.Errorf(types.CodeInvalidTextRepresent, "invalid JSON at byte %d: %s", i, what)
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && isJSONSpace(raw[i]) {
		i++
	}
	return i
}

// scanValue validates the value starting at raw[i] (not white space) and
// returns the offset just after it.
func scanValue(raw []byte, i, depth int) (int, error) {
	if i >= len(raw) {
		return i, jsonSyntaxError(i, "unexpected end of input")
	}
	switch c := raw[i]; {
	case c == '"':
		end, _, err := scanString(raw, i)
		return end, err
	case c == '{':
		return scanObject(raw, i, depth+1)
	case c == '[':
		return scanArray(raw, i, depth+1)
	case c == 't':
		return scanLiteral(raw, i, "true")
	case c == 'f':
		return scanLiteral(raw, i, "false")
	case c == 'n':
		return scanLiteral(raw, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		var num jsonNumber
		end, err := readNumber(raw, i, &num)
		return end, err
	}
	return i, jsonSyntaxError(i, "unexpected character "+quoteByte(raw[i]))
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[c>>4], hex[c&15]})
}

func scanLiteral(raw []byte, i int, lit string) (int, error) {
	if len(raw)-i < len(lit) || string(raw[i:i+len(lit)]) != lit {
		return i, jsonSyntaxError(i, "invalid literal")
	}
	return i + len(lit), nil
}

// plainStringByte marks the bytes a JSON string holds as they are: ASCII
// other than control characters, the quote and the backslash. scanString
// skips runs of them with one table lookup per byte.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString validates the string starting at the quote raw[i] and returns
// the offset after its closing quote and whether it holds escapes.
func scanString(raw []byte, i int) (end int, escaped bool, err error) {
	start := i
	high := false
	for i++; i < len(raw); i++ {
		for i < len(raw) && plainStringByte[raw[i]] {
			i++
		}
		if i == len(raw) {
			break
		}
		switch c := raw[i]; {
		case c == '"':
			if high && !utf8.Valid(raw[start+1:i]) {
				return i, escaped, jsonSyntaxError(start, "invalid UTF-8 in string")
			}
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			i++
			if i >= len(raw) {
				return i, escaped, jsonSyntaxError(start, "unterminated string")
			}
			switch raw[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(raw)-i < 5 || !isHex4(raw[i+1:i+5]) {
					return i, escaped, jsonSyntaxError(i-1, `invalid \u escape`)
				}
				i += 4
			default:
				return i, escaped, jsonSyntaxError(i-1, "invalid escape "+quoteByte(raw[i]))
			}
		case c < 0x20:
			return i, escaped, jsonSyntaxError(i, "control character in string")
		case c >= 0x80:
			high = true
		}
	}
	return i, escaped, jsonSyntaxError(start, "unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if _, ok := hexDigit(c); !ok {
			return false
		}
	}
	return true
}

func hexDigit(c byte) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10, true
	}
	return 0, false
}

func scanObject(raw []byte, i, depth int) (int, error) {
	if depth > maxJSONDepth {
		return i, jsonSyntaxError(i, "nesting too deep")
	}
	start := i
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return i, jsonSyntaxError(i, "expected a field name")
		}
		end, _, err := scanString(raw, i)
		if err != nil {
			return end, err
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return i, jsonSyntaxError(i, "expected ':'")
		}
		if i, err = scanValue(raw, skipSpace(raw, i+1), depth); err != nil {
			return i, err
		}
		if i, err = afterMember(raw, i, '}', start); err != nil || raw[i-1] == '}' {
			return i, err
		}
	}
}

func scanArray(raw []byte, i, depth int) (int, error) {
	if depth > maxJSONDepth {
		return i, jsonSyntaxError(i, "nesting too deep")
	}
	start := i
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = scanValue(raw, i, depth); err != nil {
			return i, err
		}
		if i, err = afterMember(raw, i, ']', start); err != nil || raw[i-1] == ']' {
			return i, err
		}
	}
}

// afterMember consumes the ',' or closing byte after an object member or
// array element. It returns the offset after the closer, or the start of
// the next member after a ','.
func afterMember(raw []byte, i int, closer byte, start int) (int, error) {
	i = skipSpace(raw, i)
	if i >= len(raw) {
		return i, jsonSyntaxError(start, "unterminated "+containerName(closer))
	}
	switch raw[i] {
	case closer:
		return i + 1, nil
	case ',':
		return skipSpace(raw, i+1), nil
	}
	return i, jsonSyntaxError(i, "expected ',' or '"+string(closer)+"'")
}

func containerName(closer byte) string {
	if closer == '}' {
		return "object"
	}
	return "array"
}

// appendUnescaped appends the content of the validated JSON string literal
// s (including its quotes) to dst with escapes resolved. Lone surrogates
// become U+FFFD, as encoding/json does. \u0000 is refused: SQL text cannot
// hold NUL (Postgres refuses it too).
func appendUnescaped(dst, s []byte) ([]byte, error) {
	s = s[1 : len(s)-1]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i+1:])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(s[i+3:])); pair != utf8.RuneError {
						r = pair
						i += 6
					}
				}
				if utf16.IsSurrogate(r) {
					r = utf8.RuneError
				}
			}
			if r == 0 {
				return dst, types.Errorf(types.CodeInvalidTextRepresent, `unsupported Unicode escape sequence \u0000`)
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, s[i])
		}
	}
	return dst, nil
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		d, _ := hexDigit(c)
		r = r<<4 | d
	}
	return r
}
