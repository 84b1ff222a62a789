package parser

import (
	"strconv"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// Declare is DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [NO SCROLL]
// CURSOR [WITH HOLD | WITHOUT HOLD] FOR query. Exactly one of Query and
// Subscribe is set; each has its own Source, the text after FOR.
type Declare struct {
	Source
	Name      string
	Binary    bool // FETCH sends rows in binary format (simple protocol)
	Hold      bool // WITH HOLD: the cursor outlives the transaction that declared it
	Query     *Query
	Subscribe *Subscribe
}

// FetchAll is the Count of FETCH ALL and FETCH FORWARD ALL.
const FetchAll int64 = -1

// Fetch is FETCH or MOVE [direction] [FROM | IN] name, with Materialize's
// FETCH ... WITH (timeout = 'interval').
type Fetch struct {
	Source
	Name string
	// Move is set for MOVE: the cursor moves, no rows are returned.
	Move bool
	// Count is how many rows to move forward: 1 for NEXT and a bare name,
	// FetchAll for ALL, 0 for the current row.
	Count int64
	// Backward holds, as written, a direction that moves backward or to an
	// absolute position (PRIOR, FIRST, LAST, ABSOLUTE n, RELATIVE n,
	// BACKWARD, a negative count); "" for forward directions. Novelty's
	// cursors are NO SCROLL, so such a FETCH fails once the cursor is found.
	Backward string
	Options  Options
}

// CloseCursor is CLOSE name or CLOSE ALL.
type CloseCursor struct {
	Source
	Name string // "" for CLOSE ALL
	All  bool
}

// parseDeclare parses DECLARE name cursor_options CURSOR [{WITH|WITHOUT}
// HOLD] FOR query, where the query is a SELECT (VALUES, TABLE, WITH, a
// parenthesised query) or SUBSCRIBE. SCROLL is refused with 0A000: a
// cursor over a stream cannot move backward.
func parseDeclare(c *cursor, src Source) (Statement, error) {
	c.next()
	name, _, err := c.ident()
	if err != nil {
		return nil, err
	}
	st := &Declare{Source: src, Name: name}
	for !c.peek().isKw("cursor") {
		switch t := c.peek(); {
		case c.acceptKw("binary"):
			st.Binary = true
		case c.acceptKw("asensitive"), c.acceptKw("insensitive"), c.acceptKw("no", "scroll"):
		case t.isKw("scroll"):
			return nil, featureError(c.text, t.start, "SCROLL cursors are not supported").
				WithHint("Novelty's cursors read forward only; declare the cursor without SCROLL.")
		default:
			return nil, c.errHere()
		}
	}
	c.next()
	switch {
	case c.acceptKw("with", "hold"):
		st.Hold = true
	case c.acceptKw("without", "hold"):
	}
	if err := c.expectKw("for"); err != nil {
		return nil, err
	}
	if c.atEnd() {
		return nil, c.errHere()
	}
	first := c.peek()
	inner := Source{Text: c.text[first.start:c.toks[len(c.toks)-2].end], Offset: first.start}
	sub := &cursor{text: c.text, toks: c.toks[c.i:], base: inner.Offset}
	if first.isKw("subscribe") {
		stmt, err := parseSubscribe(sub, inner)
		if err != nil {
			return nil, err
		}
		st.Subscribe = stmt.(*Subscribe)
		return st, nil
	}
	stmt, err := parseTiDB(sub, inner)
	if err != nil {
		return nil, err
	}
	q, ok := stmt.(*Query)
	if !ok {
		return nil, syntaxErrorToken(c.text, first)
	}
	st.Query = q
	return st, nil
}

// parseFetch parses FETCH or MOVE [direction] [FROM | IN] name, and for
// FETCH an optional WITH (option = value, ...). The directions are Postgres':
// NEXT, PRIOR, FIRST, LAST, ABSOLUTE n, RELATIVE n, n, ALL, FORWARD
// [n | ALL], BACKWARD [n | ALL].
func parseFetch(c *cursor, src Source) (Statement, error) {
	verb := c.next()
	st := &Fetch{Source: src, Move: verb.val == "move", Count: 1}
	if err := fetchDirection(c, st); err != nil {
		return nil, err
	}
	if !c.acceptKw("from") {
		c.acceptKw("in")
	}
	name, _, err := c.ident()
	if err != nil {
		return nil, err
	}
	st.Name = name
	if !st.Move {
		if st.Options, err = parseWith(c); err != nil {
			return nil, err
		}
	}
	return st, c.expectEnd()
}

// fetchDirection parses the direction of FETCH or MOVE, if one is written.
// A lone word is the cursor's name, not a direction: FETCH next.
func fetchDirection(c *cursor, st *Fetch) error {
	t := c.peek()
	if t.kind == tkIdent && (c.at(1).kind == tkEOF || c.at(1).is(";")) {
		return nil
	}
	if t.is("-") || t.is("+") || t.kind == tkNumber {
		n, err := signedCount(c)
		if err != nil {
			return err
		}
		return forwardCount(st, n, t, c)
	}
	switch {
	case c.acceptKw("next"):
	case c.acceptKw("all"):
		st.Count = FetchAll
	case c.acceptKw("prior"), c.acceptKw("first"), c.acceptKw("last"):
		st.Backward = c.text[t.start:t.end]
	case t.isKw("absolute"), t.isKw("relative"):
		c.next()
		if _, err := signedCount(c); err != nil {
			return err
		}
		st.Backward = c.text[t.start:c.at(-1).end]
	case c.acceptKw("forward"):
		switch n := c.peek(); {
		case c.acceptKw("all"):
			st.Count = FetchAll
		case n.is("-") || n.is("+") || n.kind == tkNumber:
			count, err := signedCount(c)
			if err != nil {
				return err
			}
			return forwardCount(st, count, t, c)
		}
	case c.acceptKw("backward"):
		if !c.acceptKw("all") && (c.peek().is("-") || c.peek().is("+") || c.peek().kind == tkNumber) {
			if _, err := signedCount(c); err != nil {
				return err
			}
		}
		st.Backward = c.text[t.start:c.at(-1).end]
	}
	return nil
}

// forwardCount records a count written from token from: a negative count
// moves backward.
func forwardCount(st *Fetch, n int64, from token, c *cursor) error {
	if n < 0 {
		st.Backward = c.text[from.start:c.at(-1).end]
		return nil
	}
	st.Count = n
	return nil
}

// signedCount parses an optionally signed integer row count.
func signedCount(c *cursor) (int64, error) {
	neg := false
	if c.peek().is("-") || c.peek().is("+") {
		neg = c.next().val == "-"
	}
	t := c.peek()
	if t.kind != tkNumber || strings.Trim(t.val, "0123456789") != "" {
		return 0, c.errHere()
	}
	c.next()
	n, err := strconv.ParseInt(t.val, 10, 64)
	if err != nil {
		return 0, types.Errorf(types.CodeNumericValueOutOfRange, "row count %s is out of range", t.val).
			WithPosition(charPos(c.text, t.start))
	}
	if neg {
		n = -n
	}
	return n, nil
}

// parseClose parses CLOSE name | CLOSE ALL.
func parseClose(c *cursor, src Source) (Statement, error) {
	c.next()
	st := &CloseCursor{Source: src}
	if c.acceptKw("all") {
		st.All = true
		return st, c.expectEnd()
	}
	name, _, err := c.ident()
	if err != nil {
		return nil, err
	}
	st.Name = name
	return st, c.expectEnd()
}
