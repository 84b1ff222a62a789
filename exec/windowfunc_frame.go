package exec

import (
	"sort"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// codeInvalidPrecedingOrFollowing is Postgres' SQLSTATE for a negative
// frame offset (a NULL one is codeNullValueNotAllowed).
const codeInvalidPrecedingOrFollowing = "22013"

// frameBound is one end of a call's frame, compiled.
type frameBound struct {
	kind planner.FrameBoundKind
	// isStart tells the frame's start from its end.
	isStart bool
	// desc is the direction of the window's ORDER BY (RANGE offsets).
	desc bool
	// offset is the bound's constant size; value its ORDER BY value over a
	// row (RANGE only). Both are nil for bounds without an offset.
	offset, value Evaluator

	// rows is the evaluated size of a ROWS offset.
	rows int64
	// values are value's results per sorted row (RANGE offsets).
	values []types.Datum
}

func newFrameBound(b planner.FrameBound, isStart, desc bool, env *Env) (frameBound, error) {
	out := frameBound{kind: b.Kind, isStart: isStart, desc: desc}
	var err error
	if b.Offset != nil {
		if out.offset, err = Compile(b.Offset, env); err != nil {
			return frameBound{}, err
		}
	}
	if b.Value != nil {
		if out.value, err = Compile(b.Value, env); err != nil {
			return frameBound{}, err
		}
	}
	return out, nil
}

// prepare evaluates the offset for one run, as Postgres does: once, and
// it must be neither NULL nor negative.
func (f *frameBound) prepare(rows []types.Datum, width int, sorted []int, isRange bool) error {
	if f.offset == nil {
		return nil
	}
	which := "ending"
	if f.isStart {
		which = "starting"
	}
	d, err := f.offset(nil)
	if err != nil {
		return err
	}
	if d.IsNull() {
		return types.Errorf(codeNullValueNotAllowed, "frame %s offset must not be null", which)
	}
	if !isRange {
		if d.I < 0 {
			return types.Errorf(codeInvalidPrecedingOrFollowing, "frame %s offset must not be negative", which)
		}
		f.rows = d.I
		return nil
	}
	negative := d.Float() < 0
	if d.Typ == types.Interval {
		negative = d.IntervalMicros() < 0
	}
	if negative {
		return types.Errorf(codeInvalidPrecedingOrFollowing, "invalid preceding or following size in window function")
	}
	f.values = make([]types.Datum, len(sorted))
	for i, r := range sorted {
		if f.values[i], err = f.value(rows[r*width : (r+1)*width]); err != nil {
			return err
		}
	}
	return nil
}

// position is the bound of row r's frame in a partition of n rows that
// starts at sorted row lo: the first row in the frame for a start, the
// first row past it for an end; clamped to [0, n].
func (f *frameBound) position(c *windowCall, r, lo, n int, peers *peerGroups) int {
	switch f.kind {
	case planner.UnboundedPreceding:
		return 0
	case planner.UnboundedFollowing:
		return n
	case planner.CurrentRow:
		switch {
		case c.isRange && f.isStart:
			return peers.start[r]
		case c.isRange:
			return peers.end[r]
		case f.isStart:
			return r
		}
		return r + 1
	}
	if c.isRange {
		return f.rangePosition(c.orderValues[lo:lo+n], f.values[lo:lo+n], r, peers)
	}
	size := int(min(f.rows, int64(n)))
	if f.kind == planner.OffsetPreceding {
		size = -size
	}
	pos := r + size
	if !f.isStart {
		pos++
	}
	return max(0, min(pos, n))
}

// rangePosition finds a RANGE offset bound by binary search over the
// partition's ORDER BY values (keys; bounds holds each row's bound value).
// A NULL current value has its NULL peers as the frame's offset ends;
// NULLs are never within an offset of a value.
func (f *frameBound) rangePosition(keys, bounds []types.Datum, r int, peers *peerGroups) int {
	if keys[r].IsNull() {
		if f.isStart {
			return peers.start[r]
		}
		return peers.end[r]
	}
	bound := bounds[r]
	if f.isStart {
		return sort.Search(len(keys), func(j int) bool { return !f.before(keys[j], bound) })
	}
	return sort.Search(len(keys), func(j int) bool { return f.after(keys[j], bound) })
}

// before reports whether a row whose ORDER BY value is key sorts before
// every row with value bound; after whether it sorts after them.
func (f *frameBound) before(key, bound types.Datum) bool {
	if key.IsNull() {
		return f.desc
	}
	c, _ := types.Compare(key, bound)
	if f.desc {
		return c > 0
	}
	return c < 0
}

func (f *frameBound) after(key, bound types.Datum) bool {
	if key.IsNull() {
		return !f.desc
	}
	c, _ := types.Compare(key, bound)
	if f.desc {
		return c < 0
	}
	return c > 0
}
