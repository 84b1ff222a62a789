package connectors

import (
	"context"

	"github.com/novelty-db/novelty/types"
)

// Sink delivers rows to an external system. The engine calls Write with
// each batch of the stream the sink reads, Flush at checkpoints, and Close
// at the end, all from one goroutine.
//
// A sink never drops rows: when the external system is unavailable Write or
// Flush retries with backoff (holding the stream back) until it succeeds or
// ctx is done, and only then returns an error.
type Sink interface {
	// Write delivers or buffers the rows of b. It must not keep b or any
	// slice of it after returning.
	Write(ctx context.Context, b *types.Batch) error
	// Flush makes every row written so far durable in the external system.
	Flush(ctx context.Context) error
	// Close flushes buffered rows without waiting for durability and
	// releases the sink. It is idempotent.
	Close() error
}

// RewindableSink is a sink whose output can be cut back to a checkpoint (a
// file), so after a crash the rows written since are not there twice.
type RewindableSink interface {
	Sink
	// Position returns where the output ends, once Flush returned: the
	// checkpoint keeps it.
	Position() ([]byte, error)
	// Rewind discards the output after pos (a Position result). It is
	// called before the first Write.
	Rewind(pos []byte) error
}

// SinkConfig is what a SinkFactory gets to build a sink.
type SinkConfig struct {
	// Name is the sink's name in the catalog.
	Name string
	// Schema is the columns of the rows the sink receives.
	Schema types.Schema
	// Options are the validated WITH options, defaults applied (Validate).
	Options map[string]string
	// BaseDir resolves relative file paths.
	BaseDir string
}

// SinkFactory builds sinks of one connector kind.
type SinkFactory struct {
	// Name is the connector name users write in connector = '...'.
	Name string
	// Options declares the WITH options; Validate checks them before New.
	Options []OptionSpec
	// New builds a ready sink.
	New func(cfg SinkConfig) (Sink, error)
}
