package exec

import (
	"context"
	"io"
	"math"
	"testing"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// streamExprs are the projections of the 1M-row streaming benchmark
// (BENCHMARKS.md) over an int4 column i:
// i::bigint, 'user-' || i, i::float8 * 0.5,
// '2024-01-01'::timestamp + i::float8 * interval '1 second'.
func streamExprs(t testing.TB) []planner.Expr {
	i := &planner.ColRef{Index: 0, Typ: types.Int4, Name: "i"}
	f8 := func() planner.Expr { return &planner.Cast{Arg: i, To: types.Float8} }
	return []planner.Expr{
		&planner.Cast{Arg: i, To: types.Int8},
		call(t, "||", &planner.Const{Value: types.NewText("user-"), Typ: types.Text}, i),
		call(t, "*", f8(), &planner.Const{Value: types.NewFloat(0.5), Typ: types.Float8}),
		call(t, "+", &planner.Const{Value: types.NewTimestamp(1704067200_000000), Typ: types.Timestamp},
			call(t, "*", f8(), &planner.Const{Value: types.NewInterval(0, 0, 1_000_000), Typ: types.Interval})),
	}
}

func projectPlan(exprs []planner.Expr, input types.Schema) *planner.Project {
	cols := make(types.Schema, len(exprs))
	for i, e := range exprs {
		cols[i] = types.Column{Name: e.String(), Type: e.Type()}
	}
	scan := &planner.Scan{Rel: &planner.Relation{Name: "t", Schema: input}, Mode: planner.ScanTable}
	return &planner.Project{Input: scan, Exprs: exprs, Cols: cols}
}

// runProject builds plan over scan and returns every output row; byRow
// forces row-at-a-time evaluation.
func runProject(t testing.TB, plan *planner.Project, env *Env, byRow bool) ([][]types.Datum, error) {
	op, err := Build(plan, env)
	if err != nil {
		t.Fatal(err)
	}
	if byRow {
		op.(*project).batchExprs = nil
	}
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer op.Close(ctx)
	var rows [][]types.Datum
	b := types.NewBatch(len(plan.Exprs))
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		for i := 0; i < b.Len; i++ {
			rows = append(rows, types.CopyRow(b.Row(i)))
		}
	}
}

