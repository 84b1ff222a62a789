package exec

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// windowStateVersion is the first byte of a window aggregate's saved state.
const windowStateVersion = 1

// The window family a saved state is of, after the common part.
const (
	windowStateFixed   = 0
	windowStateSession = 1
)

var _ stateful = (*windowAggregate)(nil)

// appendState saves the watermark, the emitted rows not yet handed out and
// every open window with its groups and aggregate states. The layout is
//
//	version, watermark, closedBelow, eof, output, family, family state
//
// An aggregate whose state has no encoding (functions.AggStateCodec) makes
// it fail with an error naming the aggregate.
func (w *windowAggregate) appendState(buf []byte) ([]byte, error) {
	buf = append(buf, windowStateVersion)
	buf = binary.AppendVarint(buf, w.watermark)
	buf = binary.AppendVarint(buf, w.closedBelow)
	buf = appendFlag(buf, w.eof)
	buf = w.out.appendState(buf)
	if w.fixed != nil {
		return w.fixed.appendState(append(buf, windowStateFixed))
	}
	return w.sessions.appendState(append(buf, windowStateSession))
}

// loadState replaces the operator's state with a saved one. On error the
// operator keeps the state it had.
func (w *windowAggregate) loadState(data []byte) error {
	r, err := newStateReader(data, "window aggregate", windowStateVersion)
	if err != nil {
		return err
	}
	watermark, closedBelow, eof := r.Varint(), r.Varint(), r.Flag()
	out := windowOutput{width: w.out.width}
	out.loadState(r)
	family := r.Byte()
	if r.Failed() {
		return r.Err()
	}
	switch {
	case family == windowStateFixed && w.fixed != nil:
		err = w.fixed.loadState(r)
	case family == windowStateSession && w.sessions != nil:
		err = w.sessions.loadState(r)
	default:
		r.Failf("window family %d does not match the plan", family)
		err = r.Err()
	}
	if err != nil {
		return err
	}
	w.watermark, w.closedBelow, w.eof, w.out = watermark, closedBelow, eof, out
	w.publishSize()
	return nil
}

// appendState saves the rows not yet handed out and the pending watermark.
func (o *windowOutput) appendState(buf []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(o.pendingRows()))
	for i := o.next; i < len(o.rows)/o.width; i++ {
		buf = appendStateRow(buf, o.rows[i*o.width:(i+1)*o.width])
	}
	return binary.AppendVarint(buf, o.mark)
}

func (o *windowOutput) loadState(r *stateReader) {
	o.reset()
	for n := r.Items(); n > 0 && !r.Failed(); n-- {
		r.row(o.appendRow())
	}
	o.mark = r.Varint()
}

// appendState saves the group dictionary and the open panes.
func (f *fixedWindows) appendState(buf []byte) ([]byte, error) {
	buf = binary.AppendVarint(buf, f.nextStart)
	buf = binary.AppendUvarint(buf, f.seq)
	buf = f.groups.appendState(buf)
	buf = binary.AppendUvarint(buf, uint64(len(f.open)))
	for _, p := range f.open {
		buf = binary.AppendVarint(buf, p.start)
		buf = binary.AppendUvarint(buf, uint64(len(p.ids)))
		n := len(f.eval.aggs)
		for pos, id := range p.ids {
			buf = binary.AppendUvarint(buf, uint64(id))
			buf = binary.AppendUvarint(buf, p.firstSeq[pos])
			var distinct []distinctArgs
			if f.eval.hasDistinct {
				distinct = p.distinct[pos*n : (pos+1)*n]
			}
			var err error
			if buf, err = f.eval.appendStates(buf, p.states[pos*n:(pos+1)*n], distinct); err != nil {
				return nil, err
			}
		}
	}
	return buf, nil
}

// loadState reads what appendState saved, to the end of r.
func (f *fixedWindows) loadState(r *stateReader) error {
	nextStart, seq := r.Varint(), r.Uvarint()
	var groups groupDict
	groups.loadState(r, len(f.eval.keyVals))
	n := r.Items()
	open := make([]*pane, 0, n)
	for ; n > 0 && !r.Failed(); n-- {
		p := &pane{start: r.Varint(), slot: make([]int32, len(groups.keys))}
		switch {
		case floorDiv(p.start, f.paneLen)*f.paneLen != p.start:
			r.Failf("pane start %d is not a multiple of the pane length", p.start)
		case len(open) > 0 && open[len(open)-1].start >= p.start:
			r.Failf("panes out of order")
		}
		members := r.Items()
		if members == 0 && !r.Failed() {
			r.Failf("pane without groups")
		}
		for ; members > 0 && !r.Failed(); members-- {
			id, first := r.Uvarint(), r.Uvarint()
			if id >= uint64(len(groups.keys)) || !groups.live(int32(id)) || p.slot[id] != 0 || first >= seq {
				r.Failf("pane group %d (first row %d) is unknown, repeated or from the future", id, first)
				break
			}
			p.slot[id] = int32(len(p.ids)) + 1
			p.ids = append(p.ids, int32(id))
			p.firstSeq = append(p.firstSeq, first)
			base := len(p.states)
			p.states = f.eval.newStates(p.states)
			var distinct []distinctArgs
			if f.eval.hasDistinct {
				p.distinct = append(p.distinct, make([]distinctArgs, len(f.eval.aggs))...)
				distinct = p.distinct[base:]
			}
			f.eval.loadStates(r, p.states[base:], distinct)
		}
		open = append(open, p)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	f.nextStart, f.seq, f.groups, f.open = nextStart, seq, groups, open
	f.recount()
	return nil
}

// appendState saves every group id: whether it is live and, if so, its
// values and latest window end; then the free list in order, so ids are
// reused as they would have been.
func (d *groupDict) appendState(buf []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(d.keys)))
	for id := range int32(len(d.keys)) {
		live := d.live(id)
		buf = appendFlag(buf, live)
		if live {
			buf = appendStateRow(buf, d.values(id))
			buf = binary.AppendVarint(buf, d.lastEnd[id])
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(d.free)))
	for _, id := range d.free {
		buf = binary.AppendUvarint(buf, uint64(id))
	}
	return buf
}

