package functions

import (
	"math"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

func TestCast(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("no time zone data: %v", err)
	}
	ctx := &EvalContext{Location: ny}
	cases := []struct {
		in   types.Datum
		to   types.Type
		want string // text form, or NULL
		code string
	}{
		{types.Null, types.Int4, "NULL", ""},
		{types.NewText("42"), types.Int4, "42", ""},
		{types.NewText(" 42 "), types.Int8, "42", ""},
		{types.NewText("abc"), types.Int4, "", types.CodeInvalidTextRepresent},
		{types.NewText("99999"), types.Int2, "", types.CodeNumericValueOutOfRange},
		{types.NewInt(70000), types.Int2, "", types.CodeNumericValueOutOfRange},
		{types.NewInt(1 << 40), types.Int4, "", types.CodeNumericValueOutOfRange},
		{types.NewIntOf(types.Int4, 7), types.Int8, "7", ""},
		{types.NewFloat(2.5), types.Int4, "2", ""},   // rint: half to even
		{types.NewFloat(3.5), types.Int4, "4", ""},   // rint: half to even
		{types.NewFloat(-2.5), types.Int4, "-2", ""}, // rint: half to even
		{types.NewFloatOf(types.Numeric, 2.5), types.Int4, "3", ""},
		{types.NewFloat(2.4), types.Int8, "2", ""},
		{types.NewFloat(3e9), types.Int4, "", types.CodeNumericValueOutOfRange},
		{types.NewFloat(9.3e18), types.Int8, "", types.CodeNumericValueOutOfRange},
		{types.NewFloat(math.NaN()), types.Int4, "", types.CodeNumericValueOutOfRange},
		{types.NewFloat(1e300), types.Float4, "", types.CodeNumericValueOutOfRange},
		{types.NewInt(3), types.Float8, "3", ""},
		{types.NewFloat(0.1), types.Float4, "0.1", ""},
		{types.NewFloat(1.5), types.Numeric, "1.5", ""},
		{types.NewBool(true), types.Int4, "1", ""},
		{types.NewIntOf(types.Int4, 0), types.Bool, "f", ""},
		{types.NewBool(true), types.Text, "true", ""},
		{types.NewText("yes"), types.Bool, "t", ""},
		{types.NewFloat(1), types.Bool, "", codeCannotCoerce},
		{types.NewInt(5), types.Text, "5", ""},
		{types.NewFloat(0.5), types.Varchar, "0.5", ""},
		{types.NewDate(19792), types.Timestamp, "2024-03-10 00:00:00", ""},
		{types.NewDate(19792), types.TimestampTZ, "2024-03-10 05:00:00+00", ""}, // midnight in New York
		{types.NewTimestamp(1710073800000000), types.Date, "2024-03-10", ""},
		{types.NewTimestampTZ(1710036000000000), types.Date, "2024-03-09", ""},                  // 02:00 UTC is still the 9th in New York
		{types.NewTimestampTZ(1710036000000000), types.Timestamp, "2024-03-09 21:00:00", ""},    // wall clock in New York
		{types.NewTimestamp(1710036000000000), types.TimestampTZ, "2024-03-10 07:00:00+00", ""}, // 02:00 EST is 07:00 UTC
		{types.NewTimestamp(math.MaxInt64), types.Date, "infinity", ""},
		{types.NewText("2024-03-10 12:00:00"), types.Timestamp, "2024-03-10 12:00:00", ""},
		{types.NewText("not a date"), types.Date, "", types.CodeInvalidDatetimeFormat},
		{types.NewText("1 day 2 hours"), types.Interval, "1 day 02:00:00", ""},
		{types.NewText(`{"a": [1, 2]}`), types.JSON, `{"a": [1, 2]}`, ""},
		{types.NewText(`{"a": `), types.JSON, "", types.CodeInvalidTextRepresent},
		{types.NewText(`{"b":1,"a":2}`), types.JSONB, `{"a": 2, "b": 1}`, ""},
		{types.NewJSON(`{"b":1,"a":2}`), types.JSONB, `{"a": 2, "b": 1}`, ""},
		{types.NewJSON(`"x"`), types.Text, `"x"`, ""},
		{types.NewJSONB(`12.5`), types.Float8, "12.5", ""},
		{types.NewJSONB(`12.5`), types.Int4, "13", ""},
		{types.NewJSONB(`true`), types.Bool, "t", ""},
		{types.NewJSONB(`"12"`), types.Int4, "", types.CodeInvalidParameterValue},
		{types.NewInt(1), types.JSON, "", codeCannotCoerce},
		{types.NewText("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), types.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""},
		{types.NewText("{a,b}"), types.TextArray, "{a,b}", ""},
		{types.NewInterval(1, 2, 3_000_000), types.Text, "1 mon 2 days 00:00:03", ""},
		{types.NewInterval(1, 2, 3), types.Int4, "", codeCannotCoerce},
	}
	for _, c := range cases {
		got, err := Cast(ctx, c.in, c.to)
		label := show(c.in) + "::" + c.to.String()
		if c.code != "" {
			if code := types.CodeOf(err); err == nil || code != c.code {
				t.Errorf("%s = %s, %v; want error %s", label, show(got), err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", label, err)
			continue
		}
		if s := show(got); s != c.want {
			t.Errorf("%s = %s, want %s", label, s, c.want)
		}
		if !got.IsNull() && got.Typ != c.to {
			t.Errorf("%s has type %s", label, got.Typ)
		}
	}
}

func TestCastErrorMessages(t *testing.T) {
	_, err := Cast(nil, types.NewText("abc"), types.Int4)
	if e, ok := types.AsError(err); !ok || e.Message != `invalid input syntax for type integer: "abc"` {
		t.Errorf("got %v", err)
	}
	_, err = Cast(nil, types.NewInt(1<<40), types.Int4)
	if e, ok := types.AsError(err); !ok || e.Message != "integer out of range" {
		t.Errorf("got %v", err)
	}
	_, err = Cast(nil, types.NewInt(1<<20), types.Int2)
	if e, ok := types.AsError(err); !ok || e.Message != "smallint out of range" {
		t.Errorf("got %v", err)
	}
}
