package novelty

import (
	"math/rand/v2"
	"testing"
)

// checkTree verifies a count tree's order, heap and mass invariants and
// returns its (count -> members) contents.
func checkTree(t *testing.T, f *countForest, root int32, lo, hi int64, into map[int64]int64) int64 {
	t.Helper()
	if root == noTree {
		return 0
	}
	n := f.nodes[root]
	if n.key <= lo || n.key >= hi || n.freq == 0 {
		t.Fatalf("node key %d freq %d outside (%d, %d)", n.key, n.freq, lo, hi)
	}
	for _, child := range []int32{n.left, n.right} {
		if child != noTree && f.above(child, root) {
			t.Fatalf("heap order broken under key %d", n.key)
		}
	}
	into[n.key] = int64(n.freq)
	mass := n.key*int64(n.freq) + checkTree(t, f, n.left, lo, n.key, into) + checkTree(t, f, n.right, n.key, hi, into)
	if mass != n.mass {
		t.Fatalf("key %d: mass %d, want %d", n.key, n.mass, mass)
	}
	return mass
}

func TestCountForestMatchesCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var f countForest
	const trees = 4
	roots := [trees]int32{noTree, noTree, noTree, noTree}
	members := [trees][]int64{} // each member's count
	for step := range 20_000 {
		k := rng.IntN(trees)
		switch ms := members[k]; {
		case len(ms) == 0 || rng.IntN(10) == 0:
			roots[k] = f.moveUp(roots[k], 0)
			members[k] = append(ms, 1)
		case rng.IntN(20) == 0: // remove a member
			i := rng.IntN(len(ms))
			roots[k] = f.add(roots[k], ms[i], -1)
			members[k] = append(ms[:i], ms[i+1:]...)
		default: // a skewed member gets one more
			i := rng.IntN(len(ms)) * rng.IntN(len(ms)) / len(ms)
			roots[k] = f.moveUp(roots[k], ms[i])
			ms[i]++
		}
		if step%97 != 0 {
			continue
		}
		for k := range trees {
			got := map[int64]int64{}
			checkTree(t, &f, roots[k], 0, 1<<62, got)
			want := map[int64]int64{}
			var maxCount int64
			for _, c := range members[k] {
				want[c]++
				maxCount = max(maxCount, c)
			}
			if len(got) != len(want) {
				t.Fatalf("step %d tree %d: %d distinct counts, want %d", step, k, len(got), len(want))
			}
			for c, n := range want {
				if got[c] != n {
					t.Fatalf("step %d tree %d: count %d has %d members, want %d", step, k, c, got[c], n)
				}
			}
			for c := int64(0); c <= maxCount+1; c++ {
				var above int64
				for _, m := range members[k] {
					if m > c {
						above += m
					}
				}
				if g := f.greater(roots[k], c); g != above {
					t.Fatalf("step %d tree %d: greater(%d) = %d, want %d", step, k, c, g, above)
				}
			}
		}
	}
	live := 0
	for k := range trees {
		live += len(checkTreeKeys(t, &f, roots[k]))
	}
	if live+len(f.free) != len(f.nodes) {
		t.Errorf("%d live + %d free != %d pool nodes", live, len(f.free), len(f.nodes))
	}
}

func checkTreeKeys(t *testing.T, f *countForest, root int32) map[int64]int64 {
	m := map[int64]int64{}
	checkTree(t, f, root, 0, 1<<62, m)
	return m
}

func TestIDTableRemoveKeepsEveryOtherIDFindable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tbl := newIDTable()
	fps := map[uint32]uint32{} // id -> fingerprint
	find := func(fp, id uint32) bool {
		for i := tbl.home(fp); ; i = tbl.next(i) {
			s := tbl.slots[i]
			if s == 0 {
				return false
			}
			if slotFP(s) == fp && slotID(s) == id {
				return true
			}
		}
	}
	for id := range uint32(5000) {
		// Few distinct high bits: long clusters that wrap around.
		fp := uint32(rng.IntN(16))<<28 | uint32(rng.IntN(1<<10))
		tbl.insert(fp, id)
		fps[id] = fp
		if rng.IntN(3) == 0 {
			victim := uint32(rng.IntN(int(id) + 1))
			if vfp, ok := fps[victim]; ok {
				tbl.remove(vfp, victim)
				delete(fps, victim)
			}
		}
	}
	if tbl.live != len(fps) {
		t.Fatalf("live %d, want %d", tbl.live, len(fps))
	}
	for id, fp := range fps {
		if !find(fp, id) {
			t.Fatalf("id %d lost", id)
		}
	}
}
