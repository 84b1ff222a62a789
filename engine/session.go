package engine

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// RowWriter receives the rows of a statement that returns rows.
type RowWriter interface {
	// Columns is called once, before any Row, by statements that return rows.
	Columns(cols types.Schema) error
	// Row is called per result row; the callee must not keep row.
	Row(row []types.Datum) error
}

// Session is one client's connection to the engine: its settings and its
// transaction. A session is used by one goroutine at a time.
type Session struct {
	e   *Engine
	pid int32
	// ctx is the running statement's context (advisory lock waits end with it).
	ctx      context.Context
	user     string
	database string
	params   map[string]string
	changed  map[string]string
	location *time.Location

	// inTxn is set between BEGIN and COMMIT/ROLLBACK; failed after an
	// error inside the transaction, until it ends.
	inTxn  bool
	failed bool
	// writes holds the table writes of the open transaction, applied at
	// COMMIT; the transaction's reads of tables go through it.
	writes *storage.WriteBatch
	// holdsWrites is set while the session holds the engine's table write
	// lock (during a writing statement, or a transaction that wrote).
	holdsWrites bool
	// cursors are the open cursors (DECLARE) by name.
	cursors map[string]*sqlCursor
}

// defaultParams are the session settings a new session starts with; the
// wire layer reports them to the client.
var defaultParams = map[string]string{
	"application_name":              "",
	"client_encoding":               "UTF8",
	"datestyle":                     "ISO, MDY",
	"default_transaction_isolation": "read committed",
	"extra_float_digits":            "1",
	"integer_datetimes":             "on",
	"intervalstyle":                 "postgres",
	"search_path":                   `"$user", public`,
	"server_encoding":               "UTF8",
	"server_version":                ServerVersion,
	"standard_conforming_strings":   "on",
	"timezone":                      "UTC",
	"transaction_isolation":         "read committed",
	"transaction_read_only":         "off",
}

// ServerVersion is the Postgres version Novelty reports to clients.
const ServerVersion = "15.0"

// NewSession starts a session for user on database.
func (e *Engine) NewSession(user, database string) *Session {
	s := &Session{e: e, pid: e.pids.Add(1), user: user, database: database, location: time.UTC,
		changed: map[string]string{}, ctx: context.Background()}
	s.resetParams()
	return s
}

func (s *Session) resetParams() {
	s.params = make(map[string]string, len(defaultParams))
	for k, v := range defaultParams {
		s.params[k] = v
	}
	s.location = time.UTC
}

// Prepare parses a whole script.
func (s *Session) Prepare(sql string) ([]parser.Statement, error) { return parser.Parse(sql) }

// Location is the session's TimeZone.
func (s *Session) Location() *time.Location { return s.location }

// ParameterChanges returns the settings changed since the last call.
func (s *Session) ParameterChanges() map[string]string {
	out := s.changed
	s.changed = map[string]string{}
	return out
}

// TxStatus is the transaction status for ReadyForQuery: 'I' idle, 'T' in a
// transaction, 'E' in a failed transaction.
func (s *Session) TxStatus() byte {
	switch {
	case s.failed:
		return 'E'
	case s.inTxn:
		return 'T'
	}
	return 'I'
}

// Close ends the session, discarding an open transaction and releasing
// its advisory locks.
func (s *Session) Close() error {
	s.endTxn()
	s.e.advisory.releaseAll(s)
	return s.closeCursors(func(*sqlCursor) bool { return true })
}

// User implements functions.SessionInfo.
func (s *Session) User() string { return s.user }

// Database implements functions.SessionInfo.
func (s *Session) Database() string { return s.database }

// Setting implements functions.SessionInfo.
func (s *Session) Setting(name string) (string, bool) {
	v, ok := s.params[name]
	return v, ok
}

// BackendPID implements functions.SessionInfo.
func (s *Session) BackendPID() int32 { return s.pid }

// AdvisoryLock implements functions.SessionInfo.
func (s *Session) AdvisoryLock(key int64, wait bool) (bool, error) {
	return s.e.advisory.lock(s.ctx, s, key, wait)
}

