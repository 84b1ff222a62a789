package exec

import (
	"context"
	"io"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// tableFunction runs a set-returning function per input row (see
// planner.TableFunction). It holds the input batch and the function's
// iterator between calls of Next, so one call may yield any number of
// rows across batches.
type tableFunction struct {
	input Operator
	fn    *functions.TableFunc
	args  []Evaluator
	env   *Env
	width int

	in      types.Batch // the input rows being expanded
	inRow   int         // next input row to start
	mark    int64       // in's watermark, passed on once its rows are expanded
	rows    functions.RowIter
	current []types.Datum // the input row rows belongs to
	argVals []types.Datum
	done    bool
}

var _ Operator = (*tableFunction)(nil)

func newTableFunction(input Operator, n *planner.TableFunction, env *Env) (*tableFunction, error) {
	args, err := CompileAll(n.Args, env)
	if err != nil {
		return nil, err
	}
	return &tableFunction{
		input: input, fn: n.Func, args: args, env: env, width: len(n.Cols),
		argVals: make([]types.Datum, len(args)),
	}, nil
}

func (t *tableFunction) Open(ctx context.Context) error {
	t.in.Reset(0)
	t.inRow, t.rows, t.done, t.mark = 0, nil, false, types.NoWatermark
	return t.input.Open(ctx)
}

func (t *tableFunction) Next(ctx context.Context, b *types.Batch) error {
	b.Reset(t.width)
	for !b.Full() {
		if t.rows == nil {
			ok, err := t.start(ctx, b)
			if err != nil || !ok {
				return err
			}
			continue
		}
		// The function writes its columns straight into the next row; the
		// row is taken back when the function yields none.
		out := b.AppendRow()
		more, err := t.rows(out[len(t.current):])
		if err != nil || !more {
			b.Truncate(b.Len - 1)
			t.rows = nil
			if err := t.env.rowErrorOrNil(err); err != nil {
				return err
			}
			continue
		}
		copy(out, t.current)
	}
	return nil
}

// start begins the function over the next input row, reading another
// input batch when needed. It reports false when Next should return: the
// input ended (io.EOF unless b holds rows) or a watermark must pass on.
func (t *tableFunction) start(ctx context.Context, b *types.Batch) (bool, error) {
	for t.inRow >= t.in.Len {
		if t.mark != types.NoWatermark {
			b.Watermark, t.mark = t.mark, types.NoWatermark
			return false, nil
		}
		if t.done {
			if b.Len > 0 {
				return false, nil
			}
			return false, io.EOF
		}
		if b.Len > 0 {
			return false, nil // hand over the rows made so far before blocking on the input
		}
		err := t.input.Next(ctx, &t.in)
		if err == io.EOF {
			t.done = true
			continue
		}
		if err != nil {
			return false, err
		}
		t.inRow, t.mark = 0, t.in.Watermark
		if t.in.IsBarrier() {
			// b is empty here: pass the barrier on before any later row.
			b.Barrier = t.in.Barrier
			return false, nil
		}
	}
	t.current = t.in.Row(t.inRow)
	t.inRow++
	for i, ev := range t.args {
		d, err := ev(t.current)
		if err != nil {
			err = t.env.rowError(err)
			return err == nil, err
		}
		if d.IsNull() {
			return true, nil // strict: no rows for this input row
		}
		t.argVals[i] = d
	}
	rows, err := t.fn.Rows(t.env.Eval, t.argVals)
	if err != nil {
		// A reported row error skips the row; otherwise it ends the query.
		err = t.env.rowError(err)
		return err == nil, err
	}
	t.rows = rows
	return true, nil
}

func (t *tableFunction) Close(ctx context.Context) error { return t.input.Close(ctx) }
