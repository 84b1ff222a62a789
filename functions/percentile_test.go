package functions

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// percentileOf adds values (with percentile p) to parts cut at the given
// points, and merges the parts' states in order.
func percentileOf(t *testing.T, values []float64, p float64, cuts []int) *percentileState {
	t.Helper()
	var merged *percentileState
	from := 0
	for _, to := range append(cuts, len(values)) {
		s := &percentileState{}
		for _, v := range values[from:to] {
			if err := s.Add([]types.Datum{types.NewFloat(v), types.NewFloat(p)}); err != nil {
				t.Fatal(err)
			}
		}
		from = to
		if merged == nil {
			merged = s
			continue
		}
		if err := merged.Merge(s.Clone()); err != nil {
			t.Fatal(err)
		}
	}
	return merged
}

// TestPercentileMerge: exact states merge exactly while the values stay
// below percentileLevelSize; merged sketches keep the documented rank
// error bound, n*(log2(n/L)+1)/(L-1) for level size L.
func TestPercentileMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 500, percentileLevelSize - 1, percentileLevelSize, 3000, 20000, 200000} {
		for range 10 {
			values := make([]float64, n)
			for i := range values {
				values[i] = math.Round(r.NormFloat64() * 1000)
			}
			p := r.Float64()
			var cuts []int
			for range 1 + r.IntN(4) {
				cuts = append(cuts, r.IntN(n+1))
			}
			slices.Sort(cuts)
			merged := percentileOf(t, values, p, cuts)
			all := percentileOf(t, values, p, nil)
			got, want := merged.Result(), all.Result()
			if n < percentileLevelSize {
				if got != want {
					t.Fatalf("n=%d cuts=%v: merged %s, added %s", n, cuts, show(got), show(want))
				}
				continue
			}
			var total int64
			for level, vs := range merged.levels {
				total += int64(len(vs)) << level
			}
			if total != int64(n) {
				t.Fatalf("n=%d cuts=%v: merged sketch weighs %d", n, cuts, total)
			}
			sorted := slices.Sorted(slices.Values(values))
			// The result's rank range in the data, against the target rank.
			lo, _ := slices.BinarySearch(sorted, math.Floor(got.F))
			hi, _ := slices.BinarySearch(sorted, math.Floor(got.F)+1)
			target := p * float64(n-1)
			bound := float64(n) * (math.Log2(float64(n)/percentileLevelSize) + 1) / (percentileLevelSize - 1)
			if target < float64(lo)-bound || target > float64(hi)+bound {
				t.Fatalf("n=%d cuts=%v p=%g: merged result %g has ranks [%d, %d], target %g, bound %g", n, cuts, p, got.F, lo, hi, target, bound)
			}
		}
	}
}

func TestPercentileCloneIsIndependent(t *testing.T) {
	s := percentileOf(t, []float64{1, 2, 3}, 0.5, nil)
	c := s.Clone()
	for range 2 * percentileLevelSize {
		if err := c.Add([]types.Datum{types.NewFloat(100), types.NewFloat(0.5)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Result(); got.F != 2 {
		t.Errorf("adding to the clone changed the original's median to %g", got.F)
	}
}
