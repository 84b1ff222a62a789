package exec

import (
	"slices"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// fixedWindows holds the open TUMBLE and HOP windows; a TUMBLE window is a
// HOP window whose slide is its size. Window [s, s+size) exists for every s
// that is a multiple of slide.
//
// Each HOP window keeps its own states and a row is added to each of its
// size/slide windows, so a row costs O(size/slide) state updates. Sharing
// per-pane partial states between overlapping windows would need
// AggState to be mergeable; until then this is meant for small size/slide
// ratios.
type fixedWindows struct {
	size, slide int64
	eval        *rowEval
	groups      groupDict
	// open holds the open windows ordered by start, which is also the
	// order of their ends since all have the same size. A row's HOP
	// windows are neighbours in it.
	open []*window
}

// window is one open window: its groups in order of first arrival, each
// with len(aggs) states (and seen-sets for the DISTINCT ones).
type window struct {
	start, end int64
	// slot maps a group id to its position in the window plus one; 0
	// means the group has no row in this window.
	slot   []int32
	ids    []int32               // group id by position
	states []functions.AggState  // len(aggs) per position
	seen   []map[string]struct{} // len(aggs) per position; nil unless DISTINCT
}

func newFixedWindows(size, slide int64, eval *rowEval) *fixedWindows {
	eval.distinctKeys = true
	return &fixedWindows{size: size, slide: slide, eval: eval}
}

func (f *fixedWindows) reset() {
	f.groups.reset(len(f.eval.keyVals))
	clear(f.open)
	f.open = f.open[:0]
}

// add adds the row with event time t to its windows that end after
// closedBelow. It reports late when all of them have been emitted. A row
// falling between HOP windows (slide > size) belongs to none and is
// neither added nor late.
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
	// Walk the row's windows from the latest back, through open.
	pos := f.search(latest)
	for s := latest; s > t-f.size && s+f.size > closedBelow; s -= f.slide {
		if pos == len(f.open) || f.open[pos].start != s {
			w := &window{start: s, end: s + f.size, slot: make([]int32, len(f.groups.keys))}
			f.open = slices.Insert(f.open, pos, w)
		}
		if err := f.open[pos].add(id, f.eval); err != nil {
			return false, err
		}
		if pos > 0 && f.open[pos-1].start == s-f.slide {
			pos--
		}
	}
	return false, nil
}

// search returns the position in open of the window starting at start,
// or where it belongs.
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

// add folds the evaluated row into the states of group id.
func (w *window) add(id int32, e *rowEval) error {
	if int(id) >= len(w.slot) {
		w.slot = append(w.slot, make([]int32, int(id)+1-len(w.slot))...)
	}
	pos := w.slot[id] - 1
	if pos < 0 {
		pos = int32(len(w.ids))
		w.slot[id] = pos + 1
		w.ids = append(w.ids, id)
		w.states = e.newStates(w.states)
		for _, spec := range e.aggs {
			var seen map[string]struct{}
			if spec.distinct {
				seen = make(map[string]struct{})
			}
			w.seen = append(w.seen, seen)
		}
	}
	base := int(pos) * len(e.aggs)
	for i, spec := range e.aggs {
		if spec.distinct {
			seen := w.seen[base+i]
			if _, dup := seen[string(e.distinct[i])]; dup {
				continue
			}
			seen[string(e.distinct[i])] = struct{}{}
		}
		if err := w.states[base+i].Add(e.argsOf(i)); err != nil {
			return err
		}
	}
	return nil
}

// closeUntil emits, in order, every window ending at or before bound and
// frees it, and the groups no open window holds any more.
func (f *fixedWindows) closeUntil(bound int64, out *windowOutput, timeType types.Type) {
	n := 0
	for n < len(f.open) && f.open[n].end <= bound {
		w := f.open[n]
		f.emit(w, out, timeType)
		n++
	}
	f.open = slices.Delete(f.open, 0, n)
}

// emit appends one row per group of w, releasing the groups whose last
// window w is.
func (f *fixedWindows) emit(w *window, out *windowOutput, timeType types.Type) {
	nAggs := len(f.eval.aggs)
	for pos, id := range w.ids {
		row := out.appendRow()
		row[0] = types.Datum{Typ: timeType, I: w.start}
		row[1] = types.Datum{Typ: timeType, I: w.end}
		key := f.groups.values(id)
		copy(row[2:], key)
		for i, st := range w.states[pos*nAggs : (pos+1)*nAggs] {
			row[2+len(key)+i] = st.Result()
		}
		if f.groups.lastEnd[id] <= w.end {
			f.groups.release(id)
		}
	}
}

// groupDict numbers the group keys of the open windows, so a row's key is
// hashed once however many windows it goes to. A group's id is released
// when the last open window holding it closes, and then reused.
type groupDict struct {
	width int
	ids   map[string]int32
	// By id: the map key ("" once released), the group values (width
	// each), and the latest end of a window holding the group.
	keys    []string
	vals    []types.Datum
	lastEnd []int64
	free    []int32
}

func (d *groupDict) reset(width int) {
	*d = groupDict{width: width, ids: make(map[string]int32)}
}

// id returns the id of the group with encoded key and values vals,
// numbering it if new, and notes that a window ending at end holds it.
func (d *groupDict) id(key []byte, vals []types.Datum, end int64) int32 {
	id, ok := d.ids[string(key)]
	if !ok {
		k := string(key)
		if n := len(d.free); n > 0 {
			id, d.free = d.free[n-1], d.free[:n-1]
			d.keys[id] = k
			copy(d.vals[int(id)*d.width:], vals)
			d.lastEnd[id] = end
		} else {
			id = int32(len(d.keys))
			d.keys = append(d.keys, k)
			d.vals = append(d.vals, vals...)
			d.lastEnd = append(d.lastEnd, end)
		}
		d.ids[k] = id
	}
	d.lastEnd[id] = max(d.lastEnd[id], end)
	return id
}

func (d *groupDict) values(id int32) []types.Datum {
	return d.vals[int(id)*d.width : (int(id)+1)*d.width]
}

func (d *groupDict) release(id int32) {
	delete(d.ids, d.keys[id])
	d.keys[id] = ""
	clear(d.values(id))
	d.free = append(d.free, id)
}

// floorDiv is a/b rounded toward negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