// AdvisoryUnlock implements functions.SessionInfo.
func (s *Session) AdvisoryUnlock(key int64) bool { return s.e.advisory.unlock(s, key) }

var _ functions.SessionInfo = (*Session)(nil)

// Execute runs one statement and returns its command tag.
func (s *Session) Execute(ctx context.Context, stmt parser.Statement, w RowWriter) (string, error) {
	return s.ExecuteParams(ctx, stmt, nil, w)
}

// ExecuteParams runs one statement with values for its parameters ($1
// first) and returns its command tag.
func (s *Session) ExecuteParams(ctx context.Context, stmt parser.Statement, params []types.Datum, w RowWriter) (string, error) {
	if s.failed {
		if t, ok := stmt.(*parser.Transaction); !ok || t.Kind == parser.TxnBegin {
			return "", types.Errorf("25P02", "current transaction is aborted, commands ignored until end of transaction block")
		}
	}
	s.ctx = ctx
	defer func() { s.ctx = context.Background() }()
	tag, err := s.execute(ctx, stmt, params, w)
	if err != nil {
		if s.inTxn {
			s.failed = true
		}
		return "", err
	}
	return tag, nil
}

func (s *Session) execute(ctx context.Context, stmt parser.Statement, params []types.Datum, w RowWriter) (string, error) {
	switch st := stmt.(type) {
	case *parser.Empty:
		return "", nil
	case *parser.Query:
		return s.query(ctx, st, params, w)
	case *parser.DML:
		return s.dml(ctx, st, params)
	case *parser.CreateSource:
		return "CREATE SOURCE", s.e.create(st, 0)
	case *parser.CreateStream:
		return "CREATE STREAM", s.e.create(st, 0)
	case *parser.CreateSink:
		return "CREATE SINK", s.e.create(st, 0)
	case *parser.CreateTable:
		return "CREATE TABLE", s.e.create(st, 0)
	case *parser.Drop:
		return "DROP " + strings.ToUpper(st.Kind.String()), s.e.drop(st)
	case *parser.Truncate:
		return "TRUNCATE TABLE", s.truncate(st)
	case *parser.Show:
		return s.show(st, w)
	case *parser.Describe:
		return s.describe(st, w)
	case *parser.Explain:
		return s.explain(st, w)
	case *parser.Subscribe:
		return s.subscribe(ctx, st, w)
	case *parser.Set:
		return "SET", s.set(st)
	case *parser.Transaction:
		return s.transaction(st)
	case *parser.Discard:
		s.endTxn()
		s.resetParams()
		return "DISCARD ALL", s.closeCursors(func(*sqlCursor) bool { return true })
	case *parser.Copy:
		return "", copyWithoutData()
	case *parser.CopyTo:
		return "", copyToWithoutCopyOut()
	case *parser.Declare:
		return s.declare(ctx, st, params)
	case *parser.Fetch:
		return s.fetch(ctx, st, w)
	case *parser.CloseCursor:
		return s.closeCursor(st)
	case *parser.ResetNovelty:
		return "RESET NOVELTY CONTEXT", s.e.resetNovelty(st.Context)
	}
	return "", types.Errorf(types.CodeFeatureNotSupported, "statement %T is not supported", stmt)
}

// env returns the execution environment of one statement.
func (s *Session) env(params []types.Datum) *exec.Env {
	return &exec.Env{
		Eval:       &functions.EvalContext{Now: s.e.clock(), Location: s.location, Session: s},
		Params:     params,
		Scans:      scanner{e: s.e, txn: s.writes, session: s},
		NextSerial: s.e.nextSerial,
		Novelty:    s.e,
	}
}

// planOptions are the session settings planning depends on.
func (s *Session) planOptions() planner.Options {
	return planner.Options{NoveltyContext: s.params["novelty_context"]}
}

// flusher is implemented by RowWriters that buffer; live results flush
// after every batch so clients see rows as they are produced.
type flusher interface{ Flush() error }

