package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unsafe"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// SQLSTATEs only cursors report.
const (
	codeNoActiveTransaction = "25P01"
	codeInvalidCursorName   = "34000"
	codeDuplicateCursor     = "42P03"
)

// maxHoldBytes bounds the memory of the rows a WITH HOLD cursor keeps when
// its transaction commits.
const maxHoldBytes = 64 << 20

// BinaryResults is implemented by RowWriters that can send a result in
// binary format. FETCH from a BINARY cursor calls SendBinary before
// Columns. A RowWriter without it sends text, as the extended protocol's
// result formats (chosen at Bind) override BINARY in Postgres too.
type BinaryResults interface {
	// SendBinary makes the rest of the statement's result binary.
	SendBinary()
}

// sqlCursor is one cursor of a session (DECLARE ... CURSOR): an open
// operator read forward by FETCH and MOVE, pulled by FETCH itself for a
// query and by a livePump for SUBSCRIBE. It keeps the batch it is reading,
// so the row it is positioned on (FETCH 0) is b.Row(next-1).
type sqlCursor struct {
	name   string
	schema types.Schema
	binary bool
	// hold is WITH HOLD; held is set once the rows were materialised at
	// COMMIT, after which the cursor no longer belongs to a transaction.
	hold, held bool
	// live is set over SUBSCRIBE: FETCH waits for the first row, then
	// returns only what has already arrived.
	live bool
	// limit is how many more rows the cursor may return (SUBSCRIBE ...
	// LIMIT n); -1 for no limit.
	limit int64
	op    exec.Operator // the query's operator; nil when live
	pump  *livePump     // the SUBSCRIBE's pump; nil unless live
	// b is the batch being read, next the index of its next unread row;
	// spare is what op fills, swapped with b when it holds rows, so a
	// failed or empty pull keeps the current row.
	b, spare *types.Batch
	next     int
	onRow    bool // positioned on a row, not before the first or after the last
	atEnd    bool // op is exhausted or the limit reached
}

// advance positions the cursor on its next row and reports whether there
// is one. Without wait, it only moves within the rows already pulled.
func (c *sqlCursor) advance(ctx context.Context, wait bool) (bool, error) {
	if c.atEnd || c.limit == 0 {
		c.atEnd, c.onRow = true, false
		return false, nil
	}
	for c.next >= c.b.Len {
		more, err := c.refill(ctx, wait)
		if err == io.EOF {
			c.atEnd, c.onRow = true, false
			return false, nil
		}
		if err != nil || !more {
			return false, err
		}
	}
	c.next++
	c.onRow = true
	if c.limit > 0 {
		c.limit--
	}
	return true, nil
}

// refill replaces the exhausted batch b with the next rows, when it gets
// any. It reports false when a live cursor has nothing queued and wait is
// not set, and io.EOF after the last row.
func (c *sqlCursor) refill(ctx context.Context, wait bool) (bool, error) {
	if c.pump != nil {
		next, err := c.pump.take(ctx, wait)
		if err != nil || next == nil {
			return false, err
		}
		c.pump.release(c.b)
		c.b, c.next = next, 0
		return true, nil
	}
	if err := c.op.Next(ctx, c.spare); err != nil {
		return false, err
	}
	if c.spare.Len > 0 {
		c.b, c.spare, c.next = c.spare, c.b, 0
	}
	return true, nil
}

