package types

import (
	"math"
	"strings"
)

// Datum is one typed SQL value. It is a plain value (copying it copies the
// value; strings are immutable and shared), so rows of Datums can be moved
// between operators without allocating. Typ == Unknown means NULL.
//
// Which field holds the value depends on Typ.Family(); see the Family
// constants. Fields a family does not use are zero.
type Datum struct {
	S      string  // string, bytes, JSON and array families
	I      int64   // bool, int, date, timestamp families; interval microseconds
	F      float64 // float family
	Months int32   // interval months
	Days   int32   // interval days
	Typ    Type    // the value's type; Unknown for NULL
}

// Null is the SQL NULL.
var Null = Datum{}

// IsNull reports whether d is NULL.
func (d Datum) IsNull() bool { return d.Typ == Unknown }

// NewBool returns a boolean Datum.
func NewBool(b bool) Datum {
	if b {
		return Datum{Typ: Bool, I: 1}
	}
	return Datum{Typ: Bool}
}

// NewInt returns an Int8 (bigint) Datum.
func NewInt(v int64) Datum { return Datum{Typ: Int8, I: v} }

// NewIntOf returns an integer Datum of type t (Int2, Int4 or Int8).
func NewIntOf(t Type, v int64) Datum { return Datum{Typ: t, I: v} }

// NewFloat returns a Float8 (double precision) Datum.
func NewFloat(v float64) Datum { return Datum{Typ: Float8, F: v} }

// NewFloatOf returns a float-family Datum of type t (Float4, Float8, Numeric).
func NewFloatOf(t Type, v float64) Datum { return Datum{Typ: t, F: v} }

// NewText returns a Text Datum.
func NewText(s string) Datum { return Datum{Typ: Text, S: s} }

// NewString returns a string-family Datum of type t (Text, Varchar, UUID).
func NewString(t Type, s string) Datum { return Datum{Typ: t, S: s} }

// NewBytes returns a Bytea Datum.
func NewBytes(b []byte) Datum { return Datum{Typ: Bytea, S: string(b)} }

// NewJSON returns a JSON Datum holding already-valid JSON text.
func NewJSON(s string) Datum { return Datum{Typ: JSON, S: s} }

// NewJSONB returns a JSONB Datum holding already-valid JSON text.
func NewJSONB(s string) Datum { return Datum{Typ: JSONB, S: s} }

// NewTimestamp returns a Timestamp Datum from microseconds since the Unix epoch.
func NewTimestamp(micros int64) Datum { return Datum{Typ: Timestamp, I: micros} }

// NewTimestampTZ returns a TimestampTZ Datum from microseconds since the Unix epoch (UTC).
func NewTimestampTZ(micros int64) Datum { return Datum{Typ: TimestampTZ, I: micros} }

// NewDate returns a Date Datum from days since 1970-01-01.
func NewDate(days int64) Datum { return Datum{Typ: Date, I: days} }

// NewInterval returns an Interval Datum.
func NewInterval(months, days int32, micros int64) Datum {
	return Datum{Typ: Interval, Months: months, Days: days, I: micros}
}

// Bool returns the value of a boolean Datum (false for NULL).
func (d Datum) Bool() bool { return d.I != 0 }

// Float returns the value of a numeric Datum as float64.
func (d Datum) Float() float64 {
	if d.Typ.Family() == FamilyInt {
		return float64(d.I)
	}
	return d.F
}

// MicrosPerDay is the length of a day in microseconds.
const MicrosPerDay = 86_400_000_000

// IntervalMicros approximates an interval as microseconds, with Postgres'
// conventions for comparisons: a month is 30 days, a day is 24 hours.
func (d Datum) IntervalMicros() int64 {
	return (int64(d.Months)*30+int64(d.Days))*MicrosPerDay + d.I
}

// Compare orders two non-NULL Datums of comparable families: it returns
// -1, 0 or +1. Int and float families compare numerically with each other;
// dates compare with timestamps at midnight. NULL sorts after every value,
// as in Postgres' default ascending order. ok is false when the families
// cannot be compared.
func Compare(a, b Datum) (c int, ok bool) {
	an, bn := a.IsNull(), b.IsNull()
	switch {
	case an && bn:
		return 0, true
	case an:
		return 1, true
	case bn:
		return -1, true
	}
	fa, fb := a.Typ.Family(), b.Typ.Family()
	if fa == fb {
		switch fa {
		case FamilyBool, FamilyInt, FamilyDate, FamilyTimestamp:
			return cmpInt(a.I, b.I), true
		case FamilyFloat:
			return cmpFloat(a.F, b.F), true
		case FamilyString, FamilyBytes, FamilyJSON, FamilyArray:
			return strings.Compare(a.S, b.S), true
		case FamilyInterval:
			return cmpInt(a.IntervalMicros(), b.IntervalMicros()), true
		}
		return 0, false
	}
	switch {
	case fa == FamilyInt && fb == FamilyFloat, fa == FamilyFloat && fb == FamilyInt:
		return cmpFloat(a.Float(), b.Float()), true
	case fa == FamilyDate && fb == FamilyTimestamp:
		return cmpInt(a.I*MicrosPerDay, b.I), true
	case fa == FamilyTimestamp && fb == FamilyDate:
		return cmpInt(a.I, b.I*MicrosPerDay), true
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders floats as Postgres does: NaN is larger than every other
// value and equal to itself.
func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Equal reports whether two Datums are the same value for grouping, joins
// and DISTINCT: NULLs are equal to each other here (unlike SQL's =).
func Equal(a, b Datum) bool {
	c, ok := Compare(a, b)
	return ok && c == 0
}

// AppendKey appends an order-insensitive encoding of d to buf, suitable as a
// hash-map key for grouping and joins: values Equal to each other within
// one family produce the same bytes.
func AppendKey(buf []byte, d Datum) []byte {
	switch d.Typ.Family() {
	case FamilyUnknown:
		return append(buf, 0)
	case FamilyBool, FamilyDate, FamilyTimestamp:
		buf = append(buf, byte(d.Typ.Family()))
		return appendUint64(buf, uint64(d.I))
	case FamilyInt:
		buf = append(buf, byte(FamilyInt))
		return appendUint64(buf, uint64(d.I))
	case FamilyFloat:
		// Integral floats encode as ints so that 1 and 1.0 group together;
		// -0 becomes 0 on the way.
		if f := d.F; f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			buf = append(buf, byte(FamilyInt))
			return appendUint64(buf, uint64(int64(f)))
		}
		buf = append(buf, byte(FamilyFloat))
		return appendUint64(buf, math.Float64bits(d.F))
	case FamilyInterval:
		buf = append(buf, byte(FamilyInterval))
		return appendUint64(buf, uint64(d.IntervalMicros()))
	default:
		buf = append(buf, byte(d.Typ.Family()))
		buf = appendUint64(buf, uint64(len(d.S)))
		return append(buf, d.S...)
	}
}

func appendUint64(buf []byte, v uint64) []byte {
	return append(buf, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
