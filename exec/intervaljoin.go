package exec

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// The two inputs of an interval join, as indexes of its per-side arrays.
const (
	leftSide  = 0
	rightSide = 1
)

// intervalJoin is the inner or LEFT interval join of two live inputs (see
// planner.IntervalJoin). Its inputs are read through a puller, so a quiet
// input never blocks the other for long; Next processes their batches in
// event-time order as far as they are at hand (see inputOrder).
//
// Every row with a non-NULL key and time first probes the other side's
// buffer (pairs are found by whichever row of the pair arrives second),
// then is buffered until the other side's watermark shows that no future
// row can match it. Rows are joined whether or not they are late: a late
// row (event time below its own side's watermark) meets what is still
// buffered, so it may miss partners that already expired. It is not
// dropped, so Env.LateRows is never told about it.
//
// A LEFT interval join also emits every left row that matched nothing,
// with NULLs for the right columns, as soon as no match can come any
// more: at once for a NULL key or when the right side is past it, else
// when the right watermark passes its time + Upper (or the right input
// ends). Buffered left rows carry a matched flag for that.
//
// Checkpoint barriers are aligned across the two inputs (see aligner).
type intervalJoin struct {
	inputs [2]Operator
	state  intervalState
	pull   puller
	align  aligner
	order  inputOrder
	// barrier is an aligned barrier to pass on once the rows at hand are out.
	barrier uint64
	// The state's size, published once per input batch (statesize.go).
	stateGauge
}

var _ Operator = (*intervalJoin)(nil)

// NewIntervalJoin returns the operator computing n over the live inputs
// left and right.
func NewIntervalJoin(left, right Operator, n *planner.IntervalJoin, env *Env) (Operator, error) {
	if len(n.LeftKeys) != len(n.RightKeys) {
		return nil, fmt.Errorf("exec: interval join has %d left keys and %d right keys", len(n.LeftKeys), len(n.RightKeys))
	}
	var sides [2]intervalSide
	for s, in := range [2]struct {
		node    planner.Node
		keys    []planner.Expr
		timeCol int
	}{{n.Left, n.LeftKeys, n.LeftTime}, {n.Right, n.RightKeys, n.RightTime}} {
		schema := in.node.Schema()
		if in.timeCol < 0 || in.timeCol >= len(schema) || schema[in.timeCol].Type.Family() != types.FamilyTimestamp {
			return nil, types.Errorf(types.CodeDatatypeMismatch, "interval join time column must be of type timestamp or timestamptz")
		}
		keys, err := CompileAll(in.keys, env)
		if err != nil {
			return nil, err
		}
		sides[s] = intervalSide{keys: keys, timeCol: in.timeCol, width: len(schema), buf: rowBuffer{width: len(schema)}}
	}
	var residual Evaluator
	if n.Residual != nil {
		var err error
		if residual, err = Compile(n.Residual, env); err != nil {
			return nil, err
		}
	}
	st := intervalState{
		env: env, sides: sides, lower: n.Lower, upper: n.Upper, residual: residual,
		width: sides[leftSide].width + sides[rightSide].width, outer: n.Kind == planner.LeftJoin,
	}
	st.reset()
	return &intervalJoin{inputs: [2]Operator{left, right}, state: st, order: inputOrder{initialLimit: aheadLimitDatums, stallTimer: newStallTimer}}, nil
}

func (j *intervalJoin) Open(ctx context.Context) error {
	if err := openAll(ctx, j.inputs[:]...); err != nil {
		return err
	}
	j.state.reset()
	j.publishSize()
	j.align.reset(len(j.inputs))
	j.order.reset()
	j.barrier = 0
	j.pull.start(ctx, j.inputs[:], []int{j.state.sides[leftSide].width, j.state.sides[rightSide].width})
	return nil
}

// Next returns joined rows as they come, or a watermark-only batch when
// the output watermark advanced without rows; io.EOF once both inputs
// ended. A batch ends where the output watermark advances, so its
// watermark follows all of its rows.
func (j *intervalJoin) Next(ctx context.Context, b *types.Batch) error {
	st := &j.state
	b.Reset(st.width)
	for {
		j.publishSize()
		if st.in == nil && st.flushing() {
			if !st.flush(b) || b.Watermark != types.NoWatermark {
				return nil
			}
		}
		if st.in != nil {
			finished, err := st.consume(b)
			if err != nil {
				return err
			}
			if !finished {
				return nil
			}
			j.pull.release(pulled{idx: st.inSide, b: st.in})
			st.in = nil
			if b.Full() || b.Watermark != types.NoWatermark {
				return nil
			}
		}
		if j.barrier != 0 {
			if b.Len == 0 {
				b.Barrier, j.barrier = j.barrier, 0
			}
			return nil
		}
		if st.done() {
			if b.Len > 0 {
				return nil
			}
			return io.EOF
		}
		// With rows at hand, hand them out rather than wait for more.
		item, ok, err := j.nextItem(ctx, b.Len == 0)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch {
		case item.err == io.EOF:
			st.end(item.idx)
			j.barrier = j.align.complete(j.running)
		case item.err != nil:
			return item.err
		case item.b.IsBarrier():
			j.barrier = j.align.barrier(item.idx, item.b.Barrier, j.running)
			j.pull.release(item)
		default:
			st.in, st.inSide, st.pos = item.b, item.idx, 0
		}
	}
}

