package functions

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"sync"

	"github.com/novelty-db/novelty/types"
)

// regexOverloads registers the regular-expression operators (~, ~*, !~,
// !~*, and pg_regex_match/pg_regex_imatch, the names the SQL front end
// rewrites ~ and ~* to) and the regexp_* functions. Patterns use Go's RE2
// syntax, which agrees with Postgres' AREs on everything but
// backreferences inside patterns, lookaround and the expanded (x) syntax.
func regexOverloads() []*Overload {
	text, b := types.Text, types.Bool
	out := []*Overload{
		fn("~", b, sig(text, text), regexOperator(false, false)),
		fn("~*", b, sig(text, text), regexOperator(true, false)),
		fn("!~", b, sig(text, text), regexOperator(false, true)),
		fn("!~*", b, sig(text, text), regexOperator(true, true)),
		fn("pg_regex_match", b, sig(text, text), regexOperator(false, false)),
		fn("pg_regex_imatch", b, sig(text, text), regexOperator(true, false)),
		fn("regexp_like", b, sig(text, text), regexpLike),
		fn("regexp_like", b, sig(text, text, text), regexpLike),
		fn("regexp_replace", text, sig(text, text, text), regexpReplace),
		fn("regexp_replace", text, sig(text, text, text, text), regexpReplace),
		fn("regexp_match", types.TextArray, sig(text, text), regexpMatch("regexp_match")),
		fn("regexp_match", types.TextArray, sig(text, text, text), regexpMatch("regexp_match")),
		fn("regexp_matches", types.TextArray, sig(text, text), regexpMatch("regexp_matches")),
		fn("regexp_matches", types.TextArray, sig(text, text, text), regexpMatch("regexp_matches")),
	}
	return append(out, likeOverloads()...)
}

// regexOptions are the flags Postgres' regexp functions take.
type regexOptions struct {
	fold        bool // i
	newlineMode byte // 's' (default), 'n' (also m), 'p' or 'w'
	quote       bool // q: the pattern is a literal string
	global      bool // g
}

func parseRegexOptions(flags string) (regexOptions, error) {
	opts := regexOptions{newlineMode: 's'}
	for _, f := range flags {
		switch f {
		case 'i':
			opts.fold = true
		case 'c':
			opts.fold = false
		case 's', 'n', 'p', 'w':
			opts.newlineMode = byte(f)
		case 'm':
			opts.newlineMode = 'n'
		case 'q':
			opts.quote = true
		case 'g':
			opts.global = true
		case 't':
		default:
			return opts, types.Errorf(types.CodeInvalidParameterValue, "invalid regular expression option: \"%c\"", f)
		}
	}
	return opts, nil
}

// regexKey identifies a compiled pattern in the cache.
type regexKey struct {
	pattern     string
	fold, quote bool
	newlineMode byte
}

// regexCacheSize bounds the compiled-pattern cache; when it is full it is
// emptied, which keeps memory bounded for queries building patterns per
// row while constant patterns compile once per statement at worst.
const regexCacheSize = 256

var regexCache = struct {
	sync.Mutex
	m map[regexKey]*regexp.Regexp
}{m: make(map[regexKey]*regexp.Regexp)}

// compileRegex returns the compiled form of pattern under opts, from the
// cache when it is there.
func compileRegex(pattern string, opts regexOptions) (*regexp.Regexp, error) {
	key := regexKey{pattern: pattern, fold: opts.fold, quote: opts.quote, newlineMode: opts.newlineMode}
	regexCache.Lock()
	re, ok := regexCache.m[key]
	regexCache.Unlock()
	if ok {
		return re, nil
	}
	flags := ""
	if opts.fold {
		flags = "i"
	}
	switch opts.newlineMode {
	case 's': // . matches newline; ^ and $ only at the ends
		flags += "s"
	case 'w': // . matches newline; ^ and $ at lines
		flags += "sm"
	case 'n': // . stops at newline; ^ and $ at lines
		flags += "m"
	}
	if opts.quote {
		pattern = regexp.QuoteMeta(pattern)
	}
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		msg := err.Error()
		var syntaxErr *syntax.Error
		if errors.As(err, &syntaxErr) {
			msg = syntaxErr.Code.String()
		}
		return nil, types.Errorf(types.CodeInvalidRegex, "invalid regular expression: %s", msg)
	}
	regexCache.Lock()
	if len(regexCache.m) >= regexCacheSize {
		clear(regexCache.m)
	}
	regexCache.m[key] = re
	regexCache.Unlock()
	return re, nil
}

