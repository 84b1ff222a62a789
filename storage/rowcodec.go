package storage

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/novelty-db/novelty/types"
)

// lastType is the highest types.Type value the row codec accepts when
// decoding. It must follow the last constant in types/types.go.
const lastType = types.TextArray

// AppendRow appends the encoding of row to buf and returns the extended
// buffer. Each Datum is its Type byte followed by its value:
//
//	NULL                          nothing
//	bool, int, date, timestamp    zig-zag varint of I
//	float (incl. numeric)         8 bytes little-endian of math.Float64bits(F)
//	interval                      zig-zag varints of Months, Days, I
//	string, bytes, JSON, array    uvarint length, then the bytes of S
//
// The column count is not stored: DecodeRow decodes until the data ends.
func AppendRow(buf []byte, row []types.Datum) []byte {
	for i := range row {
		buf = appendDatum(buf, &row[i])
	}
	return buf
}

func appendDatum(buf []byte, d *types.Datum) []byte {
	buf = append(buf, byte(d.Typ))
	switch d.Typ.Family() {
	case types.FamilyUnknown:
		return buf
	case types.FamilyBool, types.FamilyInt, types.FamilyDate, types.FamilyTimestamp:
		return binary.AppendVarint(buf, d.I)
	case types.FamilyFloat:
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(d.F))
	case types.FamilyInterval:
		buf = binary.AppendVarint(buf, int64(d.Months))
		buf = binary.AppendVarint(buf, int64(d.Days))
		return binary.AppendVarint(buf, d.I)
	default:
		buf = binary.AppendUvarint(buf, uint64(len(d.S)))
		return append(buf, d.S...)
	}
}

// DecodeRow decodes data, as written by AppendRow, into row[:0] and returns
// the extended slice. It reuses row's storage: when a string column decodes
// to the same bytes the slot held before, the old string is kept instead of
// allocating a copy, so decoding rows with repeating strings into the same
// buffer does not allocate. The returned Datums never alias data. Corrupt
// data gives an error wrapping ErrCorrupt.
func DecodeRow(data []byte, row []types.Datum) ([]types.Datum, error) {
	row = row[:0]
	for off := 0; off < len(data); {
		col := len(row)
		if col < cap(row) {
			row = row[:col+1]
		} else {
			row = append(row, types.Datum{})
		}
		n, err := decodeDatum(data[off:], &row[col])
		if err != nil {
			return row[:col], fmt.Errorf("%w: column %d at byte %d: %s", ErrCorrupt, col, off, err)
		}
		off += n
	}
	return row, nil
}

// decodeError is a static reason, so that the success path formats nothing.
type decodeError string

func (e decodeError) Error() string { return string(e) }

const (
	errUnknownType = decodeError("unknown type tag")
	errTruncated   = decodeError("value truncated")
	errOverflow    = decodeError("value out of range")
)

// decodeDatum decodes one Datum from the start of data into d and returns
// the number of bytes it took. d's previous S is kept instead of a new
// string when the encoded string has the same bytes.
func decodeDatum(data []byte, d *types.Datum) (int, error) {
	t := types.Type(data[0])
	if t > lastType {
		return 0, errUnknownType
	}
	reuse := d.S
	*d = types.Datum{Typ: t}
	n := 1
	switch t.Family() {
	case types.FamilyUnknown:
	case types.FamilyBool, types.FamilyInt, types.FamilyDate, types.FamilyTimestamp:
		v, m := binary.Varint(data[n:])
		if m <= 0 {
			return 0, varintError(m)
		}
		d.I = v
		n += m
	case types.FamilyFloat:
		if len(data)-n < 8 {
			return 0, errTruncated
		}
		d.F = math.Float64frombits(binary.LittleEndian.Uint64(data[n:]))
		n += 8
	case types.FamilyInterval:
		var parts [3]int64
		for i := range parts {
			v, m := binary.Varint(data[n:])
			if m <= 0 {
				return 0, varintError(m)
			}
			parts[i] = v
			n += m
		}
		if parts[0] != int64(int32(parts[0])) || parts[1] != int64(int32(parts[1])) {
			return 0, errOverflow
		}
		d.Months, d.Days, d.I = int32(parts[0]), int32(parts[1]), parts[2]
	default:
		size, m := binary.Uvarint(data[n:])
		if m <= 0 {
			return 0, varintError(m)
		}
		n += m
		if size > uint64(len(data)-n) {
			return 0, errTruncated
		}
		s := data[n : n+int(size)]
		if string(s) == reuse {
			d.S = reuse
		} else {
			d.S = string(s)
		}
		n += int(size)
	}
	return n, nil
}

// varintError maps the n <= 0 result of binary.Varint/Uvarint to a reason.
func varintError(n int) error {
	if n == 0 {
		return errTruncated
	}
	return errOverflow
}
