// Package novelty is the streaming novelty model for categorical data: a
// named context learns observations (ordered lists of component values)
// and scores how unusual each one is given everything seen before. The
// computation is specified in NOVELTY.md; this package is a pure library
// (SQL functions, the engine and persistence wire it in).
package novelty

import (
	"time"
	"unsafe"

	"github.com/novelty-db/novelty/types"
)

// Options bound a context's memory and tune its warm-up. They are part of
// the context's state (MarshalBinary keeps them). Negative values act as 0.
type Options struct {
	// MaxNodes is the trie node budget (novelty_max_nodes), not counting
	// the root; 0 means unbounded. Over budget, the lowest-count leaves are
	// evicted until at most MaxNodes - MaxNodes/8 nodes remain, so eviction
	// work is amortised over many observations.
	MaxNodes int
	// HalfLife halves every count after every HalfLife-th observation
	// (novelty_half_life); 0 means never.
	HalfLife int64
	// MinSupport is the number of observations a prefix needs before its
	// next component is scored (novelty_min_support); 0 means off.
	MinSupport int64
}

// Context is one named novelty context: its options, the prefix trie of
// every observation it learnt and the count distributions the scores need.
//
// A Context is not safe for concurrent use, Read included (it uses scratch
// space): callers serialise access, e.g. with one sync.Mutex per context
// held around each call and while consuming the Result.
type Context struct {
	opts  Options
	arity int   // components per observation; 0 until the first one
	seq   int64 // observations learnt

	// nodes is the trie; nodes[0] is the root, whose count is the number of
	// observations it represents. A node with count 0 is free (listed in
	// freeNodes).
	nodes     nodeStore
	freeNodes []uint32
	live      int // nodes in use, the root excluded
	// children indexes child nodes by (parent, value), one table per depth
	// of the child: the small upper levels then stay in cache apart from
	// the large lower ones.
	children []idTable
	values   valueSet
	counts   countForest
	leaves   int32 // distribution of complete observations' counts

	scratch scratch
}

// node is one trie node: a prefix v0..vi of some observation.
type node struct {
	count    int64 // observations with this prefix, less what half-life forgot
	lastSeen int64 // seq of the latest observation with this prefix
	parent   uint32
	value    uint32 // interned value of component depth-1
	children int32  // distribution of the children's counts; noTree when childless
	depth    uint16 // components in the prefix; the root has 0
}

// maxArity bounds the components of an observation.
const maxArity = 1000

// codeProgramLimitExceeded is Postgres' program_limit_exceeded SQLSTATE.
const codeProgramLimitExceeded = "54000"

const rootNode uint32 = 0

// NewContext returns an empty context with the given options.
func NewContext(opts Options) *Context {
	c := &Context{opts: normalise(opts)}
	c.init()
	return c
}

func normalise(o Options) Options {
	o.MaxNodes = max(o.MaxNodes, 0)
	o.HalfLife = max(o.HalfLife, 0)
	o.MinSupport = max(o.MinSupport, 0)
	return o
}

func (c *Context) init() {
	c.nodes.add(node{children: noTree})
	c.values = newValueSet()
	c.leaves = noTree
}

// Options returns the context's options.
func (c *Context) Options() Options { return c.opts }

// Reset forgets everything the context learnt, its arity included; the
// options stay.
func (c *Context) Reset() {
	opts := c.opts
	*c = Context{opts: opts}
	c.init()
}

// Stats describes a context's size.
type Stats struct {
	Observations int64 // observations learnt (the sequence number)
	Nodes        int   // trie nodes, the root excluded
	Bytes        int64 // estimated memory held, allocated capacity included
}

// Stats returns the context's size.
func (c *Context) Stats() Stats {
	b := int64(unsafe.Sizeof(*c)) +
		c.nodes.size() + int64(cap(c.freeNodes))*4 +
		c.childrenSize() + c.values.size() +
		int64(cap(c.counts.nodes))*int64(unsafe.Sizeof(countNode{})) + int64(cap(c.counts.free))*4 +
		c.scratch.size()
	return Stats{Observations: c.seq, Nodes: c.live, Bytes: b}
}

// checkArity validates an observation's length against the context's.
func (c *Context) checkArity(n int) error {
	switch {
	case n == 0:
		return types.Errorf(types.CodeInvalidParameterValue, "novelty observation needs at least one component")
	case n > maxArity:
		return types.Errorf(types.CodeInvalidParameterValue,
			"novelty observation has %d components; at most %d are supported", n, maxArity)
	case c.arity != 0 && n != c.arity:
		return types.Errorf(types.CodeInvalidParameterValue,
			"novelty context expects %d components, got %d", c.arity, n)
	}
	return nil
}

