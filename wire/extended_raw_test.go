package wire

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// int8Param is the binary form of the int8 n.
func int8Param(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

func TestExtendedMessageSequences(t *testing.T) {
	ts := startServer(t)
	sync := &pgproto3.Sync{}
	binaryFormat := []int16{pgproto3.BinaryFormat}
	tests := []struct {
		name string
		msgs []pgproto3.FrontendMessage
		want []string
	}{
		{"describe statement then run it (pgx)", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s1", Query: "select $1::int8, $2"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
			sync,
			&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1, 0},
				Parameters: [][]byte{int8Param(41), []byte("x")}, ResultFormatCodes: []int16{1, 0}},
			&pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "ParameterDescription [20 25]", "RowDescription c1:20,c2:25", "ReadyForQuery I",
			"BindComplete", "DataRow \x00\x00\x00\x00\x00\x00\x00),x", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"one batch with describe portal (node-postgres)", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int4"},
			&pgproto3.Bind{ParameterFormatCodes: []int16{0}, Parameters: [][]byte{[]byte("41")}, ResultFormatCodes: []int16{0}},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "BindComplete", "RowDescription c1:23", "DataRow 41", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"describe portal reports binary formats", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int4, $2::text"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("7"), []byte("x")}, ResultFormatCodes: []int16{1, 0}},
			&pgproto3.Describe{ObjectType: 'P'},
			sync,
		}, []string{"ParseComplete", "BindComplete", "RowDescription c1:23/b,c2:25", "ReadyForQuery I"}},
		{"declared parameter types override inferred ones (pgjdbc)", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1", ParameterOIDs: []uint32{23}},
			&pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{ParameterFormatCodes: binaryFormat, Parameters: [][]byte{{0, 0, 0, 41}}},
			&pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "ParameterDescription [23]", "RowDescription c1:25", "BindComplete", "DataRow 41",
			"CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"transaction in one batch, row limit on statements without rows (pgjdbc)", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "begin"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "insert"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{},
			sync,
			&pgproto3.Parse{Name: "S_1", Query: "commit"}, &pgproto3.Bind{PreparedStatement: "S_1"}, &pgproto3.Execute{MaxRows: 1},
			sync,
		}, []string{"ParseComplete", "BindComplete", "CommandComplete BEGIN", "ParseComplete", "BindComplete", "NoData",
			"CommandComplete INSERT 0 1", "ReadyForQuery T",
			"ParseComplete", "BindComplete", "CommandComplete COMMIT", "ReadyForQuery I"}},
		{"statement without rows", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "insert $1::int8, $2::bool"},
			&pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{ParameterFormatCodes: binaryFormat, Parameters: [][]byte{int8Param(1), {1}}},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "ParameterDescription [20 16]", "NoData", "BindComplete", "NoData",
			"CommandComplete INSERT 0 1", "ReadyForQuery I"}},
		{"NULL parameter", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int8"},
			&pgproto3.Bind{Parameters: [][]byte{nil}},
			&pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "BindComplete", "DataRow ", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"empty query", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: " -- nothing\n;"},
			&pgproto3.Describe{ObjectType: 'S'},
			&pgproto3.Bind{},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "ParameterDescription []", "NoData", "BindComplete", "NoData", "EmptyQueryResponse", "ReadyForQuery I"}},
		{"several statements in one Parse", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1; insert"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			sync,
		}, []string{"ErrorResponse ERROR 42601", "ReadyForQuery I"}},
		{"a trailing semicolon is one statement", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1;"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "BindComplete", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"error inside a batch skips to Sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "insert"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "fail"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Parse{Query: "insert"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			&pgproto3.Query{String: "insert"},
			sync,
			&pgproto3.Parse{Query: "select 1"}, &pgproto3.Bind{}, &pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "BindComplete", "CommandComplete INSERT 0 1", "ParseComplete", "BindComplete",
			"ErrorResponse ERROR 42P01", "ReadyForQuery I",
			"ParseComplete", "BindComplete", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"planning error at Parse", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s1", Query: "select missing"},
			&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
			sync,
			&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
			sync,
		}, []string{"ErrorResponse ERROR 42P01", "ReadyForQuery I", "ErrorResponse ERROR 26000", "ReadyForQuery I"}},
		{"named statement exists", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s1", Query: "select 1"},
			&pgproto3.Parse{Name: "s1", Query: "select 1"},
			sync,
		}, []string{"ParseComplete", "ErrorResponse ERROR 42P05", "ReadyForQuery I"}},
		{"unnamed statement is replaced", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "insert"},
			&pgproto3.Parse{Query: "select 1"},
			&pgproto3.Bind{}, &pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "ParseComplete", "BindComplete", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"close statement", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s1", Query: "select 1"},
			&pgproto3.Close{ObjectType: 'S', Name: "s1"},
			&pgproto3.Close{ObjectType: 'S', Name: "never parsed"},
			&pgproto3.Bind{PreparedStatement: "s1"},
			sync,
		}, []string{"ParseComplete", "CloseComplete", "CloseComplete", "ErrorResponse ERROR 26000", "ReadyForQuery I"}},
		{"close portal", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"},
			&pgproto3.Bind{DestinationPortal: "p"},
			&pgproto3.Close{ObjectType: 'P', Name: "p"},
			&pgproto3.Execute{Portal: "p"},
			sync,
		}, []string{"ParseComplete", "BindComplete", "CloseComplete", "ErrorResponse ERROR 34000", "ReadyForQuery I"}},
		{"portal exists", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"},
			&pgproto3.Bind{DestinationPortal: "p"},
			&pgproto3.Bind{DestinationPortal: "p"},
			sync,
		}, []string{"ParseComplete", "BindComplete", "ErrorResponse ERROR 42P03", "ReadyForQuery I"}},
		{"wrong number of parameters", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int8"},
			&pgproto3.Bind{},
			sync,
		}, []string{"ParseComplete", "ErrorResponse ERROR 08P01", "ReadyForQuery I"}},
		{"wrong number of parameter formats", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int8"},
			&pgproto3.Bind{ParameterFormatCodes: []int16{0, 0}, Parameters: [][]byte{[]byte("1")}},
			sync,
		}, []string{"ParseComplete", "ErrorResponse ERROR 08P01", "ReadyForQuery I"}},
		{"wrong number of result formats", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"},
			&pgproto3.Bind{ResultFormatCodes: []int16{0, 1}},
			sync,
		}, []string{"ParseComplete", "ErrorResponse ERROR 08P01", "ReadyForQuery I"}},
		{"unknown format code", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"},
			&pgproto3.Bind{ResultFormatCodes: []int16{2}},
			sync,
		}, []string{"ParseComplete", "ErrorResponse ERROR 08P01", "ReadyForQuery I"}},
		{"bad binary parameter", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int8"},
			&pgproto3.Bind{ParameterFormatCodes: binaryFormat, Parameters: [][]byte{{0, 1}}},
			sync,
		}, []string{"ParseComplete", "ErrorResponse ERROR 22P03", "ReadyForQuery I"}},
		{"bad text parameter", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1::int8"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("eleven")}},
			sync,
		}, []string{"ParseComplete", "ErrorResponse ERROR 22P02", "ReadyForQuery I"}},
		{"unsupported declared type", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select $1", ParameterOIDs: []uint32{600}},
			sync,
		}, []string{"ErrorResponse ERROR 0A000", "ReadyForQuery I"}},
		{"result type changed since Parse", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select changed"},
			&pgproto3.Bind{}, &pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "BindComplete", "ErrorResponse ERROR 0A000", "ReadyForQuery I"}},
		{"a finished statement portal cannot run again", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "insert"},
			&pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "BindComplete", "CommandComplete INSERT 0 1", "ErrorResponse ERROR 55000", "ReadyForQuery I"}},
		{"a finished query portal returns no more rows", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"},
			&pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Execute{},
			sync,
		}, []string{"ParseComplete", "BindComplete", "DataRow 1", "CommandComplete SELECT 1", "CommandComplete SELECT 0", "ReadyForQuery I"}},
		{"Sync outside a transaction drops portals", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s1", Query: "select 1"},
			&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s1"},
			sync,
			&pgproto3.Execute{Portal: "p"},
			sync,
			&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s1"},
			&pgproto3.Execute{Portal: "p"},
			sync,
		}, []string{"ParseComplete", "BindComplete", "ReadyForQuery I", "ErrorResponse ERROR 34000", "ReadyForQuery I",
			"BindComplete", "DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery I"}},
		{"portals live until the transaction ends", []pgproto3.FrontendMessage{
			&pgproto3.Query{String: "begin"},
			&pgproto3.Parse{Query: "select 1"},
			&pgproto3.Bind{DestinationPortal: "p"},
			sync,
			&pgproto3.Execute{Portal: "p"},
			sync,
		}, []string{"CommandComplete BEGIN", "ReadyForQuery T", "ParseComplete", "BindComplete", "ReadyForQuery T",
			"DataRow 1", "CommandComplete SELECT 1", "ReadyForQuery T"}},
		{"a simple query drops the unnamed statement", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "select 1"},
			sync,
			&pgproto3.Query{String: "insert"},
			&pgproto3.Bind{},
			sync,
		}, []string{"ParseComplete", "ReadyForQuery I", "CommandComplete INSERT 0 1", "ReadyForQuery I",
			"ErrorResponse ERROR 26000", "ReadyForQuery I"}},
		{"bad describe subtype", []pgproto3.FrontendMessage{
			&pgproto3.Describe{ObjectType: 'X'},
			sync,
		}, []string{"ErrorResponse ERROR 08P01", "ReadyForQuery I"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, ts.addr)
			c.startup()
			c.send(tt.msgs...)
			var got []string
			for range countReady(tt.want) {
				got = append(got, c.untilReady()...)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// countReady counts the ReadyForQuery messages in want.
func countReady(want []string) int {
	n := 0
	for _, m := range want {
		if strings.HasPrefix(m, "ReadyForQuery") {
			n++
		}
	}
	return n
}

func TestExtendedStatementReuseParsesOnce(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.startup()
	c.send(&pgproto3.Parse{Name: "s1", Query: "select $1::int8"}, &pgproto3.Describe{ObjectType: 'S', Name: "s1"}, &pgproto3.Sync{})
	c.untilReady()
	for i := range 3 {
		c.send(&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte(itoa(i))}}, &pgproto3.Execute{}, &pgproto3.Sync{})
		want := []string{"BindComplete", "DataRow " + itoa(i), "CommandComplete SELECT 1", "ReadyForQuery I"}
		if got := c.untilReady(); !slices.Equal(got, want) {
			t.Errorf("execution %d: got %q, want %q", i, got, want)
		}
	}
	if got := ts.backend.describedStatements(); !slices.Equal(got, []string{"select $1::int8"}) {
		t.Errorf("described %q, want one Describe", got)
	}
}

