package types

import (
	"math"
	"strconv"
	"time"
)

// Infinite dates and timestamps are stored as the extreme int64 values, the
// way Postgres stores them: I == math.MaxInt64 is 'infinity' and
// I == math.MinInt64 is '-infinity', so they order after and before every
// finite value without special cases.
const (
	infinityTime    = math.MaxInt64
	negInfinityTime = math.MinInt64
)

// AppendText appends d as Postgres 15 prints it in text format (the format
// of a DataRow, of psql and of ::text casts) with the session settings
// DateStyle ISO, IntervalStyle postgres and extra_float_digits 1.
// Timestamptz values print in loc (UTC when nil). NULL appends nothing:
// callers decide how to show it. It allocates only when buf must grow.
func AppendText(buf []byte, d Datum, loc *time.Location) []byte {
	switch d.Typ {
	case Unknown:
		return buf
	case Bool:
		if d.I != 0 {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case Int2, Int4, Int8:
		return strconv.AppendInt(buf, d.I, 10)
	case Float8:
		return appendFloat(buf, d.F, 64, 15)
	case Float4:
		return appendFloat(buf, d.F, 32, 6)
	case Numeric:
		return appendNumeric(buf, d.F)
	case Bytea:
		return appendHexBytes(buf, d.S)
	case Date:
		return appendDate(buf, d.I)
	case Timestamp:
		return appendTimestamp(buf, d.I, 0, false)
	case TimestampTZ:
		if d.I == infinityTime || d.I == negInfinityTime {
			return appendTimestamp(buf, d.I, 0, false)
		}
		if loc == nil {
			loc = time.UTC
		}
		_, offset := time.UnixMicro(d.I).In(loc).Zone()
		return appendTimestamp(buf, d.I+int64(offset)*1_000_000, offset, true)
	case Interval:
		return appendInterval(buf, d.Months, d.Days, d.I)
	}
	// Text, Varchar, UUID, JSON, JSONB and TextArray hold their text form.
	return append(buf, d.S...)
}

// appendFloat prints f like Postgres' float4out/float8out: the shortest
// string that reads back to the same value, in fixed notation when the
// decimal exponent is in [-4, maxFixedExp) and in exponent notation
// (1e+20, 1.5e-05) otherwise.
func appendFloat(buf []byte, f float64, bitSize, maxFixedExp int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return append(buf, '0')
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'e', -1, bitSize)
	exp := decimalExponent(buf[start:])
	if exp >= -4 && exp < maxFixedExp {
		return strconv.AppendFloat(buf[:start], f, 'f', -1, bitSize)
	}
	return buf
}

