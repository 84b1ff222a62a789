package functions

import (
	"math"
	"math/rand/v2"

	"github.com/novelty-db/novelty/types"
)

// mathOverloads registers arithmetic operators and numeric functions.
// Integer operators keep their type and report overflow as Postgres does;
// numeric shares float64 storage with the floats (see types.Numeric).
func mathOverloads() []*Overload {
	var out []*Overload
	for _, t := range intTypes {
		for _, op := range intOps {
			out = append(out, fn(op.name, t, sig(t, t), intOp(t, op.op)))
		}
		out = append(out,
			fn("unary -", t, sig(t), intUnary(t, func(v int64) (int64, bool) { return -v, v != math.MinInt64 })),
			fn("unary +", t, sig(t), intUnary(t, func(v int64) (int64, bool) { return v, true })),
			fn("abs", t, sig(t), intUnary(t, absInt)),
		)
	}
	for _, t := range floatTypes {
		for _, op := range floatOps {
			out = append(out, fn(op.name, t, sig(t, t), floatOp(t, op.op)))
		}
		out = append(out,
			fn("unary -", t, sig(t), floatFunc(t, func(v float64) (float64, error) { return -v, nil })),
			fn("unary +", t, sig(t), floatFunc(t, func(v float64) (float64, error) { return v, nil })),
			fn("abs", t, sig(t), floatFunc(t, func(v float64) (float64, error) { return math.Abs(v), nil })),
		)
	}
	for _, t := range []types.Type{types.Float8, types.Numeric} {
		roundHalf := math.RoundToEven // float8 rounds like rint()
		if t == types.Numeric {
			roundHalf = math.Round // numeric rounds half away from zero
		}
		out = append(out,
			fn("ceil", t, sig(t), floatFunc(t, plain(math.Ceil))),
			fn("ceiling", t, sig(t), floatFunc(t, plain(math.Ceil))),
			fn("floor", t, sig(t), floatFunc(t, plain(math.Floor))),
			fn("round", t, sig(t), floatFunc(t, plain(roundHalf))),
			fn("round", t, sig(t, types.Int4), roundDigits(t, false)),
			fn("trunc", t, sig(t), floatFunc(t, plain(math.Trunc))),
			fn("trunc", t, sig(t, types.Int4), roundDigits(t, true)),
			fn("sign", t, sig(t), floatFunc(t, plain(sign))),
			fn("sqrt", t, sig(t), floatFunc(t, sqrt)),
			fn("exp", t, sig(t), floatFunc(t, exp)),
			fn("ln", t, sig(t), floatFunc(t, logOf(math.Log))),
			fn("log", t, sig(t), floatFunc(t, logOf(math.Log10))),
			fn("log10", t, sig(t), floatFunc(t, logOf(math.Log10))),
			fn("log", t, sig(t, t), floatOp(t, logBase)),
			fn("power", t, sig(t, t), floatOp(t, power)),
			fn("pow", t, sig(t, t), floatOp(t, power)),
		)
	}
	for _, op := range numericOps {
		out = append(out, fn(op.name, types.Numeric, sig(types.Numeric, types.Numeric), floatOp(types.Numeric, op.op)))
	}
	out = append(out,
		fn("pi", types.Float8, sig(), func(*EvalContext, []types.Datum) (types.Datum, error) {
			return types.NewFloat(math.Pi), nil
		}),
		&Overload{Name: "random", Result: types.Float8, Volatile: true, Impl: func(*EvalContext, []types.Datum) (types.Datum, error) {
			return types.NewFloat(rand.Float64()), nil
		}},
	)
	return out
}

// The binary arithmetic operators of one numeric type with itself, from
// which both the overloads and their batch loops (BatchImplOf) are built.
var (
	intOps = []intOperator{
		{"+", addInt}, {"-", subInt}, {"*", mulInt}, {"/", divInt}, {"%", modInt}, {"mod", modInt},
	}
	floatOps = []floatOperator{
		{"+", addFloat}, {"-", subFloat}, {"*", mulFloat}, {"/", divFloat},
	}
	// numericOps are numeric's operators beyond floatOps.
	numericOps = []floatOperator{{"%", modFloat}, {"mod", modFloat}}
)

// intOperator is an int64 operation reporting overflow (see intOp).
type intOperator struct {
	name string
	op   func(a, b int64) (int64, bool, error)
}

// floatOperator is a float64 operation (see floatOp).
type floatOperator struct {
	name string
	op   func(a, b float64) (float64, error)
}

// intRange is the range of integer type t.
func intRange(t types.Type) (lo, hi int64) {
	switch t {
	case types.Int2:
		return math.MinInt16, math.MaxInt16
	case types.Int4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// intOp lifts an int64 operation to type t. The operation reports int64
// overflow; intOp checks the narrower types' ranges.
func intOp(t types.Type, op func(a, b int64) (int64, bool, error)) Impl {
	lo, hi := intRange(t)
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		r, ok, err := op(a[0].I, a[1].I)
		if err != nil {
			return types.Null, err
		}
		if !ok || r < lo || r > hi {
			return types.Null, outOfRange(t)
		}
		return types.Datum{Typ: t, I: r}, nil
	}
}

func intUnary(t types.Type, op func(v int64) (int64, bool)) Impl {
	lo, hi := intRange(t)
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		r, ok := op(a[0].I)
		if !ok || r < lo || r > hi {
			return types.Null, outOfRange(t)
		}
		return types.Datum{Typ: t, I: r}, nil
	}
}

