package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

func (s *Session) dml(ctx context.Context, d *parser.DML, params []types.Datum) (string, error) {
	plan, err := planner.PlanDML(s.e, d)
	if err != nil {
		return "", err
	}
	if params, err = s.bindParams(dmlParams(plan), params); err != nil {
		return "", err
	}
	env := s.env(params)
	switch p := plan.(type) {
	case *planner.Insert:
		n, err := s.insert(ctx, p, env)
		return fmt.Sprintf("INSERT 0 %d", n), err
	case *planner.Update:
		n, err := s.update(ctx, p, env)
		return fmt.Sprintf("UPDATE %d", n), err
	case *planner.Delete:
		n, err := s.delete(ctx, p, env)
		return fmt.Sprintf("DELETE %d", n), err
	}
	return "", fmt.Errorf("engine: unexpected DML plan %T", plan)
}

// object returns the live object behind a planned relation.
func (s *Session) object(rel *planner.Relation) (*object, error) {
	o, ok := s.e.lookup(rel.Name)
	if !ok || o.id != rel.ID {
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", rel.Name)
	}
	return o, nil
}

func (s *Session) insert(ctx context.Context, p *planner.Insert, env *exec.Env) (int64, error) {
	o, err := s.object(p.Target)
	if err != nil {
		return 0, err
	}
	op, err := exec.Build(p.Input, env)
	if err != nil {
		return 0, err
	}
	defer op.Close(context.WithoutCancel(ctx))
	if err := op.Open(ctx); err != nil {
		return 0, err
	}
	return s.insertRows(ctx, o, op, nil)
}

// insertRows writes every row op yields into o: a table (one atomic write,
// or the open transaction's) or an INSERT-fed source (published whole).
// rowError, when set, adds context to a row's error; it gets the row's
// index in its batch.
func (s *Session) insertRows(ctx context.Context, o *object, op exec.Operator, rowError func(err error, i int) error) (int64, error) {
	if o.kind == parser.KindSource {
		return s.insertSource(ctx, o, op)
	}
	tw := s.tableWrite(o)
	defer tw.finish()
	b := types.NewBatch(len(o.rel.Schema))
	var n int64
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		for i := 0; i < b.Len; i++ {
			if err := tw.insert(b.Row(i)); err != nil {
				if rowError != nil {
					err = rowError(err, i)
				}
				return 0, err
			}
			n++
		}
	}
	return n, tw.commit()
}

