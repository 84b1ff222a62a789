package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// testBackend answers a handful of fixed statement texts so the tests can
// drive the protocol without the engine. Statements are split at
// semicolons; a statement containing "!" is a syntax error.
type testBackend struct {
	// executing receives a value when a "sleep" statement starts.
	executing chan struct{}

	// simpleOnly makes sessions without the extended query protocol.
	simpleOnly bool
	// failSleep makes "sleep" fail at once instead of waiting for a cancel,
	// for tests that must never block (fuzzing).
	failSleep bool

	mu        sync.Mutex
	executed  []string        // statement texts executed, across sessions
	described []string        // statement texts described, across sessions
	inserted  [][]types.Datum // parameters of executed "insert $1..." statements
	closed    int             // sessions closed
}

func newTestBackend() *testBackend {
	return &testBackend{executing: make(chan struct{}, 1)}
}

func (b *testBackend) NewSession(_ context.Context, user, database string) (Session, error) {
	if database == "missing" {
		return nil, types.Errorf("3D000", "database \"%s\" does not exist", database)
	}
	s := &testSession{backend: b, loc: time.UTC, changes: map[string]string{}}
	if b.simpleOnly {
		return simpleSession{s}, nil
	}
	return s, nil
}

// simpleSession hides the extended-protocol methods of a testSession.
type simpleSession struct{ Session }

func (b *testBackend) executedStatements() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.executed...)
}

func (b *testBackend) closedSessions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

type testSession struct {
	backend *testBackend
	loc     *time.Location
	changes map[string]string
	inTx    bool
}

var (
	_ Session         = (*testSession)(nil)
	_ ExtendedSession = (*testSession)(nil)
	_ TxStatuser      = (*testSession)(nil)
	_ ParameterSetter = (*testSession)(nil)
)

func (s *testSession) Prepare(sql string) ([]parser.Statement, error) {
	if i := strings.IndexByte(sql, '!'); i >= 0 {
		return nil, types.Errorf(types.CodeSyntaxError, "syntax error at or near \"!\"").WithPosition(i + 1)
	}
	var stmts []parser.Statement
	offset := 0
	for _, text := range strings.Split(sql, ";") {
		stmts = append(stmts, parser.Source{Text: text, Offset: offset})
		offset += len(text) + 1
	}
	return stmts, nil
}

// allTypes is the schema of "select types": one column per type.
var allTypes = types.Schema{
	{Name: "b", Type: types.Bool}, {Name: "i2", Type: types.Int2}, {Name: "i4", Type: types.Int4},
	{Name: "i8", Type: types.Int8}, {Name: "f4", Type: types.Float4}, {Name: "f8", Type: types.Float8},
	{Name: "n", Type: types.Numeric}, {Name: "t", Type: types.Text}, {Name: "v", Type: types.Varchar},
	{Name: "by", Type: types.Bytea}, {Name: "d", Type: types.Date}, {Name: "ts", Type: types.Timestamp},
	{Name: "tz", Type: types.TimestampTZ}, {Name: "iv", Type: types.Interval}, {Name: "j", Type: types.JSON},
	{Name: "jb", Type: types.JSONB}, {Name: "u", Type: types.UUID}, {Name: "a", Type: types.TextArray},
	{Name: "nothing", Type: types.Unknown},
}

