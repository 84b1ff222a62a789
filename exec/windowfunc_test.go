package exec

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// wfColumns are the input of the window function tests: a partition key,
// an ordering value (nullable) and a value to aggregate.
var wfColumns = types.Schema{{Name: "g", Type: types.Int8}, {Name: "k", Type: types.Int8}, {Name: "v", Type: types.Int8}}

func wfCol(i int) *planner.ColRef {
	return &planner.ColRef{Index: i, Typ: wfColumns[i].Type, Name: wfColumns[i].Name}
}

func wfInt(v int64) *planner.Const { return &planner.Const{Value: types.NewInt(v), Typ: types.Int8} }

func wfRows(rows [][3]any) [][]types.Datum {
	out := make([][]types.Datum, len(rows))
	for i, r := range rows {
		out[i] = make([]types.Datum, 3)
		for j, v := range r {
			if v != nil {
				out[i][j] = types.NewInt(int64(v.(int)))
			}
		}
	}
	return out
}

// wfFn is a call of a window function proper.
func wfFn(t testing.TB, name string, frame planner.WindowFrame, args ...planner.Expr) planner.WindowCall {
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	fn, err := functions.ResolveWindowFunction(name, argTypes)
	if err != nil {
		t.Fatal(err)
	}
	return planner.WindowCall{Fn: fn, Args: args, Frame: frame, Typ: fn.ResultType(argTypes), Name: name}
}

// wfAgg is an aggregate called with OVER.
func wfAgg(t testing.TB, name string, frame planner.WindowFrame, args ...planner.Expr) planner.WindowCall {
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	agg, err := functions.ResolveAggregate(name, argTypes)
	if err != nil {
		t.Fatal(err)
	}
	return planner.WindowCall{Agg: agg, Args: args, Frame: frame, Typ: agg.ResultType(argTypes), Name: name}
}

func wfNode(input planner.Node, partition []planner.Expr, order []planner.WindowOrderKey, calls ...planner.WindowCall) *planner.WindowFunctions {
	cols := append(types.Schema(nil), input.Schema()...)
	for _, c := range calls {
		cols = append(cols, types.Column{Name: c.Name, Type: c.Typ, Nullable: true})
	}
	return &planner.WindowFunctions{Input: input, Partition: partition, Order: order, Calls: calls, Cols: cols}
}

func wfScanNode() planner.Node {
	return &planner.Scan{Rel: &planner.Relation{Name: "t", Schema: wfColumns}, Mode: planner.ScanTable}
}

// runWindowFunctions runs n over rows (fed batchRows at a time) and
// renders each output row as space-separated text.
func runWindowFunctions(t *testing.T, n planner.Node, rows [][]types.Datum, batchRows int, params ...types.Datum) ([]string, error) {
	t.Helper()
	scan := &memScan{rows: rows, width: len(wfColumns), batchRows: batchRows, rounds: 1}
	env := newEnv(scan)
	env.Params = params
	op, err := Build(n, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer op.Close(ctx)
	var out []string
	b := types.NewBatch(0)
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for i := 0; i < b.Len; i++ {
			parts := make([]string, b.Width)
			for j, d := range b.Row(i) {
				parts[j] = "NULL"
				if !d.IsNull() {
					parts[j] = string(types.AppendText(nil, d, nil))
				}
			}
			out = append(out, strings.Join(parts, " "))
		}
	}
}

func rowsFrame(start, end planner.FrameBound) planner.WindowFrame {
	return planner.WindowFrame{Unit: planner.FrameRows, Start: start, End: end}
}

func TestWindowFunctionsRanksAndRunningSums(t *testing.T) {
	// g, k, v: two partitions, peers on k, a NULL k (last ascending).
	input := wfRows([][3]any{
		{2, 5, 1}, {1, 20, 4}, {1, 10, 1}, {1, nil, 8}, {1, 20, 2}, {2, 5, 3}, {1, 30, 16},
	})
	order := []planner.WindowOrderKey{{Expr: wfCol(1)}}
	n := wfNode(wfScanNode(), []planner.Expr{wfCol(0)}, order,
		wfFn(t, "row_number", planner.DefaultFrame),
		wfFn(t, "rank", planner.DefaultFrame),
		wfFn(t, "dense_rank", planner.DefaultFrame),
		wfAgg(t, "sum", planner.DefaultFrame, wfCol(2)),
		wfAgg(t, "count", planner.DefaultFrame),
		wfFn(t, "lag", planner.DefaultFrame, wfCol(2)),
	)
	want := []string{
		"1 10 1 1 1 1 1 1 NULL",
		"1 20 4 2 2 2 7 3 1",
		"1 20 2 3 2 2 7 3 4",
		"1 30 16 4 4 3 23 4 2",
		"1 NULL 8 5 5 4 31 5 16",
		"2 5 1 1 1 1 4 2 NULL",
		"2 5 3 2 1 1 4 2 1",
	}
	for _, batchRows := range []int{1, 3, 100} {
		got, err := runWindowFunctions(t, n, input, batchRows)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("batches of %d:\ngot  %q\nwant %q", batchRows, got, want)
		}
	}
}