func regexOperator(fold, negate bool) Impl {
	opts := regexOptions{fold: fold, newlineMode: 's'}
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		re, err := compileRegex(a[1].S, opts)
		if err != nil {
			return types.Null, err
		}
		return types.NewBool(re.MatchString(a[0].S) != negate), nil
	}
}

// regexArgs compiles the pattern a[1] with the flags in a[flagsAt], if any.
func regexArgs(a []types.Datum, flagsAt int) (*regexp.Regexp, regexOptions, error) {
	flags := ""
	if len(a) > flagsAt {
		flags = a[flagsAt].S
	}
	opts, err := parseRegexOptions(flags)
	if err != nil {
		return nil, opts, err
	}
	re, err := compileRegex(a[1].S, opts)
	return re, opts, err
}

func regexpLike(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	re, opts, err := regexArgs(a, 2)
	if err != nil {
		return types.Null, err
	}
	if opts.global {
		return types.Null, types.Errorf(types.CodeInvalidParameterValue, "regexp_like() does not support the \"global\" option")
	}
	return types.NewBool(re.MatchString(a[0].S)), nil
}

// regexpReplace replaces the first match (every match with flag g) of the
// pattern; in the replacement \1..\9 stand for groups, \& for the whole
// match and \\ for a backslash.
func regexpReplace(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	re, opts, err := regexArgs(a, 3)
	if err != nil {
		return types.Null, err
	}
	s, rep := a[0].S, a[2].S
	n := 1
	if opts.global {
		n = -1
	}
	matches := re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return a[0], nil
	}
	var out []byte
	last := 0
	for _, m := range matches {
		out = append(out, s[last:m[0]]...)
		out = appendReplacement(out, s, rep, m)
		last = m[1]
	}
	out = append(out, s[last:]...)
	return types.NewText(string(out)), nil
}

func appendReplacement(out []byte, s, rep string, m []int) []byte {
	for i := 0; i < len(rep); i++ {
		c := rep[i]
		if c != '\\' || i+1 == len(rep) {
			out = append(out, c)
			continue
		}
		next := rep[i+1]
		switch {
		case next >= '1' && next <= '9':
			if g := int(next - '0'); 2*g+1 < len(m) && m[2*g] >= 0 {
				out = append(out, s[m[2*g]:m[2*g+1]]...)
			}
			i++
		case next == '&':
			out = append(out, s[m[0]:m[1]]...)
			i++
		case next == '\\':
			out = append(out, '\\')
			i++
		default:
			out = append(out, c)
		}
	}
	return out
}

// regexpMatch returns the capture groups of the first match as text[]
// (the whole match when the pattern has no groups), or NULL when nothing
// matches. regexp_matches with flag g returns a set in Postgres; Novelty
// has no set-returning functions, so it refuses that flag rather than
// return only the first match.
func regexpMatch(name string) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		re, opts, err := regexArgs(a, 2)
		if err != nil {
			return types.Null, err
		}
		if opts.global {
			if name == "regexp_match" {
				return types.Null, types.Errorf(types.CodeInvalidParameterValue, "regexp_match() does not support the \"global\" option").
					WithHint("Use the regexp_matches function instead.")
			}
			return types.Null, types.Errorf(types.CodeFeatureNotSupported, "regexp_matches() with the \"global\" option returns a set, which is not supported")
		}
		s := a[0].S
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			return types.Null, nil
		}
		groups := m[2:]
		if len(groups) == 0 {
			groups = m[:2]
		}
		elems := make([]*string, len(groups)/2)
		for i := range elems {
			if groups[2*i] >= 0 {
				g := s[groups[2*i]:groups[2*i+1]]
				elems[i] = &g
			}
		}
		return types.Datum{Typ: types.TextArray, S: string(appendTextArray(nil, elems))}, nil
	}
}
