package novelty

// countForest stores count distributions ("frequency of frequencies"): for
// every trie node with children, how many children have each count, and the
// same over the counts of complete observations. Each distribution is a
// treap keyed by count whose nodes carry their subtree's mass (the sum of
// count × members), so the mass above a count is answered, and a member's
// count changed, in O(log d) for d distinct counts. A distribution's memory
// is proportional to its distinct counts, not to its members: at most
// sqrt(2 × total) of them, one when every child has been seen once.
//
// All trees share one pool of pointer-free nodes; a tree is named by the
// index of its root, or noTree when it is empty. Tree shape never decides a
// result: only the multiset of (count, members) does.
//
// A member's count only ever grows by one at a time (moveUp), and no count
// lies between c and c+1, so most moves change no shape: the node for c
// is renamed to c+1 when c had one member and c+1 none, or one member moves
// between the two existing nodes. Only the other cases insert or delete.
type countForest struct {
	nodes []countNode
	free  []int32 // released node indexes, reused before the pool grows
}

type countNode struct {
	key   int64  // a count
	mass  int64  // sum of key × freq over the subtree rooted here
	freq  uint32 // how many members have this count (> 0)
	prio  uint32 // heap priority: a hash of the key the node was created with
	left  int32  // keys below key
	right int32  // keys above key
}

// noTree is the root of an empty distribution.
const noTree int32 = -1

// reset empties every tree, keeping the pool's memory.
func (f *countForest) reset() {
	f.nodes = f.nodes[:0]
	f.free = f.free[:0]
}

// moveUp records that one member's count went from from to from+1 (from is
// 0 for a new member) and returns the tree's new root.
func (f *countForest) moveUp(root int32, from int64) int32 {
	to := from + 1
	if from == 0 {
		dst := f.find(root, to)
		if dst == noTree {
			return f.add(root, to, 1)
		}
		f.addMass(root, to, to)
		f.nodes[dst].freq++
		return root
	}
	src, dst := f.findPair(root, from)
	switch {
	case f.nodes[src].freq == 1 && dst == noTree:
		f.addMass(root, from, 1)
		f.nodes[src].key = to
	case f.nodes[src].freq > 1 && dst != noTree:
		f.shiftMass(root, from)
		f.nodes[src].freq--
		f.nodes[dst].freq++
	default:
		root = f.add(root, from, -1)
		root = f.add(root, to, 1)
	}
	return root
}

// findPair returns the nodes with keys from, which exists, and from+1, or
// noTree, in one descent: no key lies between the two, so the node for
// from+1 is either the last node on from's path where the path turned left
// or the leftmost node of from's right subtree.
func (f *countForest) findPair(root int32, from int64) (src, dst int32) {
	turnedLeft := noTree
	for {
		n := &f.nodes[root]
		switch {
		case from < n.key:
			turnedLeft = root
			root = n.left
		case from > n.key:
			root = n.right
		default:
			src = root
			if turnedLeft != noTree && f.nodes[turnedLeft].key == from+1 {
				return src, turnedLeft
			}
			if dst = f.leftmost(n.right); dst != noTree && f.nodes[dst].key != from+1 {
				dst = noTree
			}
			return src, dst
		}
	}
}

// leftmost returns the node with the smallest key of a tree, or noTree.
func (f *countForest) leftmost(root int32) int32 {
	if root == noTree {
		return noTree
	}
	for f.nodes[root].left != noTree {
		root = f.nodes[root].left
	}
	return root
}

// shiftMass updates the masses for one member moving from count from to
// from+1, both of which have nodes, in one descent: subtrees holding both
// nodes gain 1, those below the split only lose from or gain from+1.
func (f *countForest) shiftMass(root int32, from int64) {
	to := from + 1
	for {
		n := &f.nodes[root]
		n.mass++
		switch {
		case to < n.key:
			root = n.left
		case from > n.key:
			root = n.right
		case n.key == to: // from lies in the left subtree
			f.addMass(n.left, from, -from)
			return
		default: // n holds from; to lies in the right subtree
			f.addMass(n.right, to, to)
			return
		}
	}
}

