package functions

import (
	"fmt"
	"math"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// aggregate runs name over rows (each row one call's arguments) the way
// exec does: resolve by the argument types, cast, Add each row, Result.
func aggregate(name string, argTypes []types.Type, rows [][]types.Datum) (types.Datum, *Aggregate, error) {
	a, err := ResolveAggregate(name, argTypes)
	if err != nil {
		return types.Null, nil, err
	}
	state := a.New()
	for _, row := range rows {
		cast := make([]types.Datum, len(row))
		for i, d := range row {
			if cast[i], err = Cast(nil, d, a.Args[i]); err != nil {
				return types.Null, a, err
			}
		}
		if err := state.Add(cast); err != nil {
			return types.Null, a, err
		}
	}
	return state.Result(), a, nil
}

// column makes one-argument rows.
func column(values ...types.Datum) [][]types.Datum {
	rows := make([][]types.Datum, len(values))
	for i, v := range values {
		rows[i] = []types.Datum{v}
	}
	return rows
}

func TestAggregates(t *testing.T) {
	n := types.Null
	i4v := func(v int64) types.Datum { return types.NewIntOf(types.Int4, v) }
	text := types.NewText
	cases := []struct {
		name    string
		args    []types.Type
		rows    [][]types.Datum
		want    string
		result  types.Type
		errCode string
	}{
		{"count", nil, [][]types.Datum{{}, {}, {}}, "3", types.Int8, ""},
		{"count", sig(types.Int4), column(i4v(1), n, i4v(3)), "2", types.Int8, ""},
		{"count", sig(types.Text), column(), "0", types.Int8, ""},
		{"sum", sig(types.Int4), column(i4v(1), n, i4v(2)), "3", types.Int8, ""},
		{"sum", sig(types.Int4), column(n), "NULL", types.Int8, ""},
		{"sum", sig(types.Int8), column(types.NewInt(math.MaxInt64), types.NewInt(math.MaxInt64)), "18446744073709552000", types.Numeric, ""}, // numeric is float64
		{"sum", sig(types.Float8), column(types.NewFloat(0.5), types.NewFloat(0.25)), "0.75", types.Float8, ""},
		{"sum", sig(types.Float8), column(types.NewFloat(1e308), types.NewFloat(1e308)), "", types.Float8, types.CodeNumericValueOutOfRange},
		{"sum", sig(types.Interval), column(types.NewInterval(0, 1, 0), types.NewInterval(1, 0, 5_000_000)), "1 mon 1 day 00:00:05", types.Interval, ""},
		{"avg", sig(types.Int4), column(i4v(1), i4v(2), n), "1.5", types.Numeric, ""},
		{"avg", sig(types.Float8), column(types.NewFloat(1), types.NewFloat(4)), "2.5", types.Float8, ""},
		{"avg", sig(types.Interval), column(types.NewInterval(0, 1, 0), types.NewInterval(0, 0, 0)), "12:00:00", types.Interval, ""},
		{"avg", sig(types.Int8), column(n), "NULL", types.Numeric, ""},
		{"min", sig(types.Int4), column(i4v(5), n, i4v(-2), i4v(9)), "-2", types.Int4, ""},
		{"max", sig(types.Text), column(text("pear"), text("apple"), n), "pear", types.Text, ""},
		{"max", sig(types.Timestamp), column(types.NewTimestamp(5), types.NewTimestamp(7)), "1970-01-01 00:00:00.000007", types.Timestamp, ""},
		{"min", sig(types.Unknown), column(text("b"), text("a")), "a", types.Text, ""},
		{"bool_and", sig(types.Bool), column(types.NewBool(true), n, types.NewBool(false)), "f", types.Bool, ""},
		{"bool_or", sig(types.Bool), column(types.NewBool(false), n, types.NewBool(true)), "t", types.Bool, ""},
		{"every", sig(types.Bool), column(n), "NULL", types.Bool, ""},
		{"string_agg", sig(types.Text, types.Text), [][]types.Datum{{text("a"), text(",")}, {n, text(";")}, {text("b"), text("-")}, {text("c"), n}}, "a-bc", types.Text, ""},
		{"string_agg", sig(types.Text, types.Unknown), [][]types.Datum{{n, text(",")}}, "NULL", types.Text, ""},
		{"first_value", sig(types.Int4), column(n, i4v(3), i4v(4)), "3", types.Int4, ""},
		{"last_value", sig(types.Int4), column(i4v(3), i4v(4), n), "4", types.Int4, ""},
		{"approx_count_distinct", sig(types.Int4), column(i4v(1), i4v(2), i4v(1), n), "2", types.Int8, ""},
		{"approx_count_distinct", sig(types.Text), column(), "0", types.Int8, ""},
		{"approx_percentile", sig(types.Int4, types.Float8), [][]types.Datum{{i4v(1), types.NewFloat(0.5)}, {i4v(2), types.NewFloat(0.5)}, {i4v(3), types.NewFloat(0.5)}, {i4v(4), types.NewFloat(0.5)}}, "2.5", types.Float8, ""},
		{"approx_percentile", sig(types.Float8, types.Float8), [][]types.Datum{{types.NewFloat(1), types.NewFloat(1.5)}}, "", types.Float8, types.CodeNumericValueOutOfRange},
		{"approx_percentile", sig(types.Float8, types.Float8), [][]types.Datum{{n, types.NewFloat(0.5)}}, "NULL", types.Float8, ""},
		{"sum", sig(types.Text), nil, "", types.Unknown, types.CodeUndefinedFunction},
		{"lower", sig(types.Text), nil, "", types.Unknown, types.CodeUndefinedFunction},
	}
	for _, c := range cases {
		label := fmt.Sprintf("%s%v", c.name, c.args)
		got, a, err := aggregate(c.name, c.args, c.rows)
		if c.errCode != "" {
			if err == nil || types.CodeOf(err) != c.errCode {
				t.Errorf("%s = %s, %v; want error %s", label, show(got), err, c.errCode)
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
		if rt := a.ResultType(c.args); rt != c.result {
			t.Errorf("%s result type %s, want %s", label, rt, c.result)
		}
		if !got.IsNull() && got.Typ != c.result {
			t.Errorf("%s returned a %s, declared %s", label, got.Typ, c.result)
		}
	}
}

func TestSumInt4OverflowsBigintOnlyPastInt64(t *testing.T) {
	a, err := ResolveAggregate("sum", sig(types.Int8))
	if err != nil {
		t.Fatal(err)
	}
	if a.Result != types.Numeric {
		t.Fatalf("sum(bigint) returns %s", a.Result)
	}
	s := &intSumState{result: types.Int8}
	if err := s.Add([]types.Datum{types.NewInt(math.MaxInt64)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add([]types.Datum{types.NewInt(1)}); types.CodeOf(err) != types.CodeNumericValueOutOfRange {
		t.Errorf("bigint sum overflow: %v", err)
	}
}

func TestIsAggregate(t *testing.T) {
	for name, want := range map[string]bool{"count": true, "COUNT": true, "approx_percentile": true, "lower": false, "now": false} {
		if IsAggregate(name) != want {
			t.Errorf("IsAggregate(%q) = %v", name, !want)
		}
	}
}

func TestApproxCountDistinctAccuracy(t *testing.T) {
	for _, n := range []int{100, 256, 257, 1000, 5000, 20000, 100000, 1000000} {
		s := &hllState{}
		for i := range n {
			// Every value twice, and as int and float: duplicates must not count.
			if err := s.Add([]types.Datum{types.NewInt(int64(i))}); err != nil {
				t.Fatal(err)
			}
			if err := s.Add([]types.Datum{types.NewFloat(float64(i))}); err != nil {
				t.Fatal(err)
			}
		}
		got := s.Result().I
		relErr := math.Abs(float64(got)-float64(n)) / float64(n)
		if n <= hllSparseLimit && got != int64(n) {
			t.Errorf("n=%d: got %d, want exact", n, got)
		}
		if relErr > 0.05 { // 3 standard errors of 1.6%
			t.Errorf("n=%d: estimate %d is %.1f%% off", n, got, 100*relErr)
		}
	}
}

func TestApproxCountDistinctIsDeterministic(t *testing.T) {
	run := func() int64 {
		s := &hllState{}
		for i := range 50000 {
			if err := s.Add([]types.Datum{types.NewText(fmt.Sprintf("user-%d", i))}); err != nil {
				t.Fatal(err)
			}
		}
		return s.Result().I
	}
	if a, b := run(), run(); a != b {
		t.Errorf("two runs estimate %d and %d", a, b)
	}
}

func TestApproxPercentile(t *testing.T) {
	for _, n := range []int{10, 1000, 100_000, 1_000_000} {
		s := &percentileState{}
		// Add 0..n-1 in a scrambled order (7919 is prime, so i*7919 mod n
		// is a permutation), so the exact answer is the rank itself.
		for i := range n {
			if err := s.Add([]types.Datum{types.NewFloat(float64((i * 7919) % n)), types.NewFloat(0.9)}); err != nil {
				t.Fatal(err)
			}
		}
		got := s.Result().F
		exact := 0.9 * float64(n-1)
		tolerance := 0.0
		if n > percentileLevelSize {
			tolerance = 0.01 * float64(n) // 1% of the rank range
		}
		if math.Abs(got-exact) > tolerance+1e-9 {
			t.Errorf("n=%d: 90th percentile %g, exact %g", n, got, exact)
		}
		if again := s.Result().F; again != got {
			t.Errorf("n=%d: second Result %g differs from first %g", n, again, got)
		}
	}
}
