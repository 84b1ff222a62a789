package novelty

import (
	"unsafe"

	"github.com/novelty-db/novelty/types"
)

// scratch is per-call working space, reused so that steady-state calls do
// not allocate. It is not part of a context's state.
type scratch struct {
	text  []byte     // the text of components that are not strings, back to back
	parts []part     // one per component of the current call
	heap  []evictKey // eviction candidates
	used  []uint64   // bitset of value ids held by nodes
}

// part is one component of the observation being scored.
type part struct {
	// text is the component's text, read only: the Datum's own string or
	// part of scratch.text. Empty for NULL.
	text    []byte
	null    bool   // NULL: no text
	hash    uint64 // the text's hash; nullHash for NULL
	value   uint32
	known   bool   // value is interned (always after Observe interns it)
	node    uint32 // the trie node of the prefix ending here (Observe only)
	n       int64  // observations with the prefix before this component
	c       int64  // observations with the prefix including it
	greater int64  // mass of the prefix's children seen more often than this one
}

// encode splits the observation into parts and returns them with the total
// bytes of their text.
func (s *scratch) encode(ds []types.Datum) ([]part, int) {
	s.text = s.text[:0]
	if cap(s.parts) < len(ds) {
		s.parts = make([]part, len(ds))
	}
	s.parts = s.parts[:len(ds)]
	parts := s.parts
	bytes := 0
	for i := range ds {
		d := &ds[i]
		p := &parts[i]
		*p = part{null: d.IsNull()}
		switch {
		case p.null:
		case d.Typ == types.Text || d.Typ == types.Varchar:
			// Their text is the string itself: use it in place.
			p.text = unsafe.Slice(unsafe.StringData(d.S), len(d.S))
		default:
			// Growing s.text copies it and never rewrites the old array,
			// so earlier parts' text stays valid.
			start := len(s.text)
			s.text = appendComponent(s.text, *d)
			p.text = s.text[start:len(s.text):len(s.text)]
		}
		bytes += len(p.text)
	}
	return parts, bytes
}

func (s *scratch) size() int64 {
	return int64(cap(s.text)) + int64(cap(s.parts))*int64(unsafe.Sizeof(part{})) +
		int64(cap(s.heap))*int64(unsafe.Sizeof(evictKey{})) + int64(cap(s.used))*8
}
