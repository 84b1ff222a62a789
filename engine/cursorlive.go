package engine

import (
	"context"
	"sync"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/types"
)

// maxLiveRows bounds the rows a SUBSCRIBE cursor queues between FETCHes;
// past it the cursor holds its producers back, as a SUBSCRIBE client that
// stops reading does once its socket buffers are full.
const maxLiveRows = 32 * types.BatchSize

// livePump pulls a SUBSCRIBE cursor's operator in its own goroutine, so
// the producers keep going while the client is between FETCHes (its
// session may even be INSERTing into the source it subscribed to). Rows
// are queued in batches, small batches packed together.
//
// The pump goroutine is the operator's only caller until stop returns.
// take and release are called by the session, one goroutine at a time.
type livePump struct {
	op    exec.Operator
	width int

	mu     sync.Mutex
	queue  []*types.Batch // full or filling batches, oldest first
	free   []*types.Batch // batches released by the reader, for reuse
	queued int            // rows in queue
	err    error          // why pulling ended (io.EOF at the end); set once

	wake chan struct{} // rows or err arrived (capacity 1)
	room chan struct{} // the reader took rows (capacity 1)
	stop context.CancelFunc
	done chan struct{} // closed when the goroutine ended
}

// startPump starts pulling op, which is already open.
func startPump(op exec.Operator, width int) *livePump {
	ctx, cancel := context.WithCancel(context.Background())
	p := &livePump{op: op, width: width, wake: make(chan struct{}, 1), room: make(chan struct{}, 1),
		stop: cancel, done: make(chan struct{})}
	go p.run(ctx)
	return p
}

func (p *livePump) run(ctx context.Context) {
	defer close(p.done)
	in := types.NewBatch(p.width)
	for {
		if err := p.op.Next(ctx, in); err != nil {
			p.finish(err)
			return
		}
		for !p.enqueue(in) {
			select {
			case <-p.room:
			case <-ctx.Done():
				p.finish(ctx.Err())
				return
			}
		}
	}
}

// enqueue copies in's rows to the queue, unless the queue is full.
func (p *livePump) enqueue(in *types.Batch) bool {
	if in.Len == 0 {
		return true
	}
	p.mu.Lock()
	if p.queued >= maxLiveRows {
		p.mu.Unlock()
		return false
	}
	for i := 0; i < in.Len; i++ {
		if len(p.queue) == 0 || p.queue[len(p.queue)-1].Full() {
			p.queue = append(p.queue, p.batch())
		}
		p.queue[len(p.queue)-1].Append(in.Row(i))
	}
	p.queued += in.Len
	p.mu.Unlock()
	signal(p.wake)
	return true
}

// batch returns an empty batch, reusing a released one (p.mu held).
func (p *livePump) batch() *types.Batch {
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		b.Reset(p.width)
		return b
	}
	return types.NewBatch(p.width)
}

func (p *livePump) finish(err error) {
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
	signal(p.wake)
}

// take returns the oldest queued batch, which the caller owns until it
// releases it. With nothing queued it returns (nil, nil) unless wait is
// set; then it waits for rows until ctx ends. After the last row it
// returns the error that ended pulling (io.EOF when the input ended).
func (p *livePump) take(ctx context.Context, wait bool) (*types.Batch, error) {
	for {
		p.mu.Lock()
		if len(p.queue) > 0 {
			b := p.queue[0]
			p.queue[0] = nil
			p.queue = p.queue[1:]
			p.queued -= b.Len
			p.mu.Unlock()
			signal(p.room)
			return b, nil
		}
		err := p.err
		p.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if !wait {
			return nil, nil
		}
		select {
		case <-p.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// release hands back a batch from take once its rows were read.
func (p *livePump) release(b *types.Batch) {
	p.mu.Lock()
	p.free = append(p.free, b)
	p.mu.Unlock()
}

// close stops the goroutine, waits for it, and closes the operator.
func (p *livePump) close() error {
	p.stop()
	<-p.done
	return p.op.Close(context.Background())
}

// signal wakes the waiter on ch, if any, without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
