package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/novelty-db/novelty/connectors"
	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// defaultRetention is how long a source's or stream's output stays readable
// by bounded SELECT unless its retention option says otherwise.
const defaultRetention = time.Hour

// create runs a CREATE statement. id is 0 for a new object (it gets a fresh
// id and is persisted) or the persisted id when restoring the catalog.
func (e *Engine) create(stmt parser.Statement, id uint64) error {
	e.ddl.Lock()
	defer e.ddl.Unlock()
	var o *object
	var err error
	switch s := stmt.(type) {
	case *parser.CreateSource:
		if exists, err := e.checkNew(s.Name, s.IfNotExists, parser.KindSource); exists || err != nil {
			return err
		}
		o, err = e.newSource(s)
	case *parser.CreateStream:
		if exists, err := e.checkNew(s.Name, s.IfNotExists, parser.KindStream); exists || err != nil {
			return err
		}
		o, err = e.newStream(s)
	case *parser.CreateSink:
		if exists, err := e.checkNew(s.Name, s.IfNotExists, parser.KindSink); exists || err != nil {
			return err
		}
		o, err = e.newSink(s)
	case *parser.CreateTable:
		if exists, err := e.checkNew(s.Name, s.IfNotExists, parser.KindTable); exists || err != nil {
			return err
		}
		o, err = e.newTable(s)
	default:
		return fmt.Errorf("engine: %T is not a CREATE statement", stmt)
	}
	if err != nil {
		return err
	}
	fresh := id == 0
	if fresh {
		if id, err = e.store.NextID(); err != nil {
			return err
		}
	}
	o.id = id
	o.backfill = fresh
	if err := e.activate(o); err != nil {
		return err
	}
	if fresh {
		if err := e.persist(o, stmt.Origin().Text); err != nil {
			return errors.Join(err, e.dropCascade(o))
		}
	}
	return nil
}

// checkNew reports whether an object named name already exists: an error,
// or (with IF NOT EXISTS) true so the statement does nothing.
func (e *Engine) checkNew(name string, ifNotExists bool, kind parser.ObjectKind) (bool, error) {
	existing, ok := e.lookup(name)
	if !ok {
		return false, nil
	}
	if ifNotExists {
		return true, nil
	}
	code := types.CodeDuplicateTable
	if kind == parser.KindSink || existing.kind == parser.KindSink {
		code = types.CodeDuplicateObject
	}
	return false, types.Errorf(code, "%s %q already exists", relationWord(existing.kind), name)
}

// relationWord is how messages name an object kind: Postgres says
// "relation" for anything queries can read.
func relationWord(k parser.ObjectKind) string {
	if k == parser.KindSink {
		return "sink"
	}
	return "relation"
}

// engineOptions are the WITH options the engine itself reads, per kind;
// `connector` is read by splitOptions and never passed on.
var engineOptions = map[parser.ObjectKind][]connectors.OptionSpec{
	parser.KindSource: {
		{Name: "retention", Default: defaultRetention.String(), Doc: "how long rows stay readable by SELECT, e.g. '1h', '0'"},
		{Name: idleTimeoutOption, Doc: "with a WATERMARK clause: after how long a quiet partition or shard stops holding the watermark back, e.g. '30s'"},
	},
	parser.KindStream: {
		{Name: "retention", Default: defaultRetention.String(), Doc: "how long output rows stay readable by SELECT, e.g. '1h', '0'"},
		{Name: "allowed_lateness", Default: "0", Doc: "how long windows stay open after the watermark passes their end, e.g. '10s'"},
		{Name: maxStateOption, Default: defaultMaxState, Doc: "memory the stream's windows and joins may hold before it stops with an error, e.g. '512MB', '0' (no limit)"},
		{Name: "novelty_context", Doc: "the novelty context the stream's novelty functions use (default: the stream's name)"},
		{Name: "novelty_max_nodes", Doc: "node budget of the novelty context (0: unbounded)"},
		{Name: "novelty_half_life", Doc: "halve every count of the novelty context every this many observations (0: never)"},
		{Name: "novelty_min_support", Doc: "components whose prefix was seen fewer times score 0 (warm-up)"},
	},
	parser.KindSink: {},
}

// splitOptions separates the engine's options (validated, defaults
// applied) and the connector name from the connector's own options.
func splitOptions(kind parser.ObjectKind, opts parser.Options) (engine map[string]string, connector string, rest parser.Options, err error) {
	specs := engineOptions[kind]
	var mine parser.Options
	for _, o := range opts {
		switch _, ok := findOption(specs, o.Key); {
		case o.Key == "connector" && kind != parser.KindStream:
			connector = strings.ToLower(o.Value)
		case ok:
			mine = append(mine, o)
		default:
			rest = append(rest, o)
		}
	}
	engine, err = connectors.Validate(kind.String(), specs, mine)
	return engine, connector, rest, err
}

