package parser

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// The rewriter turns the tokens of a Postgres SELECT, INSERT, UPDATE or
// DELETE (or of one expression) into text TiDB's parser reads with the same
// meaning. It works on a flat sequence of units: an operand ("atom": a
// literal, a name, a call, a parenthesised group, a CASE, a rewritten
// operator application) or a single keyword, operator or punctuation.
// Postfix and infix forms TiDB lacks or reads differently are folded into
// function calls over the neighbouring operands, with Postgres' precedence.

// piece is one fragment of rewritten text.
type piece struct {
	text  string
	tok   int  // index of the source token the fragment stands for
	space bool // a space precedes the fragment
	param int  // n of a $n placeholder rendered as "?"; 0 otherwise
}

// unit is a run of pieces the rewriter treats as one item.
type unit struct {
	pieces   []piece
	atom     bool   // an operand
	compound bool   // an operand joined from several units (a + b)
	word     string // for a single keyword, operator or punctuation: its text
}

func (u unit) space() bool { return len(u.pieces) > 0 && u.pieces[0].space }

// rewriter rewrites toks[:len(toks)-1]; the last token is the terminator
// errors at the end point to.
type rewriter struct {
	text     string
	toks     []token
	match    map[int]int // index of "(" or "[" -> index of its closer
	noParams bool        // $n is an error (statements that take no parameters)
}

