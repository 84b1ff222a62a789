package exec

import (
	"cmp"
	"math"
	"slices"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// closeUntil emits, in order, every window with rows that ends at or
// before bound, and frees the panes and groups no later window holds.
func (f *fixedWindows) closeUntil(bound int64, out *windowOutput, timeType types.Type) error {
	for len(f.open) > 0 {
		// The earliest window not yet emitted that holds the first pane.
		start := max(f.firstWindowHolding(f.open[0].start), f.nextStart)
		end := start + f.size
		if end > bound {
			break
		}
		n := 0
		for n < len(f.open) && f.open[n].start < end {
			n++
		}
		// Panes ending by the next window's start are in no later window.
		last := 0
		for last < n && f.open[last].start+f.paneLen <= start+f.slide {
			last++
		}
		if err := f.emit(start, f.open[:n], last, out, timeType); err != nil {
			return err
		}
		f.nextStart = start + f.slide
		for _, p := range f.open[:last] {
			f.paneBytes -= p.size(f.eval)
		}
		f.open = f.open[:copy(f.open, f.open[last:])]
		clear(f.open[len(f.open) : len(f.open)+last])
	}
	// A row arriving later for a pane whose earlier windows were closed
	// here without rows must not reopen them.
	f.nextStart = max(f.nextStart, f.firstWindowEndingAfter(bound))
	return nil
}

// firstWindowHolding is the start of the earliest window holding the
// pane starting at start.
func (f *fixedWindows) firstWindowHolding(start int64) int64 {
	return floorDiv(start-f.size, f.slide)*f.slide + f.slide
}

// firstWindowEndingAfter is the start of the earliest window ending after
// bound.
func (f *fixedWindows) firstWindowEndingAfter(bound int64) int64 {
	switch {
	case bound < math.MinInt64+f.size:
		return math.MinInt64
	case bound > math.MaxInt64-f.slide:
		return math.MaxInt64
	}
	return f.firstWindowHolding(bound)
}

// emit appends one row per group of the window starting at start, whose
// panes are panes; the first last of them are in no later window, so
// their states are merged without cloning. Groups come in the order of
// their first row's arrival in the window; a group whose last window
// this is is released.
func (f *fixedWindows) emit(start int64, panes []*pane, last int, out *windowOutput, timeType types.Type) error {
	f.entries = f.entries[:0]
	for _, p := range panes {
		for pos, id := range p.ids {
			if int(id) >= len(f.entryOf) {
				f.entryOf = append(f.entryOf, make([]int32, int(id)+1-len(f.entryOf))...)
			}
			if e := f.entryOf[id]; e > 0 {
				f.entries[e-1].first = min(f.entries[e-1].first, p.firstSeq[pos])
				continue
			}
			f.entries = append(f.entries, windowGroup{id: id, first: p.firstSeq[pos]})
			f.entryOf[id] = int32(len(f.entries))
		}
	}
	for _, e := range f.entries {
		f.entryOf[e.id] = 0
	}
	slices.SortFunc(f.entries, func(a, b windowGroup) int { return cmp.Compare(a.first, b.first) })
	end := start + f.size
	for _, e := range f.entries {
		row := out.appendRow()
		row[0] = types.Datum{Typ: timeType, I: start}
		row[1] = types.Datum{Typ: timeType, I: end}
		key := f.groups.values(e.id)
		copy(row[2:], key)
		results := row[2+len(key):]
		for i, spec := range f.eval.aggs {
			var err error
			if spec.distinct {
				results[i], err = f.distinctResult(spec.fn, panes, e.id, i)
			} else {
				results[i], err = f.mergedResult(panes, last, e.id, i)
			}
			if err != nil {
				return err
			}
		}
		if f.groups.lastEnd[e.id] <= end {
			f.groups.release(e.id)
		}
	}
	return nil
}

// mergedResult is aggregate i of group id over panes, merging their states
// in order; the first last panes' states are consumed. A merge that fails
// (a sum leaving its type's range) is reported through the Env's
// RowErrors and leaves that pane out, as a rejected row is.
func (f *fixedWindows) mergedResult(panes []*pane, last int, id int32, i int) (types.Datum, error) {
	n := len(f.eval.aggs)
	var acc functions.AggState
	for j, p := range panes {
		pos := p.position(id)
		if pos < 0 {
			continue
		}
		st := p.states[pos*n+i]
		if j >= last {
			st = st.Clone()
		}
		if acc == nil {
			acc = st
			continue
		}
		if err := acc.Merge(st); err != nil {
			if err = f.env.rowError(err); err != nil {
				return types.Null, err
			}
		}
	}
	return acc.Result(), nil
}

// distinctResult is DISTINCT aggregate i of group id over panes.
func (f *fixedWindows) distinctResult(fn *functions.Aggregate, panes []*pane, id int32, i int) (types.Datum, error) {
	n := len(f.eval.aggs)
	f.parts = f.parts[:0]
	for _, p := range panes {
		if pos := p.position(id); pos >= 0 {
			f.parts = append(f.parts, &p.distinct[pos*n+i])
		}
	}
	d, key, err := distinctResult(fn, f.parts, f.seen, f.key, f.env)
	f.key = key
	clear(f.parts)
	return d, err
}