func TestExtendedFlushSendsPendingMessages(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.startup()
	c.send(&pgproto3.Parse{Query: "select 1"}, &pgproto3.Flush{})
	if msg, err := c.fe.Receive(); err != nil || describe(msg) != "ParseComplete" {
		t.Fatalf("after Flush got %v, %v; want ParseComplete", msg, err)
	}
	c.send(&pgproto3.Sync{})
	if got := c.untilReady(); !slices.Equal(got, []string{"ReadyForQuery I"}) {
		t.Errorf("Sync got %q", got)
	}
}

// executeCounting sends Execute with maxRows and counts the DataRows until
// the portal suspends or completes, which it returns.
func executeCounting(c *rawClient, portal string, maxRows uint32) (rows int, end string) {
	c.t.Helper()
	c.send(&pgproto3.Execute{Portal: portal, MaxRows: maxRows}, &pgproto3.Flush{})
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			c.t.Fatalf("receive: %v", err)
		}
		if _, ok := msg.(*pgproto3.DataRow); ok {
			rows++
			continue
		}
		return rows, describe(msg)
	}
}

func TestPortalWithMaxRows(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.startup()
	c.send(&pgproto3.Query{String: "begin"}, &pgproto3.Parse{Query: "select many"},
		&pgproto3.Bind{DestinationPortal: "p", ResultFormatCodes: []int16{1, 0}}, &pgproto3.Sync{})
	c.untilReady()
	c.untilReady()
	steps := []struct {
		maxRows uint32
		rows    int
		end     string
	}{
		{3, 3, "PortalSuspended"},
		{19_990, 19_990, "PortalSuspended"},
		{100, 7, "CommandComplete SELECT 7"},
		{100, 0, "CommandComplete SELECT 0"},
	}
	for _, s := range steps {
		if rows, end := executeCounting(c, "p", s.maxRows); rows != s.rows || end != s.end {
			t.Errorf("Execute max %d: %d rows then %s; want %d rows then %s", s.maxRows, rows, end, s.rows, s.end)
		}
	}
	// A suspended portal survives Sync inside a transaction and sends the
	// rest when executed without a limit.
	c.send(&pgproto3.Bind{DestinationPortal: "q", ResultFormatCodes: []int16{1, 0}}, &pgproto3.Sync{})
	c.untilReady()
	if rows, end := executeCounting(c, "q", 5); rows != 5 || end != "PortalSuspended" {
		t.Errorf("second portal: %d rows then %s", rows, end)
	}
	c.send(&pgproto3.Sync{})
	c.untilReady()
	if rows, end := executeCounting(c, "q", 0); rows != 19_995 || end != "CommandComplete SELECT 19995" {
		t.Errorf("rest of the second portal: %d rows then %s", rows, end)
	}
	if executed := ts.backend.executedStatements(); !slices.Equal(executed, []string{"begin", "select many", "select many"}) {
		t.Errorf("executed %q: each portal must run its statement once", executed)
	}
}

