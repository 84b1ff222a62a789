package engine

import (
	"context"
	"sync"
)

// advisoryLocks are Postgres' session-level advisory locks: a key is held
// by one session at a time, re-entrantly, until it unlocks as often as it
// locked or the session ends. Migration tools use them to run alone.
type advisoryLocks struct {
	mu   sync.Mutex
	held map[int64]*advisoryHold
}

type advisoryHold struct {
	owner *Session
	count int
	// released is closed when the lock is free again.
	released chan struct{}
}

// lock takes key for s; with wait it waits (until ctx ends) for another
// session to release it, else it reports false at once.
func (l *advisoryLocks) lock(ctx context.Context, s *Session, key int64, wait bool) (bool, error) {
	for {
		l.mu.Lock()
		if l.held == nil {
			l.held = make(map[int64]*advisoryHold)
		}
		h := l.held[key]
		switch {
		case h == nil:
			l.held[key] = &advisoryHold{owner: s, count: 1, released: make(chan struct{})}
			l.mu.Unlock()
			return true, nil
		case h.owner == s:
			h.count++
			l.mu.Unlock()
			return true, nil
		case !wait:
			l.mu.Unlock()
			return false, nil
		}
		released := h.released
		l.mu.Unlock()
		select {
		case <-released:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// unlock releases one hold of key by s; false if s did not hold it.
func (l *advisoryLocks) unlock(s *Session, key int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.held[key]
	if h == nil || h.owner != s {
		return false
	}
	h.count--
	if h.count == 0 {
		delete(l.held, key)
		close(h.released)
	}
	return true
}

// releaseAll drops every lock s holds (the session ended).
func (l *advisoryLocks) releaseAll(s *Session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, h := range l.held {
		if h.owner == s {
			delete(l.held, key)
			close(h.released)
		}
	}
}
