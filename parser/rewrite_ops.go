package parser

// Operators. Postgres' binary precedence, tightest first, is: :: ; unary
// + - ; COLLATE, AT TIME ZONE ; ^ ; * / % ; + - ; every other operator
// (|| -> ->> ~ !~ ~* !~* & | << >>, left-associative, one level) ;
// comparison ; IS ; NOT ; AND ; OR. TiDB disagrees on ^ (XOR), || (tighter
// than *), the bitwise operators, and lacks the rest, so every operator of
// the "other" level is emitted with explicit extents: its left operand is
// the preceding operand extended over * / % + - and unary signs, its right
// operand the following arithmetic expression.

// otherOps maps the "other" operators to their rewrite: a function name, or
// "" to keep the operator inside explicit parentheses.
var otherOps = map[string]string{
	"||": "pg_concat", "&": "", "|": "", "<<": "", ">>": "",
	"->": "pg_json_get", "->>": "pg_json_get_text",
	"~": "pg_regex_match", "!~": "pg_regex_match", "~*": "pg_regex_imatch", "!~*": "pg_regex_imatch",
}

// plainOps pass to TiDB as they are.
var plainOps = map[string]bool{"+": true, "-": true, "*": true, "/": true, "%": true,
	"=": true, "<": true, ">": true, "<=": true, ">=": true, "<>": true}

func isArith(op string) bool {
	return op == "+" || op == "-" || op == "*" || op == "/" || op == "%"
}

func isSign(u unit) bool { return u.word == "-" || u.word == "+" }

// operator handles the operator at toks[i], also written OPERATOR(schema.op).
func (r *rewriter) operator(out []unit, i, hi int) ([]unit, int, error) {
	op, next, err := r.operatorAt(i, hi)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case plainOps[op]:
		u := r.wordUnit(i, op)
		return append(out, u), next, nil
	case op == "~" && !lastAtom(out):
		return append(out, r.wordUnit(i, op)), next, nil // bitwise NOT
	case op == "^":
		rest, left, ok := popOperand(out, false)
		if !ok {
			return nil, 0, r.errNoOperand(i)
		}
		right, end, err := r.powerOperand(next, hi)
		if err != nil {
			return nil, 0, err
		}
		return append(rest, call("power", i, left.space(), left, right)), end, nil
	}
	fn, ok := otherOps[op]
	if !ok {
		return nil, 0, featureError(r.text, r.toks[i].start, "operator "+op+" is not supported")
	}
	rest, left, ok := popOperand(out, true)
	if !ok {
		return nil, 0, r.errNoOperand(i)
	}
	right, end, err := r.operand(next, hi)
	if err != nil {
		return nil, 0, err
	}
	var u unit
	switch {
	case fn == "":
		// TiDB re-applies its own precedence inside the parentheses, so
		// compound operands get their own.
		var b builder
		b.text("(", i, left.space())
		b.unit(parenthesized(left), false)
		b.text(op, i, true)
		b.unit(parenthesized(right), true)
		b.text(")", i, false)
		u = b.atom()
	case op == "!~" || op == "!~*":
		var b builder
		b.text("(not", i, left.space())
		b.unit(call(fn, i, false, left, right), true)
		b.text(")", i, false)
		u = b.atom()
	default:
		u = call(fn, i, left.space(), left, right)
	}
	return append(rest, u), end, nil
}

// operatorAt returns the operator at toks[i] and the index after it.
func (r *rewriter) operatorAt(i, hi int) (string, int, error) {
	if r.toks[i].kind == tkOp {
		return r.toks[i].val, i + 1, nil
	}
	open := i + 1
	closer := r.match[open]
	k := open + 1
	if (r.toks[k].kind == tkIdent || r.toks[k].kind == tkQIdent) && r.toks[k+1].is(".") {
		k += 2
	}
	if r.toks[k].kind != tkOp || k+1 != closer {
		return "", 0, syntaxErrorToken(r.text, r.toks[k])
	}
	return r.toks[k].val, closer + 1, nil
}

// parenthesized wraps a compound operand in parentheses.
func parenthesized(u unit) unit {
	if !u.compound {
		return u
	}
	var b builder
	b.text("(", u.pieces[0].tok, u.space())
	b.unit(u, false)
	b.text(")", u.pieces[len(u.pieces)-1].tok, false)
	return b.atom()
}

// popOperand removes the left operand of an operator from the end of out:
// the last operand with its unary signs, extended over * / % + - when
// arith is set. ok is false when out does not end with an operand.
func popOperand(out []unit, arith bool) ([]unit, unit, bool) {
	if !lastAtom(out) {
		return out, unit{}, false
	}
	k := len(out) - 1
	for {
		for k >= 1 && isSign(out[k-1]) && (k == 1 || !out[k-2].atom) {
			k--
		}
		if arith && k >= 2 && isArith(out[k-1].word) && out[k-2].atom {
			k -= 2
			continue
		}
		break
	}
	operand := join(out[k:])
	return out[:k], operand, true
}

