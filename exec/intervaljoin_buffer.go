package exec

import (
	"hash/maphash"

	"github.com/novelty-db/novelty/types"
)

// compactAboveSlots: a row buffer with more slots than this is compacted
// once fewer than a quarter of them hold rows.
const compactAboveSlots = 4 * types.BatchSize

// compactAboveKeyBytes: a row buffer's key arena is rewritten once more
// than this many bytes and more than half of it belong to removed keys.
const compactAboveKeyBytes = 64 << 10

// joinKeySeed hashes the join keys of every row buffer: a row's key is
// hashed once, for probing the other side and buffering on its own.
var joinKeySeed = maphash.MakeSeed()

func hashJoinKey(key []byte) uint64 { return maphash.Bytes(joinKeySeed, key) }

// rowBuffer holds one side's buffered rows (copies), chained per join key
// in arrival order for probing, and in a min-heap by event time for
// expiry. Rows live in slots of one flat slab; freed slots are reused, and
// the slab, key index and heap are rebuilt smaller when most slots are
// free, so memory follows the number of buffered rows.
//
// Keys are found through an open-addressing table of key groups (linear
// probing, at most half full) rather than a Go map, and their bytes live
// in one arena, so buffering a row of a new key allocates nothing beyond
// amortized growth.
type rowBuffer struct {
	width      int
	datums     []types.Datum // slot i is datums[i*width:(i+1)*width]
	slots      []slotInfo
	free       []int32
	groups     []keyGroup
	freeGroups []int32
	// index holds the entries of the groups (see indexEntry), 0 for an
	// empty one; its length is a power of two.
	index []uint64
	keys  int // groups in index
	// arena holds the key bytes of the groups; dead counts those of
	// removed groups. spare is the previous arena, emptied, which the next
	// compaction of the keys fills: a buffer whose keys come and go
	// rewrites its keys between the two without allocating.
	arena, spare []byte
	dead         int
	expiry       []timedSlot
	// text is the bytes of the buffered rows' strings (statesize_join.go).
	text int64
}

// slotInfo is a buffered row's event time, its place in its key chain
// (-1: none) and whether it joined a row (kept for LEFT joins' left rows).
type slotInfo struct {
	t                 int64
	prev, next, group int32
	matched           bool
}

// keyGroup is the chain of rows of one key; head is -1 for a free group.
// The key is arena[off:off+n], hashed to hash.
type keyGroup struct {
	hash       uint64
	off, n     int32
	head, tail int32
}

type timedSlot struct {
	t    int64
	slot int32
}

// len is the number of buffered rows.
func (rb *rowBuffer) len() int { return len(rb.slots) - len(rb.free) }

func (rb *rowBuffer) row(slot int32) []types.Datum {
	i := int(slot) * rb.width
	return rb.datums[i : i+rb.width : i+rb.width]
}

func (rb *rowBuffer) key(g *keyGroup) []byte { return rb.arena[g.off : g.off+g.n] }

// indexEntry is group g's index entry: the low half of its hash (which
// also gives its home position) above g+1, so that most probes of other
// keys are told apart without reading their groups.
func indexEntry(h uint64, g int32) uint64 { return h<<32 | uint64(g+1) }

func entryGroup(e uint64) int32 { return int32(uint32(e)) - 1 }

// entryHome is where the probing for e's key starts.
func entryHome(e, mask uint64) uint64 { return e >> 32 & mask }

