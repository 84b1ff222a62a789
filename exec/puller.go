package exec

import (
	"context"
	"sync"

	"github.com/novelty-db/novelty/types"
)

// puller pulls several live inputs concurrently: each input is pulled by
// its own goroutine into one of two batches it owns, so a quiet input never
// blocks the others, and the batches come out tagged, in arrival order.
// merge (UNION ALL of streams) and the interval join read through one.
type puller struct {
	full   chan pulled
	free   []chan *types.Batch
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// pulled is one batch (or the final error, io.EOF at the end) of input idx.
// The batch belongs to the puller: hand it back with release.
type pulled struct {
	idx int
	b   *types.Batch
	err error
}

// start begins pulling inputs (already open); widths[i] is input i's row
// width. The goroutines outlive ctx's cancellation only until stop.
func (p *puller) start(ctx context.Context, inputs []Operator, widths []int) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	p.full = make(chan pulled, len(inputs))
	p.free = make([]chan *types.Batch, len(inputs))
	for i, in := range inputs {
		p.free[i] = make(chan *types.Batch, 2)
		p.free[i] <- types.NewBatch(widths[i])
		p.free[i] <- types.NewBatch(widths[i])
		p.wg.Add(1)
		go p.pull(runCtx, i, in)
	}
}

// pull reads input idx into its free batches until an error or io.EOF.
func (p *puller) pull(ctx context.Context, idx int, in Operator) {
	defer p.wg.Done()
	for {
		var b *types.Batch
		select {
		case b = <-p.free[idx]:
		case <-ctx.Done():
			return
		}
		err := in.Next(ctx, b)
		select {
		case p.full <- pulled{idx: idx, b: b, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// release hands a pulled batch back to its input's goroutine.
func (p *puller) release(item pulled) { p.free[item.idx] <- item.b }

// stop ends the goroutines and waits for them; a second call does nothing.
func (p *puller) stop() {
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
		p.cancel = nil
	}
}
