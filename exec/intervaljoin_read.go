package exec

import (
	"context"
	"time"

	"github.com/novelty-db/novelty/types"
)

// The interval join reads its inputs by event time, not as they arrive.
// Rows of the input that is ahead (its watermark, on the left time axis,
// past the other's) stay buffered until the other input's watermark
// catches up, so reading it further only grows the state, while reading
// the input that is behind expires state. So the join takes the behind
// input's batch whenever it has one, and the ahead input's only while the
// ahead side buffers fewer than limit datums. Otherwise it waits for the
// behind input; the ahead one is held back by the puller's two batches,
// and backpressure stops its producer.
//
// Waiting is bounded: when the behind input delivers nothing within
// stallPatience, it is quiet, or cannot go on before the ahead one does
// (both fed by one producer, which the ahead input's backpressure
// stopped), so the join doubles limit and reads on. limit is not lowered
// again before the join is reopened; it grows past twice the state the
// inputs make the join hold only through stalls of a quiet input.
//
// While a checkpoint barrier is aligned, the inputs that have not
// delivered it are read freely: the alignment waits for them.
const (
	// aheadLimitDatums is the initial limit (datums of buffered rows).
	aheadLimitDatums = 1 << 16
	stallPatience    = 250 * time.Millisecond
)

// inputOrder holds the items taken from the aligner but not processed
// yet, per input in arrival order, and the reading limit.
type inputOrder struct {
	pending [2][]queuedItem
	seq     uint64
	// limit starts at initialLimit on Open and doubles on every stall.
	limit, initialLimit int
	// stallTimer starts a wait for the behind input: a channel that
	// delivers when the wait is over, and a function releasing the timer.
	stallTimer func() (<-chan time.Time, func() bool)
}

// queuedItem is a pending item; seq orders items across inputs by arrival.
type queuedItem struct {
	pulled
	seq uint64
}

func newStallTimer() (<-chan time.Time, func() bool) {
	t := time.NewTimer(stallPatience)
	return t.C, t.Stop
}

func (o *inputOrder) reset() {
	o.pending[leftSide] = o.pending[leftSide][:0]
	o.pending[rightSide] = o.pending[rightSide][:0]
	o.seq = 0
	o.limit = o.initialLimit
}

func (o *inputOrder) push(item pulled) {
	o.seq++
	o.pending[item.idx] = append(o.pending[item.idx], queuedItem{pulled: item, seq: o.seq})
}

func (o *inputOrder) pop(s int) pulled {
	q := o.pending[s]
	item := q[0].pulled
	n := copy(q, q[1:])
	o.pending[s] = q[:n]
	return item
}

// nextItem returns the next input item to process (see inputOrder). With
// wait false it returns ok false rather than wait.
func (j *intervalJoin) nextItem(ctx context.Context, wait bool) (item pulled, ok bool, err error) {
	for {
		// Take in everything that arrived, so that every input's next
		// item is known.
		for {
			item, ok, err = j.align.next(ctx, &j.pull, false)
			if err != nil {
				return item, false, err
			}
			if !ok {
				break
			}
			j.order.push(item)
		}
		s, blocked := j.pickSide()
		if s >= 0 {
			return j.order.pop(s), true, nil
		}
		if !wait {
			return pulled{}, false, nil
		}
		var giveUp <-chan time.Time
		stop := func() bool { return false }
		if blocked {
			giveUp, stop = j.order.stallTimer()
		}
		item, ok, err = j.align.nextUntil(ctx, &j.pull, giveUp)
		stop()
		if err != nil {
			return item, false, err
		}
		if ok {
			j.order.push(item)
			continue
		}
		// The behind input stalled: read the ahead one on, with room.
		ahead := leftSide
		if len(j.order.pending[rightSide]) > 0 {
			ahead = rightSide
		}
		j.order.limit = 2 * max(j.order.limit, j.state.bufferedDatums(ahead))
	}
}

// pickSide chooses the input whose pending item to process next, or -1;
// blocked reports that the only input with an item is ahead and over the
// limit.
func (j *intervalJoin) pickSide() (side int, blocked bool) {
	var ready [2]bool
	for s := range ready {
		ready[s] = len(j.order.pending[s]) > 0 && !j.align.holding(s)
	}
	st := &j.state
	switch {
	case ready[leftSide] && ready[rightSide]:
		l, r := st.orderTime(leftSide), st.orderTime(rightSide)
		switch {
		case l < r:
			return leftSide, false
		case r < l:
			return rightSide, false
		case j.order.pending[leftSide][0].seq < j.order.pending[rightSide][0].seq:
			return leftSide, false
		default:
			return rightSide, false
		}
	case ready[leftSide]:
		side = leftSide
	case ready[rightSide]:
		side = rightSide
	default:
		return -1, false
	}
	if j.align.aligning() || st.orderTime(side) <= st.orderTime(1-side) || st.bufferedDatums(side) < j.order.limit {
		return side, false
	}
	return -1, true
}

// orderTime is side s's watermark on the left time axis: the right one
// less the middle of the bounds (a right row at the right watermark
// matches left rows around that time). An ended side is at +infinity.
func (st *intervalState) orderTime(s int) int64 {
	side := &st.sides[s]
	if s == leftSide || side.ended || side.mark == types.NoWatermark {
		return side.mark
	}
	return satSub(side.mark, st.lower/2+st.upper/2)
}

// bufferedDatums is the size of side s's buffered rows.
func (st *intervalState) bufferedDatums(s int) int {
	return st.sides[s].buf.len() * st.sides[s].width
}
