package functions

import (
	"math"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// Column is a view of one value per row of a batch: row i's value is
// Values[i*Stride]. A column of a row-major batch is the batch's Datums
// from the column's index with the batch's width as stride; a constant is
// one value with stride 0. Batch loops read their arguments and write
// their results through Columns.
type Column struct {
	Values []types.Datum
	Stride int
}

// At returns row i's value.
func (c Column) At(i int) types.Datum { return c.Values[i*c.Stride] }

// Ref returns row i's value in place, for loops that read a few fields of
// it without copying the whole Datum.
func (c Column) Ref(i int) *types.Datum { return &c.Values[i*c.Stride] }

// ConstColumn is the column holding v in every row.
func ConstColumn(v types.Datum) Column { return Column{Values: []types.Datum{v}} }

// BatchImpl computes an overload for rows 0..n-1 at once: *out.Ref(i) is
// the overload applied to row i of args. It gives exactly what Impl gives
// row by row, NULL handling included; on an error it stops and returns the
// error of the first failing row, leaving out partly written. out may be a
// column of a row-major batch (stride: its width) and must not overlap
// args.
type BatchImpl func(ctx *EvalContext, args []Column, n int, out Column) error

// BatchImplOf returns a loop specialised for overload o, or nil when o has
// none and callers apply Impl row by row. The loops exist for the
// arithmetic operators of a numeric type with itself, whose per-row work is
// smaller than a call through Impl, and for the text concatenation and
// timestamp/interval operators, which they call without an argument slice,
// and for the comparison operators, the per-row work of filters.
func BatchImplOf(o *Overload) BatchImpl {
	if o.Variadic || o.NullCalls || len(o.Args) != 2 {
		return nil
	}
	if f := binaryOf(o); f != nil {
		return f
	}
	if f := compareBatchOf(o); f != nil {
		return f
	}
	t := o.Args[0]
	if o.Args[1] != t || o.Result != t {
		return nil
	}
	switch t.Family() {
	case types.FamilyInt:
		for _, op := range intOps {
			if op.name == o.Name {
				return intBatch(t, op.op)
			}
		}
	case types.FamilyFloat:
		ops := floatOps
		if t == types.Numeric {
			ops = append(ops[:len(ops):len(ops)], numericOps...)
		}
		for _, op := range ops {
			if op.name == o.Name {
				return floatBatch(t, op.op)
			}
		}
	}
	return nil
}

// compareOutcomes is what a comparison operator gives for each result of
// types.Compare: index 0 for less, 1 for equal, 2 for greater.
type compareOutcomes [3]bool

// holds reports whether the operator holds for the comparison result c
// (negative, zero or positive).
func (o compareOutcomes) holds(c int) bool {
	switch {
	case c < 0:
		return o[0]
	case c == 0:
		return o[1]
	}
	return o[2]
}

// compareOperators are compareOverloads' operators by name.
var compareOperators = map[string]compareOutcomes{
	"=":  {false, true, false},
	"<>": {true, false, true},
	"<":  {true, false, false},
	"<=": {true, true, false},
	">":  {false, false, true},
	">=": {false, true, true},
}

// compareBatchOf returns the loop of a comparison operator of compareOverloads
// (a type with itself, giving bool), or nil for any other overload. Values
// whose family types.Compare orders by their strings are compared here
// directly, without copying them.
func compareBatchOf(o *Overload) BatchImpl {
	outcomes, ok := compareOperators[o.Name]
	t := o.Args[0]
	if !ok || o.Args[1] != t || o.Result != types.Bool {
		return nil
	}
	switch t.Family() {
	case types.FamilyString, types.FamilyBytes, types.FamilyJSON, types.FamilyArray:
		if outcomes == compareOperators["="] || outcomes == compareOperators["<>"] {
			return stringEqualBatch(outcomes[1])
		}
		return stringCompareBatch(outcomes)
	}
	return compareBatch(outcomes)
}

// stringEqualBatch is = (equal true) or <> (equal false) over string
// values: NULL in either argument gives NULL.
func stringEqualBatch(equal bool) BatchImpl {
	return func(_ *EvalContext, args []Column, n int, out Column) error {
		xs, ys := args[0], args[1]
		for i := 0; i < n; i++ {
			x, y := xs.Ref(i), ys.Ref(i)
			if x.IsNull() || y.IsNull() {
				*out.Ref(i) = types.Null
				continue
			}
			*out.Ref(i) = types.NewBool((x.S == y.S) == equal)
		}
		return nil
	}
}

// stringCompareBatch is an ordering operator over string values: NULL in
// either argument gives NULL.
func stringCompareBatch(outcomes compareOutcomes) BatchImpl {
	return func(_ *EvalContext, args []Column, n int, out Column) error {
		xs, ys := args[0], args[1]
		for i := 0; i < n; i++ {
			x, y := xs.Ref(i), ys.Ref(i)
			if x.IsNull() || y.IsNull() {
				*out.Ref(i) = types.Null
				continue
			}
			*out.Ref(i) = types.NewBool(outcomes.holds(strings.Compare(x.S, y.S)))
		}
		return nil
	}
}

// compareBatch is a comparison operator over values of any other family,
// ordered by types.Compare as compareWith orders them: NULL in either
// argument gives NULL.
func compareBatch(outcomes compareOutcomes) BatchImpl {
	return func(_ *EvalContext, args []Column, n int, out Column) error {
		xs, ys := args[0], args[1]
		for i := 0; i < n; i++ {
			x, y := xs.Ref(i), ys.Ref(i)
			if x.IsNull() || y.IsNull() {
				*out.Ref(i) = types.Null
				continue
			}
			c, err := compare(*x, *y)
			if err != nil {
				return err
			}
			*out.Ref(i) = types.NewBool(outcomes.holds(c))
		}
		return nil
	}
}

// floatBatch is floatOp over a batch: NULL in either argument gives NULL.
func floatBatch(t types.Type, op func(a, b float64) (float64, error)) BatchImpl {
	return func(_ *EvalContext, args []Column, n int, out Column) error {
		xs, ys := args[0], args[1]
		for i := 0; i < n; i++ {
			x, y := xs.Ref(i), ys.Ref(i)
			if x.IsNull() || y.IsNull() {
				*out.Ref(i) = types.Null
				continue
			}
			r, err := op(x.F, y.F)
			if err != nil {
				return err
			}
			if *out.Ref(i), err = floatResult(t, r, math.IsInf(x.F, 0) || math.IsInf(y.F, 0)); err != nil {
				return err
			}
		}
		return nil
	}
}

// intBatch is intOp over a batch: NULL in either argument gives NULL.
func intBatch(t types.Type, op func(a, b int64) (int64, bool, error)) BatchImpl {
	lo, hi := intRange(t)
	return func(_ *EvalContext, args []Column, n int, out Column) error {
		xs, ys := args[0], args[1]
		for i := 0; i < n; i++ {
			x, y := xs.Ref(i), ys.Ref(i)
			if x.IsNull() || y.IsNull() {
				*out.Ref(i) = types.Null
				continue
			}
			r, ok, err := op(x.I, y.I)
			if err != nil {
				return err
			}
			if !ok || r < lo || r > hi {
				return outOfRange(t)
			}
			*out.Ref(i) = types.Datum{Typ: t, I: r}
		}
		return nil
	}
}

// binaryOf returns the batch loop of the text concatenation and
// timestamp/interval operators: each calls the function the overload's
// Impl calls, directly, without an argument slice.
func binaryOf(o *Overload) BatchImpl {
	x, y := o.Args[0], o.Args[1]
	switch {
	case o.Name == "||" && o.Result == types.Text:
		return concatBatch
	case o.Name == "*" && o.Result == types.Interval && x == types.Float8 && y == types.Interval:
		return scaleIntervalBatch(0)
	case o.Name == "*" && o.Result == types.Interval && x == types.Interval && y == types.Float8:
		return scaleIntervalBatch(1)
	case (o.Name == "+" || o.Name == "-") && (x == types.Timestamp || x == types.TimestampTZ) && y == types.Interval && o.Result == x:
		sign := int32(1)
		if o.Name == "-" {
			sign = -1
		}
		return addIntervalBatch(sign)
	}
	return nil
}

// concatBatch is concatOperator over a batch.
func concatBatch(ctx *EvalContext, args []Column, n int, out Column) error {
	xs, ys := args[0], args[1]
	for i := 0; i < n; i++ {
		x, y := xs.Ref(i), ys.Ref(i)
		if x.IsNull() || y.IsNull() {
			*out.Ref(i) = types.Null
			continue
		}
		*out.Ref(i) = concatPair(ctx, x, y)
	}
	return nil
}

// scaleIntervalBatch is interval * float8 over a batch, the interval being
// argument 1-factor.
func scaleIntervalBatch(factor int) BatchImpl {
	return func(_ *EvalContext, args []Column, n int, out Column) error {
		fs, ivs := args[factor], args[1-factor]
		for i := 0; i < n; i++ {
			f, iv := fs.Ref(i), ivs.Ref(i)
			if f.IsNull() || iv.IsNull() {
				*out.Ref(i) = types.Null
				continue
			}
			d, err := scaleInterval(*iv, f.F)
			if err != nil {
				return err
			}
			*out.Ref(i) = d
		}
		return nil
	}
}

// addIntervalBatch is timestamp + interval (sign -1: minus) over a batch.
func addIntervalBatch(sign int32) BatchImpl {
	return func(ctx *EvalContext, args []Column, n int, out Column) error {
		tss, ivs := args[0], args[1]
		for i := 0; i < n; i++ {
			ts, iv := tss.Ref(i), ivs.Ref(i)
			if ts.IsNull() || iv.IsNull() {
				*out.Ref(i) = types.Null
				continue
			}
			d, err := addInterval(ctx, *ts, *iv, sign)
			if err != nil {
				return err
			}
			*out.Ref(i) = d
		}
		return nil
	}
}