// allTypesRow is the row of "select types", 2024-01-31 12:34:56.789 UTC.
var allTypesRow = []types.Datum{
	types.NewBool(true), types.NewIntOf(types.Int2, -2), types.NewIntOf(types.Int4, 4),
	types.NewInt(8_000_000_000), types.NewFloatOf(types.Float4, float64(float32(1.5))), types.NewFloat(0.1),
	types.NewFloatOf(types.Numeric, 12.25), types.NewText("héllo"), types.NewString(types.Varchar, "v"),
	types.NewBytes([]byte{0xca, 0xfe}), types.NewDate(19753), types.NewTimestamp(1706704496789000),
	types.NewTimestampTZ(1706704496789000), types.NewInterval(14, 3, 5*60_000_000), types.NewJSON(`{"k":[1,2]}`),
	types.NewJSONB(`{"k": [1, 2]}`), types.NewString(types.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
	types.NewString(types.TextArray, `{a,"b c"}`), types.Null,
}

func (s *testSession) Execute(ctx context.Context, stmt parser.Statement, w RowWriter) (string, error) {
	src := stmt.Origin()
	text := strings.ToLower(strings.TrimSpace(src.Text))
	s.backend.mu.Lock()
	s.backend.executed = append(s.backend.executed, text)
	s.backend.mu.Unlock()
	switch text {
	case "select 1":
		if err := w.Columns(types.Schema{{Name: "?column?", Type: types.Int4}}); err != nil {
			return "", err
		}
		return "SELECT 1", w.Row([]types.Datum{types.NewIntOf(types.Int4, 1)})
	case "select types":
		if err := w.Columns(allTypes); err != nil {
			return "", err
		}
		return "SELECT 1", w.Row(allTypesRow)
	case "select tz":
		if err := w.Columns(types.Schema{{Name: "tz", Type: types.TimestampTZ}}); err != nil {
			return "", err
		}
		return "SELECT 1", w.Row([]types.Datum{types.NewTimestampTZ(1706704496789000)})
	case "select none":
		return "SELECT 0", w.Columns(types.Schema{{Name: "n", Type: types.Int8}})
	case "select many":
		return s.many(w, 20_000)
	case "insert":
		return "INSERT 0 1", nil
	case "begin":
		s.inTx = true
		return "BEGIN", nil
	case "commit":
		s.inTx = false
		return "COMMIT", nil
	case "set timezone kolkata":
		return "SET", s.SetParameter("TimeZone", "Asia/Kolkata")
	case "fail":
		return "", types.Errorf(types.CodeUndefinedTable, "relation \"nope\" does not exist").
			WithDetail("it never existed").WithHint("create it first").WithPosition(src.Offset + 2)
	case "boom":
		return "", errors.New("disk on fire")
	case "sleep":
		if s.backend.failSleep {
			return "", types.Errorf(types.CodeQueryCanceled, "not sleeping")
		}
		s.backend.executing <- struct{}{}
		<-ctx.Done()
		return "", fmt.Errorf("sleep: %w", ctx.Err())
	}
	return "", types.Errorf(types.CodeSyntaxError, "test backend does not know %q", text)
}

// Describe knows the fixed statements of Execute and parameter statements:
// "select $1::int8, $2" returns its parameters as a row of one column per
// parameter (Unknown without a cast), "insert $1::bool" records them.
// "select changed" is described as an int column but returns a text one;
// "select missing" fails to plan, like a query of a table that does not
// exist.
func (s *testSession) Describe(stmt parser.Statement) ([]types.Type, types.Schema, error) {
	text := strings.ToLower(strings.TrimSpace(stmt.Origin().Text))
	s.backend.mu.Lock()
	s.backend.described = append(s.backend.described, text)
	s.backend.mu.Unlock()
	if verb, params, ok := paramStatement(text); ok {
		if verb == "insert" {
			return params, nil, nil
		}
		return params, paramColumns(params), nil
	}
	switch text {
	case "select 1":
		return nil, types.Schema{{Name: "?column?", Type: types.Int4}}, nil
	case "select types":
		return nil, allTypes, nil
	case "select tz":
		return nil, types.Schema{{Name: "tz", Type: types.TimestampTZ}}, nil
	case "select none":
		return nil, types.Schema{{Name: "n", Type: types.Int8}}, nil
	case "select many":
		return nil, types.Schema{{Name: "i", Type: types.Int8}, {Name: "s", Type: types.Text}}, nil
	case "select changed":
		return nil, types.Schema{{Name: "c", Type: types.Int4}}, nil
	case "select missing":
		return nil, nil, types.Errorf(types.CodeUndefinedTable, "relation \"missing\" does not exist").WithPosition(15)
	}
	return nil, nil, nil
}

// ExecuteParams runs parameter statements and, without parameters, the
// fixed statements of Execute.
func (s *testSession) ExecuteParams(ctx context.Context, stmt parser.Statement, params []types.Datum, w RowWriter) (string, error) {
	text := strings.ToLower(strings.TrimSpace(stmt.Origin().Text))
	verb, want, ok := paramStatement(text)
	if !ok {
		if len(params) > 0 {
			return "", types.Errorf(types.CodeProtocolViolation, "%q takes no parameters, got %d", text, len(params))
		}
		if text == "select changed" {
			if err := w.Columns(types.Schema{{Name: "c", Type: types.Text}}); err != nil {
				return "", err
			}
			return "SELECT 1", w.Row([]types.Datum{types.NewText("x")})
		}
		return s.Execute(ctx, stmt, w)
	}
	s.backend.mu.Lock()
	s.backend.executed = append(s.backend.executed, text)
	s.backend.mu.Unlock()
	if len(params) != len(want) {
		return "", types.Errorf(types.CodeProtocolViolation, "got %d parameters, want %d", len(params), len(want))
	}
	if verb == "insert" {
		s.backend.mu.Lock()
		s.backend.inserted = append(s.backend.inserted, append([]types.Datum(nil), params...))
		s.backend.mu.Unlock()
		return "INSERT 0 1", nil
	}
	if err := w.Columns(paramColumns(want)); err != nil {
		return "", err
	}
	return "SELECT 1", w.Row(params)
}

// paramStatement reads "select $1::type, $2, ..." or "insert $1::type, ...":
// the verb and the parameter types (Unknown without a cast), in order.
func paramStatement(text string) (verb string, params []types.Type, ok bool) {
	verb, rest, _ := strings.Cut(text, " ")
	if (verb != "select" && verb != "insert") || !strings.HasPrefix(rest, "$") {
		return "", nil, false
	}
	for i, item := range strings.Split(rest, ",") {
		ref, typeName, cast := strings.Cut(strings.TrimSpace(item), "::")
		if ref != fmt.Sprintf("$%d", i+1) {
			return "", nil, false
		}
		t := types.Unknown
		if cast {
			if t, ok = types.TypeByName(typeName); !ok {
				return "", nil, false
			}
		}
		params = append(params, t)
	}
	return verb, params, true
}

// paramColumns is the result of "select $1::type, ...": one column per
// parameter, named c1, c2, ...
func paramColumns(params []types.Type) types.Schema {
	cols := make(types.Schema, len(params))
	for i, t := range params {
		cols[i] = types.Column{Name: fmt.Sprintf("c%d", i+1), Type: t}
	}
	return cols
}

func (b *testBackend) describedStatements() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.described...)
}

