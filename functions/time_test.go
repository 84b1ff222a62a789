package functions

import (
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

func TestTimeArithmetic(t *testing.T) {
	ts := func(s string) arg { return parsed(types.Timestamp, s) }
	iv := func(s string) arg { return parsed(types.Interval, s) }
	date := func(s string) arg { return parsed(types.Date, s) }
	rangeErr := types.CodeNumericValueOutOfRange
	runCases(t, []evalCase{
		{name: "+", args: []arg{ts("2024-01-31 10:00:00"), iv("1 month")}, want: "2024-02-29 10:00:00", typ: types.Timestamp},
		{name: "+", args: []arg{ts("2024-01-31 10:00:00"), lit("1 mon 1 day 02:00:00")}, want: "2024-03-01 12:00:00"},
		{name: "-", args: []arg{ts("2024-03-31 00:00:00"), iv("1 month")}, want: "2024-02-29 00:00:00"},
		{name: "-", args: []arg{ts("2024-01-01 00:00:00"), iv("90 minutes")}, want: "2023-12-31 22:30:00"},
		{name: "+", args: []arg{iv("1 day"), ts("2024-01-01 00:00:00")}, want: "2024-01-02 00:00:00"},
		{name: "+", args: []arg{ts("infinity"), iv("1 day")}, want: "infinity"},
		{name: "+", args: []arg{ts("294000-01-01 00:00:00"), iv("1000 years")}, code: rangeErr},
		{name: "-", args: []arg{ts("2024-01-02 03:00:00"), ts("2024-01-01 00:00:00")}, want: "1 day 03:00:00", typ: types.Interval},
		{name: "-", args: []arg{ts("2024-01-01 00:00:00"), ts("2024-01-02 03:00:00")}, want: "-1 days -03:00:00"},
		{name: "-", args: []arg{ts("2024-01-01 00:00:00"), lit("2023-12-31 23:00:00")}, want: "01:00:00"},
		{name: "+", args: []arg{date("2024-02-28"), i4(2)}, want: "2024-03-01", typ: types.Date},
		{name: "+", args: []arg{i4(1), date("2024-02-28")}, want: "2024-02-29"},
		{name: "-", args: []arg{date("2024-03-01"), i4(1)}, want: "2024-02-29"},
		{name: "-", args: []arg{date("2024-03-01"), date("2024-02-01")}, want: "29", typ: types.Int4},
		{name: "+", args: []arg{date("2024-03-01"), iv("1 hour")}, want: "2024-03-01 01:00:00", typ: types.Timestamp},
		{name: "+", args: []arg{iv("1 day"), iv("2 hours")}, want: "1 day 02:00:00"},
		{name: "-", args: []arg{iv("1 day"), iv("2 hours")}, want: "1 day -02:00:00"},
		{name: "unary -", args: []arg{iv("1 mon 2 days 00:00:03")}, want: "-1 mons -2 days -00:00:03"},
		{name: "*", args: []arg{iv("1 mon"), f8(1.5)}, want: "1 mon 15 days"},
		{name: "*", args: []arg{i4(2), iv("1 day 01:00:00")}, want: "2 days 02:00:00"},
		{name: "/", args: []arg{iv("1 day"), f8(4)}, want: "06:00:00"},
		{name: "/", args: []arg{iv("1 day"), f8(0)}, code: types.CodeDivisionByZero},
		{name: "<", args: []arg{iv("25 hours"), iv("1 day")}, want: "f"}, // 25h > 1 day by Postgres' convention
		{name: "=", args: []arg{iv("1 mon"), iv("30 days")}, want: "t"},
		{name: "<", args: []arg{date("2024-01-01"), ts("2024-01-01 00:00:01")}, want: "t"},
	})
}

func TestTimestampTZArithmeticUsesSessionZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("no time zone data: %v", err)
	}
	ctx := &EvalContext{Location: ny}
	// 2024-03-09 12:00 EST; a day later the clocks have sprung forward, so
	// adding "1 day" keeps 12:00 local (23 hours), while "24 hours" does not.
	start := types.NewTimestampTZ(time.Date(2024, 3, 9, 17, 0, 0, 0, time.UTC).UnixMicro())
	ivType := types.Interval
	for _, c := range []struct {
		iv   types.Datum
		want time.Time
	}{
		{types.NewInterval(0, 1, 0), time.Date(2024, 3, 10, 16, 0, 0, 0, time.UTC)},
		{types.NewInterval(0, 0, 24*3_600_000_000), time.Date(2024, 3, 10, 17, 0, 0, 0, time.UTC)},
	} {
		got, err := call(ctx, "+", typed(start), arg{c.iv, ivType})
		if err != nil {
			t.Fatal(err)
		}
		if got.I != c.want.UnixMicro() {
			t.Errorf("+ %s = %s, want %s", show(c.iv), time.UnixMicro(got.I).UTC(), c.want)
		}
	}
}

func TestClockFunctions(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatalf("no time zone data: %v", err)
	}
	now := time.Date(2024, 3, 10, 3, 0, 0, 0, time.UTC) // still the 9th in Los Angeles
	ctx := &EvalContext{Now: now, Location: la}
	for _, c := range []struct{ name, want string }{
		{"now", "2024-03-10 03:00:00+00"},
		{"current_timestamp", "2024-03-10 03:00:00+00"},
		{"localtimestamp", "2024-03-09 19:00:00"},
		{"current_date", "2024-03-09"},
	} {
		o, err := Resolve(c.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Volatile {
			t.Errorf("%s is not volatile", c.name)
		}
		got, err := o.Impl(ctx, nil)
		if err != nil || show(got) != c.want {
			t.Errorf("%s() = %s, %v; want %s", c.name, show(got), err, c.want)
		}
	}
}

