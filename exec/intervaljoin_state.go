package exec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/novelty-db/novelty/types"
)

// The first byte of an interval join's saved state: LEFT joins save a
// matched flag with each left row, inner joins do not.
const (
	intervalStateVersion     = 1
	leftIntervalStateVersion = 2
)

var _ stateful = (*intervalJoin)(nil)

// errHalfJoinedBatch: the driver saves state only between batches, which
// Next returns only once what an input batch made due is out.
var errHalfJoinedBatch = errors.New("exec: interval join state cannot be saved while an input batch is half joined")

// appendState saves the output watermark and, per side, its watermark,
// whether it ended and its buffered rows:
//
//	version, lastMark, left side, right side
//	side: mark, ended, key count, then per key (ascending):
//	      key, row count, rows in arrival order
//	      (LEFT join's left side: each row followed by its matched flag)
//
// The puller and its queued batches are not saved: a restored join reads
// its inputs from where they were restored. It fails while a batch is half
// joined.
func (j *intervalJoin) appendState(buf []byte) ([]byte, error) {
	st := &j.state
	if st.in != nil || st.flushing() {
		return nil, errHalfJoinedBatch
	}
	buf = append(buf, st.stateVersion())
	buf = binary.AppendVarint(buf, st.lastMark)
	for s := range st.sides {
		side := &st.sides[s]
		buf = binary.AppendVarint(buf, side.mark)
		buf = appendFlag(buf, side.ended)
		buf = side.buf.appendState(buf, st.unmatchedOf(s) != nil)
	}
	return buf, nil
}

// loadState replaces the join's state with a saved one. On error the join
// keeps the state it had.
func (j *intervalJoin) loadState(data []byte) error {
	st := &j.state
	if st.in != nil || st.flushing() {
		return errHalfJoinedBatch
	}
	r, err := newStateReader(data, "interval join", st.stateVersion())
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
		bufs[s].loadState(r, side.timeCol, st.unmatchedOf(s) != nil)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	st.lastMark = lastMark
	for s := range st.sides {
		st.sides[s].mark, st.sides[s].ended, st.sides[s].buf = marks[s], ended[s], bufs[s]
	}
	j.publishSize()
	return nil
}

func (st *intervalState) stateVersion() byte {
	if st.outer {
		return leftIntervalStateVersion
	}
	return intervalStateVersion
}

// appendState saves the buffered rows, key by key in ascending order and
// each key's rows in arrival order (the order probing meets them), each
// with its matched flag if withMatched.
func (rb *rowBuffer) appendState(buf []byte, withMatched bool) []byte {
	groups := make([]int32, 0, rb.keys)
	for g := range rb.groups {
		if rb.groups[g].head >= 0 {
			groups = append(groups, int32(g))
		}
	}
	slices.SortFunc(groups, func(a, b int32) int { return bytes.Compare(rb.key(&rb.groups[a]), rb.key(&rb.groups[b])) })
	buf = binary.AppendUvarint(buf, uint64(len(groups)))
	for _, g := range groups {
		k := rb.key(&rb.groups[g])
		buf = binary.AppendUvarint(buf, uint64(len(k)))
		buf = append(buf, k...)
		head := rb.groups[g].head
		n := 0
		for slot := head; slot >= 0; slot = rb.slots[slot].next {
			n++
		}
		buf = binary.AppendUvarint(buf, uint64(n))
		for slot := head; slot >= 0; slot = rb.slots[slot].next {
			buf = appendStateRow(buf, rb.row(slot))
			if withMatched {
				buf = appendFlag(buf, rb.slots[slot].matched)
			}
		}
	}
	return buf
}

// loadState buffers the saved rows into the empty rb; a row's event time
// is its column timeCol, and a matched flag follows it if withMatched.
func (rb *rowBuffer) loadState(r *stateReader, timeCol int, withMatched bool) {
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
			matched := withMatched && r.Flag()
			t := row[timeCol]
			if !r.Failed() && (t.Typ.Family() != types.FamilyTimestamp) {
				r.Failf("buffered row's event time is not a timestamp")
			}
			if !r.Failed() {
				rb.insert(key, hashJoinKey(key), row, t.I, matched)
			}
		}
	}
}
