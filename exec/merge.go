package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// merge interleaves live inputs (UNION ALL of streams), read through a
// puller so a quiet input never blocks the others. The output watermark is
// the minimum of the inputs' watermarks, once every input has sent one.
// Checkpoint barriers are aligned across the inputs (see aligner).
type merge struct {
	inputs []Operator
	width  int
	pull   puller
	align  aligner
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
	m.ended = 0
	widths := make([]int, len(m.inputs))
	for i := range m.inputs {
		m.marks[i] = types.NoWatermark
		widths[i] = m.width
	}
	m.align.reset(len(m.inputs))
	m.pull.start(ctx, m.inputs, widths)
	return nil
}

func (m *merge) running(i int) bool { return !m.done[i] }

func (m *merge) Next(ctx context.Context, b *types.Batch) error {
	for {
		item, _, err := m.align.next(ctx, &m.pull, true)
		if err != nil {
			return err
		}
		if item.err == io.EOF {
			m.ended++
			m.done[item.idx] = true
			if epoch := m.align.complete(m.running); epoch != 0 {
				b.Reset(m.width)
				b.Barrier = epoch
				return nil
			}
			if m.ended == len(m.inputs) {
				b.Reset(m.width)
				return io.EOF
			}
			continue
		}
		if item.err != nil {
			return item.err
		}
		if item.b.IsBarrier() {
			epoch := m.align.barrier(item.idx, item.b.Barrier, m.running)
			m.pull.release(item)
			if epoch != 0 {
				b.Reset(m.width)
				b.Barrier = epoch
				return nil
			}
			continue
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

// appendState saves the inputs' watermarks: after a restart the output
// watermark must not fall back below what was already passed on.
func (m *merge) appendState(buf []byte) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(len(m.marks)))
	for _, w := range m.marks {
		buf = binary.AppendVarint(buf, w)
	}
	return buf, nil
}

func (m *merge) loadState(data []byte) error {
	r := storage.NewStateReader(data, "merge")
	if n := r.Items(); !r.Failed() && n != len(m.marks) {
		return fmt.Errorf("exec: merge state for %d inputs, the merge has %d", n, len(m.marks))
	}
	marks := make([]int64, len(m.marks))
	for i := range marks {
		marks[i] = r.Varint()
	}
	if err := r.Finish(); err != nil {
		return err
	}
	copy(m.marks, marks)
	return nil
}
