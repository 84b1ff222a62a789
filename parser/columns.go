package parser

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/types"
)

// parseCreateTable parses the rest of CREATE TABLE name (columns [,
// PRIMARY KEY (a, b)] [, CONSTRAINT x PRIMARY KEY (...)]). Columns of the
// primary key are marked PrimaryKey and NotNull, as Postgres makes them.
func parseCreateTable(c *cursor, st *CreateTable) (Statement, error) {
	if err := c.expect("("); err != nil {
		return nil, err
	}
	var pkAt token
	for elements := 0; !c.accept(")"); elements++ {
		if elements > 0 {
			if err := c.expect(","); err != nil {
				return nil, err
			}
		}
		if isTableConstraint(c) {
			start := c.peek()
			cols, err := parseTableConstraint(c)
			if err != nil {
				return nil, err
			}
			if st.PrimaryKey != nil {
				return nil, multiplePrimaryKeys(c.text, st.Name, start)
			}
			st.PrimaryKey, pkAt = cols, start
			continue
		}
		colTok := c.peek()
		col, err := parseColumn(c, true)
		if err != nil {
			return nil, err
		}
		if col.PrimaryKey {
			if st.PrimaryKey != nil {
				return nil, multiplePrimaryKeys(c.text, st.Name, colTok)
			}
			st.PrimaryKey = []string{col.Name}
		}
		if err := addColumn(c.text, &st.Columns, col); err != nil {
			return nil, err
		}
	}
	for _, name := range st.PrimaryKey {
		found := false
		for k := range st.Columns {
			if st.Columns[k].Name == name {
				st.Columns[k].PrimaryKey, st.Columns[k].NotNull, found = true, true, true
			}
		}
		if !found {
			return nil, types.Errorf(types.CodeUndefinedColumn, "column \"%s\" named in key does not exist", name).
				WithPosition(charPos(c.text, pkAt.start))
		}
	}
	return st, c.expectEnd()
}

func multiplePrimaryKeys(text, table string, at token) error {
	return types.Errorf(codeInvalidTableDefinition, "multiple primary keys for table \"%s\" are not allowed", table).
		WithPosition(charPos(text, at.start))
}

// isTableConstraint reports whether a table constraint starts here.
func isTableConstraint(c *cursor) bool {
	t := c.peek()
	return t.isKw("constraint") || t.isKw("primary") || t.isKw("unique") || t.isKw("check") ||
		t.isKw("foreign") || t.isKw("exclude")
}

// parseTableConstraint parses [CONSTRAINT name] PRIMARY KEY (a, ...) and
// returns the key's columns. Other constraints are refused: accepting them
// without enforcing them would mislead.
func parseTableConstraint(c *cursor) ([]string, error) {
	if c.acceptKw("constraint") {
		if _, _, err := c.ident(); err != nil {
			return nil, err
		}
	}
	t := c.peek()
	if !c.acceptKw("primary", "key") {
		if t.isKw("unique") || t.isKw("check") || t.isKw("foreign") || t.isKw("exclude") {
			return nil, featureError(c.text, t.start, asciiUpper(t.val)+" constraints are not supported")
		}
		return nil, c.errHere()
	}
	if err := c.expect("("); err != nil {
		return nil, err
	}
	var cols []string
	for {
		name, _, err := c.ident()
		if err != nil {
			return nil, err
		}
		cols = append(cols, name)
		if c.accept(")") {
			return cols, nil
		}
		if err := c.expect(","); err != nil {
			return nil, err
		}
	}
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'a' && ch <= 'z' {
			b[i] = ch - 'a' + 'A'
		}
	}
	return string(b)
}

