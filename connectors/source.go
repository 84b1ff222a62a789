// Package connectors is the framework sources and sinks plug into: option
// declarations and validation, the Source and Sink contracts, the bad-record
// policy, record formats chosen by options, and the Registry the engine
// looks connectors up in.
//
// Connector implementations live in subpackages (connectors/file, ...) that
// do not import this package: their types satisfy Source and Sink
// structurally, and the factories that adapt options to them live here, so
// Default can register every built-in connector without an import cycle.
package connectors

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/novelty-db/novelty/types"
)

// Source is one running instance of a source connector. The engine calls
// Open once, then Read repeatedly from one goroutine, and Close at the end.
//
// Offsets are opaque bytes owned by the connector. A connector with
// partitions or shards encodes all of their positions in one offset, so a
// checkpoint stores a single value per source.
type Source interface {
	// Open connects and positions the source just after offset, as returned
	// by an earlier Offset; nil means from the start (or wherever the
	// connector's options say a fresh source begins).
	Open(ctx context.Context, offset []byte) error
	// Read resets b and fills it with 1 to types.BatchSize rows of the
	// source's schema width. It blocks until at least one row is available
	// or ctx is done (then it returns ctx.Err()). A bounded source returns
	// io.EOF once it is exhausted; an unbounded one never does. Records that
	// do not decode are handled by the on_error policy and never end the
	// read unless the policy is 'fail'. Transient errors of the external
	// system are retried inside Read; an error returned from Read is final.
	// On error the content of b is undefined and Offset does not move.
	Read(ctx context.Context, b *types.Batch) error
	// Offset returns the position after the last row returned by Read, for
	// checkpoints. The caller may keep the slice; the source does not
	// modify it afterwards.
	Offset() []byte
	// Close releases the source. It is idempotent and safe after a failed
	// Open.
	Close() error
}

// SourceConfig is what a SourceFactory gets to build a source.
type SourceConfig struct {
	// Name is the source's name in the catalog (for errors and bad records).
	Name string
	// Schema is the declared columns; Read fills rows of this width.
	Schema types.Schema
	// Options are the validated WITH options, defaults applied (Validate).
	Options map[string]string
	// Paths maps a column name to its PATH option ('$.a.b', '$.a[0]'): where
	// a json-format source finds that column's value.
	Paths map[string]string
	// Metadata maps a column name to the record metadata it holds (METADATA
	// FROM 'key'): the connector fills that column from the record's
	// envelope, never from its payload. Keys are ones the factory declared
	// in SourceFactory.Metadata (the engine checks before New).
	Metadata map[string]string
	// Errors receives bad records under on_error = 'dead_letter'; nil
	// discards them (they are still counted).
	Errors ErrorReporter
	// Clock stamps bad records; nil means time.Now.
	Clock func() time.Time
	// BaseDir resolves relative file paths.
	BaseDir string
}

// SourceFactory builds sources of one connector kind.
type SourceFactory struct {
	// Name is the connector name users write in connector = '...'.
	Name string
	// Options declares the WITH options; Validate checks them before New.
	Options []OptionSpec
	// New builds an unopened source. It fails with a *types.Error when an
	// option value is unusable (a bad delimiter, a path that is a directory).
	New func(cfg SourceConfig) (Source, error)
	// Schema, when set, gives the columns of a source declared without a
	// column list, from its validated options (nexmark's tables).
	Schema func(options map[string]string) (types.Schema, error)
	// Metadata lists the metadata keys columns may declare (METADATA FROM
	// 'key'); empty when the connector has none.
	Metadata []string
}

// ValidateMetadata checks that every metadata column names a key the
// connector provides.
func ValidateMetadata(connector string, f SourceFactory, columns map[string]string) error {
	for col, key := range columns {
		if !slices.Contains(f.Metadata, strings.ToLower(key)) {
			if len(f.Metadata) == 0 {
				return types.Errorf(types.CodeInvalidParameterValue,
					"column %q: connector %q provides no record metadata", col, connector)
			}
			return types.Errorf(types.CodeInvalidParameterValue,
				"column %q: connector %q has no metadata %q", col, connector, key).
				WithHint("Allowed values: %s.", strings.Join(f.Metadata, ", "))
		}
	}
	return nil
}

// BadRecordCounter is implemented by sources that count the records their
// on_error policy skipped or sent to the dead-letter reporter.
type BadRecordCounter interface {
	// BadRecords returns the number of bad records seen so far. It may be
	// called from any goroutine.
	BadRecords() int64
}

func (c SourceConfig) now() time.Time {
	if c.Clock == nil {
		return time.Now()
	}
	return c.Clock()
}
