// Package wait holds the context-aware sleep connectors retry with.
package wait

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, and then returns ctx.Err(). A
// non-positive d does not wait.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
