package exec

import (
	"context"
	"io"
	"sync"

	"github.com/novelty-db/novelty/types"
)

// merge interleaves live inputs (UNION ALL of streams): each input is pulled
// by its own goroutine into one of two batches it owns, so a quiet input
// never blocks the others. The output watermark is the minimum of the
// inputs' watermarks, once every input has sent one.
type merge struct {
	inputs []Operator
	width  int
	full   chan mergeItem
	free   []chan *types.Batch
	marks  []int64
	done   []bool
	ended  int
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// mergeItem is one batch (or the final error) of input idx.
type mergeItem struct {
	idx int
	b   *types.Batch
	err error
}

var _ Operator = (*merge)(nil)

func newMerge(inputs []Operator, width int) *merge {
	return &merge{inputs: inputs, width: width}
}

func (m *merge) Open(ctx context.Context) error {
	if err := openAll(ctx, m.inputs...); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.full = make(chan mergeItem, len(m.inputs))
	m.free = make([]chan *types.Batch, len(m.inputs))
	m.marks = make([]int64, len(m.inputs))
	m.done = make([]bool, len(m.inputs))
	for i, in := range m.inputs {
		m.marks[i] = types.NoWatermark
		m.free[i] = make(chan *types.Batch, 2)
		m.free[i] <- types.NewBatch(m.width)
		m.free[i] <- types.NewBatch(m.width)
		m.wg.Add(1)
		go m.pull(runCtx, i, in)
	}
	return nil
}

func (m *merge) pull(ctx context.Context, idx int, in Operator) {
	defer m.wg.Done()
	for {
		var b *types.Batch
		select {
		case b = <-m.free[idx]:
		case <-ctx.Done():
			return
		}
		err := in.Next(ctx, b)
		select {
		case m.full <- mergeItem{idx: idx, b: b, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

func (m *merge) Next(ctx context.Context, b *types.Batch) error {
	for {
		var item mergeItem
		select {
		case item = <-m.full:
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
		m.free[item.idx] <- item.b
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
	if m.cancel != nil {
		m.cancel()
		m.wg.Wait()
		m.cancel = nil
	}
	return closeAll(ctx, m.inputs...)
}
