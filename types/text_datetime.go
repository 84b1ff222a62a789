package types

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Postgres' supported ranges: dates and timestamps start at 4714-11-24 BC
// (Julian day 0); timestamps end in 294276 AD, dates in 5874897 AD.
const (
	minDateYear      = -4713
	maxTimestampYear = 294276
	maxDateYear      = 5874897
)

// dateTime is a date and time of day as written in a literal.
type dateTime struct {
	year          int64 // astronomical: 0 is 1 BC
	month, day    int
	clockMicros   int64 // time of day; may round up to a full day
	hasClock      bool
	zoneOffset    int // seconds east of UTC, when hasZoneOffset
	hasZoneOffset bool
	zone          *time.Location // a named zone, or nil
}

func parseDate(s string) (Datum, error) {
	if days, ok := specialDateTime(s); ok {
		return NewDate(days), nil
	}
	dt, err := scanDateTime(Date, s)
	if err != nil {
		return Null, err
	}
	if dt.year > maxDateYear {
		return Null, Errorf(codeDatetimeFieldOverflow, "date out of range: \"%s\"", s)
	}
	return NewDate(daysFromCivil(dt.year, dt.month, dt.day)), nil
}

// parseTimestamp reads a timestamp or timestamptz. A timestamp ignores any
// zone in the input, as Postgres does; a timestamptz without a zone is in loc.
func parseTimestamp(t Type, s string, loc *time.Location) (Datum, error) {
	if micros, ok := specialDateTime(s); ok {
		return Datum{Typ: t, I: micros}, nil
	}
	dt, err := scanDateTime(t, s)
	if err != nil {
		return Null, err
	}
	if dt.year > maxTimestampYear {
		return Null, Errorf(codeDatetimeFieldOverflow, "timestamp out of range: \"%s\"", s)
	}
	local := daysFromCivil(dt.year, dt.month, dt.day)*MicrosPerDay + dt.clockMicros
	if t == Timestamp {
		return NewTimestamp(local), nil
	}
	switch {
	case dt.hasZoneOffset:
		return NewTimestampTZ(local - int64(dt.zoneOffset)*1_000_000), nil
	case dt.zone != nil:
		loc = dt.zone
	case loc == nil:
		loc = time.UTC
	}
	return NewTimestampTZ(instantIn(local, loc)), nil
}

// instantIn returns the instant at which clocks in loc show the local time
// local (microseconds since the epoch, as if in UTC).
func instantIn(local int64, loc *time.Location) int64 {
	days := floorDiv(local, MicrosPerDay)
	year, month, day := civilFromDays(days)
	clock := local - days*MicrosPerDay
	sec := clock / 1_000_000
	wall := time.Date(int(year), time.Month(month), day, int(sec/3600), int(sec/60%60), int(sec%60), 0, loc)
	return wall.UnixMicro() + clock%1_000_000
}

// specialDateTime reads the special inputs epoch, infinity and -infinity.
func specialDateTime(s string) (int64, bool) {
	switch strings.ToLower(trimSpace(s)) {
	case "epoch":
		return 0, true
	case "infinity", "+infinity":
		return infinityTime, true
	case "-infinity":
		return negInfinityTime, true
	}
	return 0, false
}

// scanDateTime reads ISO 8601 style input: Y-M-D, then optionally a time
// h:mm[:ss[.f]] after a space or T, then optionally a zone (Z, +hh[:mm[:ss]],
// +hhmm, UTC, GMT or an IANA name), then optionally BC or AD.
func scanDateTime(t Type, s string) (dateTime, error) {
	var dt dateTime
	sc := scanner{s: trimSpace(s)}
	year, ok1 := sc.number(1, 9)
	ok2 := sc.skip('-')
	month, ok3 := sc.number(1, 2)
	ok4 := sc.skip('-')
	day, ok5 := sc.number(1, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return dt, syntaxError(CodeInvalidDatetimeFormat, t, s)
	}
	dt.year, dt.month, dt.day = year, int(month), int(day)
	afterDate := sc.pos
	sc.spaces()
	if sc.skip('T') || sc.skip('t') || sc.pos > afterDate {
		if sc.peekDigit() {
			clock, err := sc.clock()
			if err != nil {
				return dt, dateTimeError(err, t, s)
			}
			dt.clockMicros, dt.hasClock = clock, true
		}
	}
	sc.spaces()
	if err := sc.zone(&dt); err != nil {
		return dt, dateTimeError(err, t, s)
	}
	sc.spaces()
	if dt.year == 0 {
		return dt, dateTimeError(errFieldOutOfRange, t, s)
	}
	if rest := strings.ToLower(sc.rest()); rest == "bc" {
		dt.year = 1 - dt.year
	} else if rest != "" && rest != "ad" {
		return dt, syntaxError(CodeInvalidDatetimeFormat, t, s)
	}
	if dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > daysInMonth(dt.year, dt.month) ||
		dt.clockMicros > MicrosPerDay || dt.year < minDateYear {
		return dt, dateTimeError(errFieldOutOfRange, t, s)
	}
	return dt, nil
}

// Reasons scanDateTime rejects an input, turned into user errors by
// dateTimeError.
var (
	errInvalidDateTime  = errors.New("invalid date/time input")
	errFieldOutOfRange  = errors.New("date/time field value out of range")
	errZoneDisplacement = errors.New("time zone displacement out of range")
)

