// Package engine is the running system: the catalog of sources, streams,
// sinks and tables (persisted in storage), statement execution for
// sessions, and the pipelines that keep streams and sinks running.
package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// Config configures an Engine.
type Config struct {
	// Store holds the catalog, tables, logs and state.
	Store *storage.Store
	// Connectors are the connectors CREATE SOURCE and CREATE SINK may name.
	Connectors *connectors.Registry
	// Clock is the engine's time source; tests inject their own.
	Clock func() time.Time
	// Logger receives structured logs.
	Logger *slog.Logger
	// BaseDir resolves relative file paths of connectors.
	BaseDir string
	// Virtual provides pg_catalog and information_schema (nil: none).
	Virtual VirtualTables
	// CheckpointInterval is how often checkpoints are taken; zero takes
	// them only when the engine closes.
	CheckpointInterval time.Duration
}

// DefaultCheckpointInterval is the checkpoint interval of the server.
const DefaultCheckpointInterval = time.Second

// Engine owns the catalog and every running pipeline.
type Engine struct {
	cfg   Config
	store *storage.Store
	log   *slog.Logger
	clock func() time.Time

	// ctx lives as long as the engine; pipelines run under it.
	ctx    context.Context
	cancel context.CancelFunc

	// ddl serialises catalog changes (CREATE, DROP) so dependency checks
	// and persistence happen in one order.
	ddl sync.Mutex
	mu  sync.RWMutex
	// objects holds every catalog object by name.
	objects map[string]*object
	// errors is the system source novelty_errors; errorQueue feeds it.
	errors     *object
	errorQueue chan []types.Datum
	// restoring is set while Open re-creates the catalog: connector sources
	// start only once every stream and sink reading them has subscribed.
	restoring bool

	// tableWrites serialises writers of tables (see Session.lockTableWrites).
	tableWrites sync.Mutex
	serialMu    sync.Mutex
	sequences   map[string]*sequence
	wg          sync.WaitGroup

	// advisory holds the sessions' advisory locks; pids numbers sessions.
	advisory advisoryLocks
	pids     atomic.Int32

	noveltyMu sync.Mutex
	// novelty holds the novelty contexts opened so far, by name.
	novelty map[string]*noveltyModel

	checkpoints *checkpoints
}

// record is what the catalog persists per object: enough to re-run its
// CREATE statement on start.
type record struct {
	ID   uint64            `json:"id"`
	Kind parser.ObjectKind `json:"kind"`
	Name string            `json:"name"`
	SQL  string            `json:"sql"`
}

// ErrorsSource is the name of the system source bad records go to.
const ErrorsSource = "novelty_errors"

// Open starts an engine over cfg.Store: it re-creates every persisted
// object and restarts its pipelines.
func Open(cfg Config) (*Engine, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Connectors == nil {
		cfg.Connectors = connectors.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		cfg: cfg, store: cfg.Store, log: cfg.Logger, clock: cfg.Clock,
		ctx: ctx, cancel: cancel, objects: make(map[string]*object),
		novelty: make(map[string]*noveltyModel), errorQueue: make(chan []types.Datum, errorQueueDepth),
		sequences: make(map[string]*sequence),
	}
	e.errors = e.newErrorsSource()
	e.errors.stats.watermark.Store(types.NoWatermark)
	e.objects[ErrorsSource] = e.errors
	var err error
	if e.checkpoints, err = newCheckpoints(e); err != nil {
		cancel()
		return nil, err
	}
	if err := e.restore(); err != nil {
		e.stop()
		return nil, err
	}
	e.wg.Add(2)
	go e.maintain()
	go e.publishErrors()
	if cfg.CheckpointInterval > 0 {
		e.wg.Add(1)
		go e.checkpoints.run(cfg.CheckpointInterval)
	}
	return e, nil
}

// restore re-creates the persisted catalog in creation order.
func (e *Engine) restore() error {
	entries, err := e.store.Catalog()
	if err != nil {
		return fmt.Errorf("engine: reading catalog: %w", err)
	}
	recs := make([]record, 0, len(entries))
	for _, entry := range entries {
		var r record
		if err := json.Unmarshal(entry.Value, &r); err != nil {
			return fmt.Errorf("engine: catalog entry %q: %w", entry.Name, err)
		}
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b record) int { return cmp.Compare(a.ID, b.ID) })
	e.restoring = true
	defer func() { e.restoring = false }()
	for _, r := range recs {
		stmts, err := parser.Parse(r.SQL)
		if err == nil && len(stmts) == 1 {
			err = e.create(stmts[0], r.ID)
		} else if err == nil {
			err = fmt.Errorf("catalog entry holds %d statements", len(stmts))
		}
		if err != nil {
			// One object that cannot come back (a connector's file gone, a
			// dependency that failed) must not keep the others down.
			e.log.Error("could not restore object; it stays in the catalog and is retried on the next start",
				"kind", r.Kind.String(), "name", r.Name, "err", err)
			continue
		}
		e.log.Info("restored", "kind", r.Kind.String(), "name", r.Name)
	}
	// Every stream and sink has subscribed: sources replay what came after
	// the checkpoint the streams were restored to.
	for _, o := range e.sortedObjects(parser.KindSource) {
		if o.connector != "" {
			if err := e.startSource(o); err != nil {
				return fmt.Errorf("engine: starting source %q: %w", o.name, err)
			}
		} else if err := e.replayFedSource(e.ctx, o); err != nil {
			return fmt.Errorf("engine: replaying source %q: %w", o.name, err)
		}
	}
	return nil
}

