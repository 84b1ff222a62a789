package wire

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// scriptedConn is a net.Conn that reads a fixed input and records what is
// written to it.
type scriptedConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *scriptedConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *scriptedConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *scriptedConn) Close() error                     { return nil }
func (c *scriptedConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptedConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptedConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptedConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptedConn) SetWriteDeadline(time.Time) error { return nil }

func encodeMessages(t testing.TB, msgs ...pgproto3.FrontendMessage) []byte {
	var buf []byte
	for _, m := range msgs {
		var err error
		if buf, err = m.Encode(buf); err != nil {
			t.Fatalf("encode %T: %v", m, err)
		}
	}
	return buf
}

// FuzzServerMessages feeds arbitrary bytes to a connection after a valid
// startup message. Whatever arrives, the server must neither panic nor
// hang, and everything it sends must be well-formed backend messages.
func FuzzServerMessages(f *testing.F) {
	startup := encodeMessages(f, &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "alice", "database": "appdb"}})
	seeds := [][]byte{
		encodeMessages(f, &pgproto3.Query{String: "select types; fail"}),
		encodeMessages(f,
			&pgproto3.Parse{Name: "s", Query: "select $1::int8, $2::text[]"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s"},
			&pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1},
				Parameters: [][]byte{int8Param(7), {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25}}, ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			&pgproto3.Sync{}),
		encodeMessages(f,
			&pgproto3.Parse{Query: "select types"}, &pgproto3.Bind{ResultFormatCodes: []int16{1}},
			&pgproto3.Execute{MaxRows: 1}, &pgproto3.Execute{}, &pgproto3.Flush{},
			&pgproto3.Close{ObjectType: 'P'}, &pgproto3.Sync{}),
		encodeMessages(f, &pgproto3.Parse{Query: "select $1::numeric"},
			&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x0f}}},
			&pgproto3.Execute{}, &pgproto3.Sync{}),
		encodeMessages(f, &pgproto3.Parse{Query: "fail"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "sleep"}, &pgproto3.Sync{}, &pgproto3.Terminate{}),
		append(binary.BigEndian.AppendUint32([]byte{'B'}, 6), 0, 0),
		binary.BigEndian.AppendUint32([]byte{'Q'}, maxMessageLen+5),
		binary.BigEndian.AppendUint32([]byte{'P'}, 3),
		{'?', 0, 0, 0, 4},
		{},
	}
	for _, seed := range seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		backend := newTestBackend()
		backend.failSleep = true
		srv := NewServer(backend, slog.New(slog.DiscardHandler))
		nc := &scriptedConn{in: bytes.NewReader(append(append([]byte(nil), startup...), input...))}
		srv.serveConn(context.Background(), nc)
		if err := checkBackendMessages(nc.out.Bytes()); err != nil {
			t.Fatalf("%v\noutput: %q", err, nc.out.Bytes())
		}
		if backend.closedSessions() != 1 {
			t.Errorf("%d sessions closed, want 1", backend.closedSessions())
		}
	})
}

// checkBackendMessages checks that out is a sequence of complete backend
// messages that pgproto3 decodes.
func checkBackendMessages(out []byte) error {
	for len(out) > 0 {
		if len(out) < 5 {
			return fmt.Errorf("truncated message header %q", out)
		}
		n := int(binary.BigEndian.Uint32(out[1:]))
		if n < 4 || 1+n > len(out) {
			return fmt.Errorf("message %q has length %d with %d bytes left", out[0], n, len(out)-1)
		}
		fe := pgproto3.NewFrontend(bytes.NewReader(out[:1+n]), io.Discard)
		if _, err := fe.Receive(); err != nil {
			return fmt.Errorf("malformed %q message: %w", out[0], err)
		}
		out = out[1+n:]
	}
	return nil
}