func findOption(specs []connectors.OptionSpec, name string) (connectors.OptionSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return connectors.OptionSpec{}, false
}

// parseRetention reads a retention option: an interval ('1h', '30
// minutes') or '0' for keeping nothing.
func parseRetention(v string) (time.Duration, error) {
	return parseDurationOption("retention", v)
}

// parseDurationOption reads a duration option: a Go duration ('1h', '10s'),
// a Postgres interval ('30 minutes') or '0'.
func parseDurationOption(name, v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	if strings.TrimSpace(v) == "0" {
		return 0, nil
	}
	iv, err := types.ParseText(types.Interval, v, time.UTC)
	if err != nil || iv.IntervalMicros() < 0 {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: expected a duration such as '10s', '30 minutes' or '0'", v, name)
	}
	return time.Duration(iv.IntervalMicros()) * time.Microsecond, nil
}

// schemaOf turns column definitions into a schema.
func schemaOf(cols []parser.ColumnDef) (types.Schema, error) {
	schema := make(types.Schema, 0, len(cols))
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c.Name] {
			return nil, types.Errorf(types.CodeDuplicateColumn, "column %q specified more than once", c.Name).WithPosition(c.Pos)
		}
		seen[c.Name] = true
		schema = append(schema, types.Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull && !c.PrimaryKey})
	}
	return schema, nil
}

func (e *Engine) newSource(s *parser.CreateSource) (*object, error) {
	opts, connector, rest, err := splitOptions(parser.KindSource, s.Options)
	if err != nil {
		return nil, err
	}
	schema, err := schemaOf(s.Columns)
	if err != nil {
		return nil, err
	}
	if len(schema) == 0 {
		if schema, err = e.connectorSchema(s.Name, connector, rest); err != nil {
			return nil, err
		}
	}
	o := &object{kind: parser.KindSource, name: s.Name, connector: connector}
	o.stats.watermark.Store(types.NoWatermark)
	if o.retention, err = parseRetention(opts["retention"]); err != nil {
		return nil, err
	}
	idleTimeout, err := sourceIdleTimeout(opts, s.Watermark != nil)
	if err != nil {
		return nil, err
	}
	o.rel = &planner.Relation{Name: s.Name, Kind: parser.KindSource, Schema: schema, EventTime: -1, Insertable: o.connector == ""}
	if s.Watermark != nil {
		idx := schema.Index(s.Watermark.Column)
		if idx < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn, "watermark column %q does not exist", s.Watermark.Column)
		}
		if schema[idx].Type.Family() != types.FamilyTimestamp {
			return nil, types.Errorf(types.CodeDatatypeMismatch,
				"watermark column %q must be a timestamp, not %s", s.Watermark.Column, schema[idx].Type)
		}
		o.rel.EventTime = idx
		expr, err := planner.BindExpr(s.Watermark.Expr, schema, schema[idx].Type)
		if err != nil {
			return nil, err
		}
		if o.watermark, err = exec.Compile(expr, &exec.Env{Eval: &functions.EvalContext{Location: time.UTC}}); err != nil {
			return nil, err
		}
		o.marks = newPartitionWatermarks(idleTimeout)
	}
	if o.connector != "" {
		if err := e.validateSource(o, rest, s.Columns); err != nil {
			return nil, err
		}
	} else if len(rest) > 0 {
		return nil, types.Errorf(types.CodeInvalidParameterValue,
			"unknown option %q for a source without connector", rest[0].Key).
			WithHint("Valid options are: connector, retention, idle_timeout.").WithPosition(rest[0].Pos)
	} else {
		for _, c := range s.Columns {
			if c.Metadata != "" {
				return nil, types.Errorf(types.CodeInvalidParameterValue,
					"column %q: a source without connector has no record metadata", c.Name).WithPosition(c.Pos)
			}
		}
	}
	o.options = rest
	o.columns = s.Columns
	return o, nil
}

