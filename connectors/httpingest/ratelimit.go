package httpingest

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket: rate tokens per second, holding at most
// burst, one taken per admitted request. It starts full.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu     sync.Mutex
	tokens float64
	last   time.Time // when tokens was last brought up to date
}

// newRateLimiter returns a limiter of rate requests per second with bursts
// of as many (at least one).
func newRateLimiter(rate float64, now func() time.Time) *rateLimiter {
	burst := max(rate, 1)
	return &rateLimiter{rate: rate, burst: burst, now: now, tokens: burst, last: now()}
}

// admit takes a token when there is one; otherwise it returns false and
// how long until there will be.
func (l *rateLimiter) admit() (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if elapsed := now.Sub(l.last); elapsed > 0 {
		l.tokens = min(l.burst, l.tokens+elapsed.Seconds()*l.rate)
		l.last = now
	}
	if l.tokens >= 1 {
		l.tokens--
		return 0, true
	}
	return time.Duration((1 - l.tokens) / l.rate * float64(time.Second)), false
}
