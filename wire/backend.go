// Package wire is Novelty's PostgreSQL endpoint: it speaks the frontend/backend
// protocol version 3 to clients (psql, pgx, JDBC, ...) and hands statements
// to the engine through the Backend and Session interfaces defined here.
package wire

import (
	"context"
	"time"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// ServerVersion is the server_version reported to clients. Clients pick
// their catalog queries from its leading number, so it claims Postgres 15,
// the dialect Novelty follows.
const ServerVersion = "15.0 (Novelty)"

// Backend creates sessions; the engine implements it.
type Backend interface {
	// NewSession starts a session for an authenticated client. A *types.Error
	// (e.g. 3D000 for an unknown database) is reported to the client as a
	// FATAL error and ends the connection.
	NewSession(ctx context.Context, user, database string) (Session, error)
}

// Session is one client connection's state in the engine. The wire layer
// calls it from one goroutine at a time.
type Session interface {
	// Prepare parses a whole script (parser.Parse semantics: a syntax error
	// fails all of it).
	Prepare(sql string) ([]parser.Statement, error)
	// Execute runs one statement, writing result rows to w, and returns the
	// command tag ("SELECT 3", "INSERT 0 1", "CREATE SOURCE"). ctx is
	// cancelled when the client sends a cancel request or the server shuts
	// down; Execute should then return ctx.Err() (possibly wrapped).
	Execute(ctx context.Context, stmt parser.Statement, w RowWriter) (tag string, err error)
	// Location is the session TimeZone for timestamptz text output.
	Location() *time.Location
	// ParameterChanges returns the reported session parameters whose values
	// changed since the last call (e.g. TimeZone after SET TimeZone), to send
	// to the client as ParameterStatus messages.
	ParameterChanges() map[string]string
	// Close releases the session; it is called once, when the connection ends.
	Close() error
}

// ExtendedSession is implemented by sessions that support the extended
// query protocol (Parse, Bind, Describe, Execute). Connections whose
// session lacks it refuse extended-protocol messages with 0A000.
type ExtendedSession interface {
	// Describe plans stmt without running it: the types of $1..$n
	// (types.Unknown where nothing constrains a parameter; the wire layer
	// describes it as text, OID 25) and the result columns (nil for
	// statements that return no rows). The wire layer calls it once, at
	// Parse, and reports its error there, as Postgres reports analysis
	// errors at Parse.
	Describe(stmt parser.Statement) (params []types.Type, cols types.Schema, err error)
	// ExecuteParams runs stmt with parameter values ($1 first), each
	// already of the type Describe gave (or of the type the client declared
	// in Parse), NULL as types.Null. Result columns passed to w.Columns must
	// match what Describe returned (count and types), or the execution
	// fails with 0A000 "cached plan must not change result type".
	ExecuteParams(ctx context.Context, stmt parser.Statement, params []types.Datum, w RowWriter) (tag string, err error)
}

// RowWriter receives the result of a statement; it is the engine's, so
// engine sessions are wire sessions as they are.
type RowWriter = engine.RowWriter

// Flusher is implemented by the RowWriter the wire layer passes to Execute.
// Statements that produce rows slowly (SUBSCRIBE) call Flush after a burst
// of rows so the client sees them without waiting for the buffer to fill.
type Flusher interface {
	Flush() error
}

// TxStatuser is optionally implemented by a Session to report its
// transaction state in ReadyForQuery: 'I' idle, 'T' in a transaction block,
// 'E' in a failed transaction block. Sessions without it are always idle.
type TxStatuser interface {
	TxStatus() byte
}

// ParameterSetter is optionally implemented by a Session to accept the
// run-time parameters a client sends in its startup message (TimeZone,
// DateStyle, extra_float_digits, search_path, ...), as if by SET. An error
// ends the connection with a FATAL error. Sessions without it ignore them.
type ParameterSetter interface {
	SetParameter(name, value string) error
}
