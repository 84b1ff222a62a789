package functions

import (
	"math"
	"strings"
	"time"

	"github.com/novelty-db/novelty/types"
)

// timeUnits maps the spellings Postgres accepts for a date/time unit or
// field to its canonical name.
var timeUnits = map[string]string{}

func init() {
	for canonical, spellings := range map[string][]string{
		"microseconds":    {"microsecond", "microsecon", "us", "usec", "usecs", "useconds"},
		"milliseconds":    {"millisecond", "millisecon", "ms", "msec", "msecs", "mseconds"},
		"second":          {"seconds", "s", "sec", "secs"},
		"minute":          {"minutes", "m", "min", "mins"},
		"hour":            {"hours", "h", "hr", "hrs"},
		"day":             {"days", "d"},
		"week":            {"weeks", "w"},
		"month":           {"months", "mon", "mons"},
		"quarter":         {"qtr"},
		"year":            {"years", "y", "yr", "yrs"},
		"decade":          {"decades", "dec", "decs"},
		"century":         {"centuries", "c", "cent"},
		"millennium":      {"millennia", "millenniums", "mil", "mils"},
		"epoch":           nil,
		"dow":             nil,
		"isodow":          nil,
		"doy":             nil,
		"isoyear":         nil,
		"timezone":        nil,
		"timezone_hour":   {"timezone_h"},
		"timezone_minute": {"timezone_m"},
	} {
		timeUnits[canonical] = canonical
		for _, s := range spellings {
			timeUnits[s] = canonical
		}
	}
}

// lookupUnit returns the canonical unit for name or Postgres' error for
// an unknown one.
func lookupUnit(name string, t types.Type) (string, error) {
	unit, ok := timeUnits[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return "", types.Errorf(types.CodeInvalidParameterValue, "unit \"%s\" not recognized for type %s", name, t)
	}
	return unit, nil
}

func unsupportedUnit(unit string, t types.Type) error {
	return types.Errorf(types.CodeFeatureNotSupported, "unit \"%s\" not supported for type %s", unit, t)
}

// dateTrunc is date_trunc(unit, ts): the timestamp cut down to the unit,
// on the wall clock of the session zone for timestamptz.
func dateTrunc(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
	t, micros := a[1].Typ, a[1].I
	unit, err := lookupUnit(a[0].S, t)
	if err != nil {
		return types.Null, err
	}
	if isInfinite(micros) {
		return a[1], nil
	}
	// Zone offsets are whole seconds, so units up to a second truncate the
	// instant directly.
	switch unit {
	case "microseconds":
		return a[1], nil
	case "milliseconds":
		return types.Datum{Typ: t, I: floorDiv(micros, 1000) * 1000}, nil
	case "second":
		return types.Datum{Typ: t, I: floorDiv(micros, 1_000_000) * 1_000_000}, nil
	}
	loc := zoneOf(ctx, t)
	w := time.UnixMicro(localMicros(micros, loc)).UTC()
	year, month, day := w.Year(), w.Month(), w.Day()
	hour, minute := w.Hour(), w.Minute()
	switch unit {
	case "minute":
	case "hour":
		minute = 0
	case "day":
		hour, minute = 0, 0
	case "week":
		hour, minute = 0, 0
		day -= (int(w.Weekday()) + 6) % 7 // back to Monday
	case "month", "quarter", "year", "decade", "century", "millennium":
		hour, minute, day = 0, 0, 1
		month = truncMonth(unit, month)
		year = truncYear(unit, year)
	default:
		return types.Null, unsupportedUnit(a[0].S, t)
	}
	local := time.Date(year, month, day, hour, minute, 0, 0, time.UTC).UnixMicro()
	return types.Datum{Typ: t, I: instantOf(local, loc)}, nil
}

func truncMonth(unit string, month time.Month) time.Month {
	switch unit {
	case "month":
		return month
	case "quarter":
		return (month-1)/3*3 + 1
	}
	return time.January
}

// truncYear follows Postgres: centuries and millennia start in years
// ending in 1 (2001), decades in years ending in 0.
func truncYear(unit string, year int) int {
	switch unit {
	case "decade":
		return floorDivInt(year, 10) * 10
	case "century":
		return floorDivInt(year-1, 100)*100 + 1
	case "millennium":
		return floorDivInt(year-1, 1000)*1000 + 1
	}
	return year
}

func floorDivInt(a, b int) int { return int(floorDiv(int64(a), int64(b))) }

