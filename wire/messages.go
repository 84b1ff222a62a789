package wire

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/types"
)

// flushThreshold is the amount of buffered output at which rows are written
// to the client before the statement ends, bounding memory per connection.
const flushThreshold = 64 << 10

// messageWriter buffers backend messages and writes them to the client in
// large writes: when the buffer passes flushThreshold and at every
// ReadyForQuery. It encodes DataRows itself, straight from Datums into the
// buffer, so sending a row allocates nothing.
type messageWriter struct {
	w   io.Writer
	buf []byte
}

// send appends msg to the buffer.
func (m *messageWriter) send(msg pgproto3.BackendMessage) error {
	buf, err := msg.Encode(m.buf)
	if err != nil {
		return fmt.Errorf("encode %T: %w", msg, err)
	}
	m.buf = buf
	return nil
}

// flush writes the buffered messages to the client.
func (m *messageWriter) flush() error {
	if len(m.buf) == 0 {
		return nil
	}
	_, err := m.w.Write(m.buf)
	m.buf = m.buf[:0]
	if err != nil {
		return fmt.Errorf("write to client: %w", err)
	}
	return nil
}

// flushIfFull writes the buffer out once it holds flushThreshold bytes.
func (m *messageWriter) flushIfFull() error {
	if len(m.buf) < flushThreshold {
		return nil
	}
	return m.flush()
}

// be is the byte order of every integer in the protocol.
var be = binary.BigEndian

// rowDescription describes cols as Postgres does for computed columns: no
// table, typmod -1, binary format for column i when binary[i] (binary nil:
// all text). A column of unresolved type (a bare NULL or string literal) is
// reported as text, as Postgres resolves it.
func rowDescription(cols types.Schema, binary []bool) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, c := range cols {
		typ := describedType(c.Type)
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(c.Name),
			DataTypeOID:  typ.OID(),
			DataTypeSize: typ.Size(),
			TypeModifier: -1,
		}
		if binary != nil && binary[i] {
			fields[i].Format = pgproto3.BinaryFormat
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// describedType is the type clients are told a column or parameter of type
// t has: Unknown is resolved as text, as Postgres resolves it.
func describedType(t types.Type) types.Type {
	if t == types.Unknown {
		return types.Text
	}
	return t
}
