package novelty

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// The serialised state is canonical: it depends on what the context learnt
// and its options, never on node ids, hash placement or allocation history,
// so equal states give equal bytes. Layout (varints as in encoding/binary):
//
//	magic "NVC1"
//	varint MaxNodes, HalfLife, MinSupport
//	uvarint arity, varint seq
//	uvarint V, then V values (uvarint length, bytes), strictly ascending
//	uvarint node count (root excluded)
//	root: uvarint count, uvarint children
//	each node in pre-order, siblings by value (NULL first):
//	    uvarint value (0 NULL, i for the i-th value), uvarint count,
//	    uvarint lastSeen, uvarint children
//
// Count distributions are not stored: they are rebuilt from the counts.
const magic = "NVC1"

// MarshalBinary returns the context's exact state, options included.
func (c *Context) MarshalBinary() ([]byte, error) {
	sorted, rank := c.valueRanks()
	first, order := c.childrenByValue(rank)

	buf := append([]byte(nil), magic...)
	buf = binary.AppendVarint(buf, int64(c.opts.MaxNodes))
	buf = binary.AppendVarint(buf, c.opts.HalfLife)
	buf = binary.AppendVarint(buf, c.opts.MinSupport)
	buf = binary.AppendUvarint(buf, uint64(c.arity))
	buf = binary.AppendVarint(buf, c.seq)

	buf = binary.AppendUvarint(buf, uint64(len(sorted)))
	for _, id := range sorted {
		b := c.values.bytes(id)
		buf = binary.AppendUvarint(buf, uint64(len(b)))
		buf = append(buf, b...)
	}

	buf = binary.AppendUvarint(buf, uint64(c.live))
	children := func(id uint32) []uint32 { return order[first[id]:first[id+1]] }
	buf = binary.AppendUvarint(buf, uint64(c.nodes.at(rootNode).count))
	buf = binary.AppendUvarint(buf, uint64(len(children(rootNode))))
	stack := slices.Clone(children(rootNode))
	slices.Reverse(stack)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := c.nodes.at(id)
		kids := children(id)
		buf = binary.AppendUvarint(buf, uint64(rank[n.value]))
		buf = binary.AppendUvarint(buf, uint64(n.count))
		buf = binary.AppendUvarint(buf, uint64(n.lastSeen))
		buf = binary.AppendUvarint(buf, uint64(len(kids)))
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
	return buf, nil
}

// valueRanks returns the interned values' ids sorted by their bytes, and
// their ranks from 1 indexed by id (NULL's is 0).
func (c *Context) valueRanks() (sorted, rank []uint32) {
	sorted = c.values.appendIDs(nil)
	slices.SortFunc(sorted, func(a, b uint32) int { return bytes.Compare(c.values.bytes(a), c.values.bytes(b)) })
	rank = make([]uint32, c.values.ids())
	for i, id := range sorted {
		rank[id] = uint32(i + 1)
	}
	return sorted, rank
}

// childrenByValue lists every node's children, ordered by value rank:
// node id's children are order[first[id]:first[id+1]].
func (c *Context) childrenByValue(rank []uint32) (first []int, order []uint32) {
	first = make([]int, int(c.nodes.len())+1)
	for id := uint32(1); id < c.nodes.len(); id++ {
		if c.isLive(id) {
			first[c.nodes.at(id).parent+1]++
		}
	}
	for i := 1; i < len(first); i++ {
		first[i] += first[i-1]
	}
	next := slices.Clone(first)
	order = make([]uint32, c.live)
	for id := uint32(1); id < c.nodes.len(); id++ {
		if c.isLive(id) {
			p := c.nodes.at(id).parent
			order[next[p]] = id
			next[p]++
		}
	}
	for p := range c.nodes.len() {
		slices.SortFunc(order[first[p]:first[p+1]], func(a, b uint32) int {
			return int(rank[c.nodes.at(a).value]) - int(rank[c.nodes.at(b).value])
		})
	}
	return first, order
}

// UnmarshalBinary replaces the context's state, options included, with one
// MarshalBinary returned. On error the context is unchanged.
func (c *Context) UnmarshalBinary(data []byte) error {
	restored, err := decodeContext(data)
	if err != nil {
		return fmt.Errorf("novelty: restoring context: %w", err)
	}
	*c = *restored
	return nil
}