func (b *testBackend) insertedParams() [][]types.Datum {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]types.Datum(nil), b.inserted...)
}

func (s *testSession) many(w RowWriter, n int) (string, error) {
	if err := w.Columns(types.Schema{{Name: "i", Type: types.Int8}, {Name: "s", Type: types.Text}}); err != nil {
		return "", err
	}
	row := make([]types.Datum, 2)
	for i := range n {
		row[0], row[1] = types.NewInt(int64(i)), types.NewText("some text to fill the buffer")
		if err := w.Row(row); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("SELECT %d", n), nil
}

func (s *testSession) Location() *time.Location { return s.loc }

func (s *testSession) ParameterChanges() map[string]string {
	changes := s.changes
	s.changes = map[string]string{}
	return changes
}

func (s *testSession) TxStatus() byte {
	if s.inTx {
		return 'T'
	}
	return 'I'
}

func (s *testSession) SetParameter(name, value string) error {
	switch strings.ToLower(name) {
	case "timezone":
		loc, err := time.LoadLocation(value)
		if err != nil {
			return types.Errorf(types.CodeInvalidParameterValue, "invalid value for parameter \"TimeZone\": \"%s\"", value)
		}
		s.loc = loc
		s.changes["TimeZone"] = value
	case "application_name", "extra_float_digits", "datestyle", "search_path":
	default:
		return types.Errorf(types.CodeUndefinedObject, "unrecognized configuration parameter \"%s\"", name)
	}
	return nil
}

func (s *testSession) Close() error {
	s.backend.mu.Lock()
	defer s.backend.mu.Unlock()
	s.backend.closed++
	return nil
}

// testServer is a Server listening on 127.0.0.1 for one test.
type testServer struct {
	addr    string
	backend *testBackend
	stop    context.CancelFunc
	done    chan error // receives Serve's result
}

// startServer starts a server for the test; it is shut down when the test
// ends unless the test shuts it down itself.
func startServer(t *testing.T) *testServer {
	t.Helper()
	return startServerWith(t, newTestBackend())
}

// startServerWith starts a server for the test with backend b, configured
// by opts.
func startServerWith(t *testing.T, b *testBackend, opts ...Option) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{addr: ln.Addr().String(), backend: b, stop: cancel, done: make(chan error, 1)}
	srv := NewServer(ts.backend, slog.New(slog.DiscardHandler), opts...)
	go func() { ts.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := ts.shutdown(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// shutdown cancels Serve's context and returns what Serve returned.
func (ts *testServer) shutdown() error {
	if ts.stop == nil {
		return nil
	}
	ts.stop()
	ts.stop = nil
	return <-ts.done
}

// url is the connection string for database db; extra is appended as query
// parameters.
func (ts *testServer) url(db, extra string) string {
	u := fmt.Sprintf("postgres://alice@%s/%s?sslmode=disable", ts.addr, db)
	if extra != "" {
		u += "&" + extra
	}
	return u
}