// operand rewrites the right operand of an "other" operator: an arithmetic
// expression over + - * / % of signed terms.
func (r *rewriter) operand(i, hi int) (unit, int, error) {
	var parts []unit
	for {
		u, next, err := r.signedTerm(i, hi)
		if err != nil {
			return unit{}, 0, err
		}
		parts = append(parts, u)
		i = next
		if t := r.peek(i, hi); i < hi && t.kind == tkOp && isArith(t.val) {
			parts = append(parts, r.wordUnit(i, t.val))
			i++
			continue
		}
		return join(parts), i, nil
	}
}

// powerOperand rewrites unary signs and a term: an operand of ^, which
// binds looser than unary minus.
func (r *rewriter) powerOperand(i, hi int) (unit, int, error) {
	var parts []unit
	for t := r.peek(i, hi); i < hi && (t.is("-") || t.is("+")); t = r.peek(i, hi) {
		parts = append(parts, r.wordUnit(i, t.val))
		i++
	}
	u, next, err := r.term(i, hi)
	if err != nil {
		return unit{}, 0, err
	}
	return join(append(parts, u)), next, nil
}

// signedTerm rewrites a power operand and the ^ applied to it (left-associative).
func (r *rewriter) signedTerm(i, hi int) (unit, int, error) {
	left, next, err := r.powerOperand(i, hi)
	if err != nil {
		return unit{}, 0, err
	}
	for next < hi && r.toks[next].is("^") {
		right, end, err := r.powerOperand(next+1, hi)
		if err != nil {
			return unit{}, 0, err
		}
		left = call("power", next, left.space(), left, right)
		next = end
	}
	return left, next, nil
}

// term rewrites one operand and the :: casts and COLLATE applied to it.
func (r *rewriter) term(i, hi int) (unit, int, error) {
	if i >= hi {
		return unit{}, 0, syntaxErrorToken(r.text, r.toks[hi])
	}
	u, next, err := r.unit(i, hi)
	if err != nil {
		return unit{}, 0, err
	}
	if !u.atom {
		return unit{}, 0, syntaxErrorToken(r.text, r.toks[i])
	}
	us := []unit{u}
	for next < hi {
		switch t := r.toks[next]; {
		case t.is("::"):
			if us, next, err = r.castSuffix(us, next, hi); err != nil {
				return unit{}, 0, err
			}
		case t.isKw("collate"):
			if next, err = r.collate(next, hi); err != nil {
				return unit{}, 0, err
			}
		default:
			return us[0], next, nil
		}
	}
	return us[0], next, nil
}

// distinctBoundary are the words and punctuation that end the operands of
// IS [NOT] DISTINCT FROM: everything binding looser than IS, and clause
// keywords.
var distinctBoundary = map[string]bool{",": true, "and": true, "or": true, "not": true, "is": true,
	"when": true, "then": true, "else": true, "end": true, "as": true, "asc": true, "desc": true,
	"nulls": true, "from": true, "where": true, "group": true, "having": true, "order": true,
	"limit": true, "offset": true, "fetch": true, "union": true, "intersect": true, "except": true,
	"on": true, "using": true, "join": true, "inner": true, "left": true, "right": true, "full": true,
	"cross": true, "natural": true, "select": true, "returning": true, "set": true, "window": true,
	"over": true, "into": true, "values": true, "with": true, "for": true}

// distinctFrom rewrites `a IS [NOT] DISTINCT FROM b` into
// (NOT (a <=> b)) or (a <=> b), TiDB's null-safe equality.
func (r *rewriter) distinctFrom(out []unit, i, hi int) ([]unit, int, error) {
	negate := !r.toks[i+1].isKw("not")
	from := i + 2
	if !negate {
		from = i + 3
	}
	if !r.peek(from-1, hi).isKw("distinct") || !r.peek(from, hi).isKw("from") || from >= hi {
		return nil, 0, syntaxErrorToken(r.text, r.peek(from, hi))
	}
	k := len(out)
	for k > 0 && !(out[k-1].word != "" && distinctBoundary[out[k-1].word]) {
		k--
	}
	if k == len(out) {
		return nil, 0, r.errNoOperand(i)
	}
	left := join(out[k:])
	end := from + 1
	for end < hi {
		t := r.toks[end]
		if t.is("(") || t.is("[") {
			end = r.match[end] + 1
			continue
		}
		if t.isKw("case") {
			e, err := r.caseEnd(end, hi)
			if err != nil {
				return nil, 0, err
			}
			end = e + 1
			continue
		}
		if (t.kind == tkIdent || t.kind == tkPunct) && distinctBoundary[t.val] {
			break
		}
		end++
	}
	if end == from+1 {
		return nil, 0, syntaxErrorToken(r.text, r.peek(end, hi))
	}
	rightUnits, err := r.seq(from+1, end)
	if err != nil {
		return nil, 0, err
	}
	var b builder
	b.text("(", i, left.space())
	if negate {
		b.text("not (", i, false)
	}
	b.unit(parenthesized(left), false)
	b.text("<=>", i, true)
	b.unit(parenthesized(join(rightUnits)), true)
	if negate {
		b.text(")", i, false)
	}
	b.text(")", i, false)
	return append(out[:k], b.atom()), end, nil
}