func decodeContext(data []byte) (*Context, error) {
	d := decoder{buf: data}
	if !bytes.HasPrefix(data, []byte(magic)) {
		return nil, errCorrupt("bad magic")
	}
	d.buf = d.buf[len(magic):]
	opts := Options{MaxNodes: int(d.varint()), HalfLife: d.varint(), MinSupport: d.varint()}
	if opts != normalise(opts) {
		return nil, errCorrupt("negative option")
	}
	c := NewContext(opts)
	arity := d.uvarint()
	c.seq = d.varint()
	if d.err != nil {
		return nil, d.err
	}
	if arity > maxArity || c.seq < 0 || (arity == 0) != (c.seq == 0) {
		return nil, errCorrupt("bad arity or sequence")
	}
	c.arity = int(arity)

	byRank, err := c.decodeValues(&d)
	if err != nil {
		return nil, err
	}
	nodes := d.uvarint()
	if err := c.decodeTrie(&d, byRank); err != nil {
		return nil, err
	}
	switch {
	case d.err != nil:
		return nil, d.err
	case len(d.buf) != 0:
		return nil, errCorrupt("trailing bytes")
	case uint64(c.live) != nodes:
		return nil, errCorrupt("node count mismatch")
	}
	if freed, _ := c.values.sweep(c.usedValues()); freed > 0 {
		return nil, errCorrupt("unreferenced value")
	}
	c.rebuildDistributions()
	return c, nil
}

// rankedValue is a decoded value: its id and its text's hash.
type rankedValue struct {
	id   uint32
	hash uint64
}

// decodeValues interns the serialised values and returns them by rank:
// byRank[0] is NULL, byRank[i] the i-th value.
func (c *Context) decodeValues(d *decoder) ([]rankedValue, error) {
	count := d.uvarint()
	byRank := []rankedValue{{nullValue, nullHash}}
	var prev []byte
	for i := uint64(0); i < count && d.err == nil; i++ {
		b := d.bytes(d.uvarint())
		if i > 0 && bytes.Compare(prev, b) >= 0 {
			return nil, errCorrupt("values out of order")
		}
		if !c.values.room(1, len(b)) {
			return nil, errCorrupt("values too large")
		}
		h := c.values.hash(b)
		byRank = append(byRank, rankedValue{c.values.intern(b, h), h})
		prev = b
	}
	return byRank, d.err
}

// trieFrame is a node whose children are being decoded.
type trieFrame struct {
	id        uint32
	remaining uint64 // children still to decode
	mass      int64  // the node's count less its decoded children's
	lastValue uint64 // the previous sibling's value, + 1; 0 before the first
}

func (c *Context) decodeTrie(d *decoder, byRank []rankedValue) error {
	root := c.nodes.at(rootNode)
	root.count = int64(d.uvarint())
	if root.count < 0 || root.count > c.seq {
		return errCorrupt("bad root count")
	}
	stack := []trieFrame{{id: rootNode, remaining: d.uvarint(), mass: root.count}}
	values := uint64(len(byRank) - 1)
	for len(stack) > 0 && d.err == nil {
		top := &stack[len(stack)-1]
		if top.remaining == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		top.remaining--
		value, count, lastSeen, kids := d.uvarint(), int64(d.uvarint()), int64(d.uvarint()), d.uvarint()
		switch {
		case d.err != nil:
			return d.err
		case value > values || value+1 <= top.lastValue:
			return errCorrupt("bad or unordered child value")
		case count < 1 || count > top.mass:
			return errCorrupt("child counts exceed their parent's")
		case lastSeen < 1 || lastSeen > c.seq:
			return errCorrupt("bad last-seen sequence")
		case int(c.nodes.at(top.id).depth) == c.arity:
			return errCorrupt("trie deeper than the arity")
		}
		top.lastValue = value + 1
		top.mass -= count
		v := byRank[value]
		id := c.addChild(top.id, v.id, v.hash)
		c.nodes.at(id).count = count
		c.nodes.at(id).lastSeen = lastSeen
		stack = append(stack, trieFrame{id: id, remaining: kids, mass: count})
	}
	return d.err
}

func errCorrupt(what string) error { return fmt.Errorf("corrupt state: %s", what) }

// decoder reads varints and byte strings, remembering the first error.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 || !minimal(d.buf[:max(n, 0)]) {
		d.err = errCorrupt("truncated or overlong varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 || !minimal(d.buf[:max(n, 0)]) {
		d.err = errCorrupt("truncated or overlong varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// minimal reports whether a varint's bytes are its shortest encoding, so
// that every state has exactly one serialised form.
func minimal(b []byte) bool { return len(b) == 1 || b[len(b)-1] != 0 }

func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.err = errCorrupt("truncated value")
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}
