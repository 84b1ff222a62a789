package wire

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/novelty-db/novelty/types"
)

func connectPg(t *testing.T, url string) *pgconn.PgConn {
	t.Helper()
	conn, err := pgconn.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func pgErrorCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func TestStartupReportsParameters(t *testing.T) {
	ts := startServer(t)
	for _, sslmode := range []string{"disable", "prefer"} {
		t.Run(sslmode, func(t *testing.T) {
			conn := connectPg(t, "postgres://alice@"+ts.addr+"/appdb?sslmode="+sslmode+"&application_name=wiretest")
			want := map[string]string{
				"server_version":              ServerVersion,
				"server_encoding":             "UTF8",
				"client_encoding":             "UTF8",
				"DateStyle":                   "ISO, MDY",
				"TimeZone":                    "UTC",
				"integer_datetimes":           "on",
				"standard_conforming_strings": "on",
				"IntervalStyle":               "postgres",
				"is_superuser":                "on",
				"session_authorization":       "alice",
				"application_name":            "wiretest",
			}
			for name, value := range want {
				if got := conn.ParameterStatus(name); got != value {
					t.Errorf("ParameterStatus(%s) = %q, want %q", name, got, value)
				}
			}
			if conn.PID() == 0 || conn.TxStatus() != 'I' {
				t.Errorf("PID = %d, TxStatus = %c", conn.PID(), conn.TxStatus())
			}
		})
	}
}

func TestStartupParametersReachSession(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", "timezone=Asia/Kolkata&options=-c%20search_path%3Dx"))
	if got := conn.ParameterStatus("TimeZone"); got != "Asia/Kolkata" {
		t.Errorf("TimeZone = %q, want Asia/Kolkata", got)
	}
	results, err := conn.Exec(context.Background(), "select tz").ReadAll()
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	if got := string(results[0].Rows[0][0]); got != "2024-01-31 18:04:56.789+05:30" {
		t.Errorf("timestamptz printed as %q", got)
	}
}

func TestStartupErrorsAreFatal(t *testing.T) {
	ts := startServer(t)
	tests := []struct {
		name, url, code string
	}{
		{"unknown database", ts.url("missing", ""), "3D000"},
		{"bad startup parameter", ts.url("appdb", "bogus_setting=1"), types.CodeUndefinedObject},
		{"bad options", ts.url("appdb", "options=-x"), types.CodeFeatureNotSupported},
		{"non-UTF8 client encoding", ts.url("appdb", "client_encoding=LATIN1"), types.CodeFeatureNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := pgconn.Connect(context.Background(), tt.url)
			if err == nil {
				_ = conn.Close(context.Background())
				t.Fatal("connect succeeded, want an error")
			}
			if code := pgErrorCode(err); code != tt.code {
				t.Errorf("error %v has code %q, want %q", err, code, tt.code)
			}
		})
	}
}

