package exec

import "unsafe"

// Sizes of a row buffer's parts.
const (
	slotInfoBytes  = int64(unsafe.Sizeof(slotInfo{}))
	keyGroupBytes  = int64(unsafe.Sizeof(keyGroup{}))
	timedSlotBytes = int64(unsafe.Sizeof(timedSlot{}))
)

// publishSize publishes the interval join's current size: its buffers and
// the expired unmatched left rows waiting to go out. It is O(1).
func (j *intervalJoin) publishSize() {
	st := &j.state
	n := int64(cap(st.unmatched)) * datumBytes
	for s := range st.sides {
		n += st.sides[s].buf.size()
	}
	j.publish(n)
}

// size is the memory the buffer holds: its slabs as allocated (a freed
// slot is reused, and the slabs shrink when compact runs) and the strings
// of the rows in them.
func (rb *rowBuffer) size() int64 {
	return rb.text + int64(cap(rb.datums))*datumBytes + int64(cap(rb.slots))*slotInfoBytes +
		int64(cap(rb.free)+cap(rb.freeGroups))*4 + int64(cap(rb.groups))*keyGroupBytes +
		int64(len(rb.index))*8 + int64(cap(rb.arena)+cap(rb.spare)) + int64(cap(rb.expiry))*timedSlotBytes
}
