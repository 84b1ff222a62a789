package functions

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// rowGen makes one row of an aggregate's arguments, of its exact types.
type rowGen func(r *rand.Rand) []types.Datum

// orNull returns NULL one time in five, else v.
func orNull(r *rand.Rand, v types.Datum) types.Datum {
	if r.IntN(5) == 0 {
		return types.Null
	}
	return v
}

// addRows returns a fresh state of a with rows added one by one.
func addRows(t *testing.T, a *Aggregate, rows [][]types.Datum) AggState {
	t.Helper()
	s := a.New()
	for _, row := range rows {
		if err := s.Add(row); err != nil {
			t.Fatalf("Add(%v): %v", row, err)
		}
	}
	return s
}

// splitRows cuts rows into parts (1 to 4, some possibly empty) at random points.
func splitRows(r *rand.Rand, rows [][]types.Datum) [][][]types.Datum {
	cuts := []int{0}
	for range r.IntN(4) {
		cuts = append(cuts, r.IntN(len(rows)+1))
	}
	cuts = append(cuts, len(rows))
	for i := 1; i < len(cuts); i++ {
		cuts[i] = max(cuts[i], cuts[i-1])
	}
	parts := make([][][]types.Datum, len(cuts)-1)
	for i := range parts {
		parts[i] = rows[cuts[i]:cuts[i+1]]
	}
	return parts
}

// mergeParts adds each part to its own state and merges them in order.
// Every state is cloned first and the clone merged, adding to the
// original afterwards, to check that clones are independent.
func mergeParts(t *testing.T, a *Aggregate, parts [][][]types.Datum, extra []types.Datum) AggState {
	t.Helper()
	var merged AggState
	for _, part := range parts {
		s := addRows(t, a, part)
		before := s.Result()
		c := s.Clone()
		if err := s.Add(extra); err != nil {
			t.Fatal(err)
		}
		if got := c.Result(); got != before {
			t.Fatalf("adding to a state changed its clone: %s, was %s", show(got), show(before))
		}
		if merged == nil {
			merged = c
			continue
		}
		if err := merged.Merge(c); err != nil {
			t.Fatalf("Merge: %v", err)
		}
	}
	return merged
}

