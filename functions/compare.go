package functions

import (
	"fmt"

	"github.com/novelty-db/novelty/types"
)

// compareOverloads registers the comparison operators for every type, the
// conditional functions that pick among same-typed values (coalesce,
// nullif, greatest, least) and the boolean connectives.
func compareOverloads() []*Overload {
	var out []*Overload
	for _, t := range valueTypes {
		out = append(out,
			fn("=", types.Bool, sig(t, t), compareWith(func(c int) bool { return c == 0 })),
			fn("<>", types.Bool, sig(t, t), compareWith(func(c int) bool { return c != 0 })),
			fn("<", types.Bool, sig(t, t), compareWith(func(c int) bool { return c < 0 })),
			fn("<=", types.Bool, sig(t, t), compareWith(func(c int) bool { return c <= 0 })),
			fn(">", types.Bool, sig(t, t), compareWith(func(c int) bool { return c > 0 })),
			fn(">=", types.Bool, sig(t, t), compareWith(func(c int) bool { return c >= 0 })),
			&Overload{Name: "coalesce", Args: sig(t, t), Variadic: true, Result: t, NullCalls: true, Impl: coalesce},
			&Overload{Name: "nullif", Args: sig(t, t), Result: t, NullCalls: true, Impl: nullif},
			&Overload{Name: "greatest", Args: sig(t, t), Variadic: true, Result: t, NullCalls: true, Impl: extreme(1)},
			&Overload{Name: "least", Args: sig(t, t), Variadic: true, Result: t, NullCalls: true, Impl: extreme(-1)},
		)
	}
	out = append(out,
		&Overload{Name: "and", Args: sig(types.Bool, types.Bool), Result: types.Bool, NullCalls: true, Impl: and},
		&Overload{Name: "or", Args: sig(types.Bool, types.Bool), Result: types.Bool, NullCalls: true, Impl: or},
		fn("not", types.Bool, sig(types.Bool), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.NewBool(!a[0].Bool()), nil
		}),
	)
	return out
}

// compareWith returns a comparison operator deciding on types.Compare's result.
func compareWith(holds func(c int) bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		c, err := compare(a[0], a[1])
		if err != nil {
			return types.Null, err
		}
		return types.NewBool(holds(c)), nil
	}
}

// compare orders two non-NULL values of one family.
func compare(a, b types.Datum) (int, error) {
	c, ok := types.Compare(a, b)
	if !ok {
		return 0, fmt.Errorf("functions: cannot compare %s with %s", a.Typ, b.Typ)
	}
	return c, nil
}

func coalesce(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	for _, d := range a {
		if !d.IsNull() {
			return d, nil
		}
	}
	return types.Null, nil
}

func nullif(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	if a[0].IsNull() || a[1].IsNull() {
		return a[0], nil
	}
	c, err := compare(a[0], a[1])
	if err != nil || c == 0 {
		return types.Null, err
	}
	return a[0], nil
}

// extreme returns greatest (sign 1) or least (sign -1): NULLs are ignored,
// and the result is NULL only when every argument is.
func extreme(sign int) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		best := types.Null
		for _, d := range a {
			if d.IsNull() {
				continue
			}
			if best.IsNull() {
				best = d
				continue
			}
			c, err := compare(d, best)
			if err != nil {
				return types.Null, err
			}
			if c*sign > 0 {
				best = d
			}
		}
		return best, nil
	}
}

// and is SQL's three-valued AND: false wins over NULL.
func and(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	l, r := a[0], a[1]
	switch {
	case !l.IsNull() && !l.Bool(), !r.IsNull() && !r.Bool():
		return types.NewBool(false), nil
	case l.IsNull() || r.IsNull():
		return types.Null, nil
	}
	return types.NewBool(true), nil
}

// or is SQL's three-valued OR: true wins over NULL.
func or(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	l, r := a[0], a[1]
	switch {
	case !l.IsNull() && l.Bool(), !r.IsNull() && r.Bool():
		return types.NewBool(true), nil
	case l.IsNull() || r.IsNull():
		return types.Null, nil
	}
	return types.NewBool(false), nil
}
