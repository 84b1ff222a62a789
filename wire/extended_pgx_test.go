package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/novelty-db/novelty/types"
)

// connectPgx connects pgx in its default mode: extended protocol, binary
// formats where pgx prefers them, named statements cached.
func connectPgx(t *testing.T, ts *testServer) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), ts.url("appdb", ""))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// TestPgxParameterRoundTrip sends a value of every type as a parameter and
// reads it back, both through pgx's chosen formats.
func TestPgxParameterRoundTrip(t *testing.T) {
	ts := startServer(t)
	conn := connectPgx(t, ts)
	kolkata := time.FixedZone("IST", 5*3600+1800)
	moment := time.Date(2024, 1, 31, 18, 4, 56, 789123000, kolkata)
	tests := []struct {
		sql  string
		arg  any
		want any // its type is the scan target's
	}{
		{"select $1::bool", true, true},
		{"select $1::int2", int16(-2), int16(-2)},
		{"select $1::int4", int32(-4), int32(-4)},
		{"select $1::int8", int64(8_000_000_000), int64(8_000_000_000)},
		{"select $1::float4", float32(1.5), float32(1.5)},
		{"select $1::float8", 0.1, 0.1},
		{"select $1::numeric", 12.25, 12.25},
		{"select $1::numeric", "-123456789.125", "-123456789.125"},
		{"select $1::text", "héllo", "héllo"},
		{"select $1::varchar", "v", "v"},
		{"select $1::bytea", []byte{0xca, 0xfe, 0}, []byte{0xca, 0xfe, 0}},
		{"select $1::date", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"select $1::timestamp", time.Date(2024, 1, 31, 12, 0, 0, 1000, time.UTC), time.Date(2024, 1, 31, 12, 0, 0, 1000, time.UTC)},
		{"select $1::timestamptz", moment, moment},
		{"select $1::interval", pgtype.Interval{Months: 14, Days: 3, Microseconds: -5, Valid: true},
			pgtype.Interval{Months: 14, Days: 3, Microseconds: -5, Valid: true}},
		{"select $1::interval", 90 * time.Minute, 90 * time.Minute},
		{"select $1::json", map[string]any{"k": []any{1.0, "x"}}, map[string]any{"k": []any{1.0, "x"}}},
		{"select $1::jsonb", map[string]any{"k": true}, map[string]any{"k": true}},
		{"select $1::uuid", [16]byte{0xa0, 0xee, 15: 0x11}, [16]byte{0xa0, 0xee, 15: 0x11}},
		{"select $1::text[]", []string{"a", "b c", "", `q"`, "NULL"}, []string{"a", "b c", "", `q"`, "NULL"}},
		{"select $1::text[]", []*string{nil}, []*string{nil}},
		{"select $1", "untyped", "untyped"},
		{"select $1::int8", nil, (*int64)(nil)},
	}
	for _, tt := range tests {
		got := reflect.New(reflect.TypeOf(tt.want))
		if err := conn.QueryRow(context.Background(), tt.sql, tt.arg).Scan(got.Interface()); err != nil {
			t.Errorf("%s with %v: %v", tt.sql, tt.arg, err)
			continue
		}
		if !sameValue(got.Elem().Interface(), tt.want) {
			t.Errorf("%s with %v read back %#v, want %#v", tt.sql, tt.arg, got.Elem().Interface(), tt.want)
		}
	}
}

// TestPgxUsesBinaryResults makes sure the default mode really exercised the
// binary formats: pgx asks for them for most of the types.
func TestPgxUsesBinaryResults(t *testing.T) {
	ts := startServer(t)
	conn := connectPgx(t, ts)
	rows, err := conn.Query(context.Background(), "select types")
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	binaryColumns := 0
	for _, fd := range rows.FieldDescriptions() {
		if fd.Format == pgtype.BinaryFormatCode {
			binaryColumns++
		}
	}
	if binaryColumns < 12 {
		t.Errorf("pgx read only %d of %d columns in binary", binaryColumns, len(rows.FieldDescriptions()))
	}
}

func TestPgxStatementCacheParsesOnce(t *testing.T) {
	ts := startServer(t)
	conn := connectPgx(t, ts)
	for i := range int64(5) {
		var got int64
		if err := conn.QueryRow(context.Background(), "select $1::int8", i).Scan(&got); err != nil || got != i {
			t.Fatalf("execution %d: %d, %v", i, got, err)
		}
	}
	if described := ts.backend.describedStatements(); !slices.Equal(described, []string{"select $1::int8"}) {
		t.Errorf("described %q, want the statement once", described)
	}
	if executed := ts.backend.executedStatements(); len(executed) != 5 {
		t.Errorf("executed %q, want 5 executions", executed)
	}
}

