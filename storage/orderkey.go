package storage

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// keyNull is the encoding of NULL in ordered keys: above every family tag,
// so NULL sorts last, as in Postgres' default ascending order.
const keyNull byte = 0xFF

// AppendKey appends an order-preserving encoding of d to buf: for two
// Datums of the same family (or NULL), bytes.Compare of their encodings
// has the sign of types.Compare. Values types.Compare finds equal encode to
// the same bytes (-0 and 0; every NaN; intervals of equal length such as
// '1 month' and '30 days'), so an encoding identifies a key, but it cannot
// be decoded back to the Datum. Encodings concatenate: a composite key is
// the concatenation of its columns' encodings and orders column by column.
//
// Layout: one tag byte (the family, or keyNull), then
//
//	bool, int, date, timestamp  8 bytes big-endian of I with the sign bit flipped
//	interval                    the same, of IntervalMicros()
//	float                       8 bytes: IEEE bits, sign flipped if positive,
//	                            all bits flipped if negative
//	string, bytes, JSON, array  S with 0x00 escaped as 0x00 0xFF, then 0x00 0x01
func AppendKey(buf []byte, d types.Datum) []byte {
	f := d.Typ.Family()
	if f == types.FamilyUnknown {
		return append(buf, keyNull)
	}
	buf = append(buf, byte(f))
	switch f {
	case types.FamilyBool, types.FamilyInt, types.FamilyDate, types.FamilyTimestamp:
		return appendOrderedInt(buf, d.I)
	case types.FamilyInterval:
		return appendOrderedInt(buf, d.IntervalMicros())
	case types.FamilyFloat:
		return binary.BigEndian.AppendUint64(buf, orderedFloatBits(d.F))
	default:
		return appendOrderedString(buf, d.S)
	}
}

func appendOrderedInt(buf []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(buf, uint64(v)^(1<<63))
}

// orderedFloatBits maps a float to a uint64 whose unsigned order is
// types.Compare's order: NaN above +Inf, -0 equal to 0.
func orderedFloatBits(f float64) uint64 {
	switch {
	case math.IsNaN(f):
		return math.MaxUint64
	case f == 0:
		f = 0
	}
	bits := math.Float64bits(f)
	if bits&(1<<63) != 0 {
		return ^bits
	}
	return bits | 1<<63
}

func appendOrderedString(buf []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			break
		}
		buf = append(buf, s[:i]...)
		buf = append(buf, 0x00, 0xFF)
		s = s[i+1:]
	}
	buf = append(buf, s...)
	return append(buf, 0x00, 0x01)
}
