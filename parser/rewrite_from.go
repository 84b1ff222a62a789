package parser

// FromFunction is the function TiDB reads in place of a set-returning
// function called as a FROM item, which its grammar lacks:
//
//	FROM generate_series(1, 3) AS s(n)
//
// becomes the derived table
//
//	FROM (SELECT pg_from_function(generate_series(1, 3), 'n')) AS s
//
// The first argument is the call; the rest are the column aliases. The
// planner turns such a derived table back into a table function.
const FromFunction = "pg_from_function"

// fromItemWords end a FROM list at their nesting level.
var fromItemWords = map[string]bool{
	"where": true, "group": true, "having": true, "order": true, "limit": true, "offset": true,
	"union": true, "except": true, "intersect": true, "window": true, "fetch": true, "for": true,
}

// fromState tracks, within one nesting level, whether the rewriter is in
// a SELECT's FROM list, where a name followed by "(" is a table function.
type fromState struct {
	sawSelect bool
	inFrom    bool
}

// observe updates the state with the unit just emitted.
func (f *fromState) observe(u unit) {
	switch {
	case u.word == "select":
		f.sawSelect, f.inFrom = true, false
	case u.word == "from" && f.sawSelect:
		f.inFrom = true
	case fromItemWords[u.word]:
		f.inFrom = false
	}
}

// startsItem reports whether a FROM item may start after out.
func (f *fromState) startsItem(out []unit) bool {
	if !f.inFrom || len(out) == 0 {
		return false
	}
	w := out[len(out)-1].word
	return w == "from" || w == "join" || w == "," || w == "lateral"
}

// tableFunction recognises a function call as the FROM item at toks[i]
// and rewrites it with its alias; ok is false when toks[i] is not one.
func (r *rewriter) tableFunction(out []unit, i, hi int) ([]unit, int, bool, error) {
	j := i
	for j+2 < hi && r.toks[j+1].is(".") && (r.toks[j+2].kind == tkIdent || r.toks[j+2].kind == tkQIdent) {
		j += 2
	}
	t := r.toks[j]
	if t.kind != tkIdent && t.kind != tkQIdent || j+1 >= hi || !r.toks[j+1].is("(") {
		return out, i, false, nil
	}
	fn := t.val
	if len(out) > 0 && out[len(out)-1].word == "lateral" {
		out = out[:len(out)-1] // a table function's arguments may always refer to earlier items
	}
	call, next, err := r.name(i, hi)
	if err != nil {
		return nil, 0, false, err
	}
	alias, aliasTok := fn, j
	if r.peek(next, hi).isKw("as") {
		next++
	}
	if a := r.peek(next, hi); next < hi && (a.kind == tkQIdent || a.kind == tkIdent && keywords[a.val] == kwNone && !fromItemWords[a.val] && !joinWord(a.val)) {
		alias, aliasTok = a.val, next
		next++
	}
	var cols []string
	if next < hi && r.toks[next].is("(") {
		closer := r.match[next]
		for k := next + 1; k < closer; k++ {
			c := r.toks[k]
			switch {
			case c.kind == tkIdent || c.kind == tkQIdent:
				cols = append(cols, c.val)
			case !c.is(","):
				return nil, 0, false, syntaxErrorToken(r.text, c)
			}
		}
		next = closer + 1
	}
	var b builder
	b.text("(SELECT "+FromFunction+"(", i, r.toks[i].space)
	b.unit(call, false)
	for _, c := range cols {
		b.text(", "+QuoteString(c), aliasTok, false)
	}
	b.text(")) AS "+quoteTiDBIdent(alias), aliasTok, false)
	return append(out, b.atom()), next, true, nil
}

// joinWord reports whether w continues a FROM clause after an item, so it
// is not read as the item's alias.
func joinWord(w string) bool {
	switch w {
	case "join", "inner", "left", "right", "full", "cross", "natural", "on", "using":
		return true
	}
	return false
}
