package functions

import (
	"math"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

// batchSamples are argument values per type: ordinary values, edge values
// that make operators fail (zero divisors, overflow, infinities) and NULL.
func batchSamples(t types.Type) []types.Datum {
	switch t.Family() {
	case types.FamilyInt:
		lo, hi := intRange(t)
		return []types.Datum{
			types.NewIntOf(t, 0), types.NewIntOf(t, 7), types.NewIntOf(t, -3), types.NewIntOf(t, -1),
			types.NewIntOf(t, lo), types.NewIntOf(t, hi), types.Null,
		}
	case types.FamilyFloat:
		big, tiny := 1e300, 1e-300
		if t == types.Float4 {
			big, tiny = 1e38, 1e-38
		}
		return []types.Datum{
			types.NewFloatOf(t, 0), types.NewFloatOf(t, 2.5), types.NewFloatOf(t, -big), types.NewFloatOf(t, tiny),
			types.NewFloatOf(t, math.Inf(1)), types.NewFloatOf(t, math.NaN()), types.Null,
		}
	case types.FamilyString:
		return []types.Datum{types.NewString(t, ""), types.NewString(t, "user-"), types.Null}
	case types.FamilyTimestamp:
		return []types.Datum{
			{Typ: t, I: 1704067200_000000}, {Typ: t, I: math.MaxInt64}, {Typ: t, I: math.MaxInt64 - 10}, {Typ: t, I: -1}, types.Null,
		}
	case types.FamilyInterval:
		return []types.Datum{
			types.NewInterval(0, 0, 1_000_000), types.NewInterval(1, 2, -3), types.NewInterval(0, 0, math.MaxInt64),
			types.NewInterval(math.MaxInt32, 0, 0), types.Null,
		}
	}
	return []types.Datum{types.Null}
}

func TestBatchImplMatchesImpl(t *testing.T) {
	ctx := &EvalContext{Location: time.FixedZone("x", 3600)}
	checked := 0
	for _, list := range scalars {
		for _, o := range list {
			argTypes := append([]types.Type(nil), o.Args...)
			for i, a := range argTypes {
				if a == anyType {
					argTypes[i] = types.Int4
				}
			}
			resolved := *o
			resolved.Args = argTypes
			batch := BatchImplOf(&resolved)
			if batch == nil {
				continue
			}
			checked++
			xs, ys := batchSamples(argTypes[0]), batchSamples(argTypes[1])
			for _, x := range xs {
				for _, y := range ys {
					want, wantErr := rowResult(ctx, o, x, y)
					out := make([]types.Datum, 3)
					// Output strided like a column of a width-1 batch.
					err := batch(ctx, []Column{ConstColumn(x), {Values: []types.Datum{y, y, y}, Stride: 1}}, len(out), Column{Values: out, Stride: 1})
					if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
						t.Fatalf("%s(%+v, %+v): batch error %v, Impl error %v", o.Name, x, y, err, wantErr)
					}
					if err != nil {
						continue
					}
					for _, got := range out {
						if got != want && !(math.IsNaN(got.F) && math.IsNaN(want.F) && got.Typ == want.Typ) {
							t.Fatalf("%s(%+v, %+v): batch %+v, Impl %+v", o.Name, x, y, got, want)
						}
					}
				}
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d overloads have batch loops", checked)
	}
}

// rowResult is what a strict overload gives for two arguments row by row.
func rowResult(ctx *EvalContext, o *Overload, x, y types.Datum) (types.Datum, error) {
	if x.IsNull() || y.IsNull() {
		return types.Null, nil
	}
	return o.Impl(ctx, []types.Datum{x, y})
}

func TestCastBatchMatchesCast(t *testing.T) {
	ctx := &EvalContext{Location: time.UTC}
	from := []types.Type{types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Numeric, types.Text}
	to := append(from, types.Unknown, types.Bool, types.Timestamp)
	for _, f := range from {
		values := batchSamples(f)
		// A value of another type than the static one takes Cast's path.
		values = append(values, types.NewText("12"), types.NewFloat(3.5), types.NewIntOf(types.Int8, math.MaxInt64))
		for _, tt := range to {
			loop := CastBatch(f, tt)
			for _, v := range values {
				want, wantErr := Cast(ctx, v, tt)
				// Two rows into the second column of a width-3 batch.
				out := make([]types.Datum, 6)
				err := loop(ctx, ConstColumn(v), 2, Column{Values: out[1:], Stride: 3})
				if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
					t.Fatalf("%s -> %s of %+v: batch error %v, Cast error %v", f, tt, v, err, wantErr)
				}
				if err == nil && out[4] != want && !(math.IsNaN(out[4].F) && math.IsNaN(want.F)) {
					t.Fatalf("%s -> %s of %+v: batch %+v, Cast %+v", f, tt, v, out[4], want)
				}
				if out[0] != types.Null || out[2] != types.Null || out[3] != types.Null {
					t.Fatalf("%s -> %s wrote outside its column: %+v", f, tt, out)
				}
			}
		}
	}
}
