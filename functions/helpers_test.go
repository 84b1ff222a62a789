package functions

import (
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

// arg is a call argument: a value and the type the planner knows it by
// (Unknown for an untyped literal or NULL).
type arg struct {
	d   types.Datum
	typ types.Type
}

func typed(d types.Datum) arg { return arg{d, d.Typ} }
func i2(v int64) arg          { return typed(types.NewIntOf(types.Int2, v)) }
func i4(v int64) arg          { return typed(types.NewIntOf(types.Int4, v)) }
func i8(v int64) arg          { return typed(types.NewInt(v)) }
func f8(v float64) arg        { return typed(types.NewFloat(v)) }
func num(v float64) arg       { return typed(types.NewFloatOf(types.Numeric, v)) }
func txt(s string) arg        { return typed(types.NewText(s)) }
func boolean(b bool) arg      { return typed(types.NewBool(b)) }
func null(t types.Type) arg   { return arg{types.Null, t} }

// lit is an untyped string literal, as in 'abc'.
func lit(s string) arg { return arg{types.NewText(s), types.Unknown} }

// parsed is a typed value read from its text form.
func parsed(t types.Type, s string) arg {
	d, err := types.ParseText(t, s, time.UTC)
	if err != nil {
		panic(err)
	}
	return typed(d)
}

func testContext() *EvalContext {
	return &EvalContext{Now: time.Date(2024, 3, 10, 12, 30, 45, 123456000, time.UTC), Location: time.UTC}
}

// call evaluates name(args) as the planner and executor would: resolve,
// cast each argument to its parameter type, apply strictness, call Impl.
func call(ctx *EvalContext, name string, args ...arg) (types.Datum, error) {
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.typ
	}
	o, err := Resolve(name, argTypes)
	if err != nil {
		return types.Null, err
	}
	values := make([]types.Datum, len(args))
	for i, a := range args {
		p := o.Args[min(i, len(o.Args)-1)]
		values[i] = a.d
		if a.typ != p {
			if values[i], err = Cast(ctx, a.d, p); err != nil {
				return types.Null, err
			}
		}
		if values[i].IsNull() && !o.NullCalls {
			return types.Null, nil
		}
	}
	return o.Impl(ctx, values)
}

// show prints a result as psql would, with NULL spelled out.
func show(d types.Datum) string {
	if d.IsNull() {
		return "NULL"
	}
	return string(types.AppendText(nil, d, time.UTC))
}

// evalCase is one row of a table-driven function test: the result's text
// and type, or the SQLSTATE of the expected error.
type evalCase struct {
	name string
	args []arg
	want string
	typ  types.Type // checked unless Unknown
	code string
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	ctx := testContext()
	for _, c := range cases {
		got, err := call(ctx, c.name, c.args...)
		label := c.name + describe(c.args)
		if c.code != "" {
			if err == nil {
				t.Errorf("%s = %s, want error %s", label, show(got), c.code)
			} else if code := types.CodeOf(err); code != c.code {
				t.Errorf("%s: error %q has code %s, want %s", label, err, code, c.code)
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
		if c.typ != types.Unknown && !got.IsNull() && got.Typ != c.typ {
			t.Errorf("%s has type %s, want %s", label, got.Typ, c.typ)
		}
	}
}

func describe(args []arg) string {
	s := "("
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		s += show(a.d) + "::" + a.typ.String()
	}
	return s + ")"
}