// TestPgxBinaryParametersOfStatements covers goose's INSERT: binary int8 and
// bool parameters of a statement without rows.
func TestPgxBinaryParametersOfStatements(t *testing.T) {
	ts := startServer(t)
	conn := connectPgx(t, ts)
	for _, v := range []int64{0, 1} {
		tag, err := conn.Exec(context.Background(), "insert $1::int8, $2::bool", v, v == 1)
		if err != nil || tag.String() != "INSERT 0 1" {
			t.Fatalf("exec: %q, %v", tag, err)
		}
	}
	want := [][]types.Datum{{types.NewInt(0), types.NewBool(false)}, {types.NewInt(1), types.NewBool(true)}}
	if got := ts.backend.insertedParams(); !reflect.DeepEqual(got, want) {
		t.Errorf("inserted %v, want %v", got, want)
	}
}

// TestPgxPlanningErrorThenRetry follows goose: a cached statement that
// fails at Parse is parsed again under the same name later.
func TestPgxPlanningErrorThenRetry(t *testing.T) {
	ts := startServer(t)
	conn := connectPgx(t, ts)
	ctx := context.Background()
	for range 2 {
		var n int
		err := conn.QueryRow(ctx, "select missing").Scan(&n)
		if code := pgErrorCode(err); code != types.CodeUndefinedTable {
			t.Fatalf("error %v, want 42P01", err)
		}
	}
	var n int32
	if err := conn.QueryRow(ctx, "select 1").Scan(&n); err != nil || n != 1 {
		t.Errorf("query after errors: %d, %v", n, err)
	}
}

func TestPgxBatchStopsAtError(t *testing.T) {
	ts := startServer(t)
	conn := connectPgx(t, ts)
	ctx := context.Background()
	batch := &pgx.Batch{}
	batch.Queue("insert $1::int8, $2::bool", int64(1), true)
	batch.Queue("fail")
	batch.Queue("insert $1::int8, $2::bool", int64(2), false)
	results := conn.SendBatch(ctx, batch)
	if _, err := results.Exec(); err != nil {
		t.Errorf("first statement: %v", err)
	}
	if _, err := results.Exec(); pgErrorCode(err) != types.CodeUndefinedTable {
		t.Errorf("second statement: %v, want 42P01", err)
	}
	if _, err := results.Exec(); err == nil {
		t.Error("third statement ran after the error")
	}
	_ = results.Close()
	if got := ts.backend.insertedParams(); len(got) != 1 {
		t.Errorf("inserted %v, want only the first", got)
	}
	var n int64
	if err := conn.QueryRow(ctx, "select $1::int8", int64(3)).Scan(&n); err != nil || n != 3 {
		t.Errorf("query after the batch: %d, %v", n, err)
	}
	if conn.PgConn().TxStatus() != 'I' {
		t.Errorf("TxStatus %c after the batch", conn.PgConn().TxStatus())
	}
}

func TestPgconnExecPrepared(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	ctx := context.Background()
	sd, err := conn.Prepare(ctx, "s1", "select $1::int8, $2::text", nil)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if !slices.Equal(sd.ParamOIDs, []uint32{20, 25}) || len(sd.Fields) != 2 || sd.Fields[0].DataTypeOID != 20 {
		t.Errorf("statement description %+v", sd)
	}
	for i := range int64(3) {
		res := conn.ExecPrepared(ctx, "s1", [][]byte{[]byte(itoa(int(i))), []byte("x")}, nil, []int16{1, 0}).Read()
		if res.Err != nil {
			t.Fatalf("execute %d: %v", i, res.Err)
		}
		row := res.Rows[0]
		if int64(binary.BigEndian.Uint64(row[0])) != i || string(row[1]) != "x" || res.CommandTag.String() != "SELECT 1" {
			t.Errorf("execute %d: row %q, tag %q", i, row, res.CommandTag)
		}
	}
	if err := conn.Deallocate(ctx, "s1"); err != nil {
		t.Fatalf("deallocate: %v", err)
	}
	res := conn.ExecPrepared(ctx, "s1", [][]byte{[]byte("1"), []byte("x")}, nil, nil).Read()
	var pgErr *pgconn.PgError
	if !errors.As(res.Err, &pgErr) || pgErr.Code != codeInvalidSQLStatementName {
		t.Errorf("execute after deallocate: %v, want 26000", res.Err)
	}
}

func TestCancelExtendedStatement(t *testing.T) {
	ts := startServer(t)
	conn := connectPg(t, ts.url("appdb", ""))
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		errc <- conn.ExecParams(ctx, "sleep", nil, nil, nil, nil).Read().Err
	}()
	<-ts.backend.executing
	if err := conn.CancelRequest(ctx); err != nil {
		t.Fatalf("cancel request: %v", err)
	}
	if code := pgErrorCode(<-errc); code != types.CodeQueryCanceled {
		t.Fatalf("cancelled statement error code %q, want 57014", code)
	}
	if res := conn.ExecParams(ctx, "select 1", nil, nil, nil, nil).Read(); res.Err != nil || string(res.Rows[0][0]) != "1" {
		t.Errorf("query after cancel: %v", res.Err)
	}
}