// insertSource publishes rows into a source fed by INSERT. Rows are checked
// against NOT NULL first, so a statement is published whole or not at all.
func (s *Session) insertSource(ctx context.Context, o *object, op exec.Operator) (int64, error) {
	rows := types.NewBatch(len(o.rel.Schema))
	b := types.NewBatch(len(o.rel.Schema))
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		for i := 0; i < b.Len; i++ {
			if err := checkNotNull(o.rel, b.Row(i)); err != nil {
				return 0, err
			}
			rows.Append(b.Row(i))
		}
	}
	n := int64(rows.Len)
	for start := 0; start < rows.Len; start += types.BatchSize {
		end := min(start+types.BatchSize, rows.Len)
		chunk := &types.Batch{Width: rows.Width, Len: end - start, Datums: rows.Datums[start*rows.Width : end*rows.Width], Watermark: types.NoWatermark}
		if err := s.e.feedSource(ctx, o, chunk, nil); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func checkNotNull(rel *planner.Relation, row []types.Datum) error {
	for i, c := range rel.Schema {
		if !c.Nullable && row[i].IsNull() {
			return types.Errorf(types.CodeNotNullViolation,
				"null value in column %q of relation %q violates not-null constraint", c.Name, rel.Name)
		}
	}
	return nil
}

func (s *Session) update(ctx context.Context, p *planner.Update, env *exec.Env) (int64, error) {
	o, err := s.object(p.Target)
	if err != nil {
		return 0, err
	}
	sets, err := exec.CompileAll(p.Sets, env)
	if err != nil {
		return 0, err
	}
	tw := s.tableWrite(o)
	defer tw.finish()
	newRow := make([]types.Datum, len(o.rel.Schema))
	n, err := s.matching(ctx, o, p.Input, env, func(key []byte, row []types.Datum) error {
		for i, set := range sets {
			d, err := set(row)
			if err != nil {
				return err
			}
			newRow[i] = d
		}
		return tw.update(key, newRow)
	})
	if err != nil {
		return 0, err
	}
	return n, tw.commit()
}

func (s *Session) delete(ctx context.Context, p *planner.Delete, env *exec.Env) (int64, error) {
	o, err := s.object(p.Target)
	if err != nil {
		return 0, err
	}
	tw := s.tableWrite(o)
	defer tw.finish()
	n, err := s.matching(ctx, o, p.Input, env, func(key []byte, _ []types.Datum) error {
		tw.delete(key)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, tw.commit()
}

// matching calls fn with the key and row of every table row the input of
// an UPDATE or DELETE selects (a table scan, optionally filtered).
func (s *Session) matching(ctx context.Context, o *object, input planner.Node, env *exec.Env, fn func(key []byte, row []types.Datum) error) (int64, error) {
	var pred exec.Evaluator
	if f, ok := input.(*planner.Filter); ok {
		var err error
		if pred, err = exec.Compile(f.Pred, env); err != nil {
			return 0, err
		}
	}
	scan := &tableScan{table: o.table, width: len(o.rel.Schema), txn: s.writes}
	if err := scan.Open(ctx); err != nil {
		return 0, err
	}
	defer scan.Close(ctx)
	var n int64
	for i, key := range scan.keys {
		row := scan.rows[i*scan.width : (i+1)*scan.width]
		if pred != nil {
			d, err := pred(row)
			if err != nil {
				return 0, err
			}
			if d.IsNull() || !d.Bool() {
				continue
			}
		}
		if err := fn(key, row); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

func (s *Session) truncate(st *parser.Truncate) error {
	o, ok := s.e.lookup(st.Name)
	if !ok {
		return types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", st.Name)
	}
	if o.kind != parser.KindTable {
		return types.Errorf(types.CodeWrongObjectType, "%q is not a table", st.Name)
	}
	tw := s.tableWrite(o)
	defer tw.finish()
	tw.batch.TruncateTable(o.id)
	return tw.commit()
}

// tableWrite collects one statement's writes to a table: committed at the
// end of the statement, or kept in the session's transaction until COMMIT.
// Reads through its batch see the writes made so far.
type tableWrite struct {
	s     *Session
	o     *object
	batch *storage.WriteBatch
	// own is set when the batch belongs to this statement alone.
	own bool
	key []byte
}

// tableWrite starts a statement's writes to o, taking the engine's table
// write lock: for the statement, or, in a transaction, until it ends.
func (s *Session) tableWrite(o *object) *tableWrite {
	s.lockTableWrites()
	tw := &tableWrite{s: s, o: o}
	if s.inTxn {
		if s.writes == nil {
			s.writes = s.e.store.NewTxnBatch()
		}
		tw.batch = s.writes
	} else {
		tw.batch, tw.own = s.e.store.NewTxnBatch(), true
	}
	return tw
}

// lockTableWrites takes the engine's table write lock unless the session's
// transaction already holds it. Writers of tables are serialised: simple,
// free of lost updates and of lock-order deadlocks; table writes are
// reference data and migrations, not the streaming hot path.
func (s *Session) lockTableWrites() {
	if !s.holdsWrites {
		s.e.tableWrites.Lock()
		s.holdsWrites = true
	}
}

// unlockTableWrites releases the table write lock if the session holds it.
func (s *Session) unlockTableWrites() {
	if s.holdsWrites {
		s.holdsWrites = false
		s.e.tableWrites.Unlock()
	}
}

// rowKey is the storage key of a row: its primary key, or a fresh row id
// for tables without one.
func (tw *tableWrite) rowKey(row []types.Datum) ([]byte, error) {
	tw.key = tw.key[:0]
	if len(tw.o.rel.PrimaryKey) == 0 {
		id, err := tw.s.e.nextSerial(tw.o.id, -1)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(tw.key, uint64(id)), nil
	}
	for _, i := range tw.o.rel.PrimaryKey {
		tw.key = storage.AppendKey(tw.key, row[i])
	}
	return tw.key, nil
}

// exists reports whether key holds a row, counting this batch's writes.
func (tw *tableWrite) exists(key []byte) (bool, error) {
	_, found, err := tw.o.table.GetIn(tw.batch, key, nil)
	return found, err
}

func (tw *tableWrite) insert(row []types.Datum) error {
	if err := checkNotNull(tw.o.rel, row); err != nil {
		return err
	}
	key, err := tw.rowKey(row)
	if err != nil {
		return err
	}
	if len(tw.o.rel.PrimaryKey) > 0 {
		found, err := tw.exists(key)
		if err != nil {
			return err
		}
		if found {
			return tw.duplicate(row)
		}
	}
	tw.batch.PutRow(tw.o.id, key, row)
	return nil
}

func (tw *tableWrite) update(oldKey []byte, row []types.Datum) error {
	if err := checkNotNull(tw.o.rel, row); err != nil {
		return err
	}
	key := oldKey
	if len(tw.o.rel.PrimaryKey) > 0 {
		var err error
		if key, err = tw.rowKey(row); err != nil {
			return err
		}
		if string(key) != string(oldKey) {
			found, err := tw.exists(key)
			if err != nil {
				return err
			}
			if found {
				return tw.duplicate(row)
			}
			tw.delete(oldKey)
		}
	}
	tw.batch.PutRow(tw.o.id, key, row)
	return nil
}

func (tw *tableWrite) delete(key []byte) {
	tw.batch.DeleteRow(tw.o.id, key)
}

func (tw *tableWrite) duplicate(row []types.Datum) error {
	names := make([]string, len(tw.o.rel.PrimaryKey))
	vals := make([]string, len(tw.o.rel.PrimaryKey))
	for i, c := range tw.o.rel.PrimaryKey {
		names[i] = tw.o.rel.Schema[c].Name
		vals[i] = string(types.AppendText(nil, row[c], time.UTC))
	}
	return types.Errorf(types.CodeUniqueViolation, "duplicate key value violates unique constraint %q", tw.o.name+"_pkey").
		WithDetail("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(vals, ", "))
}

// commit applies a statement's own batch; in a transaction it waits for COMMIT.
func (tw *tableWrite) commit() error {
	if !tw.own || tw.batch.Len() == 0 {
		return nil
	}
	return tw.batch.Commit()
}

// finish ends the statement's writes: outside a transaction it releases
// the batch and the table write lock.
func (tw *tableWrite) finish() {
	if tw.own {
		tw.batch.Close()
		tw.s.unlockTableWrites()
	}
}

// sequenceBlock is how many values a sequence reserves per write: values
// are handed out from memory and one synced write covers a block. After a
// restart the sequence continues after the last reserved block, leaving a
// gap, as Postgres sequences with a cache do.
const sequenceBlock = 1000

// sequence is a sequence's state: the next value and the end of the
// reserved block.
type sequence struct{ next, reserved int64 }

// nextSerial returns the next value of a sequence: a serial column's
// (column >= 0) or a table's hidden row id (column -1).
func (e *Engine) nextSerial(rel uint64, column int) (int64, error) {
	e.serialMu.Lock()
	defer e.serialMu.Unlock()
	key := stateKey(rel, "seq/"+strconv.Itoa(column))
	seq, ok := e.sequences[key]
	if !ok {
		raw, found, err := e.store.GetState(key)
		if err != nil {
			return 0, err
		}
		seq = &sequence{}
		if found {
			if seq.reserved, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
				return 0, fmt.Errorf("engine: corrupt sequence %s: %w", key, err)
			}
		}
		seq.next = seq.reserved + 1
		e.sequences[key] = seq
	}
	if seq.next > seq.reserved {
		end := seq.reserved + sequenceBlock
		if err := e.store.PutState(key, []byte(strconv.FormatInt(end, 10))); err != nil {
			return 0, err
		}
		seq.reserved = end
	}
	v := seq.next
	seq.next++
	return v, nil
}
