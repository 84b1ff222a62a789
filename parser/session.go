package parser

import (
	"strconv"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// parseShow parses SHOW SOURCES | STREAMS | SINKS | TABLES | NOVELTY
// CONTEXTS | ALL | <variable>, with Postgres' multi-word variable spellings.
func parseShow(c *cursor, src Source) (Statement, error) {
	c.next()
	st := &Show{Source: src}
	switch {
	case c.acceptKw("novelty", "contexts"):
		st.What = "novelty contexts"
	case c.acceptKw("transaction", "isolation", "level"):
		st.What = "transaction_isolation"
	case c.acceptKw("time", "zone"):
		st.What = "timezone"
	case c.acceptKw("session", "authorization"):
		st.What = "session_authorization"
	default:
		name, err := variableName(c)
		if err != nil {
			return nil, err
		}
		st.What = name
	}
	return st, c.expectEnd()
}

// variableName parses a setting name: identifiers joined by dots, lower-cased
// (Postgres looks settings up case-insensitively).
func variableName(c *cursor) (string, error) {
	name, _, err := c.ident()
	if err != nil {
		return "", err
	}
	for c.accept(".") {
		part, _, err := c.ident()
		if err != nil {
			return "", err
		}
		name += "." + part
	}
	return strings.ToLower(name), nil
}

// parseSet parses SET [SESSION|LOCAL] name {=|TO} value[, ...]|DEFAULT, SET
// TIME ZONE value, SET NAMES, SET SCHEMA, SET SESSION AUTHORIZATION, and
// SET [SESSION CHARACTERISTICS AS] TRANSACTION modes (Name "transaction" or
// "session_characteristics", Value the normalised modes).
func parseSet(c *cursor, src Source) (Statement, error) {
	c.next()
	st := &Set{Source: src}
	switch {
	case c.acceptKw("session", "characteristics", "as", "transaction"):
		st.Name = "session_characteristics"
		modes, err := transactionModes(c)
		if err != nil {
			return nil, err
		}
		st.Value = modes
		return st, c.expectEnd()
	case c.acceptKw("session", "authorization"):
		st.Name = "session_authorization"
		return setValue(c, st)
	case c.acceptKw("local"):
		st.Local = true
	case c.acceptKw("session"):
	}
	switch {
	case c.acceptKw("transaction"):
		st.Name = "transaction"
		modes, err := transactionModes(c)
		if err != nil {
			return nil, err
		}
		st.Value = modes
		return st, c.expectEnd()
	case c.acceptKw("time", "zone"):
		st.Name = "timezone"
		if c.acceptKw("local") {
			st.Value = "default"
			return st, c.expectEnd()
		}
		return setValue(c, st)
	case c.acceptKw("names"):
		st.Name = "client_encoding"
		return setValue(c, st)
	case c.acceptKw("schema"):
		st.Name = "search_path"
		return setValue(c, st)
	}
	name, err := variableName(c)
	if err != nil {
		return nil, err
	}
	st.Name = name
	if !c.accept("=") {
		if err := c.expectKw("to"); err != nil {
			return nil, err
		}
	}
	return setValue(c, st)
}

// setValue parses DEFAULT or a comma-separated list of values into st.Value.
func setValue(c *cursor, st *Set) (Statement, error) {
	if c.acceptKw("default") {
		st.Value = "default"
		return st, c.expectEnd()
	}
	var values []string
	for {
		v, err := optionValue(c)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		if !c.accept(",") {
			break
		}
	}
	st.Value = strings.Join(values, ", ")
	return st, c.expectEnd()
}

// parseReset parses RESET NOVELTY CONTEXT 'name', and RESET name / RESET
// ALL, which mean SET name TO DEFAULT (Name "all" for RESET ALL).
func parseReset(c *cursor, src Source) (Statement, error) {
	c.next()
	if c.acceptKw("novelty", "context") {
		t := c.next()
		if t.kind != tkString && t.kind != tkIdent && t.kind != tkQIdent {
			return nil, syntaxErrorToken(c.text, t)
		}
		return &ResetNovelty{Source: src, Context: t.val}, c.expectEnd()
	}
	st := &Set{Source: src, Value: "default"}
	switch {
	case c.acceptKw("time", "zone"):
		st.Name = "timezone"
	case c.acceptKw("session", "authorization"):
		st.Name = "session_authorization"
	default:
		name, err := variableName(c)
		if err != nil {
			return nil, err
		}
		st.Name = name
	}
	return st, c.expectEnd()
}

// transactionModes parses ISOLATION LEVEL ..., READ WRITE | READ ONLY,
// [NOT] DEFERRABLE, separated by optional commas, and returns them
// normalised: "isolation level read committed, read only".
func transactionModes(c *cursor) (string, error) {
	var modes []string
	for !c.atEnd() {
		if len(modes) > 0 {
			c.accept(",")
		}
		switch {
		case c.acceptKw("isolation", "level"):
			switch {
			case c.acceptKw("serializable"):
				modes = append(modes, "isolation level serializable")
			case c.acceptKw("repeatable", "read"):
				modes = append(modes, "isolation level repeatable read")
			case c.acceptKw("read", "committed"):
				modes = append(modes, "isolation level read committed")
			case c.acceptKw("read", "uncommitted"):
				modes = append(modes, "isolation level read uncommitted")
			default:
				return "", c.errHere()
			}
		case c.acceptKw("read", "write"):
			modes = append(modes, "read write")
		case c.acceptKw("read", "only"):
			modes = append(modes, "read only")
		case c.acceptKw("deferrable"):
			modes = append(modes, "deferrable")
		case c.acceptKw("not", "deferrable"):
			modes = append(modes, "not deferrable")
		default:
			return "", c.errHere()
		}
	}
	return strings.Join(modes, ", "), nil
}

// parseTransaction parses BEGIN [WORK|TRANSACTION] [modes], START
// TRANSACTION [modes], COMMIT|END [WORK|TRANSACTION] [AND NO CHAIN],
// ROLLBACK|ABORT [WORK|TRANSACTION] [AND NO CHAIN]. Modes are checked and
// dropped: Novelty's transactions are all the same kind.
func parseTransaction(c *cursor, src Source) (Statement, error) {
	first := c.next()
	st := &Transaction{Source: src}
	switch first.val {
	case "begin", "start":
		if first.val == "start" {
			if err := c.expectKw("transaction"); err != nil {
				return nil, err
			}
		} else if !c.acceptKw("work") {
			c.acceptKw("transaction")
		}
		st.Kind = TxnBegin
		if _, err := transactionModes(c); err != nil {
			return nil, err
		}
		return st, nil
	case "commit", "end":
		st.Kind = TxnCommit
	default:
		st.Kind = TxnRollback
		if t := c.peek(); t.isKw("to") {
			return nil, featureError(c.text, t.start, "savepoints are not supported")
		}
	}
	if !c.acceptKw("work") {
		c.acceptKw("transaction")
	}
	if t := c.peek(); t.isKw("and") {
		if !c.acceptKw("and", "no", "chain") {
			if c.acceptKw("and", "chain") {
				return nil, featureError(c.text, t.start, "AND CHAIN is not supported")
			}
			return nil, syntaxErrorToken(c.text, c.at(1))
		}
	}
	return st, c.expectEnd()
}

// parseDescribe parses DESCRIBE name or DESC name.
func parseDescribe(c *cursor, src Source) (Statement, error) {
	c.next()
	name, _, err := c.objectName()
	if err != nil {
		return nil, err
	}
	return &Describe{Source: src, Name: name}, c.expectEnd()
}

// parseTruncate parses TRUNCATE [TABLE] name.
func parseTruncate(c *cursor, src Source) (Statement, error) {
	c.next()
	c.acceptKw("table")
	name, _, err := c.objectName()
	if err != nil {
		return nil, err
	}
	return &Truncate{Source: src, Name: name}, c.expectEnd()
}

// parseExplain parses EXPLAIN [ANALYZE | ANALYSE | (option [, ...])]
// <statement>; the inner statement has its own Source. The only option is
// ANALYZE [boolean].
func parseExplain(c *cursor, src Source) (Statement, error) {
	c.next()
	ex := &Explain{Source: src}
	switch {
	case c.acceptKw("analyze"), c.acceptKw("analyse"):
		ex.Analyze = true
	case c.peek().is("(") && c.at(1).kind == tkIdent && !startsQuery(c.at(1)):
		c.next()
		if err := parseExplainOptions(c, ex); err != nil {
			return nil, err
		}
	}
	if c.atEnd() {
		return nil, c.errHere()
	}
	first := c.peek()
	inner := Source{Text: c.text[first.start:c.toks[len(c.toks)-2].end], Offset: first.start}
	stmt, err := parseCommand(&cursor{text: c.text, toks: c.toks[c.i:], base: inner.Offset}, inner)
	if err != nil {
		return nil, err
	}
	ex.Stmt = stmt
	return ex, nil
}

// startsQuery tells the words that open a parenthesised query, which
// EXPLAIN (SELECT ...) explains, from EXPLAIN's option list.
func startsQuery(t token) bool {
	return t.isKw("select") || t.isKw("values") || t.isKw("with") || t.isKw("table")
}

// parseExplainOptions parses EXPLAIN's option list after its "(", through
// the ")".
func parseExplainOptions(c *cursor, ex *Explain) error {
	for {
		name, tok, err := c.ident()
		if err != nil {
			return err
		}
		if name != "analyze" && name != "analyse" {
			return featureError(c.text, tok.start,
				"EXPLAIN option "+strconv.Quote(name)+" is not supported: the only option is ANALYZE")
		}
		ex.Analyze = true
		if t := c.peek(); !t.is(",") && !t.is(")") {
			on, err := explainBoolean(c)
			if err != nil {
				return err
			}
			ex.Analyze = on
		}
		if c.accept(")") {
			return nil
		}
		if err := c.expect(","); err != nil {
			return err
		}
	}
}

// explainBoolean consumes an option's boolean value as Postgres spells
// it: TRUE, FALSE, ON, OFF, 1 or 0.
func explainBoolean(c *cursor) (bool, error) {
	t := c.peek()
	switch {
	case t.isKw("true"), t.isKw("on"), t.kind == tkNumber && t.val == "1":
		c.next()
		return true, nil
	case t.isKw("false"), t.isKw("off"), t.kind == tkNumber && t.val == "0":
		c.next()
		return false, nil
	}
	return false, c.errHere()
}

// parseSubscribe parses SUBSCRIBE [TO] name | SUBSCRIBE (query), then [LIMIT n].
func parseSubscribe(c *cursor, src Source) (Statement, error) {
	c.next()
	st := &Subscribe{Source: src, Limit: -1}
	if c.peek().is("(") {
		open := c.i
		closer, err := c.closing(open)
		if err != nil {
			return nil, err
		}
		if st.Query, err = parseQuery(c.text, c.toks[open+1:closer+1], c.base); err != nil {
			return nil, err
		}
		st.Positions = positions(c.text, c.base)
		c.i = closer + 1
	} else {
		if c.peek().isKw("to") && (c.at(1).kind == tkIdent || c.at(1).kind == tkQIdent) {
			c.next()
		}
		name, _, err := c.objectName()
		if err != nil {
			return nil, err
		}
		st.Name = name
	}
	if c.acceptKw("limit") {
		t := c.next()
		if t.kind != tkNumber || !isPlainNumber(t.val) || strings.Contains(t.val, ".") {
			return nil, syntaxErrorToken(c.text, t)
		}
		n, err := parseLimit(t.val)
		if err != nil {
			return nil, types.Errorf(types.CodeNumericValueOutOfRange, "LIMIT %s is out of range", t.val).
				WithPosition(charPos(c.text, t.start))
		}
		st.Limit = n
	}
	return st, c.expectEnd()
}

// closing returns the index of the ")" matching the "(" at toks[open].
func (c *cursor) closing(open int) (int, error) {
	depth := 0
	for k := open; k < len(c.toks)-1; k++ {
		switch {
		case c.toks[k].is("("):
			depth++
		case c.toks[k].is(")"):
			depth--
			if depth == 0 {
				return k, nil
			}
		}
	}
	return 0, syntaxErrorToken(c.text, c.toks[len(c.toks)-1])
}

func parseLimit(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