// live reports whether id numbers a group. A released id's key is "",
// which is also the key of the one group when there are no group columns.
func (d *groupDict) live(id int32) bool {
	got, ok := d.ids[d.keys[id]]
	return ok && got == id
}

func (d *groupDict) loadState(r *stateReader, width int) {
	d.reset(width)
	n := r.Items()
	released := 0
	for id := range n {
		if r.Failed() {
			return
		}
		d.keys = append(d.keys, "")
		d.vals = append(d.vals, make([]types.Datum, width)...)
		d.lastEnd = append(d.lastEnd, math.MinInt64)
		if !r.Flag() {
			released++
			continue
		}
		vals := d.values(int32(id))
		r.row(vals)
		key := string(appendArgsKey(nil, vals))
		if _, dup := d.ids[key]; dup {
			r.Failf("group %d repeats an earlier group", id)
			return
		}
		d.keys[id], d.ids[key] = key, int32(id)
		d.bytes += int64(len(key)) + textBytes(vals)
		d.lastEnd[id] = r.Varint()
	}
	freeCount := r.Items()
	if !r.Failed() && freeCount != released {
		r.Failf("%d free group ids for %d released groups", freeCount, released)
		return
	}
	listed := make([]bool, n)
	for range freeCount {
		id := r.Uvarint()
		if r.Failed() {
			return
		}
		if id >= uint64(n) || d.live(int32(id)) || listed[id] {
			r.Failf("free group id %d is live, repeated or out of range", id)
			return
		}
		listed[id] = true
		d.free = append(d.free, int32(id))
	}
}

// appendState saves the open sessions, group by group in the order
// closing scans them.
func (s *sessionWindows) appendState(buf []byte) ([]byte, error) {
	buf = binary.AppendVarint(buf, s.nextEnd)
	buf = binary.AppendUvarint(buf, s.seq)
	buf = binary.AppendUvarint(buf, uint64(len(s.groups)))
	for _, g := range s.groups {
		buf = appendStateRow(buf, g.key)
		buf = binary.AppendUvarint(buf, uint64(len(g.sessions)))
		for _, ss := range g.sessions {
			buf = binary.AppendVarint(buf, ss.first)
			buf = binary.AppendVarint(buf, ss.last)
			buf = binary.AppendUvarint(buf, ss.firstSeq)
			var err error
			if buf, err = s.eval.appendStates(buf, ss.states, ss.distinct); err != nil {
				return nil, err
			}
		}
	}
	return buf, nil
}

