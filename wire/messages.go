package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

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

// appendDataRow appends a DataRow holding row, a row of cols: NULL as
// length -1, column i in binary format when binary[i] (binary nil: all
// text) and otherwise as types.AppendText prints it. On error buf is
// returned as it was. Values of their column's type append without
// allocating.
func appendDataRow(buf []byte, row []types.Datum, cols types.Schema, binary []bool, loc *time.Location) ([]byte, error) {
	start := len(buf)
	buf = append(buf, 'D', 0, 0, 0, 0)
	buf = be.AppendUint16(buf, uint16(len(row)))
	for i, d := range row {
		if d.IsNull() {
			buf = be.AppendUint32(buf, ^uint32(0))
			continue
		}
		lenAt := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		if binary != nil && binary[i] {
			var err error
			if buf, err = appendBinary(buf, cols[i].Type, d); err != nil {
				return buf[:start], err
			}
		} else {
			buf = types.AppendText(buf, d, loc)
		}
		be.PutUint32(buf[lenAt:], uint32(len(buf)-lenAt-4))
	}
	be.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
	return buf, nil
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
