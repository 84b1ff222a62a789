package novelty

import (
	"cmp"
	"encoding/binary"
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
	sorted, rank := s.valueRanks()
	first, order := s.childrenByValue(rank, len(sorted))

	buf := make([]byte, 0, len(s.arena)+10*s.live+64)
	buf = append(buf, magic...)
	buf = binary.AppendVarint(buf, int64(s.opts.MaxNodes))
	buf = binary.AppendVarint(buf, s.opts.HalfLife)
	buf = binary.AppendVarint(buf, s.opts.MinSupport)
	buf = binary.AppendUvarint(buf, uint64(s.arity))
	buf = binary.AppendVarint(buf, s.seq)

	buf = binary.AppendUvarint(buf, uint64(len(sorted)))
	for _, id := range sorted {
		b := arenaBytes(s.arena, id)
		buf = binary.AppendUvarint(buf, uint64(len(b)))
		buf = append(buf, b...)
	}

	buf = binary.AppendUvarint(buf, uint64(s.live))
	children := func(id uint32) []child { return order[first[id]:first[id+1]] }
	buf = binary.AppendUvarint(buf, uint64(s.nodes.at(rootNode).count))
	buf = binary.AppendUvarint(buf, uint64(len(children(rootNode))))
	stack := slices.Clone(children(rootNode))
	slices.Reverse(stack)
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := s.nodes.at(top.id)
		kids := children(top.id)
		buf = binary.AppendUvarint(buf, uint64(top.rank))
		buf = binary.AppendUvarint(buf, uint64(n.count))
		buf = binary.AppendUvarint(buf, uint64(n.lastSeen))
		buf = binary.AppendUvarint(buf, uint64(len(kids)))
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
	return buf
}

// valueKey is a value as valueRanks sorts it: by its text 16 bytes at a
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

// valueRanks returns the ids of the values live nodes hold, sorted by
// their bytes, and their ranks from 1 indexed by id (NULL's is 0).
func (s *Snapshot) valueRanks() (sorted, rank []uint32) {
	rank = make([]uint32, (len(s.arena)+valueAlign-1)/valueAlign)
	var keys []valueKey
	for id := uint32(1); id < s.nodes.len(); id++ {
		n := s.nodes.at(id)
		if n.count > 0 && n.value != nullValue && rank[n.value] == 0 {
			rank[n.value] = 1 // listed
			k := valueKey{id: n.value}
			k.setChunk(arenaBytes(s.arena, n.value), 0)
			keys = append(keys, k)
		}
	}
	sortValues(s.arena, keys, 0)
	sorted = make([]uint32, len(keys))
	for i, k := range keys {
		sorted[i] = k.id
		rank[k.id] = uint32(i + 1)
	}
	return sorted, rank
}

// child is a live node with its value's rank, as the encoder lists it.
type child struct {
	id, rank uint32
}

// childrenByValue lists every node's children ordered by value rank: node
// id's children are order[first[id]:first[id+1]]. It takes linear time:
// the live nodes are counting-sorted by rank, then stably by parent. It
// reads the nodes in id order only, and order carries the ranks, so that
// the encoder need not look them up again.
func (s *Snapshot) childrenByValue(rank []uint32, values int) (first []uint32, order []child) {
	n := s.nodes.len()
	start := make([]uint32, values+1) // by rank, then where its nodes go
	first = make([]uint32, n+1)       // by parent, then where its children go
	nodeRank := make([]uint32, n)
	for id := uint32(1); id < n; id++ {
		if nd := s.nodes.at(id); nd.count > 0 {
			r := rank[nd.value]
			nodeRank[id] = r
			start[r]++
			first[nd.parent]++
		}
	}
	exclusiveSums(start)
	exclusiveSums(first)
	type entry struct{ id, parent, rank uint32 }
	byRank := make([]entry, s.live)
	for id := uint32(1); id < n; id++ {
		if nd := s.nodes.at(id); nd.count > 0 {
			r := nodeRank[id]
			byRank[start[r]] = entry{id: id, parent: nd.parent, rank: r}
			start[r]++
		}
	}
	order = make([]child, s.live)
	for _, e := range byRank {
		order[first[e.parent]] = child{id: e.id, rank: e.rank}
		first[e.parent]++
	}
	// first[p] is now where p's children end, which is where p+1's begin.
	copy(first[1:], first[:n])
	first[0] = 0
	return first, order
}

// exclusiveSums replaces counts by the sum of the counts before each.
func exclusiveSums(counts []uint32) {
	var sum uint32
	for i, c := range counts {
		counts[i] = sum
		sum += c
	}
}
