package wire

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

var _ CopyOutSession = (*copySession)(nil)

// CopyTo writes two lines for relation "t"; for "broken" it fails after
// the first line; any other relation does not exist.
func (s *copySession) CopyTo(ctx context.Context, st *parser.CopyTo, out CopyOut) (string, error) {
	if st.Table != "t" && st.Table != "broken" {
		return "", types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", st.Table)
	}
	if err := out.Begin(2); err != nil {
		return "", err
	}
	if err := out.Data([]byte("a\tb\n")); err != nil {
		return "", err
	}
	if st.Table == "broken" {
		return "", types.Errorf(types.CodeDivisionByZero, "division by zero")
	}
	if err := out.Data([]byte("c\t\\N\n")); err != nil {
		return "", err
	}
	return "COPY 2", nil
}

func TestCopyOutSequences(t *testing.T) {
	_, addr := startCopyServer(t)
	c := dialRaw(t, addr)
	c.startup()

	c.send(&pgproto3.Query{String: "COPY t TO STDOUT; select 1"})
	msg, err := c.fe.Receive()
	resp, ok := msg.(*pgproto3.CopyOutResponse)
	if err != nil || !ok || resp.OverallFormat != 0 || !slices.Equal(resp.ColumnFormatCodes, []uint16{0, 0}) {
		t.Fatalf("got %s (%v), want a text CopyOutResponse for 2 columns", describe(msg), err)
	}
	var data []string
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		d, ok := msg.(*pgproto3.CopyData)
		if !ok {
			if _, done := msg.(*pgproto3.CopyDone); !done {
				t.Fatalf("got %s, want CopyData or CopyDone", describe(msg))
			}
			break
		}
		data = append(data, string(d.Data))
	}
	if want := []string{"a\tb\n", "c\t\\N\n"}; !slices.Equal(data, want) {
		t.Errorf("CopyData %q, want %q", data, want)
	}
	want := []string{"CommandComplete COPY 2", "RowDescription ?column?:23", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}
	if got := c.untilReady(); !slices.Equal(got, want) {
		t.Errorf("after CopyDone: %q, want %q", got, want)
	}

	// An error after the copy began ends it with ErrorResponse, no CopyDone.
	c.send(&pgproto3.Query{String: "COPY broken TO STDOUT"})
	want = []string{"CopyOutResponse", "CopyData", "ErrorResponse ERROR 22012", "ReadyForQuery I"}
	if got := c.untilReady(); !slices.Equal(got, want) {
		t.Errorf("failing COPY: %q, want %q", got, want)
	}

	// A COPY whose source does not resolve never enters copy mode.
	c.send(&pgproto3.Query{String: "COPY nope TO STDOUT"})
	if got := c.untilReady(); !slices.Equal(got, []string{"ErrorResponse ERROR 42P01", "ReadyForQuery I"}) {
		t.Errorf("unknown relation: %q", got)
	}
}

func TestCopyOutWithPgconn(t *testing.T) {
	_, addr := startCopyServer(t)
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, "postgres://alice@"+addr+"/appdb?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var out strings.Builder
	tag, err := conn.CopyTo(ctx, &out, "COPY t TO STDOUT")
	if err != nil || tag.String() != "COPY 2" || out.String() != "a\tb\nc\t\\N\n" {
		t.Errorf("CopyTo: %q %q %v", tag.String(), out.String(), err)
	}
}