func TestWindowFunctionsDescendingNullsFirst(t *testing.T) {
	input := wfRows([][3]any{{1, 1, 1}, {1, nil, 2}, {1, 3, 4}})
	order := []planner.WindowOrderKey{{Expr: wfCol(1), Desc: true, NullsFirst: true}}
	n := wfNode(wfScanNode(), nil, order, wfFn(t, "row_number", planner.DefaultFrame), wfAgg(t, "sum", planner.DefaultFrame, wfCol(2)))
	got, err := runWindowFunctions(t, n, input, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1 NULL 2 1 2", "1 3 4 2 6", "1 1 1 3 7"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestWindowFunctionsFramesMatchDefinition compares frame aggregates and
// frame value functions on random data with a direct reading of the frame
// definitions.
func TestWindowFunctionsFramesMatchDefinition(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var input [][3]any
	for i := 0; i < 60; i++ {
		var k any = rng.Intn(12)
		if rng.Intn(8) == 0 {
			k = nil
		}
		input = append(input, [3]any{rng.Intn(3), k, rng.Intn(100)})
	}
	bound := func(kind planner.FrameBoundKind, size int64) planner.FrameBound {
		b := planner.FrameBound{Kind: kind}
		if kind == planner.OffsetPreceding || kind == planner.OffsetFollowing {
			b.Offset = wfInt(size)
		}
		return b
	}
	frames := []struct{ start, end planner.FrameBound }{
		{bound(planner.UnboundedPreceding, 0), bound(planner.CurrentRow, 0)},
		{bound(planner.OffsetPreceding, 2), bound(planner.OffsetFollowing, 1)},
		{bound(planner.OffsetPreceding, 3), bound(planner.OffsetPreceding, 1)},
		{bound(planner.CurrentRow, 0), bound(planner.UnboundedFollowing, 0)},
		{bound(planner.OffsetFollowing, 1), bound(planner.OffsetFollowing, 4)},
		{bound(planner.UnboundedPreceding, 0), bound(planner.OffsetFollowing, 2)},
		{bound(planner.OffsetPreceding, 0), bound(planner.OffsetFollowing, 0)},
	}
	for _, desc := range []bool{false, true} {
		for _, unit := range []planner.FrameUnit{planner.FrameRows, planner.FrameRange} {
			for _, f := range frames {
				frame := planner.WindowFrame{Unit: unit, Start: f.start, End: f.end}
				if unit == planner.FrameRange {
					frame.Start = rangeBound(t, f.start, desc)
					frame.End = rangeBound(t, f.end, desc)
				}
				name := fmt.Sprintf("%s desc=%v", frame, desc)
				t.Run(name, func(t *testing.T) {
					order := []planner.WindowOrderKey{{Expr: wfCol(1), Desc: desc, NullsFirst: desc}}
					if unit == planner.FrameRows {
						// ROWS frames need a total order to be deterministic.
						order = append(order, planner.WindowOrderKey{Expr: wfCol(2), Desc: desc, NullsFirst: desc})
					}
					n := wfNode(wfScanNode(), []planner.Expr{wfCol(0)}, order,
						wfAgg(t, "sum", frame, wfCol(2)),
						wfAgg(t, "count", frame),
						wfFn(t, "first_value", frame, wfCol(2)),
						wfFn(t, "nth_value", frame, wfCol(2), &planner.Const{Value: types.NewIntOf(types.Int4, 2), Typ: types.Int4}),
					)
					got, err := runWindowFunctions(t, n, wfRows(input), 7)
					if err != nil {
						t.Fatal(err)
					}
					want := framesByDefinition(wfRows(input), frame, desc)
					if !slices.Equal(got, want) {
						t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
					}
				})
			}
		}
	}
}

// rangeBound gives a RANGE offset bound its value expression, as the
// planner does: k minus or plus the offset.
func rangeBound(t *testing.T, b planner.FrameBound, desc bool) planner.FrameBound {
	if b.Offset == nil {
		return b
	}
	op := "-"
	if (b.Kind == planner.OffsetPreceding) == desc {
		op = "+"
	}
	b.Value = call(t, op, wfCol(1), b.Offset)
	return b
}

// framesByDefinition computes sum, count, first_value and nth_value(2)
// over each row's frame straight from the definitions, in window order.
func framesByDefinition(input [][]types.Datum, frame planner.WindowFrame, desc bool) []string {
	sorted := slices.Clone(input)
	slices.SortStableFunc(sorted, func(x, y []types.Datum) int {
		if c := int(x[0].I - y[0].I); c != 0 {
			return c
		}
		if c := sortOrder(x[1], y[1], desc); c != 0 || frame.Unit == planner.FrameRange {
			return c
		}
		return sortOrder(x[2], y[2], desc)
	})
	var out []string
	for i, row := range sorted {
		var members []int
		for j, other := range sorted {
			if other[0].I == row[0].I && inFrame(frame, i, j, row[1], other[1], desc) {
				members = append(members, j)
			}
		}
		sum, first, second := "NULL", "NULL", "NULL"
		if len(members) > 0 {
			total := int64(0)
			for _, j := range members {
				total += sorted[j][2].I
			}
			sum, first = fmt.Sprint(total), fmt.Sprint(sorted[members[0]][2].I)
		}
		if len(members) > 1 {
			second = fmt.Sprint(sorted[members[1]][2].I)
		}
		k := "NULL"
		if !row[1].IsNull() {
			k = fmt.Sprint(row[1].I)
		}
		out = append(out, fmt.Sprintf("%d %s %d %s %d %s %s", row[0].I, k, row[2].I, sum, len(members), first, second))
	}
	return out
}

// sortOrder compares two values in window order: NULL is the largest
// value, and desc reverses the order.
func sortOrder(a, b types.Datum, desc bool) int {
	c := 0
	switch an, bn := a.IsNull(), b.IsNull(); {
	case an && bn:
	case an:
		c = 1
	case bn:
		c = -1
	case a.I < b.I:
		c = -1
	case a.I > b.I:
		c = 1
	}
	if desc {
		return -c
	}
	return c
}

func offsetOf(b planner.FrameBound) int64 {
	if b.Offset == nil {
		return 0
	}
	return b.Offset.(*planner.Const).Value.I
}

// inFrame reports whether sorted row j (ORDER BY value other) is in the
// frame of sorted row i (value key) of the same partition.
func inFrame(frame planner.WindowFrame, i, j int, key, other types.Datum, desc bool) bool {
	if frame.Unit == planner.FrameRows {
		pos := func(b planner.FrameBound) int64 {
			switch b.Kind {
			case planner.UnboundedPreceding:
				return -1 << 40
			case planner.UnboundedFollowing:
				return 1 << 40
			case planner.OffsetPreceding:
				return int64(i) - offsetOf(b)
			case planner.OffsetFollowing:
				return int64(i) + offsetOf(b)
			}
			return int64(i)
		}
		return int64(j) >= pos(frame.Start) && int64(j) <= pos(frame.End)
	}
	// RANGE: a bound is the current row's peers when it is CURRENT ROW or
	// the current value is NULL; otherwise values within the offset, with
	// NULLs (largest) outside every offset.
	within := func(b planner.FrameBound, isStart bool) bool {
		switch {
		case b.Kind == planner.UnboundedPreceding || b.Kind == planner.UnboundedFollowing:
			return true
		case b.Kind == planner.CurrentRow || key.IsNull():
			c := sortOrder(other, key, desc)
			return isStart && c >= 0 || !isStart && c <= 0
		case other.IsNull():
			return isStart != desc
		}
		d := other.I - key.I
		if desc {
			d = -d
		}
		limit := offsetOf(b)
		if b.Kind == planner.OffsetPreceding {
			limit = -limit
		}
		if isStart {
			return d >= limit
		}
		return d <= limit
	}
	return within(frame.Start, true) && within(frame.End, false)
}

// countingAgg is sum(int8) that counts the rows it is given.
type countingAgg struct {
	inner functions.AggState
	adds  *int
}

func (c *countingAgg) Add(args []types.Datum) error { *c.adds++; return c.inner.Add(args) }
func (c *countingAgg) Result() types.Datum          { return c.inner.Result() }
func (c *countingAgg) Merge(o functions.AggState) error {
	return c.inner.Merge(o.(*countingAgg).inner)
}
func (c *countingAgg) Clone() functions.AggState {
	return &countingAgg{inner: c.inner.Clone(), adds: c.adds}
}

func TestWindowFunctionsGrowingFrameAddsEachRowOnce(t *testing.T) {
	sum, err := functions.ResolveAggregate("sum", []types.Type{types.Int8})
	if err != nil {
		t.Fatal(err)
	}
	adds := 0
	counting := *sum
	counting.New = func() functions.AggState { return &countingAgg{inner: sum.New(), adds: &adds} }
	var input [][3]any
	for i := 0; i < 1000; i++ {
		input = append(input, [3]any{i % 4, i % 37, i})
	}
	call := planner.WindowCall{Agg: &counting, Args: []planner.Expr{wfCol(2)}, Frame: planner.DefaultFrame, Typ: types.Numeric, Name: "sum"}
	n := wfNode(wfScanNode(), []planner.Expr{wfCol(0)}, []planner.WindowOrderKey{{Expr: wfCol(1)}}, call)
	if _, err := runWindowFunctions(t, n, wfRows(input), 64); err != nil {
		t.Fatal(err)
	}
	if adds != len(input) {
		t.Errorf("the default frame added %d rows for %d input rows; want each once", adds, len(input))
	}
}

func TestWindowFunctionsOffsetErrors(t *testing.T) {
	param := &planner.Param{Index: 0, Typ: types.Int8}
	tests := []struct {
		name  string
		frame planner.WindowFrame
		param types.Datum
		code  string
		msg   string
	}{
		{"negative ROWS start", rowsFrame(planner.FrameBound{Kind: planner.OffsetPreceding, Offset: param}, planner.FrameBound{Kind: planner.CurrentRow}),
			types.NewInt(-1), "22013", "frame starting offset must not be negative"},
		{"NULL ROWS end", rowsFrame(planner.FrameBound{Kind: planner.CurrentRow}, planner.FrameBound{Kind: planner.OffsetFollowing, Offset: param}),
			types.Null, "22004", "frame ending offset must not be null"},
		{"negative RANGE start", planner.WindowFrame{Unit: planner.FrameRange,
			Start: planner.FrameBound{Kind: planner.OffsetPreceding, Offset: param, Value: call(t, "-", wfCol(1), param)},
			End:   planner.FrameBound{Kind: planner.CurrentRow}},
			types.NewInt(-2), "22013", "invalid preceding or following size in window function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := wfNode(wfScanNode(), nil, []planner.WindowOrderKey{{Expr: wfCol(1)}}, wfAgg(t, "sum", tt.frame, wfCol(2)))
			_, err := runWindowFunctions(t, n, wfRows([][3]any{{1, 1, 1}}), 10, tt.param)
			e, ok := types.AsError(err)
			if !ok || e.Code != tt.code || e.Message != tt.msg {
				t.Fatalf("got %v, want %s %s", err, tt.code, tt.msg)
			}
		})
	}
}

func TestWindowFunctionsOverEmptyAndZeroWidthInputs(t *testing.T) {
	got, err := runWindowFunctions(t, wfNode(wfScanNode(), nil, nil, wfFn(t, "row_number", planner.DefaultFrame)), nil, 10)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty input: got %q, %v", got, err)
	}
	values := &planner.Values{Rows: [][]planner.Expr{{}, {}}}
	n := wfNode(values, nil, nil, wfFn(t, "row_number", planner.DefaultFrame), wfAgg(t, "count", planner.DefaultFrame))
	got, err = runWindowFunctions(t, n, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 2", "2 2"}; !slices.Equal(got, want) {
		t.Errorf("rows without columns: got %q, want %q", got, want)
	}
}

func TestWindowFunctionsReopenRunsAgain(t *testing.T) {
	scan := &memScan{rows: wfRows([][3]any{{1, 2, 3}, {1, 1, 4}}), width: 3, batchRows: 10, rounds: 1}
	op, err := Build(wfNode(wfScanNode(), nil, []planner.WindowOrderKey{{Expr: wfCol(1)}}, wfAgg(t, "sum", planner.DefaultFrame, wfCol(2))), newEnv(scan))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for run := 0; run < 2; run++ {
		if err := op.Open(ctx); err != nil {
			t.Fatal(err)
		}
		b := types.NewBatch(0)
		if err := op.Next(ctx, b); err != nil {
			t.Fatal(err)
		}
		if b.Len != 2 || b.Row(1)[3].F != 7 {
			t.Errorf("run %d: %d rows, last sum %v", run, b.Len, b.Row(b.Len - 1)[3])
		}
		if err := op.Next(ctx, b); err != io.EOF {
			t.Fatalf("run %d: want EOF, got %v", run, err)
		}
		if err := op.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