// TestMergeEqualsAddingEverything: for random rows cut into random parts,
// merging the parts' states gives exactly the state of adding all rows.
func TestMergeEqualsAddingEverything(t *testing.T) {
	i2g := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewIntOf(types.Int2, r.Int64N(200)-100))}
	}
	i4g := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewIntOf(types.Int4, r.Int64N(2_000_000)-1_000_000))}
	}
	i8g := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewInt(r.Int64N(1<<50)-1<<49))}
	}
	// Multiples of 1/4 below 2^40: every partial sum is exact in float64.
	quarters := func(t types.Type) rowGen {
		return func(r *rand.Rand) []types.Datum {
			return []types.Datum{orNull(r, types.NewFloatOf(t, float64(r.Int64N(1<<42)-1<<41)/4))}
		}
	}
	f4g := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewFloatOf(types.Float4, float64(r.Int64N(4096)-2048)/8))}
	}
	ivg := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewInterval(int32(r.IntN(25)), int32(r.IntN(61)-30), r.Int64N(1<<40)-1<<39))}
	}
	boolg := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewBool(r.IntN(4) != 0))}
	}
	words := []string{"", "a", "bb", "ccc", "apple", "pear", "zz"}
	textg := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewText(words[r.IntN(len(words))]))}
	}
	stringAggG := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewText(words[r.IntN(len(words))])), orNull(r, types.NewText([]string{",", ";", " - "}[r.IntN(3)]))}
	}
	tsg := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewTimestamp(r.Int64N(1<<45)))}
	}
	// Few distinct values: mostly ties.
	tieg := func(r *rand.Rand) []types.Datum {
		return []types.Datum{orNull(r, types.NewFloatOf(types.Numeric, float64(r.IntN(3))))}
	}
	cases := []struct {
		name string
		args []types.Type
		gen  rowGen
	}{
		{"count", nil, func(*rand.Rand) []types.Datum { return nil }},
		{"count", sig(types.Int4), i4g},
		{"sum", sig(types.Int2), i2g},
		{"sum", sig(types.Int4), i4g},
		{"sum", sig(types.Int8), i8g},
		{"sum", sig(types.Float8), quarters(types.Float8)},
		{"sum", sig(types.Numeric), quarters(types.Numeric)},
		{"sum", sig(types.Float4), f4g},
		{"sum", sig(types.Interval), ivg},
		{"avg", sig(types.Int2), i2g},
		{"avg", sig(types.Int4), i4g},
		{"avg", sig(types.Int8), i8g},
		{"avg", sig(types.Float8), quarters(types.Float8)},
		{"avg", sig(types.Numeric), quarters(types.Numeric)},
		{"avg", sig(types.Interval), ivg},
		{"bool_and", sig(types.Bool), boolg},
		{"every", sig(types.Bool), boolg},
		{"bool_or", sig(types.Bool), boolg},
		{"string_agg", sig(types.Text, types.Text), stringAggG},
		{"min", sig(types.Int4), i4g},
		{"max", sig(types.Int4), i4g},
		{"min", sig(types.Text), textg},
		{"max", sig(types.Text), textg},
		{"min", sig(types.Timestamp), tsg},
		{"max", sig(types.Numeric), tieg},
		{"first_value", sig(types.Int4), i4g},
		{"last_value", sig(types.Int4), i4g},
		{"first_value", sig(types.Text), textg},
		{"last_value", sig(types.Text), textg},
		{"approx_count_distinct", sig(types.Int4), i4g},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%v", c.name, c.args), func(t *testing.T) {
			a, err := ResolveAggregate(c.name, c.args)
			if err != nil {
				t.Fatal(err)
			}
			for iter := range 300 {
				rows := make([][]types.Datum, r.IntN(40))
				for i := range rows {
					rows[i] = c.gen(r)
				}
				want := addRows(t, a, rows).Result()
				parts := splitRows(r, rows)
				got := mergeParts(t, a, parts, c.gen(r)).Result()
				if got != want {
					t.Fatalf("iteration %d, parts of %v rows: merged %s (%+v), added %s (%+v)",
						iter, partSizes(parts), show(got), got, show(want), want)
				}
			}
		})
	}
}

func partSizes(parts [][][]types.Datum) []int {
	sizes := make([]int, len(parts))
	for i, p := range parts {
		sizes[i] = len(p)
	}
	return sizes
}

func TestMergeOverflow(t *testing.T) {
	cases := []struct {
		name        string
		left, right AggState
		want        string // the receiver's result afterwards
		errCode     string
	}{
		{"bigint sum", &intSumState{result: types.Int8, n: 1, sum: math.MaxInt64}, &intSumState{result: types.Int8, n: 1, sum: 1},
			"9223372036854775807", types.CodeNumericValueOutOfRange},
		{"numeric sum of bigints goes on in float64", &intSumState{result: types.Numeric, n: 1, sum: math.MaxInt64}, &intSumState{result: types.Numeric, n: 1, sum: math.MaxInt64},
			"18446744073709552000", ""},
		{"double sum", &floatSumState{result: types.Float8, n: 1, sum: 1e308}, &floatSumState{result: types.Float8, n: 1, sum: 1e308},
			"1e+308", types.CodeNumericValueOutOfRange},
		{"interval sum", &intervalSumState{n: 1, micros: math.MaxInt64}, &intervalSumState{n: 1, micros: 1},
			"2562047788:00:54.775807", types.CodeNumericValueOutOfRange},
		{"a state of another aggregate", &countState{n: 2}, &boolState{},
			"2", types.CodeInternalError},
	}
	for _, c := range cases {
		err := c.left.Merge(c.right)
		if (c.errCode == "") != (err == nil) || err != nil && types.CodeOf(err) != c.errCode {
			t.Errorf("%s: Merge error %v, want SQLSTATE %q", c.name, err, c.errCode)
		}
		if got := show(c.left.Result()); got != c.want {
			t.Errorf("%s: result %s after Merge, want %s", c.name, got, c.want)
		}
	}
}
