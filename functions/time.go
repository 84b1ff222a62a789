package functions

import (
	"math"
	"time"

	"github.com/novelty-db/novelty/types"
)

// Infinite dates and timestamps are the extreme int64 values (see types).
const (
	infinity    = math.MaxInt64
	negInfinity = math.MinInt64
)

// Postgres' range: timestamps and dates start on 4714-11-24 BC; dates end
// in 5874897 AD. Timestamps end where int64 microseconds do.
const (
	minTimestamp = -210866803200000000
	minDate      = -2440588
	maxDate      = 2145042905
)

// timeOverloads registers date/time arithmetic, the clock functions,
// date_trunc, extract/date_part and to_timestamp.
func timeOverloads() []*Overload {
	ts, tz, date, iv, i4, f8, text := types.Timestamp, types.TimestampTZ, types.Date, types.Interval, types.Int4, types.Float8, types.Text
	out := []*Overload{
		fn("+", date, sig(date, i4), dateAddDays(1)),
		fn("+", date, sig(i4, date), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return addDays(a[1].I, a[0].I)
		}),
		fn("-", date, sig(date, i4), dateAddDays(-1)),
		fn("-", i4, sig(date, date), dateDiff),
		fn("+", ts, sig(date, iv), dateAddInterval(1)),
		fn("-", ts, sig(date, iv), dateAddInterval(-1)),
		fn("+", ts, sig(iv, date), func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			return addInterval(ctx, dateToTimestamp(a[1]), a[0], 1)
		}),
		fn("+", iv, sig(iv, iv), intervalAdd(1)),
		fn("-", iv, sig(iv, iv), intervalAdd(-1)),
		fn("unary -", iv, sig(iv), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return negateInterval(a[0])
		}),
		fn("*", iv, sig(iv, f8), intervalScale(false)),
		fn("*", iv, sig(f8, iv), func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			return scaleInterval(a[1], a[0].F)
		}),
		fn("/", iv, sig(iv, f8), intervalScale(true)),
		&Overload{Name: "now", Result: tz, Volatile: true, Impl: now},
		&Overload{Name: "current_timestamp", Result: tz, Volatile: true, Impl: now},
		&Overload{Name: "transaction_timestamp", Result: tz, Volatile: true, Impl: now},
		&Overload{Name: "statement_timestamp", Result: tz, Volatile: true, Impl: now},
		&Overload{Name: "localtimestamp", Result: ts, Volatile: true, Impl: localTimestamp},
		&Overload{Name: "current_date", Result: date, Volatile: true, Impl: currentDate},
		fn("to_timestamp", tz, sig(f8), toTimestamp),
		fn("pg_interval", iv, sig(text), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.ParseText(types.Interval, a[0].S, nil)
		}),
		// pg_interval(value, unit) is INTERVAL 'value' UNIT.
		fn("pg_interval", iv, sig(text, text), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.ParseText(types.Interval, a[0].S+" "+a[1].S, nil)
		}),
	}
	for _, t := range []types.Type{ts, tz} {
		out = append(out,
			fn("+", t, sig(t, iv), timestampAddInterval(1)),
			fn("+", t, sig(iv, t), func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				return addInterval(ctx, a[1], a[0], 1)
			}),
			fn("-", t, sig(t, iv), timestampAddInterval(-1)),
			fn("-", iv, sig(t, t), timestampDiff),
			fn("date_trunc", t, sig(text, t), dateTrunc),
			fn("date_part", f8, sig(text, t), datePart(f8)),
			fn("extract", types.Numeric, sig(text, t), datePart(types.Numeric)),
		)
	}
	return append(out,
		fn("date_part", f8, sig(text, date), datePart(f8)),
		fn("extract", types.Numeric, sig(text, date), datePart(types.Numeric)),
		fn("date_part", f8, sig(text, iv), intervalPart(f8)),
		fn("extract", types.Numeric, sig(text, iv), intervalPart(types.Numeric)),
	)
}

func now(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
	return types.NewTimestampTZ(ctx.Now.UnixMicro()), nil
}

// localTimestamp is the statement time as the session's clocks show it.
func localTimestamp(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
	return types.NewTimestamp(localMicros(ctx.Now.UnixMicro(), location(ctx))), nil
}

func currentDate(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
	return types.NewDate(floorDiv(localMicros(ctx.Now.UnixMicro(), location(ctx)), types.MicrosPerDay)), nil
}

