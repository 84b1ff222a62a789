package functions

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// anyType marks a parameter that takes an argument of any type as it is.
// It never leaves this package: Resolve and ResolveAggregate return a copy
// of such an overload with the argument's own type in its place (text for
// an untyped literal), so the planner inserts no cast there.
const anyType types.Type = 255

// scalars and aggregates are the registered overloads by lower-case name,
// in registration order; that order breaks ties Postgres would call
// ambiguous.
var (
	scalars = indexOverloads(
		compareOverloads(),
		mathOverloads(),
		stringOverloads(),
		regexOverloads(),
		timeOverloads(),
		jsonOverloads(),
		sessionOverloads(),
		windowOverloads(),
	)
	aggregates = indexAggregates(aggregateList())
)

func indexOverloads(lists ...[]*Overload) map[string][]*Overload {
	byName := make(map[string][]*Overload)
	for _, list := range lists {
		for _, o := range list {
			byName[o.Name] = append(byName[o.Name], o)
		}
	}
	return byName
}

func indexAggregates(list []*Aggregate) map[string][]*Aggregate {
	byName := make(map[string][]*Aggregate)
	for _, a := range list {
		byName[a.Name] = append(byName[a.Name], a)
	}
	return byName
}

// Resolve finds the overload of the function or operator name for a call
// with the given argument types, following Postgres' resolution rules. The
// planner casts each argument whose type differs from the overload's
// parameter (o.Args[i], or the last one for the variadic tail). The returned
// overload is shared: callers must not modify it.
func Resolve(name string, args []types.Type) (*Overload, error) {
	name = strings.ToLower(name)
	list := scalars[name]
	sigs := make([]signature, len(list))
	for i, o := range list {
		sigs[i] = signature{args: o.Args, variadic: o.Variadic}
	}
	i := selectSignature(sigs, args, isOperator(name))
	if i < 0 {
		return nil, notFound(name, args)
	}
	o := list[i]
	if !hasAnyType(o.Args) {
		return o, nil
	}
	inst := *o
	inst.Args = instantiate(sigs[i], args)
	inst.Variadic = false
	return &inst, nil
}

// IsAggregate reports whether name is an aggregate function.
func IsAggregate(name string) bool {
	_, ok := aggregates[strings.ToLower(name)]
	return ok
}

// ResolveAggregate finds the overload of the aggregate name for the given
// argument types; count(*) is name "count" with no arguments. The planner
// casts the arguments as for Resolve. DISTINCT is the caller's business.
func ResolveAggregate(name string, args []types.Type) (*Aggregate, error) {
	name = strings.ToLower(name)
	list := aggregates[name]
	sigs := make([]signature, len(list))
	for i, a := range list {
		sigs[i] = signature{args: a.Args}
	}
	i := selectSignature(sigs, args, false)
	if i < 0 {
		return nil, notFound(name, args)
	}
	a := list[i]
	if !hasAnyType(a.Args) {
		return a, nil
	}
	inst := *a
	inst.Args = instantiate(sigs[i], args)
	return &inst, nil
}

// signature is the part of an overload resolution looks at.
type signature struct {
	args     []types.Type
	variadic bool
}

// param returns the parameter type for argument i.
func (s signature) param(i int) types.Type {
	if i >= len(s.args) {
		return s.args[len(s.args)-1]
	}
	return s.args[i]
}

// accepts reports whether a call with args can use s, each argument being
// either of the parameter's type or implicitly coercible to it.
func (s signature) accepts(args []types.Type) bool {
	if s.variadic {
		if len(args) < len(s.args)-1 {
			return false
		}
	} else if len(args) != len(s.args) {
		return false
	}
	for i, a := range args {
		if p := s.param(i); p != anyType && !CanCoerce(a, p) {
			return false
		}
	}
	return true
}

// selectSignature returns the index of the signature a call with args
// resolves to, or -1. It follows Postgres' func_select_candidate: an exact
// match wins; for a binary operator with one untyped argument, the
// operator taking the other argument's type on both sides wins; otherwise
// candidates are narrowed by the most exact matches, then the most
// preferred types where a conversion is needed, then by what the untyped
// arguments can be, then by assuming untyped arguments have the type all
// typed ones share. What remains is decided by the fewest coercion steps
// and then registration order.
func selectSignature(sigs []signature, args []types.Type, operator bool) int {
	var cands []int
	for i, s := range sigs {
		if s.accepts(args) {
			cands = append(cands, i)
		}
	}
	if len(cands) <= 1 {
		if len(cands) == 0 {
			return -1
		}
		return cands[0]
	}
	for _, i := range cands {
		if exactMatches(sigs[i], args) == len(args) {
			return i
		}
	}
	if operator && len(args) == 2 && (args[0] == types.Unknown) != (args[1] == types.Unknown) {
		known := args[0]
		if known == types.Unknown {
			known = args[1]
		}
		for _, i := range cands {
			if sigs[i].param(0) == known && sigs[i].param(1) == known {
				return i
			}
		}
	}
	cands = keepMax(cands, func(i int) int { return exactMatches(sigs[i], args) })
	cands = keepMax(cands, func(i int) int { return preferredMatches(sigs[i], args) })
	cands = narrowUnknowns(cands, sigs, args)
	if shared, ok := sharedKnownType(args); ok {
		cands = keepMax(cands, func(i int) int { return acceptsAtUnknowns(sigs[i], args, shared) })
	}
	cands = keepMax(cands, func(i int) int { return -coercionSteps(sigs[i], args) })
	return cands[0]
}

