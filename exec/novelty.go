package exec

import (
	"context"

	"github.com/novelty-db/novelty/functions/novelty"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// NoveltyModel is one named novelty context as operators use it. The
// engine's implementation serialises calls, since streams may share a context.
type NoveltyModel interface {
	// Observe learns components and fills r with the result.
	Observe(components []types.Datum, r *novelty.Result) error
	// Read fills r with what Observe would, learning nothing.
	Read(components []types.Datum, r *novelty.Result) error
	// Barrier tells the context that its caller passed checkpoint barrier
	// epoch: everything it observed so far belongs to that checkpoint. The
	// caller's later Observe calls may wait until every stream sharing the
	// context passed the same barrier and the context was saved.
	Barrier(epoch uint64) error
}

// NoveltyModels looks novelty contexts up by name.
type NoveltyModels interface {
	Model(name string) (NoveltyModel, error)
}

// noveltyOp scores every row in a context and appends the requested result
// columns (score, JSON detail) after the input columns.
type noveltyOp struct {
	input  Operator
	model  NoveltyModel
	calls  []noveltyCall
	width  int // output width
	in     *types.Batch
	env    *Env
	result novelty.Result
	json   []byte
}

type noveltyCall struct {
	spec       planner.NoveltyCall
	args       []Evaluator
	components []types.Datum
}

var _ Operator = (*noveltyOp)(nil)

func newNovelty(in Operator, n *planner.Novelty, env *Env) (*noveltyOp, error) {
	if env.Novelty == nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "novelty contexts are not available here")
	}
	model, err := env.Novelty.Model(n.Context)
	if err != nil {
		return nil, err
	}
	op := &noveltyOp{input: in, model: model, width: len(n.Cols), in: types.NewBatch(len(n.Input.Schema())), env: env}
	for _, c := range n.Calls {
		args, err := CompileAll(c.Args, env)
		if err != nil {
			return nil, err
		}
		op.calls = append(op.calls, noveltyCall{spec: c, args: args, components: make([]types.Datum, len(args))})
	}
	return op, nil
}

func (o *noveltyOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

func (o *noveltyOp) Next(ctx context.Context, b *types.Batch) error {
	for {
		if err := o.input.Next(ctx, o.in); err != nil {
			b.Reset(o.width)
			return err
		}
		b.Reset(o.width)
		if o.in.IsBarrier() {
			b.Barrier = o.in.Barrier
			return o.model.Barrier(o.in.Barrier)
		}
		b.Watermark = o.in.Watermark
		for i := 0; i < o.in.Len; i++ {
			row := o.in.Row(i)
			out := b.AppendRow()
			copy(out, row)
			if err := o.score(row, out); err != nil {
				b.Truncate(b.Len - 1)
				if err = o.env.rowError(err); err != nil {
					return err
				}
			}
		}
		if b.Len > 0 || b.Watermark != types.NoWatermark {
			return nil
		}
	}
}

// score runs every call over row and writes the results into out.
func (o *noveltyOp) score(row, out []types.Datum) error {
	for i := range o.calls {
		c := &o.calls[i]
		for j, ev := range c.args {
			d, err := ev(row)
			if err != nil {
				return err
			}
			c.components[j] = d
		}
		var err error
		if c.spec.Learn {
			err = o.model.Observe(c.components, &o.result)
		} else {
			err = o.model.Read(c.components, &o.result)
		}
		if err != nil {
			return err
		}
		if c.spec.Score >= 0 {
			out[c.spec.Score] = types.NewFloat(o.result.Score)
		}
		if c.spec.Detail >= 0 {
			o.json = o.result.AppendJSON(o.json[:0])
			out[c.spec.Detail] = types.NewJSON(string(o.json))
		}
	}
	return nil
}

func (o *noveltyOp) Close(ctx context.Context) error { return o.input.Close(ctx) }