func TestPortalRowsKeepTheirValues(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.addr)
	c.startup()
	c.send(&pgproto3.Parse{Query: "select many"}, &pgproto3.Bind{}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Sync{})
	var values []string
	for _, m := range c.untilReady() {
		if strings.HasPrefix(m, "DataRow ") {
			values = append(values, m)
		}
	}
	want := []string{"DataRow 0,some text to fill the buffer", "DataRow 1,some text to fill the buffer",
		"DataRow 2,some text to fill the buffer", "DataRow 3,some text to fill the buffer"}
	if !slices.Equal(values, want) {
		t.Errorf("rows %q, want %q", values, want)
	}
}

func TestRetag(t *testing.T) {
	tests := []struct {
		tag  string
		n    int
		want string
	}{
		{"SELECT 25", 10, "SELECT 10"},
		{"FETCH 3", 0, "FETCH 0"},
		{"SHOW", 4, "SHOW"},
		{"CREATE TABLE", 1, "CREATE TABLE"},
	}
	for _, tt := range tests {
		if got := retag(tt.tag, tt.n); got != tt.want {
			t.Errorf("retag(%q, %d) = %q, want %q", tt.tag, tt.n, got, tt.want)
		}
	}
}

func TestExtendedProtocolRefusedWithoutExtendedSession(t *testing.T) {
	b := newTestBackend()
	b.simpleOnly = true
	ts := startServerWith(t, b)
	c := dialRaw(t, ts.addr)
	c.startup()
	c.send(&pgproto3.Parse{Query: "select 1"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	if got, want := c.untilReady(), []string{"ErrorResponse ERROR 0A000", "ReadyForQuery I"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	c.send(&pgproto3.Query{String: "select 1"})
	if got := c.untilReady(); len(got) != 4 || got[2] != "CommandComplete SELECT 1" {
		t.Errorf("simple query after refused extended query got %q", got)
	}
}

// TestBadMessagesEndTheConnection sends what no client should: each gets a
// FATAL 08P01 and the connection closes.
func TestBadMessagesEndTheConnection(t *testing.T) {
	ts := startServer(t)
	header := func(typ byte, length uint32) []byte { return binary.BigEndian.AppendUint32([]byte{typ}, length) }
	tests := []struct {
		name string
		raw  []byte
	}{
		{"message over the size limit", header('Q', maxMessageLen+5)},
		{"unknown message type", append(header('!', 5), 0)},
		{"length shorter than itself", header('Q', 2)},
		{"malformed Bind", append(header('B', 6), 0, 0)},
		{"Describe without its name", append(header('D', 5), 'S')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, ts.addr)
			c.startup()
			if _, err := c.nc.Write(tt.raw); err != nil {
				t.Fatalf("write: %v", err)
			}
			msg, err := c.fe.Receive()
			if err != nil {
				t.Fatalf("receive: %v", err)
			}
			if got := describe(msg); got != "ErrorResponse FATAL 08P01" {
				t.Errorf("got %s, want FATAL 08P01", got)
			}
			if _, err := c.fe.Receive(); err == nil || !isDisconnect(err) && !strings.Contains(err.Error(), "EOF") {
				t.Errorf("connection still open after a bad message: %v", err)
			}
		})
	}
	// The server still serves others.
	c := dialRaw(t, ts.addr)
	c.startup()
	c.send(&pgproto3.Query{String: "select 1"})
	if got := c.untilReady(); len(got) != 4 {
		t.Errorf("query after bad clients got %q", got)
	}
}
