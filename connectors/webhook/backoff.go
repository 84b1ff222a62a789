package webhook

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff returns the wait before retry number attempt (0 for the first):
// full jitter, a uniformly random duration up to InitialBackoff doubled
// attempt times, capped at MaxBackoff.
func (s *Sink) backoff(attempt int) time.Duration {
	limit := s.cfg.MaxBackoff
	if attempt < 32 && InitialBackoff<<attempt < limit {
		limit = InitialBackoff << attempt
	}
	return s.cfg.Jitter(limit)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date. It returns 0 when the header is absent, unreadable or in the past.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 || secs > math.MaxInt64/int64(time.Second) {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// jitter is the default Config.Jitter.
func jitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(limit) + 1))
}
