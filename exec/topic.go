package exec

import (
	"context"
	"io"
	"sync"

	"github.com/novelty-db/novelty/types"
)

// Topic fans the output of one source or stream out to its readers:
// downstream streams, sinks and SUBSCRIBE sessions. Each reader has a
// bounded buffer of batches; a publisher blocks while any reader's buffer is
// full, so a slow reader holds the producer back (backpressure) rather than
// losing rows.
type Topic struct {
	width int
	// retain, when set, is called with every published batch before the
	// readers see it (the relation's retention log).
	retain func(*types.Batch) error

	// publish serialises publishers so every reader sees batches in one order.
	publish sync.Mutex
	// readers is Publish's reused snapshot of subs (guarded by publish).
	readers []*Subscription
	// mu guards subs and closed, and makes retaining a batch atomic with
	// choosing its readers.
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// NewTopic returns a topic for rows of width columns.
func NewTopic(width int, retain func(*types.Batch) error) *Topic {
	return &Topic{width: width, retain: retain, subs: make(map[*Subscription]struct{})}
}

// DefaultDepth is the number of batches a reader may fall behind before the
// publisher waits.
const DefaultDepth = 4

// Subscribe adds a reader that sees every batch published from now on. The
// subscription must be closed when the reader is done.
func (t *Topic) Subscribe(depth int) *Subscription {
	return t.SubscribeAfter(depth, nil)
}

// SubscribeAfter is Subscribe with snapshot, when set, called atomically
// with joining: what snapshot observes of the retention log and what the
// subscription receives neither overlap nor leave a gap. A reader
// backfills from the log up to the snapshot, then reads live. It never
// waits for a publisher blocked on a slow reader.
func (t *Topic) SubscribeAfter(depth int, snapshot func()) *Subscription {
	s := &Subscription{
		topic:  t,
		free:   make(chan *types.Batch, depth),
		full:   make(chan *types.Batch, depth),
		closed: make(chan struct{}),
		ended:  make(chan struct{}),
	}
	for i := 0; i < depth; i++ {
		s.free <- types.NewBatch(t.width)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if snapshot != nil {
		snapshot()
	}
	if t.closed {
		close(s.ended)
	} else {
		t.subs[s] = struct{}{}
	}
	return s
}

// Publish delivers b to the retention log and to every reader. It blocks
// while a reader's buffer is full, until ctx is done. b is not kept.
func (t *Topic) Publish(ctx context.Context, b *types.Batch) error {
	return t.send(ctx, b, t.retain)
}

// Republish delivers b to every reader but not to the retention log: for
// rows the log already holds, replayed to readers restored to a point
// before them. Otherwise it is Publish.
func (t *Topic) Republish(ctx context.Context, b *types.Batch) error {
	return t.send(ctx, b, nil)
}

// send delivers b to retain, when set, and to every reader.
func (t *Topic) send(ctx context.Context, b *types.Batch, retain func(*types.Batch) error) error {
	t.publish.Lock()
	defer t.publish.Unlock()
	// Retaining and choosing the readers happen under mu, so a subscriber
	// joins either before this batch (and receives it) or after it was
	// retained (and its snapshot includes it).
	t.mu.Lock()
	if retain != nil && b.Len > 0 {
		if err := retain(b); err != nil {
			t.mu.Unlock()
			return err
		}
	}
	t.readers = t.readers[:0]
	for s := range t.subs {
		t.readers = append(t.readers, s)
	}
	t.mu.Unlock()
	for _, s := range t.readers {
		if err := s.deliver(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// Readers is the number of current subscriptions.
func (t *Topic) Readers() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.subs)
}

// Close ends the topic: every reader gets io.EOF once it has drained what
// was published before.
func (t *Topic) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	for s := range t.subs {
		close(s.ended)
	}
	t.subs = nil
}

// Subscription is one reader of a Topic. It is an Operator producing the
// topic's batches, so a live scan is simply a subscription.
type Subscription struct {
	topic *Topic
	free  chan *types.Batch
	full  chan *types.Batch
	// closed is closed by the reader (Close); ended by the topic (Topic.Close).
	closed    chan struct{}
	ended     chan struct{}
	closeOnce sync.Once
}

var _ Operator = (*Subscription)(nil)

func (s *Subscription) deliver(ctx context.Context, b *types.Batch) error {
	select {
	case nb := <-s.free:
		nb.Reset(b.Width)
		nb.Datums = append(nb.Datums, b.Datums[:b.Len*b.Width]...)
		nb.Len = b.Len
		nb.Watermark, nb.Barrier = b.Watermark, b.Barrier
		s.full <- nb
		return nil
	case <-s.closed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Open implements Operator; the subscription is live from Subscribe on.
func (s *Subscription) Open(context.Context) error { return nil }

// Next returns the next published batch in b, blocking until there is one.
// It returns io.EOF when the topic closed and everything was read. b's
// storage is exchanged for the batch's: the storage b held before the
// call goes back to the publisher (as with any Operator, nothing may keep
// using rows of b across a call to Next).
func (s *Subscription) Next(ctx context.Context, b *types.Batch) error {
	var nb *types.Batch
	select {
	case nb = <-s.full:
	default:
		select {
		case nb = <-s.full:
		case <-s.ended:
			select {
			case nb = <-s.full:
			default:
				b.Reset(s.topic.width)
				return io.EOF
			}
		case <-s.closed:
			b.Reset(s.topic.width)
			return io.EOF
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// b takes nb's storage and nb goes back to the publisher with b's, so a
	// batch is copied once per reader (in deliver), not twice.
	b.Reset(nb.Width)
	b.Datums, nb.Datums = nb.Datums, b.Datums[:0]
	b.Len = nb.Len
	b.Watermark, b.Barrier = nb.Watermark, nb.Barrier
	s.free <- nb
	return nil
}

// Close unsubscribes. A publisher blocked on this reader is released.
func (s *Subscription) Close(context.Context) error {
	s.closeOnce.Do(func() {
		close(s.closed)
		t := s.topic
		t.mu.Lock()
		delete(t.subs, s)
		t.mu.Unlock()
	})
	return nil
}
