package exec

import (
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// windowCall computes one window function call, partition by partition.
type windowCall struct {
	fn         *functions.WindowFunction
	agg        *functions.Aggregate
	args       []Evaluator
	isRange    bool
	start, end frameBound

	// cols are the arguments' values per sorted row, set by prepare.
	cols [][]types.Datum
	// orderValues is the window's one ORDER BY value per sorted row (RANGE
	// offsets only).
	orderValues []types.Datum
	part        functions.WindowPartition
	addArgs     []types.Datum
}

func newWindowCall(c planner.WindowCall, order []planner.WindowOrderKey, env *Env) (*windowCall, error) {
	args, err := CompileAll(c.Args, env)
	if err != nil {
		return nil, err
	}
	desc := len(order) > 0 && order[0].Desc
	call := &windowCall{fn: c.Fn, agg: c.Agg, args: args, isRange: c.Frame.Unit == planner.FrameRange,
		cols: make([][]types.Datum, len(args)), addArgs: make([]types.Datum, len(args))}
	call.part.Args = make([][]types.Datum, len(args))
	if call.start, err = newFrameBound(c.Frame.Start, true, desc, env); err != nil {
		return nil, err
	}
	if call.end, err = newFrameBound(c.Frame.End, false, desc, env); err != nil {
		return nil, err
	}
	return call, nil
}

// prepare evaluates the call's arguments and frame offsets for one run:
// rows are the input rows (width values each) and sorted their window
// order.
func (c *windowCall) prepare(rows []types.Datum, width int, sorted []int, orderValues []types.Datum) error {
	c.orderValues = orderValues
	for k, ev := range c.args {
		col := make([]types.Datum, len(sorted))
		for i, r := range sorted {
			d, err := ev(rows[r*width : (r+1)*width])
			if err != nil {
				return err
			}
			col[i] = d
		}
		c.cols[k] = col
	}
	if err := c.start.prepare(rows, width, sorted, c.isRange); err != nil {
		return err
	}
	return c.end.prepare(rows, width, sorted, c.isRange)
}

// computePartition stores the call's value for each sorted row of [lo, hi)
// at results[row*stride+at].
func (c *windowCall) computePartition(lo, hi int, peers *peerGroups, results []types.Datum, at, stride int) error {
	for k, col := range c.cols {
		c.part.Args[k] = col[lo:hi]
	}
	c.part.Rows = hi - lo
	if c.agg != nil {
		return c.aggregatePartition(lo, hi, peers, results, at, stride)
	}
	p := &c.part
	for r := 0; r < p.Rows; r++ {
		p.Row, p.PeerStart, p.PeerEnd, p.PeerGroup = r, peers.start[r], peers.end[r], peers.group[r]
		p.FrameStart, p.FrameEnd = c.frame(r, lo, p.Rows, peers)
		d, err := c.fn.Eval(p)
		if err != nil {
			return err
		}
		results[(lo+r)*stride+at] = d
	}
	return nil
}

// aggregatePartition computes an aggregate over each row's frame. While
// the frame's start stays put (always, for frames starting UNBOUNDED
// PRECEDING) it only grows, so one state takes each row once; when the
// start moves the frame is aggregated afresh. Rows with the same frame
// (peers) share one result.
func (c *windowCall) aggregatePartition(lo, hi int, peers *peerGroups, results []types.Datum, at, stride int) error {
	n := hi - lo
	var state functions.AggState
	stateStart, added, lastStart, lastEnd := 0, 0, -1, -1
	var last types.Datum
	for r := 0; r < n; r++ {
		start, end := c.frame(r, lo, n, peers)
		if start >= end {
			start, end = 0, 0
		}
		if start != lastStart || end != lastEnd {
			if state == nil || start != stateStart || end < added {
				state, stateStart, added = c.agg.New(), start, start
			}
			for ; added < end; added++ {
				if err := c.add(state, lo+added); err != nil {
					return err
				}
			}
			last, lastStart, lastEnd = state.Result(), start, end
		}
		results[(lo+r)*stride+at] = last
	}
	return nil
}

// add folds sorted row i into state.
func (c *windowCall) add(state functions.AggState, i int) error {
	for k, col := range c.cols {
		c.addArgs[k] = col[i]
	}
	return state.Add(c.addArgs)
}

// frame returns the frame [start, end) of row r of a partition of n rows
// starting at sorted row lo.
func (c *windowCall) frame(r, lo, n int, peers *peerGroups) (int, int) {
	return c.start.position(c, r, lo, n, peers), c.end.position(c, r, lo, n, peers)
}
