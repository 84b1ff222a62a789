package storage

import (
	"context"
	"fmt"
	"log/slog"
)

// pebbleLogger routes Pebble's log lines to a slog.Logger. Pebble's
// informational lines are housekeeping (WAL and compaction events), so they
// go out at Debug level; its errors at Error level.
type pebbleLogger struct {
	log *slog.Logger
}

func (p pebbleLogger) Infof(format string, args ...any) {
	p.emit(slog.LevelDebug, format, args)
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.emit(slog.LevelError, format, args)
}

// Fatalf is Pebble's report of a broken internal invariant. Pebble's code
// after the call assumes it does not return (its default logger exits the
// process), so after logging this panics rather than let Pebble continue
// on a state it knows is inconsistent.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.log.Error(msg, "component", "pebble", "fatal", true)
	panic("pebble: " + msg)
}

func (p pebbleLogger) emit(level slog.Level, format string, args []any) {
	if !p.log.Enabled(context.Background(), level) {
		return
	}
	p.log.Log(context.Background(), level, fmt.Sprintf(format, args...), "component", "pebble")
}
