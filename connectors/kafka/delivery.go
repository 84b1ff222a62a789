package kafka

import (
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
)

// chunk owns the records of one Write, and the bytes their values and keys
// point into, until the brokers acknowledge every one of them: Write
// returns before that, and the batch it was given is not kept.
type chunk struct {
	owner   *delivery
	buf     []byte
	records []kgo.Record
	// pending counts the records not acknowledged yet; a failed record
	// stays pending until a retry of it succeeds.
	pending atomic.Int64
	// promise is delivered as a method value made once, so producing a
	// record allocates no closure.
	promise func(*kgo.Record, error)
}

// delivered is every record's promise. The client calls promises one at a
// time, in order per partition.
func (c *chunk) delivered(r *kgo.Record, err error) {
	if err != nil {
		c.owner.fail(failedRecord{r, c}, err)
		return
	}
	c.owner.unacked.Add(-1)
	if c.pending.Add(-1) == 0 {
		c.owner.recycle(c)
	}
}

// delivery tracks the records produced asynchronously: it hands out chunks
// for new records, takes them back once all are acknowledged, and keeps the
// records that failed until the sink produces them again. It is safe for
// the sink's goroutine and the client's promise goroutine.
type delivery struct {
	// unacked counts the records handed out in chunks and not acknowledged
	// yet, failed ones included.
	unacked atomic.Int64

	mu     sync.Mutex
	free   []*chunk
	failed []failedRecord // in the order they failed
	err    error          // the first failure since takeFailed
}

// failedRecord is a record whose delivery failed and the chunk that owns
// it, whose promise it is produced again with.
type failedRecord struct {
	record *kgo.Record
	chunk  *chunk
}

// chunk returns an empty chunk for n records, reusing an acknowledged one
// when there is one.
func (d *delivery) chunk(n int) *chunk {
	d.mu.Lock()
	var c *chunk
	if k := len(d.free); k > 0 {
		c, d.free = d.free[k-1], d.free[:k-1]
	}
	d.mu.Unlock()
	if c == nil {
		c = &chunk{owner: d}
		c.promise = c.delivered
	}
	if cap(c.records) < n {
		c.records = make([]kgo.Record, n)
	}
	c.records = c.records[:n]
	c.buf = c.buf[:0]
	c.pending.Store(int64(n))
	d.unacked.Add(int64(n))
	return c
}

func (d *delivery) recycle(c *chunk) {
	d.mu.Lock()
	d.free = append(d.free, c)
	d.mu.Unlock()
}

func (d *delivery) fail(f failedRecord, err error) {
	d.mu.Lock()
	d.failed = append(d.failed, f)
	if d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
}

// takeFailed returns the records that failed since the last call, oldest
// first, and the first of their errors; nil when none failed. The caller
// must produce them again: their chunks stay held until they succeed.
func (d *delivery) takeFailed() ([]failedRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	failed, err := d.failed, d.err
	d.failed, d.err = nil, nil
	return failed, err
}