func newRewriter(text string, toks []token, noParams bool) (*rewriter, error) {
	r := &rewriter{text: text, toks: toks, match: map[int]int{}, noParams: noParams}
	var stack []int
	for i, t := range toks[:len(toks)-1] {
		switch {
		case t.is("(") || t.is("["):
			stack = append(stack, i)
		case t.is(")") || t.is("]"):
			open := "("
			if t.val == "]" {
				open = "["
			}
			if len(stack) == 0 || toks[stack[len(stack)-1]].val != open {
				return nil, syntaxErrorToken(text, t)
			}
			r.match[stack[len(stack)-1]] = i
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return nil, syntaxErrorToken(text, toks[len(toks)-1])
	}
	return r, nil
}

// peek returns toks[i] when i is inside the sequence ending at hi, else
// toks[hi], the token that ends it.
func (r *rewriter) peek(i, hi int) token {
	if i < hi {
		return r.toks[i]
	}
	return r.toks[hi]
}

func (r *rewriter) piece(i int, text string) piece {
	return piece{text: text, tok: i, space: r.toks[i].space}
}

func (r *rewriter) wordUnit(i int, word string) unit {
	return unit{pieces: []piece{r.piece(i, word)}, word: word}
}

func (r *rewriter) atomPiece(i int, text string) unit {
	return unit{pieces: []piece{r.piece(i, text)}, atom: true}
}

// lit is a literal argument synthesised for a call at token i.
func lit(i int, text string) unit {
	return unit{pieces: []piece{{text: text, tok: i}}, atom: true}
}

// join concatenates units into one operand.
func join(us []unit) unit {
	var u unit
	for _, x := range us {
		u.pieces = append(u.pieces, x.pieces...)
	}
	u.atom = true
	u.compound = len(us) > 1
	return u
}

// builder assembles a synthesised unit.
type builder struct{ pieces []piece }

func (b *builder) text(text string, tok int, space bool) {
	b.pieces = append(b.pieces, piece{text: text, tok: tok, space: space})
}

// unit appends u, its first piece preceded by a space or not.
func (b *builder) unit(u unit, space bool) {
	for k, p := range u.pieces {
		if k == 0 {
			p.space = space
		}
		b.pieces = append(b.pieces, p)
	}
}

func (b *builder) atom() unit { return unit{pieces: b.pieces, atom: true} }

// call renders name(args...) standing for token tok.
func call(name string, tok int, space bool, args ...unit) unit {
	var b builder
	b.text(name+"(", tok, space)
	for k, a := range args {
		if k > 0 {
			b.text(",", tok, false)
		}
		b.unit(a, k > 0)
	}
	b.text(")", tok, false)
	return b.atom()
}

// seq rewrites toks[lo:hi].
func (r *rewriter) seq(lo, hi int) ([]unit, error) {
	var out []unit
	var from fromState
	for i := lo; i < hi; {
		t := r.toks[i]
		var err error
		if len(out) > 0 {
			from.observe(out[len(out)-1])
		}
		if (t.kind == tkIdent || t.kind == tkQIdent) && from.startsItem(out) {
			var ok bool
			if out, i, ok, err = r.tableFunction(out, i, hi); err != nil {
				return nil, err
			} else if ok {
				continue
			}
		}
		switch {
		case t.is("::"):
			out, i, err = r.castSuffix(out, i, hi)
		case t.kind == tkOp || t.isKw("operator") && r.peek(i+1, hi).is("("):
			out, i, err = r.operator(out, i, hi)
		case t.isKw("collate"):
			i, err = r.collate(i, hi)
		case t.isKw("at") && r.peek(i+1, hi).isKw("time") && r.peek(i+2, hi).isKw("zone") && lastAtom(out):
			out, i, err = r.atTimeZone(out, i, hi)
		case t.isKw("is") && (r.peek(i+1, hi).isKw("distinct") || r.peek(i+1, hi).isKw("not") && r.peek(i+2, hi).isKw("distinct")):
			out, i, err = r.distinctFrom(out, i, hi)
		case t.isKw("limit") || t.isKw("offset") || t.isKw("fetch"):
			out, i, err = r.limitClause(out, i, hi)
		case (t.isKw("any") || t.isKw("some") || t.isKw("all")) && r.peek(i+1, hi).is("("):
			out, i, err = r.anyAll(out, i, hi)
		case t.is("[") && lastAtom(out):
			out, i, err = r.subscript(out, i)
		case t.kind == tkString && len(out) > 0 && (out[len(out)-1].atom || out[len(out)-1].word == "as"):
			// TiDB would take the string as a column alias.
			return nil, syntaxErrorToken(r.text, t)
		default:
			var u unit
			u, i, err = r.unit(i, hi)
			out = append(out, u)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// quoteTiDBIdent quotes an identifier for TiDB's parser (ANSI quotes).
func quoteTiDBIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func lastAtom(out []unit) bool { return len(out) > 0 && out[len(out)-1].atom }

// subscript rewrites an array subscript, operand[n], into
// pg_array_get(operand, n).
func (r *rewriter) subscript(out []unit, i int) ([]unit, int, error) {
	closer := r.match[i]
	inner, err := r.seq(i+1, closer)
	if err != nil {
		return nil, 0, err
	}
	if len(inner) == 0 {
		return nil, 0, syntaxErrorToken(r.text, r.toks[closer])
	}
	var idx builder
	for k, u := range inner {
		idx.unit(u, k > 0 && u.space())
	}
	left := out[len(out)-1]
	out[len(out)-1] = call("pg_array_get", i, left.space(), left, idx.atom())
	return out, closer + 1, nil
}

// unit rewrites the item starting at toks[i].
func (r *rewriter) unit(i, hi int) (unit, int, error) {
	t := r.toks[i]
	switch t.kind {
	case tkString:
		return r.atomPiece(i, QuoteString(t.val)), i + 1, nil
	case tkNumber:
		return r.atomPiece(i, t.val), i + 1, nil
	case tkParam:
		if r.noParams {
			return unit{}, 0, types.Errorf(codeUndefinedParameter, "there is no parameter %s", t.val).WithPosition(charPos(r.text, t.start))
		}
		u := r.atomPiece(i, "?")
		u.pieces[0].param = t.param
		return u, i + 1, nil
	case tkQIdent:
		return r.name(i, hi)
	case tkIdent:
		return r.word(i, hi)
	case tkPunct:
		switch t.val {
		case "(", "[":
			u, err := r.group(i, t.val == "(")
			return u, r.match[i] + 1, err
		case ";":
			return unit{}, 0, syntaxErrorToken(r.text, t)
		}
	}
	return r.wordUnit(i, t.val), i + 1, nil
}

// word rewrites an item starting with an unquoted word.
func (r *rewriter) word(i, hi int) (unit, int, error) {
	t, next := r.toks[i], r.peek(i+1, hi)
	switch {
	case t.val == "interval" && (next.kind == tkString || next.kind == tkNumber):
		return r.interval(i, hi)
	case t.val == "cast" && next.is("("):
		return r.cast(i)
	case t.val == "extract" && next.is("("):
		return r.extract(i)
	case t.val == "array" && next.is("["):
		return r.array(i)
	case t.val == "array" && next.is("("):
		// ARRAY(SELECT ...): the query's rows as an array.
		var b builder
		b.text("pg_array_subquery(", i, r.toks[i].space)
		inner, err := r.group(i+1, true)
		b.unit(inner, false)
		b.text(")", r.match[i+1], false)
		return b.atom(), r.match[i+1] + 1, err
	case t.val == "case":
		return r.caseExpr(i, hi)
	case t.val == "session" && next.is("("):
		// TiDB reserves SESSION; the window function goes by another name.
		return r.call(i, "session_window")
	}
	switch keywords[t.val] {
	case kwSyntax:
		return r.wordUnit(i, t.val), i + 1, nil
	case kwFunc:
		if next.is("(") {
			return r.call(i, t.val)
		}
		return r.wordUnit(i, t.val), i + 1, nil
	case kwValue:
		return r.atomPiece(i, t.val), i + 1, nil
	}
	if u, end, ok := r.typedLiteral(i, hi); ok {
		return u, end, nil
	}
	return r.name(i, hi)
}

// name rewrites a.b.c, a.*, or a function call a.b(...).
func (r *rewriter) name(i, hi int) (unit, int, error) {
	var b builder
	j := i
	for {
		t := r.toks[j]
		switch {
		case t.kind == tkIdent && needsTiDBQuote(t.val) && !r.tidbCall(j, hi):
			b.text(`"`+t.val+`"`, j, t.space)
		case t.kind == tkIdent:
			b.text(t.val, j, t.space)
		case t.kind == tkQIdent:
			b.text(quoteTiDBIdent(t.val), j, t.space)
		default:
			b.text(t.val, j, t.space) // the * of a.*
		}
		j++
		dot, after := r.peek(j, hi), r.peek(j+1, hi)
		if !dot.is(".") || j+1 >= hi || !(after.kind == tkIdent || after.kind == tkQIdent || after.is("*")) {
			break
		}
		b.text(".", j, dot.space)
		j++
		if after.is("*") {
			b.text("*", j, after.space)
			return b.atom(), j + 1, nil
		}
	}
	if r.peek(j, hi).is("(") && j < hi {
		args, err := r.group(j, true)
		b.unit(args, false)
		return b.atom(), r.match[j] + 1, err
	}
	return b.atom(), j, nil
}

// tidbCall reports whether the word at toks[j] starts a call TiDB must see
// unquoted: one followed by "(", unless it is one of tidbWindowAggregates
// called without a window. Sent quoted, that call is an ordinary function
// call to TiDB, under the name the user wrote, which the planner binds as
// the aggregate.
func (r *rewriter) tidbCall(j, hi int) bool {
	if !r.peek(j+1, hi).is("(") {
		return false
	}
	if !tidbWindowAggregates[r.toks[j].val] {
		return true
	}
	k := r.match[j+1] + 1
	if t := r.peek(k, hi); (t.isKw("respect") || t.isKw("ignore")) && r.peek(k+1, hi).isKw("nulls") && k+1 < hi {
		k += 2
	}
	return r.peek(k, hi).isKw("over") && k < hi
}

// call rewrites the call at toks[i] under the function name fn.
func (r *rewriter) call(i int, fn string) (unit, int, error) {
	var b builder
	b.text(fn, i, r.toks[i].space)
	args, err := r.group(i+1, true)
	b.unit(args, false)
	return b.atom(), r.match[i+1] + 1, err
}

// group rewrites the bracketed group opening at toks[i].
func (r *rewriter) group(i int, atom bool) (unit, error) {
	j := r.match[i]
	inner, err := r.seq(i+1, j)
	if err != nil {
		return unit{}, err
	}
	var b builder
	b.text(r.toks[i].val, i, r.toks[i].space)
	for _, u := range inner {
		b.unit(u, u.space())
	}
	b.text(r.toks[j].val, j, r.toks[j].space)
	return unit{pieces: b.pieces, atom: atom}, nil
}
