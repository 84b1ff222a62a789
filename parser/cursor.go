package parser

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// cursor walks the tokens of one statement for the recursive-descent parser.
// toks ends with the statement's terminator: the ";" token or tkEOF, so
// peeking past the statement yields the token Postgres would report.
type cursor struct {
	text string // the text token offsets refer to (the whole script)
	toks []token
	i    int
	base int // byte offset of the statement in text: AST offsets are relative to it
}

// peek returns the current token (the terminator at the end).
func (c *cursor) peek() token { return c.at(0) }

// at returns the token n places ahead of the current one.
func (c *cursor) at(n int) token {
	if c.i+n >= len(c.toks) {
		return c.toks[len(c.toks)-1]
	}
	return c.toks[c.i+n]
}

// atEnd reports whether only the terminator is left.
func (c *cursor) atEnd() bool { return c.i >= len(c.toks)-1 }

// next returns the current token and advances.
func (c *cursor) next() token {
	t := c.peek()
	if !c.atEnd() {
		c.i++
	}
	return t
}

// errHere is a syntax error at the current token.
func (c *cursor) errHere() *types.Error { return syntaxErrorToken(c.text, c.peek()) }

// acceptKw consumes the keyword sequence kws if it is next.
func (c *cursor) acceptKw(kws ...string) bool {
	for n, kw := range kws {
		if !c.at(n).isKw(kw) {
			return false
		}
	}
	c.i += len(kws)
	return true
}

// expectKw consumes the keyword sequence kws or fails at the first mismatch.
func (c *cursor) expectKw(kws ...string) error {
	for _, kw := range kws {
		if !c.peek().isKw(kw) {
			return c.errHere()
		}
		c.i++
	}
	return nil
}

// accept consumes the punctuation or operator p if it is next.
func (c *cursor) accept(p string) bool {
	if c.peek().is(p) {
		c.i++
		return true
	}
	return false
}

// expect consumes the punctuation or operator p or fails.
func (c *cursor) expect(p string) error {
	if !c.accept(p) {
		return c.errHere()
	}
	return nil
}

// expectEnd fails unless the statement is fully consumed.
func (c *cursor) expectEnd() error {
	if !c.atEnd() {
		return c.errHere()
	}
	return nil
}

// ident consumes an identifier: unquoted (folded) or quoted (case kept).
func (c *cursor) ident() (string, token, error) {
	t := c.peek()
	if t.kind != tkIdent && t.kind != tkQIdent {
		return "", t, c.errHere()
	}
	c.i++
	return t.val, t, nil
}

// objectName consumes a catalog object name, optionally qualified with the
// only schema Novelty has, public.
func (c *cursor) objectName() (string, token, error) {
	name, tok, err := c.ident()
	if err != nil {
		return "", tok, err
	}
	if !c.peek().is(".") {
		return name, tok, nil
	}
	if name != "public" {
		return "", tok, types.Errorf(codeInvalidSchemaName, "schema \"%s\" does not exist", name).WithPosition(charPos(c.text, tok.start))
	}
	c.i++
	name, _, err = c.ident()
	return name, tok, err
}

// typeName consumes a Postgres type name and returns it normalised: lower
// case, single spaces, modifiers kept ("character varying(20)",
// "timestamp(3) with time zone", "pg_catalog.text", "text[]").
func (c *cursor) typeName() (string, error) {
	first, _, err := c.ident()
	if err != nil {
		return "", err
	}
	words := []string{first}
	if c.peek().is(".") && (c.at(1).kind == tkIdent || c.at(1).kind == tkQIdent) {
		words[0] += "." + c.at(1).val
		c.i += 2
	}
	base := words[0][strings.LastIndexByte(words[0], '.')+1:]
	switch base {
	case "double":
		if c.acceptKw("precision") {
			words = append(words, "precision")
		}
	case "national":
		w := c.peek()
		if !w.isKw("character") && !w.isKw("char") {
			return "", c.errHere()
		}
		words = append(words, w.val)
		c.i++
		fallthrough
	case "character", "char", "nchar", "bit":
		if c.acceptKw("varying") {
			words = append(words, "varying")
		}
	}
	name := strings.Join(words, " ") + c.typeModifiers()
	if base == "timestamp" || base == "time" {
		switch {
		case c.acceptKw("with", "time", "zone"):
			name += " with time zone"
		case c.acceptKw("without", "time", "zone"):
			name += " without time zone"
		}
	}
	for c.peek().is("[") {
		switch {
		case c.at(1).is("]"):
			c.i += 2
		case c.at(1).kind == tkNumber && c.at(2).is("]"):
			c.i += 3
		default:
			return "", syntaxErrorToken(c.text, c.at(1))
		}
		name += "[]"
	}
	return name, nil
}

// typeModifiers consumes "(n)" or "(n, m)" after a type name.
func (c *cursor) typeModifiers() string {
	if !c.peek().is("(") {
		return ""
	}
	mods := []string{}
	n := 1
	for {
		if c.at(n).kind != tkNumber {
			return ""
		}
		mods = append(mods, c.at(n).val)
		n++
		if c.at(n).is(")") {
			break
		}
		if !c.at(n).is(",") {
			return ""
		}
		n++
	}
	c.i += n + 1
	return "(" + strings.Join(mods, ",") + ")"
}
