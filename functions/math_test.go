package functions

import (
	"math"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestArithmetic(t *testing.T) {
	const (
		rangeErr = types.CodeNumericValueOutOfRange
		divZero  = types.CodeDivisionByZero
	)
	runCases(t, []evalCase{
		{name: "+", args: []arg{i4(2), i4(3)}, want: "5", typ: types.Int4},
		{name: "+", args: []arg{i2(2), i4(3)}, want: "5", typ: types.Int4},
		{name: "+", args: []arg{i4(2), i8(3)}, want: "5", typ: types.Int8},
		{name: "+", args: []arg{i4(2), f8(0.5)}, want: "2.5", typ: types.Float8},
		{name: "+", args: []arg{i4(2), num(0.5)}, want: "2.5", typ: types.Numeric},
		{name: "+", args: []arg{i4(2), lit("40")}, want: "42", typ: types.Int4},
		{name: "+", args: []arg{i4(2), null(types.Unknown)}, want: "NULL"},
		{name: "+", args: []arg{i4(math.MaxInt32), i4(1)}, code: rangeErr},
		{name: "+", args: []arg{i2(math.MaxInt16), i2(1)}, code: rangeErr},
		{name: "+", args: []arg{i8(math.MaxInt64), i8(1)}, code: rangeErr},
		{name: "-", args: []arg{i8(math.MinInt64), i8(1)}, code: rangeErr},
		{name: "-", args: []arg{i4(2), i4(5)}, want: "-3"},
		{name: "*", args: []arg{i4(6), i4(7)}, want: "42"},
		{name: "*", args: []arg{i8(math.MaxInt64 / 2), i8(3)}, code: rangeErr},
		{name: "*", args: []arg{i8(math.MinInt64), i8(-1)}, code: rangeErr},
		{name: "*", args: []arg{i4(65536), i4(65536)}, code: rangeErr},
		{name: "/", args: []arg{i4(7), i4(2)}, want: "3", typ: types.Int4},
		{name: "/", args: []arg{i4(-7), i4(2)}, want: "-3"},
		{name: "/", args: []arg{i4(7), i4(0)}, code: divZero},
		{name: "/", args: []arg{i4(math.MinInt32), i4(-1)}, code: rangeErr},
		{name: "/", args: []arg{f8(7), f8(2)}, want: "3.5"},
		{name: "/", args: []arg{f8(1), f8(0)}, code: divZero},
		{name: "/", args: []arg{num(7), i4(2)}, want: "3.5", typ: types.Numeric},
		{name: "%", args: []arg{i4(-7), i4(3)}, want: "-1"},
		{name: "%", args: []arg{i8(math.MinInt64), i8(-1)}, want: "0"},
		{name: "%", args: []arg{i4(7), i4(0)}, code: divZero},
		{name: "%", args: []arg{num(7.5), num(2)}, want: "1.5"},
		{name: "*", args: []arg{f8(1e308), f8(10)}, code: rangeErr},
		{name: "unary -", args: []arg{i4(5)}, want: "-5"},
		{name: "unary -", args: []arg{i8(math.MinInt64)}, code: rangeErr},
		{name: "unary -", args: []arg{f8(1.5)}, want: "-1.5"},
	})
}

func TestMathFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{name: "abs", args: []arg{i4(-5)}, want: "5", typ: types.Int4},
		{name: "abs", args: []arg{i8(math.MinInt64)}, code: types.CodeNumericValueOutOfRange},
		{name: "abs", args: []arg{f8(-1.5)}, want: "1.5", typ: types.Float8},
		{name: "abs", args: []arg{null(types.Int4)}, want: "NULL"},
		{name: "ceil", args: []arg{f8(1.2)}, want: "2"},
		{name: "ceiling", args: []arg{num(-1.2)}, want: "-1", typ: types.Numeric},
		{name: "ceil", args: []arg{i4(3)}, want: "3", typ: types.Float8}, // float8 is preferred, as in Postgres
		{name: "floor", args: []arg{f8(-1.2)}, want: "-2"},
		{name: "round", args: []arg{f8(2.5)}, want: "2"},  // rint: half to even
		{name: "round", args: []arg{num(2.5)}, want: "3"}, // numeric: half away from zero
		{name: "round", args: []arg{num(-2.5)}, want: "-3"},
		{name: "round", args: []arg{num(2.675), i4(2)}, want: "2.68"},
		{name: "round", args: []arg{f8(2.675), i4(2)}, want: "2.68"},
		{name: "round", args: []arg{num(1234.5), i4(-2)}, want: "1200"},
		{name: "round", args: []arg{num(99.96), i4(1)}, want: "100"},
		{name: "round", args: []arg{num(5), i4(-1)}, want: "10"},
		{name: "round", args: []arg{num(-0.4), i4(0)}, want: "0"},
		{name: "trunc", args: []arg{num(2.679), i4(2)}, want: "2.67"},
		{name: "trunc", args: []arg{f8(-2.7)}, want: "-2"},
		{name: "sqrt", args: []arg{f8(16)}, want: "4"},
		{name: "sqrt", args: []arg{f8(-1)}, code: codeInvalidPowerArgument},
		{name: "power", args: []arg{f8(2), f8(10)}, want: "1024"},
		{name: "pow", args: []arg{i4(2), i4(3)}, want: "8", typ: types.Float8},
		{name: "power", args: []arg{f8(0), f8(-1)}, code: codeInvalidPowerArgument},
		{name: "power", args: []arg{f8(-8), f8(0.5)}, code: codeInvalidPowerArgument},
		{name: "exp", args: []arg{f8(0)}, want: "1"},
		{name: "exp", args: []arg{f8(1000)}, code: types.CodeNumericValueOutOfRange},
		{name: "ln", args: []arg{f8(1)}, want: "0"},
		{name: "ln", args: []arg{f8(0)}, code: codeInvalidLogArgument},
		{name: "ln", args: []arg{f8(-1)}, code: codeInvalidLogArgument},
		{name: "log", args: []arg{f8(1000)}, want: "3"},
		{name: "log", args: []arg{num(2), num(8)}, want: "3"},
		{name: "log", args: []arg{num(1), num(8)}, code: types.CodeDivisionByZero},
		{name: "mod", args: []arg{i4(10), i4(3)}, want: "1", typ: types.Int4},
		{name: "mod", args: []arg{i4(10), i4(0)}, code: types.CodeDivisionByZero},
		{name: "sign", args: []arg{f8(-3)}, want: "-1"},
		{name: "sign", args: []arg{num(0)}, want: "0"},
		{name: "greatest", args: []arg{i4(1), i4(7), null(types.Int4), i4(3)}, want: "7", typ: types.Int4},
		{name: "greatest", args: []arg{i4(1), f8(2.5)}, want: "2.5", typ: types.Float8},
		{name: "least", args: []arg{txt("b"), lit("a"), txt("c")}, want: "a", typ: types.Text},
		{name: "least", args: []arg{null(types.Int4), null(types.Int4)}, want: "NULL"},
		{name: "coalesce", args: []arg{null(types.Int4), i4(2), i4(3)}, want: "2", typ: types.Int4},
		{name: "coalesce", args: []arg{null(types.Unknown), lit("x")}, want: "x", typ: types.Text},
		{name: "coalesce", args: []arg{null(types.Int4), i8(5)}, want: "5", typ: types.Int8},
		{name: "nullif", args: []arg{i4(1), i4(1)}, want: "NULL"},
		{name: "nullif", args: []arg{i4(1), i4(2)}, want: "1"},
		{name: "nullif", args: []arg{i4(1), null(types.Int4)}, want: "1"},
	})
}

func TestRandomIsVolatileAndInRange(t *testing.T) {
	o, err := Resolve("random", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Volatile {
		t.Error("random() is not volatile")
	}
	for range 100 {
		d, err := o.Impl(testContext(), nil)
		if err != nil || d.F < 0 || d.F >= 1 {
			t.Fatalf("random() = %v, %v", d.F, err)
		}
	}
}

func TestBooleanConnectives(t *testing.T) {
	tr, fa, nu := boolean(true), boolean(false), null(types.Bool)
	runCases(t, []evalCase{
		{name: "and", args: []arg{tr, tr}, want: "t"},
		{name: "and", args: []arg{tr, nu}, want: "NULL"},
		{name: "and", args: []arg{nu, fa}, want: "f"},
		{name: "or", args: []arg{nu, tr}, want: "t"},
		{name: "or", args: []arg{fa, nu}, want: "NULL"},
		{name: "or", args: []arg{fa, fa}, want: "f"},
		{name: "not", args: []arg{tr}, want: "f"},
		{name: "not", args: []arg{nu}, want: "NULL"},
	})
}
