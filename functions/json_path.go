package functions

import (
	"strconv"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// jsonExtract is json_extract(doc, path) with a MySQL-style path: $ then
// any of .key, ."quoted key", [n], [last] and [last-n]. It returns the JSON
// value there, or NULL when the path leads nowhere. Wildcards are refused.
func jsonExtract(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	v, found, err := walkJSONPath(a[0].S, a[1].S)
	if err != nil || !found {
		return types.Null, err
	}
	return types.Datum{Typ: a[0].Typ, S: trimJSON(v)}, nil
}

func badJSONPath(path string) error {
	return types.Errorf(types.CodeInvalidParameterValue, "invalid JSON path expression: \"%s\"", path)
}

// walkJSONPath follows path through doc while parsing it, allocating
// nothing for plain keys and indexes.
func walkJSONPath(doc, path string) (string, bool, error) {
	p := strings.TrimSpace(path)
	if p == "" || p[0] != '$' {
		return "", false, badJSONPath(path)
	}
	v, found := doc, true
	for i := 1; i < len(p); {
		switch p[i] {
		case '.':
			key, next, err := pathKey(p, i+1, path)
			if err != nil {
				return "", false, err
			}
			i = next
			if found {
				v, found = jsonField(v, key)
			}
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return "", false, badJSONPath(path)
			}
			sub := strings.TrimSpace(p[i+1 : i+end])
			i += end + 1
			idx, fromEnd, ok := pathIndex(sub)
			if !ok {
				return "", false, badJSONPath(path)
			}
			if found {
				if fromEnd {
					n, isArray := jsonArrayLength(v)
					if !isArray {
						found = false
						continue
					}
					idx = int64(n) - 1 - idx
				}
				if idx < 0 {
					found = false
					continue
				}
				v, found = jsonElement(v, idx)
			}
		case ' ':
			i++
		default:
			return "", false, badJSONPath(path)
		}
	}
	return v, found, nil
}

// pathKey reads the key after a dot at p[i:]: an identifier-like run or a
// quoted string. It returns the key and the index after it.
func pathKey(p string, i int, path string) (string, int, error) {
	if i < len(p) && p[i] == '"' {
		end := stringEnd(p, i)
		if end > len(p) || p[end-1] != '"' || end-i < 2 {
			return "", 0, badJSONPath(path)
		}
		return unquoteJSON(p[i:end]), end, nil
	}
	start := i
	for i < len(p) && p[i] != '.' && p[i] != '[' && p[i] != ' ' {
		if p[i] == '*' {
			return "", 0, badJSONPath(path)
		}
		i++
	}
	if i == start {
		return "", 0, badJSONPath(path)
	}
	return p[start:i], i, nil
}

// pathIndex reads n, last or last-n; fromEnd means idx counts back from
// the last element.
func pathIndex(s string) (idx int64, fromEnd, ok bool) {
	if rest, isLast := strings.CutPrefix(s, "last"); isLast {
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return 0, true, true
		}
		if n, cut := strings.CutPrefix(rest, "-"); cut {
			v, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
			return v, true, err == nil && v >= 0
		}
		return 0, false, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, false, err == nil && v >= 0
}
