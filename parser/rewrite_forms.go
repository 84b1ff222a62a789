package parser

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// Rewrites of Postgres forms TiDB lacks or reads differently into calls of
// Novelty functions: pg_cast, pg_interval, date_part, pg_array, timezone.

// castSuffix folds `operand::type` (the last unit of out) into
// pg_cast(operand, 'type'); toks[i] is the "::".
func (r *rewriter) castSuffix(out []unit, i, hi int) ([]unit, int, error) {
	if !lastAtom(out) {
		return nil, 0, syntaxErrorToken(r.text, r.toks[i])
	}
	c := cursor{text: r.text, toks: r.toks[i+1 : hi+1]}
	name, err := c.typeName()
	if err != nil {
		return nil, 0, err
	}
	left := out[len(out)-1]
	out[len(out)-1] = call("pg_cast", i, left.space(), left, lit(i, QuoteString(name)))
	return out, i + 1 + c.i, nil
}

// cast rewrites CAST(expr AS type) into pg_cast(expr, 'type').
func (r *rewriter) cast(i int) (unit, int, error) {
	open := i + 1
	closer := r.match[open]
	as := -1
	for k := open + 1; k < closer; k++ {
		if r.toks[k].is("(") || r.toks[k].is("[") {
			k = r.match[k]
			continue
		}
		if r.toks[k].isKw("as") {
			as = k
			break
		}
	}
	if as < 0 {
		return unit{}, 0, syntaxErrorToken(r.text, r.toks[closer])
	}
	if as == open+1 {
		return unit{}, 0, syntaxErrorToken(r.text, r.toks[as])
	}
	expr, err := r.seq(open+1, as)
	if err != nil {
		return unit{}, 0, err
	}
	c := cursor{text: r.text, toks: r.toks[as+1 : closer+1]}
	name, err := c.typeName()
	if err != nil {
		return unit{}, 0, err
	}
	if err := c.expectEnd(); err != nil {
		return unit{}, 0, err
	}
	return call("pg_cast", i, r.toks[i].space, join(expr), lit(i, QuoteString(name))), closer + 1, nil
}

// typedLiteral rewrites `type 'string'` (date '2024-01-01', timestamp with
// time zone '...', jsonb '{}') into pg_cast('string', 'type'). TiDB would
// read `name 'string'` as a column with an alias.
func (r *rewriter) typedLiteral(i, hi int) (unit, int, bool) {
	c := cursor{text: r.text, toks: r.toks[i : hi+1]}
	name, err := c.typeName()
	if err != nil || c.atEnd() || c.peek().kind != tkString {
		return unit{}, 0, false
	}
	str := c.peek()
	return call("pg_cast", i, r.toks[i].space, lit(i+c.i, QuoteString(str.val)), lit(i, QuoteString(name))), i + c.i + 1, true
}

