package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// SQLSTATEs only COPY reports.
const (
	codeBadCopyFileFormat        = "22P04"
	codeCharacterNotInRepertoire = "22021"
)

// copyWithoutData is the error for a COPY that reaches Execute: its rows
// come through the COPY sub-protocol, which only CopyFrom speaks.
func copyWithoutData() error {
	return types.Errorf(types.CodeFeatureNotSupported, "COPY FROM STDIN is only supported in a simple query").
		WithHint("Send COPY as a simple Query message, as psql and pgx's CopyFrom do.")
}

// CopyColumns resolves the target of a COPY FROM STDIN and returns the
// columns, in order, that each data row holds. The wire layer calls it
// before telling the client to send data, so a COPY into an unknown
// relation or column fails without entering copy mode.
func (s *Session) CopyColumns(st *parser.Copy) (types.Schema, error) {
	if err := s.checkNotAborted(); err != nil {
		return nil, err
	}
	o, targets, err := s.copyTarget(st)
	if err != nil {
		return nil, err
	}
	cols := make(types.Schema, len(targets))
	for i, t := range targets {
		cols[i] = o.rel.Schema[t]
	}
	return cols, nil
}

// CopyFrom runs COPY FROM STDIN with the data next returns: one chunk of
// CopyData bytes per call (chunks need not end at line ends; each is
// copied before next is called again), io.EOF after the last one. Another error from next (the client's CopyFail, a broken
// connection) fails the COPY with that error. A COPY into a table is one
// write, committed when the data ends (or kept in the open transaction);
// into a source it is published once every row is read. Either way an
// error anywhere writes nothing. The tag is "COPY n".
func (s *Session) CopyFrom(ctx context.Context, st *parser.Copy, next func() ([]byte, error)) (string, error) {
	if err := s.checkNotAborted(); err != nil {
		return "", err
	}
	s.ctx = ctx
	defer func() { s.ctx = context.Background() }()
	n, err := s.copyFrom(ctx, st, next)
	if err != nil {
		if s.inTxn {
			s.failed = true
		}
		return "", err
	}
	return fmt.Sprintf("COPY %d", n), nil
}

// checkNotAborted refuses statements inside a failed transaction.
func (s *Session) checkNotAborted() error {
	if s.failed {
		return types.Errorf("25P02", "current transaction is aborted, commands ignored until end of transaction block")
	}
	return nil
}

func (s *Session) copyFrom(ctx context.Context, st *parser.Copy, next func() ([]byte, error)) (int64, error) {
	o, targets, err := s.copyTarget(st)
	if err != nil {
		return 0, err
	}
	rows, err := s.newCopyRows(st, o.rel, targets, next)
	if err != nil {
		return 0, err
	}
	return s.insertRows(ctx, o, rows, func(err error, i int) error {
		return rows.withContext(err, rows.lines[i], "", "")
	})
}

// copyTarget returns the table or INSERT-fed source a COPY writes and the
// indexes of the columns its data rows hold.
func (s *Session) copyTarget(st *parser.Copy) (*object, []int, error) {
	o, ok := s.e.lookup(st.Table)
	if !ok || o.kind == parser.KindSink {
		return nil, nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", st.Table)
	}
	if !o.rel.Insertable {
		e := types.Errorf(types.CodeWrongObjectType, "cannot copy to %s %q", o.kind, o.name)
		if o.kind == parser.KindSource {
			return nil, nil, e.WithHint("Only sources declared without a connector accept COPY.")
		}
		return nil, nil, e.WithHint("A stream's rows come from its query; copy into its sources instead.")
	}
	if len(st.Columns) == 0 {
		targets := make([]int, len(o.rel.Schema))
		for i := range targets {
			targets[i] = i
		}
		return o, targets, nil
	}
	targets := make([]int, len(st.Columns))
	seen := make(map[int]bool, len(st.Columns))
	for i, name := range st.Columns {
		idx := o.rel.Schema.Index(name)
		if idx < 0 {
			return nil, nil, types.Errorf(types.CodeUndefinedColumn, "column %q of relation %q does not exist", name, o.name)
		}
		if seen[idx] {
			return nil, nil, types.Errorf(types.CodeDuplicateColumn, "column %q specified more than once", name)
		}
		seen[idx] = true
		targets[i] = idx
	}
	return o, targets, nil
}

// columnDefault is the default of a column the COPY data does not hold.
type columnDefault struct {
	column int
	eval   exec.Evaluator
}

// copyField is one field of a data row.
type copyField struct {
	value string
	null  bool
}

