package wire

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// simpleQuery runs a Query message: the script's statements in order, each
// answered by its rows and CommandComplete, stopping at the first error;
// then ReadyForQuery. A script with no statements but empty ones gets
// EmptyQueryResponse. The returned error is a connection failure.
func (c *conn) simpleQuery(ctx context.Context, sql string) error {
	// As in Postgres, a simple query replaces the unnamed statement and
	// portal of the extended protocol.
	delete(c.statements, "")
	delete(c.portals, "")
	stmts, err := c.session.Prepare(sql)
	if err != nil {
		if err := c.out.send(errorResponse(severityError, err)); err != nil {
			return err
		}
		return c.readyForQuery()
	}
	if allEmpty(stmts) {
		if err := c.out.send(&pgproto3.EmptyQueryResponse{}); err != nil {
			return err
		}
		return c.readyForQuery()
	}
	for _, stmt := range stmts {
		if isEmpty(stmt) {
			continue
		}
		tag, err := c.execute(ctx, stmt)
		if c.rows.writeErr != nil {
			return c.rows.writeErr
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if err := c.out.send(errorResponse(severityError, err)); err != nil {
				return err
			}
			break
		}
		if err := c.out.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)}); err != nil {
			return err
		}
	}
	return c.readyForQuery()
}

// execute runs one statement of a simple query; COPY FROM STDIN and COPY
// TO STDOUT go through the copy sub-protocol when the session supports it.
func (c *conn) execute(ctx context.Context, stmt parser.Statement) (string, error) {
	c.rows.reset(c.session.Location())
	switch st := stmt.(type) {
	case *parser.Copy:
		if cs, ok := c.session.(CopySession); ok {
			return c.copyIn(ctx, cs, st)
		}
	case *parser.CopyTo:
		if cs, ok := c.session.(CopyOutSession); ok {
			return c.copyOut(ctx, cs, st)
		}
	}
	return c.cancellable(ctx, func(ctx context.Context) (string, error) {
		return c.session.Execute(ctx, stmt, &c.rows)
	})
}

// cancellable runs a statement under a context that a cancel request can
// cancel.
func (c *conn) cancellable(ctx context.Context, run func(context.Context) (string, error)) (string, error) {
	stmtCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.setCancel(cancel)
	defer c.setCancel(nil)
	return run(stmtCtx)
}

// isEmpty reports whether stmt is an empty statement: the parser says so, or
// its text holds only white space, semicolons and comments.
func isEmpty(stmt parser.Statement) bool {
	switch stmt.(type) {
	case parser.Empty, *parser.Empty:
		return true
	}
	return isBlankSQL(stmt.Origin().Text)
}

func allEmpty(stmts []parser.Statement) bool {
	for _, s := range stmts {
		if !isEmpty(s) {
			return false
		}
	}
	return true
}

// isBlankSQL reports whether sql holds nothing but white space, semicolons,
// -- comments and (nested) /* */ comments.
func isBlankSQL(sql string) bool {
	depth := 0 // nesting depth of block comments
	for i := 0; i < len(sql); i++ {
		switch {
		case depth > 0 && strings.HasPrefix(sql[i:], "*/"):
			depth--
			i++
		case strings.HasPrefix(sql[i:], "/*"):
			depth++
			i++
		case depth > 0:
		case strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case strings.IndexByte(" \t\n\r\f\v;", sql[i]) < 0:
			return false
		}
	}
	return true
}

// errRowBeforeColumns reports a statement that sent a row it never described.
var errRowBeforeColumns = errors.New("wire: Row called before Columns")

// errColumnsTwice reports a statement that described its result twice.
var errColumnsTwice = errors.New("wire: Columns called twice")

// rowWriter sends a statement's result to the client: RowDescription, then
// one DataRow per row in text format, or in binary format for FETCH from a
// BINARY cursor.
type rowWriter struct {
	conn      *conn
	loc       *time.Location // timestamptz output zone
	described bool           // Columns was called
	// sendBinary is set by SendBinary: every column in binary format.
	sendBinary bool
	encoder    rowEncoder // the result's DataRow encoding, made by Columns
	// writeErr is the first failure to write to the client (or to read
	// its COPY data); the connection is dead after it.
	writeErr error
}

var _ RowWriter = (*rowWriter)(nil)
var _ Flusher = (*rowWriter)(nil)
var _ engine.BinaryResults = (*rowWriter)(nil)

func (w *rowWriter) reset(loc *time.Location) {
	w.loc, w.described, w.writeErr = loc, false, nil
	w.sendBinary, w.encoder = false, rowEncoder{}
}

// SendBinary makes the result binary: a BINARY cursor's FETCH in a simple
// query, the one way the simple protocol sends binary rows.
func (w *rowWriter) SendBinary() { w.sendBinary = true }

// Columns sends the RowDescription.
func (w *rowWriter) Columns(cols types.Schema) error {
	if w.described {
		return errColumnsTwice
	}
	w.described = true
	var binary []bool // nil: all text
	if w.sendBinary {
		binary = make([]bool, len(cols))
		for i := range binary {
			binary[i] = true
		}
	}
	w.encoder = newRowEncoder(cols, binary, w.loc)
	return w.fail(w.conn.out.send(rowDescription(cols, binary)))
}

// Row sends one DataRow; output is written to the client whenever enough
// has accumulated.
func (w *rowWriter) Row(row []types.Datum) error {
	if w.writeErr != nil {
		return w.writeErr
	}
	if !w.described {
		return errRowBeforeColumns
	}
	buf, err := w.encoder.appendDataRow(w.conn.out.buf, row)
	if err != nil {
		return err
	}
	w.conn.out.buf = buf
	return w.fail(w.conn.out.flushIfFull())
}

// Flush writes the rows sent so far to the client.
func (w *rowWriter) Flush() error {
	if w.writeErr != nil {
		return w.writeErr
	}
	return w.fail(w.conn.out.flush())
}

// fail records a write failure, which ends the connection.
func (w *rowWriter) fail(err error) error {
	if err != nil && w.writeErr == nil {
		w.writeErr = err
	}
	return err
}