// noLimit is the row count TiDB is given for LIMIT ALL or an OFFSET alone.
const noLimit = "18446744073709551615"

// limitClause rewrites Postgres' LIMIT n | LIMIT ALL, OFFSET n [ROW|ROWS]
// and FETCH {FIRST|NEXT} [n] {ROW|ROWS} ONLY, in any order, into TiDB's
// LIMIT n [OFFSET m].
func (r *rewriter) limitClause(out []unit, i, hi int) ([]unit, int, error) {
	var limit, offset *unit
	limitAll := false
	limitTok, offsetTok := i, i
	for i < hi {
		t := r.toks[i]
		switch {
		case t.isKw("limit") || t.isKw("fetch"):
			if limit != nil || limitAll {
				return nil, 0, syntaxErrorToken(r.text, t)
			}
			limitTok = i
			var err error
			if t.isKw("limit") && r.peek(i+1, hi).isKw("all") {
				limitAll = true
				i += 2
				continue
			}
			var u unit
			if t.isKw("limit") {
				u, i, err = r.operand(i+1, hi)
			} else {
				u, i, err = r.fetchCount(i, hi)
			}
			if err != nil {
				return nil, 0, err
			}
			limit = &u
		case t.isKw("offset"):
			if offset != nil {
				return nil, 0, syntaxErrorToken(r.text, t)
			}
			offsetTok = i
			u, next, err := r.operand(i+1, hi)
			if err != nil {
				return nil, 0, err
			}
			offset, i = &u, next
			if p := r.peek(i, hi); i < hi && (p.isKw("row") || p.isKw("rows")) {
				i++
			}
		default:
			return r.emitLimit(out, limit, offset, limitTok, offsetTok), i, r.afterLimit(i, hi)
		}
	}
	return r.emitLimit(out, limit, offset, limitTok, offsetTok), i, nil
}

// afterLimit refuses MySQL's LIMIT offset, count, which TiDB would accept.
func (r *rewriter) afterLimit(i, hi int) error {
	if r.peek(i, hi).is(",") && i < hi {
		return syntaxErrorToken(r.text, r.toks[i])
	}
	return nil
}

// fetchCount parses FETCH {FIRST|NEXT} [n] {ROW|ROWS} ONLY at toks[i].
func (r *rewriter) fetchCount(i, hi int) (unit, int, error) {
	if p := r.peek(i+1, hi); !p.isKw("first") && !p.isKw("next") {
		return unit{}, 0, syntaxErrorToken(r.text, p)
	}
	i += 2
	count := lit(i-1, "1")
	if p := r.peek(i, hi); !p.isKw("row") && !p.isKw("rows") {
		u, next, err := r.operand(i, hi)
		if err != nil {
			return unit{}, 0, err
		}
		count, i = u, next
	}
	if p := r.peek(i, hi); !p.isKw("row") && !p.isKw("rows") {
		return unit{}, 0, syntaxErrorToken(r.text, p)
	}
	if p := r.peek(i+1, hi); !p.isKw("only") {
		if p.isKw("with") {
			return unit{}, 0, featureError(r.text, p.start, "FETCH ... WITH TIES is not supported")
		}
		return unit{}, 0, syntaxErrorToken(r.text, p)
	}
	return count, i + 2, nil
}

func (r *rewriter) emitLimit(out []unit, limit, offset *unit, limitTok, offsetTok int) []unit {
	kw := func(tok int, word string) unit {
		return unit{pieces: []piece{{text: word, tok: tok, space: true}}, word: word}
	}
	arg := func(u unit) unit {
		var b builder
		b.unit(u, true)
		return b.atom()
	}
	switch {
	case limit != nil:
		out = append(out, kw(limitTok, "limit"), arg(*limit))
	case offset != nil:
		out = append(out, kw(offsetTok, "limit"), arg(lit(offsetTok, noLimit)))
	}
	if offset != nil {
		out = append(out, kw(offsetTok, "offset"), arg(*offset))
	}
	return out
}