// move advances up to count rows (parser.FetchAll: to the end), handing
// each to emit when it is not nil, and returns how many it moved. A live
// cursor waits for the first row until wait ends: then it returns 0 rows
// and no error. count 0 re-reads the current row.
func (c *sqlCursor) move(ctx, wait context.Context, count int64, emit func([]types.Datum) error) (int64, error) {
	if count == 0 {
		if !c.onRow {
			return 0, nil
		}
		if emit != nil {
			if err := emit(c.b.Row(c.next - 1)); err != nil {
				return 0, err
			}
		}
		return 1, nil
	}
	var n int64
	for count == parser.FetchAll || n < count {
		pull := ctx
		if c.live {
			pull = wait
		}
		ok, err := c.advance(pull, !c.live || n == 0)
		if err != nil {
			if c.live && n == 0 && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return 0, nil
			}
			return n, err
		}
		if !ok {
			break
		}
		if emit != nil {
			if err := emit(c.b.Row(c.next - 1)); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// materialise reads the rest of the cursor's rows into memory and closes
// its operator, so the cursor outlives the transaction (WITH HOLD).
func (c *sqlCursor) materialise(ctx context.Context) error {
	var rows [][]types.Datum
	size := 0
	for {
		err := c.op.Next(ctx, c.spare)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for i := 0; i < c.spare.Len; i++ {
			row := c.spare.Row(i)
			size += len(row) * int(unsafe.Sizeof(types.Datum{}))
			for _, d := range row {
				size += len(d.S)
			}
			if size > maxHoldBytes {
				return types.Errorf(types.CodeProgramLimitExceeded,
					"the rows of cursor %q exceed %d MiB, the most a WITH HOLD cursor keeps", c.name, maxHoldBytes>>20).
					WithHint("FETCH the rows inside the transaction instead, or declare the cursor WITHOUT HOLD.")
			}
			rows = append(rows, types.CopyRow(row))
		}
	}
	if err := c.op.Close(ctx); err != nil {
		return err
	}
	c.op = &rowsScan{rows: rows, width: len(c.schema)}
	c.held = true
	return nil
}

// close releases the cursor's operator (a SUBSCRIBE's subscription).
func (c *sqlCursor) close() error {
	if c.pump != nil {
		return c.pump.close()
	}
	return c.op.Close(context.Background())
}

// declare opens a cursor: it plans and opens the query now, so a cursor
// over SUBSCRIBE sees every row produced from DECLARE on.
func (s *Session) declare(ctx context.Context, st *parser.Declare, params []types.Datum) (string, error) {
	if !st.Hold && !s.inTxn {
		return "", types.Errorf(codeNoActiveTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if st.Hold && st.Subscribe != nil {
		return "", types.Errorf(types.CodeFeatureNotSupported, "DECLARE CURSOR WITH HOLD is not supported for SUBSCRIBE").
			WithHint("A SUBSCRIBE never ends, so its rows cannot be kept past COMMIT: declare the cursor WITHOUT HOLD inside a transaction block.")
	}
	root, params, err := s.cursorPlan(st, params)
	if err != nil {
		return "", err
	}
	if _, exists := s.cursors[st.Name]; exists {
		return "", types.Errorf(codeDuplicateCursor, "cursor \"%s\" already exists", st.Name)
	}
	op, err := exec.Build(root, s.env(params))
	if err != nil {
		return "", err
	}
	// The operator outlives this statement: it must not stop with its context.
	openCtx := context.WithoutCancel(ctx)
	if err := op.Open(openCtx); err != nil {
		_ = op.Close(openCtx)
		return "", err
	}
	width := len(root.Schema())
	c := &sqlCursor{name: st.Name, schema: root.Schema(), binary: st.Binary, hold: st.Hold, limit: -1,
		b: types.NewBatch(width), spare: types.NewBatch(width)}
	if st.Subscribe != nil {
		c.live, c.limit, c.pump = true, st.Subscribe.Limit, startPump(op, width)
	} else {
		c.op = op
	}
	if st.Hold && !s.inTxn {
		// The statement is its own transaction, which commits now.
		if err := c.materialise(ctx); err != nil {
			_ = c.close()
			return "", err
		}
	}
	if s.cursors == nil {
		s.cursors = map[string]*sqlCursor{}
	}
	s.cursors[st.Name] = c
	return "DECLARE CURSOR", nil
}

// cursorPlan plans the query of a DECLARE and binds its parameters.
func (s *Session) cursorPlan(st *parser.Declare, params []types.Datum) (planner.Node, []types.Datum, error) {
	if st.Subscribe != nil {
		root, err := s.subscribeRoot(st.Subscribe)
		return root, nil, err
	}
	plan, err := planner.PlanQuery(s.e, st.Query, s.planOptions())
	if err != nil {
		return nil, nil, err
	}
	if params, err = s.bindParams(plan.Params, params); err != nil {
		return nil, nil, err
	}
	return plan.Root, params, nil
}

// cursor returns the session's cursor name, or 34000.
func (s *Session) cursor(name string) (*sqlCursor, error) {
	c, ok := s.cursors[name]
	if !ok {
		return nil, types.Errorf(codeInvalidCursorName, "cursor \"%s\" does not exist", name)
	}
	return c, nil
}

// fetch runs FETCH or MOVE. Over a SUBSCRIBE it blocks until a row arrives
// (or the timeout option passes), then returns up to Count rows of those
// already received; it ends with ctx (a cancel request).
func (s *Session) fetch(ctx context.Context, st *parser.Fetch, w RowWriter) (string, error) {
	c, err := s.cursor(st.Name)
	if err != nil {
		return "", err
	}
	if st.Backward != "" {
		return "", types.Errorf(types.CodeObjectNotInPrerequisite, "cursor can only scan forward").
			WithHint("Novelty's cursors are NO SCROLL: %s is not possible; read forward with FETCH [FORWARD] n.", st.Backward)
	}
	wait := ctx
	if timeout, ok, err := fetchTimeout(st.Options, s.location); err != nil {
		return "", err
	} else if ok {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	verb := "FETCH"
	var emit func([]types.Datum) error
	if st.Move {
		verb = "MOVE"
	} else {
		if b, ok := w.(BinaryResults); ok && c.binary {
			b.SendBinary()
		}
		if err := w.Columns(c.schema); err != nil {
			return "", err
		}
		emit = w.Row
	}
	n, err := c.move(ctx, wait, st.Count, emit)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %d", verb, n), nil
}

// fetchTimeout reads the options of FETCH: timeout = 'interval' bounds how
// long a FETCH over SUBSCRIBE waits for its first row.
func fetchTimeout(opts parser.Options, loc *time.Location) (time.Duration, bool, error) {
	var timeout time.Duration
	given := false
	for _, o := range opts {
		if o.Key != "timeout" {
			return 0, false, types.Errorf(types.CodeInvalidParameterValue, "unknown FETCH option \"%s\"", o.Key).
				WithPosition(o.Pos).WithHint("FETCH takes one option, timeout = 'interval'.")
		}
		d, err := types.ParseText(types.Interval, o.Value, loc)
		if err != nil {
			return 0, false, err
		}
		timeout = time.Duration(d.Months)*30*24*time.Hour + time.Duration(d.Days)*24*time.Hour + time.Duration(d.I)*time.Microsecond
		if timeout < 0 {
			return 0, false, types.Errorf(types.CodeInvalidParameterValue, "FETCH timeout must not be negative: %s", o.Value).
				WithPosition(o.Pos)
		}
		given = true
	}
	return timeout, given, nil
}

// closeCursor runs CLOSE name and CLOSE ALL.
func (s *Session) closeCursor(st *parser.CloseCursor) (string, error) {
	if st.All {
		return "CLOSE CURSOR ALL", s.closeCursors(func(*sqlCursor) bool { return true })
	}
	c, err := s.cursor(st.Name)
	if err != nil {
		return "", err
	}
	delete(s.cursors, st.Name)
	return "CLOSE CURSOR", c.close()
}

// closeCursors closes and forgets the cursors which, returning the first
// error.
func (s *Session) closeCursors(which func(*sqlCursor) bool) error {
	var first error
	for name, c := range s.cursors {
		if !which(c) {
			continue
		}
		delete(s.cursors, name)
		if err := c.close(); err != nil && first == nil {
			first = fmt.Errorf("closing cursor %q: %w", name, err)
		}
	}
	return first
}

// holdCursors materialises the WITH HOLD cursors of the transaction being
// committed, before its writes apply, so they read what it saw.
func (s *Session) holdCursors(ctx context.Context) error {
	for _, c := range s.cursors {
		if c.hold && !c.held {
			if err := c.materialise(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeTxnCursors closes the cursors that end with the transaction: all
// but those materialised WITH HOLD.
func (s *Session) closeTxnCursors() {
	// Closing an operator only releases memory and subscriptions: there is
	// nothing to report to the client about a cursor it can no longer use.
	_ = s.closeCursors(func(c *sqlCursor) bool { return !c.held })
}

// describeCursorStatement is Describe for DECLARE (the parameters of its
// query; no result) and FETCH (the cursor's columns; MOVE has none).
func (s *Session) describeCursorStatement(stmt parser.Statement) ([]types.Type, types.Schema, error) {
	switch st := stmt.(type) {
	case *parser.Declare:
		if st.Subscribe != nil {
			_, err := s.subscribeRoot(st.Subscribe)
			return nil, nil, err
		}
		plan, err := planner.PlanQuery(s.e, st.Query, s.planOptions())
		if err != nil {
			return nil, nil, err
		}
		return plan.Params, nil, nil
	case *parser.Fetch:
		if st.Move {
			return nil, nil, nil
		}
		c, err := s.cursor(st.Name)
		if err != nil {
			return nil, nil, err
		}
		return nil, c.schema, nil
	}
	return nil, nil, nil
}
