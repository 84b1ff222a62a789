package exec

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/novelty-db/novelty/types"
)

// intervalStateVersion is the first byte of an interval join's saved state.
const intervalStateVersion = 1

var _ stateful = (*intervalJoin)(nil)

// errHalfJoinedBatch: the driver saves state only between batches.
var errHalfJoinedBatch = errors.New("exec: interval join state cannot be saved while an input batch is half joined")

// appendState saves the output watermark and, per side, its watermark,
// whether it ended and its buffered rows:
//
//	version, lastMark, left side, right side
//	side: mark, ended, key count, then per key (ascending):
//	      key, row count, rows in arrival order
//
// The puller and its queued batches are not saved: a restored join reads
// its inputs from where they were restored. It fails while a batch is half
// joined.
func (j *intervalJoin) appendState(buf []byte) ([]byte, error) {
	st := &j.state
	if st.in != nil {
		return nil, errHalfJoinedBatch
	}
	buf = append(buf, intervalStateVersion)
	buf = binary.AppendVarint(buf, st.lastMark)
	for s := range st.sides {
		side := &st.sides[s]
		buf = binary.AppendVarint(buf, side.mark)
		buf = appendFlag(buf, side.ended)
		buf = side.buf.appendState(buf)
	}
	return buf, nil
}

// loadState replaces the join's state with a saved one. On error the join
// keeps the state it had.
func (j *intervalJoin) loadState(data []byte) error {
	st := &j.state
	if st.in != nil {
		return errHalfJoinedBatch
	}
	r, err := newStateReader(data, "interval join", intervalStateVersion)
	if err != nil {
		return err
	}
	lastMark := r.Varint()
	var marks [2]int64
	var ended [2]bool
	var bufs [2]rowBuffer
	for s := range st.sides {
		side := &st.sides[s]
		marks[s], ended[s] = r.Varint(), r.Flag()
		bufs[s] = rowBuffer{width: side.width}
		bufs[s].loadState(r, side.timeCol)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	st.lastMark = lastMark
	for s := range st.sides {
		st.sides[s].mark, st.sides[s].ended, st.sides[s].buf = marks[s], ended[s], bufs[s]
	}
	return nil
}

// appendState saves the buffered rows, key by key in ascending order and
// each key's rows in arrival order (the order probing meets them).
func (rb *rowBuffer) appendState(buf []byte) []byte {
	keys := make([]string, 0, len(rb.byKey))
	for k := range rb.byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = binary.AppendUvarint(buf, uint64(len(keys)))
	for _, k := range keys {
		buf = binary.AppendUvarint(buf, uint64(len(k)))
		buf = append(buf, k...)
		head := rb.groups[rb.byKey[k]].head
		n := 0
		for slot := head; slot >= 0; slot = rb.slots[slot].next {
			n++
		}
		buf = binary.AppendUvarint(buf, uint64(n))
		for slot := head; slot >= 0; slot = rb.slots[slot].next {
			buf = appendStateRow(buf, rb.row(slot))
		}
	}
	return buf
}

// loadState buffers the saved rows into the empty rb; a row's event time
// is its column timeCol.
func (rb *rowBuffer) loadState(r *stateReader, timeCol int) {
	row := make([]types.Datum, rb.width)
	var prev []byte
	for i, keys := 0, r.Items(); i < keys && !r.Failed(); i++ {
		key := r.LengthPrefixed()
		if i > 0 && !r.Failed() && string(key) <= string(prev) {
			r.Failf("buffered keys out of order")
		}
		prev = key
		n := r.Items()
		if n == 0 && !r.Failed() {
			r.Failf("buffered key without rows")
		}
		for ; n > 0 && !r.Failed(); n-- {
			r.row(row)
			t := row[timeCol]
			if !r.Failed() && (t.Typ.Family() != types.FamilyTimestamp) {
				r.Failf("buffered row's event time is not a timestamp")
			}
			if !r.Failed() {
				rb.insert(key, row, t.I)
			}
		}
	}
}