// parseColumn parses `name type` and the column options: for a table NOT
// NULL, NULL, PRIMARY KEY, DEFAULT expr, GENERATED {ALWAYS|BY DEFAULT} AS
// IDENTITY, each optionally after CONSTRAINT name; for a source NOT NULL,
// NULL and PATH '$.a.b'.
func parseColumn(c *cursor, table bool) (ColumnDef, error) {
	name, nameTok, err := c.ident()
	if err != nil {
		return ColumnDef{}, err
	}
	col := ColumnDef{Name: name, Pos: charPos(c.text, nameTok.start)}
	typeTok := c.peek()
	if col.TypeName, err = c.typeName(); err != nil {
		return ColumnDef{}, err
	}
	typ, ok := types.TypeByName(col.TypeName)
	if !ok {
		return ColumnDef{}, types.Errorf(types.CodeUndefinedObject, "type \"%s\" does not exist", col.TypeName).
			WithPosition(charPos(c.text, typeTok.start))
	}
	col.Type, col.Serial = typ, types.IsSerial(col.TypeName)
	sawNull := false
	for {
		t := c.peek()
		if table && c.acceptKw("constraint") {
			if _, _, err := c.ident(); err != nil {
				return ColumnDef{}, err
			}
			t = c.peek()
		}
		switch {
		case c.acceptKw("not", "null"):
			if sawNull && !col.NotNull {
				return ColumnDef{}, conflictingNull(c.text, col.Name, t)
			}
			col.NotNull, sawNull = true, true
		case c.acceptKw("null"):
			if sawNull && col.NotNull {
				return ColumnDef{}, conflictingNull(c.text, col.Name, t)
			}
			sawNull = true
		case !table && c.acceptKw("path"):
			p := c.next()
			if p.kind != tkString {
				return ColumnDef{}, syntaxErrorToken(c.text, p)
			}
			col.Path = p.val
		case !table && c.acceptKw("metadata"):
			col.Metadata = col.Name
			if c.acceptKw("from") {
				k := c.next()
				if k.kind != tkString {
					return ColumnDef{}, syntaxErrorToken(c.text, k)
				}
				col.Metadata = k.val
			}
		case table && c.acceptKw("primary", "key"):
			col.PrimaryKey = true
		case table && c.acceptKw("default"):
			if col.Default, err = c.expr(endsColumnDefault); err != nil {
				return ColumnDef{}, err
			}
		case table && c.acceptKw("generated"):
			if err := parseIdentity(c); err != nil {
				return ColumnDef{}, err
			}
			col.Serial = true
		case table && (t.isKw("unique") || t.isKw("references") || t.isKw("check")):
			return ColumnDef{}, featureError(c.text, t.start, asciiUpper(t.val)+" constraints are not supported")
		default:
			return col, nil
		}
	}
}

func conflictingNull(text, col string, at token) error {
	return types.Errorf(types.CodeSyntaxError, "conflicting NULL/NOT NULL declarations for column \"%s\"", col).
		WithPosition(charPos(text, at.start))
}

// endsColumnDefault reports whether a DEFAULT expression ends before t.
func endsColumnDefault(t token) bool {
	if t.kind != tkIdent {
		return false
	}
	switch t.val {
	case "not", "null", "primary", "generated", "constraint", "unique", "references", "check", "default":
		return true
	}
	return false
}

// parseIdentity parses {ALWAYS|BY DEFAULT} AS IDENTITY [( options )] after GENERATED.
func parseIdentity(c *cursor) error {
	if !c.acceptKw("always") {
		if err := c.expectKw("by", "default"); err != nil {
			return err
		}
	}
	if err := c.expectKw("as", "identity"); err != nil {
		return err
	}
	if c.peek().is("(") {
		depth := 0
		for {
			t := c.next()
			switch {
			case t.kind == tkEOF || t.is(";"):
				return syntaxErrorToken(c.text, t)
			case t.is("("):
				depth++
			case t.is(")"):
				depth--
			}
			if depth == 0 {
				return nil
			}
		}
	}
	return nil
}

// addColumn appends col, refusing a duplicate name.
func addColumn(text string, cols *[]ColumnDef, col ColumnDef) error {
	if hasColumn(*cols, col.Name) {
		return types.Errorf(types.CodeDuplicateColumn, "column \"%s\" specified more than once", col.Name).WithPosition(col.Pos)
	}
	*cols = append(*cols, col)
	return nil
}

func hasColumn(cols []ColumnDef, name string) bool {
	for _, col := range cols {
		if col.Name == name {
			return true
		}
	}
	return false
}

// expr parses the expression starting here, up to a "," or ")" at its own
// nesting level, a token stop accepts (after the first), or the end.
func (c *cursor) expr(stop func(token) bool) (ast.ExprNode, error) {
	start := c.i
	depth := 0
	end := start
	for ; end < len(c.toks)-1; end++ {
		t := c.toks[end]
		if depth == 0 && (t.is(",") || t.is(")") || end > start && stop(t)) {
			break
		}
		switch {
		case t.is("(") || t.is("["):
			depth++
		case t.is(")") || t.is("]"):
			depth--
		}
	}
	e, err := exprFromTokens(c.text, c.toks[start:end+1], c.base)
	if err != nil {
		return nil, err
	}
	c.i = end
	return e, nil
}
