package exec

import (
	"context"
	"io"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// materialize reads a bounded operator to the end into one flat slice.
func materialize(ctx context.Context, op Operator, width int) ([]types.Datum, error) {
	b := types.NewBatch(width)
	var rows []types.Datum
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, b.Datums...)
	}
}

// joinBase is what hash and nested-loop joins share: the left input read
// batch by batch, the right input materialised, and the output assembly.
//
// When the left input is live (a stream enriched from a table), the right
// input is read again for every left batch: each stream row meets the
// table's rows as they are when it is processed. The left input's
// watermark passes through.
type joinBase struct {
	left, right Operator
	kind        planner.JoinKind
	lw, rw      int
	rows        []types.Datum // right rows, rw values each
	in          *types.Batch  // current left batch
	pos         int           // next row of in to join
	env         *Env
	// refresh re-reads the right input for each left batch; loaded is
	// called after every (re)load (the hash join indexes the rows).
	refresh bool
	loaded  func() error
}

func (j *joinBase) open(ctx context.Context) error {
	if err := openAll(ctx, j.left, j.right); err != nil {
		return err
	}
	j.in = types.NewBatch(j.lw)
	j.pos = 0
	return j.load(ctx)
}

// load materialises the right input (re-opening it when refreshing).
func (j *joinBase) load(ctx context.Context) error {
	if j.refresh && j.rows != nil {
		if err := j.right.Close(ctx); err != nil {
			return err
		}
		if err := j.right.Open(ctx); err != nil {
			return err
		}
	}
	rows, err := materialize(ctx, j.right, j.rw)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []types.Datum{}
	}
	j.rows = rows
	if j.loaded != nil {
		return j.loaded()
	}
	return nil
}

func (j *joinBase) rightRow(i int) []types.Datum { return j.rows[i*j.rw : (i+1)*j.rw] }

// emit appends left+right (right nil: NULLs) to b and returns the row.
func (j *joinBase) emit(b *types.Batch, left, right []types.Datum) []types.Datum {
	out := b.AppendRow()
	copy(out, left)
	if right == nil {
		clear(out[j.lw:])
	} else {
		copy(out[j.lw:], right)
	}
	return out
}

// accept evaluates the join condition on a candidate output row, dropping
// it from b when it does not hold.
func (j *joinBase) accept(b *types.Batch, cond Evaluator, row []types.Datum) (bool, error) {
	if cond == nil {
		return true, nil
	}
	d, err := cond(row)
	if err != nil {
		b.Truncate(b.Len - 1)
		return false, j.env.rowError(err)
	}
	if d.IsNull() || !d.Bool() {
		b.Truncate(b.Len - 1)
		return false, nil
	}
	return true, nil
}

// run fills b by joining left rows; match emits the matches of one left row
// and reports whether there were any.
func (j *joinBase) run(ctx context.Context, b *types.Batch, match func(b *types.Batch, left []types.Datum) (bool, error)) error {
	b.Reset(j.lw + j.rw)
	for !b.Full() {
		if j.pos >= j.in.Len {
			if b.Len > 0 && j.refresh {
				// Hand out what this left batch produced before reading on.
				return nil
			}
			if err := j.left.Next(ctx, j.in); err != nil {
				if err == io.EOF && b.Len > 0 {
					return nil
				}
				return err
			}
			j.pos = 0
			b.Watermark = j.in.Watermark
			if j.in.IsBarrier() {
				// b is empty here: a live join hands out each left batch's rows
				// before reading the next.
				b.Barrier = j.in.Barrier
				return nil
			}
			if j.refresh {
				if err := j.load(ctx); err != nil {
					return err
				}
				if j.in.Len == 0 && j.in.Watermark != types.NoWatermark {
					return nil
				}
			}
			continue
		}
		left := j.in.Row(j.pos)
		j.pos++
		matched, err := match(b, left)
		if err != nil {
			return err
		}
		if !matched && j.kind == planner.LeftJoin {
			j.emit(b, left, nil)
		}
	}
	return nil
}

func (j *joinBase) close(ctx context.Context) error {
	j.rows = nil
	return closeAll(ctx, j.left, j.right)
}

