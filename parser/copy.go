package parser

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// parseCopy parses COPY name [(col, ...)] FROM STDIN followed by either
// options in parentheses, [WITH] (FORMAT csv, HEADER, DELIMITER 'x',
// NULL 'y'), or the old unparenthesised forms, [WITH] [CSV] [HEADER]
// [DELIMITER [AS] 'x'] [NULL [AS] 'y']. COPY ... TO goes to parseCopyTo.
// COPY from a server file or program and the binary format are refused
// with 0A000.
func parseCopy(c *cursor, src Source) (Statement, error) {
	c.next()
	if c.peek().is("(") {
		return parseCopyQueryTo(c, src)
	}
	name, _, err := c.objectName()
	if err != nil {
		return nil, err
	}
	st := &Copy{Source: src, Table: name}
	if c.peek().is("(") {
		if st.Columns, err = copyColumns(c); err != nil {
			return nil, err
		}
	}
	switch dir := c.peek(); {
	case dir.isKw("to"):
		return parseCopyTo(c, &CopyTo{Source: src, Table: name, Columns: st.Columns})
	case !dir.isKw("from"):
		return nil, c.errHere()
	}
	c.next()
	switch from := c.peek(); {
	case from.isKw("stdin"):
		c.next()
	case from.kind == tkString || from.isKw("program"):
		return nil, featureError(c.text, from.start, "COPY from a file or program is not supported").
			WithHint("Use psql's \\copy, which sends the file through COPY FROM STDIN.")
	default:
		return nil, c.errHere()
	}
	return st, parseCopyOptions(c, st)
}

// parseCopyOptions parses the options that end a COPY statement into st,
// in the parenthesised or the old form, and checks them.
func parseCopyOptions(c *cursor, st *Copy) error {
	opts := copyOptions{st: st, seen: map[string]bool{}}
	parenthesised := c.peek().is("(") || c.peek().isKw("with") && c.at(1).is("(")
	c.acceptKw("with")
	var err error
	if parenthesised {
		err = opts.parenthesised(c)
	} else {
		err = opts.legacy(c)
	}
	if err != nil {
		return err
	}
	if err := c.expectEnd(); err != nil {
		return err
	}
	return opts.finish(c.text)
}

// copyColumns parses the (col, ...) list of COPY.
func copyColumns(c *cursor) ([]string, error) {
	c.next()
	var cols []string
	for {
		col, _, err := c.ident()
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
		if c.accept(")") {
			return cols, nil
		}
		if err := c.expect(","); err != nil {
			return nil, err
		}
	}
}

// copyOptions collects the options of one COPY statement.
type copyOptions struct {
	st   *Copy
	seen map[string]bool
	// delimiter and null are set when given, so finish can fill in the
	// format's defaults and check them.
	delimiter, null *string
	delimiterTok    token
	nullTok         token
}

// once records option key at tok, failing when it was already given.
func (o *copyOptions) once(text, key string, tok token) error {
	if o.seen[key] {
		return types.Errorf(types.CodeSyntaxError, "conflicting or redundant options").WithPosition(charPos(text, tok.start))
	}
	o.seen[key] = true
	return nil
}

// parenthesised parses ( option [value], ... ).
func (o *copyOptions) parenthesised(c *cursor) error {
	if err := c.expect("("); err != nil {
		return err
	}
	for {
		key, keyTok, err := c.ident()
		if err != nil {
			return err
		}
		if err := o.once(c.text, key, keyTok); err != nil {
			return err
		}
		switch key {
		case "format":
			if err := o.format(c); err != nil {
				return err
			}
		case "header":
			if err := o.header(c); err != nil {
				return err
			}
		case "delimiter", "null":
			if err := o.stringOption(c, key, keyTok); err != nil {
				return err
			}
		case "freeze", "encoding", "quote", "escape", "force_quote", "force_not_null", "force_null":
			return featureError(c.text, keyTok.start, "COPY option \""+key+"\" is not supported")
		default:
			return types.Errorf(types.CodeSyntaxError, "option \"%s\" not recognized", key).
				WithPosition(charPos(c.text, keyTok.start))
		}
		if c.accept(")") {
			return nil
		}
		if err := c.expect(","); err != nil {
			return err
		}
	}
}