// keepMax keeps the candidates with the highest score, in order.
func keepMax(cands []int, score func(int) int) []int {
	best := score(cands[0])
	kept := cands[:0:0]
	for _, i := range cands {
		switch s := score(i); {
		case s > best:
			best = s
			kept = append(kept[:0], i)
		case s == best:
			kept = append(kept, i)
		}
	}
	return kept
}

func exactMatches(s signature, args []types.Type) int {
	n := 0
	for i, a := range args {
		if p := s.param(i); a != types.Unknown && (p == a || p == anyType) {
			n++
		}
	}
	return n
}

func preferredMatches(s signature, args []types.Type) int {
	n := 0
	for i, a := range args {
		if p := s.param(i); a != p && p != anyType && isPreferred(p) {
			n++
		}
	}
	return n
}

// narrowUnknowns applies Postgres' rule for untyped arguments: at each
// such position, if some candidate takes a string there, keep those;
// otherwise if all take the same category, keep the ones taking its
// preferred type.
func narrowUnknowns(cands []int, sigs []signature, args []types.Type) []int {
	for pos, a := range args {
		if a != types.Unknown {
			continue
		}
		takesString := func(i int) bool {
			p := sigs[i].param(pos)
			return p == anyType || category(p) == 'S'
		}
		var stringCands []int
		for _, i := range cands {
			if takesString(i) {
				stringCands = append(stringCands, i)
			}
		}
		if len(stringCands) > 0 {
			cands = stringCands
			continue
		}
		cat := category(sigs[cands[0]].param(pos))
		same := true
		for _, i := range cands {
			same = same && category(sigs[i].param(pos)) == cat
		}
		if same {
			cands = keepMax(cands, func(i int) int {
				if isPreferred(sigs[i].param(pos)) {
					return 1
				}
				return 0
			})
		}
	}
	return cands
}

// sharedKnownType returns the type every typed argument has, when there
// are untyped arguments and the typed ones agree.
func sharedKnownType(args []types.Type) (types.Type, bool) {
	shared, unknowns := types.Unknown, 0
	for _, a := range args {
		switch {
		case a == types.Unknown:
			unknowns++
		case shared == types.Unknown:
			shared = a
		case shared != a:
			return types.Unknown, false
		}
	}
	return shared, unknowns > 0 && shared != types.Unknown
}

func acceptsAtUnknowns(s signature, args []types.Type, t types.Type) int {
	for i, a := range args {
		if p := s.param(i); a == types.Unknown && p != anyType && !CanCoerce(t, p) {
			return 0
		}
	}
	return 1
}

func coercionSteps(s signature, args []types.Type) int {
	n := 0
	for i, a := range args {
		n += coercionDistance(a, s.param(i))
	}
	return n
}

func hasAnyType(params []types.Type) bool {
	for _, p := range params {
		if p == anyType {
			return true
		}
	}
	return false
}

// instantiate returns the parameter list of s for a call with args, with
// one entry per argument and anyType replaced by the argument's type.
func instantiate(s signature, args []types.Type) []types.Type {
	params := make([]types.Type, len(args))
	for i, a := range args {
		p := s.param(i)
		if p == anyType {
			p = a
			if p == types.Unknown {
				p = types.Text
			}
		}
		params[i] = p
	}
	return params
}

// isOperator reports whether name is an operator rather than a function,
// which changes resolution (the binary-operator rule) and error messages.
func isOperator(name string) bool {
	switch name {
	case "like", "not like", "ilike", "not ilike", "and", "or", "not":
		return true
	}
	if name == "" || strings.HasPrefix(name, "unary ") {
		return name != ""
	}
	c := name[0]
	return !(c >= 'a' && c <= 'z' || c == '_')
}

// notFound is Postgres' error for a call no overload accepts.
func notFound(name string, args []types.Type) error {
	if isOperator(name) {
		var sb strings.Builder
		sb.WriteString("operator does not exist: ")
		switch {
		case strings.HasPrefix(name, "unary "):
			sb.WriteString(strings.TrimPrefix(name, "unary "))
			for _, a := range args {
				sb.WriteString(" ")
				sb.WriteString(a.String())
			}
		case len(args) == 2:
			sb.WriteString(args[0].String() + " " + name + " " + args[1].String())
		default:
			sb.WriteString(name + "(" + typeList(args) + ")")
		}
		return types.Errorf(types.CodeUndefinedFunction, "%s", sb.String()).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	return types.Errorf(types.CodeUndefinedFunction, "function %s(%s) does not exist", name, typeList(args)).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

func typeList(args []types.Type) string {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.String()
	}
	return strings.Join(names, ", ")
}
