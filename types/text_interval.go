package types

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// intervalUnit says how one unit adds to an interval: months, days or
// microseconds per unit (exactly one of them is set), and the field bit an
// input may use once.
type intervalUnit struct {
	months int64
	days   int64
	micros int64
	field  uint16
}

var intervalUnits = map[string]intervalUnit{}

func init() {
	var nextField uint16 = 1
	add := func(u intervalUnit, names ...string) {
		u.field = nextField
		nextField <<= 1
		for _, n := range names {
			intervalUnits[n] = u
		}
	}
	add(intervalUnit{micros: 1}, "microsecond", "microseconds", "microsecon", "usec", "usecs", "us")
	add(intervalUnit{micros: 1_000}, "millisecond", "milliseconds", "millisecon", "msec", "msecs", "ms")
	add(intervalUnit{micros: 1_000_000}, "second", "seconds", "sec", "secs", "s")
	add(intervalUnit{micros: 60_000_000}, "minute", "minutes", "min", "mins", "m")
	add(intervalUnit{micros: 3_600_000_000}, "hour", "hours", "hr", "hrs", "h")
	add(intervalUnit{days: 1}, "day", "days", "d")
	add(intervalUnit{days: 7}, "week", "weeks", "w")
	add(intervalUnit{months: 1}, "month", "months", "mon", "mons")
	add(intervalUnit{months: 12}, "year", "years", "yr", "yrs", "y")
	add(intervalUnit{months: 120}, "decade", "decades", "dec", "decs")
	add(intervalUnit{months: 1200}, "century", "centuries", "cent", "c")
	add(intervalUnit{months: 12000}, "millennium", "millennia", "millenniums", "mil", "mils")
}

// intervalSum accumulates the fields of an interval literal in int64 so
// that overflow of the int32 fields can be reported at the end.
type intervalSum struct {
	months, days, micros int64
	overflow             bool
	seenFields           uint16 // field bits of the units used so far
	repeated             bool   // a unit was used twice, which Postgres rejects
}

// use records the use of fields and whether any was used before.
func (p *intervalSum) use(fields uint16) {
	p.repeated = p.repeated || p.seenFields&fields != 0
	p.seenFields |= fields
}

// add adds value units of u. A fraction of a month or week spills into
// days and a fraction of a day into microseconds (a month is 30 days), as
// Postgres does; a fraction of a year is rounded to whole months.
func (p *intervalSum) add(value decimalValue, u intervalUnit) {
	p.use(u.field)
	switch {
	case u.micros != 0:
		p.micros = p.addScaled(p.micros, value.whole, value.frac, u.micros)
	case u.days != 0:
		p.days = p.addScaled(p.days, value.whole, 0, u.days)
		p.spillDays(value.frac * float64(u.days))
	case u.months == 1:
		p.months = p.addScaled(p.months, value.whole, 0, 1)
		p.spillDays(value.frac * 30)
	default:
		p.months = p.addScaled(p.months, value.whole, value.frac, u.months)
	}
}

// spillDays adds a possibly fractional number of days: whole days to days,
// the rest to microseconds.
func (p *intervalSum) spillDays(days float64) {
	whole := math.Trunc(days)
	p.days = p.addScaled(p.days, int64(whole), 0, 1)
	p.micros = p.addScaled(p.micros, 0, days-whole, MicrosPerDay)
}

// addScaled returns acc + (whole+frac)*scale with the fraction rounded,
// recording overflow.
func (p *intervalSum) addScaled(acc, whole int64, frac float64, scale int64) int64 {
	hi, lo := bits.Mul64(uint64(absInt(whole)), uint64(scale))
	if hi != 0 || lo > math.MaxInt64 {
		p.overflow = true
		return acc
	}
	product := int64(lo)
	if whole < 0 {
		product = -product
	}
	product += int64(math.RoundToEven(frac * float64(scale)))
	sum := acc + product
	if (product > 0 && sum < acc) || (product < 0 && sum > acc) {
		p.overflow = true
		return acc
	}
	return sum
}