// find returns the node with the given key, or noTree.
func (f *countForest) find(root int32, key int64) int32 {
	for root != noTree {
		n := &f.nodes[root]
		switch {
		case key < n.key:
			root = n.left
		case key > n.key:
			root = n.right
		default:
			return root
		}
	}
	return noTree
}

// addMass adds delta to the mass of every node from the root to the node
// with the given key, which exists.
func (f *countForest) addMass(root int32, key, delta int64) {
	for {
		n := &f.nodes[root]
		n.mass += delta
		switch {
		case key < n.key:
			root = n.left
		case key > n.key:
			root = n.right
		default:
			return
		}
	}
}

// greater returns the mass of the members whose count is above c: the sum
// of their counts.
func (f *countForest) greater(root int32, c int64) int64 {
	var sum int64
	for root != noTree {
		n := &f.nodes[root]
		switch {
		case n.key > c:
			sum += n.key*int64(n.freq) + f.mass(n.right)
			root = n.left
		case n.key == c:
			return sum + f.mass(n.right)
		default:
			root = n.right
		}
	}
	return sum
}

// add changes by delta (+1 or -1) how many members of the tree have count
// key and returns the tree's new root. Removing the last member with a
// count deletes that count's node.
func (f *countForest) add(root int32, key int64, delta int32) int32 {
	if root == noTree {
		return f.alloc(key)
	}
	switch k := f.nodes[root].key; {
	case key < k:
		l := f.add(f.nodes[root].left, key, delta)
		f.nodes[root].left = l
		if l != noTree && f.above(l, root) {
			return f.rotateRight(root)
		}
	case key > k:
		r := f.add(f.nodes[root].right, key, delta)
		f.nodes[root].right = r
		if r != noTree && f.above(r, root) {
			return f.rotateLeft(root)
		}
	default:
		n := &f.nodes[root]
		n.freq = uint32(int32(n.freq) + delta)
		if n.freq == 0 {
			merged := f.merge(n.left, n.right)
			f.free = append(f.free, root)
			return merged
		}
	}
	f.update(root)
	return root
}

// merge joins two trees whose keys are all below (a) and above (b) each
// other.
func (f *countForest) merge(a, b int32) int32 {
	switch {
	case a == noTree:
		return b
	case b == noTree:
		return a
	case f.above(a, b):
		r := f.merge(f.nodes[a].right, b)
		f.nodes[a].right = r
		f.update(a)
		return a
	default:
		l := f.merge(a, f.nodes[b].left)
		f.nodes[b].left = l
		f.update(b)
		return b
	}
}

func (f *countForest) rotateRight(x int32) int32 {
	l := f.nodes[x].left
	f.nodes[x].left = f.nodes[l].right
	f.nodes[l].right = x
	f.update(x)
	f.update(l)
	return l
}

func (f *countForest) rotateLeft(x int32) int32 {
	r := f.nodes[x].right
	f.nodes[x].right = f.nodes[r].left
	f.nodes[r].left = x
	f.update(x)
	f.update(r)
	return r
}

// above reports whether node a belongs above node b in the heap order of
// the treap.
func (f *countForest) above(a, b int32) bool {
	na, nb := &f.nodes[a], &f.nodes[b]
	if na.prio != nb.prio {
		return na.prio > nb.prio
	}
	return na.key < nb.key
}

func (f *countForest) update(i int32) {
	n := &f.nodes[i]
	n.mass = n.key*int64(n.freq) + f.mass(n.left) + f.mass(n.right)
}

func (f *countForest) mass(i int32) int64 {
	if i == noTree {
		return 0
	}
	return f.nodes[i].mass
}

// alloc returns a new node for key with one member.
func (f *countForest) alloc(key int64) int32 {
	n := countNode{key: key, mass: key, freq: 1, prio: uint32(mix64(uint64(key))), left: noTree, right: noTree}
	if last := len(f.free) - 1; last >= 0 {
		i := f.free[last]
		f.free = f.free[:last]
		f.nodes[i] = n
		return i
	}
	f.nodes = append(f.nodes, n)
	return int32(len(f.nodes) - 1)
}

// mix64 is the splitmix64 finaliser: a fixed, well-spread hash of 64 bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
