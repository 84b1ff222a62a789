package types

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// jsonValue is a decoded JSON document, kept as text where Postgres keeps
// text: numbers stay decimal strings.
type jsonValue struct {
	kind  byte   // '{' object, '[' array, '"' string, '0' number, 'l' true/false/null
	text  string // string value, normalised number, or literal
	keys  []string
	items []jsonValue // array elements, or object values parallel to keys
}

// normaliseJSONB returns s in the form Postgres prints jsonb: object keys
// sorted by length then bytes with the last duplicate winning, ", " and
// ": " separators, numbers as numeric prints them, strings re-escaped.
// ok is false when s is not valid JSON.
func normaliseJSONB(s string) (string, bool) {
	if !json.Valid([]byte(s)) {
		return "", false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeJSONValue(dec)
	if err != nil {
		return "", false
	}
	return string(appendJSONB(nil, v)), true
}

func decodeJSONValue(dec *json.Decoder) (jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return jsonValue{}, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		v := jsonValue{kind: byte(tok)}
		for dec.More() {
			if v.kind == '{' {
				key, err := dec.Token()
				if err != nil {
					return v, err
				}
				v.keys = append(v.keys, key.(string))
			}
			item, err := decodeJSONValue(dec)
			if err != nil {
				return v, err
			}
			v.items = append(v.items, item)
		}
		if _, err := dec.Token(); err != nil {
			return v, err
		}
		if v.kind == '{' {
			sortJSONObject(&v)
		}
		return v, nil
	case string:
		return jsonValue{kind: '"', text: tok}, nil
	case json.Number:
		return jsonValue{kind: '0', text: normaliseJSONNumber(string(tok))}, nil
	case bool:
		return jsonValue{kind: 'l', text: strconv.FormatBool(tok)}, nil
	}
	return jsonValue{kind: 'l', text: "null"}, nil
}

// sortJSONObject orders keys as jsonb does (shorter first, then bytewise)
// and drops all but the last of duplicate keys.
func sortJSONObject(v *jsonValue) {
	order := make([]int, len(v.keys))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ka, kb := v.keys[order[a]], v.keys[order[b]]
		if len(ka) != len(kb) {
			return len(ka) < len(kb)
		}
		return ka < kb
	})
	keys := make([]string, 0, len(order))
	items := make([]jsonValue, 0, len(order))
	for i, idx := range order {
		if i+1 < len(order) && v.keys[order[i+1]] == v.keys[idx] {
			continue
		}
		keys = append(keys, v.keys[idx])
		items = append(items, v.items[idx])
	}
	v.keys, v.items = keys, items
}

// maxJSONExponent bounds the exponents expanded into plain digits; larger
// ones keep the number as written rather than print thousands of zeros.
const maxJSONExponent = 1000

// normaliseJSONNumber prints a JSON number as numeric_out would after
// numeric_in: no exponent, the scale the input implies, no negative zero.
func normaliseJSONNumber(n string) string {
	neg := strings.HasPrefix(n, "-")
	body := strings.TrimPrefix(n, "-")
	mantissa, expText, hasExp := strings.Cut(strings.ToLower(body), "e")
	exp := 0
	if hasExp {
		e, err := strconv.Atoi(expText)
		if err != nil || e > maxJSONExponent || e < -maxJSONExponent {
			return n
		}
		exp = e
	}
	intPart, fracPart, _ := strings.Cut(mantissa, ".")
	digits := intPart + fracPart
	scale := len(fracPart) - exp
	if scale < 0 {
		digits += strings.Repeat("0", -scale)
		scale = 0
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	whole := strings.TrimLeft(digits[:len(digits)-scale], "0")
	if whole == "" {
		whole = "0"
	}
	out := whole
	if scale > 0 {
		out += "." + digits[len(digits)-scale:]
	}
	if neg && strings.Trim(digits, "0") != "" {
		out = "-" + out
	}
	return out
}

func appendJSONB(buf []byte, v jsonValue) []byte {
	switch v.kind {
	case '{':
		buf = append(buf, '{')
		for i, key := range v.keys {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = AppendJSONString(buf, key)
			buf = append(buf, ": "...)
			buf = appendJSONB(buf, v.items[i])
		}
		return append(buf, '}')
	case '[':
		buf = append(buf, '[')
		for i, item := range v.items {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendJSONB(buf, item)
		}
		return append(buf, ']')
	case '"':
		return AppendJSONString(buf, v.text)
	}
	return append(buf, v.text...)
}

// AppendJSONString quotes s as Postgres' escape_json does: only the quote,
// the backslash and control characters are escaped.
func AppendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			buf = append(buf, '\\', '"')
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			if c < 0x20 {
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				buf = append(buf, c)
			}
		}
	}
	return append(buf, '"')
}