// format parses the value of FORMAT.
func (o *copyOptions) format(c *cursor) error {
	v := c.peek()
	if v.kind != tkIdent && v.kind != tkString {
		return c.errHere()
	}
	c.next()
	switch strings.ToLower(v.val) {
	case "text", "csv":
		o.st.Format = strings.ToLower(v.val)
		return nil
	case "binary":
		return featureError(c.text, v.start, "COPY format \"binary\" is not supported")
	}
	return types.Errorf(types.CodeInvalidParameterValue, "COPY format \"%s\" not recognized", v.val).
		WithPosition(charPos(c.text, v.start))
}

// header parses the optional boolean value of HEADER.
func (o *copyOptions) header(c *cursor) error {
	v := c.peek()
	if v.is(",") || v.is(")") {
		o.st.Header = true
		return nil
	}
	if v.kind != tkIdent && v.kind != tkString && v.kind != tkNumber {
		return c.errHere()
	}
	c.next()
	switch strings.ToLower(v.val) {
	case "true", "on", "1":
		o.st.Header = true
		return nil
	case "false", "off", "0":
		o.st.Header = false
		return nil
	case "match":
		return featureError(c.text, v.start, "COPY HEADER MATCH is not supported")
	}
	return types.Errorf(types.CodeSyntaxError, "header requires a Boolean value").WithPosition(charPos(c.text, v.start))
}

// stringOption parses the string value of DELIMITER or NULL.
func (o *copyOptions) stringOption(c *cursor, key string, keyTok token) error {
	v := c.peek()
	if v.kind != tkString {
		return c.errHere()
	}
	c.next()
	value := v.val
	if key == "delimiter" {
		o.delimiter, o.delimiterTok = &value, keyTok
	} else {
		o.null, o.nullTok = &value, keyTok
	}
	return nil
}

// legacy parses the unparenthesised options of old COPY syntax.
func (o *copyOptions) legacy(c *cursor) error {
	for !c.atEnd() {
		t := c.peek()
		if t.kind != tkIdent {
			return c.errHere()
		}
		key := t.val
		switch key {
		case "csv":
			key = "format"
		case "binary":
			return featureError(c.text, t.start, "COPY format \"binary\" is not supported")
		case "header", "delimiter", "null":
		case "quote", "escape", "force", "freeze", "encoding":
			return featureError(c.text, t.start, "COPY option \""+key+"\" is not supported")
		default:
			return c.errHere()
		}
		if err := o.once(c.text, key, t); err != nil {
			return err
		}
		c.next()
		switch key {
		case "format":
			o.st.Format = "csv"
		case "header":
			o.st.Header = true
		default:
			c.acceptKw("as")
			if err := o.stringOption(c, key, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish fills in the format's defaults and checks the options as
// Postgres does.
func (o *copyOptions) finish(text string) error {
	st := o.st
	if st.Format == "" {
		st.Format = "text"
	}
	st.Delimiter, st.Null = "\t", `\N`
	if st.Format == "csv" {
		st.Delimiter, st.Null = ",", ""
	}
	if o.delimiter != nil {
		st.Delimiter = *o.delimiter
		pos := charPos(text, o.delimiterTok.start)
		switch {
		case len(st.Delimiter) != 1:
			return types.Errorf(types.CodeFeatureNotSupported, "COPY delimiter must be a single one-byte character").WithPosition(pos)
		case st.Delimiter == "\n" || st.Delimiter == "\r":
			return types.Errorf(types.CodeInvalidParameterValue, "COPY delimiter cannot be newline or carriage return").WithPosition(pos)
		case st.Format == "text" && strings.Contains(`\.abcdefghijklmnopqrstuvwxyz0123456789`, st.Delimiter):
			return types.Errorf(types.CodeInvalidParameterValue, "COPY delimiter cannot be \"%s\"", st.Delimiter).WithPosition(pos)
		case st.Format == "csv" && st.Delimiter == `"`:
			return types.Errorf(types.CodeInvalidParameterValue, "COPY delimiter and quote must be different").WithPosition(pos)
		}
	}
	if o.null != nil {
		st.Null = *o.null
		if strings.ContainsAny(st.Null, "\r\n") {
			return types.Errorf(types.CodeInvalidParameterValue, "COPY null representation cannot use newline or carriage return").
				WithPosition(charPos(text, o.nullTok.start))
		}
	}
	if strings.Contains(st.Null, st.Delimiter) {
		at := o.delimiterTok
		if o.null != nil {
			at = o.nullTok
		}
		return types.Errorf(types.CodeInvalidParameterValue, "COPY delimiter must not appear in the NULL specification").
			WithPosition(charPos(text, at.start))
	}
	return nil
}
