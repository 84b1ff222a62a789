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

// appendDataRow appends a DataRow holding row in text format: NULL as
// length -1, every other value as types.AppendText prints it.
func appendDataRow(buf []byte, row []types.Datum, loc *time.Location) []byte {
	start := len(buf)
	buf = append(buf, 'D', 0, 0, 0, 0)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(row)))
	for _, d := range row {
		if d.IsNull() {
			buf = binary.BigEndian.AppendUint32(buf, ^uint32(0))
			continue
		}
		lenAt := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		buf = types.AppendText(buf, d, loc)
		binary.BigEndian.PutUint32(buf[lenAt:], uint32(len(buf)-lenAt-4))
	}
	binary.BigEndian.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
	return buf
}

// rowDescription describes cols as Postgres does for computed columns: no
// table, typmod -1, text format. A column of unresolved type (a bare NULL
// or string literal) is reported as text, as Postgres resolves it.
func rowDescription(cols types.Schema) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, c := range cols {
		typ := c.Type
		if typ == types.Unknown {
			typ = types.Text
		}
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(c.Name),
			DataTypeOID:  typ.OID(),
			DataTypeSize: typ.Size(),
			TypeModifier: -1,
			Format:       0,
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}