// dateTimeError reports why input s of type t was rejected, as Postgres does.
func dateTimeError(err error, t Type, s string) error {
	switch {
	case errors.Is(err, errFieldOutOfRange):
		return Errorf(codeDatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
	case errors.Is(err, errZoneDisplacement):
		return Errorf(codeInvalidTimeZoneDisplacement, "time zone displacement out of range: \"%s\"", s)
	case errors.Is(err, errInvalidDateTime):
		return syntaxError(CodeInvalidDatetimeFormat, t, s)
	}
	return err
}

func daysInMonth(year int64, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// scanner walks a literal left to right.
type scanner struct {
	s   string
	pos int
}

func (sc *scanner) rest() string { return sc.s[sc.pos:] }

func (sc *scanner) peekDigit() bool { return sc.pos < len(sc.s) && isDigit(sc.s[sc.pos]) }

func (sc *scanner) skip(c byte) bool {
	if sc.pos < len(sc.s) && sc.s[sc.pos] == c {
		sc.pos++
		return true
	}
	return false
}

func (sc *scanner) spaces() {
	for sc.pos < len(sc.s) && sc.s[sc.pos] == ' ' {
		sc.pos++
	}
}

// number reads minDigits to maxDigits decimal digits.
func (sc *scanner) number(minDigits, maxDigits int) (int64, bool) {
	var v int64
	start := sc.pos
	for sc.pos < len(sc.s) && isDigit(sc.s[sc.pos]) && sc.pos-start < maxDigits {
		v = v*10 + int64(sc.s[sc.pos]-'0')
		sc.pos++
	}
	return v, sc.pos-start >= minDigits
}

// fraction reads the digits after a decimal point as microseconds, rounded
// to the nearest even microsecond as Postgres' rint does.
func (sc *scanner) fraction() (int64, bool) {
	start := sc.pos
	for sc.pos < len(sc.s) && isDigit(sc.s[sc.pos]) {
		sc.pos++
	}
	if sc.pos == start {
		return 0, false
	}
	f, err := strconv.ParseFloat("0."+sc.s[start:sc.pos], 64)
	return int64(math.RoundToEven(f * 1_000_000)), err == nil
}

// clock reads h:mm[:ss[.f]] as microseconds. 24:00:00 is allowed, and
// second 60 rolls over into the next minute.
func (sc *scanner) clock() (int64, error) {
	hour, ok := sc.number(1, 2)
	if !ok || !sc.skip(':') {
		return 0, errInvalidDateTime
	}
	minute, ok := sc.number(2, 2)
	if !ok {
		return 0, errInvalidDateTime
	}
	var second, frac int64
	if sc.skip(':') {
		if second, ok = sc.number(2, 2); !ok {
			return 0, errInvalidDateTime
		}
		if sc.skip('.') {
			if frac, ok = sc.fraction(); !ok {
				return 0, errInvalidDateTime
			}
		}
	}
	micros := (hour*3600+minute*60+second)*1_000_000 + frac
	if hour > 24 || minute > 59 || second > 60 || hour == 24 && micros != MicrosPerDay {
		return 0, errFieldOutOfRange
	}
	return micros, nil
}

// zone reads an optional time zone into dt.
func (sc *scanner) zone(dt *dateTime) error {
	if sc.pos >= len(sc.s) {
		return nil
	}
	switch c := sc.s[sc.pos]; {
	case c == 'Z' || c == 'z':
		sc.pos++
		dt.zoneOffset, dt.hasZoneOffset = 0, true
	case c == '+' || c == '-':
		sc.pos++
		hour, ok := sc.number(1, 2)
		if !ok {
			return errInvalidDateTime
		}
		var minute, second int64
		if sc.skip(':') {
			if minute, ok = sc.number(2, 2); !ok {
				return errInvalidDateTime
			}
			if sc.skip(':') {
				if second, ok = sc.number(2, 2); !ok {
					return errInvalidDateTime
				}
			}
		} else if sc.peekDigit() {
			if minute, ok = sc.number(2, 2); !ok {
				return errInvalidDateTime
			}
		}
		if minute > 59 || second > 59 {
			return errFieldOutOfRange
		}
		if hour > 15 {
			return errZoneDisplacement
		}
		offset := int(hour*3600 + minute*60 + second)
		if c == '-' {
			offset = -offset
		}
		dt.zoneOffset, dt.hasZoneOffset = offset, true
	case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		end := strings.IndexByte(sc.rest(), ' ')
		if end < 0 {
			end = len(sc.rest())
		}
		name := sc.rest()[:end]
		switch lower := strings.ToLower(name); lower {
		case "bc", "ad":
			return nil
		case "utc", "gmt", "zulu":
			dt.zoneOffset, dt.hasZoneOffset = 0, true
		default:
			loc, err := time.LoadLocation(name)
			if err != nil || name == "Local" {
				if !strings.Contains(name, "/") {
					return errInvalidDateTime
				}
				return Errorf(CodeInvalidParameterValue, "time zone \"%s\" not recognized", lower)
			}
			dt.zone = loc
		}
		sc.pos += end
	}
	return nil
}
