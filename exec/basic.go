package exec

import (
	"context"
	"io"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// values produces a fixed list of rows.
type values struct {
	rows  [][]Evaluator
	width int
	next  int
}

var _ Operator = (*values)(nil)

func newValues(n *planner.Values, env *Env) (*values, error) {
	v := &values{rows: make([][]Evaluator, len(n.Rows)), width: len(n.Cols)}
	for i, row := range n.Rows {
		evs, err := CompileAll(row, env)
		if err != nil {
			return nil, err
		}
		v.rows[i] = evs
	}
	return v, nil
}

func (v *values) Open(context.Context) error { v.next = 0; return nil }

func (v *values) Next(_ context.Context, b *types.Batch) error {
	b.Reset(v.width)
	for v.next < len(v.rows) && !b.Full() {
		out := b.AppendRow()
		for i, ev := range v.rows[v.next] {
			d, err := ev(nil)
			if err != nil {
				return err
			}
			out[i] = d
		}
		v.next++
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

func (v *values) Close(context.Context) error { return nil }

// filter keeps the rows whose predicate is true. It filters the caller's
// batch in place, so passing rows are not copied twice.
type filter struct {
	input Operator
	pred  Evaluator
	// batchPred evaluates pred over a whole batch; nil when pred must run
	// row by row (see compileBatch).
	batchPred batchEvaluator
	env       *Env
}

var _ Operator = (*filter)(nil)

func newFilter(in Operator, n *planner.Filter, env *Env) (*filter, error) {
	pred, err := Compile(n.Pred, env)
	if err != nil {
		return nil, err
	}
	batchPred, _, err := compileBatch(n.Pred, env)
	if err != nil {
		return nil, err
	}
	return &filter{input: in, pred: pred, batchPred: batchPred, env: env}, nil
}

func (f *filter) Open(ctx context.Context) error { return f.input.Open(ctx) }

func (f *filter) Next(ctx context.Context, b *types.Batch) error {
	for {
		if err := f.input.Next(ctx, b); err != nil {
			return err
		}
		if f.filterBatch(b) {
			if b.Len > 0 || b.Watermark != types.NoWatermark || b.IsBarrier() {
				return nil
			}
			continue
		}
		kept := 0
		w := b.Width
		for i := 0; i < b.Len; i++ {
			row := b.Datums[i*w : (i+1)*w]
			d, err := f.pred(row)
			if err != nil {
				if err = f.env.rowError(err); err != nil {
					return err
				}
				continue
			}
			if d.IsNull() || !d.Bool() {
				continue
			}
			if kept != i {
				copy(b.Datums[kept*w:(kept+1)*w], row)
			}
			kept++
		}
		b.Truncate(kept)
		if kept > 0 || b.Watermark != types.NoWatermark || b.IsBarrier() {
			return nil
		}
	}
}

// filterBatch keeps b's rows whose predicate is true, evaluating it over
// the whole batch. It reports false, leaving b as it was, when the
// predicate is not batchable or failed on some row: Next then evaluates
// row by row, which finds and reports the failing rows.
func (f *filter) filterBatch(b *types.Batch) bool {
	if f.batchPred == nil || b.Len == 0 {
		return false
	}
	keep, err := f.batchPred(b, functions.Column{})
	if err != nil {
		return false
	}
	kept, w := 0, b.Width
	for i := 0; i < b.Len; i++ {
		if d := keep.Ref(i); d.IsNull() || !d.Bool() {
			continue
		}
		// keep may alias b: row i is read before rows up to i are written.
		if kept != i {
			copy(b.Datums[kept*w:(kept+1)*w], b.Datums[i*w:(i+1)*w])
		}
		kept++
	}
	b.Truncate(kept)
	return true
}

func (f *filter) Close(ctx context.Context) error { return f.input.Close(ctx) }

// project computes expressions over each input row.
type project struct {
	input Operator
	exprs []Evaluator
	// batchExprs evaluate exprs a batch at a time; nil when some
	// expression must run row by row (see compileBatch).
	batchExprs []batchEvaluator
	in         *types.Batch
	env        *Env
}

var _ Operator = (*project)(nil)

func newProject(in Operator, n *planner.Project, env *Env) (*project, error) {
	exprs, err := CompileAll(n.Exprs, env)
	if err != nil {
		return nil, err
	}
	batchExprs, _, err := compileBatchAll(n.Exprs, env)
	if err != nil {
		return nil, err
	}
	return &project{
		input: in, exprs: exprs, batchExprs: batchExprs, in: types.NewBatch(len(n.Input.Schema())), env: env,
	}, nil
}

func (p *project) Open(ctx context.Context) error { return p.input.Open(ctx) }

func (p *project) Next(ctx context.Context, b *types.Batch) error {
	for {
		if err := p.input.Next(ctx, p.in); err != nil {
			b.Reset(len(p.exprs))
			return err
		}
		b.Reset(len(p.exprs))
		b.Watermark, b.Barrier = p.in.Watermark, p.in.Barrier
		if p.projectBatch(b) {
			return nil
		}
		w := p.in.Width
		for i := 0; i < p.in.Len; i++ {
			row := p.in.Datums[i*w : (i+1)*w]
			out := b.AppendRow()
			for j, ev := range p.exprs {
				d, err := ev(row)
				if err != nil {
					if err = p.env.rowError(err); err != nil {
						return err
					}
					b.Truncate(b.Len - 1)
					break
				}
				out[j] = d
			}
		}
		if b.Len > 0 || b.Watermark != types.NoWatermark || b.IsBarrier() {
			return nil
		}
	}
}

// projectBatch fills b with the projection of every row of p.in,
// evaluating each expression over the whole batch. It reports false,
// leaving b empty, when the expressions are not batchable, the batch is
// empty, or some row failed: Next then evaluates row by row, which finds
// and reports the failing rows.
func (p *project) projectBatch(b *types.Batch) bool {
	n := p.in.Len
	if p.batchExprs == nil || n == 0 {
		return false
	}
	setRows(b, n)
	w := b.Width
	for j, ev := range p.batchExprs {
		// Computed values land in b directly; views are copied in.
		dst := functions.Column{Values: b.Datums[j:], Stride: w}
		col, err := ev(p.in, dst)
		if err != nil {
			b.Truncate(0)
			return false
		}
		if &col.Values[0] != &dst.Values[0] {
			for i := 0; i < n; i++ {
				*dst.Ref(i) = *col.Ref(i)
			}
		}
	}
	return true
}

// setRows makes b hold n rows, whose values the caller sets.
func setRows(b *types.Batch, n int) {
	size := n * b.Width
	if cap(b.Datums) < size {
		b.Datums = make([]types.Datum, size, max(size, b.Width*types.BatchSize))
	}
	b.Datums, b.Len = b.Datums[:size], n
}

func (p *project) Close(ctx context.Context) error { return p.input.Close(ctx) }

// limit skips offset rows, then passes count rows (-1: all) and ends.
type limit struct {
	input         Operator
	count, offset int64
	seen          int64
}

var _ Operator = (*limit)(nil)

func (l *limit) Open(ctx context.Context) error { l.seen = 0; return l.input.Open(ctx) }

func (l *limit) Next(ctx context.Context, b *types.Batch) error {
	for {
		if l.count >= 0 && l.seen >= l.offset+l.count {
			b.Reset(b.Width)
			return io.EOF
		}
		if err := l.input.Next(ctx, b); err != nil {
			return err
		}
		start := int64(0)
		if skip := l.offset - l.seen; skip > 0 {
			start = min(skip, int64(b.Len))
		}
		end := int64(b.Len)
		if l.count >= 0 {
			end = min(end, l.offset+l.count-l.seen)
		}
		l.seen += int64(b.Len)
		if start > 0 {
			w := b.Width
			copy(b.Datums, b.Datums[int(start)*w:int(end)*w])
		}
		b.Truncate(int(max(end-start, 0)))
		if b.Len > 0 || b.Watermark != types.NoWatermark || b.IsBarrier() {
			return nil
		}
	}
}

func (l *limit) Close(ctx context.Context) error { return l.input.Close(ctx) }

// Concat returns an operator reading its inputs one after the other: every
// input but the last must be bounded.
func Concat(inputs ...Operator) Operator { return &concat{inputs: inputs} }

// concat reads inputs one after the other.
type concat struct {
	inputs []Operator
	cur    int
}

var _ Operator = (*concat)(nil)

func (c *concat) Open(ctx context.Context) error { c.cur = 0; return openAll(ctx, c.inputs...) }

func (c *concat) Next(ctx context.Context, b *types.Batch) error {
	for c.cur < len(c.inputs) {
		err := c.inputs[c.cur].Next(ctx, b)
		if err == io.EOF {
			c.cur++
			continue
		}
		return err
	}
	return io.EOF
}

func (c *concat) Close(ctx context.Context) error { return closeAll(ctx, c.inputs...) }
