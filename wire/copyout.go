package wire

import (
	"context"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
)

// CopyOut receives the rows of a COPY TO STDOUT; it is the engine's, so
// engine sessions are CopyOutSessions as they are.
type CopyOut = engine.CopyOut

// CopyOutSession is optionally implemented by a Session to run COPY ...
// TO STDOUT in a simple query. Sessions without it get COPY TO through
// Execute like any other statement.
type CopyOutSession interface {
	// CopyTo runs the COPY, calling out.Begin once the rows are about to
	// flow and out.Data per line, and returns the command tag ("COPY 3").
	// ctx is cancelled as for Execute.
	CopyTo(ctx context.Context, st *parser.CopyTo, out CopyOut) (tag string, err error)
}

// copyOut runs a COPY TO STDOUT of a simple query: CopyOutResponse at
// Begin, a CopyData per line, CopyDone at the end. An error after Begin is
// sent by the caller as an ErrorResponse, which ends copy mode in the
// protocol; a connection failure is also recorded in c.rows.writeErr.
func (c *conn) copyOut(ctx context.Context, cs CopyOutSession, st *parser.CopyTo) (string, error) {
	w := &copyOutWriter{conn: c}
	tag, err := c.cancellable(ctx, func(ctx context.Context) (string, error) {
		return cs.CopyTo(ctx, st, w)
	})
	if err != nil {
		return "", err
	}
	if err := c.out.send(&pgproto3.CopyDone{}); err != nil {
		return "", c.rows.fail(err)
	}
	return tag, nil
}

// copyOutWriter sends the lines of a COPY TO as CopyData messages,
// encoding each straight into the output buffer.
type copyOutWriter struct {
	conn *conn
}

var _ CopyOut = (*copyOutWriter)(nil)

// Begin sends CopyOutResponse: text format, for every column.
func (w *copyOutWriter) Begin(columns int) error {
	msg := &pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, columns)}
	if err := w.conn.out.send(msg); err != nil {
		return w.conn.rows.fail(err)
	}
	return nil
}

// Data sends one CopyData message holding line.
func (w *copyOutWriter) Data(line []byte) error {
	if w.conn.rows.writeErr != nil {
		return w.conn.rows.writeErr
	}
	buf := append(w.conn.out.buf, 'd', 0, 0, 0, 0)
	be.PutUint32(buf[len(buf)-4:], uint32(len(line)+4))
	w.conn.out.buf = append(buf, line...)
	return w.conn.rows.fail(w.conn.out.flushIfFull())
}