// copyRows is an exec.Operator over the rows of COPY data: it reads
// records, splits them into fields, reads each field as its column's type
// and fills in the defaults of the other columns.
type copyRows struct {
	st       *parser.Copy
	rel      *planner.Relation
	targets  []int
	defaults []columnDefault
	loc      *time.Location
	in       copyReader
	delim    byte
	line     int // line number of the last record read (the header is line 1)
	// lines holds the line number of each row of the last batch.
	lines   []int
	fields  []copyField
	scratch []byte
}

func (s *Session) newCopyRows(st *parser.Copy, rel *planner.Relation, targets []int, next func() ([]byte, error)) (*copyRows, error) {
	r := &copyRows{st: st, rel: rel, targets: targets, loc: s.location, delim: st.Delimiter[0],
		in: copyReader{next: next, csv: st.Format == "csv"}}
	given := make([]bool, len(rel.Schema))
	for _, t := range targets {
		given[t] = true
	}
	env := s.env(nil)
	for i, d := range rel.Defaults {
		if given[i] || d == nil {
			continue
		}
		eval, err := exec.Compile(d, env)
		if err != nil {
			return nil, fmt.Errorf("default of column %q: %w", rel.Schema[i].Name, err)
		}
		r.defaults = append(r.defaults, columnDefault{column: i, eval: eval})
	}
	return r, nil
}

// Open implements exec.Operator.
func (r *copyRows) Open(context.Context) error { return nil }

// Close implements exec.Operator.
func (r *copyRows) Close(context.Context) error { return nil }

