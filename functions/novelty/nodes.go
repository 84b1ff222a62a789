package novelty

import (
	"slices"
	"unsafe"
)

// nodeStore holds the trie's nodes in fixed-size chunks: growing never
// copies nodes and wastes at most one partly used chunk, where one slice
// would copy everything and keep up to a quarter spare.
//
// Chunks are copy-on-write: freeze hands out the current chunks, read
// only, in O(chunks), and the store copies a chunk the first time it
// writes to it after each freeze (whether or not the frozen view is still
// in use). So a snapshot can be encoded while the context goes on
// learning, and a checkpoint costs the observing path at most one copy of
// each chunk. Writes therefore go through mut, never through at.
type nodeStore struct {
	chunks [][]node
	// owner[i] is the generation in which chunks[i] was made or copied.
	// A chunk of an earlier generation may be shared with a frozen view.
	owner []uint64
	gen   uint64 // bumped by every freeze
	n     int    // ids in use or freed: every id < n
}

const (
	chunkBits = 14
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

// at returns node id for reading; the pointer must not be written through.
func (s *nodeStore) at(id uint32) *node { return &s.chunks[id>>chunkBits][id&chunkMask] }

// mut returns node id for writing, first copying its chunk if a frozen
// view may share it. A pointer from at, or from mut before a freeze, may
// point into a shared chunk: take pointers for writing from mut only.
func (s *nodeStore) mut(id uint32) *node {
	i := id >> chunkBits
	if s.owner[i] != s.gen {
		s.chunks[i] = slices.Clone(s.chunks[i])
		s.owner[i] = s.gen
	}
	return &s.chunks[i][id&chunkMask]
}

// len returns one more than the largest id ever handed out.
func (s *nodeStore) len() uint32 { return uint32(s.n) }

// add appends a node and returns its id.
func (s *nodeStore) add(n node) uint32 {
	if s.n&chunkMask == 0 {
		s.chunks = append(s.chunks, make([]node, chunkSize))
		s.owner = append(s.owner, s.gen)
	}
	id := uint32(s.n)
	s.n++
	*s.mut(id) = n
	return id
}

// freeze returns the nodes as they are now. The view stays unchanged
// whatever the store does next, and may be read from other goroutines.
func (s *nodeStore) freeze() frozenNodes {
	s.gen++
	return frozenNodes{chunks: slices.Clone(s.chunks), n: s.n}
}

// view returns the nodes as they are now without freezing them: the view
// is only valid until the store's next write.
func (s *nodeStore) view() frozenNodes { return frozenNodes{chunks: s.chunks, n: s.n} }

func (s *nodeStore) size() int64 {
	return int64(len(s.chunks))*chunkSize*int64(unsafe.Sizeof(node{})) + int64(cap(s.chunks))*24 + int64(cap(s.owner))*8
}

// frozenNodes is a read-only view of a nodeStore (see freeze and view).
type frozenNodes struct {
	chunks [][]node
	n      int
}

func (f *frozenNodes) at(id uint32) *node { return &f.chunks[id>>chunkBits][id&chunkMask] }

func (f *frozenNodes) len() uint32 { return uint32(f.n) }
