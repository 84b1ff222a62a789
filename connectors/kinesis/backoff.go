package kinesis

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleeper waits d or until ctx is done, then returns ctx.Err(). Tests
// inject one that advances a fake clock instead of waiting.
type Sleeper func(ctx context.Context, d time.Duration) error

// Backoff is exponential backoff with jitter: attempt n (from 1) waits a
// random duration in [d/2, d] where d = Base·2^(n-1), capped at Max. The
// jitter keeps many sinks or shards that failed together from retrying in
// lock step.
type Backoff struct {
	Base, Max time.Duration
	// Rand returns a number in [0, 1); nil means math/rand/v2.
	Rand func() float64
}

// Delay returns how long to wait before attempt n+1 after n failures.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	return d/2 + time.Duration(r()*float64(d/2))
}