// closeCheckpointTimeout bounds the final checkpoint Close takes: long
// enough for a large novelty context (~16 s for 1 GB of state on a 2-core
// VM), short enough for a service manager's stop timeout.
const closeCheckpointTimeout = 30 * time.Second

// Close takes a last checkpoint and stops every pipeline. It does not
// close the store.
func (e *Engine) Close() {
	ctx, cancel := context.WithTimeout(e.ctx, closeCheckpointTimeout)
	if err := e.Checkpoint(ctx); err != nil {
		e.log.Error("final checkpoint failed; the next start resumes from the one before", "err", err)
	}
	cancel()
	e.stop()
}

// stop stops every pipeline and the engine's own goroutines.
func (e *Engine) stop() {
	e.cancel()
	e.mu.Lock()
	objs := make([]*object, 0, len(e.objects))
	for _, o := range e.objects {
		objs = append(objs, o)
	}
	e.mu.Unlock()
	for _, o := range objs {
		o.stop()
	}
	e.wg.Wait()
}

// lookup returns the object named name.
func (e *Engine) lookup(name string) (*object, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	o, ok := e.objects[name]
	return o, ok
}

// Relation implements planner.Catalog.
func (e *Engine) Relation(name string) (*planner.Relation, bool) {
	if schema, rel, qualified := strings.Cut(name, "."); qualified {
		if e.cfg.Virtual == nil {
			return nil, false
		}
		cols, ok := e.cfg.Virtual.Lookup(schema, rel)
		if !ok {
			return nil, false
		}
		oid, _ := e.cfg.Virtual.OID(schema, rel)
		return &planner.Relation{Name: name, Kind: parser.KindTable, Schema: cols, EventTime: -1, Virtual: true, OID: oid}, true
	}
	o, ok := e.lookup(name)
	if !ok || o.kind == parser.KindSink {
		return nil, false
	}
	return o.rel, true
}

var _ planner.Catalog = (*Engine)(nil)

// persist writes the catalog record of o.
func (e *Engine) persist(o *object, sql string) error {
	data, err := json.Marshal(record{ID: o.id, Kind: o.kind, Name: o.name, SQL: sql})
	if err != nil {
		return err
	}
	return e.store.PutCatalog(o.name, data)
}

// sortedObjects returns the objects of one kind in name order.
func (e *Engine) sortedObjects(kind parser.ObjectKind) []*object {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []*object
	for _, o := range e.objects {
		if o.kind == kind {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b *object) int { return strings.Compare(a.name, b.name) })
	return out
}

// trimEvery is how often retention is applied to the logs.
const trimEvery = 10 * time.Second

// maintain applies retention to the logs periodically until the engine
// closes.
func (e *Engine) maintain() {
	defer e.wg.Done()
	trim := time.NewTicker(trimEvery)
	defer trim.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-trim.C:
			e.trimOnce()
		}
	}
}

// trimOnce applies retention to every log once.
func (e *Engine) trimOnce() {
	now := e.clock()
	e.mu.RLock()
	objs := make([]*object, 0, len(e.objects))
	for _, o := range e.objects {
		if o.log != nil {
			objs = append(objs, o)
		}
	}
	e.mu.RUnlock()
	for _, o := range objs {
		if _, err := o.log.Trim(now.Add(-o.retention)); err != nil {
			e.log.Warn("trimming retained rows", "name", o.name, "err", err)
		}
	}
}

// errorsSchema is the schema of novelty_errors.
var errorsSchema = types.Schema{
	{Name: "source", Type: types.Text},
	{Name: "raw", Type: types.Text, Nullable: true},
	{Name: "error", Type: types.Text},
	{Name: "offset", Type: types.Text, Nullable: true},
	{Name: "ts", Type: types.TimestampTZ},
}

// errorsID is the fixed object id of novelty_errors' retention log, far
// above the ids NextID hands out to user objects.
const errorsID = 1 << 62

// Wait blocks until the pipeline of the source, stream or sink named name
// has stopped (a bounded input ended, or it failed) or ctx ends. It returns
// the pipeline's last error, if any.
func (e *Engine) Wait(ctx context.Context, name string) error {
	o, ok := e.lookup(name)
	if !ok || o.done == nil {
		return types.Errorf(types.CodeUndefinedObject, "%q has no running pipeline", name)
	}
	select {
	case <-o.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if msg := o.stats.errorText(); msg != "" {
		return fmt.Errorf("%s %s: %s", o.kind, name, msg)
	}
	return nil
}
