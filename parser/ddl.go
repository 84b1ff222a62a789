package parser

import (
	"github.com/novelty-db/novelty/types"
)

// objectKinds maps the object words of CREATE and DROP to their kinds.
var objectKinds = map[string]ObjectKind{
	"source": KindSource, "stream": KindStream, "sink": KindSink, "table": KindTable,
}

// parseCreate parses CREATE SOURCE | STREAM | SINK | TABLE.
func parseCreate(c *cursor, src Source) (Statement, error) {
	c.next()
	kind, ok := objectKinds[c.peek().val]
	if !ok || c.peek().kind != tkIdent {
		return nil, c.errHere()
	}
	c.next()
	ifNotExists := false
	if c.peek().isKw("if") {
		if err := c.expectKw("if", "not", "exists"); err != nil {
			return nil, err
		}
		ifNotExists = true
	}
	name, _, err := c.objectName()
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindSource:
		return parseCreateSource(c, &CreateSource{Source: src, Name: name, IfNotExists: ifNotExists})
	case KindStream:
		return parseCreateStream(c, &CreateStream{Source: src, Name: name, IfNotExists: ifNotExists})
	case KindSink:
		return parseCreateSink(c, &CreateSink{Source: src, Name: name, IfNotExists: ifNotExists})
	}
	return parseCreateTable(c, &CreateTable{Source: src, Name: name, IfNotExists: ifNotExists})
}

// parseCreateSource parses the rest of CREATE SOURCE name [(columns,
// WATERMARK FOR col AS expr)] [WITH (...)]. The column list may be omitted
// or empty when the connector supplies the schema (nexmark).
func parseCreateSource(c *cursor, st *CreateSource) (Statement, error) {
	if c.accept("(") && !c.accept(")") {
		for {
			if c.peek().isKw("watermark") {
				if err := parseWatermark(c, st); err != nil {
					return nil, err
				}
			} else {
				col, err := parseColumn(c, false)
				if err != nil {
					return nil, err
				}
				if err := addColumn(c.text, &st.Columns, col); err != nil {
					return nil, err
				}
			}
			if c.accept(")") {
				break
			}
			if err := c.expect(","); err != nil {
				return nil, err
			}
		}
	}
	if st.Watermark != nil && len(st.Columns) > 0 && !hasColumn(st.Columns, st.Watermark.Column) {
		return nil, types.Errorf(types.CodeUndefinedColumn, "column \"%s\" named in WATERMARK does not exist", st.Watermark.Column).
			WithPosition(charPos(c.text, st.Source.Offset+st.Watermark.Expr.OriginTextPosition()))
	}
	opts, err := parseWith(c)
	if err != nil {
		return nil, err
	}
	st.Options = opts
	return st, c.expectEnd()
}

// parseWatermark parses WATERMARK FOR col AS expr.
func parseWatermark(c *cursor, st *CreateSource) error {
	wm := c.next()
	if st.Watermark != nil {
		return types.Errorf(types.CodeSyntaxError, "multiple WATERMARK clauses are not allowed").WithPosition(charPos(c.text, wm.start))
	}
	if err := c.expectKw("for"); err != nil {
		return err
	}
	col, _, err := c.ident()
	if err != nil {
		return err
	}
	if err := c.expectKw("as"); err != nil {
		return err
	}
	expr, err := c.expr(func(token) bool { return false })
	if err != nil {
		return err
	}
	st.Watermark = &WatermarkDef{Column: col, Expr: expr}
	return nil
}

// parseCreateStream parses the rest of CREATE STREAM name [WITH (...)] AS query.
func parseCreateStream(c *cursor, st *CreateStream) (Statement, error) {
	opts, err := parseWith(c)
	if err != nil {
		return nil, err
	}
	st.Options = opts
	if err := c.expectKw("as"); err != nil {
		return nil, err
	}
	if c.atEnd() {
		return nil, c.errHere()
	}
	first := c.peek()
	last := c.toks[len(c.toks)-2]
	st.Query, err = parseQuery(c.text, c.toks[c.i:], st.Source.Offset)
	if err != nil {
		return nil, err
	}
	st.Positions = positions(c.text, st.Source.Offset)
	st.QueryText = c.text[first.start:last.end]
	st.QueryOffset = first.start
	return st, nil
}

// parseCreateSink parses the rest of CREATE SINK name FROM relation WITH (...).
func parseCreateSink(c *cursor, st *CreateSink) (Statement, error) {
	if err := c.expectKw("from"); err != nil {
		return nil, err
	}
	from, _, err := c.objectName()
	if err != nil {
		return nil, err
	}
	st.From = from
	if !c.peek().isKw("with") {
		return nil, c.errHere()
	}
	if st.Options, err = parseWith(c); err != nil {
		return nil, err
	}
	return st, c.expectEnd()
}

// parseWith parses an optional WITH (key = value, ...).
func parseWith(c *cursor) (Options, error) {
	if !c.acceptKw("with") {
		return nil, nil
	}
	if err := c.expect("("); err != nil {
		return nil, err
	}
	var opts Options
	for {
		key, keyTok, err := c.ident()
		if err != nil {
			return nil, err
		}
		for c.peek().is(".") {
			c.next()
			part, _, err := c.ident()
			if err != nil {
				return nil, err
			}
			key += "." + part
		}
		if _, dup := opts.Get(key); dup {
			return nil, types.Errorf(types.CodeSyntaxError, "option \"%s\" specified more than once", key).
				WithPosition(charPos(c.text, keyTok.start))
		}
		if err := c.expect("="); err != nil {
			return nil, err
		}
		value, err := optionValue(c)
		if err != nil {
			return nil, err
		}
		opts = append(opts, Option{Key: key, Value: value, Pos: charPos(c.text, keyTok.start)})
		if c.accept(")") {
			return opts, nil
		}
		if err := c.expect(","); err != nil {
			return nil, err
		}
	}
}

// optionValue parses 'string', a number (optionally signed), or a bare
// word (folded unless quoted).
func optionValue(c *cursor) (string, error) {
	sign := ""
	if c.peek().is("-") || c.peek().is("+") {
		sign = c.next().val
		if c.peek().kind != tkNumber {
			return "", c.errHere()
		}
	}
	t := c.peek()
	switch t.kind {
	case tkString, tkIdent, tkQIdent:
		if sign == "" {
			c.next()
			return t.val, nil
		}
	case tkNumber:
		c.next()
		if sign == "-" {
			return "-" + t.val, nil
		}
		return t.val, nil
	}
	return "", c.errHere()
}

// parseDrop parses DROP SOURCE|STREAM|SINK|TABLE [IF EXISTS] name [, ...] [CASCADE|RESTRICT].
func parseDrop(c *cursor, src Source) (Statement, error) {
	c.next()
	kind, ok := objectKinds[c.peek().val]
	if !ok || c.peek().kind != tkIdent {
		return nil, c.errHere()
	}
	c.next()
	st := &Drop{Source: src, Kind: kind}
	if c.peek().isKw("if") {
		if err := c.expectKw("if", "exists"); err != nil {
			return nil, err
		}
		st.IfExists = true
	}
	for {
		name, _, err := c.objectName()
		if err != nil {
			return nil, err
		}
		st.Names = append(st.Names, name)
		if !c.accept(",") {
			break
		}
	}
	switch {
	case c.acceptKw("cascade"):
		st.Cascade = true
	case c.acceptKw("restrict"):
	}
	return st, c.expectEnd()
}