// intervalFields are the field qualifiers of an interval literal.
var intervalFields = map[string]bool{"year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true}

// interval rewrites INTERVAL 'text' [field [TO field]] into
// pg_interval('text'). With a field and a plain number the field becomes
// the unit: INTERVAL '5' MINUTE is pg_interval('5 minute'); with X TO Y a
// plain number counts the last field, as in Postgres. INTERVAL 5 MINUTE
// (MySQL and Flink style) is read the same way.
func (r *rewriter) interval(i, hi int) (unit, int, error) {
	value := r.toks[i+1]
	j := i + 2
	var unitField string
	if f := r.peek(j, hi); f.kind == tkIdent && intervalFields[f.val] && j < hi {
		unitField = f.val
		j = r.skipPrecision(j+1, hi)
		if r.peek(j, hi).isKw("to") && intervalFields[r.peek(j+1, hi).val] && j+1 < hi {
			unitField = r.toks[j+1].val
			j = r.skipPrecision(j+2, hi)
		}
	}
	if value.kind == tkNumber && unitField == "" {
		return unit{}, 0, syntaxErrorToken(r.text, value)
	}
	text := value.val
	if unitField != "" && isPlainNumber(text) {
		text = strings.TrimSpace(text) + " " + unitField
	}
	return call("pg_interval", i, r.toks[i].space, lit(i+1, QuoteString(text))), j, nil
}

// skipPrecision skips the "(n)" of SECOND(n).
func (r *rewriter) skipPrecision(j, hi int) int {
	if r.peek(j, hi).is("(") && r.peek(j+1, hi).kind == tkNumber && r.peek(j+2, hi).is(")") && j+2 < hi {
		return j + 3
	}
	return j
}

func isPlainNumber(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
			digits++
		case s[i] == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// extract rewrites EXTRACT(field FROM expr) into date_part('field', expr):
// TiDB's EXTRACT knows only MySQL's units (no epoch, dow, ...).
func (r *rewriter) extract(i int) (unit, int, error) {
	open := i + 1
	closer := r.match[open]
	field := r.toks[open+1]
	if open+1 >= closer || field.kind != tkIdent && field.kind != tkQIdent && field.kind != tkString {
		return unit{}, 0, syntaxErrorToken(r.text, field)
	}
	if !r.toks[open+2].isKw("from") || open+2 >= closer {
		return unit{}, 0, syntaxErrorToken(r.text, r.toks[open+2])
	}
	if open+3 >= closer {
		return unit{}, 0, syntaxErrorToken(r.text, r.toks[closer])
	}
	expr, err := r.seq(open+3, closer)
	if err != nil {
		return unit{}, 0, err
	}
	return call("date_part", i, r.toks[i].space, lit(open+1, QuoteString(strings.ToLower(field.val))), join(expr)), closer + 1, nil
}

// array rewrites ARRAY[a, b] into pg_array(a, b).
func (r *rewriter) array(i int) (unit, int, error) {
	open := i + 1
	closer := r.match[open]
	inner, err := r.seq(open+1, closer)
	if err != nil {
		return unit{}, 0, err
	}
	var b builder
	b.text("pg_array(", i, r.toks[i].space)
	for k, u := range inner {
		b.unit(u, k > 0 && u.space())
	}
	b.text(")", closer, false)
	return b.atom(), closer + 1, nil
}

// caseEnd returns the index of the END closing the CASE at toks[i].
func (r *rewriter) caseEnd(i, hi int) (int, error) {
	depth := 0
	for k := i; k < hi; k++ {
		t := r.toks[k]
		switch {
		case t.is("(") || t.is("["):
			k = r.match[k]
		case t.isKw("case"):
			depth++
		case t.isKw("end"):
			depth--
			if depth == 0 {
				return k, nil
			}
		}
	}
	return 0, syntaxErrorToken(r.text, r.toks[hi])
}

// caseExpr rewrites CASE ... END as one operand, so it can be the operand
// of :: and the other operators below.
func (r *rewriter) caseExpr(i, hi int) (unit, int, error) {
	end, err := r.caseEnd(i, hi)
	if err != nil {
		return unit{}, 0, err
	}
	inner, err := r.seq(i+1, end)
	if err != nil {
		return unit{}, 0, err
	}
	var b builder
	b.text("case", i, r.toks[i].space)
	for _, u := range inner {
		b.unit(u, u.space())
	}
	b.text("end", end, r.toks[end].space)
	return b.atom(), end + 1, nil
}

// collate drops COLLATE "default" / "C" / "POSIX" (Novelty compares
// strings by bytes, which is what C and POSIX mean, and what "default"
// means here) and refuses other collations. It returns the index after it.
func (r *rewriter) collate(i, hi int) (int, error) {
	c := cursor{text: r.text, toks: r.toks[i+1 : hi+1]}
	name, tok, err := c.ident()
	if err != nil {
		return 0, err
	}
	if c.accept(".") {
		if name, _, err = c.ident(); err != nil {
			return 0, err
		}
	}
	switch name {
	case "default", "C", "POSIX", "c", "posix":
		return i + 1 + c.i, nil
	}
	return 0, featureError(r.text, tok.start, `collation "`+name+`" is not supported`)
}

// atTimeZone rewrites `operand AT TIME ZONE zone` into timezone(zone, operand).
func (r *rewriter) atTimeZone(out []unit, i, hi int) ([]unit, int, error) {
	left := out[len(out)-1]
	right, next, err := r.term(i+3, hi)
	if err != nil {
		return nil, 0, err
	}
	out[len(out)-1] = call("timezone", i, left.space(), right, left)
	return out, next, nil
}

// anyAll rewrites `= ANY (ARRAY[...])` into IN (...) and `<> ALL
// (ARRAY[...])` into NOT IN (...). Subquery forms pass to TiDB as they
// are; other array forms are refused.
func (r *rewriter) anyAll(out []unit, i, hi int) ([]unit, int, error) {
	open := i + 1
	closer := r.match[open]
	first := r.peek(open+1, closer)
	if first.isKw("select") || first.isKw("with") || first.is("(") {
		return append(out, r.wordUnit(i, r.toks[i].val)), i + 1, nil
	}
	quant := r.toks[i].val
	var prev string
	if len(out) > 0 {
		prev = out[len(out)-1].word
	}
	isArray := first.isKw("array") && r.peek(open+2, closer).is("[") && r.match[open+2] == closer-1
	var op string
	switch {
	case isArray && quant != "all" && prev == "=":
		op = "in"
	case isArray && quant == "all" && prev == "<>":
		op = "not in"
	case (quant != "all" && prev == "=" || quant == "all" && prev == "<>") && len(out) >= 2 && out[len(out)-2].atom:
		return r.anyArray(out, i, prev == "<>")
	default:
		return nil, 0, featureError(r.text, r.toks[i].start,
			strings.ToUpper(quant)+" over an array is supported only as = ANY (...) and <> ALL (...)")
	}
	opTok := out[len(out)-1].pieces[0]
	out[len(out)-1] = unit{pieces: []piece{{text: op, tok: opTok.tok, space: opTok.space}}, word: op}
	inner, err := r.seq(open+3, closer-1)
	if err != nil {
		return nil, 0, err
	}
	if len(inner) == 0 {
		return nil, 0, featureError(r.text, r.toks[i].start, "ANY/ALL over an empty array is not supported")
	}
	var b builder
	b.text("(", open, r.toks[i].space)
	for k, u := range inner {
		b.unit(u, k > 0 && u.space())
	}
	b.text(")", closer, false)
	return append(out, b.atom()), closer + 1, nil
}

// anyArray rewrites `x = ANY (array)` into pg_any_eq(x, array) and
// `x <> ALL (array)` into NOT pg_any_eq(x, array), for arrays that are not
// ARRAY[...] literals (columns, parameters). x must be a single operand.
func (r *rewriter) anyArray(out []unit, i int, negate bool) ([]unit, int, error) {
	open := i + 1
	arr, err := r.group(open, true)
	if err != nil {
		return nil, 0, err
	}
	left := out[len(out)-2]
	u := call("pg_any_eq", i, left.space(), left, arr)
	if negate {
		var b builder
		b.text("not", i, left.space())
		b.unit(u, true)
		u = b.atom()
	}
	return append(out[:len(out)-2], u), r.match[open] + 1, nil
}

// errNoOperand reports an operator with nothing usable on its left.
func (r *rewriter) errNoOperand(i int) *types.Error { return syntaxErrorToken(r.text, r.toks[i]) }