// group finds the group of key (hashed to h), or -1.
func (rb *rowBuffer) group(key []byte, h uint64) int32 {
	if len(rb.index) == 0 {
		return -1
	}
	mask := uint64(len(rb.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := rb.index[i]
		if e == 0 {
			return -1
		}
		if e>>32 != h&0xffffffff {
			continue
		}
		g := entryGroup(e)
		if grp := &rb.groups[g]; grp.hash == h && string(rb.key(grp)) == string(key) {
			return g
		}
	}
}

// first is the earliest-arrived row of key (hashed to h), or -1.
func (rb *rowBuffer) first(key []byte, h uint64) int32 {
	g := rb.group(key, h)
	if g < 0 {
		return -1
	}
	return rb.groups[g].head
}

// insert buffers a copy of row under key (hashed to h) with event time t
// and its matched flag.
func (rb *rowBuffer) insert(key []byte, h uint64, row []types.Datum, t int64, matched bool) {
	g := rb.group(key, h)
	if g < 0 {
		g = rb.newGroup(key, h)
	}
	var slot int32
	if n := len(rb.free); n > 0 {
		slot = rb.free[n-1]
		rb.free = rb.free[:n-1]
		copy(rb.row(slot), row)
	} else {
		slot = int32(len(rb.slots))
		rb.slots = append(rb.slots, slotInfo{})
		rb.datums = append(rb.datums, row...)
	}
	rb.text += textBytes(row)
	grp := &rb.groups[g]
	rb.slots[slot] = slotInfo{t: t, prev: grp.tail, next: -1, group: g, matched: matched}
	if grp.tail >= 0 {
		rb.slots[grp.tail].next = slot
	} else {
		grp.head = slot
	}
	grp.tail = slot
	rb.pushExpiry(timedSlot{t: t, slot: slot})
}

func (rb *rowBuffer) newGroup(key []byte, h uint64) int32 {
	var g int32
	if n := len(rb.freeGroups); n > 0 {
		g = rb.freeGroups[n-1]
		rb.freeGroups = rb.freeGroups[:n-1]
	} else {
		g = int32(len(rb.groups))
		rb.groups = append(rb.groups, keyGroup{})
	}
	rb.groups[g] = keyGroup{hash: h, off: int32(len(rb.arena)), n: int32(len(key)), head: -1, tail: -1}
	rb.arena = append(rb.arena, key...)
	if 2*(rb.keys+1) > len(rb.index) {
		rb.reindex(max(16, 2*len(rb.index)))
	}
	rb.place(g)
	rb.keys++
	return g
}

// place enters group g in the index, which has room.
func (rb *rowBuffer) place(g int32) {
	mask := uint64(len(rb.index) - 1)
	h := rb.groups[g].hash
	i := h & mask
	for rb.index[i] != 0 {
		i = (i + 1) & mask
	}
	rb.index[i] = indexEntry(h, g)
}

// reindex rebuilds the index with size entries (a power of two) from the
// live groups.
func (rb *rowBuffer) reindex(size int) {
	rb.index = make([]uint64, size)
	for g := range rb.groups {
		if rb.groups[g].head >= 0 {
			rb.place(int32(g))
		}
	}
}

// dropGroup removes the emptied group g from the index (shifting back the
// entries probed past it, so that no lookup stops short) and frees it.
func (rb *rowBuffer) dropGroup(g int32) {
	mask := uint64(len(rb.index) - 1)
	entry := indexEntry(rb.groups[g].hash, g)
	i := rb.groups[g].hash & mask
	for rb.index[i] != entry {
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; rb.index[j] != 0; j = (j + 1) & mask {
		home := entryHome(rb.index[j], mask)
		// The entry at j may move to i unless its home lies cyclically
		// in (i, j].
		if (j-home)&mask >= (j-i)&mask {
			rb.index[i] = rb.index[j]
			i = j
		}
	}
	rb.index[i] = 0
	rb.keys--
	grp := &rb.groups[g]
	rb.dead += int(grp.n)
	*grp = keyGroup{head: -1, tail: -1}
	rb.freeGroups = append(rb.freeGroups, g)
	if rb.dead > compactAboveKeyBytes && 2*rb.dead > len(rb.arena) {
		rb.compactKeys()
	}
}

// compactKeys rewrites the arena with the live groups' keys only.
func (rb *rowBuffer) compactKeys() {
	arena := rb.spare[:0]
	if live := len(rb.arena) - rb.dead; cap(arena) < 2*live {
		arena = make([]byte, 0, max(2*live, cap(rb.arena)))
	}
	for g := range rb.groups {
		grp := &rb.groups[g]
		if grp.head >= 0 {
			key := rb.key(grp)
			grp.off = int32(len(arena))
			arena = append(arena, key...)
		}
	}
	rb.arena, rb.spare, rb.dead = arena, rb.arena[:0], 0
}

// expireBefore drops every row with event time before t, in time order;
// with unmatched set, it first appends there those that matched nothing.
func (rb *rowBuffer) expireBefore(t int64, unmatched *[]types.Datum) {
	for len(rb.expiry) > 0 && rb.expiry[0].t < t {
		rb.remove(rb.popExpiry(), unmatched)
	}
	if len(rb.slots) > compactAboveSlots && rb.len()*4 < len(rb.slots) {
		rb.compact()
	}
}

// expireAll is expireBefore past every row, releasing the storage.
func (rb *rowBuffer) expireAll(unmatched *[]types.Datum) {
	if unmatched != nil {
		for len(rb.expiry) > 0 {
			rb.remove(rb.popExpiry(), unmatched)
		}
	}
	rb.clear()
}

// remove unchains slot and frees it (its heap entry is already gone),
// appending its row to unmatched if that is set and the row matched
// nothing.
func (rb *rowBuffer) remove(slot int32, unmatched *[]types.Datum) {
	info := rb.slots[slot]
	grp := &rb.groups[info.group]
	if info.prev >= 0 {
		rb.slots[info.prev].next = info.next
	} else {
		grp.head = info.next
	}
	if info.next >= 0 {
		rb.slots[info.next].prev = info.prev
	} else {
		grp.tail = info.prev
	}
	if grp.head < 0 {
		rb.dropGroup(info.group)
	}
	if unmatched != nil && !info.matched {
		*unmatched = append(*unmatched, rb.row(slot)...)
	}
	// Cleared so that the row's strings can be collected.
	rb.text -= textBytes(rb.row(slot))
	clear(rb.row(slot))
	rb.free = append(rb.free, slot)
}

// compact moves the buffered rows and their keys into fresh storage sized
// for them, keeping each key's arrival order.
func (rb *rowBuffer) compact() {
	live := rb.len()
	datums := make([]types.Datum, 0, 2*live*rb.width)
	slots := make([]slotInfo, 0, 2*live)
	groups := make([]keyGroup, 0, rb.keys)
	arena := make([]byte, 0, 2*(len(rb.arena)-rb.dead))
	moved := make([]int32, len(rb.slots))
	for _, grp := range rb.groups {
		if grp.head < 0 {
			continue
		}
		g := int32(len(groups))
		prev := int32(-1)
		for s := grp.head; s >= 0; s = rb.slots[s].next {
			n := int32(len(slots))
			moved[s] = n
			datums = append(datums, rb.row(s)...)
			slots = append(slots, slotInfo{t: rb.slots[s].t, prev: prev, next: -1, group: g, matched: rb.slots[s].matched})
			if prev >= 0 {
				slots[prev].next = n
			}
			prev = n
		}
		groups = append(groups, keyGroup{hash: grp.hash, off: int32(len(arena)), n: grp.n, head: moved[grp.head], tail: prev})
		arena = append(arena, rb.key(&grp)...)
	}
	// Times are unchanged, so the heap order still holds.
	expiry := make([]timedSlot, len(rb.expiry), 2*live)
	for i, e := range rb.expiry {
		expiry[i] = timedSlot{t: e.t, slot: moved[e.slot]}
	}
	*rb = rowBuffer{width: rb.width, datums: datums, slots: slots, groups: groups, keys: len(groups), arena: arena, expiry: expiry, text: rb.text}
	size := 16
	for size < 2*rb.keys {
		size *= 2
	}
	rb.reindex(size)
}

// clear drops every row and releases the storage.
func (rb *rowBuffer) clear() { *rb = rowBuffer{width: rb.width} }

func (rb *rowBuffer) pushExpiry(e timedSlot) {
	rb.expiry = append(rb.expiry, e)
	h := rb.expiry
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent].t <= h[i].t {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

// popExpiry removes the earliest entry of the heap and returns its slot.
func (rb *rowBuffer) popExpiry() int32 {
	h := rb.expiry
	top := h[0].slot
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].t < h[least].t {
			least = l
		}
		if r < len(h) && h[r].t < h[least].t {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	rb.expiry = h
	return top
}
