package functions

import (
	"math"

	"github.com/novelty-db/novelty/types"
)

// Cast converts d to type to with the semantics of an explicit SQL cast
// (x::type, CAST(x AS type)); the planner also uses it for the implicit
// coercions Resolve asks for. NULL casts to NULL. Errors are *types.Error
// with Postgres' SQLSTATE and message.
func Cast(ctx *EvalContext, d types.Datum, to types.Type) (types.Datum, error) {
	from := d.Typ
	switch {
	case d.IsNull():
		return types.Null, nil
	case from == to || to == types.Unknown:
		return d, nil
	case to == types.Text || to == types.Varchar:
		return types.NewString(to, castToText(ctx, d)), nil
	case from.Family() == types.FamilyString && from != types.UUID:
		return types.ParseText(to, d.S, location(ctx))
	}
	switch to.Family() {
	case types.FamilyInt:
		return castToInt(d, to)
	case types.FamilyFloat:
		return castToFloat(d, to)
	case types.FamilyBool:
		if from.Family() == types.FamilyInt && from != types.Int2 {
			return types.NewBool(d.I != 0), nil
		}
		if from.Family() == types.FamilyJSON {
			return castFromJSON(ctx, d, to)
		}
	case types.FamilyTimestamp, types.FamilyDate:
		if r, ok := castDateTime(ctx, d, to); ok {
			return r, nil
		}
	case types.FamilyJSON:
		if from.Family() == types.FamilyJSON {
			return finishJSON(to, []byte(d.S))
		}
	}
	return types.Null, cannotCast(from, to)
}

func cannotCast(from, to types.Type) error {
	return types.Errorf(codeCannotCoerce, "cannot cast type %s to %s", from, to)
}

// castToText is the text a value casts to: its output form, except that
// booleans spell out true and false as Postgres' bool-to-text cast does.
func castToText(ctx *EvalContext, d types.Datum) string {
	switch d.Typ.Family() {
	case types.FamilyString, types.FamilyJSON, types.FamilyArray:
		return d.S
	case types.FamilyBool:
		if d.Bool() {
			return "true"
		}
		return "false"
	}
	return string(appendValueText(ctx, nil, d))
}

func castToInt(d types.Datum, to types.Type) (types.Datum, error) {
	lo, hi := intRange(to)
	switch d.Typ.Family() {
	case types.FamilyInt:
		if d.I < lo || d.I > hi {
			return types.Null, outOfRange(to)
		}
		return types.NewIntOf(to, d.I), nil
	case types.FamilyBool:
		if to == types.Int2 {
			break
		}
		return types.NewIntOf(to, d.I), nil
	case types.FamilyFloat:
		return floatToInt(d, to, lo, hi)
	case types.FamilyJSON:
		return castFromJSON(nil, d, to)
	}
	return types.Null, cannotCast(d.Typ, to)
}

// floatToInt rounds to the nearest integer: halves go to even for the
// floats (rint) and away from zero for numeric, as in Postgres.
func floatToInt(d types.Datum, to types.Type, lo, hi int64) (types.Datum, error) {
	f := d.F
	if math.IsNaN(f) && d.Typ == types.Numeric {
		return types.Null, types.Errorf(types.CodeFeatureNotSupported, "cannot convert NaN to %s", to)
	}
	if d.Typ == types.Numeric {
		f = math.Round(f)
	} else {
		f = math.RoundToEven(f)
	}
	// float64(hi) may round up past hi for bigint, hence the strict bound.
	if math.IsNaN(f) || f < float64(lo) || f >= float64(hi)+1 {
		return types.Null, outOfRange(to)
	}
	return types.NewIntOf(to, int64(f)), nil
}

func castToFloat(d types.Datum, to types.Type) (types.Datum, error) {
	var f float64
	switch d.Typ.Family() {
	case types.FamilyInt:
		f = float64(d.I)
	case types.FamilyFloat:
		f = d.F
	case types.FamilyJSON:
		return castFromJSON(nil, d, to)
	default:
		return types.Null, cannotCast(d.Typ, to)
	}
	if to == types.Float4 {
		narrowed := float64(float32(f))
		switch {
		case math.IsInf(narrowed, 0) && !math.IsInf(f, 0):
			return types.Null, outOfRange(to)
		case narrowed == 0 && f != 0:
			return types.Null, errFloatUnderflow()
		}
		f = narrowed
	}
	return types.NewFloatOf(to, f), nil
}