// decimalExponent reads the exponent of a number strconv printed in 'e'
// format, such as -1.5e-05.
func decimalExponent(s []byte) int {
	i := len(s) - 1
	for s[i] != 'e' {
		i--
	}
	exp := 0
	for _, c := range s[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if s[i+1] == '-' {
		return -exp
	}
	return exp
}

// appendNumeric prints a numeric in plain decimal notation, never with an
// exponent, as numeric_out does. Numeric has no negative zero.
func appendNumeric(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	case f == 0:
		return append(buf, '0')
	}
	return strconv.AppendFloat(buf, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendHexBytes prints bytes in bytea's default hex output format.
func appendHexBytes(buf []byte, s string) []byte {
	buf = append(buf, '\\', 'x')
	for i := 0; i < len(s); i++ {
		buf = append(buf, hexDigits[s[i]>>4], hexDigits[s[i]&0xf])
	}
	return buf
}

// appendDate prints days since 1970-01-01 as YYYY-MM-DD [BC].
func appendDate(buf []byte, days int64) []byte {
	switch days {
	case infinityTime:
		return append(buf, "infinity"...)
	case negInfinityTime:
		return append(buf, "-infinity"...)
	}
	buf, bc := appendYMD(buf, days)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendTimestamp prints local microseconds since the epoch as
// YYYY-MM-DD hh:mm:ss[.ffffff], then the UTC offset in seconds when withZone,
// then BC for years before 1 AD.
func appendTimestamp(buf []byte, micros int64, offset int, withZone bool) []byte {
	switch micros {
	case infinityTime:
		return append(buf, "infinity"...)
	case negInfinityTime:
		return append(buf, "-infinity"...)
	}
	days := floorDiv(micros, MicrosPerDay)
	buf, bc := appendYMD(buf, days)
	buf = append(buf, ' ')
	buf = appendClock(buf, micros-days*MicrosPerDay)
	if withZone {
		buf = appendOffset(buf, offset)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendYMD prints the date of days since 1970-01-01; bc reports a year
// before 1 AD, which prints as its positive BC year.
func appendYMD(buf []byte, days int64) (_ []byte, bc bool) {
	year, month, day := civilFromDays(days)
	if year <= 0 {
		year, bc = 1-year, true
	}
	buf = appendPadded(buf, year, 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int64(month), 2)
	buf = append(buf, '-')
	return appendPadded(buf, int64(day), 2), bc
}

// appendClock prints a non-negative time of day (or interval time part) in
// microseconds as hh:mm:ss[.ffffff] with trailing fraction zeros trimmed.
func appendClock(buf []byte, micros int64) []byte {
	buf = appendPadded(buf, micros/3_600_000_000, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, micros/60_000_000%60, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, micros/1_000_000%60, 2)
	return appendFraction(buf, micros%1_000_000)
}

// appendFraction prints .ffffff without trailing zeros, or nothing for 0.
func appendFraction(buf []byte, micros int64) []byte {
	if micros == 0 {
		return buf
	}
	digits := 6
	for micros%10 == 0 {
		micros /= 10
		digits--
	}
	buf = append(buf, '.')
	return appendPadded(buf, micros, digits)
}

// appendOffset prints a UTC offset in seconds as +hh, +hh:mm or +hh:mm:ss.
func appendOffset(buf []byte, offset int) []byte {
	if offset < 0 {
		buf = append(buf, '-')
		offset = -offset
	} else {
		buf = append(buf, '+')
	}
	buf = appendPadded(buf, int64(offset/3600), 2)
	if offset%3600 != 0 {
		buf = append(buf, ':')
		buf = appendPadded(buf, int64(offset/60%60), 2)
		if offset%60 != 0 {
			buf = append(buf, ':')
			buf = appendPadded(buf, int64(offset%60), 2)
		}
	}
	return buf
}

// appendInterval prints an interval in IntervalStyle postgres, following
// EncodeInterval: non-zero year, mon and day parts, then the time part when
// it is non-zero or nothing else was printed. A part after a negative one
// carries an explicit + sign, so "-1 days +02:00:00" reads back the same.
func appendInterval(buf []byte, months, days int32, micros int64) []byte {
	printed, afterNegative := false, false
	part := func(value int64, unit string) {
		if value == 0 {
			return
		}
		if printed {
			buf = append(buf, ' ')
		}
		if afterNegative && value > 0 {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, value, 10)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if value != 1 {
			buf = append(buf, 's')
		}
		afterNegative = value < 0
		printed = true
	}
	part(int64(months/12), "year")
	part(int64(months%12), "mon")
	part(int64(days), "day")
	if !printed || micros != 0 {
		if printed {
			buf = append(buf, ' ')
		}
		switch {
		case micros < 0:
			buf = append(buf, '-')
			micros = -micros
		case afterNegative:
			buf = append(buf, '+')
		}
		buf = appendClock(buf, micros)
	}
	return buf
}

// appendPadded prints a non-negative v with at least width digits.
func appendPadded(buf []byte, v int64, width int) []byte {
	var digits [20]byte
	n := len(strconv.AppendUint(digits[:0], uint64(v), 10))
	for ; n < width; n++ {
		buf = append(buf, '0')
	}
	return strconv.AppendUint(buf, uint64(v), 10)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// daysFromCivil returns the days since 1970-01-01 of a date in the
// proleptic Gregorian calendar with astronomical years (0 is 1 BC).
func daysFromCivil(year int64, month, day int) int64 {
	if month <= 2 {
		year--
	}
	era := floorDiv(year, 400)
	yearOfEra := year - era*400
	shiftedMonth := int64((month + 9) % 12)
	dayOfYear := (153*shiftedMonth+2)/5 + int64(day) - 1
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	return era*146097 + dayOfEra - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(days int64) (year int64, month, day int) {
	days += 719468
	era := floorDiv(days, 146097)
	dayOfEra := days - era*146097
	yearOfEra := (dayOfEra - dayOfEra/1460 + dayOfEra/36524 - dayOfEra/146096) / 365
	dayOfYear := dayOfEra - (365*yearOfEra + yearOfEra/4 - yearOfEra/100)
	shiftedMonth := (5*dayOfYear + 2) / 153
	day = int(dayOfYear - (153*shiftedMonth+2)/5 + 1)
	month = int(shiftedMonth + 3)
	if month > 12 {
		month -= 12
	}
	year = yearOfEra + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}
