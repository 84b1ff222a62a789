package functions

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// TestHLLMergeIsExact: merging sketches of random parts gives the very
// state of adding every value to one sketch, in the exact mode, across
// the switch to registers, and between registers.
func TestHLLMergeIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 10, hllSparseLimit, hllSparseLimit + 1, 400, 600, 5000, 50000} {
		for range 20 {
			values := make([]types.Datum, n)
			for i := range values {
				// About n/2 distinct values, so the parts overlap.
				values[i] = types.NewInt(r.Int64N(int64(n/2 + 1)))
			}
			all := &hllState{}
			for _, v := range values {
				if err := all.Add([]types.Datum{v}); err != nil {
					t.Fatal(err)
				}
			}
			cut := r.IntN(n + 1)
			left, right := &hllState{}, &hllState{}
			for i, v := range values {
				part := left
				if i >= cut {
					part = right
				}
				if err := part.Add([]types.Datum{v}); err != nil {
					t.Fatal(err)
				}
			}
			if err := left.Merge(right); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(left.sparse, all.sparse) || !slices.Equal(left.registers, all.registers) || (left.registers == nil) != (all.registers == nil) {
				t.Fatalf("n=%d cut=%d: merged state (%d hashes, dense %v) differs from adding all (%d hashes, dense %v)",
					n, cut, len(left.sparse), left.registers != nil, len(all.sparse), all.registers != nil)
			}
			if left.Result() != all.Result() {
				t.Fatalf("n=%d cut=%d: merged %d, added %d", n, cut, left.Result().I, all.Result().I)
			}
		}
	}
}

func TestHLLCloneIsIndependent(t *testing.T) {
	for _, n := range []int{5, 2000} {
		s := &hllState{}
		for i := range n {
			if err := s.Add([]types.Datum{types.NewInt(int64(i))}); err != nil {
				t.Fatal(err)
			}
		}
		c := s.Clone().(*hllState)
		want := s.Result()
		for i := range 3000 {
			if err := c.Add([]types.Datum{types.NewInt(int64(n + i))}); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.Result(); got != want {
			t.Errorf("n=%d: adding to the clone changed the original: %d, was %d", n, got.I, want.I)
		}
	}
}
