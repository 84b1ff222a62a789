package format

// Helpers for the Postgres text form of one-dimensional text arrays,
// '{a,"b c",NULL}', which is how a text[] Datum holds its value.

// appendArrayElement appends elem as an element of an array literal,
// quoting it the way Postgres' array_out does when it must.
func appendArrayElement(buf, elem []byte) []byte {
	if !needsArrayQuotes(elem) {
		return append(buf, elem...)
	}
	buf = append(buf, '"')
	for _, c := range elem {
		if c == '"' || c == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, c)
	}
	return append(buf, '"')
}

func needsArrayQuotes(elem []byte) bool {
	if len(elem) == 0 || isNullWord(elem) {
		return true
	}
	for _, c := range elem {
		switch c {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// arrayElements iterates over the elements of the one-dimensional array
// literal s. Each call to next returns the following element (unescaped
// into scratch, which it returns for reuse) or done at the end. ok is false
// when s is not a one-dimensional array literal.
type arrayElements struct {
	s string
	i int
}

func newArrayElements(s string) (arrayElements, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return arrayElements{}, false
	}
	return arrayElements{s: s[:len(s)-1], i: 1}, true
}

func (a *arrayElements) next(scratch []byte) (elem []byte, null, done, ok bool) {
	for a.i < len(a.s) && isArraySpace(a.s[a.i]) {
		a.i++
	}
	if a.i >= len(a.s) {
		return scratch, false, true, true
	}
	elem = scratch[:0]
	quoted := false
	switch a.s[a.i] {
	case '{':
		return scratch, false, false, false
	case '"':
		quoted = true
		a.i++
		for a.i < len(a.s) && a.s[a.i] != '"' {
			if a.s[a.i] == '\\' {
				a.i++
			}
			if a.i < len(a.s) {
				elem = append(elem, a.s[a.i])
				a.i++
			}
		}
		a.i++
	default:
		for a.i < len(a.s) && a.s[a.i] != ',' {
			if a.s[a.i] == '\\' {
				a.i++
			}
			if a.i < len(a.s) {
				elem = append(elem, a.s[a.i])
				a.i++
			}
		}
		for len(elem) > 0 && isArraySpace(elem[len(elem)-1]) {
			elem = elem[:len(elem)-1]
		}
	}
	for a.i < len(a.s) && a.s[a.i] != ',' {
		a.i++
	}
	a.i++
	null = !quoted && isNullWord(elem)
	return elem, null, false, true
}

// isNullWord reports whether elem is NULL in any case.
func isNullWord(elem []byte) bool {
	return len(elem) == 4 && lowerByte(elem[0]) == 'n' && lowerByte(elem[1]) == 'u' && lowerByte(elem[2]) == 'l' && lowerByte(elem[3]) == 'l'
}

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
