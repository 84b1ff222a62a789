package parser

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	tparser "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // value expressions for TiDB's AST

	"github.com/novelty-db/novelty/types"
)

// tidbParsers pools TiDB parsers: one is not safe for concurrent use.
var tidbParsers = sync.Pool{New: func() any {
	p := tparser.New()
	p.SetSQLMode(mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes)
	return p
}}

// rendered is rewritten text with the way back to the source tokens.
type rendered struct {
	sql    string
	starts []int // offset in sql of each piece
	toks   []int // source token index of each piece
	params []int // $n of each "?" in order of appearance, 0-based
	max    int   // the largest n of $n
	end    int   // offset just after the last piece
}

// render joins pieces into text, after prefix.
func render(prefix string, pieces []piece) rendered {
	var b strings.Builder
	b.WriteString(prefix)
	out := rendered{starts: make([]int, len(pieces)), toks: make([]int, len(pieces))}
	for k, p := range pieces {
		if p.space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		out.starts[k] = b.Len()
		out.toks[k] = p.tok
		b.WriteString(p.text)
		if p.param > 0 {
			out.params = append(out.params, p.param-1)
			out.max = max(out.max, p.param)
		}
	}
	out.sql = b.String()
	out.end = len(out.sql)
	return out
}

// tokenAt returns the source token index behind offset off of the rendered
// text, or -1 past its last piece.
func (r *rendered) tokenAt(off int) int {
	if len(r.toks) == 0 || off < 0 || off >= r.end {
		return -1
	}
	k := sort.Search(len(r.starts), func(k int) bool { return r.starts[k] > off }) - 1
	return r.toks[max(k, 0)]
}

// tidbParse rewrites toks (ending with their terminator) and parses them
// with TiDB as one statement, or as `SELECT (expression)` when expr is set.
// Node offsets in the result are byte offsets in text minus base.
func tidbParse(text string, toks []token, base int, expr, noParams bool) (ast.StmtNode, rendered, error) {
	rw, err := newRewriter(text, toks, noParams)
	if err != nil {
		return nil, rendered{}, err
	}
	units, err := rw.seq(0, len(toks)-1)
	if err != nil {
		return nil, rendered{}, err
	}
	var b builder
	for k, u := range units {
		b.unit(u, k > 0 && u.space())
	}
	prefix := ""
	if expr {
		prefix = "select ("
		b.text(")", len(toks)-1, false)
	}
	out := render(prefix, b.pieces)
	stmts, err := parseRendered(out.sql)
	if e, ok := types.AsError(err); ok {
		return nil, out, e.WithPosition(charPos(text, toks[0].start))
	}
	if err != nil {
		return nil, out, tidbError(text, toks, &out, err)
	}
	if len(stmts) != 1 {
		return nil, out, syntaxErrorToken(text, toks[len(toks)-1])
	}
	stmts[0].Accept(&offsetMapper{toks: toks, out: &out, base: base})
	return stmts[0], out, nil
}

// parseRendered parses rewritten SQL with a pooled TiDB parser. A panic
// inside TiDB (its value drivers panic on input they do not implement)
// becomes an internal error (a *types.Error; TiDB's own errors are not)
// for this statement instead of ending the server; that parser is dropped
// rather than reused.
func parseRendered(sql string) (stmts []ast.StmtNode, err error) {
	p := tidbParsers.Get().(*tparser.Parser)
	defer func() {
		if r := recover(); r != nil {
			stmts, err = nil, types.Errorf(types.CodeInternalError, "the SQL parser failed on this statement: %v", r)
		}
	}()
	stmts, _, err = p.Parse(sql, "", "")
	tidbParsers.Put(p)
	return stmts, err
}

// tidbError converts TiDB's `line L column C near "rest"` into a Postgres
// syntax error at the source token where "rest" begins.
func tidbError(text string, toks []token, out *rendered, err error) error {
	msg := err.Error()
	at := strings.Index(msg, `near "`)
	if at < 0 {
		return types.Errorf(types.CodeSyntaxError, "%s", msg).WithPosition(charPos(text, toks[0].start))
	}
	rest := msg[at+len(`near "`):]
	off := -1
	if i := strings.LastIndex(rest, "(total length "); i >= 0 {
		if n, convErr := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest[i+len("(total length "):]), ")")); convErr == nil {
			off = len(out.sql) - n
		}
	}
	for o := 0; off < 0 && o <= len(out.sql); o++ {
		tail := out.sql[o:]
		if len(rest) > len(tail) && rest[len(tail)] == '"' && strings.HasPrefix(rest, tail) {
			off = o
		}
	}
	tok := out.tokenAt(off)
	if off < 0 || tok < 0 {
		return syntaxErrorToken(text, toks[len(toks)-1])
	}
	return syntaxErrorToken(text, toks[tok])
}

// offsetMapper moves every expression's offset from the rewritten text to
// the source: byte offset in the source text minus base.
type offsetMapper struct {
	toks []token
	out  *rendered
	base int
}

// Enter implements ast.Visitor.
func (m *offsetMapper) Enter(n ast.Node) (ast.Node, bool) {
	if e, ok := n.(ast.ExprNode); ok {
		tok := m.out.tokenAt(e.OriginTextPosition())
		if tok < 0 {
			tok = len(m.toks) - 1
		}
		e.SetOriginTextPosition(m.toks[tok].start - m.base)
	}
	return n, false
}

// Leave implements ast.Visitor.
func (m *offsetMapper) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// ParseExpr parses one expression with the same rewrites as statements
// (the lead uses it for DEFAULT expressions). Offsets of its nodes are byte
// offsets in text.
func ParseExpr(text string) (ast.ExprNode, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	return exprFromTokens(text, toks, 0)
}

// exprFromTokens parses toks (ending with their terminator) as one
// expression. It refuses parameters: expressions outside queries have none.
func exprFromTokens(text string, toks []token, base int) (ast.ExprNode, error) {
	if len(toks) == 1 {
		return nil, syntaxErrorToken(text, toks[0])
	}
	depth := 0
	for _, t := range toks[:len(toks)-1] {
		switch {
		case t.is("(") || t.is("["):
			depth++
		case t.is(")") || t.is("]"):
			depth--
		case depth == 0 && (t.is(",") || t.is(";")):
			return nil, syntaxErrorToken(text, t)
		}
	}
	stmt, _, err := tidbParse(text, toks, base, true, true)
	if err != nil {
		return nil, err
	}
	// The shape is fixed by the parentheses around the expression.
	sel, ok := stmt.(*ast.SelectStmt)
	if !ok || sel.Fields == nil || len(sel.Fields.Fields) != 1 {
		return nil, fmt.Errorf("parse expression %q: unexpected statement %T", text, stmt)
	}
	paren, ok := sel.Fields.Fields[0].Expr.(*ast.ParenthesesExpr)
	if !ok {
		return nil, fmt.Errorf("parse expression %q: unexpected expression %T", text, sel.Fields.Fields[0].Expr)
	}
	return paren.Expr, nil
}