func absInt(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// decimalValue is a signed decimal number split into its integer part and
// its fraction; both carry the number's sign.
type decimalValue struct {
	whole int64
	frac  float64
}

// parseDecimal reads [+-]digits[.digits] or [+-].digits; overflow reports a
// whole part that does not fit in int64.
func parseDecimal(s string) (v decimalValue, ok, overflow bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	wholeText, fracText, _ := strings.Cut(s, ".")
	if wholeText == "" && fracText == "" || !allDigits(wholeText) || !allDigits(fracText) {
		return v, false, false
	}
	if wholeText != "" {
		n, err := strconv.ParseInt(wholeText, 10, 64)
		if err != nil {
			return v, true, true
		}
		v.whole = n
	}
	if fracText != "" {
		f, err := strconv.ParseFloat("0."+fracText, 64)
		if err != nil {
			return v, false, false
		}
		v.frac = f
	}
	if neg {
		v.whole, v.frac = -v.whole, -v.frac
	}
	return v, true, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// parseInterval reads an interval in Postgres' verbose syntax
// ("1 year 2 mons -3 days +04:05:06.5", "5 minutes ago", "@ 1 hour", "1-2"
// for years-months, a bare number as seconds) or ISO 8601 ("P1Y2M3DT4H5M6S").
func parseInterval(s string) (Datum, error) {
	v := strings.ToLower(trimSpace(s))
	var p intervalSum
	var ok bool
	if strings.HasPrefix(v, "p") {
		ok = p.iso8601(v[1:])
	} else {
		ok = p.verbose(v)
	}
	if !ok || p.repeated {
		return Null, syntaxError(CodeInvalidDatetimeFormat, Interval, s)
	}
	if p.overflow || p.months != int64(int32(p.months)) || p.days != int64(int32(p.days)) {
		return Null, Errorf(codeIntervalFieldOverflow, "interval field value out of range: \"%s\"", s)
	}
	return NewInterval(int32(p.months), int32(p.days), p.micros), nil
}

// verbose reads the postgres-style syntax from lower-cased v.
func (p *intervalSum) verbose(v string) bool {
	tokens := intervalTokens(v)
	if len(tokens) == 0 {
		return false
	}
	ago := false
	if tokens[len(tokens)-1] == "ago" {
		ago = true
		tokens = tokens[:len(tokens)-1]
	}
	if len(tokens) > 0 && tokens[0] == "@" {
		tokens = tokens[1:]
	}
	if len(tokens) == 0 {
		return false
	}
	for i := 0; i < len(tokens); i++ {
		tok := tokens[i]
		switch {
		case strings.Contains(tok, ":"):
			micros, ok, outOfRange := parseIntervalClock(tok)
			if !ok {
				return false
			}
			p.overflow = p.overflow || outOfRange
			p.use(intervalUnits["hour"].field | intervalUnits["minute"].field | intervalUnits["second"].field)
			p.micros = p.addScaled(p.micros, micros, 0, 1)
		case strings.Contains(tok[1:], "-"):
			if !p.yearMonth(tok) {
				return false
			}
		default:
			value, ok, overflow := parseDecimal(tok)
			if !ok {
				return false
			}
			p.overflow = p.overflow || overflow
			unit := intervalUnit{micros: 1_000_000}
			if i+1 < len(tokens) {
				if u, known := intervalUnits[tokens[i+1]]; known {
					unit = u
					i++
				}
			}
			p.add(value, unit)
		}
	}
	if ago {
		p.months, p.days, p.micros = -p.months, -p.days, -p.micros
	}
	return true
}

// intervalTokens splits a verbose interval at white space and between a
// number and a unit written together ("5min").
func intervalTokens(v string) []string {
	var tokens []string
	for i := 0; i < len(v); {
		c := v[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c >= 'a' && c <= 'z':
			for i < len(v) && v[i] >= 'a' && v[i] <= 'z' {
				i++
			}
		case c == '@':
			i++
		default:
			for i < len(v) && strings.IndexByte("0123456789.:+-", v[i]) >= 0 && (i == start || v[i] != '+') {
				i++
			}
			if i == start {
				return []string{"?"}
			}
		}
		tokens = append(tokens, v[start:i])
	}
	return tokens
}

// parseIntervalClock reads [+-]h:mm[:ss[.f]] as signed microseconds; hours
// may have any number of digits. outOfRange reports minutes or seconds
// above 59 or too many hours.
func parseIntervalClock(tok string) (micros int64, ok, outOfRange bool) {
	neg := false
	if tok[0] == '+' || tok[0] == '-' {
		neg = tok[0] == '-'
		tok = tok[1:]
	}
	parts := strings.Split(tok, ":")
	if len(parts) > 3 || parts[0] == "" || !allDigits(parts[0]) || parts[1] == "" || !allDigits(parts[1]) {
		return 0, false, false
	}
	hours, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || hours > math.MaxInt64/3_600_000_000-1 {
		return 0, true, true
	}
	minutes, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || minutes > 59 {
		return 0, true, true
	}
	micros = hours*3_600_000_000 + minutes*60_000_000
	if len(parts) == 3 {
		sec, ok, _ := parseDecimal(parts[2])
		if !ok || parts[2][0] == '+' || parts[2][0] == '-' {
			return 0, false, false
		}
		if sec.whole > 59 {
			return 0, true, true
		}
		micros += sec.whole*1_000_000 + int64(math.RoundToEven(sec.frac*1_000_000))
	}
	if neg {
		micros = -micros
	}
	return micros, true, false
}

// yearMonth reads the SQL standard year-month form [+-]y-m.
func (p *intervalSum) yearMonth(tok string) bool {
	neg := false
	if tok[0] == '+' || tok[0] == '-' {
		neg = tok[0] == '-'
		tok = tok[1:]
	}
	yearText, monthText, _ := strings.Cut(tok, "-")
	if yearText == "" || monthText == "" || !allDigits(yearText) || !allDigits(monthText) {
		return false
	}
	years, err1 := strconv.ParseInt(yearText, 10, 32)
	months, err2 := strconv.ParseInt(monthText, 10, 32)
	if err1 != nil || err2 != nil || months > 11 {
		p.overflow = true
		return err1 == nil && err2 == nil
	}
	p.use(intervalUnits["year"].field | intervalUnits["month"].field)
	total := years*12 + months
	if neg {
		total = -total
	}
	p.months = p.addScaled(p.months, total, 0, 1)
	return true
}

// iso8601 reads the part after P of an ISO 8601 duration (lower-cased):
// [nY][nM][nW][nD][T[nH][nM][nS]], numbers possibly signed or fractional.
func (p *intervalSum) iso8601(v string) bool {
	if v == "" {
		return false
	}
	inTime := false
	for v != "" {
		if v[0] == 't' {
			if inTime || len(v) == 1 {
				return false
			}
			inTime = true
			v = v[1:]
			continue
		}
		end := 0
		for end < len(v) && strings.IndexByte("0123456789.+-", v[end]) >= 0 {
			end++
		}
		if end == 0 || end == len(v) {
			return false
		}
		value, ok, overflow := parseDecimal(v[:end])
		if !ok {
			return false
		}
		p.overflow = p.overflow || overflow
		var unit intervalUnit
		switch designator := v[end]; {
		case !inTime && designator == 'y':
			unit = intervalUnits["year"]
		case !inTime && designator == 'm':
			unit = intervalUnits["month"]
		case !inTime && designator == 'w':
			unit = intervalUnits["week"]
		case !inTime && designator == 'd':
			unit = intervalUnits["day"]
		case inTime && designator == 'h':
			unit = intervalUnits["hour"]
		case inTime && designator == 'm':
			unit = intervalUnits["minute"]
		case inTime && designator == 's':
			unit = intervalUnits["second"]
		default:
			return false
		}
		p.add(value, unit)
		v = v[end+1:]
	}
	return true
}
