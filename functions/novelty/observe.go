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
	parts := c.scratch.encode(components)
	if !c.values.room(len(parts), len(c.scratch.text)) {
		return types.Errorf(codeProgramLimitExceeded,
			"novelty context holds too many distinct values (at most %d GiB of text)", maxArena>>30).
			WithHint("Bound the context with novelty_max_nodes or novelty_half_life.")
	}
	c.arity = len(components)
	c.seq++
	c.nodes.at(rootNode).count++
	parent := rootNode
	var from int64
	for i := range parts {
		p := &parts[i]
		v := nullValue
		if !p.null {
			v = c.values.intern(c.scratch.text[p.start:p.end])
		}
		child, ok := c.findChild(parent, i, v)
		if !ok {
			child = c.addChild(parent, v)
		}
		ch := c.nodes.at(child)
		from = ch.count
		ch.count++
		ch.lastSeen = c.seq
		pn := c.nodes.at(parent)
		pn.children = c.counts.moveUp(pn.children, from)
		p.value, p.known = v, true
		p.n, p.c = pn.count, from+1
		p.greater = c.counts.greater(pn.children, p.c)
		parent = child
	}
	c.leaves = c.counts.moveUp(c.leaves, from)
	complete := from + 1
	c.fill(r, c.seq, c.nodes.at(rootNode).count, complete, c.counts.greater(c.leaves, complete))
	c.forget()
	return nil
}

// Read fills r with the result Observe would give for the observation, and
// changes nothing the context has learnt.
func (c *Context) Read(components []types.Datum, r *Result) error {
	if err := c.checkArity(len(components)); err != nil {
		return err
	}
	parts := c.scratch.encode(components)
	parent, parentKnown := rootNode, true
	parentCount := c.nodes.at(rootNode).count
	for i := range parts {
		p := &parts[i]
		v, known := nullValue, true
		if !p.null {
			v, known = c.values.find(c.scratch.text[p.start:p.end])
		}
		child, childKnown := rootNode, false
		if parentKnown && known {
			child, childKnown = c.findChild(parent, i, v)
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
