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

// intervalJoin is the inner interval join of two live inputs (see
// planner.IntervalJoin). Its inputs are read through a puller, so a quiet
// input never blocks the other; Next processes their batches in arrival
// order.
//
// Every row with a non-NULL key and time first probes the other side's
// buffer (pairs are found by whichever row of the pair arrives second),
// then is buffered until the other side's watermark shows that no future
// row can match it. Rows are joined whether or not they are late: a late
// row (event time below its own side's watermark) meets what is still
// buffered, so it may miss partners that already expired. It is not
// dropped, so Env.LateRows is never told about it.
//
// Checkpoint barriers are aligned across the two inputs (see aligner).
type intervalJoin struct {
	inputs [2]Operator
	state  intervalState
	pull   puller
	align  aligner
	// barrier is an aligned barrier to pass on once the rows at hand are out.
	barrier uint64
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
		width: sides[leftSide].width + sides[rightSide].width,
	}
	st.reset()
	return &intervalJoin{inputs: [2]Operator{left, right}, state: st}, nil
}

func (j *intervalJoin) Open(ctx context.Context) error {
	if err := openAll(ctx, j.inputs[:]...); err != nil {
		return err
	}
	j.state.reset()
	j.align.reset(len(j.inputs))
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
		item, ok, err := j.align.next(ctx, &j.pull, b.Len == 0)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch {
		case item.err == io.EOF:
			b.Watermark = st.end(item.idx)
			j.barrier = j.align.complete(j.running)
			if b.Watermark != types.NoWatermark {
				return nil
			}
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
	key          []byte
	// in is the batch being joined, of side inSide, up to row pos.
	in     *types.Batch
	inSide int
	pos    int
	// lastMark is the last output watermark; batches carry only higher ones.
	lastMark int64
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
}

func (st *intervalState) done() bool { return st.sides[leftSide].ended && st.sides[rightSide].ended }

// consume joins and buffers the rows of st.in into b until b is full,
// and reports whether it got to the end of st.in, whose watermark it then
// applies (rows travel before the watermark they come with); b carries
// the output watermark if that advanced.
func (st *intervalState) consume(b *types.Batch) (bool, error) {
	s := st.inSide
	side, other := &st.sides[s], &st.sides[1-s]
	keepFrom := st.keepFrom(s)
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
			continue
		}
		if err := st.probe(b, s, row, t.I); err != nil {
			return false, err
		}
		if !other.ended && t.I >= keepFrom {
			side.buf.insert(st.key, row, t.I)
		}
	}
	if mark := st.in.Watermark; mark > side.mark {
		side.mark = mark
		other.buf.expireBefore(st.keepFrom(1 - s))
		b.Watermark = st.advance()
	}
	return true, nil
}

