package functions

import (
	"testing"

	"github.com/novelty-db/novelty/types"
)

func mustResolve(b *testing.B, name string, args ...types.Type) *Overload {
	o, err := Resolve(name, args)
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// BenchmarkArithmetic evaluates a + b * 2 over int4 columns through the
// registered Impls; it must not allocate.
func BenchmarkArithmetic(b *testing.B) {
	mul := mustResolve(b, "*", types.Int4, types.Int4).Impl
	add := mustResolve(b, "+", types.Int4, types.Int4).Impl
	ctx := testContext()
	two := types.NewIntOf(types.Int4, 2)
	args := make([]types.Datum, 2)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, bv := types.NewIntOf(types.Int4, int64(i&1023)), types.NewIntOf(types.Int4, int64(i&511))
		args[0], args[1] = bv, two
		prod, err := mul(ctx, args)
		if err != nil {
			b.Fatal(err)
		}
		args[0], args[1] = a, prod
		if _, err := add(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloatCompare evaluates x * 1.5 > y over float8 columns; it must
// not allocate.
func BenchmarkFloatCompare(b *testing.B) {
	mul := mustResolve(b, "*", types.Float8, types.Float8).Impl
	gt := mustResolve(b, ">", types.Float8, types.Float8).Impl
	ctx := testContext()
	k := types.NewFloat(1.5)
	args := make([]types.Datum, 2)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		args[0], args[1] = types.NewFloat(float64(i&1023)), k
		p, err := mul(ctx, args)
		if err != nil {
			b.Fatal(err)
		}
		args[0], args[1] = p, types.NewFloat(700)
		if _, err := gt(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLowerEquals evaluates lower(s) = 'x'. Already lower-case ASCII
// input makes lower allocation-free; mixed case allocates the new string.
func BenchmarkLowerEquals(b *testing.B) {
	for _, input := range []string{"x", "Alice"} {
		b.Run(input, func(b *testing.B) {
			lower := mustResolve(b, "lower", types.Text).Impl
			eq := mustResolve(b, "=", types.Text, types.Text).Impl
			ctx := testContext()
			s, x := types.NewText(input), types.NewText("x")
			args := make([]types.Datum, 2)
			b.ReportAllocs()
			for b.Loop() {
				args = args[:1]
				args[0] = s
				l, err := lower(ctx, args)
				if err != nil {
					b.Fatal(err)
				}
				args = args[:2]
				args[0], args[1] = l, x
				if _, err := eq(ctx, args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLike evaluates s LIKE '%ice%'.
func BenchmarkLike(b *testing.B) {
	like := mustResolve(b, "like", types.Text, types.Text).Impl
	ctx := testContext()
	args := []types.Datum{types.NewText("alice@example.com"), types.NewText("%ice%")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := like(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegexMatch evaluates s ~ '^a.*com$' with the compiled-pattern cache.
func BenchmarkRegexMatch(b *testing.B) {
	match := mustResolve(b, "~", types.Text, types.Text).Impl
	ctx := testContext()
	args := []types.Datum{types.NewText("alice@example.com"), types.NewText("^a.*com$")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := match(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONGet evaluates d->>'score'.
func BenchmarkJSONGet(b *testing.B) {
	get := mustResolve(b, "->>", types.JSONB, types.Text).Impl
	ctx := testContext()
	args := []types.Datum{types.NewJSONB(`{"mostNovelComponent": {"index": 2}, "score": 0.99}`), types.NewText("score")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := get(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimestampPlusInterval evaluates ts + INTERVAL '1 day'.
func BenchmarkTimestampPlusInterval(b *testing.B) {
	add := mustResolve(b, "+", types.Timestamp, types.Interval).Impl
	ctx := testContext()
	args := []types.Datum{types.NewTimestamp(1710428966535897), types.NewInterval(0, 1, 0)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := add(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	ctx := testContext()
	eval := func(name string, args ...types.Datum) func() {
		argTypes := make([]types.Type, len(args))
		for i, a := range args {
			argTypes[i] = a.Typ
		}
		o, err := Resolve(name, argTypes)
		if err != nil {
			t.Fatal(err)
		}
		return func() {
			if _, err := o.Impl(ctx, args); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := map[string]func(){
		"int4 + int4":        eval("+", types.NewIntOf(types.Int4, 1), types.NewIntOf(types.Int4, 2)),
		"int8 * int8":        eval("*", types.NewInt(3), types.NewInt(4)),
		"float8 / float8":    eval("/", types.NewFloat(3), types.NewFloat(4)),
		"float8 > float8":    eval(">", types.NewFloat(3), types.NewFloat(4)),
		"text = text":        eval("=", types.NewText("a"), types.NewText("b")),
		"lower(lower case)":  eval("lower", types.NewText("alice")),
		"like":               eval("like", types.NewText("alice@example.com"), types.NewText("%ice%")),
		"~":                  eval("~", types.NewText("alice@example.com"), types.NewText("^a.*com$")),
		"jsonb ->> key":      eval("->>", types.NewJSONB(`{"a": {"b": 1}, "score": 0.99}`), types.NewText("score")),
		"json -> index":      eval("->", types.NewJSON(`[1, 2, 3]`), types.NewIntOf(types.Int4, -1)),
		"timestamp + 1 day":  eval("+", types.NewTimestamp(1710428966535897), types.NewInterval(0, 1, 0)),
		"timestamp - ts":     eval("-", types.NewTimestamp(1710428966535897), types.NewTimestamp(0)),
		"date_trunc(hour)":   eval("date_trunc", types.NewText("hour"), types.NewTimestamp(1710428966535897)),
		"date_part(epoch)":   eval("date_part", types.NewText("epoch"), types.NewTimestamp(1710428966535897)),
		"coalesce(int, int)": eval("coalesce", types.Null, types.NewIntOf(types.Int4, 1)),
	}
	for name, f := range cases {
		f() // warm up caches (compiled regexes)
		if allocs := testing.AllocsPerRun(100, f); allocs != 0 {
			t.Errorf("%s: %v allocs per call, want 0", name, allocs)
		}
	}
}