// castDateTime converts among date, timestamp and timestamptz: a date is
// its midnight; timestamptz meets the others on the session zone's clock.
func castDateTime(ctx *EvalContext, d types.Datum, to types.Type) (types.Datum, bool) {
	loc := location(ctx)
	var local int64 // the value as wall-clock microseconds
	switch d.Typ {
	case types.Date:
		local = dateToTimestamp(d).I
	case types.Timestamp:
		local = d.I
	case types.TimestampTZ:
		local = localMicros(d.I, loc)
	default:
		return types.Null, false
	}
	switch to {
	case types.Date:
		if isInfinite(local) {
			return types.NewDate(local), true
		}
		return types.NewDate(floorDiv(local, types.MicrosPerDay)), true
	case types.Timestamp:
		return types.NewTimestamp(local), true
	}
	return types.NewTimestampTZ(instantOf(local, loc)), true
}

// castFromJSON converts a JSON scalar to a boolean or number as Postgres'
// jsonb casts do.
func castFromJSON(ctx *EvalContext, d types.Datum, to types.Type) (types.Datum, error) {
	v := trimJSON(d.S)
	kind := jsonKind(v)
	want := byte('0')
	if to == types.Bool {
		want = 'b'
	}
	if kind != want {
		return types.Null, types.Errorf(types.CodeInvalidParameterValue, "cannot cast %s %s to type %s", d.Typ, jsonKindName(kind), to)
	}
	if to == types.Bool {
		return types.NewBool(v == "true"), nil
	}
	n, err := types.ParseText(types.Numeric, v, location(ctx))
	if err != nil {
		return types.Null, err
	}
	return Cast(ctx, n, to)
}

func jsonKindName(kind byte) string {
	switch kind {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 'b':
		return "boolean"
	case 'n':
		return "null"
	}
	return "numeric"
}

// CastLoop casts rows 0..n-1 of a column: *out.Ref(i) = Cast(ctx,
// in.At(i), to). On an error it stops and returns the first failing row's
// error. out must not overlap in.
type CastLoop func(ctx *EvalContext, in Column, n int, out Column) error

// CastBatch returns the loop casting a column whose values are of type from
// (the expression's static type) to type to. The conversions between
// numbers that need no parsing get a loop of their own, chosen here once; a
// value of another type than from, and every other conversion, goes
// through Cast.
func CastBatch(from, to types.Type) CastLoop {
	switch {
	case from == to || to == types.Unknown:
		return func(ctx *EvalContext, in Column, n int, out Column) error {
			for i := 0; i < n; i++ {
				if d := in.Ref(i); d.Typ == from {
					*out.Ref(i) = *d
				} else if err := castInto(ctx, *d, to, out.Ref(i)); err != nil {
					return err
				}
			}
			return nil
		}
	case from.Family() == types.FamilyInt && to.Family() == types.FamilyInt:
		lo, hi := intRange(to)
		return func(ctx *EvalContext, in Column, n int, out Column) error {
			for i := 0; i < n; i++ {
				d := in.Ref(i)
				switch {
				case d.Typ != from:
					if err := castInto(ctx, *d, to, out.Ref(i)); err != nil {
						return err
					}
				case d.I < lo || d.I > hi:
					return outOfRange(to)
				default:
					*out.Ref(i) = types.Datum{Typ: to, I: d.I}
				}
			}
			return nil
		}
	case (from.Family() == types.FamilyInt || from.Family() == types.FamilyFloat) &&
		(to == types.Float8 || to == types.Numeric):
		fromInt := from.Family() == types.FamilyInt
		return func(ctx *EvalContext, in Column, n int, out Column) error {
			for i := 0; i < n; i++ {
				d := in.Ref(i)
				switch {
				case d.Typ != from:
					if err := castInto(ctx, *d, to, out.Ref(i)); err != nil {
						return err
					}
				case fromInt:
					*out.Ref(i) = types.Datum{Typ: to, F: float64(d.I)}
				default:
					*out.Ref(i) = types.Datum{Typ: to, F: d.F}
				}
			}
			return nil
		}
	}
	return func(ctx *EvalContext, in Column, n int, out Column) error {
		for i := 0; i < n; i++ {
			if err := castInto(ctx, in.At(i), to, out.Ref(i)); err != nil {
				return err
			}
		}
		return nil
	}
}

// castInto stores Cast(ctx, d, to) in *out.
func castInto(ctx *EvalContext, d types.Datum, to types.Type, out *types.Datum) error {
	r, err := Cast(ctx, d, to)
	if err != nil {
		return err
	}
	*out = r
	return nil
}