// end records that side s ended: the other side's rows can no longer
// match anything, and s no longer holds the output watermark back. It
// returns the new output watermark, or NoWatermark if it did not advance.
func (st *intervalState) end(s int) int64 {
	st.sides[s].ended = true
	st.sides[s].mark = math.MaxInt64
	st.sides[1-s].buf.clear()
	return st.advance()
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

// probe appends to b the joins of row (side s, event time t, key st.key)
// with the other side's buffered rows.
func (st *intervalState) probe(b *types.Batch, s int, row []types.Datum, t int64) error {
	buf := &st.sides[1-s].buf
	for slot := buf.first(st.key); slot >= 0; slot = buf.slots[slot].next {
		left, right, lt, rt := row, buf.row(slot), t, buf.slots[slot].t
		if s == rightSide {
			left, right, lt, rt = right, left, rt, lt
		}
		if !inBounds(lt, rt, st.lower, st.upper) {
			continue
		}
		if err := st.emit(b, left, right); err != nil {
			return err
		}
	}
	return nil
}

// emit appends left+right to b, and takes it back if the residual does
// not hold.
func (st *intervalState) emit(b *types.Batch, left, right []types.Datum) error {
	out := b.AppendRow()
	copy(out, left)
	copy(out[len(left):], right)
	if st.residual == nil {
		return nil
	}
	d, err := st.residual(out)
	if err != nil || d.IsNull() || !d.Bool() {
		b.Truncate(b.Len - 1)
		return st.env.rowErrorOrNil(err)
	}
	return nil
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

// compactAboveSlots: a row buffer with more slots than this is compacted
// once fewer than a quarter of them hold rows.
const compactAboveSlots = 4 * types.BatchSize

// rowBuffer holds one side's buffered rows (copies), chained per join key
// in arrival order for probing, and in a min-heap by event time for
// expiry. Rows live in slots of one flat slab; freed slots are reused, and
// the slab, key table and heap are rebuilt smaller when most slots are
// free, so memory follows the number of buffered rows.
type rowBuffer struct {
	width      int
	datums     []types.Datum // slot i is datums[i*width:(i+1)*width]
	slots      []slotInfo
	free       []int32
	groups     []keyGroup
	freeGroups []int32
	byKey      map[string]int32
	expiry     []timedSlot
}

// slotInfo is a buffered row's event time and its place in its key chain
// (-1: none).
type slotInfo struct {
	t                 int64
	prev, next, group int32
}

// keyGroup is the chain of rows of one key; head is -1 for a free group.
type keyGroup struct {
	key        string
	head, tail int32
}

type timedSlot struct {
	t    int64
	slot int32
}

// len is the number of buffered rows.
func (rb *rowBuffer) len() int { return len(rb.slots) - len(rb.free) }

func (rb *rowBuffer) row(slot int32) []types.Datum {
	i := int(slot) * rb.width
	return rb.datums[i : i+rb.width : i+rb.width]
}

// first is the earliest-arrived row of key, or -1.
func (rb *rowBuffer) first(key []byte) int32 {
	g, ok := rb.byKey[string(key)]
	if !ok {
		return -1
	}
	return rb.groups[g].head
}

// insert buffers a copy of row under key with event time t.
func (rb *rowBuffer) insert(key []byte, row []types.Datum, t int64) {
	g, ok := rb.byKey[string(key)]
	if !ok {
		g = rb.newGroup(string(key))
	}
	var slot int32
	if n := len(rb.free); n > 0 {
		slot = rb.free[n-1]
		rb.free = rb.free[:n-1]
		copy(rb.row(slot), row)
	} else {
		slot = int32(len(rb.slots))
		rb.slots = append(rb.slots, slotInfo{})
		rb.datums = append(rb.datums, row...)
	}
	grp := &rb.groups[g]
	rb.slots[slot] = slotInfo{t: t, prev: grp.tail, next: -1, group: g}
	if grp.tail >= 0 {
		rb.slots[grp.tail].next = slot
	} else {
		grp.head = slot
	}
	grp.tail = slot
	rb.pushExpiry(timedSlot{t: t, slot: slot})
}

func (rb *rowBuffer) newGroup(key string) int32 {
	if rb.byKey == nil {
		rb.byKey = make(map[string]int32)
	}
	var g int32
	if n := len(rb.freeGroups); n > 0 {
		g = rb.freeGroups[n-1]
		rb.freeGroups = rb.freeGroups[:n-1]
	} else {
		g = int32(len(rb.groups))
		rb.groups = append(rb.groups, keyGroup{})
	}
	rb.groups[g] = keyGroup{key: key, head: -1, tail: -1}
	rb.byKey[key] = g
	return g
}

// expireBefore drops every row with event time before t.
func (rb *rowBuffer) expireBefore(t int64) {
	for len(rb.expiry) > 0 && rb.expiry[0].t < t {
		rb.remove(rb.popExpiry())
	}
	if len(rb.slots) > compactAboveSlots && rb.len()*4 < len(rb.slots) {
		rb.compact()
	}
}

// remove unchains slot and frees it (its heap entry is already gone).
func (rb *rowBuffer) remove(slot int32) {
	info := rb.slots[slot]
	grp := &rb.groups[info.group]
	if info.prev >= 0 {
		rb.slots[info.prev].next = info.next
	} else {
		grp.head = info.next
	}
	if info.next >= 0 {
		rb.slots[info.next].prev = info.prev
	} else {
		grp.tail = info.prev
	}
	if grp.head < 0 {
		delete(rb.byKey, grp.key)
		grp.key = ""
		rb.freeGroups = append(rb.freeGroups, info.group)
	}
	// Cleared so that the row's strings can be collected.
	clear(rb.row(slot))
	rb.free = append(rb.free, slot)
}

// compact moves the buffered rows into fresh storage sized for them,
// keeping each key's arrival order.
func (rb *rowBuffer) compact() {
	live := rb.len()
	datums := make([]types.Datum, 0, 2*live*rb.width)
	slots := make([]slotInfo, 0, 2*live)
	groups := make([]keyGroup, 0, len(rb.byKey))
	byKey := make(map[string]int32, len(rb.byKey))
	moved := make([]int32, len(rb.slots))
	for _, grp := range rb.groups {
		if grp.head < 0 {
			continue
		}
		g := int32(len(groups))
		prev := int32(-1)
		for s := grp.head; s >= 0; s = rb.slots[s].next {
			n := int32(len(slots))
			moved[s] = n
			datums = append(datums, rb.row(s)...)
			slots = append(slots, slotInfo{t: rb.slots[s].t, prev: prev, next: -1, group: g})
			if prev >= 0 {
				slots[prev].next = n
			}
			prev = n
		}
		groups = append(groups, keyGroup{key: grp.key, head: moved[grp.head], tail: prev})
		byKey[grp.key] = g
	}
	// Times are unchanged, so the heap order still holds.
	expiry := make([]timedSlot, len(rb.expiry), 2*live)
	for i, e := range rb.expiry {
		expiry[i] = timedSlot{t: e.t, slot: moved[e.slot]}
	}
	*rb = rowBuffer{width: rb.width, datums: datums, slots: slots, groups: groups, byKey: byKey, expiry: expiry}
}

// clear drops every row and releases the storage.
func (rb *rowBuffer) clear() { *rb = rowBuffer{width: rb.width} }

func (rb *rowBuffer) pushExpiry(e timedSlot) {
	rb.expiry = append(rb.expiry, e)
	h := rb.expiry
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent].t <= h[i].t {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

// popExpiry removes the earliest entry of the heap and returns its slot.
func (rb *rowBuffer) popExpiry() int32 {
	h := rb.expiry
	top := h[0].slot
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].t < h[least].t {
			least = l
		}
		if r < len(h) && h[r].t < h[least].t {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	rb.expiry = h
	return top
}
