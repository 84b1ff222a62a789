package wire

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/novelty-db/novelty/types"
)

// Postgres' numeric binary format: int16 ndigits, int16 weight, uint16
// sign, uint16 dscale, then ndigits base-10000 digits, most significant
// first; the value is sum(digit[i] * 10000^(weight-i)) and dscale is the
// number of decimal digits after the point that the value prints with.
const (
	numericPositive = 0x0000
	numericNegative = 0x4000
	numericNaN      = 0xC000
	numericPosInf   = 0xD000
	numericNegInf   = 0xF000
	numericMaxScale = 0x3FFF
)

// appendNumericBinary appends f in numeric's binary format, encoding
// exactly the decimal numeric_out prints for f (types.AppendText), so that
// the binary and text forms of a value agree and read back to f. It does
// not allocate.
func appendNumericBinary(buf []byte, f float64) []byte {
	special := func(sign uint16) []byte {
		buf = binary.BigEndian.AppendUint32(buf, 0) // ndigits 0, weight 0
		buf = binary.BigEndian.AppendUint16(buf, sign)
		return binary.BigEndian.AppendUint16(buf, 0)
	}
	switch {
	case math.IsNaN(f):
		return special(numericNaN)
	case math.IsInf(f, 1):
		return special(numericPosInf)
	case math.IsInf(f, -1):
		return special(numericNegInf)
	}
	// The longest 'f' form of a float64 is the smallest subnormal: "0." then
	// 323 zeros and 1 digit; 400 bytes hold any of them, with sign.
	var text [400]byte
	decimal := strconv.AppendFloat(text[:0], f, 'f', -1, 64)
	sign := uint16(numericPositive)
	if decimal[0] == '-' {
		decimal = decimal[1:]
		sign = numericNegative
	}
	intPart, fracPart := decimal, decimal[len(decimal):]
	for i, c := range decimal {
		if c == '.' {
			intPart, fracPart = decimal[:i], decimal[i+1:]
			break
		}
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	// The digit stream is intPart preceded by zeros up to a multiple of 4,
	// then fracPart followed by zeros up to a multiple of 4.
	lead := (4 - len(intPart)%4) % 4
	total := lead + len(intPart) + (len(fracPart)+3)/4*4
	digitAt := func(p int) int {
		switch {
		case p < lead:
			return 0
		case p < lead+len(intPart):
			return int(intPart[p-lead] - '0')
		case p < lead+len(intPart)+len(fracPart):
			return int(fracPart[p-lead-len(intPart)] - '0')
		}
		return 0
	}
	header := len(buf)
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)
	weight := (lead+len(intPart))/4 - 1
	ndigits, kept := 0, len(buf) // kept: buf length up to the last non-zero digit
	for p := 0; p < total; p += 4 {
		group := digitAt(p)*1000 + digitAt(p+1)*100 + digitAt(p+2)*10 + digitAt(p+3)
		if ndigits == 0 && group == 0 {
			weight-- // leading zero groups are not stored
			continue
		}
		buf = binary.BigEndian.AppendUint16(buf, uint16(group))
		ndigits++
		if group != 0 {
			kept = len(buf)
		}
	}
	buf = buf[:kept]
	ndigits = (kept - header - 8) / 2
	if ndigits == 0 {
		weight, sign = 0, numericPositive
	}
	binary.BigEndian.PutUint16(buf[header:], uint16(ndigits))
	binary.BigEndian.PutUint16(buf[header+2:], uint16(int16(weight)))
	binary.BigEndian.PutUint16(buf[header+4:], sign)
	binary.BigEndian.PutUint16(buf[header+6:], uint16(len(fracPart)))
	return buf
}

// decodeNumericBinary reads numeric's binary format into the nearest
// float64, Novelty's numeric representation.
func decodeNumericBinary(b []byte) (types.Datum, error) {
	if len(b) < 8 {
		return types.Null, errBadBinary
	}
	ndigits := int(int16(binary.BigEndian.Uint16(b)))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := binary.BigEndian.Uint16(b[6:])
	if ndigits < 0 || len(b) != 8+2*ndigits || dscale > numericMaxScale {
		return types.Null, errBadBinary
	}
	switch sign {
	case numericNaN:
		return types.NewFloatOf(types.Numeric, math.NaN()), nil
	case numericPosInf:
		return types.NewFloatOf(types.Numeric, math.Inf(1)), nil
	case numericNegInf:
		return types.NewFloatOf(types.Numeric, math.Inf(-1)), nil
	case numericPositive, numericNegative:
	default:
		return types.Null, errBadBinary
	}
	if ndigits == 0 {
		return types.NewFloatOf(types.Numeric, 0), nil
	}
	// The digits as one integer, times 10^(4*(weight-ndigits+1)).
	text := make([]byte, 0, 4*ndigits+10)
	if sign == numericNegative {
		text = append(text, '-')
	}
	for i := range ndigits {
		group := binary.BigEndian.Uint16(b[8+2*i:])
		if group > 9999 {
			return types.Null, errBadBinary
		}
		text = append(text, byte('0'+group/1000), byte('0'+group/100%10), byte('0'+group/10%10), byte('0'+group%10))
	}
	text = append(text, 'e')
	text = strconv.AppendInt(text, int64(4*(weight-ndigits+1)), 10)
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return types.Null, types.Errorf(types.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	return types.NewFloatOf(types.Numeric, f), nil
}
