package exec

import (
	"context"
	"io"

	"github.com/novelty-db/novelty/types"
)

// merge interleaves live inputs (UNION ALL of streams), read through a
// puller so a quiet input never blocks the others. The output watermark is the minimum of the
// inputs' watermarks, once every input has sent one.
type merge struct {
	inputs []Operator
	width  int
	pull   puller
	marks  []int64
	done   []bool
	ended  int
}

var _ Operator = (*merge)(nil)

func newMerge(inputs []Operator, width int) *merge {
	return &merge{inputs: inputs, width: width}
}

func (m *merge) Open(ctx context.Context) error {
	if err := openAll(ctx, m.inputs...); err != nil {
		return err
	}
	m.marks = make([]int64, len(m.inputs))
	m.done = make([]bool, len(m.inputs))
	widths := make([]int, len(m.inputs))
	for i := range m.inputs {
		m.marks[i] = types.NoWatermark
		widths[i] = m.width
	}
	m.pull.start(ctx, m.inputs, widths)
	return nil
}

func (m *merge) Next(ctx context.Context, b *types.Batch) error {
	for {
		var item pulled
		select {
		case item = <-m.pull.full:
		case <-ctx.Done():
			return ctx.Err()
		}
		if item.err == io.EOF {
			m.ended++
			m.done[item.idx] = true
			if m.ended == len(m.inputs) {
				b.Reset(m.width)
				return io.EOF
			}
			continue
		}
		if item.err != nil {
			return item.err
		}
		b.Reset(m.width)
		b.Datums = append(b.Datums, item.b.Datums...)
		b.Len = item.b.Len
		if item.b.Watermark != types.NoWatermark {
			m.marks[item.idx] = item.b.Watermark
		}
		m.pull.release(item)
		b.Watermark = m.watermark()
		if b.Len > 0 || b.Watermark != types.NoWatermark {
			return nil
		}
	}
}

// watermark is the minimum watermark over the inputs still running, or
// NoWatermark while one of them has not sent one.
func (m *merge) watermark() int64 {
	low, any := types.NoWatermark, false
	for i, w := range m.marks {
		if m.done[i] {
			continue
		}
		if w == types.NoWatermark {
			return types.NoWatermark
		}
		if !any || w < low {
			low, any = w, true
		}
	}
	return low
}

func (m *merge) Close(ctx context.Context) error {
	m.pull.stop()
	return closeAll(ctx, m.inputs...)
}
