package engine

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// scanner opens the leaf scans of plans over the engine's relations.
type scanner struct {
	e *Engine
	// backfill makes live scans first read the relation's retained rows (a
	// new stream starts from everything retained, then goes live).
	backfill bool
	// txn, when set, is the session's open transaction: table scans see its writes.
	txn *storage.WriteBatch
	// session is the session a query runs for (nil for streams): virtual
	// relations describe the catalog as that session sees it.
	session *Session
}

// virtualScan computes a virtual relation's rows now.
func (s scanner) virtualScan(rel *planner.Relation) (exec.Operator, error) {
	if s.session == nil || s.e.cfg.Virtual == nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "%s can only be read by a query", rel.Name)
	}
	schema, name, _ := strings.Cut(rel.Name, ".")
	rows, err := s.e.cfg.Virtual.Rows(schema, name, s.session.snapshot())
	if err != nil {
		return nil, err
	}
	return &rowsScan{rows: rows, width: len(rel.Schema)}, nil
}

// rowsScan produces rows computed in advance.
type rowsScan struct {
	rows  [][]types.Datum
	width int
	next  int
}

var _ exec.Operator = (*rowsScan)(nil)

func (r *rowsScan) Open(context.Context) error { r.next = 0; return nil }

func (r *rowsScan) Next(_ context.Context, b *types.Batch) error {
	b.Reset(r.width)
	for r.next < len(r.rows) && !b.Full() {
		b.Append(r.rows[r.next])
		r.next++
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

func (r *rowsScan) Close(context.Context) error { return nil }

var _ exec.ScanOpener = scanner{}

func (s scanner) OpenScan(n *planner.Scan) (exec.Operator, error) {
	if n.Rel.Virtual {
		return s.virtualScan(n.Rel)
	}
	o, ok := s.e.lookup(n.Rel.Name)
	if !ok || o.id != n.Rel.ID {
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", n.Rel.Name)
	}
	width := len(n.Rel.Schema)
	switch n.Mode {
	case planner.ScanLive:
		return follow(o, s.backfill), nil
	case planner.ScanRetained:
		return &logScan{log: o.log, width: width}, nil
	case planner.ScanTable:
		return &tableScan{table: o.table, width: width, txn: s.txn}, nil
	}
	return nil, types.Errorf(types.CodeInternalError, "unknown scan mode %d", n.Mode)
}

// follow returns a live reader of o's rows. With backfill it first reads
// the rows o retained, then the live ones, with no gap and no overlap; the
// retained rows carry the watermarks o had when it published them, as far
// as they can be recomputed (backfillThen).
func follow(o *object, backfill bool) exec.Operator {
	if !backfill {
		return o.topic.Subscribe(exec.DefaultDepth)
	}
	var last uint64
	mark := types.NoWatermark
	sub := o.topic.SubscribeAfter(exec.DefaultDepth, func() {
		mark = o.stats.watermark.Load()
		if o.retention > 0 {
			last = o.log.LastSeq()
		}
		if o.replaying {
			// The rows after replayAfter reach the subscription live.
			last = min(last, o.replayAfter)
		}
	})
	return backfillThen(o, last, mark, sub)
}

// errBatchFull stops a storage scan callback once a batch is full.
var errBatchFull = errors.New("batch full")

// logScan reads a relation's retained rows, from the oldest up to the last
// row appended when the scan opened.
type logScan struct {
	log   *storage.Log
	width int
	// upTo, when not zero, fixes the last sequence number to read instead
	// of the log's last at Open.
	upTo uint64
	// marks, when set, stamps each batch with the watermark its source
	// had after its rows, and ends a batch where a row could be late.
	marks *replayMarks
	next  uint64 // next sequence number to read
	last  uint64 // last sequence number to read
}

var _ exec.Operator = (*logScan)(nil)

func (s *logScan) Open(context.Context) error {
	s.next, s.last = 1, s.log.LastSeq()
	if s.upTo != 0 {
		s.last = s.upTo
	}
	if s.marks != nil {
		s.marks.reset()
	}
	return nil
}

// Next returns the next retained rows. With ctx done it returns ctx's
// error having read nothing: a sink probes its input with a done context
// (nextForSink) and must not lose a batch to it.
func (s *logScan) Next(ctx context.Context, b *types.Batch) error {
	b.Reset(s.width)
	if s.next > s.last {
		return io.EOF
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.marks != nil {
		s.marks.startBatch()
	}
	err := s.log.Scan(s.next, func(seq uint64, row []types.Datum) error {
		if seq > s.last {
			s.next = seq
			return io.EOF
		}
		if s.marks != nil && !s.marks.admit(row) {
			s.next = seq
			return errBatchFull
		}
		b.Append(row)
		s.next = seq + 1
		if b.Full() {
			return errBatchFull
		}
		return nil
	})
	switch {
	case err == nil:
		s.next = s.last + 1
	case err != io.EOF && err != errBatchFull:
		return err
	}
	if b.Len == 0 {
		s.next = s.last + 1
		return io.EOF
	}
	if s.marks != nil {
		b.Watermark = s.marks.mark
	}
	return nil
}

func (s *logScan) Close(context.Context) error { return nil }

// tableScan reads a table's rows in key order. It materialises the table
// when opened, so a statement sees one consistent snapshot even while it
// writes the same table (UPDATE ... SET x = x + 1).
type tableScan struct {
	table *storage.Table
	txn   *storage.WriteBatch
	width int
	rows  []types.Datum
	keys  [][]byte
	next  int
}

var _ exec.Operator = (*tableScan)(nil)

func (s *tableScan) Open(context.Context) error {
	s.rows, s.keys, s.next = s.rows[:0], s.keys[:0], 0
	return s.table.ScanIn(s.txn, func(key []byte, row []types.Datum) error {
		s.rows = append(s.rows, row...)
		s.keys = append(s.keys, append([]byte(nil), key...))
		return nil
	})
}

func (s *tableScan) Next(_ context.Context, b *types.Batch) error {
	b.Reset(s.width)
	n := len(s.keys)
	for s.next < n && !b.Full() {
		b.Append(s.rows[s.next*s.width : (s.next+1)*s.width])
		s.next++
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

func (s *tableScan) Close(context.Context) error { s.rows, s.keys = nil, nil; return nil }