// parseTextArray reads a one-dimensional text[] literal ({a,"b c",NULL})
// and returns it in the form Postgres prints it: elements quoted only when
// they need to be.
func parseTextArray(s string) (Datum, error) {
	malformed := func() error {
		return Errorf(CodeInvalidTextRepresent, "malformed array literal: \"%s\"", s)
	}
	v := trimSpace(s)
	if len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
		return Null, malformed()
	}
	body := v[1 : len(v)-1]
	if trimSpace(body) == "" {
		return NewString(TextArray, "{}"), nil
	}
	out := []byte{'{'}
	for i := 0; ; {
		for i < len(body) && isArraySpace(body[i]) {
			i++
		}
		element, quotedOrEscaped, next, ok := scanArrayElement(body, i)
		if !ok {
			return Null, malformed()
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		if !quotedOrEscaped && strings.EqualFold(element, "null") {
			out = append(out, "NULL"...)
		} else {
			out = appendArrayElement(out, element)
		}
		if next == len(body) {
			break
		}
		i = next + 1
	}
	return NewString(TextArray, string(append(out, '}'))), nil
}

// scanArrayElement reads one element starting at i and returns it, whether
// it was quoted or had escapes, and the index of the comma after it (or
// len(body) at the end).
func scanArrayElement(body string, i int) (element string, quotedOrEscaped bool, next int, ok bool) {
	var sb strings.Builder
	if i < len(body) && body[i] == '"' {
		for i++; ; i++ {
			if i >= len(body) {
				return "", false, 0, false
			}
			c := body[i]
			if c == '"' {
				i++
				break
			}
			if c == '\\' {
				i++
				if i >= len(body) {
					return "", false, 0, false
				}
				c = body[i]
			}
			sb.WriteByte(c)
		}
		for i < len(body) && isArraySpace(body[i]) {
			i++
		}
		if i < len(body) && body[i] != ',' {
			return "", false, 0, false
		}
		return sb.String(), true, i, true
	}
	trailing := 0 // unescaped trailing spaces, which are not part of the element
	for ; i < len(body) && body[i] != ','; i++ {
		c := body[i]
		switch {
		case c == '{' || c == '}' || c == '"':
			return "", false, 0, false
		case c == '\\':
			i++
			if i >= len(body) {
				return "", false, 0, false
			}
			quotedOrEscaped = true
			sb.WriteByte(body[i])
			trailing = 0
		case isArraySpace(c):
			sb.WriteByte(c)
			trailing++
		default:
			sb.WriteByte(c)
			trailing = 0
		}
	}
	element = sb.String()
	element = element[:len(element)-trailing]
	if element == "" && !quotedOrEscaped {
		return "", false, 0, false
	}
	return element, quotedOrEscaped, i, true
}

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// appendArrayElement prints an array element, quoting it when it is empty,
// reads as NULL, or holds a delimiter, quote, backslash, brace or space.
func appendArrayElement(buf []byte, e string) []byte {
	needsQuotes := e == "" || strings.EqualFold(e, "null")
	for i := 0; i < len(e) && !needsQuotes; i++ {
		needsQuotes = strings.IndexByte(`{},"\`, e[i]) >= 0 || isArraySpace(e[i])
	}
	if !needsQuotes {
		return append(buf, e...)
	}
	buf = append(buf, '"')
	for i := 0; i < len(e); i++ {
		if e[i] == '"' || e[i] == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, e[i])
	}
	return append(buf, '"')
}