func addInt(a, b int64) (int64, bool, error) {
	r := a + b
	return r, (r > a) == (b > 0), nil
}

func subInt(a, b int64) (int64, bool, error) {
	r := a - b
	return r, (r < a) == (b > 0), nil
}

func mulInt(a, b int64) (int64, bool, error) {
	r := a * b
	if a == 0 || b == 0 {
		return 0, true, nil
	}
	return r, r/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64), nil
}

func divInt(a, b int64) (int64, bool, error) {
	if b == 0 {
		return 0, false, errDivisionByZero()
	}
	return a / b, !(a == math.MinInt64 && b == -1), nil
}

// modInt follows C (and Postgres): the result has the dividend's sign.
func modInt(a, b int64) (int64, bool, error) {
	if b == 0 {
		return 0, false, errDivisionByZero()
	}
	if b == -1 {
		return 0, true, nil
	}
	return a % b, true, nil
}

func absInt(v int64) (int64, bool) {
	if v < 0 {
		return -v, v != math.MinInt64
	}
	return v, true
}

// floatOp lifts a float64 operation to float type t: float4 results are
// rounded to single precision, and an infinite result from finite inputs
// is Postgres' overflow error.
func floatOp(t types.Type, op func(a, b float64) (float64, error)) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		x, y := a[0].F, a[1].F
		r, err := op(x, y)
		if err != nil {
			return types.Null, err
		}
		return floatResult(t, r, math.IsInf(x, 0) || math.IsInf(y, 0))
	}
}

// floatFunc lifts a float64 function to float type t, like floatOp.
func floatFunc(t types.Type, f func(v float64) (float64, error)) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		r, err := f(a[0].F)
		if err != nil {
			return types.Null, err
		}
		return floatResult(t, r, math.IsInf(a[0].F, 0))
	}
}

func floatResult(t types.Type, r float64, infiniteInput bool) (types.Datum, error) {
	if t == types.Float4 {
		r = float64(float32(r))
	}
	if math.IsInf(r, 0) && !infiniteInput {
		return types.Null, outOfRange(t)
	}
	return types.Datum{Typ: t, F: r}, nil
}

// plain adapts a function that cannot fail.
func plain(f func(float64) float64) func(float64) (float64, error) {
	return func(v float64) (float64, error) { return f(v), nil }
}

func addFloat(a, b float64) (float64, error) { return a + b, nil }

func subFloat(a, b float64) (float64, error) { return a - b, nil }

func mulFloat(a, b float64) (float64, error) {
	r := a * b
	if r == 0 && a != 0 && b != 0 {
		return 0, errFloatUnderflow()
	}
	return r, nil
}

func divFloat(a, b float64) (float64, error) {
	if b == 0 {
		return 0, errDivisionByZero()
	}
	r := a / b
	if r == 0 && a != 0 && !math.IsInf(b, 0) {
		return 0, errFloatUnderflow()
	}
	return r, nil
}

func modFloat(a, b float64) (float64, error) {
	if b == 0 {
		return 0, errDivisionByZero()
	}
	return math.Mod(a, b), nil
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v // 0 or NaN
}

func sqrt(v float64) (float64, error) {
	if v < 0 {
		return 0, types.Errorf(codeInvalidPowerArgument, "cannot take square root of a negative number")
	}
	return math.Sqrt(v), nil
}

func exp(v float64) (float64, error) {
	r := math.Exp(v)
	if r == 0 && !math.IsInf(v, -1) {
		return 0, errFloatUnderflow()
	}
	return r, nil
}

// logOf checks a logarithm's argument as Postgres does.
func logOf(f func(float64) float64) func(float64) (float64, error) {
	return func(v float64) (float64, error) {
		if err := checkLogArgument(v); err != nil {
			return 0, err
		}
		return f(v), nil
	}
}

func checkLogArgument(v float64) error {
	switch {
	case v == 0:
		return types.Errorf(codeInvalidLogArgument, "cannot take logarithm of zero")
	case v < 0:
		return types.Errorf(codeInvalidLogArgument, "cannot take logarithm of a negative number")
	}
	return nil
}

func logBase(base, v float64) (float64, error) {
	if err := checkLogArgument(base); err != nil {
		return 0, err
	}
	if err := checkLogArgument(v); err != nil {
		return 0, err
	}
	if base == 1 {
		return 0, errDivisionByZero()
	}
	return math.Log(v) / math.Log(base), nil
}

func power(x, y float64) (float64, error) {
	switch {
	case x == 0 && y < 0:
		return 0, types.Errorf(codeInvalidPowerArgument, "zero raised to a negative power is undefined")
	case x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0):
		return 0, types.Errorf(codeInvalidPowerArgument, "a negative number raised to a non-integer power yields a complex result")
	}
	r := math.Pow(x, y)
	if r == 0 && x != 0 && !math.IsInf(y, 0) && !math.IsInf(x, 0) {
		return 0, errFloatUnderflow()
	}
	return r, nil
}
