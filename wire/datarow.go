package wire

import (
	"fmt"
	"math"
	"time"

	"github.com/novelty-db/novelty/types"
)

// rowEncoder encodes the DataRows of one result. How each column's values
// are written is chosen once from the column's type and format, so sending
// a row neither switches on types per value nor copies values.
type rowEncoder struct {
	// columns holds column i's encoder; nil when every column is sent in
	// text (the simple protocol, which needs no result columns).
	columns []valueEncoder
	loc     *time.Location // timestamptz text output zone
}

// valueEncoder appends one non-NULL value of its column, without the
// length prefix. On error buf is returned as it was.
type valueEncoder func(buf []byte, d *types.Datum, loc *time.Location) ([]byte, error)

// newRowEncoder returns the encoder of rows of cols, column i in binary
// format when binary[i]; binary nil means every column in text, and cols
// may then be nil.
func newRowEncoder(cols types.Schema, binary []bool, loc *time.Location) rowEncoder {
	if binary == nil {
		return rowEncoder{loc: loc}
	}
	columns := make([]valueEncoder, len(cols))
	for i, c := range cols {
		if binary[i] {
			columns[i] = binaryEncoder(c.Type)
		} else {
			columns[i] = appendTextValue
		}
	}
	return rowEncoder{columns: columns, loc: loc}
}

// appendDataRow appends a DataRow holding row: NULL as length -1, other
// values as the column's encoder writes them. On error buf is returned as
// it was. Values of their column's type append without allocating.
func (e *rowEncoder) appendDataRow(buf []byte, row []types.Datum) ([]byte, error) {
	if e.columns != nil && len(row) != len(e.columns) {
		return buf, fmt.Errorf("wire: row has %d values for %d columns", len(row), len(e.columns))
	}
	start := len(buf)
	buf = append(buf, 'D', 0, 0, 0, 0)
	buf = be.AppendUint16(buf, uint16(len(row)))
	for i := range row {
		d := &row[i]
		if d.IsNull() {
			buf = be.AppendUint32(buf, ^uint32(0))
			continue
		}
		lenAt := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		if e.columns == nil {
			buf, err = appendTextValue(buf, d, e.loc)
		} else {
			buf, err = e.columns[i](buf, d, e.loc)
		}
		if err != nil {
			return buf[:start], err
		}
		be.PutUint32(buf[lenAt:], uint32(len(buf)-lenAt-4))
	}
	be.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
	return buf, nil
}

// appendTextValue appends d as types.AppendText prints it; values holding
// their text form are copied as they are.
func appendTextValue(buf []byte, d *types.Datum, loc *time.Location) ([]byte, error) {
	if d.Typ == types.Text || d.Typ == types.Varchar {
		return append(buf, d.S...), nil
	}
	return types.AppendText(buf, *d, loc), nil
}

// binaryEncoder returns the encoder of column type t in binary format:
// for the common fixed-width and text types a direct append of values of
// exactly t, anything else through appendBinary.
func binaryEncoder(t types.Type) valueEncoder {
	switch t {
	case types.Int8:
		return func(buf []byte, d *types.Datum, _ *time.Location) ([]byte, error) {
			if d.Typ != types.Int8 {
				return appendBinary(buf, t, *d)
			}
			return be.AppendUint64(buf, uint64(d.I)), nil
		}
	case types.Float8:
		return func(buf []byte, d *types.Datum, _ *time.Location) ([]byte, error) {
			if d.Typ != types.Float8 {
				return appendBinary(buf, t, *d)
			}
			return be.AppendUint64(buf, math.Float64bits(d.F)), nil
		}
	case types.Timestamp, types.TimestampTZ:
		return func(buf []byte, d *types.Datum, _ *time.Location) ([]byte, error) {
			if d.Typ != t {
				return appendBinary(buf, t, *d)
			}
			return be.AppendUint64(buf, uint64(toPGMicros(d.I))), nil
		}
	case types.Text, types.Varchar:
		return func(buf []byte, d *types.Datum, _ *time.Location) ([]byte, error) {
			if d.Typ.Family() != types.FamilyString {
				return appendBinary(buf, t, *d)
			}
			return append(buf, d.S...), nil
		}
	}
	return func(buf []byte, d *types.Datum, _ *time.Location) ([]byte, error) {
		return appendBinary(buf, t, *d)
	}
}