// hashJoin joins on key equality using a hash table of the right rows.
type hashJoin struct {
	joinBase
	lkeys, rkeys []Evaluator
	residual     Evaluator
	table        map[string][]int
	key          []byte
}

var _ Operator = (*hashJoin)(nil)

func newHashJoin(l, r Operator, n *planner.HashJoin, env *Env) (*hashJoin, error) {
	lkeys, err := CompileAll(n.LeftKeys, env)
	if err != nil {
		return nil, err
	}
	rkeys, err := CompileAll(n.RightKeys, env)
	if err != nil {
		return nil, err
	}
	var residual Evaluator
	if n.Residual != nil {
		if residual, err = Compile(n.Residual, env); err != nil {
			return nil, err
		}
	}
	return &hashJoin{
		joinBase: joinBase{left: l, right: r, kind: n.Kind, lw: len(n.Left.Schema()), rw: len(n.Right.Schema()), env: env,
			refresh: isLive(n.Left)},
		lkeys: lkeys, rkeys: rkeys, residual: residual,
	}, nil
}

// joinKey encodes the key values of row; ok is false when a key is NULL
// (NULL never joins).
func joinKey(buf []byte, keys []Evaluator, row []types.Datum) ([]byte, bool, error) {
	buf = buf[:0]
	for _, k := range keys {
		d, err := k(row)
		if err != nil || d.IsNull() {
			return buf, false, err
		}
		buf = types.AppendKey(buf, d)
	}
	return buf, true, nil
}

func (h *hashJoin) Open(ctx context.Context) error {
	h.loaded = h.index
	return h.open(ctx)
}

// index builds the hash table over the right rows.
func (h *hashJoin) index() error {
	h.table = make(map[string][]int)
	for i := 0; i < len(h.rows)/max(h.rw, 1); i++ {
		var ok bool
		var err error
		h.key, ok, err = joinKey(h.key, h.rkeys, h.rightRow(i))
		if err != nil {
			if err = h.env.rowError(err); err != nil {
				return err
			}
		}
		if ok {
			h.table[string(h.key)] = append(h.table[string(h.key)], i)
		}
	}
	return nil
}

func (h *hashJoin) Next(ctx context.Context, b *types.Batch) error {
	return h.run(ctx, b, func(b *types.Batch, left []types.Datum) (bool, error) {
		var ok bool
		var err error
		h.key, ok, err = joinKey(h.key, h.lkeys, left)
		if err != nil || !ok {
			return false, h.env.rowErrorOrNil(err)
		}
		matched := false
		for _, i := range h.table[string(h.key)] {
			row := h.emit(b, left, h.rightRow(i))
			kept, err := h.accept(b, h.residual, row)
			if err != nil {
				return false, err
			}
			matched = matched || kept
		}
		return matched, nil
	})
}

func (h *hashJoin) Close(ctx context.Context) error { h.table = nil; return h.close(ctx) }

// nestedLoopJoin evaluates its condition over every pair of rows.
type nestedLoopJoin struct {
	joinBase
	on Evaluator
}

var _ Operator = (*nestedLoopJoin)(nil)

func newNestedLoopJoin(l, r Operator, n *planner.NestedLoopJoin, env *Env) (*nestedLoopJoin, error) {
	j := &nestedLoopJoin{joinBase: joinBase{left: l, right: r, kind: n.Kind, lw: len(n.Left.Schema()), rw: len(n.Right.Schema()), env: env,
		refresh: isLive(n.Left)}}
	if n.On != nil {
		var err error
		if j.on, err = Compile(n.On, env); err != nil {
			return nil, err
		}
	}
	return j, nil
}

func (j *nestedLoopJoin) Open(ctx context.Context) error { return j.open(ctx) }

func (j *nestedLoopJoin) Next(ctx context.Context, b *types.Batch) error {
	return j.run(ctx, b, func(b *types.Batch, left []types.Datum) (bool, error) {
		matched := false
		for i := 0; i < len(j.rows)/max(j.rw, 1); i++ {
			row := j.emit(b, left, j.rightRow(i))
			kept, err := j.accept(b, j.on, row)
			if err != nil {
				return false, err
			}
			matched = matched || kept
		}
		return matched, nil
	})
}

func (j *nestedLoopJoin) Close(ctx context.Context) error { return j.close(ctx) }