// localMicros converts an instant to the wall-clock time in loc, expressed
// as microseconds since the epoch as if that wall time were UTC.
func localMicros(micros int64, loc *time.Location) int64 {
	if micros == infinity || micros == negInfinity || loc == time.UTC {
		return micros
	}
	_, offset := time.UnixMicro(micros).In(loc).Zone()
	return micros + int64(offset)*1_000_000
}

// instantOf is the inverse of localMicros: the instant at which clocks in
// loc show the wall time local. Like Postgres, a time skipped by a
// spring-forward transition is read with the offset before it, and a time
// repeated by a fall-back transition with the offset after it.
func instantOf(local int64, loc *time.Location) int64 {
	if local == infinity || local == negInfinity || loc == time.UTC {
		return local
	}
	const halfDay = 12 * 3600 * 1_000_000
	before, after := zoneOffset(local-halfDay, loc), zoneOffset(local+halfDay, loc)
	early, late := local-before, local-after
	if before == after {
		return early
	}
	earlyValid, lateValid := zoneOffset(early, loc) == before, zoneOffset(late, loc) == after
	if earlyValid && !lateValid {
		return early
	}
	if lateValid {
		return late
	}
	return early
}

// zoneOffset is loc's UTC offset, in microseconds, at an instant.
func zoneOffset(micros int64, loc *time.Location) int64 {
	_, offset := time.UnixMicro(micros).In(loc).Zone()
	return int64(offset) * 1_000_000
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// zoneOf is the zone a timestamp type's calendar arithmetic happens in:
// the session's for timestamptz, UTC (no zone) for timestamp.
func zoneOf(ctx *EvalContext, t types.Type) *time.Location {
	if t == types.TimestampTZ {
		return location(ctx)
	}
	return time.UTC
}

func isInfinite(v int64) bool { return v == infinity || v == negInfinity }

func checkTimestamp(t types.Type, micros int64) (types.Datum, error) {
	if micros < minTimestamp || micros == infinity {
		return types.Null, outOfRange(types.Timestamp)
	}
	return types.Datum{Typ: t, I: micros}, nil
}

func timestampAddInterval(sign int32) Impl {
	return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		return addInterval(ctx, a[0], a[1], sign)
	}
}

// addInterval is Postgres' timestamp + interval: months move the calendar
// month (clamping the day to the month's length), then days move the
// calendar day, both on the wall clock of the type's zone; then the
// microseconds are added. sign -1 subtracts.
func addInterval(ctx *EvalContext, tsd, iv types.Datum, sign int32) (types.Datum, error) {
	micros := tsd.I
	if isInfinite(micros) {
		return tsd, nil
	}
	months, days := int64(iv.Months)*int64(sign), int64(iv.Days)*int64(sign)
	if months != 0 || days != 0 {
		loc := zoneOf(ctx, tsd.Typ)
		w := time.UnixMicro(localMicros(micros, loc)).UTC()
		total := int64(w.Year())*12 + int64(w.Month()-1) + months
		year, month := floorDiv(total, 12), int(total-floorDiv(total, 12)*12)+1
		if year < -4713 || year > 294276 || days > 200_000_000 || days < -200_000_000 {
			return types.Null, outOfRange(types.Timestamp)
		}
		day := min(w.Day(), daysIn(int(year), month)) + int(days)
		moved := time.Date(int(year), time.Month(month), day, w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
		if y := moved.Year(); y < -4713 || y > 294276 {
			return types.Null, outOfRange(types.Timestamp)
		}
		micros = instantOf(moved.UnixMicro(), loc)
	}
	delta := iv.I
	if sign < 0 {
		if delta == math.MinInt64 {
			return types.Null, outOfRange(types.Timestamp)
		}
		delta = -delta
	}
	r, ok, _ := addInt(micros, delta)
	if !ok {
		return types.Null, outOfRange(types.Timestamp)
	}
	return checkTimestamp(tsd.Typ, r)
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// timestampDiff is timestamp - timestamp: whole days and the remaining
// time, as Postgres' justify_hours leaves it.
func timestampDiff(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	if isInfinite(a[0].I) || isInfinite(a[1].I) {
		return types.Null, types.Errorf(codeDatetimeOverflow, "cannot subtract infinite timestamps")
	}
	diff, ok, _ := subInt(a[0].I, a[1].I)
	if !ok || diff/types.MicrosPerDay > math.MaxInt32 || diff/types.MicrosPerDay < math.MinInt32 {
		return types.Null, outOfRange(types.Interval)
	}
	return types.NewInterval(0, int32(diff/types.MicrosPerDay), diff%types.MicrosPerDay), nil
}

func addDays(date, days int64) (types.Datum, error) {
	if isInfinite(date) {
		return types.NewDate(date), nil
	}
	r := date + days // both fit in 33 bits: no overflow
	if r < minDate || r > maxDate {
		return types.Null, outOfRange(types.Date)
	}
	return types.NewDate(r), nil
}

func dateAddDays(sign int64) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return addDays(a[0].I, sign*a[1].I)
	}
}

