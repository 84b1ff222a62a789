package novelty

import "unsafe"

// nodeStore holds the trie's nodes in fixed-size chunks: growing never
// copies nodes and wastes at most one partly used chunk, where one slice
// would copy everything and keep up to a quarter spare.
type nodeStore struct {
	chunks [][]node
	n      int // ids in use or freed: every id < n
}

const (
	chunkBits = 14
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

func (s *nodeStore) at(id uint32) *node { return &s.chunks[id>>chunkBits][id&chunkMask] }

// len returns one more than the largest id ever handed out.
func (s *nodeStore) len() uint32 { return uint32(s.n) }

// add appends a node and returns its id.
func (s *nodeStore) add(n node) uint32 {
	if s.n&chunkMask == 0 {
		s.chunks = append(s.chunks, make([]node, chunkSize))
	}
	id := uint32(s.n)
	s.n++
	*s.at(id) = n
	return id
}

func (s *nodeStore) size() int64 {
	return int64(len(s.chunks))*chunkSize*int64(unsafe.Sizeof(node{})) + int64(cap(s.chunks))*24
}
