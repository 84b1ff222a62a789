package exec

import (
	"math"
	"slices"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// fixedWindows holds the open TUMBLE and HOP windows; a TUMBLE window is a
// HOP window whose slide is its size. Window [s, s+size) exists for every s
// that is a multiple of slide.
//
// Overlapping HOP windows share panes: time is cut into panes of length
// gcd(size, slide), so every window is a run of whole panes (a TUMBLE
// window is one pane). A row is added once, to the state of its (pane,
// group); emitting a window merges its panes' states in event-time order
// (AggState.Merge). The panes that no later window holds are merged as
// they are and then freed; the others are cloned first, since merging
// consumes its argument. So a row costs one state update, and a window
// size/gcd merges per group and aggregate.
//
// Order-sensitive aggregates (first_value, last_value, string_agg) thus
// see a window's rows pane by pane in event-time order and, within a pane,
// in arrival order; for TUMBLE that is arrival order.
//
// A DISTINCT aggregate keeps, per (pane, group), its distinct argument
// lists instead of a state; emitting adds the window's distinct lists
// (those of earlier panes first) to a fresh state.
type fixedWindows struct {
	size, slide, paneLen int64
	eval                 *rowEval
	env                  *Env
	groups               groupDict
	// open holds the panes with rows, ordered by start.
	open []*pane
	// nextStart: every window starting before it has been emitted or
	// closed without rows.
	nextStart int64
	// seq numbers the rows in arrival order.
	seq uint64
	// paneBytes is the size of the open panes (statesize_window.go).
	paneBytes int64

	// Emission scratch, reused.
	entries []windowGroup
	entryOf []int32 // by group id: position in entries plus one
	parts   []*distinctArgs
	seen    map[string]struct{}
	key     []byte
}

// pane is one pane with rows: its groups in order of first arrival, each
// with len(aggs) states (nil for DISTINCT aggregates) and, when some
// aggregate is DISTINCT, len(aggs) distinctArgs.
type pane struct {
	start int64
	// slot maps a group id to its position in the pane plus one; 0
	// means the group has no row in this pane.
	slot     []int32
	ids      []int32  // group id by position
	firstSeq []uint64 // arrival number of the group's first row, by position
	states   []functions.AggState
	distinct []distinctArgs
	// extra is what the groups' DISTINCT lists and self-sizing states
	// hold (rowEval.extraBytes).
	extra int64
}

// windowGroup is one group of a window being emitted.
type windowGroup struct {
	id    int32
	first uint64 // arrival number of its first row in the window
}

func newFixedWindows(size, slide int64, eval *rowEval, env *Env) *fixedWindows {
	return &fixedWindows{size: size, slide: slide, paneLen: gcd(size, slide), eval: eval, env: env, seen: make(map[string]struct{})}
}

func (f *fixedWindows) reset() {
	f.groups.reset(len(f.eval.keyVals))
	clear(f.open)
	f.open = f.open[:0]
	f.nextStart, f.seq, f.paneBytes = math.MinInt64, 0, 0
}

// add adds the row with event time t to its pane when one of its windows
// ends after closedBelow. It reports late when all of them have been
// emitted. A row falling between HOP windows (slide > size) belongs to
// none and is neither added nor late. An error is from an aggregate that
// rejected the row, which the other aggregates still took.
func (f *fixedWindows) add(row []types.Datum, t, closedBelow int64) (late bool, err error) {
	latest := floorDiv(t, f.slide) * f.slide
	if latest+f.size <= t {
		return false, nil
	}
	if latest+f.size <= closedBelow {
		return true, nil
	}
	if err := f.eval.eval(row); err != nil {
		return false, err
	}
	id := f.groups.id(f.eval.key, f.eval.keyVals, latest+f.size)
	start := floorDiv(t, f.paneLen) * f.paneLen
	pos := f.search(start)
	if pos == len(f.open) || f.open[pos].start != start {
		f.open = slices.Insert(f.open, pos, &pane{start: start, slot: make([]int32, len(f.groups.keys))})
		f.paneBytes += f.open[pos].size(f.eval)
	}
	grown, err := f.open[pos].add(id, f.seq, f.eval)
	f.paneBytes += grown
	f.seq++
	return false, err
}

// search returns the position in open of the pane starting at start, or
// where it belongs.
func (f *fixedWindows) search(start int64) int {
	lo, hi := 0, len(f.open)
	if hi > 0 && f.open[hi-1].start <= start {
		lo = hi - 1
	}
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if f.open[mid].start < start {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// add folds the evaluated row, arrival number seq, into the states of
// group id, and returns by how much that grew the pane's size.
func (p *pane) add(id int32, seq uint64, e *rowEval) (grown int64, err error) {
	if int(id) >= len(p.slot) {
		grown += int64(int(id)+1-len(p.slot)) * 4
		p.slot = append(p.slot, make([]int32, int(id)+1-len(p.slot))...)
	}
	pos := p.slot[id] - 1
	if pos < 0 {
		grown += paneEntryBytes + e.entryBytes
		pos = int32(len(p.ids))
		p.slot[id] = pos + 1
		p.ids = append(p.ids, id)
		p.firstSeq = append(p.firstSeq, seq)
		p.states = e.newStates(p.states)
		if e.hasDistinct {
			p.distinct = append(p.distinct, make([]distinctArgs, len(e.aggs))...)
		}
	}
	n := len(e.aggs)
	base := int(pos) * n
	var distinct []distinctArgs
	if e.hasDistinct {
		distinct = p.distinct[base : base+n]
	}
	if !e.growing {
		return grown, e.addRow(p.states[base:base+n], distinct)
	}
	before := e.extraBytes(p.states[base:base+n], distinct)
	err = e.addRow(p.states[base:base+n], distinct)
	extra := e.extraBytes(p.states[base:base+n], distinct) - before
	p.extra += extra
	return grown + extra, err
}

// position returns the position of group id in p, or -1.
func (p *pane) position(id int32) int {
	if int(id) >= len(p.slot) {
		return -1
	}
	return int(p.slot[id]) - 1
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// floorDiv is a/b rounded toward negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