// datePart is date_part/extract(field, ts), returned as type result.
func datePart(result types.Type) Impl {
	return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		d := a[1]
		if d.Typ == types.Date {
			d = dateToTimestamp(d)
			d.Typ = types.Date
		}
		unit, err := lookupUnit(a[0].S, d.Typ)
		if err != nil {
			return types.Null, err
		}
		if isInfinite(d.I) {
			return infiniteField(result, unit, d.I == infinity), nil
		}
		v, ok := timestampField(ctx, unit, d)
		if !ok {
			return types.Null, unsupportedUnit(a[0].S, a[1].Typ)
		}
		return types.Datum{Typ: result, F: v}, nil
	}
}

// infiniteField is what Postgres' extract returns for an infinite value:
// ±Infinity for the unbounded fields, NULL for the others.
func infiniteField(result types.Type, unit string, positive bool) types.Datum {
	switch unit {
	case "epoch", "year", "decade", "century", "millennium", "isoyear":
		if positive {
			return types.Datum{Typ: result, F: math.Inf(1)}
		}
		return types.Datum{Typ: result, F: math.Inf(-1)}
	}
	return types.Null
}

func timestampField(ctx *EvalContext, unit string, d types.Datum) (float64, bool) {
	loc := zoneOf(ctx, d.Typ)
	w := time.UnixMicro(d.I).In(loc)
	usec := float64(w.Nanosecond() / 1000)
	year := w.Year()
	if year <= 0 {
		year-- // astronomical year 0 is 1 BC
	}
	switch unit {
	case "epoch":
		return float64(d.I) / 1e6, true
	case "microseconds":
		return float64(w.Second())*1e6 + usec, true
	case "milliseconds":
		return float64(w.Second())*1e3 + usec/1e3, true
	case "second":
		return float64(w.Second()) + usec/1e6, true
	case "minute":
		return float64(w.Minute()), true
	case "hour":
		return float64(w.Hour()), true
	case "day":
		return float64(w.Day()), true
	case "month":
		return float64(w.Month()), true
	case "quarter":
		return float64((w.Month()-1)/3 + 1), true
	case "year":
		return float64(year), true
	case "decade":
		return float64(floorDivInt(w.Year(), 10)), true
	case "century":
		if year > 0 {
			return float64((year + 99) / 100), true
		}
		return float64(-((99 - year) / 100)), true
	case "millennium":
		if year > 0 {
			return float64((year + 999) / 1000), true
		}
		return float64(-((999 - year) / 1000)), true
	case "week":
		_, week := w.ISOWeek()
		return float64(week), true
	case "isoyear":
		isoYear, _ := w.ISOWeek()
		return float64(isoYear), true
	case "dow":
		return float64(w.Weekday()), true
	case "isodow":
		return float64((int(w.Weekday())+6)%7 + 1), true
	case "doy":
		return float64(w.YearDay()), true
	}
	if d.Typ != types.TimestampTZ {
		return 0, false
	}
	_, offset := w.Zone()
	switch unit {
	case "timezone":
		return float64(offset), true
	case "timezone_hour":
		return float64(offset / 3600), true
	case "timezone_minute":
		return float64(offset / 60 % 60), true
	}
	return 0, false
}

// intervalPart is date_part/extract(field, interval).
func intervalPart(result types.Type) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		d := a[1]
		unit, err := lookupUnit(a[0].S, types.Interval)
		if err != nil {
			return types.Null, err
		}
		years, months := int64(d.Months)/12, int64(d.Months)%12
		var v float64
		switch unit {
		case "epoch":
			// Postgres counts a year as 365.25 days and a month as 30.
			v = float64(years)*365.25*86400 + float64(months)*30*86400 + float64(d.Days)*86400 + float64(d.I)/1e6
		case "microseconds":
			v = float64(d.I % 60_000_000)
		case "milliseconds":
			v = float64(d.I%60_000_000) / 1e3
		case "second":
			v = float64(d.I%60_000_000) / 1e6
		case "minute":
			v = float64(d.I / 60_000_000 % 60)
		case "hour":
			v = float64(d.I / 3_600_000_000)
		case "day":
			v = float64(d.Days)
		case "month":
			v = float64(months)
		case "quarter":
			v = float64(months/3 + 1)
		case "year":
			v = float64(years)
		case "decade":
			v = float64(years / 10)
		case "century":
			v = float64(years / 100)
		case "millennium":
			v = float64(years / 1000)
		default:
			return types.Null, unsupportedUnit(a[0].S, types.Interval)
		}
		return types.Datum{Typ: result, F: v}, nil
	}
}
