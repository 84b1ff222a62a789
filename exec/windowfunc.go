package exec

import (
	"context"
	"io"
	"slices"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// windowFunctions computes window function calls over a bounded input. On
// the first Next it materialises the input, sorts it once by partition and
// window order, computes every call partition by partition, and then emits
// the rows in that order, each followed by its calls' values.
type windowFunctions struct {
	input     Operator
	inWidth   int
	partition []Evaluator
	order     []Evaluator
	orderKeys []planner.WindowOrderKey
	calls     []*windowCall
	env       *Env

	// rows are the input rows in input order, inWidth values each; count
	// is their number (rows is empty when inWidth is 0).
	rows  []types.Datum
	count int
	// keys are each input row's partition then order values.
	keys []types.Datum
	// sorted lists input rows in partition-and-window order.
	sorted []int
	// results are the calls' values, len(calls) per sorted row.
	results []types.Datum
	peers   peerGroups
	next    int
	done    bool
}

var _ Operator = (*windowFunctions)(nil)

func newWindowFunctions(in Operator, n *planner.WindowFunctions, env *Env) (*windowFunctions, error) {
	partition, err := CompileAll(n.Partition, env)
	if err != nil {
		return nil, err
	}
	w := &windowFunctions{input: in, inWidth: len(n.Input.Schema()), partition: partition, orderKeys: n.Order, env: env}
	for _, k := range n.Order {
		ev, err := Compile(k.Expr, env)
		if err != nil {
			return nil, err
		}
		w.order = append(w.order, ev)
	}
	for _, c := range n.Calls {
		call, err := newWindowCall(c, n.Order, env)
		if err != nil {
			return nil, err
		}
		w.calls = append(w.calls, call)
	}
	return w, nil
}

func (w *windowFunctions) Open(ctx context.Context) error {
	w.rows, w.keys, w.sorted, w.results = nil, nil, nil, nil
	w.count, w.next, w.done = 0, 0, false
	return w.input.Open(ctx)
}

func (w *windowFunctions) Next(ctx context.Context, b *types.Batch) error {
	if !w.done {
		if err := w.compute(ctx); err != nil {
			return err
		}
		w.done = true
	}
	width, nc := w.inWidth+len(w.calls), len(w.calls)
	b.Reset(width)
	for w.next < w.count && !b.Full() {
		out := b.AppendRow()
		r := w.sorted[w.next]
		copy(out, w.rows[r*w.inWidth:(r+1)*w.inWidth])
		copy(out[w.inWidth:], w.results[w.next*nc:(w.next+1)*nc])
		w.next++
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

// compute reads the whole input and fills sorted and results.
func (w *windowFunctions) compute(ctx context.Context) error {
	if err := w.load(ctx); err != nil {
		return err
	}
	w.sorted = make([]int, w.count)
	for i := range w.sorted {
		w.sorted[i] = i
	}
	slices.SortStableFunc(w.sorted, w.compareRows)
	orderValues := w.orderValues()
	for _, c := range w.calls {
		if err := c.prepare(w.rows, w.inWidth, w.sorted, orderValues); err != nil {
			return err
		}
	}
	nc := len(w.calls)
	w.results = make([]types.Datum, w.count*nc)
	for lo := 0; lo < w.count; {
		hi := lo + 1
		for hi < w.count && w.samePartition(w.sorted[lo], w.sorted[hi]) {
			hi++
		}
		w.peers.find(hi-lo, func(i, j int) bool { return w.peersEqual(w.sorted[lo+i], w.sorted[lo+j]) })
		for ci, c := range w.calls {
			if err := c.computePartition(lo, hi, &w.peers, w.results, ci, nc); err != nil {
				return err
			}
		}
		lo = hi
	}
	return nil
}

// load materialises the input and evaluates every row's keys.
func (w *windowFunctions) load(ctx context.Context) error {
	in := types.NewBatch(w.inWidth)
	for {
		err := w.input.Next(ctx, in)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for i := 0; i < in.Len; i++ {
			row := in.Row(i)
			w.rows = append(w.rows, row...)
			for _, ev := range w.partition {
				d, err := ev(row)
				if err != nil {
					return err
				}
				w.keys = append(w.keys, d)
			}
			for _, ev := range w.order {
				d, err := ev(row)
				if err != nil {
					return err
				}
				w.keys = append(w.keys, d)
			}
		}
		w.count += in.Len
	}
}

// orderValues returns, when a call has RANGE offsets (the planner made
// sure the window then has one ORDER BY key), that key's value per sorted
// row; else nil.
func (w *windowFunctions) orderValues() []types.Datum {
	needed := false
	for _, c := range w.calls {
		needed = needed || c.start.value != nil || c.end.value != nil
	}
	if !needed {
		return nil
	}
	nk, at := len(w.partition)+1, len(w.partition)
	out := make([]types.Datum, w.count)
	for i, r := range w.sorted {
		out[i] = w.keys[r*nk+at]
	}
	return out
}

// compareRows orders input rows x and y by partition (ascending, NULLs
// last) and then by the window's ORDER BY.
func (w *windowFunctions) compareRows(x, y int) int {
	nk, np := len(w.partition)+len(w.order), len(w.partition)
	kx, ky := w.keys[x*nk:(x+1)*nk], w.keys[y*nk:(y+1)*nk]
	for i := 0; i < np; i++ {
		if c, _ := types.Compare(kx[i], ky[i]); c != 0 {
			return c
		}
	}
	for i, k := range w.orderKeys {
		if c := compareSortKey(kx[np+i], ky[np+i], k.Desc, k.NullsFirst); c != 0 {
			return c
		}
	}
	return 0
}

func (w *windowFunctions) samePartition(x, y int) bool {
	nk := len(w.partition) + len(w.order)
	for i := range w.partition {
		if c, _ := types.Compare(w.keys[x*nk+i], w.keys[y*nk+i]); c != 0 {
			return false
		}
	}
	return true
}

// peersEqual reports whether input rows x and y of one partition are equal
// under the window's ORDER BY.
func (w *windowFunctions) peersEqual(x, y int) bool {
	nk, np := len(w.partition)+len(w.order), len(w.partition)
	for i := np; i < nk; i++ {
		if c, _ := types.Compare(w.keys[x*nk+i], w.keys[y*nk+i]); c != 0 {
			return false
		}
	}
	return true
}

func (w *windowFunctions) Close(ctx context.Context) error {
	w.rows, w.keys, w.sorted, w.results = nil, nil, nil, nil
	return w.input.Close(ctx)
}

// peerGroups describes the peer groups of one partition: for each row (by
// position in the partition) where its group starts and ends, and how many
// groups come before it. Its slices are reused from partition to partition.
type peerGroups struct {
	start, end, group []int
}

// find fills g for a partition of n rows; equal(i, j) reports whether rows
// i and j are peers.
func (g *peerGroups) find(n int, equal func(i, j int) bool) {
	g.start, g.end, g.group = resize(g.start, n), resize(g.end, n), resize(g.group, n)
	group := 0
	for lo := 0; lo < n; group++ {
		hi := lo + 1
		for hi < n && equal(lo, hi) {
			hi++
		}
		for i := lo; i < hi; i++ {
			g.start[i], g.end[i], g.group[i] = lo, hi, group
		}
		lo = hi
	}
}

func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