func TestDateTruncAndExtract(t *testing.T) {
	ts := parsed(types.Timestamp, "2024-03-14 15:09:26.535897")
	cases := []evalCase{
		{name: "date_trunc", args: []arg{lit("hour"), ts}, want: "2024-03-14 15:00:00", typ: types.Timestamp},
		{name: "date_trunc", args: []arg{lit("minutes"), ts}, want: "2024-03-14 15:09:00"},
		{name: "date_trunc", args: []arg{lit("second"), ts}, want: "2024-03-14 15:09:26"},
		{name: "date_trunc", args: []arg{lit("milliseconds"), ts}, want: "2024-03-14 15:09:26.535"},
		{name: "date_trunc", args: []arg{lit("DAY"), ts}, want: "2024-03-14 00:00:00"},
		{name: "date_trunc", args: []arg{lit("week"), ts}, want: "2024-03-11 00:00:00"},
		{name: "date_trunc", args: []arg{lit("month"), ts}, want: "2024-03-01 00:00:00"},
		{name: "date_trunc", args: []arg{lit("quarter"), ts}, want: "2024-01-01 00:00:00"},
		{name: "date_trunc", args: []arg{lit("year"), ts}, want: "2024-01-01 00:00:00"},
		{name: "date_trunc", args: []arg{lit("decade"), ts}, want: "2020-01-01 00:00:00"},
		{name: "date_trunc", args: []arg{lit("century"), ts}, want: "2001-01-01 00:00:00"},
		{name: "date_trunc", args: []arg{lit("fortnight"), ts}, code: types.CodeInvalidParameterValue},
		{name: "date_trunc", args: []arg{lit("dow"), ts}, code: types.CodeFeatureNotSupported},
		{name: "date_trunc", args: []arg{lit("day"), parsed(types.TimestampTZ, "2024-03-14 15:09:26+00")}, want: "2024-03-14 00:00:00+00", typ: types.TimestampTZ},
		{name: "date_part", args: []arg{lit("year"), ts}, want: "2024", typ: types.Float8},
		{name: "date_part", args: []arg{lit("month"), ts}, want: "3"},
		{name: "date_part", args: []arg{lit("day"), ts}, want: "14"},
		{name: "date_part", args: []arg{lit("hour"), ts}, want: "15"},
		{name: "date_part", args: []arg{lit("minute"), ts}, want: "9"},
		{name: "date_part", args: []arg{lit("second"), ts}, want: "26.535897"},
		{name: "date_part", args: []arg{lit("milliseconds"), ts}, want: "26535.897"},
		{name: "date_part", args: []arg{lit("microsecond"), ts}, want: "26535897"},
		{name: "date_part", args: []arg{lit("dow"), ts}, want: "4"},
		{name: "date_part", args: []arg{lit("isodow"), parsed(types.Date, "2024-03-17")}, want: "7"},
		{name: "date_part", args: []arg{lit("doy"), ts}, want: "74"},
		{name: "date_part", args: []arg{lit("week"), ts}, want: "11"},
		{name: "date_part", args: []arg{lit("quarter"), ts}, want: "1"},
		{name: "date_part", args: []arg{lit("epoch"), ts}, want: "1710428966.535897"},
		{name: "date_part", args: []arg{lit("epoch"), parsed(types.Date, "1970-01-02")}, want: "86400"},
		{name: "date_part", args: []arg{lit("century"), ts}, want: "21"},
		{name: "date_part", args: []arg{lit("timezone"), ts}, code: types.CodeFeatureNotSupported},
		{name: "date_part", args: []arg{lit("epoch"), parsed(types.Timestamp, "infinity")}, want: "Infinity"},
		{name: "date_part", args: []arg{lit("month"), parsed(types.Timestamp, "infinity")}, want: "NULL"},
		{name: "date_part", args: []arg{lit("bogus"), ts}, code: types.CodeInvalidParameterValue},
		{name: "extract", args: []arg{lit("year"), ts}, want: "2024", typ: types.Numeric},
		{name: "extract", args: []arg{lit("epoch"), parsed(types.Interval, "1 day 01:00:00")}, want: "90000"},
		{name: "date_part", args: []arg{lit("hour"), parsed(types.Interval, "1 day 25:30:00")}, want: "25"},
		{name: "date_part", args: []arg{lit("minute"), parsed(types.Interval, "1 day 25:30:00")}, want: "30"},
		{name: "date_part", args: []arg{lit("month"), parsed(types.Interval, "14 mons")}, want: "2"},
		{name: "to_timestamp", args: []arg{f8(1710428966.5)}, want: "2024-03-14 15:09:26.5+00", typ: types.TimestampTZ},
		{name: "to_timestamp", args: []arg{i4(0)}, want: "1970-01-01 00:00:00+00"},
		{name: "pg_interval", args: []arg{lit("5 minutes")}, want: "00:05:00", typ: types.Interval},
		{name: "pg_interval", args: []arg{lit("5"), lit("second")}, want: "00:00:05"},
	}
	runCases(t, cases)
}

func TestDateTruncInSessionZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatalf("no time zone data: %v", err)
	}
	ctx := &EvalContext{Location: tokyo}
	in := types.NewTimestampTZ(time.Date(2024, 3, 14, 20, 0, 0, 0, time.UTC).UnixMicro()) // 05:00 on the 15th in Tokyo
	got, err := call(ctx, "date_trunc", lit("day"), typed(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 3, 14, 15, 0, 0, 0, time.UTC).UnixMicro(); got.I != want {
		t.Errorf("date_trunc('day') = %s, want midnight of the 15th in Tokyo", time.UnixMicro(got.I).UTC())
	}
}
