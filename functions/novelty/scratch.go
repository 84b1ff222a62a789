package novelty

import (
	"unsafe"

	"github.com/novelty-db/novelty/types"
)

// scratch is per-call working space, reused so that steady-state calls do
// not allocate. It is not part of a context's state.
type scratch struct {
	text  []byte     // the components' text, back to back
	parts []part     // one per component of the current call
	heap  []evictKey // eviction candidates
	used  []uint64   // bitset of value ids held by nodes
}

// part is one component of the observation being scored.
type part struct {
	start, end int  // its text in scratch.text
	null       bool // NULL: no text
	value      uint32
	known      bool  // value is interned (always after Observe interns it)
	n          int64 // observations with the prefix before this component
	c          int64 // observations with the prefix including it
	greater    int64 // mass of the prefix's children seen more often than this one
}

func (s *scratch) encode(ds []types.Datum) []part {
	s.text = s.text[:0]
	if cap(s.parts) < len(ds) {
		s.parts = make([]part, len(ds))
	}
	s.parts = s.parts[:len(ds)]
	parts := s.parts
	for i, d := range ds {
		start := len(s.text)
		null := d.IsNull()
		if !null {
			s.text = appendComponent(s.text, d)
		}
		parts[i] = part{start: start, end: len(s.text), null: null}
	}
	return parts
}

func (s *scratch) size() int64 {
	return int64(cap(s.text)) + int64(cap(s.parts))*int64(unsafe.Sizeof(part{})) +
		int64(cap(s.heap))*int64(unsafe.Sizeof(evictKey{})) + int64(cap(s.used))*8
}