// run drives a plan until it ends or limit rows (-1: no limit) were
// written. With live set, rows are flushed to the client batch by batch.
func run(ctx context.Context, root planner.Node, env *exec.Env, w RowWriter, limit int64, live bool) (int64, error) {
	op, err := exec.Build(root, env)
	if err != nil {
		return 0, err
	}
	defer op.Close(context.WithoutCancel(ctx))
	if err := op.Open(ctx); err != nil {
		return 0, err
	}
	if err := w.Columns(root.Schema()); err != nil {
		return 0, err
	}
	if f, ok := w.(flusher); ok && live {
		// The client learns the columns now: from here on it is subscribed.
		if err := f.Flush(); err != nil {
			return 0, err
		}
	}
	b := types.NewBatch(len(root.Schema()))
	var n int64
	for limit < 0 || n < limit {
		err := op.Next(ctx, b)
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		for i := 0; i < b.Len && (limit < 0 || n < limit); i++ {
			if err := w.Row(b.Row(i)); err != nil {
				return n, err
			}
			n++
		}
		if f, ok := w.(flusher); ok && live && b.Len > 0 {
			if err := f.Flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (s *Session) query(ctx context.Context, q *parser.Query, params []types.Datum, w RowWriter) (string, error) {
	plan, err := planner.PlanQuery(s.e, q, s.planOptions())
	if err != nil {
		return "", err
	}
	if params, err = s.bindParams(plan.Params, params); err != nil {
		return "", err
	}
	n, err := run(ctx, plan.Root, s.env(params), w, -1, false)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("SELECT %d", n), nil
}

// subscribe streams live rows of a stream, source or query until the
// LIMIT is reached or ctx ends.
func (s *Session) subscribe(ctx context.Context, st *parser.Subscribe, w RowWriter) (string, error) {
	root, err := s.subscribeRoot(st)
	if err != nil {
		return "", err
	}
	n, err := run(ctx, root, s.env(nil), w, st.Limit, true)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("SUBSCRIBE %d", n), nil
}

// subscribeRoot plans a SUBSCRIBE: its query, or a live scan of the
// source or stream it names.
func (s *Session) subscribeRoot(st *parser.Subscribe) (planner.Node, error) {
	if st.Query != nil {
		plan, err := planner.PlanContinuous(s.e, st.Query, st.Text, st.Positions, s.planOptions())
		if err != nil {
			return nil, err
		}
		return plan.Root, nil
	}
	rel, ok := s.e.Relation(st.Name)
	if !ok {
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", st.Name)
	}
	if rel.Kind == parser.KindTable {
		return nil, types.Errorf(types.CodeWrongObjectType, "cannot subscribe to table %q", st.Name).
			WithHint("SUBSCRIBE reads sources and streams; use SELECT for tables.")
	}
	return &planner.Scan{Rel: rel, Mode: planner.ScanLive}, nil
}

func (s *Session) set(st *parser.Set) error {
	name := st.Name
	if name == "session_characteristics" {
		return nil
	}
	value := st.Value
	if strings.EqualFold(value, "default") {
		value = defaultParams[name]
	}
	if name == "timezone" {
		loc, err := loadLocation(value)
		if err != nil {
			return err
		}
		s.location = loc
	}
	s.params[name] = value
	s.changed[canonicalParam(name)] = value
	return nil
}

// canonicalParam is the spelling of a parameter in ParameterStatus.
func canonicalParam(name string) string {
	switch name {
	case "timezone":
		return "TimeZone"
	case "datestyle":
		return "DateStyle"
	case "intervalstyle":
		return "IntervalStyle"
	}
	return name
}

// loadLocation resolves a TimeZone setting: an IANA name, UTC, or a fixed
// offset in hours.
func loadLocation(name string) (*time.Location, error) {
	switch strings.ToLower(name) {
	case "utc", "gmt", "z", "zulu", "default", "local":
		return time.UTC, nil
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc, nil
	}
	var hours int
	if _, err := fmt.Sscanf(name, "%d", &hours); err == nil && hours >= -15 && hours <= 15 {
		return time.FixedZone(name, hours*3600), nil
	}
	return nil, types.Errorf(types.CodeInvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", name)
}

func (s *Session) transaction(st *parser.Transaction) (string, error) {
	switch st.Kind {
	case parser.TxnBegin:
		if !s.inTxn {
			s.inTxn = true
		}
		return "BEGIN", nil
	case parser.TxnCommit:
		if s.failed {
			s.endTxn()
			return "ROLLBACK", nil
		}
		if err := s.holdCursors(s.ctx); err != nil {
			s.endTxn()
			return "", err
		}
		var err error
		if s.writes != nil && s.writes.Len() > 0 {
			err = s.writes.Commit()
		}
		s.endTxn()
		return "COMMIT", err
	}
	s.endTxn()
	return "ROLLBACK", nil
}

// endTxn leaves the transaction, discarding uncommitted writes.
func (s *Session) endTxn() {
	if s.writes != nil {
		s.writes.Close()
	}
	s.writes = nil
	s.inTxn, s.failed = false, false
	s.unlockTableWrites()
	s.closeTxnCursors()
}

// SetParameter applies a run-time parameter from the client's startup
// message, as if by SET.
func (s *Session) SetParameter(name, value string) error {
	return s.set(&parser.Set{Name: strings.ToLower(name), Value: value})
}

// bindParams checks that values has one value per planned parameter and
// casts each to the type the plan expects.
func (s *Session) bindParams(want []types.Type, values []types.Datum) ([]types.Datum, error) {
	if len(values) != len(want) {
		return nil, types.Errorf(types.CodeProtocolViolation,
			"bind message supplies %d parameters, but prepared statement requires %d", len(values), len(want))
	}
	out := make([]types.Datum, len(values))
	eval := &functions.EvalContext{Now: s.e.clock(), Location: s.location}
	for i, v := range values {
		if v.IsNull() || want[i] == types.Unknown || v.Typ == want[i] {
			out[i] = v
			continue
		}
		cast, err := functions.Cast(eval, v, want[i])
		if err != nil {
			return nil, err
		}
		out[i] = cast
	}
	return out, nil
}

// Describe plans stmt without running it: the types of its parameters
// (Unknown where nothing constrains one) and its result columns (nil for
// statements that return no rows).
func (s *Session) Describe(stmt parser.Statement) ([]types.Type, types.Schema, error) {
	switch st := stmt.(type) {
	case *parser.Query:
		plan, err := planner.PlanQuery(s.e, st, s.planOptions())
		if err != nil {
			return nil, nil, err
		}
		return plan.Params, plan.Columns(), nil
	case *parser.DML:
		plan, err := planner.PlanDML(s.e, st)
		if err != nil {
			return nil, nil, err
		}
		return dmlParams(plan), nil, nil
	case *parser.Subscribe:
		root, err := s.subscribeRoot(st)
		if err != nil {
			return nil, nil, err
		}
		return nil, root.Schema(), nil
	case *parser.Declare, *parser.Fetch:
		return s.describeCursorStatement(stmt)
	case *parser.Show, *parser.Describe, *parser.Explain:
		// These only read; running them up to their column list is exact.
		cw := &columnsOnly{}
		_, err := s.execute(context.Background(), stmt, nil, cw)
		if err != nil && err != errColumnsKnown {
			return nil, nil, err
		}
		return nil, cw.cols, nil
	}
	return nil, nil, nil
}

func dmlParams(plan any) []types.Type {
	switch p := plan.(type) {
	case *planner.Insert:
		return p.Params
	case *planner.Update:
		return p.Params
	case *planner.Delete:
		return p.Params
	}
	return nil
}

// errColumnsKnown stops a statement once Describe has its columns.
var errColumnsKnown = fmt.Errorf("columns known")

// columnsOnly is the RowWriter Describe runs read-only statements with.
type columnsOnly struct{ cols types.Schema }

func (c *columnsOnly) Columns(cols types.Schema) error { c.cols = cols; return errColumnsKnown }
func (c *columnsOnly) Row([]types.Datum) error         { return errColumnsKnown }
