package wire

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// CopySession is optionally implemented by a Session to accept COPY FROM
// STDIN in a simple query. Sessions without it get COPY through Execute
// like any other statement.
type CopySession interface {
	// CopyColumns resolves a COPY's target: the columns each data row
	// holds. An error fails the COPY before the client is asked for data.
	CopyColumns(st *parser.Copy) (types.Schema, error)
	// CopyFrom runs the COPY with the data next returns: the bytes of one
	// CopyData message per call (valid only until the next call), io.EOF
	// at CopyDone, an error on CopyFail. It returns the command tag
	// ("COPY 3"). ctx is cancelled as for Execute.
	CopyFrom(ctx context.Context, st *parser.Copy, next func() ([]byte, error)) (tag string, err error)
}

// copyIn runs a COPY FROM STDIN of a simple query: CopyInResponse, then
// the client's CopyData up to CopyDone or CopyFail. A statement error is
// returned; a connection failure is also recorded in c.rows.writeErr. When
// the COPY fails before CopyDone, the client's remaining copy messages are
// dropped by handle, as Postgres drops them.
func (c *conn) copyIn(ctx context.Context, cs CopySession, st *parser.Copy) (string, error) {
	cols, err := cs.CopyColumns(st)
	if err != nil {
		return "", err
	}
	if err := c.out.send(&pgproto3.CopyInResponse{ColumnFormatCodes: make([]uint16, len(cols))}); err != nil {
		return "", c.rows.fail(err)
	}
	if err := c.out.flush(); err != nil {
		return "", c.rows.fail(err)
	}
	return c.cancellable(ctx, func(ctx context.Context) (string, error) {
		return cs.CopyFrom(ctx, st, c.copyData)
	})
}

// copyData returns the data of the client's next CopyData message, io.EOF
// at CopyDone, and a 57014 error at CopyFail. Flush and Sync are ignored
// during COPY, as Postgres ignores them.
func (c *conn) copyData() ([]byte, error) {
	for {
		msg, err := c.in.Receive()
		if err != nil {
			return nil, c.rows.fail(err)
		}
		switch msg := msg.(type) {
		case *pgproto3.CopyData:
			return msg.Data, nil
		case *pgproto3.CopyDone:
			return nil, io.EOF
		case *pgproto3.CopyFail:
			return nil, types.Errorf(types.CodeQueryCanceled, "COPY from stdin failed: %s", msg.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		case *pgproto3.Terminate:
			return nil, c.rows.fail(io.EOF)
		default:
			name := strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
			return nil, types.Errorf(types.CodeProtocolViolation, "unexpected message %s during COPY from stdin", name)
		}
	}
}