func dateDiff(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	if isInfinite(a[0].I) || isInfinite(a[1].I) {
		return types.Null, types.Errorf(codeDatetimeOverflow, "cannot subtract infinite dates")
	}
	return types.NewIntOf(types.Int4, a[0].I-a[1].I), nil
}

// dateAddInterval is date ± interval, computed on the date's midnight as a
// timestamp without time zone.
func dateAddInterval(sign int32) Impl {
	return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		return addInterval(ctx, dateToTimestamp(a[0]), a[1], sign)
	}
}

func dateToTimestamp(d types.Datum) types.Datum {
	if isInfinite(d.I) {
		return types.NewTimestamp(d.I)
	}
	return types.NewTimestamp(d.I * types.MicrosPerDay)
}

func intervalAdd(sign int64) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		x, y := a[0], a[1]
		months := int64(x.Months) + sign*int64(y.Months)
		days := int64(x.Days) + sign*int64(y.Days)
		var micros int64
		var ok bool
		if sign > 0 {
			micros, ok, _ = addInt(x.I, y.I)
		} else {
			micros, ok, _ = subInt(x.I, y.I)
		}
		if !ok {
			return types.Null, outOfRange(types.Interval)
		}
		return makeInterval(months, days, micros)
	}
}

func makeInterval(months, days, micros int64) (types.Datum, error) {
	if months > math.MaxInt32 || months < math.MinInt32 || days > math.MaxInt32 || days < math.MinInt32 {
		return types.Null, outOfRange(types.Interval)
	}
	return types.NewInterval(int32(months), int32(days), micros), nil
}

func negateInterval(d types.Datum) (types.Datum, error) {
	if d.I == math.MinInt64 {
		return types.Null, outOfRange(types.Interval)
	}
	return makeInterval(-int64(d.Months), -int64(d.Days), -d.I)
}

func intervalScale(divide bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		f := a[1].F
		if divide {
			if f == 0 {
				return types.Null, errDivisionByZero()
			}
			f = 1 / f
		}
		return scaleInterval(a[0], f)
	}
}

// scaleInterval multiplies each field, carrying fractions down as
// Postgres does: a fraction of a month becomes days (30 per month), a
// fraction of a day becomes time.
func scaleInterval(d types.Datum, f float64) (types.Datum, error) {
	months := float64(d.Months) * f
	wholeMonths := math.Trunc(months)
	days := float64(d.Days)*f + (months-wholeMonths)*30
	wholeDays := math.Trunc(days)
	micros := math.Round(float64(d.I)*f + (days-wholeDays)*types.MicrosPerDay)
	if math.IsNaN(micros) || math.Abs(wholeMonths) > math.MaxInt32 || math.Abs(wholeDays) > math.MaxInt32 ||
		math.Abs(micros) >= math.MaxInt64 {
		return types.Null, outOfRange(types.Interval)
	}
	return makeInterval(int64(wholeMonths), int64(wholeDays), int64(micros))
}

// toTimestamp is to_timestamp(seconds since the epoch).
func toTimestamp(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	secs := a[0].F
	switch {
	case math.IsNaN(secs):
		return types.Null, types.Errorf(codeDatetimeOverflow, "timestamp cannot be NaN")
	case math.IsInf(secs, 1):
		return types.NewTimestampTZ(infinity), nil
	case math.IsInf(secs, -1):
		return types.NewTimestampTZ(negInfinity), nil
	}
	micros := math.Round(secs * 1e6)
	if micros < minTimestamp || micros >= math.MaxInt64 {
		return types.Null, types.Errorf(codeDatetimeOverflow, "timestamp out of range: \"%g\"", secs)
	}
	return types.NewTimestampTZ(int64(micros)), nil
}
