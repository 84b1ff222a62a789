package novelty

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"slices"
	"unsafe"
)

// valueSet interns the text of component values: one copy of each distinct
// value per context. A value's id is its position in the arena divided by
// valueAlign, so going from an id to the bytes needs no table. Id 0 is
// NULL, which is never interned, so it cannot equal any real value (the
// empty string included). Values no trie node holds any more are freed by
// sweep, which the context runs after it removed nodes.
//
// The arena is pointer-free; each value is its length as a uvarint and its
// bytes. Bytes once written are never modified: compaction copies live
// values into a new arena. That is what makes str safe to hand out without
// copying.
type valueSet struct {
	// seed randomises table placement against crafted collisions; placement
	// never decides a result or the serialised state.
	seed    maphash.Seed
	table   idTable // the interned values' ids
	arena   []byte
	garbage int // arena bytes of freed values
}

// nullValue is the id of NULL.
const nullValue uint32 = 0

// valueAlign is the arena alignment of values: ids address up to
// valueAlign × 4 GiB of arena.
const valueAlign = 4

// maxArena bounds the arena so that every id fits in a uint32.
const maxArena = valueAlign << 32

// compactMin is the garbage, in bytes, below which the arena is never
// compacted: compacting tiny arenas is not worth the copy.
const compactMin = 64 << 10

func newValueSet() valueSet {
	return valueSet{seed: maphash.MakeSeed(), table: newIDTable(), arena: make([]byte, valueAlign)}
}

func (v *valueSet) hash(b []byte) uint64 { return maphash.Bytes(v.seed, b) }

// ids returns one more than the largest id the arena can hold now.
func (v *valueSet) ids() int { return (len(v.arena) + valueAlign - 1) / valueAlign }

// room reports whether values totalling n bytes fit in the arena.
func (v *valueSet) room(values, n int) bool {
	return len(v.arena)+n+values*(binary.MaxVarintLen64+valueAlign) <= maxArena
}

// hashOf returns hash of the value's text, as lookups compute it from the
// component (see childHash); NULL's is nullHash.
func (v *valueSet) hashOf(id uint32) uint64 {
	if id == nullValue {
		return nullHash
	}
	return v.hash(v.bytes(id))
}

// nullHash stands for NULL's text hash. A real value may hash the same:
// hashes only place keys, equality is always checked on ids.
const nullHash uint64 = 0

// find returns the id of the value b, whose hash is h, if it is interned.
func (v *valueSet) find(b []byte, h uint64) (uint32, bool) {
	fp := fingerprint(h)
	for i := v.table.home(fp); ; i = v.table.next(i) {
		s := v.table.slots[i]
		if s == 0 {
			return 0, false
		}
		if slotFP(s) == fp {
			if id := slotID(s); bytes.Equal(v.bytes(id), b) {
				return id, true
			}
		}
	}
}

// intern returns the id of b, whose hash is h, adding it if it is new. The
// caller has checked there is room.
func (v *valueSet) intern(b []byte, h uint64) uint32 {
	fp := fingerprint(h)
	for i := v.table.home(fp); ; i = v.table.next(i) {
		s := v.table.slots[i]
		if s == 0 {
			break
		}
		if slotFP(s) == fp {
			if id := slotID(s); bytes.Equal(v.bytes(id), b) {
				return id
			}
		}
	}
	return v.add(b, h)
}

// add adds b, whose hash is h and which is not interned, and returns its
// id. The caller has checked there is room.
func (v *valueSet) add(b []byte, h uint64) uint32 {
	id := v.appendValue(b)
	v.table.insert(fingerprint(h), id)
	return id
}

// appendValue writes b at the end of the arena and returns its id.
func (v *valueSet) appendValue(b []byte) uint32 {
	for len(v.arena)%valueAlign != 0 {
		v.arena = append(v.arena, 0)
	}
	id := uint32(len(v.arena) / valueAlign)
	v.arena = binary.AppendUvarint(v.arena, uint64(len(b)))
	v.arena = append(v.arena, b...)
	return id
}

// bytes returns the value's text; the caller must not modify it.
func (v *valueSet) bytes(id uint32) []byte { return arenaBytes(v.arena, id) }

// arenaBytes returns the text of value id in arena.
func arenaBytes(arena []byte, id uint32) []byte {
	b := arena[uint64(id)*valueAlign:]
	n, size := binary.Uvarint(b)
	return b[size : uint64(size)+n : uint64(size)+n]
}

// frozen returns the arena as it is now. Arena bytes are never rewritten
// (values are appended; compaction makes a new arena), so the returned
// slice stays unchanged while the set goes on.
func (v *valueSet) frozen() []byte { return v.arena[:len(v.arena):len(v.arena)] }

// str returns the value's text as a string without copying. The string
// stays valid and unchanged for ever: arena bytes are never rewritten.
func (v *valueSet) str(id uint32) string {
	b := v.bytes(id)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// compare orders two values by their bytes, NULL first.
func (v *valueSet) compare(a, b uint32) int {
	switch {
	case a == b:
		return 0
	case a == nullValue:
		return -1
	case b == nullValue:
		return 1
	}
	return bytes.Compare(v.bytes(a), v.bytes(b))
}

// appendIDs appends the id of every interned value, in no particular order.
func (v *valueSet) appendIDs(dst []uint32) []uint32 {
	for _, s := range v.table.slots {
		if s != 0 {
			dst = append(dst, slotID(s))
		}
	}
	return dst
}

// sweep frees every value whose id's bit is clear in used (a bitset over
// ids) and returns how many it freed. When that leaves the arena mostly
// garbage it compacts it and returns the ids' renumbering (new id by old
// id); nil otherwise.
func (v *valueSet) sweep(used []uint64) (freed int, renumber []uint32) {
	dead := v.appendIDs(nil)
	n := 0
	for _, id := range dead {
		if used[id/64]&(1<<(id%64)) == 0 {
			dead[n] = id
			n++
		}
	}
	for _, id := range dead[:n] {
		b := v.bytes(id)
		v.table.remove(fingerprint(v.hash(b)), id)
		_, prefix := binary.Uvarint(v.arena[uint64(id)*valueAlign:])
		v.garbage += prefix + len(b)
	}
	if v.garbage > compactMin && v.garbage > len(v.arena)/2 {
		return n, v.compact()
	}
	return n, nil
}

// compact copies the live values into a new arena, in their old order, and
// returns the ids' renumbering. The old arena stays untouched for strings
// still referring to it.
func (v *valueSet) compact() []uint32 {
	renumber := make([]uint32, v.ids())
	old := v.arena
	v.arena = make([]byte, valueAlign, len(old)-v.garbage+valueAlign)
	ids := v.appendIDs(nil)
	slices.Sort(ids)
	for _, id := range ids {
		b := old[uint64(id)*valueAlign:]
		n, size := binary.Uvarint(b)
		renumber[id] = v.appendValue(b[size : uint64(size)+n])
	}
	for i, s := range v.table.slots {
		if s != 0 {
			v.table.slots[i] = uint64(slotFP(s))<<32 | uint64(renumber[slotID(s)]+1)
		}
	}
	v.garbage = 0
	return renumber
}

// size estimates the bytes the set holds.
func (v *valueSet) size() int64 {
	return int64(cap(v.table.slots))*8 + int64(cap(v.arena))
}
