package format

import (
	"strconv"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// pathStep is one step of a JSON path: an object field, or an array element
// when field is empty and index >= 0.
type pathStep struct {
	field string
	index int
}

// parsePath reads the JSON paths a column's PATH option accepts: '$'
// followed by steps .name, ["name"] or ['name'], and [n]. '$' alone is the
// whole record.
func parsePath(path string) ([]pathStep, error) {
	bad := func(why string) error {
		return types.Errorf(types.CodeInvalidParameterValue, "invalid JSON path %q: %s", path, why).
			WithHint("Paths look like '$.a.b', '$.a[0]' or '$[\"a b\"]'.")
	}
	p := strings.TrimSpace(path)
	if !strings.HasPrefix(p, "$") {
		return nil, bad("it must start with $")
	}
	var steps []pathStep
	for i := 1; i < len(p); {
		switch p[i] {
		case '.':
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			if j == i+1 {
				return nil, bad("empty field name")
			}
			steps = append(steps, pathStep{field: p[i+1 : j], index: -1})
			i = j
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, bad("missing ]")
			}
			inner := strings.TrimSpace(p[i+1 : i+end])
			step, ok := bracketStep(inner)
			if !ok {
				return nil, bad("bad subscript [" + inner + "]")
			}
			steps = append(steps, step)
			i += end + 1
		default:
			return nil, bad("unexpected " + strconv.QuoteRune(rune(p[i])))
		}
	}
	return steps, nil
}

// bracketStep reads the inside of [...]: a non-negative index or a quoted
// field name.
func bracketStep(inner string) (pathStep, bool) {
	if len(inner) >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[len(inner)-1] == inner[0] {
		return pathStep{field: inner[1 : len(inner)-1], index: -1}, true
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n < 0 {
		return pathStep{}, false
	}
	return pathStep{index: n}, true
}
