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

// TransactionalSink is a sink whose output becomes visible only with the
// checkpoint that covers it (Kafka transactions): exactly once even across
// a crash. The engine calls Prepare at each checkpoint barrier, after Flush,
// from the sink's goroutine; Commit once that checkpoint is durable, from
// the checkpoint goroutine (concurrently with Write); Recover before the
// first Write.
type TransactionalSink interface {
	Sink
	// Prepare ends the output written since the last Prepare (it stays
	// invisible) and returns what Commit and Recover need to commit it and
	// every earlier prepared output not committed yet (a checkpoint may be
	// abandoned): the checkpoint stores it. Rows written after Prepare
	// belong to the next checkpoint.
	Prepare(ctx context.Context, epoch uint64) ([]byte, error)
	// Commit makes visible the output prepared for checkpoint epoch and
	// every earlier one. A second call for the same epoch does nothing.
	Commit(ctx context.Context, epoch uint64) error
	// Recover runs at start with the Prepare result stored in the restored
	// checkpoint (nil when there is none): it commits that output if a crash
	// came between the checkpoint and Commit, and discards any output
	// prepared or written after it.
	Recover(ctx context.Context, prepared []byte) error
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