func TestRowDescriptionAndTextValues(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	results, err := conn.Exec(context.Background(), "select types").ReadAll()
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	res := results[0]
	if res.CommandTag.String() != "SELECT 1" || len(res.Rows) != 1 {
		t.Fatalf("tag %q with %d rows", res.CommandTag, len(res.Rows))
	}
	wantOIDs := []uint32{16, 21, 23, 20, 700, 701, 1700, 25, 1043, 17, 1082, 1114, 1184, 1186, 114, 3802, 2950, 1009, 25}
	wantSizes := []int16{1, 2, 4, 8, 4, 8, -1, -1, -1, -1, 4, 8, 8, 16, -1, -1, 16, -1, -1}
	for i, fd := range res.FieldDescriptions {
		if fd.Name != allTypes[i].Name || fd.DataTypeOID != wantOIDs[i] || fd.DataTypeSize != wantSizes[i] ||
			fd.TypeModifier != -1 || fd.Format != 0 {
			t.Errorf("field %d = %+v, want name %s oid %d size %d", i, fd, allTypes[i].Name, wantOIDs[i], wantSizes[i])
		}
	}
	want := []string{"t", "-2", "4", "8000000000", "1.5", "0.1", "12.25", "héllo", "v", `\xcafe`, "2024-01-31",
		"2024-01-31 12:34:56.789", "2024-01-31 12:34:56.789+00", "1 year 2 mons 3 days 00:05:00", `{"k":[1,2]}`,
		`{"k": [1, 2]}`, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{a,"b c"}`}
	row := res.Rows[0]
	for i, w := range want {
		if string(row[i]) != w {
			t.Errorf("column %s = %q, want %q", allTypes[i].Name, row[i], w)
		}
	}
	if row[len(row)-1] != nil {
		t.Errorf("NULL column = %q, want nil", row[len(row)-1])
	}
}

// TestPgxDecodesValues checks that a real driver reads every type back to
// the intended Go value: in text format over the simple protocol, and in
// the formats pgx chooses (binary for most types) in its default mode.
func TestPgxDecodesValues(t *testing.T) {
	ts := startServer(t)
	for _, mode := range []string{"simple_protocol", "cache_statement"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, ts.url("appdb", "default_query_exec_mode="+mode))
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer conn.Close(ctx)
			scanAllTypes(t, conn)
		})
	}
}

func scanAllTypes(t *testing.T, conn *pgx.Conn) {
	ctx := context.Background()
	var (
		b        bool
		i2       int16
		i4       int32
		i8       int64
		f4       float32
		f8       float64
		n        pgtype.Numeric
		text     string
		varchar  string
		bytea    []byte
		date     time.Time
		ts1, tz  time.Time
		interval pgtype.Interval
		js, jsb  map[string]any
		uuid     pgtype.UUID
		arr      []string
		nothing  *string
	)
	err := conn.QueryRow(ctx, "select types").Scan(&b, &i2, &i4, &i8, &f4, &f8, &n, &text, &varchar, &bytea, &date,
		&ts1, &tz, &interval, &js, &jsb, &uuid, &arr, &nothing)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	moment := time.UnixMicro(1706704496789000).UTC()
	nf, _ := n.Float64Value()
	switch {
	case !b || i2 != -2 || i4 != 4 || i8 != 8_000_000_000 || f4 != 1.5 || f8 != 0.1 || nf.Float64 != 12.25:
		t.Errorf("numbers: %v %v %v %v %v %v %v", b, i2, i4, i8, f4, f8, nf.Float64)
	case text != "héllo" || varchar != "v" || !slices.Equal(bytea, []byte{0xca, 0xfe}):
		t.Errorf("strings: %q %q %x", text, varchar, bytea)
	case !date.Equal(time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)) || !ts1.Equal(moment) || !tz.Equal(moment):
		t.Errorf("times: %v %v %v", date, ts1, tz)
	case interval.Months != 14 || interval.Days != 3 || interval.Microseconds != 5*60_000_000:
		t.Errorf("interval: %+v", interval)
	case len(js["k"].([]any)) != 2 || len(jsb["k"].([]any)) != 2:
		t.Errorf("json: %v %v", js, jsb)
	case uuid.Bytes[0] != 0xa0 || uuid.Bytes[15] != 0x11 || !slices.Equal(arr, []string{"a", "b c"}) || nothing != nil:
		t.Errorf("uuid %x, array %q, null %v", uuid.Bytes, arr, nothing)
	}
}

func TestScriptStopsAtFirstError(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	results, err := conn.Exec(context.Background(), "insert;select 1; fail;insert").ReadAll()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("error = %v, want a PgError", err)
	}
	if pgErr.Severity != "ERROR" || pgErr.Code != types.CodeUndefinedTable || pgErr.Message != `relation "nope" does not exist` ||
		pgErr.Detail != "it never existed" || pgErr.Hint != "create it first" || pgErr.Position != 18 {
		t.Errorf("error = %+v", pgErr)
	}
	if len(results) < 2 || results[0].CommandTag.String() != "INSERT 0 1" || results[1].CommandTag.String() != "SELECT 1" {
		t.Errorf("results before the error: %+v", results)
	}
	if got := ts.backend.executedStatements(); !slices.Equal(got, []string{"insert", "select 1", "fail"}) {
		t.Errorf("executed %q, want the script up to the failing statement", got)
	}
	// The connection is still usable.
	if _, err := conn.Exec(context.Background(), "select 1").ReadAll(); err != nil {
		t.Errorf("query after error: %v", err)
	}
}

func TestErrorsKeepTheConnection(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	tests := []struct {
		sql, code string
		position  int32
	}{
		{"select 1; select !", types.CodeSyntaxError, 18},
		{"boom", types.CodeInternalError, 0},
		{"no such statement", types.CodeSyntaxError, 0},
	}
	for _, tt := range tests {
		_, err := conn.Exec(context.Background(), tt.sql).ReadAll()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != tt.code || pgErr.Position != tt.position {
			t.Errorf("%q: error %v, want code %s at %d", tt.sql, err, tt.code, tt.position)
		}
	}
	if executed := ts.backend.executedStatements(); slices.Contains(executed, "select 1") {
		t.Errorf("a script with a syntax error ran statements: %q", executed)
	}
	if _, err := conn.Exec(context.Background(), "select 1").ReadAll(); err != nil {
		t.Errorf("query after errors: %v", err)
	}
}

func TestStatementWithoutRows(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	reader := conn.Exec(context.Background(), "insert; select none")
	want := []struct {
		columns int
		tag     string
	}{{0, "INSERT 0 1"}, {1, "SELECT 0"}}
	for i, w := range want {
		if !reader.NextResult() {
			t.Fatalf("result %d missing", i)
		}
		res := reader.ResultReader()
		columns := len(res.FieldDescriptions())
		if res.NextRow() {
			t.Errorf("result %d has a row", i)
		}
		tag, err := res.Close()
		if err != nil || columns != w.columns || tag.String() != w.tag {
			t.Errorf("result %d: %d columns, tag %q, err %v; want %d columns, tag %q", i, columns, tag, err, w.columns, w.tag)
		}
	}
	if err := reader.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func TestManyRowsAreStreamed(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	reader := conn.Exec(context.Background(), "select many")
	count := 0
	for reader.NextResult() {
		res := reader.ResultReader()
		for res.NextRow() {
			if string(res.Values()[0]) != itoa(count) {
				t.Fatalf("row %d has i = %q", count, res.Values()[0])
			}
			count++
		}
		tag, err := res.Close()
		if err != nil || tag.String() != "SELECT 20000" {
			t.Fatalf("tag %q, err %v", tag, err)
		}
	}
	if err := reader.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if count != 20000 {
		t.Errorf("got %d rows, want 20000", count)
	}
}

func itoa(i int) string { return string(types.AppendText(nil, types.NewInt(int64(i)), nil)) }

func TestTransactionStatusAndParameterChanges(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	ctx := context.Background()
	steps := []struct {
		sql      string
		txStatus byte
		timeZone string
	}{
		{"begin", 'T', "UTC"},
		{"set timezone kolkata", 'T', "Asia/Kolkata"},
		{"commit", 'I', "Asia/Kolkata"},
	}
	for _, s := range steps {
		if _, err := conn.Exec(ctx, s.sql).ReadAll(); err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
		if conn.TxStatus() != s.txStatus || conn.ParameterStatus("TimeZone") != s.timeZone {
			t.Errorf("after %s: TxStatus %c TimeZone %q, want %c %q", s.sql, conn.TxStatus(),
				conn.ParameterStatus("TimeZone"), s.txStatus, s.timeZone)
		}
	}
	results, err := conn.Exec(ctx, "select tz").ReadAll()
	if err != nil {
		t.Fatalf("select tz: %v", err)
	}
	if got := string(results[0].Rows[0][0]); got != "2024-01-31 18:04:56.789+05:30" {
		t.Errorf("timestamptz after SET TimeZone printed as %q", got)
	}
}

func TestCancelRequest(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "sleep").ReadAll()
		errc <- err
	}()
	<-ts.backend.executing
	if err := conn.CancelRequest(ctx); err != nil {
		t.Fatalf("cancel request: %v", err)
	}
	err := <-errc
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != types.CodeQueryCanceled || pgErr.Message != "canceling statement due to user request" {
		t.Fatalf("cancelled statement error = %v", err)
	}
	if _, err := conn.Exec(ctx, "select 1").ReadAll(); err != nil {
		t.Errorf("query after cancel: %v", err)
	}
}

func TestShutdownEndsIdleAndBusyConnections(t *testing.T) {
	ts := startServer(t)
	ctx := context.Background()
	idle := connectPg(t, ts.url("appdb", ""))
	busy := connectPg(t, ts.url("appdb", ""))
	errc := make(chan error, 1)
	go func() {
		_, err := busy.Exec(ctx, "sleep").ReadAll()
		errc <- err
	}()
	<-ts.backend.executing
	if err := ts.shutdown(); err != nil {
		t.Fatalf("Serve returned %v", err)
	}
	if code := pgErrorCode(<-errc); code != codeAdminShutdown {
		t.Errorf("busy connection error code %q, want 57P01", code)
	}
	if _, err := idle.Exec(ctx, "select 1").ReadAll(); err == nil {
		t.Error("idle connection still works after shutdown")
	}
	if n := ts.backend.closedSessions(); n != 2 {
		t.Errorf("%d sessions closed, want 2", n)
	}
	if _, err := pgconn.Connect(ctx, ts.url("appdb", "connect_timeout=5")); err == nil {
		t.Error("connect after shutdown succeeded")
	}
}
