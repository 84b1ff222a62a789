package functions

import (
	"math"
	"slices"

	"github.com/novelty-db/novelty/types"
)

// approx_percentile(x, p) is percentile_cont(p): the value at rank
// p*(n-1) of the sorted inputs, interpolating between neighbours. Below
// percentileLevelSize values it is exact. Beyond that it is a
// deterministic compactor sketch (Munro-Paterson style): each level holds
// up to percentileLevelSize values of weight 2^level; a full level is
// sorted and every other value (alternating the starting one between
// compactions) moves up a level with twice the weight. Memory is
// O(percentileLevelSize * log(n)); the rank error is at most about
// log2(n/percentileLevelSize)/percentileLevelSize of n, e.g. 1% at ten
// million values, and much less in practice.
//
// Merging two states concatenates their levels and compacts the full
// ones, so two exact states whose values together stay exact merge
// exactly. A compaction shifts any rank by at most its level's weight and
// takes at least percentileLevelSize-1 values, so merged sketches keep
// the bound above.
const percentileLevelSize = 1024

type percentileState struct {
	p      float64
	pSet   bool
	levels [][]float64
	odd    []bool // per level: start the next compaction at the second value
}

func (s *percentileState) Add(args []types.Datum) error {
	if args[0].IsNull() || args[1].IsNull() {
		return nil
	}
	if p := args[1].F; !s.pSet {
		if p < 0 || p > 1 || math.IsNaN(p) {
			return types.Errorf(types.CodeNumericValueOutOfRange, "percentile value %g is not between 0 and 1", p)
		}
		s.p, s.pSet = p, true
	}
	if len(s.levels) == 0 {
		s.levels = [][]float64{make([]float64, 0, percentileLevelSize)}
		s.odd = []bool{false}
	}
	s.levels[0] = append(s.levels[0], args[0].F)
	for level := 0; level < len(s.levels) && len(s.levels[level]) >= percentileLevelSize; level++ {
		s.compact(level)
	}
	return nil
}

func (s *percentileState) compact(level int) {
	if level+1 == len(s.levels) {
		s.levels = append(s.levels, make([]float64, 0, percentileLevelSize))
		s.odd = append(s.odd, false)
	}
	values := s.levels[level]
	slices.Sort(values)
	// Of an odd count (possible once states were merged) the largest stays, so
	// the total weight is kept exactly.
	kept := len(values) % 2
	start := 0
	if s.odd[level] {
		start = 1
	}
	s.odd[level] = !s.odd[level]
	for i := start; i < len(values)-kept; i += 2 {
		s.levels[level+1] = append(s.levels[level+1], values[i])
	}
	s.levels[level] = append(values[:0], values[len(values)-kept:]...)
}

func (s *percentileState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil {
		return err
	}
	if !s.pSet {
		s.p, s.pSet = o.p, o.pSet
	}
	for len(s.levels) < len(o.levels) {
		s.levels = append(s.levels, make([]float64, 0, percentileLevelSize))
		s.odd = append(s.odd, false)
	}
	for level, values := range o.levels {
		s.levels[level] = append(s.levels[level], values...)
	}
	for level := 0; level < len(s.levels); level++ {
		if len(s.levels[level]) >= percentileLevelSize {
			s.compact(level)
		}
	}
	return nil
}

func (s *percentileState) Clone() AggState {
	c := &percentileState{p: s.p, pSet: s.pSet, odd: slices.Clone(s.odd), levels: make([][]float64, len(s.levels))}
	for i, values := range s.levels {
		c.levels[i] = slices.Clone(values)
	}
	return c
}

type weighted struct {
	v float64
	w int64
}

func (s *percentileState) Result() types.Datum {
	var items []weighted
	var total int64
	for level, values := range s.levels {
		for _, v := range values {
			items = append(items, weighted{v, 1 << level})
			total += 1 << level
		}
	}
	if total == 0 {
		return types.Null
	}
	slices.SortFunc(items, func(a, b weighted) int {
		c, _ := types.Compare(types.NewFloat(a.v), types.NewFloat(b.v))
		return c
	})
	rank := s.p * float64(total-1)
	lower := math.Floor(rank)
	lo, hi := valueAtRank(items, int64(lower)), valueAtRank(items, int64(math.Ceil(rank)))
	if lo == hi {
		return types.NewFloat(lo)
	}
	return types.NewFloat(lo + (rank-lower)*(hi-lo))
}

// valueAtRank returns the value at 0-based rank r of the weighted sorted
// items, each standing for w copies of its value.
func valueAtRank(items []weighted, r int64) float64 {
	for _, it := range items {
		if r < it.w {
			return it.v
		}
		r -= it.w
	}
	return items[len(items)-1].v
}
