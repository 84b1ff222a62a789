package exec

import (
	"context"
	"time"
)

// aligner lines up checkpoint barriers across the inputs of an operator
// that reads them through a puller (merge, interval join). Once input i
// delivered barrier n, its later items are held, unprocessed, until every
// running input delivered n; then the operator passes the barrier on once
// and processes the held items. Every row before the barrier on any input
// is thus processed before it, every row after it after it.
//
// Held items stay unreleased, so an input is held back by at most the
// puller's two batches.
type aligner struct {
	// epoch is the barrier being aligned, 0 when none.
	epoch uint64
	// arrived marks the inputs that delivered epoch.
	arrived []bool
	// held are items of arrived inputs, in arrival order.
	held []pulled
	// replay are items to process before pulling more: held items that a
	// completed alignment let go.
	replay []pulled
}

func (a *aligner) reset(inputs int) {
	a.epoch, a.arrived, a.held, a.replay = 0, make([]bool, inputs), nil, nil
}

// next returns the next item to process: replayed items first, then the
// puller's. With wait false it returns ok false instead of blocking.
func (a *aligner) next(ctx context.Context, p *puller, wait bool) (item pulled, ok bool, err error) {
	return a.receive(ctx, p, wait, nil)
}

// nextUntil is next that waits until giveUp delivers, then returns ok
// false; a nil giveUp waits as long as ctx allows.
func (a *aligner) nextUntil(ctx context.Context, p *puller, giveUp <-chan time.Time) (item pulled, ok bool, err error) {
	return a.receive(ctx, p, true, giveUp)
}

func (a *aligner) receive(ctx context.Context, p *puller, wait bool, giveUp <-chan time.Time) (item pulled, ok bool, err error) {
	for {
		if len(a.replay) > 0 {
			item, a.replay = a.replay[0], a.replay[1:]
		} else if wait {
			select {
			case item = <-p.full:
			case <-giveUp:
				return item, false, nil
			case <-ctx.Done():
				return item, false, ctx.Err()
			}
		} else {
			select {
			case item = <-p.full:
			default:
				return item, false, nil
			}
		}
		if a.holding(item.idx) {
			a.held = append(a.held, item)
			continue
		}
		return item, true, nil
	}
}

// holding reports whether input idx's items are held: it delivered the
// barrier being aligned.
func (a *aligner) holding(idx int) bool { return a.epoch != 0 && a.arrived[idx] }

// aligning reports whether a barrier is being aligned.
func (a *aligner) aligning() bool { return a.epoch != 0 }

// barrier records that input idx delivered barrier epoch. When every
// input for which running is true delivered it, the alignment is complete
// and barrier returns epoch: the operator must pass the barrier on now.
// Otherwise it returns 0.
func (a *aligner) barrier(idx int, epoch uint64, running func(int) bool) uint64 {
	a.epoch = epoch
	a.arrived[idx] = true
	return a.complete(running)
}

// complete ends the alignment if every running input arrived (an input
// that ended while others were aligning counts as arrived) and returns its
// barrier, or 0. Call it after an input ends.
func (a *aligner) complete(running func(int) bool) uint64 {
	epoch := a.epoch
	if epoch == 0 {
		return 0
	}
	for i, arrived := range a.arrived {
		if !arrived && running(i) {
			return 0
		}
	}
	a.epoch = 0
	clear(a.arrived)
	// Held items were pulled before the replay items not yet processed.
	a.replay = append(a.held, a.replay...)
	a.held = nil
	return epoch
}
