package wire

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// copyBackend makes testSessions that also accept COPY into a relation
// "t" of two columns, recording the data each COPY received.
type copyBackend struct {
	test *testBackend
	mu   sync.Mutex
	data []string // the data of every COPY that reached CopyDone
}

func (b *copyBackend) NewSession(ctx context.Context, user, database string) (Session, error) {
	s, err := b.test.NewSession(ctx, user, database)
	if err != nil {
		return nil, err
	}
	return &copySession{testSession: s.(*testSession), backend: b}, nil
}

func (b *copyBackend) copied() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.data)
}

type copySession struct {
	*testSession
	backend *copyBackend
}

var _ CopySession = (*copySession)(nil)

// Prepare parses statements starting with COPY with the real parser.
func (s *copySession) Prepare(sql string) ([]parser.Statement, error) {
	stmts, err := s.testSession.Prepare(sql)
	if err != nil {
		return nil, err
	}
	for i, st := range stmts {
		text := strings.TrimSpace(st.Origin().Text)
		if !strings.HasPrefix(strings.ToLower(text), "copy") {
			continue
		}
		parsed, err := parser.Parse(text)
		if err != nil {
			return nil, err
		}
		stmts[i] = parsed[0]
	}
	return stmts, nil
}

func (s *copySession) CopyColumns(st *parser.Copy) (types.Schema, error) {
	if st.Table != "t" {
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", st.Table)
	}
	return types.Schema{{Name: "a", Type: types.Text}, {Name: "b", Type: types.Text}}, nil
}

// CopyFrom fails at data containing "bad", else counts lines.
func (s *copySession) CopyFrom(ctx context.Context, st *parser.Copy, next func() ([]byte, error)) (string, error) {
	var data []byte
	for {
		chunk, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if strings.Contains(string(chunk), "bad") {
			return "", types.Errorf(types.CodeInvalidTextRepresent, "invalid input syntax")
		}
		data = append(data, chunk...)
	}
	s.backend.mu.Lock()
	s.backend.data = append(s.backend.data, string(data))
	s.backend.mu.Unlock()
	return "COPY " + strconv.Itoa(strings.Count(string(data), "\n")), nil
}

func startCopyServer(t *testing.T) (*copyBackend, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &copyBackend{test: newTestBackend()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(b, slog.New(slog.DiscardHandler)).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return b, ln.Addr().String()
}

// expectCopyIn reads the next message and checks it is a text-format
// CopyInResponse for columns columns.
func (c *rawClient) expectCopyIn(columns int) {
	c.t.Helper()
	msg, err := c.fe.Receive()
	if err != nil {
		c.t.Fatalf("receive: %v", err)
	}
	resp, ok := msg.(*pgproto3.CopyInResponse)
	if !ok {
		c.t.Fatalf("got %s, want CopyInResponse", describe(msg))
	}
	if resp.OverallFormat != 0 || !slices.Equal(resp.ColumnFormatCodes, make([]uint16, columns)) {
		c.t.Errorf("CopyInResponse format %d, columns %v; want text, %d text columns", resp.OverallFormat, resp.ColumnFormatCodes, columns)
	}
}

func TestCopyInSequences(t *testing.T) {
	b, addr := startCopyServer(t)
	c := dialRaw(t, addr)
	c.startup()
	selectOne := []string{"RowDescription ?column?:23", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}

	// Flush and Sync are ignored during COPY; the script goes on after it.
	c.send(&pgproto3.Query{String: "COPY t FROM STDIN; select 1"})
	c.expectCopyIn(2)
	c.send(&pgproto3.CopyData{Data: []byte("a\tb\nc")}, &pgproto3.Flush{}, &pgproto3.CopyData{Data: []byte("\td\n")},
		&pgproto3.Sync{}, &pgproto3.CopyDone{})
	if got, want := c.untilReady(), append([]string{"CommandComplete COPY 2"}, selectOne...); !slices.Equal(got, want) {
		t.Errorf("COPY then select: %q, want %q", got, want)
	}
	if got := b.copied(); !slices.Equal(got, []string{"a\tb\nc\td\n"}) {
		t.Errorf("copied %q", got)
	}

	// CopyFail ends the COPY with 57014 and the rest of the script.
	c.send(&pgproto3.Query{String: "COPY t (a) FROM STDIN CSV; select 1"})
	c.expectCopyIn(2)
	c.send(&pgproto3.CopyData{Data: []byte("x,y\n")}, &pgproto3.CopyFail{Message: "user abort"})
	msg, err := c.fe.Receive()
	if e, ok := msg.(*pgproto3.ErrorResponse); err != nil || !ok || e.Code != types.CodeQueryCanceled || e.Message != "COPY from stdin failed: user abort" {
		t.Errorf("after CopyFail: %s (%v)", describe(msg), err)
	}
	if got := c.untilReady(); !slices.Equal(got, []string{"ReadyForQuery I"}) {
		t.Errorf("after CopyFail error: %q", got)
	}

	// An error during COPY is reported at once; the copy messages the
	// client still sends are dropped.
	c.send(&pgproto3.Query{String: "COPY t FROM STDIN"})
	c.expectCopyIn(2)
	c.send(&pgproto3.CopyData{Data: []byte("bad\n")})
	if got := c.untilReady(); !slices.Equal(got, []string{"ErrorResponse ERROR 22P02", "ReadyForQuery I"}) {
		t.Errorf("bad data: %q", got)
	}
	c.send(&pgproto3.CopyData{Data: []byte("more\n")}, &pgproto3.CopyDone{}, &pgproto3.Query{String: "select 1"})
	if got := c.untilReady(); !slices.Equal(got, selectOne) {
		t.Errorf("select after a failed COPY: %q", got)
	}

	// A COPY whose target does not resolve never enters copy mode.
	c.send(&pgproto3.Query{String: "COPY nope FROM STDIN"})
	if got := c.untilReady(); !slices.Equal(got, []string{"ErrorResponse ERROR 42P01", "ReadyForQuery I"}) {
		t.Errorf("unknown relation: %q", got)
	}

	// Another message during COPY is a protocol violation that fails it.
	c.send(&pgproto3.Query{String: "COPY t FROM STDIN"})
	c.expectCopyIn(2)
	c.send(&pgproto3.Query{String: "select 1"})
	if got := c.untilReady(); !slices.Equal(got, []string{"ErrorResponse ERROR 08P01", "ReadyForQuery I"}) {
		t.Errorf("query during COPY: %q", got)
	}
	if got := b.copied(); len(got) != 1 {
		t.Errorf("failed COPYs reached CopyDone: %q", got)
	}
}
