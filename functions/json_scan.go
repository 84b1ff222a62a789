package functions

import (
	"encoding/json"
	"strings"
)

// The scanner below walks JSON text that is already valid (json and jsonb
// values are validated on input) and returns slices of it, so lookups
// allocate nothing unless a key or string value holds escapes.

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at s[i].
func valueEnd(s string, i int) int {
	switch s[i] {
	case '"':
		return stringEnd(s, i)
	case '{', '[':
		depth := 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '"':
				i = stringEnd(s, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(s)
	}
	for i < len(s) && !strings.ContainsRune(",}] \t\n\r", rune(s[i])) {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at s[i].
func stringEnd(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// jsonKind is the type of the JSON value doc holds: '{', '[', '"', 'n'
// (null), 'b' (true or false) or '0' (number).
func jsonKind(doc string) byte {
	i := skipSpace(doc, 0)
	if i == len(doc) {
		return 'n'
	}
	switch c := doc[i]; c {
	case '{', '[', '"':
		return c
	case 'n':
		return 'n'
	case 't', 'f':
		return 'b'
	}
	return '0'
}

// trimJSON returns doc without surrounding white space.
func trimJSON(doc string) string {
	i := skipSpace(doc, 0)
	j := len(doc)
	for j > i && (doc[j-1] == ' ' || doc[j-1] == '\t' || doc[j-1] == '\n' || doc[j-1] == '\r') {
		j--
	}
	return doc[i:j]
}

// jsonField returns the value of key in the object doc; Postgres takes
// the last one when a json object repeats a key.
func jsonField(doc, key string) (string, bool) {
	i := skipSpace(doc, 0)
	if i == len(doc) || doc[i] != '{' {
		return "", false
	}
	var found string
	ok := false
	for i = skipSpace(doc, i+1); i < len(doc) && doc[i] == '"'; {
		keyEnd := stringEnd(doc, i)
		rawKey := doc[i:keyEnd]
		i = skipSpace(doc, keyEnd)
		i = skipSpace(doc, i+1) // the colon
		end := valueEnd(doc, i)
		if jsonStringEquals(rawKey, key) {
			found, ok = doc[i:end], true
		}
		i = skipSpace(doc, end)
		if i < len(doc) && doc[i] == ',' {
			i = skipSpace(doc, i+1)
		}
	}
	return found, ok
}

// jsonElement returns element idx of the array doc; a negative idx counts
// from the end.
func jsonElement(doc string, idx int64) (string, bool) {
	if idx < 0 {
		n, ok := jsonArrayLength(doc)
		if !ok {
			return "", false
		}
		idx += int64(n)
		if idx < 0 {
			return "", false
		}
	}
	i := skipSpace(doc, 0)
	if i == len(doc) || doc[i] != '[' {
		return "", false
	}
	for i = skipSpace(doc, i+1); i < len(doc) && doc[i] != ']'; idx-- {
		end := valueEnd(doc, i)
		if idx == 0 {
			return doc[i:end], true
		}
		i = skipSpace(doc, end)
		if i < len(doc) && doc[i] == ',' {
			i = skipSpace(doc, i+1)
		}
	}
	return "", false
}

// jsonArrayLength counts the elements of the array doc.
func jsonArrayLength(doc string) (int, bool) {
	i := skipSpace(doc, 0)
	if i == len(doc) || doc[i] != '[' {
		return 0, false
	}
	n := 0
	for i = skipSpace(doc, i+1); i < len(doc) && doc[i] != ']'; n++ {
		i = skipSpace(doc, valueEnd(doc, i))
		if i < len(doc) && doc[i] == ',' {
			i = skipSpace(doc, i+1)
		}
	}
	return n, true
}

// jsonStringEquals compares the quoted JSON string raw with s.
func jsonStringEquals(raw, s string) bool {
	body := raw[1 : len(raw)-1]
	if !strings.Contains(body, `\`) {
		return body == s
	}
	return unquoteJSON(raw) == s
}

// unquoteJSON returns the value of the quoted JSON string raw.
func unquoteJSON(raw string) string {
	body := raw[1 : len(raw)-1]
	if !strings.Contains(body, `\`) {
		return body
	}
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return body
	}
	return s
}

// jsonText is what ->> returns for a value: a string's contents, NULL for
// null, the JSON text otherwise.
func jsonText(value string) (string, bool) {
	value = trimJSON(value)
	switch jsonKind(value) {
	case '"':
		return unquoteJSON(value), true
	case 'n':
		return "", false
	}
	return value, true
}
