package wire

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rawClient speaks the protocol message by message, to check exactly what
// the server sends.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// send sends msgs and flushes.
func (c *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// untilReady returns short descriptions of the messages received up to and
// including ReadyForQuery.
func (c *rawClient) untilReady() []string {
	c.t.Helper()
	var got []string
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			c.t.Fatalf("receive after %q: %v", got, err)
		}
		got = append(got, describe(msg))
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return got
		}
	}
}

func describe(msg pgproto3.BackendMessage) string {
	switch m := msg.(type) {
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ErrorResponse:
		return "ErrorResponse " + m.Severity + " " + m.Code
	case *pgproto3.ParameterStatus:
		return "ParameterStatus " + m.Name + "=" + m.Value
	case *pgproto3.RowDescription:
		names := make([]string, len(m.Fields))
		for i, f := range m.Fields {
			names[i] = fmt.Sprintf("%s:%d", f.Name, f.DataTypeOID)
			if f.Format == pgproto3.BinaryFormat {
				names[i] += "/b"
			}
		}
		return "RowDescription " + strings.Join(names, ",")
	case *pgproto3.ParameterDescription:
		return fmt.Sprint("ParameterDescription ", m.ParameterOIDs)
	case *pgproto3.DataRow:
		values := make([]string, len(m.Values))
		for i, v := range m.Values {
			values[i] = string(v)
		}
		return "DataRow " + strings.Join(values, ",")
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

func (c *rawClient) startup() []string {
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "alice", "database": "appdb"}})
	return c.untilReady()
}

func TestStartupMessageSequence(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	want := []string{
		"AuthenticationOk",
		"ParameterStatus application_name=",
		"ParameterStatus client_encoding=UTF8",
		"ParameterStatus DateStyle=ISO, MDY",
		"ParameterStatus default_transaction_read_only=off",
		"ParameterStatus in_hot_standby=off",
		"ParameterStatus integer_datetimes=on",
		"ParameterStatus IntervalStyle=postgres",
		"ParameterStatus is_superuser=on",
		"ParameterStatus server_encoding=UTF8",
		"ParameterStatus server_version=" + ServerVersion,
		"ParameterStatus session_authorization=alice",
		"ParameterStatus standard_conforming_strings=on",
		"ParameterStatus TimeZone=UTC",
		"BackendKeyData",
		"ReadyForQuery I",
	}
	if got := c.startup(); !slices.Equal(got, want) {
		t.Errorf("startup sent\n%q\nwant\n%q", got, want)
	}
}

func TestSimpleQueryMessageSequences(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.startup()
	tests := []struct {
		sql  string
		want []string
	}{
		{"", []string{"EmptyQueryResponse", "ReadyForQuery I"}},
		{";", []string{"EmptyQueryResponse", "ReadyForQuery I"}},
		{" -- ping\n /* a /* nested */ comment */ ;", []string{"EmptyQueryResponse", "ReadyForQuery I"}},
		{"select 1", []string{"RowDescription ?column?:23", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"select 1;; insert;", []string{"RowDescription ?column?:23", "DataRow 1", "CommandComplete SELECT 1",
			"CommandComplete INSERT 0 1", "ReadyForQuery I"}},
		{"select none", []string{"RowDescription n:20", "CommandComplete SELECT 0", "ReadyForQuery I"}},
		{"insert; fail; insert", []string{"CommandComplete INSERT 0 1", "ErrorResponse ERROR 42P01", "ReadyForQuery I"}},
		{"select !", []string{"ErrorResponse ERROR 42601", "ReadyForQuery I"}},
		{"begin", []string{"CommandComplete BEGIN", "ReadyForQuery T"}},
		{"set timezone kolkata", []string{"CommandComplete SET", "ParameterStatus TimeZone=Asia/Kolkata", "ReadyForQuery T"}},
		{"commit", []string{"CommandComplete COMMIT", "ReadyForQuery I"}},
	}
	for _, tt := range tests {
		c.send(&pgproto3.Query{String: tt.sql})
		if got := c.untilReady(); !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.sql, got, tt.want)
		}
	}
}

func TestTerminateClosesSession(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.startup()
	c.send(&pgproto3.Terminate{})
	if _, err := c.fe.Receive(); err == nil {
		t.Fatal("connection still open after Terminate")
	}
	if err := ts.shutdown(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if n := ts.backend.closedSessions(); n != 1 {
		t.Errorf("%d sessions closed, want 1", n)
	}
}

func TestNegotiatesProtocolVersion(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32,
		Parameters: map[string]string{"user": "alice", "_pq_.future": "1"}})
	got := c.untilReady()
	if len(got) == 0 || got[0] != "NegotiateProtocolVersion" || got[1] != "AuthenticationOk" {
		t.Errorf("startup with protocol 3.2 got %q", got)
	}
}
