package connectors

import (
	"sort"
	"strings"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// OptionSpec declares one WITH option a connector accepts.
type OptionSpec struct {
	// Name is the lower-case option key.
	Name string
	// Required options must be given; Default is then ignored.
	Required bool
	// Default is the value used when the option is not given; "" means the
	// option is simply absent from the resolved map.
	Default string
	// Allowed lists the accepted values (compared case-insensitively); empty
	// means any value.
	Allowed []string
	// Doc is a one-line description for documentation and errors.
	Doc string
	// Prefix makes Name a prefix: every key starting with it is accepted as
	// is and left for the connector to check (datagen's fields.<col>.kind).
	// A prefix option has no default and is never required.
	Prefix bool
}

// ConnectorOption is the key that selects the connector. Every connector
// accepts it, so it is never reported as unknown and never in the result.
const ConnectorOption = "connector"

// Validate checks opts against the options connector kind declares and
// returns the resolved values keyed by option name, with defaults applied
// and allowed values normalised to their declared spelling. Errors are
// *types.Error with SQLSTATE 22023 (42601 for a repeated option) and the
// position of the offending option when there is one.
func Validate(kind string, specs []OptionSpec, opts parser.Options) (map[string]string, error) {
	resolved := make(map[string]string, len(specs))
	for _, opt := range opts {
		if opt.Key == ConnectorOption {
			continue
		}
		spec, ok := findSpec(specs, opt.Key)
		if !ok {
			return nil, unknownOptionError(kind, specs, opt)
		}
		if _, dup := resolved[opt.Key]; dup {
			return nil, types.Errorf(types.CodeSyntaxError, "option %q given more than once for connector %s", opt.Key, kind).
				WithPosition(opt.Pos)
		}
		value, err := allowedValue(spec, opt)
		if err != nil {
			return nil, err
		}
		resolved[opt.Key] = value
	}
	for _, spec := range specs {
		if _, given := resolved[spec.Name]; given || spec.Prefix {
			continue
		}
		switch {
		case spec.Required:
			return nil, types.Errorf(types.CodeInvalidParameterValue, "option %q is required for connector %s", spec.Name, kind)
		case spec.Default != "":
			resolved[spec.Name] = spec.Default
		}
	}
	return resolved, nil
}

func findSpec(specs []OptionSpec, name string) (OptionSpec, bool) {
	for _, s := range specs {
		if s.Name == name || s.Prefix && strings.HasPrefix(name, s.Name) {
			return s, true
		}
	}
	return OptionSpec{}, false
}

func allowedValue(spec OptionSpec, opt parser.Option) (string, error) {
	if len(spec.Allowed) == 0 {
		return opt.Value, nil
	}
	for _, a := range spec.Allowed {
		if strings.EqualFold(a, opt.Value) {
			return a, nil
		}
	}
	return "", types.Errorf(types.CodeInvalidParameterValue, "invalid value %q for option %q: allowed values are %s",
		opt.Value, opt.Key, strings.Join(spec.Allowed, ", ")).WithPosition(opt.Pos)
}

func unknownOptionError(kind string, specs []OptionSpec, opt parser.Option) error {
	names := make([]string, 0, len(specs)+1)
	names = append(names, ConnectorOption)
	for _, s := range specs {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	hint := "Valid options for connector " + kind + ": " + strings.Join(names, ", ") + "."
	if guess, ok := closest(opt.Key, names); ok {
		hint = "Did you mean " + guess + "? " + hint
	}
	return types.Errorf(types.CodeInvalidParameterValue, "unknown option %q for connector %s", opt.Key, kind).
		WithHint("%s", hint).WithPosition(opt.Pos)
}

// closest returns the candidate nearest to name by edit distance when it is
// close enough to be a plausible typo: at most 2 edits, and fewer edits than
// half the name's length.
func closest(name string, candidates []string) (string, bool) {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(name, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > 2 || 2*bestDist >= len(name) {
		return "", false
	}
	return best, true
}

// editDistance is the optimal string alignment distance between a and b
// in bytes: insertions, deletions, substitutions and swaps of adjacent
// bytes (the commonest typo) each cost 1.
func editDistance(a, b string) int {
	// rows[k] holds row i-2+k of the dynamic programming table.
	var rows [3][]int
	for k := range rows {
		rows[k] = make([]int, len(b)+1)
	}
	for j := range rows[1] {
		rows[1][j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev2, prev, cur := rows[0], rows[1], rows[2]
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		rows[0], rows[1], rows[2] = prev, cur, prev2
	}
	return rows[1][len(b)]
}
