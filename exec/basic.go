package exec

import (
	"context"
	"io"

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
	env   *Env
}

var _ Operator = (*filter)(nil)

func newFilter(in Operator, n *planner.Filter, env *Env) (*filter, error) {
	pred, err := Compile(n.Pred, env)
	if err != nil {
		return nil, err
	}
	return &filter{input: in, pred: pred, env: env}, nil
}

func (f *filter) Open(ctx context.Context) error { return f.input.Open(ctx) }

func (f *filter) Next(ctx context.Context, b *types.Batch) error {
	for {
		if err := f.input.Next(ctx, b); err != nil {
			return err
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

func (f *filter) Close(ctx context.Context) error { return f.input.Close(ctx) }

// project computes expressions over each input row.
type project struct {
	input Operator
	exprs []Evaluator
	in    *types.Batch
	env   *Env
}

var _ Operator = (*project)(nil)

func newProject(in Operator, n *planner.Project, env *Env) (*project, error) {
	exprs, err := CompileAll(n.Exprs, env)
	if err != nil {
		return nil, err
	}
	return &project{input: in, exprs: exprs, in: types.NewBatch(len(n.Input.Schema())), env: env}, nil
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
		if b.Len > 0 || b.Watermark != types.NoWatermark {
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
