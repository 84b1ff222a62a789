package novelty

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// Snapshot is a context's state frozen at one moment, so that it can be
// serialised while the context goes on learning: a checkpoint then holds
// up observations only for the freeze. It reads nothing the context
// writes to afterwards.
type Snapshot struct {
	opts  Options
	arity int
	seq   int64
	live  int
	nodes frozenNodes
	arena []byte // the values' text; only live nodes' values are read
}

// Snapshot freezes the context's state in O(nodes / 16384) time. The
// snapshot's Encode returns what MarshalBinary returns now, whatever the
// context learns afterwards, and may run on another goroutine meanwhile
// (the context itself stays serialised by its caller as usual). The price
// is paid by the context: the first write to each chunk of 16384 nodes
// after a freeze copies that chunk.
func (c *Context) Snapshot() *Snapshot { return c.state(c.nodes.freeze()) }

// state is the context's state over the given view of its nodes.
func (c *Context) state(nodes frozenNodes) *Snapshot {
	return &Snapshot{opts: c.opts, arity: c.arity, seq: c.seq, live: c.live, nodes: nodes, arena: c.values.frozen()}
}

// Encode returns the serialised state (layout: see magic).
func (s *Snapshot) Encode() []byte {
	p := s.plan()
	// The header's and the counts' varints take at most 9 × MaxVarintLen64.
	buf := make([]byte, 0, len(magic)+9*binary.MaxVarintLen64+p.size)
	buf = append(buf, magic...)
	buf = binary.AppendVarint(buf, int64(s.opts.MaxNodes))
	buf = binary.AppendVarint(buf, s.opts.HalfLife)
	buf = binary.AppendVarint(buf, s.opts.MinSupport)
	buf = binary.AppendUvarint(buf, uint64(s.arity))
	buf = binary.AppendVarint(buf, s.seq)

	buf = appendUvarint(buf, uint64(len(p.values)))
	for _, k := range p.values {
		b := arenaBytes(s.arena, k.id)
		buf = appendUvarint(buf, uint64(len(b)))
		buf = append(buf, b...)
	}

	buf = appendUvarint(buf, uint64(s.live))
	buf = appendUvarint(buf, uint64(s.nodes.at(rootNode).count))
	buf = appendUvarint(buf, uint64(p.rootKids))
	// Pre-order from the order alone: each entry says where its children
	// are, so the walk never goes back to the nodes.
	stack := make([]span, 1, s.arity+1)
	stack[0] = span{next: 0, end: p.rootKids}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == top.end {
			stack = stack[:len(stack)-1]
			continue
		}
		e := &p.order[top.next]
		top.next++
		buf = appendUvarint(buf, uint64(e.rank))
		buf = appendUvarint(buf, uint64(e.count))
		buf = appendUvarint(buf, uint64(e.lastSeen))
		buf = appendUvarint(buf, uint64(e.kids))
		if e.kids > 0 {
			stack = append(stack, span{next: e.first, end: e.first + e.kids})
		}
	}
	return buf
}

// span is the children of a node still to be written: order[next:end].
type span struct{ next, end uint32 }

// appendUvarint is binary.AppendUvarint with the one-byte case inlined:
// most node fields are small.
func appendUvarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return binary.AppendUvarint(b, v)
}

// uvarintLen is the length of v as a uvarint.
func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// encodeNode is a live node as the encoder writes it, with its value's
// rank and where its own children lie in the plan's order.
type encodeNode struct {
	count, lastSeen int64
	rank            uint32
	first, kids     uint32 // its children are order[first : first+kids]
}

// encodePlan is what Encode writes, in its order.
type encodePlan struct {
	values   []valueKey   // the live nodes' values, sorted by their text
	order    []encodeNode // every node's children, ordered by value rank
	rootKids uint32       // the root's children are order[:rootKids]
	size     int          // bytes the values, nodes and their fields take
}

// plan sorts the values and lists every node's children by value rank,
// each carrying its fields, so that the encoder writes from the order
// alone. The live nodes are counting-sorted by parent, reading the nodes
// in id order, then each node's children are sorted by rank where they
// lie: that writes to one place per parent at a time, where sorting by
// rank first would write all over the order.
func (s *Snapshot) plan() encodePlan {
	n := s.nodes.len()
	ids := (len(s.arena) + valueAlign - 1) / valueAlign
	held := make([]uint64, (ids+63)/64) // by value id: whether a live node holds it
	first := make([]uint32, n+1)        // by parent: its children's count, then where they start
	for id := uint32(1); id < n; id++ {
		if nd := s.nodes.at(id); nd.count > 0 {
			held[nd.value/64] |= 1 << (nd.value % 64)
			first[nd.parent]++
		}
	}
	var p encodePlan
	p.values = s.heldValues(held, &p.size)
	sortValues(s.arena, p.values, 0)
	rank := make([]uint32, ids) // by value id; NULL's is 0
	for i, k := range p.values {
		rank[k.id] = uint32(i + 1)
	}

	exclusiveSums(first)
	p.rootKids = first[rootNode+1]
	next := slices.Clone(first) // by parent: where its next child goes
	p.order = make([]encodeNode, s.live)
	for id := uint32(1); id < n; id++ {
		if nd := s.nodes.at(id); nd.count > 0 {
			e := encodeNode{count: nd.count, lastSeen: nd.lastSeen, rank: rank[nd.value],
				first: first[id], kids: first[id+1] - first[id]}
			p.order[next[nd.parent]] = e
			next[nd.parent]++
			p.size += uvarintLen(uint64(e.rank)) + uvarintLen(uint64(e.count)) +
				uvarintLen(uint64(e.lastSeen)) + uvarintLen(uint64(e.kids))
		}
	}
	var siblings siblingSorter
	for id := range n {
		if kids := p.order[first[id]:first[id+1]]; len(kids) > 1 {
			siblings.sort(kids)
		}
	}
	return p
}

