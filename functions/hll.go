package functions

import (
	"math"
	"math/bits"
	"slices"

	"github.com/novelty-db/novelty/types"
)

// approx_count_distinct is a HyperLogLog sketch: exact for the first
// hllSparseLimit distinct values (it keeps their 64-bit hashes), then 2^12
// one-byte registers, a standard error of 1.04/sqrt(4096) = 1.6%. Values
// are hashed from types.AppendKey with FNV-1a and a 64-bit finaliser, so
// the estimate is deterministic, and values Equal to each other (1 and
// 1.0) count once.
const (
	hllPrecision   = 12
	hllRegisters   = 1 << hllPrecision
	hllMaxRank     = 64 - hllPrecision + 1
	hllSparseLimit = 256
)

type hllState struct {
	sparse    []uint64 // sorted distinct hashes, until dense is made
	registers []uint8  // nil while sparse
	key       []byte   // scratch for AppendKey
}

func (s *hllState) Add(args []types.Datum) error {
	if args[0].IsNull() {
		return nil
	}
	s.key = types.AppendKey(s.key[:0], args[0])
	h := hash64(s.key)
	if s.registers != nil {
		s.addDense(h)
		return nil
	}
	i, found := slices.BinarySearch(s.sparse, h)
	if found {
		return nil
	}
	if len(s.sparse) < hllSparseLimit {
		s.sparse = slices.Insert(s.sparse, i, h)
		return nil
	}
	s.registers = make([]uint8, hllRegisters)
	for _, old := range s.sparse {
		s.addDense(old)
	}
	s.sparse = nil
	s.addDense(h)
	return nil
}

func (s *hllState) addDense(h uint64) {
	idx := h >> (64 - hllPrecision)
	rank := uint8(min(bits.LeadingZeros64(h<<hllPrecision)+1, hllMaxRank))
	if rank > s.registers[idx] {
		s.registers[idx] = rank
	}
}

func (s *hllState) Result() types.Datum {
	if s.registers == nil {
		return types.NewInt(int64(len(s.sparse)))
	}
	return types.NewInt(int64(math.Round(s.estimate())))
}

// estimate is Ertl's improved raw estimator ("New cardinality estimation
// algorithms for HyperLogLog sketches", 2017), which needs neither bias
// tables nor a switch to linear counting for small cardinalities.
func (s *hllState) estimate() float64 {
	var counts [hllMaxRank + 1]float64 // registers holding each rank
	for _, r := range s.registers {
		counts[r]++
	}
	const m = float64(hllRegisters)
	z := m * hllTau(1-counts[hllMaxRank]/m)
	for k := hllMaxRank - 1; k >= 1; k-- {
		z = 0.5 * (z + counts[k])
	}
	z += m * hllSigma(counts[0]/m)
	return m * m / (2 * math.Ln2 * z)
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}

// hash64 is FNV-1a followed by murmur3's finaliser, which spreads FNV's
// weak high bits over the whole word as HyperLogLog needs.
func hash64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
