package wire

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/types"
)

func TestAppendDataRowMatchesPgproto3(t *testing.T) {
	row := []types.Datum{types.NewInt(42), types.Null, types.NewText("héllo"), types.NewText("")}
	enc := newRowEncoder(nil, nil, time.UTC)
	buf, err := enc.appendDataRow(nil, row)
	if err != nil {
		t.Fatalf("appendDataRow: %v", err)
	}
	var decoded pgproto3.DataRow
	if buf[0] != 'D' {
		t.Fatalf("message type %q", buf[0])
	}
	if err := decoded.Decode(buf[5:]); err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := [][]byte{[]byte("42"), nil, []byte("héllo"), {}}
	if len(decoded.Values) != len(want) {
		t.Fatalf("decoded %d values", len(decoded.Values))
	}
	for i, w := range want {
		if !slices.Equal(decoded.Values[i], w) || (decoded.Values[i] == nil) != (w == nil) {
			t.Errorf("value %d = %q, want %q", i, decoded.Values[i], w)
		}
	}
	encoded, err := (&pgproto3.DataRow{Values: want}).Encode(nil)
	if err != nil || !slices.Equal(encoded, buf) {
		t.Errorf("appendDataRow = %x, pgproto3 encodes %x (%v)", buf, encoded, err)
	}
}

func TestAppendDataRowDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 4096)
	for _, binary := range []bool{false, true} {
		var formats []bool
		if binary {
			formats = make([]bool, len(allTypes))
			for i := range formats {
				formats[i] = true
			}
		}
		enc := newRowEncoder(allTypes, formats, time.UTC)
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			if buf, err = enc.appendDataRow(buf[:0], allTypesRow); err != nil {
				t.Fatalf("appendDataRow: %v", err)
			}
		})
		if allocs != 0 {
			t.Errorf("appendDataRow (binary %v) allocated %v times", binary, allocs)
		}
	}
}

func TestRowWriterContract(t *testing.T) {
	c := &conn{out: messageWriter{w: discard{}}}
	w := &rowWriter{conn: c}
	w.reset(time.UTC)
	if err := w.Row([]types.Datum{types.NewInt(1)}); !errors.Is(err, errRowBeforeColumns) {
		t.Errorf("Row before Columns: %v", err)
	}
	if err := w.Columns(types.Schema{{Name: "a", Type: types.Int8}}); err != nil {
		t.Fatalf("Columns: %v", err)
	}
	if err := w.Columns(types.Schema{{Name: "a", Type: types.Int8}}); !errors.Is(err, errColumnsTwice) {
		t.Errorf("second Columns: %v", err)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestRowDescriptionReportsUnknownAsText(t *testing.T) {
	rd := rowDescription(types.Schema{{Name: "x", Type: types.Unknown}}, nil)
	if f := rd.Fields[0]; f.DataTypeOID != types.Text.OID() || f.DataTypeSize != -1 {
		t.Errorf("unknown column described as %+v", f)
	}
}

func TestIsBlankSQL(t *testing.T) {
	tests := []struct {
		sql   string
		blank bool
	}{
		{"", true},
		{" ;\n\t; ", true},
		{"-- only a comment", true},
		{"-- comment\n;", true},
		{"/* a /* nested */ comment */", true},
		{"/* unterminated", true},
		{"select 1", false},
		{"-- comment\nselect 1", false},
		{"/* c */ x", false},
		{"/* a /* b */ still comment */ x", false},
	}
	for _, tt := range tests {
		if got := isBlankSQL(tt.sql); got != tt.blank {
			t.Errorf("isBlankSQL(%q) = %v, want %v", tt.sql, got, tt.blank)
		}
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		options string
		want    []parameter
		wantErr bool
	}{
		{"", nil, false},
		{"-c search_path=x", []parameter{{"search_path", "x"}}, false},
		{"-cstatement_timeout=5s --geqo=off", []parameter{{"statement_timeout", "5s"}, {"geqo", "off"}}, false},
		{`-c application_name=a\ b`, []parameter{{"application_name", "a b"}}, false},
		{"--search-path=y", []parameter{{"search_path", "y"}}, false},
		{"-x", nil, true},
		{"-c novalue", nil, true},
	}
	for _, tt := range tests {
		got, err := parseOptions(tt.options)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("parseOptions(%q) = %v, %v; want %v (error: %v)", tt.options, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestErrorResponse(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want pgproto3.ErrorResponse
	}{
		{"user error", types.Errorf(types.CodeUndefinedColumn, "column \"x\" does not exist").WithPosition(8).WithHint("h"),
			pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "42703",
				Message: "column \"x\" does not exist", Hint: "h", Position: 8}},
		{"wrapped user error", errors.Join(errors.New("context"), types.Errorf(types.CodeDivisionByZero, "division by zero")),
			pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "22012", Message: "division by zero"}},
		{"internal error", errors.New("disk on fire"),
			pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "XX000", Message: "disk on fire"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorResponse(severityError, tt.err)
			if got.Severity != tt.want.Severity || got.SeverityUnlocalized != tt.want.SeverityUnlocalized ||
				got.Code != tt.want.Code || got.Message != tt.want.Message || got.Hint != tt.want.Hint ||
				got.Position != tt.want.Position || got.Detail != tt.want.Detail {
				t.Errorf("errorResponse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// flakyListener fails its first Accept with a transient error.
type flakyListener struct {
	net.Listener
	failed bool
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if !l.failed {
		l.failed = true
		return nil, errors.New("accept: too many open files")
	}
	return l.Listener.Accept()
}

func TestServeRetriesFailedAccept(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- NewServer(newTestBackend(), slog.New(slog.DiscardHandler)).Serve(ctx, &flakyListener{Listener: inner})
	}()
	conn, err := pgconn.Connect(context.Background(), "postgres://alice@"+inner.Addr().String()+"/appdb?sslmode=disable")
	if err != nil {
		t.Fatalf("connect after a failed accept: %v", err)
	}
	_ = conn.Close(context.Background())
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v", err)
	}
}

func TestServeReturnsWhenListenerCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- NewServer(newTestBackend(), slog.New(slog.DiscardHandler)).Serve(context.Background(), ln)
	}()
	if err := ln.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve = %v, want net.ErrClosed", err)
	}
}

func TestRowEncoderMatchesAppendBinary(t *testing.T) {
	// Each column's own values, then values of another type that
	// appendBinary converts (or rejects) the way a cast would.
	others := []types.Datum{
		types.NewIntOf(types.Int4, 7), types.NewFloat(2.5), types.NewText("12"), types.NewTimestampTZ(5),
		types.NewString(types.Varchar, "v"), types.NewDate(3),
	}
	for i, col := range allTypes {
		enc := binaryEncoder(col.Type)
		for _, d := range append([]types.Datum{allTypesRow[i]}, others...) {
			want, wantErr := appendBinary([]byte("x"), col.Type, d)
			got, err := enc([]byte("x"), &d, time.UTC)
			if (err != nil) != (wantErr != nil) || !slices.Equal(got, want) {
				t.Errorf("%s column, value %+v: encoder %x (%v), appendBinary %x (%v)", col.Type, d, got, err, want, wantErr)
			}
		}
	}
}