// siblingSorter sorts siblings by their values' ranks, which are
// distinct. Families longer than insertionMax are sorted as 8-byte keys
// (rank, position), then moved once, as moving 32-byte nodes on every
// swap costs more; its buffers are reused from family to family.
type siblingSorter struct {
	keys []uint64
	kids []encodeNode
}

// insertionMax is the longest family insertion sort sorts in place.
const insertionMax = 12

func (s *siblingSorter) sort(kids []encodeNode) {
	if len(kids) <= insertionMax {
		for i := 1; i < len(kids); i++ {
			for j := i; j > 0 && kids[j].rank < kids[j-1].rank; j-- {
				kids[j], kids[j-1] = kids[j-1], kids[j]
			}
		}
		return
	}
	s.keys = s.keys[:0]
	for i := range kids {
		s.keys = append(s.keys, uint64(kids[i].rank)<<32|uint64(i))
	}
	slices.Sort(s.keys)
	s.kids = append(s.kids[:0], kids...)
	for i, k := range s.keys {
		kids[i] = s.kids[uint32(k)]
	}
}

// heldValues returns the keys of the values held set, in id order, and
// adds the bytes they take encoded to size. NULL is not listed.
func (s *Snapshot) heldValues(held []uint64, size *int) []valueKey {
	held[nullValue/64] &^= 1 << (nullValue % 64)
	count := 0
	for _, w := range held {
		count += bits.OnesCount64(w)
	}
	keys := make([]valueKey, 0, count)
	for i, w := range held {
		for ; w != 0; w &= w - 1 {
			id := uint32(i*64 + bits.TrailingZeros64(w))
			b := arenaBytes(s.arena, id)
			*size += uvarintLen(uint64(len(b))) + len(b)
			k := valueKey{id: id}
			k.setChunk(b, 0)
			keys = append(keys, k)
		}
	}
	return keys
}

// exclusiveSums replaces counts by the sum of the counts before each.
func exclusiveSums(counts []uint32) {
	var sum uint32
	for i, c := range counts {
		counts[i] = sum
		sum += c
	}
}

// valueKey is a value as plan sorts it: by its text 16 bytes at a
// time from some offset, the texts equal up to there (a multikey sort:
// only values that tie on a chunk have their next chunk read).
type valueKey struct {
	head, next uint64 // the chunk: 16 bytes from the offset, big-endian, zero-padded
	rest       uint8  // bytes from the offset on, up to 17 (17: more than the chunk)
	id         uint32
}

// chunkLen is the bytes of text a valueKey holds.
const chunkLen = 16

// setChunk loads k's chunk of text from offset on.
func (k *valueKey) setChunk(text []byte, offset int) {
	var b [chunkLen]byte
	if offset < len(text) {
		copy(b[:], text[offset:])
	}
	k.head, k.next = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	k.rest = uint8(min(max(len(text)-offset, 0), chunkLen+1))
}

// compareChunks orders keys of texts equal before the offset as their
// texts compare: by chunk, then, as zero padding hides where a text ends,
// the shorter first. Texts longer than the chunk tie when it is equal.
func compareChunks(a, b valueKey) int {
	if c := cmp.Compare(a.head, b.head); c != 0 {
		return c
	}
	if c := cmp.Compare(a.next, b.next); c != 0 {
		return c
	}
	return cmp.Compare(a.rest, b.rest)
}

// sortValues sorts keys, whose chunks are loaded from offset, by their
// values' text.
func sortValues(arena []byte, keys []valueKey, offset int) {
	slices.SortFunc(keys, compareChunks)
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && compareChunks(keys[i], keys[j]) == 0 {
			j++
		}
		if run := keys[i:j]; len(run) > 1 {
			// Equal chunks and more than a chunk of text each (rest 17:
			// shorter texts that tie are equal, which distinct values
			// are not): order them by what follows.
			for k := range run {
				run[k].setChunk(arenaBytes(arena, run[k].id), offset+chunkLen)
			}
			sortValues(arena, run, offset+chunkLen)
		}
		i = j
	}
}