func (j *intervalJoin) running(s int) bool { return !j.state.sides[s].ended }

func (j *intervalJoin) Close(ctx context.Context) error {
	j.pull.stop()
	j.state.reset()
	j.publishSize()
	return closeAll(ctx, j.inputs[:]...)
}

// intervalState is the join itself, fed one side's batch at a time by
// Next (and directly by tests, which need a fixed interleaving).
type intervalState struct {
	env          *Env
	sides        [2]intervalSide
	lower, upper int64
	residual     Evaluator
	width        int // of joined rows
	// outer: a LEFT join, emitting unmatched left rows with NULLs.
	outer bool
	key   []byte
	// in is the batch being joined, of side inSide, up to row pos.
	in     *types.Batch
	inSide int
	pos    int
	// lastMark is the last output watermark; batches carry only higher ones.
	lastMark int64
	// unmatched holds expired unmatched left rows (from unmatchedPos on)
	// and outMark the output watermark, both due out before anything else
	// (see flush).
	unmatched    []types.Datum
	unmatchedPos int
	outMark      int64
}

// intervalSide is one input's keys, watermark and buffered rows.
type intervalSide struct {
	keys    []Evaluator
	timeCol int
	width   int
	// mark is the highest watermark seen (NoWatermark before the first);
	// math.MaxInt64 once the input ended.
	mark  int64
	ended bool
	buf   rowBuffer
}

func (st *intervalState) reset() {
	for s := range st.sides {
		st.sides[s].mark = types.NoWatermark
		st.sides[s].ended = false
		st.sides[s].buf.clear()
	}
	st.in = nil
	st.lastMark = types.NoWatermark
	st.unmatched, st.unmatchedPos = nil, 0
	st.outMark = types.NoWatermark
}

func (st *intervalState) done() bool { return st.sides[leftSide].ended && st.sides[rightSide].ended }

// consume joins and buffers the rows of st.in into b until b is full,
// and reports whether it got to the end of st.in, whose watermark it then
// applies (rows travel before the watermark they come with), and flushed
// what that made due; b carries the output watermark if that advanced.
func (st *intervalState) consume(b *types.Batch) (bool, error) {
	s := st.inSide
	side, other := &st.sides[s], &st.sides[1-s]
	keepFrom := st.keepFrom(s)
	outer := st.outer && s == leftSide
	for ; st.pos < st.in.Len; st.pos++ {
		if b.Full() {
			return false, nil
		}
		row := st.in.Row(st.pos)
		t := row[side.timeCol]
		if t.IsNull() {
			if st.env.RowErrors != nil {
				st.env.RowErrors(types.Errorf(codeNullValueNotAllowed, "event time is NULL"))
			}
			continue
		}
		var ok bool
		var err error
		st.key, ok, err = joinKey(st.key, side.keys, row)
		if err != nil {
			if err = st.env.rowError(err); err != nil {
				return false, err
			}
			continue
		}
		if !ok {
			if outer {
				st.emitUnmatched(b, row)
			}
			continue
		}
		h := hashJoinKey(st.key)
		matched, err := st.probe(b, s, row, t.I, h)
		if err != nil {
			return false, err
		}
		switch {
		case !other.ended && t.I >= keepFrom:
			side.buf.insert(st.key, h, row, t.I, matched)
		case outer && !matched:
			st.emitUnmatched(b, row)
		}
	}
	if mark := st.in.Watermark; mark > side.mark {
		side.mark = mark
		other.buf.expireBefore(st.keepFrom(1-s), st.unmatchedOf(1-s))
		st.outMark = st.advance()
	}
	return st.flush(b), nil
}

// unmatchedOf is where side s's expired unmatched rows go: st.unmatched
// for the left side of a LEFT join, else nowhere (nil).
func (st *intervalState) unmatchedOf(s int) *[]types.Datum {
	if st.outer && s == leftSide {
		return &st.unmatched
	}
	return nil
}

