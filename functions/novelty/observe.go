package novelty

import "github.com/novelty-db/novelty/types"

// Observe learns one observation and fills r with its score, computed with
// the counts including this observation. r's slices are reused. An
// observation whose length differs from the context's first one is a
// *types.Error (22023) and changes nothing.
func (c *Context) Observe(components []types.Datum, r *Result) error {
	if err := c.checkArity(len(components)); err != nil {
		return err
	}
	parts, textBytes := c.scratch.encode(components)
	if !c.values.room(len(parts), textBytes) {
		return types.Errorf(codeProgramLimitExceeded,
			"novelty context holds too many distinct values (at most %d GiB of text)", maxArena>>30).
			WithHint("Bound the context with novelty_max_nodes or novelty_half_life.")
	}
	c.arity = len(components)
	c.seq++
	// The whole path is found before anything is counted, so that the
	// lookups' cache misses and the count updates' do not wait on each
	// other.
	c.findPath(parts)
	c.nodes.mut(rootNode).count++
	parent := rootNode
	for i := range parts {
		p := &parts[i]
		ch := c.nodes.mut(p.node)
		ch.count++
		ch.lastSeen = c.seq
		p.n, p.c = c.nodes.at(parent).count, ch.count
		parent = p.node
	}
	complete := parts[len(parts)-1].c
	c.leaves = c.counts.moveUp(c.leaves, complete-1)
	// The count distributions are updated deepest first: the deep ones are
	// the least likely to be in cache, and the updates do not depend on
	// each other, so the shallow ones proceed while the deep ones wait.
	for i := len(parts) - 1; i >= 0; i-- {
		p := &parts[i]
		pn := c.nodes.mut(rootNode)
		if i > 0 {
			pn = c.nodes.mut(parts[i-1].node)
		}
		pn.children = c.counts.moveUp(pn.children, p.c-1)
		p.greater = c.counts.greater(pn.children, p.c)
	}
	c.fill(r, c.seq, c.nodes.at(rootNode).count, complete, c.counts.greater(c.leaves, complete))
	c.forget()
	return nil
}

// findPath interns the observation's values and finds its trie nodes,
// adding the missing ones with count 0.
func (c *Context) findPath(parts []part) {
	c.hashParts(parts)
	parent := rootNode
	for i := range parts {
		p := &parts[i]
		h := p.hash
		c.prefetchChild(parent, i, h)
		v := nullValue
		if !p.null {
			v = c.values.intern(p.text, h)
		}
		child, ok := c.findChild(parent, i, v, h)
		if !ok {
			child = c.addChild(parent, v, h)
		}
		p.value, p.known, p.node = v, true, child
		parent = child
	}
}

// hashParts hashes the components' text and starts loading the value
// table slots their lookups will begin at, so that those cache misses
// overlap each other and the walk down the trie's first levels.
func (c *Context) hashParts(parts []part) {
	for i := range parts {
		p := &parts[i]
		p.hash = nullHash
		if !p.null {
			p.hash = c.values.hash(p.text)
			c.values.table.prefetch(fingerprint(p.hash))
		}
	}
}

// Read fills r with the result Observe would give for the observation, and
// changes nothing the context has learnt.
func (c *Context) Read(components []types.Datum, r *Result) error {
	if err := c.checkArity(len(components)); err != nil {
		return err
	}
	parts, _ := c.scratch.encode(components)
	c.hashParts(parts)
	parent, parentKnown := rootNode, true
	parentCount := c.nodes.at(rootNode).count
	for i := range parts {
		p := &parts[i]
		h := p.hash
		if parentKnown {
			c.prefetchChild(parent, i, h)
		}
		v, known := nullValue, true
		if !p.null {
			v, known = c.values.find(p.text, h)
		}
		child, childKnown := rootNode, false
		if parentKnown && known {
			child, childKnown = c.findChild(parent, i, v, h)
		}
		var childCount int64
		if childKnown {
			childCount = c.nodes.at(child).count
		}
		p.value, p.known = v, known
		p.n, p.c = parentCount+1, childCount+1
		if parentKnown {
			// Moving this child from c-1 to c leaves the mass above c as
			// it is, so the current distribution answers.
			p.greater = c.counts.greater(c.nodes.at(parent).children, p.c)
		}
		parent, parentKnown, parentCount = child, childKnown, childCount
	}
	complete := parts[len(parts)-1].c
	c.fill(r, c.seq+1, c.nodes.at(rootNode).count+1, complete, c.counts.greater(c.leaves, complete))
	return nil
}

// forget applies half-life and the node budget after an observation.
func (c *Context) forget() {
	if h := c.opts.HalfLife; h > 0 && c.seq%h == 0 {
		c.halve()
	}
	if m := c.opts.MaxNodes; m > 0 && c.live > m {
		c.evict(m - m/8)
	}
}
