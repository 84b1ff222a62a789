package novelty

import "unsafe"

// idTable is an open-addressing hash index of ids (linear probing, at most
// 3/4 full). The owner hashes its keys and checks equality itself, so a
// slot is only 8 bytes: the upper 32 bits of the key's hash (which also
// give the home slot) and id+1; 0 marks an empty slot. Lookups are written
// by the owner as a probe loop over slots starting at home(fp):
//
//	for i := t.home(fp); ; i = t.next(i) { s := t.slots[i]; ... }
//
// Deletion shifts the following cluster back, so there are no tombstones.
type idTable struct {
	slots []uint64
	bits  uint32 // len(slots) == 1 << bits
	live  int
}

const minTableBits = 4

func newIDTable() idTable {
	return idTable{slots: make([]uint64, 1<<minTableBits), bits: minTableBits}
}

// fingerprint is the part of a 64-bit hash the table keeps.
func fingerprint(h uint64) uint32 { return uint32(h >> 32) }

func (t *idTable) home(fp uint32) int { return int(fp >> (32 - t.bits)) }

// prefetch starts loading the slot where a lookup of fp begins.
func (t *idTable) prefetch(fp uint32) { prefetch(unsafe.Pointer(&t.slots[t.home(fp)])) }

func (t *idTable) next(i int) int { return (i + 1) & (len(t.slots) - 1) }

func slotFP(s uint64) uint32 { return uint32(s >> 32) }

func slotID(s uint64) uint32 { return uint32(s) - 1 }

// insert adds id under fingerprint fp; the caller has checked it is absent.
func (t *idTable) insert(fp, id uint32) {
	if (t.live+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	t.place(uint64(fp)<<32 | uint64(id+1))
	t.live++
}

func (t *idTable) place(s uint64) {
	i := t.home(slotFP(s))
	for t.slots[i] != 0 {
		i = t.next(i)
	}
	t.slots[i] = s
}

// reserve grows the table to hold n ids without growing again.
func (t *idTable) reserve(n int) {
	bits := t.bits
	for n*4 > (1<<bits)*3 {
		bits++
	}
	if bits > t.bits {
		t.resize(bits)
	}
}

func (t *idTable) grow() { t.resize(t.bits + 1) }

func (t *idTable) resize(bits uint32) {
	old := t.slots
	t.bits = bits
	t.slots = make([]uint64, 1<<t.bits)
	for _, s := range old {
		if s != 0 {
			t.place(s)
		}
	}
}

// remove deletes id, stored under fingerprint fp; it does nothing when
// the id is absent.
func (t *idTable) remove(fp, id uint32) {
	want := uint64(fp)<<32 | uint64(id+1)
	i := t.home(fp)
	for t.slots[i] != want {
		if t.slots[i] == 0 {
			return
		}
		i = t.next(i)
	}
	// Backward-shift deletion: move later members of the cluster into the
	// hole when the hole lies on their probe path from home.
	mask := len(t.slots) - 1
	for j := t.next(i); t.slots[j] != 0; j = t.next(j) {
		h := t.home(slotFP(t.slots[j]))
		if (j-h)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = 0
	t.live--
}