// flushing reports whether rows or a watermark are due out (see flush).
func (st *intervalState) flushing() bool {
	return st.unmatchedPos < len(st.unmatched) || st.outMark != types.NoWatermark
}

// flush appends the due unmatched left rows to b, then, once they are all
// out, sets the due output watermark on b. It reports whether nothing is
// due any more.
func (st *intervalState) flush(b *types.Batch) bool {
	lw := st.sides[leftSide].width
	for ; st.unmatchedPos < len(st.unmatched); st.unmatchedPos += lw {
		if b.Full() {
			return false
		}
		st.emitUnmatched(b, st.unmatched[st.unmatchedPos:st.unmatchedPos+lw])
	}
	// Cleared so that the rows' strings can be collected.
	clear(st.unmatched)
	st.unmatched, st.unmatchedPos = st.unmatched[:0], 0
	if st.outMark != types.NoWatermark {
		b.Watermark, st.outMark = st.outMark, types.NoWatermark
	}
	return true
}

// emitUnmatched appends left row with NULL right columns to b.
func (st *intervalState) emitUnmatched(b *types.Batch, left []types.Datum) {
	out := b.AppendRow()
	copy(out, left)
	clear(out[len(left):])
}

// end records that side s ended: the other side's rows can no longer
// match anything (unmatched left rows are due out), and s no longer holds
// the output watermark back (the new output watermark is due).
func (st *intervalState) end(s int) {
	st.sides[s].ended = true
	st.sides[s].mark = math.MaxInt64
	st.sides[1-s].buf.expireAll(st.unmatchedOf(1 - s))
	st.outMark = st.advance()
}

// keepFrom is the earliest event time a row of side s needs to match a
// future row of the other side, which is at or after that side's
// watermark: left rows need time + Upper >= right watermark, right rows
// need time - Lower >= left watermark. Saturating at the int64 limits only
// keeps rows longer.
func (st *intervalState) keepFrom(s int) int64 {
	mark := st.sides[1-s].mark
	if mark == types.NoWatermark {
		return math.MinInt64
	}
	if s == leftSide {
		return satSub(mark, st.upper)
	}
	return satAdd(mark, st.lower)
}

// advance returns the output watermark if it moved forward, and
// NoWatermark otherwise. The output's event time is the left time: a
// future match of a new left row has left time >= the left watermark, and
// of a new right row r, left time >= r's time - Upper >= right watermark -
// Upper (planner.IntervalJoin).
func (st *intervalState) advance() int64 {
	mark := min(st.sides[leftSide].mark, satSub(st.sides[rightSide].mark, st.upper))
	if st.done() || mark <= st.lastMark {
		return types.NoWatermark
	}
	st.lastMark = mark
	return mark
}

// probe appends to b the joins of row (side s, event time t, key st.key
// hashed to h) with the other side's buffered rows, marks the buffered
// rows it joined, and reports whether it joined any.
func (st *intervalState) probe(b *types.Batch, s int, row []types.Datum, t int64, h uint64) (bool, error) {
	buf := &st.sides[1-s].buf
	matched := false
	for slot := buf.first(st.key, h); slot >= 0; slot = buf.slots[slot].next {
		left, right, lt, rt := row, buf.row(slot), t, buf.slots[slot].t
		if s == rightSide {
			left, right, lt, rt = right, left, rt, lt
		}
		if !inBounds(lt, rt, st.lower, st.upper) {
			continue
		}
		kept, err := st.emit(b, left, right)
		if err != nil {
			return false, err
		}
		if kept {
			matched = true
			buf.slots[slot].matched = true
		}
	}
	return matched, nil
}

// emit appends left+right to b, and takes it back (kept false) if the
// residual does not hold.
func (st *intervalState) emit(b *types.Batch, left, right []types.Datum) (kept bool, err error) {
	out := b.AppendRow()
	copy(out, left)
	copy(out[len(left):], right)
	if st.residual == nil {
		return true, nil
	}
	d, err := st.residual(out)
	if err != nil || d.IsNull() || !d.Bool() {
		b.Truncate(b.Len - 1)
		return false, st.env.rowErrorOrNil(err)
	}
	return true, nil
}

// inBounds reports whether lower <= r - l <= upper, without overflowing.
func inBounds(l, r, lower, upper int64) bool {
	d := r - l
	if (l < 0) != (r < 0) && (d < 0) != (r < 0) {
		// r - l overflowed: its magnitude exceeds any int64 bound.
		return false
	}
	return d >= lower && d <= upper
}

func satAdd(a, b int64) int64 {
	s := a + b
	if (s > a) != (b > 0) {
		if b > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return s
}

func satSub(a, b int64) int64 {
	s := a - b
	if (s < a) != (b > 0) {
		if b > 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return s
}
