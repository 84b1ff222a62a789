package parser

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Parse parses a script of statements separated by semicolons. As in
// Postgres, an error anywhere fails the whole script; errors are
// *types.Error with Position the 1-based character offset in script.
//
// Every ";"-terminated segment is a statement (*Empty when it holds only
// comments or nothing). A final segment without ";" counts only if it
// holds tokens, or when the script has no statement at all: "" and
// "-- note" parse to one *Empty, "SELECT 1;" to one *Query.
func Parse(script string) ([]Statement, error) {
	toks, err := lex(script)
	if err != nil {
		return nil, err
	}
	var stmts []Statement
	start := 0
	for i, t := range toks {
		if !t.is(";") && t.kind != tkEOF {
			continue
		}
		if t.kind == tkEOF && i == start && len(stmts) > 0 {
			break
		}
		st, err := parseStatement(script, toks[start:i+1])
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
		start = i + 1
	}
	return stmts, nil
}

// parseStatement parses one statement: toks are its tokens followed by its
// terminator (";" or end of input).
func parseStatement(script string, toks []token) (Statement, error) {
	term := toks[len(toks)-1]
	if len(toks) == 1 {
		return &Empty{Source: Source{Offset: term.start}}, nil
	}
	src := Source{Text: script[toks[0].start:toks[len(toks)-2].end], Offset: toks[0].start}
	c := &cursor{text: script, toks: toks, base: src.Offset}
	return parseCommand(c, src)
}

// parseCommand dispatches on the statement's first word.
func parseCommand(c *cursor, src Source) (Statement, error) {
	first := c.peek()
	switch {
	case first.is("("):
		return parseTiDB(c, src)
	case first.kind != tkIdent:
		return nil, c.errHere()
	}
	switch first.val {
	case "select", "with", "table", "values", "insert", "update", "delete":
		return parseTiDB(c, src)
	case "create":
		return parseCreate(c, src)
	case "drop":
		return parseDrop(c, src)
	case "show":
		return parseShow(c, src)
	case "describe", "desc":
		return parseDescribe(c, src)
	case "explain":
		return parseExplain(c, src)
	case "subscribe":
		return parseSubscribe(c, src)
	case "truncate":
		return parseTruncate(c, src)
	case "copy":
		return parseCopy(c, src)
	case "declare":
		return parseDeclare(c, src)
	case "fetch", "move":
		return parseFetch(c, src)
	case "close":
		return parseClose(c, src)
	case "set":
		return parseSet(c, src)
	case "reset":
		return parseReset(c, src)
	case "begin", "start", "commit", "end", "rollback", "abort":
		return parseTransaction(c, src)
	case "discard":
		c.next()
		if err := c.expectKw("all"); err != nil {
			return nil, err
		}
		return &Discard{Source: src}, c.expectEnd()
	}
	return nil, c.errHere()
}

// parseTiDB hands the rest of the statement to TiDB as a query or DML.
func parseTiDB(c *cursor, src Source) (Statement, error) {
	stmt, out, err := tidbParse(c.text, c.toks[c.i:], src.Offset, false, false)
	if err != nil {
		return nil, err
	}
	pos := positions(c.text, src.Offset)
	switch stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		return &Query{Source: src, Stmt: stmt, Positions: pos, Params: out.max, ParamOrder: out.params}, nil
	case *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		return &DML{Source: src, Stmt: stmt, Positions: pos, Params: out.max, ParamOrder: out.params}, nil
	}
	return nil, syntaxErrorToken(c.text, c.peek())
}

// parseQuery parses toks (ending with their terminator) as a SELECT for a
// streaming statement; queries inside DDL take no parameters.
func parseQuery(text string, toks []token, base int) (ast.StmtNode, error) {
	stmt, _, err := tidbParse(text, toks, base, false, true)
	if err != nil {
		return nil, err
	}
	switch stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		return stmt, nil
	}
	return nil, syntaxErrorToken(text, toks[0])
}

// positions returns the Positions of a statement at byte offset base of
// script. The parser has already moved node offsets to byte offsets in the
// statement's Text; Positions turns one into the 0-based character offset
// in the script, so Positions(n.OriginTextPosition())+1 is the Postgres
// error position.
func positions(script string, base int) Positions {
	return func(off int) int { return charPos(script, base+off) - 1 }
}
