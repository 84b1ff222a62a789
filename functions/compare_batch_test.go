package functions

import (
	"math"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// compareSamples are values per family for the comparison loops: equal
// values, prefixes, case and byte-order differences, signed zeros, NaN,
// intervals equal in length but not in fields, and NULL.
func compareSamples(t types.Type) []types.Datum {
	switch t.Family() {
	case types.FamilyInt, types.FamilyBool, types.FamilyDate, types.FamilyTimestamp:
		return []types.Datum{{Typ: t, I: 0}, {Typ: t, I: 1}, {Typ: t, I: -1}, {Typ: t, I: math.MaxInt64}, types.Null}
	case types.FamilyFloat:
		return []types.Datum{
			types.NewFloatOf(t, 0), types.NewFloatOf(t, math.Copysign(0, -1)), types.NewFloatOf(t, 2.5),
			types.NewFloatOf(t, math.Inf(-1)), types.NewFloatOf(t, math.NaN()), types.Null,
		}
	case types.FamilyInterval:
		return []types.Datum{
			types.NewInterval(0, 1, 0), types.NewInterval(0, 0, types.MicrosPerDay), types.NewInterval(1, 0, 0),
			types.NewInterval(0, 0, -1), types.Null,
		}
	}
	var out []types.Datum
	for _, s := range []string{"", "fail", "failed", "Fail", "fa", "é", "e\u0301", "\xff", `{"a":1}`} {
		out = append(out, types.Datum{Typ: t, S: s})
	}
	return append(out, types.Null)
}

// TestCompareBatchMatchesImpl checks every comparison operator's loop
// against its Impl row by row, with the constant on either side.
func TestCompareBatchMatchesImpl(t *testing.T) {
	ctx := &EvalContext{}
	checked := 0
	for _, o := range compareOverloads() {
		if _, ok := compareOperators[o.Name]; !ok {
			continue
		}
		batch := BatchImplOf(o)
		if batch == nil {
			t.Fatalf("%s(%s, %s) has no batch loop", o.Name, o.Args[0], o.Args[1])
		}
		checked++
		samples := compareSamples(o.Args[0])
		for _, x := range samples {
			out := make([]types.Datum, len(samples))
			for _, args := range [][]Column{
				{ConstColumn(x), {Values: samples, Stride: 1}},
				{{Values: samples, Stride: 1}, ConstColumn(x)},
			} {
				if err := batch(ctx, args, len(samples), Column{Values: out, Stride: 1}); err != nil {
					t.Fatalf("%s(%s): %v", o.Name, o.Args[0], err)
				}
				for i := range samples {
					a, b := args[0].At(i), args[1].At(i)
					want, err := rowResult(ctx, o, a, b)
					if err != nil {
						t.Fatalf("%s(%+v, %+v): Impl error %v", o.Name, a, b, err)
					}
					if out[i] != want {
						t.Fatalf("%s(%+v, %+v): batch %+v, Impl %+v", o.Name, a, b, out[i], want)
					}
				}
			}
		}
	}
	if want := len(compareOperators) * len(valueTypes); checked != want {
		t.Fatalf("checked %d comparison overloads, want %d", checked, want)
	}
}

// TestCompareBatchFamilyMismatch checks that values a comparison cannot
// order fail in the loop with Impl's error, not a wrong answer.
func TestCompareBatchFamilyMismatch(t *testing.T) {
	o := fn("<", types.Bool, sig(types.Bool, types.Bool), compareWith(func(c int) bool { return c < 0 }))
	x, y := types.NewBool(true), types.NewString(types.Text, "a")
	_, want := o.Impl(nil, []types.Datum{x, y})
	out := make([]types.Datum, 1)
	err := BatchImplOf(o)(nil, []Column{ConstColumn(x), ConstColumn(y)}, 1, Column{Values: out, Stride: 1})
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Fatalf("batch error %v, Impl error %v", err, want)
	}
}

// TestCompareBatchOfOtherOverloads checks that overloads merely named like
// a comparison, or mixing types, get no comparison loop.
func TestCompareBatchOfOtherOverloads(t *testing.T) {
	for _, o := range []*Overload{
		{Name: "=", Args: sig(types.Int8, types.Float8), Result: types.Bool},
		{Name: "<", Args: sig(types.Text, types.Text), Result: types.Text},
		{Name: "like", Args: sig(types.Text, types.Text), Result: types.Bool},
	} {
		if compareBatchOf(o) != nil {
			t.Errorf("%s(%s, %s) -> %s got a comparison loop", o.Name, o.Args[0], o.Args[1], o.Result)
		}
	}
}
