package novelty

// halve applies novelty_half_life: every count is halved (rounding down)
// and nodes reaching 0 are removed. A child's count never exceeds its
// parent's, so a removed node's descendants are removed too. The count
// distributions are rebuilt from the halved counts.
func (c *Context) halve() {
	c.nodes.mut(rootNode).count /= 2
	for id := uint32(1); id < c.nodes.len(); id++ {
		if !c.isLive(id) {
			continue
		}
		n := c.nodes.mut(id)
		n.count /= 2
		if n.count == 0 {
			c.removeNode(id)
		}
	}
	c.sweepValues()
	c.rebuildDistributions()
}

// rebuildDistributions recomputes every count distribution from the nodes.
func (c *Context) rebuildDistributions() {
	c.counts.reset()
	c.leaves = noTree
	for id := range c.nodes.len() {
		c.nodes.mut(id).children = noTree
	}
	for id := uint32(1); id < c.nodes.len(); id++ {
		if !c.isLive(id) {
			continue
		}
		n := *c.nodes.at(id)
		p := c.nodes.mut(n.parent)
		p.children = c.counts.add(p.children, n.count, 1)
		if int(n.depth) == c.arity {
			c.leaves = c.counts.add(c.leaves, n.count, 1)
		}
	}
}

// evict applies novelty_max_nodes: it removes the lowest-ranked leaf (a
// node without children) until at most target nodes remain. Rank: lower
// count first, then least recently seen, then value bytes. A removed leaf's
// count stays in its parent's count, outside every child's: that is the
// parent's "other" bucket, which counts as less common than any child in
// every tail (erring towards not novel). A parent left childless becomes a
// candidate in turn.
func (c *Context) evict(target int) {
	h := c.scratch.heap[:0]
	for id := uint32(1); id < c.nodes.len(); id++ {
		if n := c.nodes.at(id); c.isLive(id) && n.children == noTree {
			h = append(h, evictKey{count: n.count, lastSeen: n.lastSeen, id: id})
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		c.siftDown(h, i)
	}
	for c.live > target && len(h) > 0 {
		id := h[0].id
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		c.siftDown(h, 0)
		parent := c.detach(id)
		if p := c.nodes.at(parent); parent != rootNode && p.children == noTree {
			h = append(h, evictKey{count: p.count, lastSeen: p.lastSeen, id: parent})
			c.siftUp(h, len(h)-1)
		}
	}
	c.scratch.heap = h[:0]
	c.sweepValues()
}

// evictKey is an eviction candidate with its rank's keys at hand, so that
// ordering candidates seldom touches the nodes.
type evictKey struct {
	count    int64
	lastSeen int64
	id       uint32
}

// detach removes a leaf and its count from the distributions it is in,
// returning its parent.
func (c *Context) detach(id uint32) uint32 {
	n := *c.nodes.at(id)
	p := c.nodes.mut(n.parent)
	p.children = c.counts.add(p.children, n.count, -1)
	if int(n.depth) == c.arity {
		c.leaves = c.counts.add(c.leaves, n.count, -1)
	}
	c.removeNode(id)
	return n.parent
}

// evictsBefore is the eviction order. Two distinct leaves never tie on
// (count, lastSeen): leaves last seen by the same observation would lie on
// one path. Value bytes and then ids still make the order total.
func (c *Context) evictsBefore(a, b *evictKey) bool {
	if a.count != b.count {
		return a.count < b.count
	}
	if a.lastSeen != b.lastSeen {
		return a.lastSeen < b.lastSeen
	}
	if v := c.values.compare(c.nodes.at(a.id).value, c.nodes.at(b.id).value); v != 0 {
		return v < 0
	}
	return a.id < b.id
}

func (c *Context) siftDown(h []evictKey, i int) {
	for {
		least := i
		if l := 2*i + 1; l < len(h) && c.evictsBefore(&h[l], &h[least]) {
			least = l
		}
		if r := 2*i + 2; r < len(h) && c.evictsBefore(&h[r], &h[least]) {
			least = r
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}

func (c *Context) siftUp(h []evictKey, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !c.evictsBefore(&h[i], &h[parent]) {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}
