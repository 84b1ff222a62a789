package engine

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// CopyOut receives the output of COPY ... TO STDOUT.
type CopyOut interface {
	// Begin is called once, before any Data, when the rows are about to
	// flow, with the number of columns each has. Errors found before it
	// (an unknown relation) are reported without entering copy mode.
	Begin(columns int) error
	// Data sends one line of COPY data, its "\n" included. The callee must
	// not keep line.
	Data(line []byte) error
}

// copyToWithoutCopyOut is the error for a COPY TO that reaches Execute:
// its rows go through the COPY sub-protocol, which only CopyTo speaks.
func copyToWithoutCopyOut() error {
	return types.Errorf(types.CodeFeatureNotSupported, "COPY TO STDOUT is only supported in a simple query").
		WithHint("Send COPY as a simple Query message, as psql and pgx's CopyTo do.")
}

// CopyTo runs COPY ... TO STDOUT: the rows of a table, of a source's or
// stream's retained output (as SELECT reads them), or of a query, written
// to out in text or CSV format with Postgres' quoting. The tag is "COPY n".
func (s *Session) CopyTo(ctx context.Context, st *parser.CopyTo, out CopyOut) (string, error) {
	if err := s.checkNotAborted(); err != nil {
		return "", err
	}
	s.ctx = ctx
	defer func() { s.ctx = context.Background() }()
	n, err := s.copyTo(ctx, st, out)
	if err != nil {
		if s.inTxn {
			s.failed = true
		}
		return "", err
	}
	return fmt.Sprintf("COPY %d", n), nil
}

func (s *Session) copyTo(ctx context.Context, st *parser.CopyTo, out CopyOut) (int64, error) {
	root, columns, err := s.copySource(st)
	if err != nil {
		return 0, err
	}
	op, err := exec.Build(root, s.env(nil))
	if err != nil {
		return 0, err
	}
	defer op.Close(context.WithoutCancel(ctx))
	if err := op.Open(ctx); err != nil {
		return 0, err
	}
	if err := out.Begin(len(columns)); err != nil {
		return 0, err
	}
	enc := copyEncoder{csv: st.Format == "csv", delim: st.Delimiter[0], null: st.Null,
		single: len(columns) == 1, loc: s.location}
	if st.Header {
		for i, col := range columns {
			enc.field(i, col.name)
		}
		if err := out.Data(enc.end()); err != nil {
			return 0, err
		}
	}
	b := types.NewBatch(len(root.Schema()))
	var n int64
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		for i := 0; i < b.Len; i++ {
			row := b.Row(i)
			for k, col := range columns {
				enc.value(k, row[col.index])
			}
			if err := out.Data(enc.end()); err != nil {
				return n, err
			}
			n++
		}
	}
}

// copyColumn is one column COPY TO writes: its index in the source's rows.
type copyColumn struct {
	name  string
	index int
}

// copySource plans what a COPY TO reads and the columns it writes, in order.
func (s *Session) copySource(st *parser.CopyTo) (planner.Node, []copyColumn, error) {
	if st.Query != nil {
		plan, err := planner.PlanQuery(s.e, st.Query, s.planOptions())
		if err != nil {
			return nil, nil, err
		}
		schema := plan.Root.Schema()
		columns := make([]copyColumn, len(schema))
		for i, c := range schema {
			columns[i] = copyColumn{name: c.Name, index: i}
		}
		return plan.Root, columns, nil
	}
	rel, ok := s.e.Relation(st.Table)
	if !ok {
		return nil, nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", st.Table)
	}
	mode := planner.ScanRetained
	if rel.Kind == parser.KindTable {
		mode = planner.ScanTable
	}
	root := &planner.Scan{Rel: rel, Mode: mode}
	if len(st.Columns) == 0 {
		columns := make([]copyColumn, len(rel.Schema))
		for i, c := range rel.Schema {
			columns[i] = copyColumn{name: c.Name, index: i}
		}
		return root, columns, nil
	}
	columns := make([]copyColumn, len(st.Columns))
	seen := make(map[int]bool, len(st.Columns))
	for i, name := range st.Columns {
		idx := rel.Schema.Index(name)
		if idx < 0 {
			return nil, nil, types.Errorf(types.CodeUndefinedColumn, "column %q of relation %q does not exist", name, st.Table)
		}
		if seen[idx] {
			return nil, nil, types.Errorf(types.CodeDuplicateColumn, "column %q specified more than once", name)
		}
		seen[idx] = true
		columns[i] = copyColumn{name: name, index: idx}
	}
	return root, columns, nil
}

// copyEncoder builds the lines of COPY TO output as Postgres' CopyTo does
// (CopyAttributeOutText and CopyAttributeOutCSV). It reuses its buffers:
// a line is valid until the next call.
type copyEncoder struct {
	csv    bool
	delim  byte
	null   string
	single bool // one column: a CSV line holding only \. is quoted
	loc    *time.Location
	line   []byte
	text   []byte // a value's text form, before escaping
}

// value appends the k-th field of a row: NULL as the null string, other
// values in their text form, escaped.
func (e *copyEncoder) value(k int, d types.Datum) {
	if k > 0 {
		e.line = append(e.line, e.delim)
	}
	if d.IsNull() {
		e.line = append(e.line, e.null...)
		return
	}
	e.text = types.AppendText(e.text[:0], d, e.loc)
	e.appendEscaped(e.text)
}

// field appends the k-th field of the header: a column name.
func (e *copyEncoder) field(k int, name string) {
	if k > 0 {
		e.line = append(e.line, e.delim)
	}
	e.text = append(e.text[:0], name...)
	e.appendEscaped(e.text)
}

// end finishes the line and returns it; the next field starts a new line.
func (e *copyEncoder) end() []byte {
	line := append(e.line, '\n')
	e.line = line[:0]
	return line
}

func (e *copyEncoder) appendEscaped(v []byte) {
	if e.csv {
		e.line = appendCSVField(e.line, v, e.delim, e.null, e.single)
	} else {
		e.line = appendTextField(e.line, v, e.delim)
	}
}

// appendTextField appends v escaped for COPY's text format: backslash,
// the delimiter and the control characters \b \f \n \r \t \v are written
// with a backslash.
func appendTextField(buf, v []byte, delim byte) []byte {
	for _, c := range v {
		if c < 0x20 {
			switch c {
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			case '\v':
				buf = append(buf, '\\', 'v')
			default:
				if c == delim {
					buf = append(buf, '\\')
				}
				buf = append(buf, c)
			}
			continue
		}
		if c == '\\' || c == delim {
			buf = append(buf, '\\')
		}
		buf = append(buf, c)
	}
	return buf
}

// appendCSVField appends v as a CSV field: quoted, with quotes doubled,
// when it holds the delimiter, a quote, CR or LF, when it equals the null
// string (so it reads back as a value, not NULL), or when it is \. alone
// on its line (the end-of-data marker).
func appendCSVField(buf, v []byte, delim byte, null string, single bool) []byte {
	quote := string(v) == null || single && string(v) == `\.`
	for _, c := range v {
		if quote {
			break
		}
		quote = c == delim || c == '"' || c == '\n' || c == '\r'
	}
	if !quote {
		return append(buf, v...)
	}
	return format.AppendCSVQuoted(buf, v)
}