// Next implements exec.Operator: it fills b with up to BatchSize rows.
func (r *copyRows) Next(ctx context.Context, b *types.Batch) error {
	b.Reset(len(r.rel.Schema))
	r.lines = r.lines[:0]
	if err := ctx.Err(); err != nil {
		return err
	}
	for !b.Full() {
		rec, err := r.in.record()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r.withContext(err, r.line+1, "", "")
		}
		r.line++
		if r.line == 1 && r.st.Header {
			continue
		}
		if string(rec) == `\.` {
			if err := r.in.drain(); err != nil {
				return err
			}
			break
		}
		if err := r.fill(b.AppendRow(), rec); err != nil {
			return err
		}
		r.lines = append(r.lines, r.line)
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

// fill reads one record into row.
func (r *copyRows) fill(row []types.Datum, rec []byte) error {
	if r.in.csv {
		r.splitCSV(rec)
	} else {
		r.splitText(rec)
	}
	if len(r.fields) > len(r.targets) {
		return r.withContext(types.Errorf(codeBadCopyFileFormat, "extra data after last expected column"), r.line, "", string(rec))
	}
	if len(r.fields) < len(r.targets) {
		col := r.rel.Schema[r.targets[len(r.fields)]].Name
		return r.withContext(types.Errorf(codeBadCopyFileFormat, "missing data for column %q", col), r.line, "", string(rec))
	}
	for i := range row {
		row[i] = types.Null
	}
	for _, d := range r.defaults {
		v, err := d.eval(row)
		if err != nil {
			return r.withContext(err, r.line, r.rel.Schema[d.column].Name, "")
		}
		row[d.column] = v
	}
	for i, f := range r.fields {
		if f.null {
			continue
		}
		col := r.rel.Schema[r.targets[i]]
		if !utf8.ValidString(f.value) {
			return r.withContext(types.Errorf(codeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\""), r.line, col.Name, "")
		}
		v, err := types.ParseText(col.Type, f.value, r.loc)
		if err != nil {
			return r.withContext(err, r.line, col.Name, quoted(f.value))
		}
		row[r.targets[i]] = v
	}
	if err := checkNotNull(r.rel, row); err != nil {
		return r.withContext(err, r.line, "", string(rec))
	}
	return nil
}

// withContext adds where in the data err happened to its detail, as
// Postgres' CONTEXT does: "COPY t, line 3, column b: "x"".
func (r *copyRows) withContext(err error, line int, column, value string) error {
	where := fmt.Sprintf("COPY %s, line %d", r.rel.Name, line)
	switch {
	case column != "" && value != "":
		where += ", column " + column + ": " + value
	case column != "":
		where += ", column " + column
	case value != "":
		where += ": " + quoted(value)
	}
	e, ok := types.AsError(err)
	if !ok {
		return fmt.Errorf("%s: %w", where, err)
	}
	out := *e
	if out.Detail != "" {
		out.Detail += "\n" + where
	} else {
		out.Detail = where
	}
	return &out
}

func quoted(s string) string { return `"` + s + `"` }

// splitText splits a text-format record at unescaped delimiters. A field
// whose raw text equals the NULL string is NULL; the others are
// de-escaped.
func (r *copyRows) splitText(rec []byte) {
	r.fields = r.fields[:0]
	start := 0
	for i := 0; i <= len(rec); i++ {
		switch {
		case i+1 < len(rec) && rec[i] == '\\':
			i++
		case i == len(rec) || rec[i] == r.delim:
			raw := rec[start:i]
			start = i + 1
			if string(raw) == r.st.Null {
				r.fields = append(r.fields, copyField{null: true})
				continue
			}
			r.fields = append(r.fields, copyField{value: r.unescape(raw)})
		}
	}
}

// unescape decodes the backslash sequences of COPY's text format: \b \f
// \n \r \t \v, octal \ooo, hex \xhh, and \c for any other c.
func (r *copyRows) unescape(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	out := r.scratch[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 == len(raw) {
			out = append(out, c)
			continue
		}
		i++
		c = raw[i]
		switch c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := c - '0'
			for n := 1; n < 3 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; n++ {
				i++
				v = v<<3 | (raw[i] - '0')
			}
			out = append(out, v)
		case 'x':
			v, n := byte(0), 0
			for ; n < 2 && i+1 < len(raw) && isHexDigit(raw[i+1]); n++ {
				i++
				v = v<<4 | hexDigit(raw[i])
			}
			if n == 0 {
				out = append(out, 'x')
			} else {
				out = append(out, v)
			}
		default:
			out = append(out, c)
		}
	}
	r.scratch = out
	return string(out)
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexDigit(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// splitCSV splits a CSV record as Postgres does: double quotes may
// surround any part of a field, "" inside quotes is a quote, and a field
// that had no quotes and equals the NULL string is NULL.
func (r *copyRows) splitCSV(rec []byte) {
	r.fields = r.fields[:0]
	i := 0
	for {
		start := i
		out := r.scratch[:0]
		hadQuote, inQuote := false, false
	field:
		for ; i < len(rec); i++ {
			c := rec[i]
			switch {
			case inQuote && c == '"' && i+1 < len(rec) && rec[i+1] == '"':
				out = append(out, '"')
				i++
			case c == '"':
				hadQuote, inQuote = true, !inQuote
			case !inQuote && c == r.delim:
				break field
			default:
				out = append(out, c)
			}
		}
		r.scratch = out
		if !hadQuote && string(rec[start:i]) == r.st.Null {
			r.fields = append(r.fields, copyField{null: true})
		} else {
			r.fields = append(r.fields, copyField{value: string(out)})
		}
		if i >= len(rec) {
			return
		}
		i++
	}
}

// copyReader splits COPY data into records: lines, except that in text
// format a backslash escapes the next byte (a newline too) and in CSV a
// newline inside quotes belongs to the field. A \r before the newline is
// dropped.
type copyReader struct {
	next func() ([]byte, error)
	csv  bool
	buf  []byte
	// start is where the current record begins in buf; scan how far buf
	// has been examined.
	start, scan int
	inQuote     bool // CSV: scan is inside a quoted field
	escaped     bool // text: the byte at scan is escaped
	eof         bool // next returned io.EOF
}

// record returns the next record, valid until the next call, or io.EOF
// after the last one.
func (r *copyReader) record() ([]byte, error) {
	for {
		for ; r.scan < len(r.buf); r.scan++ {
			c := r.buf[r.scan]
			switch {
			case r.escaped:
				r.escaped = false
			case !r.csv && c == '\\':
				r.escaped = true
			case r.csv && c == '"':
				r.inQuote = !r.inQuote
			case c == '\n' && !r.inQuote:
				rec := r.buf[r.start:r.scan]
				r.scan++
				r.start = r.scan
				return bytes.TrimSuffix(rec, []byte{'\r'}), nil
			}
		}
		if r.eof {
			if r.start == len(r.buf) {
				return nil, io.EOF
			}
			if r.inQuote {
				return nil, types.Errorf(codeBadCopyFileFormat, "unterminated CSV quoted field")
			}
			rec := r.buf[r.start:]
			r.start = len(r.buf)
			return bytes.TrimSuffix(rec, []byte{'\r'}), nil
		}
		if r.start > 0 {
			n := copy(r.buf, r.buf[r.start:])
			r.buf = r.buf[:n]
			r.scan -= r.start
			r.start = 0
		}
		chunk, err := r.next()
		if err == io.EOF {
			r.eof = true
			continue
		}
		if err != nil {
			return nil, err
		}
		r.buf = append(r.buf, chunk...)
	}
}

// drain reads and drops the data after the end-of-data marker \. so the
// COPY ends where the client's data does.
func (r *copyReader) drain() error {
	for !r.eof {
		if _, err := r.next(); err == io.EOF {
			r.eof = true
		} else if err != nil {
			return err
		}
	}
	r.buf, r.start, r.scan = r.buf[:0], 0, 0
	return nil
}
