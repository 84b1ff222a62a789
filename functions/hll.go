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
//
// The state is a function of the set of hashes added, so merging two
// states (a union of the exact sets, a register-wise maximum of the
// sketches) gives exactly the state of adding all their values to one.
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
	s.toDense()
	s.addDense(h)
	return nil
}

// toDense moves the exact set of hashes into registers.
func (s *hllState) toDense() {
	s.registers = make([]uint8, hllRegisters)
	for _, h := range s.sparse {
		s.addDense(h)
	}
	s.sparse = nil
}

func (s *hllState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil {
		return err
	}
	switch {
	case s.registers != nil && o.registers != nil:
		for i, r := range o.registers {
			s.registers[i] = max(s.registers[i], r)
		}
	case s.registers != nil:
		for _, h := range o.sparse {
			s.addDense(h)
		}
	case o.registers != nil:
		for _, h := range s.sparse {
			o.addDense(h)
		}
		s.registers, s.sparse = o.registers, nil
	default:
		s.sparse = unionSorted(s.sparse, o.sparse)
		if len(s.sparse) > hllSparseLimit {
			s.toDense()
		}
	}
	return nil
}

func (s *hllState) Clone() AggState {
	return &hllState{sparse: slices.Clone(s.sparse), registers: slices.Clone(s.registers)}
}

// unionSorted returns the sorted distinct union of two sorted sets.
func unionSorted(a, b []uint64) []uint64 {
	if len(b) == 0 {
		return a
	}
	out := make([]uint64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
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