func (e *Engine) newStream(s *parser.CreateStream) (*object, error) {
	opts, _, rest, err := splitOptions(parser.KindStream, s.Options)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "unknown option %q for stream", rest[0].Key).
			WithHint("Valid options are: retention, allowed_lateness, max_state, novelty_context, novelty_max_nodes, novelty_half_life, novelty_min_support.").
			WithPosition(rest[0].Pos)
	}
	contextName := streamNoveltyContext(s)
	nopts, stated, err := noveltyOptions(opts)
	if err != nil {
		return nil, err
	}
	lateness, err := parseDurationOption("allowed_lateness", opts["allowed_lateness"])
	if err != nil {
		return nil, err
	}
	maxState, err := parseByteSize(maxStateOption, opts[maxStateOption])
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanContinuous(e, s.Query, s.Text, s.Positions,
		planner.Options{NoveltyContext: contextName, AllowedLateness: lateness.Microseconds()})
	if err != nil {
		return nil, err
	}
	if usesNovelty(plan.Root) {
		if _, err := e.openNovelty(contextName, nopts, stated); err != nil {
			return nil, err
		}
	}
	schema := plan.Columns()
	seen := map[string]bool{}
	for _, c := range schema {
		if seen[c.Name] {
			return nil, types.Errorf(types.CodeDuplicateColumn, "column %q specified more than once", c.Name).
				WithHint("Give the columns of the stream's query distinct names with AS.")
		}
		seen[c.Name] = true
	}
	o := &object{kind: parser.KindStream, name: s.Name, plan: plan, query: s.QueryText, maxState: maxState}
	o.stats.watermark.Store(types.NoWatermark)
	if o.retention, err = parseRetention(opts["retention"]); err != nil {
		return nil, err
	}
	o.rel = &planner.Relation{Name: s.Name, Kind: parser.KindStream, Schema: schema, EventTime: planner.EventTimeColumn(plan.Root)}
	o.deps = scannedRelations(plan.Root)
	return o, nil
}

func (e *Engine) newSink(s *parser.CreateSink) (*object, error) {
	_, connector, rest, err := splitOptions(parser.KindSink, s.Options)
	if err != nil {
		return nil, err
	}
	if connector == "" {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "option \"connector\" is required for a sink").
			WithHint("Known sink connectors: %s.", strings.Join(e.cfg.Connectors.SinkNames(), ", "))
	}
	from, ok := e.lookup(s.From)
	if !ok {
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", s.From)
	}
	if from.kind != parser.KindSource && from.kind != parser.KindStream {
		return nil, types.Errorf(types.CodeWrongObjectType, "a sink reads a source or a stream; %q is a %s", s.From, from.kind)
	}
	o := &object{kind: parser.KindSink, name: s.Name, connector: connector, deps: []string{s.From}, options: rest}
	if err := e.validateSink(o, from.rel.Schema); err != nil {
		return nil, err
	}
	return o, nil
}

func (e *Engine) newTable(s *parser.CreateTable) (*object, error) {
	schema, err := schemaOf(s.Columns)
	if err != nil {
		return nil, err
	}
	rel := &planner.Relation{Name: s.Name, Kind: parser.KindTable, Schema: schema, EventTime: -1, Insertable: true}
	for _, pk := range s.PrimaryKey {
		idx := schema.Index(pk)
		if idx < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn, "column %q named in key does not exist", pk)
		}
		schema[idx].Nullable = false
		rel.PrimaryKey = append(rel.PrimaryKey, idx)
	}
	o := &object{kind: parser.KindTable, name: s.Name, rel: rel, columns: s.Columns}
	return o, nil
}

// bindDefaults binds a table's column defaults once its id is known
// (serial columns draw from a sequence keyed by the id).
func bindDefaults(o *object) error {
	rel := o.rel
	rel.Defaults = make([]planner.Expr, len(rel.Schema))
	for i, c := range o.columns {
		switch {
		case c.Serial:
			rel.Defaults[i] = &planner.NextSerial{Rel: o.id, Column: i, Typ: rel.Schema[i].Type}
		case c.Default != nil:
			expr, err := planner.BindExpr(c.Default, nil, rel.Schema[i].Type)
			if err != nil {
				return fmt.Errorf("default of column %q: %w", c.Name, err)
			}
			rel.Defaults[i] = expr
		}
	}
	return nil
}

// activate makes a created object visible and starts its pipeline.
func (e *Engine) activate(o *object) error {
	o.rel = withID(o.rel, o.id)
	switch o.kind {
	case parser.KindSource, parser.KindStream:
		o.log = e.store.Log(o.id)
		o.topic = exec.NewTopic(len(o.rel.Schema), e.retainer(o))
	case parser.KindTable:
		o.table = e.store.Table(o.id)
		if err := bindDefaults(o); err != nil {
			return err
		}
	}
	if err := e.restartUncovered(o); err != nil {
		o.stop()
		return err
	}
	if err := e.prepareReplay(o); err != nil {
		o.stop()
		return err
	}
	var err error
	switch {
	case o.kind == parser.KindStream:
		err = e.startStream(o)
	case o.kind == parser.KindSource && o.connector != "" && !e.restoring:
		err = e.startSource(o)
	case o.kind == parser.KindSink:
		err = e.startSink(o)
	}
	if err != nil {
		o.stop()
		return err
	}
	e.mu.Lock()
	e.objects[o.name] = o
	e.mu.Unlock()
	return nil
}

