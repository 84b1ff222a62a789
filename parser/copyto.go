package parser

// CopyTo is COPY name [(columns)] TO STDOUT or COPY (query) TO STDOUT,
// with the options of Copy (the parser fills in the same defaults).
// Exactly one of Table and Query is set; Query has its own Source, the text
// inside the parentheses, and takes no parameters.
type CopyTo struct {
	Source
	Table     string
	Columns   []string // the columns to write; nil for all, in table order
	Query     *Query
	Format    string // "text" or "csv"
	Header    bool   // the first line holds the column names
	Delimiter string // one single-byte character
	Null      string // the text written for NULL
}

// parseCopyQueryTo parses COPY (query) TO STDOUT [options]; the cursor is
// at the "(".
func parseCopyQueryTo(c *cursor, src Source) (Statement, error) {
	open := c.i
	closer, err := c.closing(open)
	if err != nil {
		return nil, err
	}
	if closer == open+1 {
		return nil, syntaxErrorToken(c.text, c.toks[closer])
	}
	first := c.toks[open+1]
	inner := Source{Text: c.text[first.start:c.toks[closer-1].end], Offset: first.start}
	stmt, err := parseQuery(c.text, c.toks[open+1:closer+1], inner.Offset)
	if err != nil {
		return nil, err
	}
	q := &Query{Source: inner, Stmt: stmt, Positions: positions(c.text, inner.Offset)}
	c.i = closer + 1
	return parseCopyTo(c, &CopyTo{Source: src, Query: q})
}

// parseCopyTo parses TO STDOUT and the options of COPY ... TO; the cursor
// is at TO. Writing to a server file or program is refused with 0A000.
func parseCopyTo(c *cursor, st *CopyTo) (Statement, error) {
	if err := c.expectKw("to"); err != nil {
		return nil, err
	}
	switch to := c.peek(); {
	case to.isKw("stdout"):
		c.next()
	case to.kind == tkString || to.isKw("program"):
		return nil, featureError(c.text, to.start, "COPY to a file or program is not supported").
			WithHint("Use psql's \\copy, which receives the rows through COPY TO STDOUT.")
	default:
		return nil, c.errHere()
	}
	opts := &Copy{}
	if err := parseCopyOptions(c, opts); err != nil {
		return nil, err
	}
	st.Format, st.Header, st.Delimiter, st.Null = opts.Format, opts.Header, opts.Delimiter, opts.Null
	return st, nil
}