// childHash hashes a child's key: its parent and its value's text hash.
// Not the value's id: the child's slot can then be loaded while the value
// is still being interned, and renumbering values leaves the index valid.
func childHash(parent uint32, valueHash uint64) uint64 {
	return mix64(valueHash ^ uint64(parent)*0x9e3779b97f4a7c15)
}

// prefetchChild starts loading the slot where the lookup of parent's
// child at depth whose value's text hash is h begins: issued before the
// value is interned, the two likely cache misses overlap.
func (c *Context) prefetchChild(parent uint32, depth int, h uint64) {
	if depth < len(c.children) {
		c.children[depth].prefetch(fingerprint(childHash(parent, h)))
	}
}

// findChild returns the child of parent, a node at depth, holding value,
// whose text hash is h, if there is one.
func (c *Context) findChild(parent uint32, depth int, value uint32, h uint64) (uint32, bool) {
	if depth >= len(c.children) {
		return 0, false
	}
	fp := fingerprint(childHash(parent, h))
	t := &c.children[depth]
	for i := t.home(fp); ; i = t.next(i) {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if slotFP(s) == fp {
			id := slotID(s)
			if n := c.nodes.at(id); n.parent == parent && n.value == value {
				return id, true
			}
		}
	}
}

// childTable returns the index of the children at depth (>= 1).
func (c *Context) childTable(depth uint16) *idTable {
	for int(depth) > len(c.children) {
		c.children = append(c.children, newIDTable())
	}
	return &c.children[depth-1]
}

func (c *Context) childrenSize() int64 {
	var b int64
	for i := range c.children {
		b += int64(cap(c.children[i].slots)) * 8
	}
	return b + int64(cap(c.children))*int64(unsafe.Sizeof(idTable{}))
}

// addChild creates parent's child holding value, whose text hash is h,
// with count 0.
func (c *Context) addChild(parent, value uint32, h uint64) uint32 {
	n := node{parent: parent, value: value, children: noTree, depth: c.nodes.at(parent).depth + 1}
	var id uint32
	if last := len(c.freeNodes) - 1; last >= 0 {
		id = c.freeNodes[last]
		c.freeNodes = c.freeNodes[:last]
		*c.nodes.mut(id) = n
	} else {
		id = c.nodes.add(n)
	}
	c.childTable(n.depth).insert(fingerprint(childHash(parent, h)), id)
	c.live++
	return id
}

// removeNode frees a node. The caller keeps the count distributions right
// and sweeps values afterwards.
func (c *Context) removeNode(id uint32) {
	n := c.nodes.mut(id)
	c.childTable(n.depth).remove(fingerprint(childHash(n.parent, c.values.hashOf(n.value))), id)
	*n = node{children: noTree}
	c.freeNodes = append(c.freeNodes, id)
	c.live--
}

// usedValues returns a bitset over value ids of the values live nodes hold.
func (c *Context) usedValues() []uint64 {
	words := (c.values.ids() + 63) / 64
	used := c.scratch.used
	if cap(used) < words {
		used = make([]uint64, words)
	} else {
		used = used[:words]
		clear(used)
	}
	for id := uint32(1); id < c.nodes.len(); id++ {
		if c.isLive(id) {
			v := c.nodes.at(id).value
			used[v/64] |= 1 << (v % 64)
		}
	}
	c.scratch.used = used
	return used
}

// sweepValues frees the values no node holds any more. When the arena was
// compacted, it renumbers the nodes' values; the children's index stays
// valid, as it hashes values' text, not their ids.
func (c *Context) sweepValues() {
	_, renumber := c.values.sweep(c.usedValues())
	if renumber == nil {
		return
	}
	for id := uint32(1); id < c.nodes.len(); id++ {
		if c.isLive(id) {
			n := c.nodes.mut(id)
			n.value = renumber[n.value]
		}
	}
}

// isLive reports whether id is a node in use other than the root.
func (c *Context) isLive(id uint32) bool { return id != rootNode && c.nodes.at(id).count > 0 }

// appendComponent appends the text the model compares for a non-NULL
// component. Values of different types with the same text are the same
// value: observations are lists of strings.
func appendComponent(buf []byte, d types.Datum) []byte {
	return types.AppendText(buf, d, time.UTC)
}
