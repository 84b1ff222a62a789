package types

import (
	"math"
	"testing"
	"time"
)

// The expected strings are what PostgreSQL 15 prints for the same values
// with DateStyle ISO, IntervalStyle postgres and extra_float_digits 1.

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestAppendText(t *testing.T) {
	kolkata := mustLocation(t, "Asia/Kolkata")
	newYork := mustLocation(t, "America/New_York")
	ts := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil {
			t.Fatalf("parse %s: %v", s, err)
		}
		return tm.UnixMicro()
	}
	tenth, fifth := 0.1, 0.2 // variables, so that the sum is computed in float64
	tests := []struct {
		name string
		d    Datum
		loc  *time.Location
		want string
	}{
		{"null", Null, nil, ""},
		{"true", NewBool(true), nil, "t"},
		{"false", NewBool(false), nil, "f"},
		{"int4", NewIntOf(Int4, -42), nil, "-42"},
		{"int8 min", NewInt(math.MinInt64), nil, "-9223372036854775808"},
		{"float sum", NewFloat(tenth + fifth), nil, "0.30000000000000004"},
		{"float 1e15", NewFloat(1e15), nil, "1e+15"},
		{"float below 1e15", NewFloat(123456789012345), nil, "123456789012345"},
		{"float 1.5e-5", NewFloat(1.5e-5), nil, "1.5e-05"},
		{"float 0.0001", NewFloat(0.0001), nil, "0.0001"},
		{"float 1e20", NewFloat(1e20), nil, "1e+20"},
		{"float 1e100", NewFloat(1e100), nil, "1e+100"},
		{"float neg", NewFloat(-2.5), nil, "-2.5"},
		{"float whole", NewFloat(3), nil, "3"},
		{"float neg zero", NewFloat(math.Copysign(0, -1)), nil, "-0"},
		{"float nan", NewFloat(math.NaN()), nil, "NaN"},
		{"float inf", NewFloat(math.Inf(1)), nil, "Infinity"},
		{"float -inf", NewFloat(math.Inf(-1)), nil, "-Infinity"},
		{"float max", NewFloat(math.MaxFloat64), nil, "1.7976931348623157e+308"},
		{"float4 tenth", NewFloatOf(Float4, float64(float32(0.1))), nil, "0.1"},
		{"float4 1e6", NewFloatOf(Float4, 1e6), nil, "1e+06"},
		{"float4 123456", NewFloatOf(Float4, 123456), nil, "123456"},
		{"float4 third", NewFloatOf(Float4, float64(float32(1.0/3))), nil, "0.33333334"},
		{"numeric", NewFloatOf(Numeric, 12.5), nil, "12.5"},
		{"numeric big", NewFloatOf(Numeric, 1e20), nil, "100000000000000000000"},
		{"numeric small", NewFloatOf(Numeric, 1.5e-5), nil, "0.000015"},
		{"numeric neg zero", NewFloatOf(Numeric, math.Copysign(0, -1)), nil, "0"},
		{"numeric nan", NewFloatOf(Numeric, math.NaN()), nil, "NaN"},
		{"text", NewText("héllo, world"), nil, "héllo, world"},
		{"bytea", NewBytes([]byte{0xde, 0xad, 0x00, 0x0f}), nil, `\xdead000f`},
		{"bytea empty", NewBytes(nil), nil, `\x`},
		{"date", NewDate(19753), nil, "2024-01-31"},
		{"date epoch", NewDate(0), nil, "1970-01-01"},
		{"date before epoch", NewDate(-1), nil, "1969-12-31"},
		{"date bc", NewDate(daysFromCivil(-43, 3, 15)), nil, "0044-03-15 BC"},
		{"date infinity", NewDate(math.MaxInt64), nil, "infinity"},
		{"timestamp millis", NewTimestamp(ts("2024-01-31 12:34:56.789")), nil, "2024-01-31 12:34:56.789"},
		{"timestamp whole", NewTimestamp(ts("2024-01-31 12:34:56")), nil, "2024-01-31 12:34:56"},
		{"timestamp micros", NewTimestamp(ts("2024-01-31 00:00:00.000001")), nil, "2024-01-31 00:00:00.000001"},
		{"timestamp before epoch", NewTimestamp(-1), nil, "1969-12-31 23:59:59.999999"},
		{"timestamp -infinity", NewTimestamp(math.MinInt64), nil, "-infinity"},
		{"timestamptz utc", NewTimestampTZ(ts("2024-01-31 12:34:56.789")), nil, "2024-01-31 12:34:56.789+00"},
		{"timestamptz kolkata", NewTimestampTZ(ts("2024-01-31 12:00:00")), kolkata, "2024-01-31 17:30:00+05:30"},
		{"timestamptz new york winter", NewTimestampTZ(ts("2024-01-31 12:00:00")), newYork, "2024-01-31 07:00:00-05"},
		{"timestamptz new york summer", NewTimestampTZ(ts("2024-07-01 12:00:00")), newYork, "2024-07-01 08:00:00-04"},
		{"timestamptz lmt", NewTimestampTZ(ts("1850-01-01 12:00:00")), newYork, "1850-01-01 07:03:58-04:56:02"},
		{"timestamptz infinity", NewTimestampTZ(math.MaxInt64), kolkata, "infinity"},
		{"interval full", NewInterval(14, 3, 4*3_600_000_000+5*60_000_000+6_500_000), nil, "1 year 2 mons 3 days 04:05:06.5"},
		{"interval zero", NewInterval(0, 0, 0), nil, "00:00:00"},
		{"interval minus a day", NewInterval(0, -1, 0), nil, "-1 days"},
		{"interval five minutes", NewInterval(0, 0, 5*60_000_000), nil, "00:05:00"},
		{"interval one day", NewInterval(0, 1, 0), nil, "1 day"},
		{"interval one mon", NewInterval(1, 0, 0), nil, "1 mon"},
		{"interval negative years", NewInterval(-14, 0, 0), nil, "-1 years -2 mons"},
		{"interval sign after negative", NewInterval(0, -1, 2*3_600_000_000), nil, "-1 days +02:00:00"},
		{"interval negative time", NewInterval(0, 1, -1_000_000), nil, "1 day -00:00:01"},
		{"interval long hours", NewInterval(0, 0, 100*3_600_000_000), nil, "100:00:00"},
		{"interval micro", NewInterval(0, 0, 1), nil, "00:00:00.000001"},
		{"json", NewJSON(`{"b":1, "a":[1,2]}`), nil, `{"b":1, "a":[1,2]}`},
		{"uuid", NewString(UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), nil, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"text array", NewString(TextArray, `{a,"b c"}`), nil, `{a,"b c"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendText([]byte("x"), tt.d, tt.loc))
			if got != "x"+tt.want {
				t.Errorf("AppendText = %q, want %q", got[1:], tt.want)
			}
		})
	}
}

func TestAppendTextDoesNotAllocate(t *testing.T) {
	loc := mustLocation(t, "Asia/Kolkata")
	buf := make([]byte, 0, 256)
	row := []Datum{NewFloat(0.1), NewTimestampTZ(1706704496789000), NewInterval(14, 3, 6_500_000), NewDate(19753), NewText("abc")}
	allocs := testing.AllocsPerRun(100, func() {
		for _, d := range row {
			buf = AppendText(buf[:0], d, loc)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendText allocated %v times per row", allocs)
	}
}

// TestParseTextPrints parses input as Postgres would read a literal of the
// type and checks what Postgres prints for it.
func TestParseTextPrints(t *testing.T) {
	kolkata := mustLocation(t, "Asia/Kolkata")
	tests := []struct {
		typ  Type
		in   string
		loc  *time.Location
		want string
	}{
		{Bool, "t", nil, "t"},
		{Bool, " TRUE ", nil, "t"},
		{Bool, "yes", nil, "t"},
		{Bool, "on", nil, "t"},
		{Bool, "1", nil, "t"},
		{Bool, "f", nil, "f"},
		{Bool, "No", nil, "f"},
		{Bool, "off", nil, "f"},
		{Bool, "0", nil, "f"},
		{Int2, "-32768", nil, "-32768"},
		{Int4, " 42 ", nil, "42"},
		{Int4, "+7", nil, "7"},
		{Int8, "9223372036854775807", nil, "9223372036854775807"},
		{Float8, "0.1", nil, "0.1"},
		{Float8, "1e15", nil, "1e+15"},
		{Float8, "  -1.5E-5 ", nil, "-1.5e-05"},
		{Float8, "NaN", nil, "NaN"},
		{Float8, "infinity", nil, "Infinity"},
		{Float8, "-Infinity", nil, "-Infinity"},
		{Float8, "-inf", nil, "-Infinity"},
		{Float8, ".5", nil, "0.5"},
		{Float4, "0.1", nil, "0.1"},
		{Float4, "3.4028235e38", nil, "3.4028235e+38"},
		{Numeric, "12.50", nil, "12.5"},
		{Numeric, "1e3", nil, "1000"},
		{Numeric, "Infinity", nil, "Infinity"},
		{Numeric, "-inf", nil, "-Infinity"},
		{Text, " as is ", nil, " as is "},
		{Varchar, "v", nil, "v"},
		{Bytea, `\xDEADbeef`, nil, `\xdeadbeef`},
		{Bytea, `\x de ad`, nil, `\xdead`},
		{Bytea, `ab\\c\001`, nil, `\x61625c6301`},
		{Date, "2024-01-31", nil, "2024-01-31"},
		{Date, "2024-1-5", nil, "2024-01-05"},
		{Date, "2024-01-31 12:34:56", nil, "2024-01-31"},
		{Date, "0044-03-15 BC", nil, "0044-03-15 BC"},
		{Date, "2024-02-29", nil, "2024-02-29"},
		{Date, "infinity", nil, "infinity"},
		{Date, "epoch", nil, "1970-01-01"},
		{Timestamp, "2024-01-31 12:34:56", nil, "2024-01-31 12:34:56"},
		{Timestamp, "2024-01-31T12:34:56.123Z", nil, "2024-01-31 12:34:56.123"},
		{Timestamp, "2024-01-31 12:34:56+05", nil, "2024-01-31 12:34:56"},
		{Timestamp, "2024-01-31", nil, "2024-01-31 00:00:00"},
		{Timestamp, "2024-01-31 12:34", nil, "2024-01-31 12:34:00"},
		{Timestamp, "2024-01-31 12:34:56.1234565", nil, "2024-01-31 12:34:56.123456"},
		{Timestamp, "2024-01-31 12:34:56.1234567", nil, "2024-01-31 12:34:56.123457"},
		{Timestamp, "2024-01-31 12:34:56.9999996", nil, "2024-01-31 12:34:57"},
		{Timestamp, "2024-01-31 24:00:00", nil, "2024-02-01 00:00:00"},
		{Timestamp, "-infinity", nil, "-infinity"},
		{Timestamp, "2024-01-31 12:30:60", nil, "2024-01-31 12:31:00"},
		{TimestampTZ, "2024-01-31 12:00 utc", nil, "2024-01-31 12:00:00+00"},
		{TimestampTZ, "2024-01-31T12:34:56.123Z", nil, "2024-01-31 12:34:56.123+00"},
		{TimestampTZ, "2024-01-31 12:34:56+05:30", nil, "2024-01-31 07:04:56+00"},
		{TimestampTZ, "2024-01-31 12:34:56 -0800", nil, "2024-01-31 20:34:56+00"},
		{TimestampTZ, "2024-01-31 12:34:56 UTC", kolkata, "2024-01-31 18:04:56+05:30"},
		{TimestampTZ, "2024-01-31 12:00:00 America/New_York", nil, "2024-01-31 17:00:00+00"},
		{TimestampTZ, "2024-01-31 12:00:00", kolkata, "2024-01-31 12:00:00+05:30"},
		{TimestampTZ, "2024-01-31", nil, "2024-01-31 00:00:00+00"},
		{Interval, "5 minutes", nil, "00:05:00"},
		{Interval, "5 minute", nil, "00:05:00"},
		{Interval, "1 hour 30 minutes", nil, "01:30:00"},
		{Interval, "1 day", nil, "1 day"},
		{Interval, "00:05:00", nil, "00:05:00"},
		{Interval, "1 year 2 mons", nil, "1 year 2 mons"},
		{Interval, "P1DT2H", nil, "1 day 02:00:00"},
		{Interval, "P1Y2M3DT4H5M6.5S", nil, "1 year 2 mons 3 days 04:05:06.5"},
		{Interval, "PT1.5S", nil, "00:00:01.5"},
		{Interval, "P1W", nil, "7 days"},
		{Interval, "-5 seconds", nil, "-00:00:05"},
		{Interval, "1.5 seconds", nil, "00:00:01.5"},
		{Interval, "1.5 days", nil, "1 day 12:00:00"},
		{Interval, "1.5 months", nil, "1 mon 15 days"},
		{Interval, "1.5 years", nil, "1 year 6 mons"},
		{Interval, "1.5 weeks", nil, "10 days 12:00:00"},
		{Interval, "10", nil, "00:00:10"},
		{Interval, "5min", nil, "00:05:00"},
		{Interval, "2 h 3 m 4 s", nil, "02:03:04"},
		{Interval, "3 d", nil, "3 days"},
		{Interval, "2 y", nil, "2 years"},
		{Interval, "250 ms", nil, "00:00:00.25"},
		{Interval, "7 microseconds", nil, "00:00:00.000007"},
		{Interval, "2 weeks", nil, "14 days"},
		{Interval, "1 day 2 hours ago", nil, "-1 days -02:00:00"},
		{Interval, "@ 1 hour", nil, "01:00:00"},
		{Interval, "-1 days +02:03", nil, "-1 days +02:03:00"},
		{Interval, "1-2", nil, "1 year 2 mons"},
		{Interval, "1 DAY", nil, "1 day"},
		{Interval, "100:00:00", nil, "100:00:00"},
		{Interval, "1 century", nil, "100 years"},
		{JSON, `{"b": 1,  "a":2}`, nil, `{"b": 1,  "a":2}`},
		{JSONB, `{"b": 1,  "a":2, "aa": [1, 2.50, 1e2, -0]}`, nil, `{"a": 2, "b": 1, "aa": [1, 2.50, 100, 0]}`},
		{JSONB, `{"a":1,"a":2}`, nil, `{"a": 2}`},
		{JSONB, `"tab\there \u0041 é \u0001"`, nil, `"tab\there A é \u0001"`},
		{JSONB, ` [ ] `, nil, `[]`},
		{JSONB, `1.5e-3`, nil, `0.0015`},
		{JSONB, `null`, nil, `null`},
		{UUID, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", nil, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{UUID, "{a0eebc999c0b4ef8bb6d6bb9bd380a11}", nil, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{UUID, "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", nil, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{TextArray, `{a, "b c" ,NULL,"NULL", "", x\,y}`, nil, `{a,"b c",NULL,"NULL","","x,y"}`},
		{TextArray, `{}`, nil, `{}`},
		{TextArray, `{"quo\"te"}`, nil, `{"quo\"te"}`},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String()+"/"+tt.in, func(t *testing.T) {
			d, err := ParseText(tt.typ, tt.in, tt.loc)
			if err != nil {
				t.Fatalf("ParseText: %v", err)
			}
			if d.Typ != tt.typ {
				t.Errorf("type = %v, want %v", d.Typ, tt.typ)
			}
			if got := string(AppendText(nil, d, tt.loc)); got != tt.want {
				t.Errorf("printed %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTextValues(t *testing.T) {
	tests := []struct {
		typ  Type
		in   string
		want Datum
	}{
		{Unknown, "lit", NewText("lit")},
		{Int2, "7", NewIntOf(Int2, 7)},
		{Date, "1970-01-02", NewDate(1)},
		{Timestamp, "1970-01-01 00:00:01.5", NewTimestamp(1_500_000)},
		{TimestampTZ, "1970-01-01 01:00:00+01", NewTimestampTZ(0)},
		{Interval, "1 mon 2 days 3 us", NewInterval(1, 2, 3)},
		{Bytea, `\x00ff`, NewBytes([]byte{0, 0xff})},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseText(tt.typ, tt.in, nil)
			if err != nil {
				t.Fatalf("ParseText: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	tests := []struct {
		typ  Type
		in   string
		code string
		msg  string
	}{
		{Bool, "maybe", CodeInvalidTextRepresent, `invalid input syntax for type boolean: "maybe"`},
		{Bool, "o", CodeInvalidTextRepresent, `invalid input syntax for type boolean: "o"`},
		{Int4, "abc", CodeInvalidTextRepresent, `invalid input syntax for type integer: "abc"`},
		{Int4, "", CodeInvalidTextRepresent, `invalid input syntax for type integer: ""`},
		{Int4, "1.5", CodeInvalidTextRepresent, `invalid input syntax for type integer: "1.5"`},
		{Int4, "2147483648", CodeNumericValueOutOfRange, `value "2147483648" is out of range for type integer`},
		{Int2, "40000", CodeNumericValueOutOfRange, `value "40000" is out of range for type smallint`},
		{Int8, "99999999999999999999", CodeNumericValueOutOfRange, `value "99999999999999999999" is out of range for type bigint`},
		{Float8, "1e400", CodeNumericValueOutOfRange, `"1e400" is out of range for type double precision`},
		{Float8, "1e-400", CodeNumericValueOutOfRange, `"1e-400" is out of range for type double precision`},
		{Float8, "1_000", CodeInvalidTextRepresent, `invalid input syntax for type double precision: "1_000"`},
		{Float4, "1e39", CodeNumericValueOutOfRange, `"1e39" is out of range for type real`},
		{Numeric, "1.2.3", CodeInvalidTextRepresent, `invalid input syntax for type numeric: "1.2.3"`},
		{Bytea, `\xabc`, CodeInvalidParameterValue, `invalid hexadecimal data: odd number of digits`},
		{Bytea, `\xzz`, CodeInvalidParameterValue, `invalid hexadecimal digit: "z"`},
		{Bytea, `a\b`, CodeInvalidTextRepresent, `invalid input syntax for type bytea`},
		{Date, "yesterday-ish", CodeInvalidDatetimeFormat, `invalid input syntax for type date: "yesterday-ish"`},
		{Date, "2023-02-29", codeDatetimeFieldOverflow, `date/time field value out of range: "2023-02-29"`},
		{Date, "2024-13-01", codeDatetimeFieldOverflow, `date/time field value out of range: "2024-13-01"`},
		{Date, "0000-01-01", codeDatetimeFieldOverflow, `date/time field value out of range: "0000-01-01"`},
		{Timestamp, "abc", CodeInvalidDatetimeFormat, `invalid input syntax for type timestamp: "abc"`},
		{Timestamp, "2024-01-31 25:00:00", codeDatetimeFieldOverflow, `date/time field value out of range: "2024-01-31 25:00:00"`},
		{Timestamp, "2024-01-31 12:34:56 junk", CodeInvalidDatetimeFormat, `invalid input syntax for type timestamp: "2024-01-31 12:34:56 junk"`},
		{Timestamp, "300000-01-01", codeDatetimeFieldOverflow, `timestamp out of range: "300000-01-01"`},
		{TimestampTZ, "2024-01-31 12:00 Mars/Olympus", CodeInvalidParameterValue, `time zone "mars/olympus" not recognized`},
		{Interval, "1 day 1 day", CodeInvalidDatetimeFormat, `invalid input syntax for type interval: "1 day 1 day"`},
		{Interval, "1 hour 02:00", CodeInvalidDatetimeFormat, `invalid input syntax for type interval: "1 hour 02:00"`},
		{Interval, "1:60", codeIntervalFieldOverflow, `interval field value out of range: "1:60"`},
		{Timestamp, "2024-01-31 12:61", codeDatetimeFieldOverflow, `date/time field value out of range: "2024-01-31 12:61"`},
		{TimestampTZ, "2024-01-31 12:00 +16", codeInvalidTimeZoneDisplacement, `time zone displacement out of range: "2024-01-31 12:00 +16"`},
		{Interval, "five minutes", CodeInvalidDatetimeFormat, `invalid input syntax for type interval: "five minutes"`},
		{Interval, "5 fortnights", CodeInvalidDatetimeFormat, `invalid input syntax for type interval: "5 fortnights"`},
		{Interval, "", CodeInvalidDatetimeFormat, `invalid input syntax for type interval: ""`},
		{Interval, "P", CodeInvalidDatetimeFormat, `invalid input syntax for type interval: "P"`},
		{Interval, "PT1Y", CodeInvalidDatetimeFormat, `invalid input syntax for type interval: "PT1Y"`},
		{Interval, "3000000000 days", codeIntervalFieldOverflow, `interval field value out of range: "3000000000 days"`},
		{Interval, "99999999999999999999 seconds", codeIntervalFieldOverflow, `interval field value out of range: "99999999999999999999 seconds"`},
		{JSON, `{"a":}`, CodeInvalidTextRepresent, `invalid input syntax for type json`},
		{JSONB, `[1,`, CodeInvalidTextRepresent, `invalid input syntax for type json`},
		{UUID, "not-a-uuid", CodeInvalidTextRepresent, `invalid input syntax for type uuid: "not-a-uuid"`},
		{UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", CodeInvalidTextRepresent, `invalid input syntax for type uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"`},
		{UUID, "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", CodeInvalidTextRepresent, `invalid input syntax for type uuid: "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11"`},
		{TextArray, `a,b`, CodeInvalidTextRepresent, `malformed array literal: "a,b"`},
		{TextArray, `{a,,b}`, CodeInvalidTextRepresent, `malformed array literal: "{a,,b}"`},
		{TextArray, `{"a}`, CodeInvalidTextRepresent, `malformed array literal: "{"a}"`},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String()+"/"+tt.in, func(t *testing.T) {
			d, err := ParseText(tt.typ, tt.in, nil)
			if err == nil {
				t.Fatalf("ParseText = %q, want error", AppendText(nil, d, nil))
			}
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("error %v is not a *Error", err)
			}
			if e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("error = %s %q, want %s %q", e.Code, e.Message, tt.code, tt.msg)
			}
		})
	}
}

func TestCivilDaysRoundTrip(t *testing.T) {
	for days := int64(-800_000); days <= 800_000; days += 997 {
		y, m, d := civilFromDays(days)
		if back := daysFromCivil(y, m, d); back != days {
			t.Fatalf("days %d -> %d-%d-%d -> %d", days, y, m, d, back)
		}
		want := time.Unix(days*86400, 0).UTC()
		if int(y) != want.Year() || time.Month(m) != want.Month() || d != want.Day() {
			t.Fatalf("days %d -> %d-%d-%d, time package says %v", days, y, m, d, want)
		}
	}
}
