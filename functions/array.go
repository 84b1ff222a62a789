package functions

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// appendTextArray appends the Postgres text form of a one-dimensional text
// array: {a,"b c",NULL}. A nil element pointer is NULL.
func appendTextArray(buf []byte, elems []*string) []byte {
	buf = append(buf, '{')
	for i, e := range elems {
		if i > 0 {
			buf = append(buf, ',')
		}
		if e == nil {
			buf = append(buf, "NULL"...)
			continue
		}
		buf = appendArrayElem(buf, *e)
	}
	return append(buf, '}')
}

// appendArrayElem quotes an element when array_out would: when it is
// empty, is NULL in any case, or holds a delimiter, brace, quote,
// backslash or white space.
func appendArrayElem(buf []byte, s string) []byte {
	if s != "" && !strings.EqualFold(s, "null") && !strings.ContainsAny(s, "{},\"\\ \t\n\r\v\f") {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, s[i])
	}
	return append(buf, '"')
}

// splitTextArray reads the elements of a one-dimensional text array in
// Postgres' text form; a nil element is NULL. ok is false for a form it
// does not understand (such as a multi-dimensional array).
func splitTextArray(s string) (elems []*string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return nil, true
	}
	for i := 0; ; {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		var elem []byte
		quoted := i < len(body) && body[i] == '"'
		if quoted {
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				elem = append(elem, body[i])
			}
			if i == len(body) {
				return nil, false
			}
			i++
		} else {
			for ; i < len(body) && body[i] != ','; i++ {
				if body[i] == '{' || body[i] == '"' {
					return nil, false
				}
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				elem = append(elem, body[i])
			}
		}
		e := string(elem)
		if !quoted {
			e = strings.TrimRight(e, " ")
		}
		if !quoted && strings.EqualFold(e, "null") {
			elems = append(elems, nil)
		} else {
			elems = append(elems, &e)
		}
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i == len(body) {
			return elems, true
		}
		if body[i] != ',' {
			return nil, false
		}
		i++
	}
}

// arrayElements splits a text array argument.
func arrayElements(d types.Datum) ([]*string, error) {
	elems, ok := splitTextArray(d.S)
	if !ok {
		return nil, types.Errorf(types.CodeInvalidTextRepresent, "malformed array literal: %q", d.S)
	}
	return elems, nil
}
