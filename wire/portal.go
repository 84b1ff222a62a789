package wire

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// preparedStatement is the result of a Parse, kept on the connection by
// name until Close (the unnamed one until the next unnamed Parse or simple
// query).
type preparedStatement struct {
	stmt   parser.Statement // nil for an empty query
	params []types.Type     // $1..$n: the type declared in Parse, else the one Describe gave
	cols   types.Schema     // result columns; nil for statements that return no rows
}

// portalState is where a portal is in its life.
type portalState uint8

const (
	// portalReady: bound, not yet executed.
	portalReady portalState = iota
	// portalSuspended: executed with a row limit; held rows remain to send.
	portalSuspended
	// portalDone: every row was sent and CommandComplete too.
	portalDone
)

// portal is the result of a Bind: a statement with its parameter values and
// result formats.
//
// Partial execution (Execute with max rows): the first Execute runs the
// statement to completion; rows past the limit are copied into held and
// sent by the following Executes, each answering PortalSuspended while held
// rows remain. Running the statement again lazily would repeat its side
// effects and could see different data, and keeping it paused inside the
// engine would leave the session busy between messages; holding the rows
// is what Postgres does for the statements it cannot pause. Held rows are
// bounded by maxHeldBytes; a result beyond it fails with 54000. Unbounded
// results (SUBSCRIBE) are read with max rows 0 or with DECLARE/FETCH.
type portal struct {
	stmt      *preparedStatement
	params    []types.Datum
	binary    []bool // per result column: binary format; nil when all are text
	state     portalState
	held      [][]types.Datum // rows not yet sent, oldest first
	heldBytes int             // estimated memory of held
	tag       string          // the finished statement's command tag
}

// maxHeldBytes bounds the memory of the rows one portal holds for later
// Executes.
const maxHeldBytes = 64 << 20

// retag returns a command tag that reports n rows: its trailing row count
// replaced ("SELECT 25" -> "SELECT 10"). Postgres reports, at the end of a
// partially executed portal, the rows of the last Execute only.
func retag(tag string, n int) string {
	i := strings.LastIndexByte(tag, ' ')
	if i < 0 {
		return tag
	}
	if _, err := strconv.ParseUint(tag[i+1:], 10, 64); err != nil {
		return tag
	}
	return tag[:i+1] + strconv.Itoa(n)
}

// errResultChanged reports a statement whose result columns differ from
// those described at Parse, which the client relies on to decode rows.
func errResultChanged() error {
	return types.Errorf(types.CodeFeatureNotSupported, "cached plan must not change result type")
}

// portalWriter is the RowWriter of an Execute: it sends up to maxRows rows
// in the portal's formats and holds the rest in the portal.
type portalWriter struct {
	conn      *conn
	portal    *portal
	loc       *time.Location // timestamptz text output zone
	maxRows   int            // rows to send; 0 for all
	sent      int            // rows sent by this Execute
	described bool           // Columns was called
	encoder   *rowEncoder    // the portal's DataRow encoding, made by the first send
	// writeErr is the first failure to write to the client; the connection
	// is dead after it.
	writeErr error
}

var _ RowWriter = (*portalWriter)(nil)
var _ Flusher = (*portalWriter)(nil)

// Columns checks the columns against those described at Parse; nothing is
// sent, the client learnt them from Describe.
func (w *portalWriter) Columns(cols types.Schema) error {
	if w.described {
		return errColumnsTwice
	}
	w.described = true
	want := w.portal.stmt.cols
	if want == nil || len(cols) != len(want) {
		return errResultChanged()
	}
	for i := range cols {
		if describedType(cols[i].Type) != describedType(want[i].Type) {
			return errResultChanged()
		}
	}
	return nil
}

// Row sends row while the Execute's row limit allows, and holds it
// otherwise.
func (w *portalWriter) Row(row []types.Datum) error {
	if w.writeErr != nil {
		return w.writeErr
	}
	if !w.described {
		return errRowBeforeColumns
	}
	if cols := w.portal.stmt.cols; len(row) != len(cols) {
		return fmt.Errorf("wire: row has %d values for %d columns", len(row), len(cols))
	}
	if w.maxRows > 0 && w.sent >= w.maxRows {
		return w.hold(row)
	}
	if err := w.send(row); err != nil {
		return err
	}
	w.sent++
	return nil
}

// send writes one DataRow in the portal's formats.
func (w *portalWriter) send(row []types.Datum) error {
	if w.encoder == nil {
		enc := newRowEncoder(w.portal.stmt.cols, w.portal.binary, w.loc)
		w.encoder = &enc
	}
	buf, err := w.encoder.appendDataRow(w.conn.out.buf, row)
	if err != nil {
		return err
	}
	w.conn.out.buf = buf
	return w.fail(w.conn.out.flushIfFull())
}

// hold copies row into the portal for a later Execute.
func (w *portalWriter) hold(row []types.Datum) error {
	size := len(row) * int(unsafe.Sizeof(types.Datum{}))
	for _, d := range row {
		size += len(d.S)
	}
	if w.portal.heldBytes+size > maxHeldBytes {
		return types.Errorf(codeProgramLimitExceeded,
			"the rows held for a partial Execute exceed %d MiB", maxHeldBytes>>20).
			WithHint("Execute with max rows 0, or read the result with DECLARE CURSOR and FETCH.")
	}
	w.portal.heldBytes += size
	w.portal.held = append(w.portal.held, append([]types.Datum(nil), row...))
	return nil
}

// sendHeld sends up to maxRows (0: all) held rows and reports how many it
// sent.
func (w *portalWriter) sendHeld() (int, error) {
	p := w.portal
	n := len(p.held)
	if w.maxRows > 0 && w.maxRows < n {
		n = w.maxRows
	}
	for i, row := range p.held[:n] {
		if err := w.send(row); err != nil {
			return i, err
		}
		p.held[i] = nil // release as we go
	}
	p.held = p.held[n:]
	if len(p.held) == 0 {
		p.held, p.heldBytes = nil, 0
	}
	return n, nil
}

// Flush writes the rows sent so far to the client.
func (w *portalWriter) Flush() error {
	if w.writeErr != nil {
		return w.writeErr
	}
	return w.fail(w.conn.out.flush())
}

// fail records a write failure, which ends the connection.
func (w *portalWriter) fail(err error) error {
	if err != nil && w.writeErr == nil {
		w.writeErr = err
	}
	return err
}
