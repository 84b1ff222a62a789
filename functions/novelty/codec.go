package novelty

import (
	"bytes"
	"encoding/binary"
	"fmt"
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
	return c.state(c.nodes.view()).Encode(), nil
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
	if count > uint64(len(d.buf)) {
		return nil, errCorrupt("more values than bytes")
	}
	c.values.table.reserve(int(count))
	byRank := make([]rankedValue, 1, count+1)
	byRank[0] = rankedValue{nullValue, nullHash}
	var prev []byte
	for i := uint64(0); i < count && d.err == nil; i++ {
		b := d.bytes(d.uvarint())
		if i > 0 && bytes.Compare(prev, b) >= 0 {
			return nil, errCorrupt("values out of order")
		}
		if !c.values.room(1, len(b)) {
			return nil, errCorrupt("values too large")
		}
		// Strictly ascending, so distinct: added without a lookup.
		h := c.values.hash(b)
		byRank = append(byRank, rankedValue{c.values.add(b, h), h})
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
	root := c.nodes.mut(rootNode)
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
		n := c.nodes.mut(id)
		n.count, n.lastSeen = count, lastSeen
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