func withID(rel *planner.Relation, id uint64) *planner.Relation {
	if rel == nil {
		return nil
	}
	rel.ID = id
	return rel
}

// scannedRelations lists the relations a plan reads, deduplicated.
func scannedRelations(root planner.Node) []string {
	set := map[string]bool{}
	planner.Walk(root, func(n planner.Node) {
		if s, ok := n.(*planner.Scan); ok {
			set[s.Rel.Name] = true
		}
	})
	out := make([]string, 0, len(set))
	for name := range set {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// drop runs DROP.
func (e *Engine) drop(s *parser.Drop) error {
	e.ddl.Lock()
	defer e.ddl.Unlock()
	for _, name := range s.Names {
		o, ok := e.lookup(name)
		if !ok {
			if s.IfExists {
				continue
			}
			return types.Errorf(types.CodeUndefinedTable, "%s %q does not exist", s.Kind, name)
		}
		if o.kind != s.Kind {
			return types.Errorf(types.CodeWrongObjectType, "%q is not a %s", name, s.Kind).
				WithHint("Use DROP %s to remove a %s.", strings.ToUpper(o.kind.String()), o.kind)
		}
		if o == e.errors {
			return types.Errorf(types.CodeWrongObjectType, "%q is a system source and cannot be dropped", name)
		}
		deps := e.dependents(name)
		if len(deps) > 0 && !s.Cascade {
			details := make([]string, len(deps))
			for i, d := range deps {
				details[i] = fmt.Sprintf("%s %s depends on %s %s", d.kind, d.name, o.kind, name)
			}
			return types.Errorf(types.CodeDependentObjectsExist,
				"cannot drop %s %s because other objects depend on it", o.kind, name).
				WithDetail("%s", strings.Join(details, "\n")).
				WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
		if err := e.dropCascade(o); err != nil {
			return err
		}
	}
	return nil
}

// dependents returns the objects that read the object named name.
func (e *Engine) dependents(name string) []*object {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []*object
	for _, o := range e.objects {
		for _, d := range o.deps {
			if d == name {
				out = append(out, o)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b *object) int { return strings.Compare(a.name, b.name) })
	return out
}

// dropCascade drops o after everything that depends on it.
func (e *Engine) dropCascade(o *object) error {
	for _, d := range e.dependents(o.name) {
		if err := e.dropCascade(d); err != nil {
			return err
		}
	}
	e.mu.Lock()
	delete(e.objects, o.name)
	e.mu.Unlock()
	o.stop()
	if err := e.store.DeleteCatalog(o.name); err != nil {
		return err
	}
	if o.log != nil {
		if err := o.log.Drop(); err != nil {
			return err
		}
	}
	if o.table != nil {
		if err := o.table.Drop(); err != nil {
			return err
		}
	}
	e.checkpoints.forget(o.id)
	return e.store.DeleteStatePrefix(stateKey(o.id, ""))
}

// stateKey is the state-store key of one piece of an object's state.
func stateKey(id uint64, part string) string { return fmt.Sprintf("obj/%d/%s", id, part) }

// usesNovelty reports whether a plan scores rows with a novelty context.
func usesNovelty(root planner.Node) bool {
	found := false
	planner.Walk(root, func(n planner.Node) {
		if _, ok := n.(*planner.Novelty); ok {
			found = true
		}
	})
	return found
}

// streamNoveltyContext is the novelty context a stream uses: its
// novelty_context option, or its own name.
func streamNoveltyContext(s *parser.CreateStream) string {
	if name, ok := s.Options.Get("novelty_context"); ok && name != "" {
		return name
	}
	return s.Name
}

// connectorSchema is the schema a connector supplies for a source declared
// without columns (nexmark's tables).
func (e *Engine) connectorSchema(name, connector string, opts parser.Options) (types.Schema, error) {
	missing := types.Errorf(types.CodeSyntaxError, "source %q needs a column list", name)
	if connector == "" {
		return nil, missing
	}
	factory, err := e.cfg.Connectors.Source(connector)
	if err != nil {
		return nil, err
	}
	if factory.Schema == nil {
		return nil, missing.WithHint("Only connectors with a fixed schema (nexmark) supply their columns.")
	}
	values, err := connectors.Validate(connector, factory.Options, opts)
	if err != nil {
		return nil, err
	}
	return factory.Schema(values)
}