// loadState reads what appendState saved, to the end of r.
func (s *sessionWindows) loadState(r *stateReader) error {
	nextEnd, seq := r.Varint(), r.Uvarint()
	byKey := make(map[string]*sessionGroup)
	count := r.Items()
	groups := make([]*sessionGroup, 0, count)
	for ; count > 0 && !r.Failed(); count-- {
		g := &sessionGroup{key: make([]types.Datum, len(s.eval.keyVals))}
		r.row(g.key)
		g.mapKey = string(appendArgsKey(nil, g.key))
		if _, dup := byKey[g.mapKey]; dup && !r.Failed() {
			r.Failf("session group repeats an earlier group")
		}
		n := r.Items()
		if n == 0 && !r.Failed() {
			r.Failf("session group without sessions")
		}
		for ; n > 0 && !r.Failed(); n-- {
			ss := &session{group: g, first: r.Varint(), last: r.Varint(), firstSeq: r.Uvarint()}
			if ss.first > ss.last || ss.firstSeq >= seq || ss.last+s.gap < nextEnd ||
				(len(g.sessions) > 0 && g.sessions[len(g.sessions)-1].last >= ss.first) {
				r.Failf("session [%d, %d] (first row %d) is out of order or inconsistent", ss.first, ss.last, ss.firstSeq)
				break
			}
			ss.states = s.eval.newStates(nil)
			if s.eval.hasDistinct {
				ss.distinct = make([]distinctArgs, len(s.eval.aggs))
			}
			s.eval.loadStates(r, ss.states, ss.distinct)
			g.sessions = append(g.sessions, ss)
		}
		byKey[g.mapKey] = g
		groups = append(groups, g)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	s.nextEnd, s.seq, s.byKey, s.groups = nextEnd, seq, byKey, groups
	s.recount()
	return nil
}

// appendStates saves one (window, group)'s aggregates: states
// (len(aggs), nil for DISTINCT) and, when some aggregate is DISTINCT,
// distinct (len(aggs)).
func (e *rowEval) appendStates(buf []byte, states []functions.AggState, distinct []distinctArgs) ([]byte, error) {
	for i, spec := range e.aggs {
		if spec.distinct {
			buf = distinct[i].appendState(buf)
			continue
		}
		codec, ok := states[i].(functions.AggStateCodec)
		if !ok {
			return nil, types.Errorf(types.CodeFeatureNotSupported, "the state of aggregate %s cannot be saved in a checkpoint", spec.fn.Name)
		}
		mark := len(buf)
		var err error
		if buf, err = codec.AppendState(buf); err != nil {
			return nil, fmt.Errorf("exec: saving the state of aggregate %s: %w", spec.fn.Name, err)
		}
		buf = prefixLength(buf, mark)
	}
	return buf, nil
}

// loadStates restores what appendStates saved into fresh states (from
// newStates) and empty distinct (when hasDistinct).
func (e *rowEval) loadStates(r *stateReader, states []functions.AggState, distinct []distinctArgs) {
	for i, spec := range e.aggs {
		if r.Failed() {
			return
		}
		if spec.distinct {
			distinct[i].loadState(r, e.argOff[i+1]-e.argOff[i])
			continue
		}
		data := r.LengthPrefixed()
		if r.Failed() {
			return
		}
		codec, ok := states[i].(functions.AggStateCodec)
		if !ok {
			r.FailWith(types.Errorf(types.CodeFeatureNotSupported, "the state of aggregate %s cannot be restored from a checkpoint", spec.fn.Name))
			return
		}
		if err := codec.LoadState(data); err != nil {
			r.Failf("aggregate %s: %v", spec.fn.Name, err)
		}
	}
}

// appendState saves the argument lists in their order of first arrival.
func (d *distinctArgs) appendState(buf []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(d.n))
	return appendStateRow(buf, d.args)
}

// loadState restores into an empty d the lists of width arguments each.
func (d *distinctArgs) loadState(r *stateReader, width int) {
	n := r.Items()
	args := r.rowOfAnyWidth()
	if r.Failed() {
		return
	}
	if len(args) != n*width {
		r.Failf("%d DISTINCT arguments for %d lists of %d", len(args), n, width)
		return
	}
	var key []byte
	for i := range n {
		list := args[i*width : (i+1)*width]
		key = appendArgsKey(key[:0], list)
		d.add(key, list)
		if d.n != i+1 {
			r.Failf("DISTINCT argument list %d repeats an earlier one", i)
			return
		}
	}
}

// The helpers below encode and decode the parts every operator state is
// made of; the interval join's state uses them too.

func appendFlag(buf []byte, v bool) []byte {
	if v {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// appendStateRow appends row length-prefixed, as stateReader.row reads it.
func appendStateRow(buf []byte, row []types.Datum) []byte {
	mark := len(buf)
	return prefixLength(storage.AppendRow(buf, row), mark)
}

// prefixLength inserts at mark the uvarint length of buf[mark:].
func prefixLength(buf []byte, mark int) []byte {
	var size [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(size[:], uint64(len(buf)-mark))
	buf = append(buf, size[:n]...)
	copy(buf[mark+n:], buf[mark:len(buf)-n])
	copy(buf[mark:], size[:n])
	return buf
}

// stateReader is storage's StateReader plus the rows operator states hold.
type stateReader struct {
	*storage.StateReader
	// scratch receives decoded rows.
	scratch []types.Datum
}

// newStateReader starts reading data, which must begin with version.
func newStateReader(data []byte, what string, version byte) (*stateReader, error) {
	r := &stateReader{StateReader: storage.NewStateReader(data, what)}
	if v := r.Byte(); !r.Failed() && v != version {
		r.Failf("format version %d, want %d", v, version)
	}
	return r, r.Err()
}

// rowOfAnyWidth reads a row appendStateRow wrote; it is valid until the
// next row read.
func (r *stateReader) rowOfAnyWidth() []types.Datum {
	data := r.LengthPrefixed()
	if r.Failed() {
		return nil
	}
	row, err := storage.DecodeRow(data, r.scratch[:0])
	r.scratch = row
	if err != nil {
		r.Failf("%v", err)
		return nil
	}
	return row
}

// row reads a row of exactly len(dst) columns into dst.
func (r *stateReader) row(dst []types.Datum) {
	row := r.rowOfAnyWidth()
	if !r.Failed() && len(row) != len(dst) {
		r.Failf("row of %d columns, want %d", len(row), len(dst))
	}
	if !r.Failed() {
		copy(dst, row)
	}
}