func TestProjectBatchMatchesRowByRow(t *testing.T) {
	i4 := types.Schema{{Name: "i", Type: types.Int4}, {Name: "j", Type: types.Int8}, {Name: "s", Type: types.Text}}
	i := &planner.ColRef{Index: 0, Typ: types.Int4, Name: "i"}
	j := &planner.ColRef{Index: 1, Typ: types.Int8, Name: "j"}
	s := &planner.ColRef{Index: 2, Typ: types.Text, Name: "s"}
	zero := &planner.Const{Value: types.NewIntOf(types.Int4, 0), Typ: types.Int4}
	bigMul := &planner.Const{Value: types.NewInt(math.MaxInt64 / 2), Typ: types.Int8}
	rows := [][]types.Datum{
		{types.NewIntOf(types.Int4, 3), types.NewInt(10), types.NewText("a")},
		{types.Null, types.Null, types.Null},
		{types.NewIntOf(types.Int4, 0), types.NewInt(math.MaxInt64), types.NewText("12")},
		{types.NewIntOf(types.Int4, -7), types.NewInt(1 << 40), types.NewText("x")},
	}
	tests := []struct {
		name  string
		exprs []planner.Expr
	}{
		{"stream benchmark", streamExprs(t)},
		{"casts", []planner.Expr{
			&planner.Cast{Arg: j, To: types.Int4}, &planner.Cast{Arg: i, To: types.Numeric},
			&planner.Cast{Arg: j, To: types.Float4}, &planner.Cast{Arg: s, To: types.Int8},
		}},
		{"division by zero", []planner.Expr{call(t, "/", j, &planner.Cast{Arg: i, To: types.Int8}), j}},
		{"overflow", []planner.Expr{call(t, "*", j, bigMul)}},
		{"lazy case", []planner.Expr{&planner.Case{
			Whens: []planner.When{{Cond: call(t, "=", i, zero), Result: zero}},
			Else:  call(t, "/", zero, i), Typ: types.Int4,
		}}},
		{"filter-like logic", []planner.Expr{
			&planner.And{Args: []planner.Expr{call(t, ">", i, zero), &planner.IsNull{Arg: s, Not: true}}},
			&planner.In{Arg: i, List: []planner.Expr{zero, &planner.Const{Typ: types.Int4}}, Eq: call(t, "=", i, zero).Fn},
		}},
		{"concat with null", []planner.Expr{call(t, "||", s, i), call(t, "||", i, s)}},
		{"float arithmetic", []planner.Expr{
			call(t, "/", &planner.Cast{Arg: j, To: types.Float8}, &planner.Cast{Arg: i, To: types.Float8}),
			call(t, "-", &planner.Cast{Arg: i, To: types.Numeric}, &planner.Cast{Arg: j, To: types.Numeric}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := projectPlan(tt.exprs, i4)
			run := func(byRow bool) ([][]types.Datum, []error) {
				scan := &memScan{rows: rows, width: len(i4), batchRows: len(rows), rounds: 2}
				env := newEnv(scan)
				var reported []error
				env.RowErrors = func(err error) { reported = append(reported, err) }
				got, err := runProject(t, plan, env, byRow)
				if err != nil {
					t.Fatal(err)
				}
				return got, reported
			}
			wantRows, wantErrs := run(true)
			gotRows, gotErrs := run(false)
			if len(gotRows) != len(wantRows) {
				t.Fatalf("batch gave %d rows, row by row %d", len(gotRows), len(wantRows))
			}
			for r := range wantRows {
				for c := range wantRows[r] {
					if g, w := gotRows[r][c], wantRows[r][c]; g != w && !(math.IsNaN(g.F) && math.IsNaN(w.F)) {
						t.Fatalf("row %d column %d: batch %+v, row by row %+v", r, c, g, w)
					}
				}
			}
			if len(gotErrs) != len(wantErrs) {
				t.Fatalf("batch reported %v, row by row %v", gotErrs, wantErrs)
			}
			for k := range wantErrs {
				if gotErrs[k].Error() != wantErrs[k].Error() {
					t.Fatalf("error %d: batch %v, row by row %v", k, gotErrs[k], wantErrs[k])
				}
			}
		})
	}
}

func TestProjectWithSideEffectsRunsRowByRow(t *testing.T) {
	i := &planner.ColRef{Index: 0, Typ: types.Int8, Name: "i"}
	seq := &planner.NextSerial{Rel: 1, Column: 0, Typ: types.Int8}
	plan := projectPlan([]planner.Expr{call(t, "/", seq, i)}, types.Schema{{Name: "i", Type: types.Int8}})
	scan := &memScan{rows: [][]types.Datum{{types.NewInt(1)}, {types.NewInt(0)}, {types.NewInt(1)}}, width: 1, batchRows: 3, rounds: 1}
	env := newEnv(scan)
	var next int64
	env.NextSerial = func(uint64, int) (int64, error) { next++; return next, nil }
	env.RowErrors = func(error) {}
	got, err := runProject(t, plan, env, false)
	if err != nil {
		t.Fatal(err)
	}
	// One sequence value per row, the failing row's included, in row order.
	if len(got) != 2 || got[0][0].I != 1 || got[1][0].I != 3 || next != 3 {
		t.Fatalf("got %v after %d sequence values, want [1] [3] after 3", got, next)
	}
}

func TestFilterBatchKeepsTrueRows(t *testing.T) {
	schema := types.Schema{{Name: "b", Type: types.Bool}, {Name: "i", Type: types.Int8}}
	b := &planner.ColRef{Index: 0, Typ: types.Bool, Name: "b"}
	i := &planner.ColRef{Index: 1, Typ: types.Int8, Name: "i"}
	rows := [][]types.Datum{
		{types.NewBool(true), types.NewInt(1)}, {types.Null, types.NewInt(2)}, {types.NewBool(false), types.NewInt(3)},
		{types.NewBool(true), types.NewInt(0)}, {types.NewBool(true), types.NewInt(5)},
	}
	one := &planner.Const{Value: types.NewInt(10), Typ: types.Int8}
	tests := []struct {
		name     string
		pred     planner.Expr
		wantIDs  []int64
		wantErrs int
	}{
		{"column aliasing the batch", b, []int64{1, 0, 5}, 0},
		{"row error falls back", call(t, ">", call(t, "/", one, i), one), nil, 1},
		{"comparison", call(t, ">", i, &planner.Const{Value: types.NewInt(1), Typ: types.Int8}), []int64{2, 3, 5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scan := &memScan{rows: rows, width: 2, batchRows: len(rows), rounds: 1}
			env := newEnv(scan)
			errs := 0
			env.RowErrors = func(error) { errs++ }
			scanNode := &planner.Scan{Rel: &planner.Relation{Name: "t", Schema: schema}, Mode: planner.ScanTable}
			op, err := Build(&planner.Filter{Input: scanNode, Pred: tt.pred}, env)
			if err != nil {
				t.Fatal(err)
			}
			if op.(*filter).batchPred == nil {
				t.Fatal("predicate not compiled for batches")
			}
			ctx := context.Background()
			if err := op.Open(ctx); err != nil {
				t.Fatal(err)
			}
			var got []int64
			out := types.NewBatch(2)
			for op.Next(ctx, out) == nil {
				for r := 0; r < out.Len; r++ {
					got = append(got, out.Row(r)[1].I)
				}
			}
			if len(got) != len(tt.wantIDs) || errs != tt.wantErrs {
				t.Fatalf("kept %v with %d errors, want %v with %d", got, errs, tt.wantIDs, tt.wantErrs)
			}
			for k := range got {
				if got[k] != tt.wantIDs[k] {
					t.Fatalf("kept %v, want %v", got, tt.wantIDs)
				}
			}
		})
	}
}

// BenchmarkProjectStreamExprs evaluates the streaming benchmark's
// projections over batches of int4, a batch at a time and row by row.
func BenchmarkProjectStreamExprs(b *testing.B) {
	input := types.Schema{{Name: "i", Type: types.Int4}}
	rows := make([][]types.Datum, types.BatchSize)
	for i := range rows {
		rows[i] = []types.Datum{types.NewIntOf(types.Int4, int64(i+1))}
	}
	for _, mode := range []struct {
		name  string
		byRow bool
	}{{"batch", false}, {"rows", true}} {
		b.Run(mode.name, func(b *testing.B) {
			scan := &memScan{rows: rows, width: 1, batchRows: types.BatchSize}
			op, err := Build(projectPlan(streamExprs(b), input), newEnv(scan))
			if err != nil {
				b.Fatal(err)
			}
			if mode.byRow {
				op.(*project).batchExprs = nil
			}
			drainBenchmark(b, op, scan, 4)
			b.ReportMetric(b.Elapsed().Seconds()*1e9/(float64(b.N)*float64(len(rows))), "ns/row")
		})
	}
}
