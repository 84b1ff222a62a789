package exec

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

const sec = int64(time.Second / time.Microsecond)

// noMark is a step without a watermark.
const noMark = types.NoWatermark

// nullTime and infTime are event times (seconds) that the test input sends
// as NULL and as timestamp 'infinity'.
const (
	nullTime = int64(-1 << 40)
	infTime  = int64(1 << 40)
)

// inRow is one input row: event time in seconds, group k, value x.
type inRow struct {
	t int64
	k string
	x int64
}

// inStep is one input batch: its rows and watermark (seconds or noMark).
type inStep struct {
	rows []inRow
	wm   int64
}

// stepInput yields one batch per step, then io.EOF.
type stepInput struct {
	steps    []inStep
	timeType types.Type
	pos      int
	opened   bool
	closed   bool
}

func (s *stepInput) Open(context.Context) error { s.pos, s.opened = 0, true; return nil }

func (s *stepInput) Next(_ context.Context, b *types.Batch) error {
	b.Reset(3)
	if s.pos == len(s.steps) {
		return io.EOF
	}
	st := s.steps[s.pos]
	s.pos++
	for _, r := range st.rows {
		t := types.Datum{Typ: s.timeType, I: r.t * sec}
		switch r.t {
		case nullTime:
			t = types.Null
		case infTime:
			t.I = math.MaxInt64
		}
		b.Append([]types.Datum{t, types.NewText(r.k), types.NewInt(r.x)})
	}
	if st.wm != noMark {
		b.Watermark = st.wm * sec
	}
	return nil
}

func (s *stepInput) Close(context.Context) error { s.closed = true; return nil }

var windowInputCols = types.Schema{{Name: "ts", Type: types.Timestamp}, {Name: "k", Type: types.Text}, {Name: "x", Type: types.Int8}}

// windowSpec describes a test plan: the window, and whether to group by k.
type windowSpec struct {
	kind                      planner.WindowKind
	size, slide, gap, lateSec int64
	noGroups                  bool
	timeType                  types.Type
}

func aggCall(t testing.TB, name string, distinct bool, args ...planner.Expr) planner.AggCall {
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	fn, err := functions.ResolveAggregate(name, argTypes)
	if err != nil {
		t.Fatal(err)
	}
	return planner.AggCall{Fn: fn, Args: args, Distinct: distinct, Typ: fn.ResultType(argTypes), Name: name}
}

// windowPlan computes count(*), sum(x), count(DISTINCT x), first_value(x)
// per window (and per k unless noGroups).
func windowPlan(t testing.TB, s windowSpec) *planner.WindowAggregate {
	timeType := s.timeType
	if timeType == types.Unknown {
		timeType = types.Timestamp
	}
	in := slices.Clone(windowInputCols)
	in[0].Type = timeType
	x := &planner.ColRef{Index: 2, Typ: types.Int8, Name: "x"}
	n := &planner.WindowAggregate{
		Input:           &planner.Scan{Rel: &planner.Relation{Name: "events", Schema: in}, Mode: planner.ScanLive},
		Kind:            s.kind,
		TimeCol:         0,
		Size:            s.size * sec,
		Slide:           s.slide * sec,
		Gap:             s.gap * sec,
		AllowedLateness: s.lateSec * sec,
		Aggs: []planner.AggCall{
			aggCall(t, "count", false), aggCall(t, "sum", false, x),
			aggCall(t, "count", true, x), aggCall(t, "first_value", false, x),
		},
	}
	n.Cols = types.Schema{{Name: "window_start", Type: timeType}, {Name: "window_end", Type: timeType}}
	if !s.noGroups {
		n.Groups = []planner.Expr{&planner.ColRef{Index: 1, Typ: types.Text, Name: "k"}}
		n.Cols = append(n.Cols, types.Column{Name: "k", Type: types.Text})
	}
	for _, a := range n.Aggs {
		n.Cols = append(n.Cols, types.Column{Name: a.Name, Type: a.Typ})
	}
	return n
}

// windowRun is what a run produced: one line per output row
// ("start-end [k] count sum distinct first", in seconds) and "wm N" after
// a batch carrying watermark N; plus the late-row count and row errors.
type windowRun struct {
	lines  []string
	late   int64
	errors []error
}

func runWindow(t *testing.T, s windowSpec, steps []inStep, reportErrors bool) windowRun {
	t.Helper()
	plan := windowPlan(t, s)
	var run windowRun
	env := &Env{Eval: &functions.EvalContext{Now: time.Unix(0, 0), Location: time.UTC}, LateRows: func(n int64) { run.late += n }}
	if reportErrors {
		env.RowErrors = func(err error) { run.errors = append(run.errors, err) }
	}
	input := &stepInput{steps: steps, timeType: plan.Cols[0].Type}
	op, err := NewWindowAggregate(input, plan, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(len(plan.Cols))
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.Len == 0 && b.Watermark == types.NoWatermark {
			t.Fatal("Next returned an empty batch without a watermark")
		}
		for i := 0; i < b.Len; i++ {
			run.lines = append(run.lines, formatWindowRow(t, b.Row(i), plan.Cols))
		}
		if b.Watermark != types.NoWatermark {
			run.lines = append(run.lines, fmt.Sprintf("wm %d", b.Watermark/sec))
		}
	}
	if err := op.Next(ctx, b); err != io.EOF || b.Len != 0 {
		t.Fatalf("Next after io.EOF: %v with %d rows", err, b.Len)
	}
	if err := op.Close(ctx); err != nil || !input.closed {
		t.Fatalf("Close: %v, input closed %v", err, input.closed)
	}
	return run
}

func formatWindowRow(t *testing.T, row []types.Datum, cols types.Schema) string {
	t.Helper()
	if row[0].Typ != cols[0].Type || row[1].Typ != cols[0].Type {
		t.Fatalf("window bounds typed %v, %v; want %v", row[0].Typ, row[1].Typ, cols[0].Type)
	}
	parts := []string{fmt.Sprintf("%d-%d", row[0].I/sec, row[1].I/sec)}
	for _, d := range row[2:] {
		switch {
		case d.IsNull():
			parts = append(parts, "NULL")
		case d.Typ.Family() == types.FamilyFloat:
			parts = append(parts, fmt.Sprint(d.F))
		case d.Typ.Family() == types.FamilyInt:
			parts = append(parts, fmt.Sprint(d.I))
		default:
			parts = append(parts, d.S)
		}
	}
	return strings.Join(parts, " ")
}

func rows(rs ...inRow) []inRow { return rs }

func TestWindowAggregate(t *testing.T) {
	tumble10 := windowSpec{kind: planner.Tumble, size: 10}
	tests := []struct {
		name  string
		spec  windowSpec
		steps []inStep
		want  []string
		late  int64
	}{{
		name: "tumble, out-of-order rows within the watermark delay",
		spec: tumble10,
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{5, "b", 2}, inRow{3, "a", 3}), 4},
			{rows(inRow{12, "a", 4}, inRow{8, "b", 5}, inRow{0, "a", 6}), 10},
			{rows(inRow{15, "a", 7}), 20},
		},
		want: []string{
			"wm 4",
			"0-10 a 3 10 3 1", "0-10 b 2 7 2 2", "wm 10",
			"10-20 a 2 11 2 4", "wm 20",
		},
	}, {
		name: "late rows are dropped and counted",
		spec: tumble10,
		steps: []inStep{
			{rows(inRow{1, "a", 1}), 10},
			{rows(inRow{9, "a", 2}, inRow{11, "a", 3}, inRow{0, "b", 4}), 20},
			{rows(inRow{19, "a", 5}), 25},
		},
		want: []string{"0-10 a 1 1 1 1", "wm 10", "10-20 a 1 3 1 3", "wm 20", "wm 25"},
		late: 3,
	}, {
		name: "allowed lateness keeps a window open",
		spec: windowSpec{kind: planner.Tumble, size: 10, lateSec: 5},
		steps: []inStep{
			{rows(inRow{1, "a", 1}), 10},
			{rows(inRow{7, "a", 2}), 14},
			{rows(inRow{8, "a", 3}), 15},
			{rows(inRow{9, "a", 4}, inRow{16, "a", 5}), 30},
		},
		want: []string{"wm 10", "wm 14", "0-10 a 3 6 3 1", "wm 15", "10-20 a 1 5 1 5", "wm 30"},
		late: 1,
	}, {
		name: "hop size 10s slide 5s",
		spec: windowSpec{kind: planner.Hop, size: 10, slide: 5},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{6, "a", 2}, inRow{12, "a", 4}), 10},
			// 7 is still in the open [5,15); 2 only in closed windows: late.
			{rows(inRow{7, "a", 8}, inRow{2, "a", 16}), 15},
			{nil, 20},
		},
		want: []string{
			"-5-5 a 1 1 1 1", "0-10 a 2 3 2 1", "wm 10",
			"5-15 a 3 14 3 2", "wm 15",
			"10-20 a 1 4 1 4", "wm 20",
		},
		late: 1,
	}, {
		name: "hop with a slide longer than the size skips the gaps",
		spec: windowSpec{kind: planner.Hop, size: 5, slide: 10, noGroups: true},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{7, "a", 2}, inRow{12, "b", 4}, inRow{-9, "a", 8}), noMark},
		},
		want: []string{"-10--5 1 8 1 8", "0-5 1 1 1 1", "10-15 1 4 1 4"},
	}, {
		name: "session windows merge, including a row bridging two sessions",
		spec: windowSpec{kind: planner.Session, gap: 5},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{3, "a", 2}, inRow{20, "a", 4}, inRow{2, "b", 8}), 5},
			// 12 starts a session; 16 is within 5s of 12 and of 20, so
			// the sessions merge, in event-time order: first_value is 16.
			{rows(inRow{12, "a", 16}, inRow{16, "a", 32}), 9},
			{nil, 24},
			{rows(inRow{24, "a", 64}), 29},
			{rows(inRow{23, "a", 128}), 40},
		},
		want: []string{
			"wm 5",
			"2-7 b 1 8 1 8", "1-8 a 2 3 2 1", "wm 9",
			"wm 24",
			"12-29 a 4 116 4 16", "wm 29",
			"wm 40",
		},
		late: 1,
	}, {
		name: "session merge order and DISTINCT",
		spec: windowSpec{kind: planner.Session, gap: 5, timeType: types.TimestampTZ},
		steps: []inStep{
			{rows(inRow{8, "a", 7}, inRow{0, "a", 3}, inRow{4, "a", 3}, inRow{3, "a", 7}), noMark},
		},
		// 8, then 0 (a second session), 4 bridges them, 3 joins. The
		// merged session's rows are in session-merge order: those of
		// the earlier session (0) first, whatever arrived first.
		want: []string{"0-13 a 4 20 2 3"},
	}, {
		name: "DISTINCT per window and group",
		spec: windowSpec{kind: planner.Hop, size: 10, slide: 5},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{2, "a", 1}, inRow{6, "a", 1}, inRow{7, "a", 2}, inRow{8, "b", 2}), 30},
		},
		want: []string{
			"-5-5 a 2 2 1 1", "0-10 a 4 5 2 1", "0-10 b 1 2 1 2",
			"5-15 a 2 3 2 1", "5-15 b 1 2 1 2", "wm 30",
		},
	}, {
		name: "groups in first-appearance order, windows by end",
		spec: tumble10,
		steps: []inStep{
			{rows(inRow{15, "c", 1}, inRow{1, "b", 2}, inRow{2, "a", 3}, inRow{3, "b", 4}, inRow{11, "a", 5}), noMark},
			{rows(inRow{4, "c", 6}), 20},
		},
		want: []string{
			"0-10 b 2 6 2 2", "0-10 a 1 3 1 3", "0-10 c 1 6 1 6",
			"10-20 c 1 1 1 1", "10-20 a 1 5 1 5", "wm 20",
		},
	}, {
		name: "end of input flushes every open window",
		spec: windowSpec{kind: planner.Tumble, size: 10, lateSec: 100},
		steps: []inStep{
			{rows(inRow{25, "a", 1}, inRow{5, "a", 2}, inRow{-5, "b", 4}), 10},
			{rows(inRow{31, "b", 8}), noMark},
		},
		want: []string{"wm 10", "-10-0 b 1 4 1 4", "0-10 a 1 2 1 2", "20-30 a 1 1 1 1", "30-40 b 1 8 1 8"},
	}, {
		name: "watermark-only batches pass; a repeated or older watermark does not",
		spec: tumble10,
		steps: []inStep{
			{nil, 3},
			{rows(inRow{4, "a", 1}), noMark},
			{nil, 3},
			{nil, 2},
			{nil, 8},
			{rows(inRow{9, "a", 2}), 12},
		},
		want: []string{"wm 3", "wm 8", "0-10 a 2 3 2 1", "wm 12"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Two runs must agree line for line: no map-order dependence.
			for range 2 {
				got := runWindow(t, tc.spec, tc.steps, false)
				if !slices.Equal(got.lines, tc.want) {
					t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got.lines, "\n  "), strings.Join(tc.want, "\n  "))
				}
				if got.late != tc.late {
					t.Fatalf("late rows %d, want %d", got.late, tc.late)
				}
			}
		})
	}
}

func TestWindowBadEventTime(t *testing.T) {
	steps := []inStep{{rows(inRow{1, "a", 1}, inRow{nullTime, "a", 2}, inRow{infTime, "a", 8}, inRow{2, "a", 4}), noMark}}
	want := []string{"0-10 a 2 5 2 1"}
	reported := runWindow(t, windowSpec{kind: planner.Tumble, size: 10}, steps, true)
	if !slices.Equal(reported.lines, want) {
		t.Fatalf("got %v, want %v", reported.lines, want)
	}
	if len(reported.errors) != 2 || types.CodeOf(reported.errors[0]) != "22004" || types.CodeOf(reported.errors[1]) != "22008" {
		t.Fatalf("reported %v, want a 22004 and a 22008 error", reported.errors)
	}
	// Without RowErrors a NULL time is skipped silently.
	nullOnly := []inStep{{rows(inRow{1, "a", 1}, inRow{nullTime, "a", 2}, inRow{2, "a", 4}), noMark}}
	skipped := runWindow(t, windowSpec{kind: planner.Session, gap: 10}, nullOnly, false)
	if !slices.Equal(skipped.lines, []string{"1-12 a 2 5 2 1"}) {
		t.Fatalf("without RowErrors: got %v", skipped.lines)
	}
}

func TestWindowLargeEmissionSplitsBatches(t *testing.T) {
	const groups = types.BatchSize + 300
	var in []inRow
	for g := range groups {
		in = append(in, inRow{1, fmt.Sprintf("g%05d", g), int64(g)})
	}
	plan := windowPlan(t, windowSpec{kind: planner.Tumble, size: 10})
	op, err := NewWindowAggregate(&stepInput{steps: []inStep{{in, 10}}, timeType: types.Timestamp}, plan, &Env{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(len(plan.Cols))
	var sizes []int
	var marks []int64
	seen := 0
	for {
		if err := op.Next(ctx, b); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < b.Len; i++ {
			if want := fmt.Sprintf("g%05d", seen); b.Row(i)[2].S != want {
				t.Fatalf("row %d is group %s, want %s", seen, b.Row(i)[2].S, want)
			}
			seen++
		}
		sizes, marks = append(sizes, b.Len), append(marks, b.Watermark)
	}
	if !slices.Equal(sizes, []int{types.BatchSize, 300}) || !slices.Equal(marks, []int64{types.NoWatermark, 10 * sec}) {
		t.Fatalf("batches of %v rows with watermarks %v", sizes, marks)
	}
}

func TestWindowStateIsFreed(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []windowSpec{{kind: planner.Hop, size: 10, slide: 5}, {kind: planner.Session, gap: 5}} {
		steps := []inStep{
			{rows(inRow{1, "a", 1}, inRow{2, "b", 1}, inRow{30, "c", 1}), 20},
			{nil, 40},
		}
		op, err := NewWindowAggregate(&stepInput{steps: steps, timeType: types.Timestamp}, windowPlan(t, spec), &Env{})
		if err != nil {
			t.Fatal(err)
		}
		w := op.(*windowAggregate)
		if err := w.Open(ctx); err != nil {
			t.Fatal(err)
		}
		b := types.NewBatch(0)
		if err := w.Next(ctx, b); err != nil {
			t.Fatal(err)
		}
		openAfter20, groupsAfter20 := w.openCounts()
		if err := w.Next(ctx, b); err != nil {
			t.Fatal(err)
		}
		openAfter40, groupsAfter40 := w.openCounts()
		wantAfter20 := 1 // hop: the pane [30,35) of [25,35) and [30,40)
		if spec.kind == planner.Session {
			wantAfter20 = 1
		}
		if openAfter20 != wantAfter20 || groupsAfter20 != 1 || openAfter40 != 0 || groupsAfter40 != 0 {
			t.Fatalf("%s: open panes or sessions/groups %d/%d after watermark 20, %d/%d after 40",
				spec.kind, openAfter20, groupsAfter20, openAfter40, groupsAfter40)
		}
	}
}

// openCounts is the number of open panes (sessions) and of live groups.
func (w *windowAggregate) openCounts() (windows, groups int) {
	if w.fixed != nil {
		return len(w.fixed.open), len(w.fixed.groups.ids)
	}
	for _, g := range w.sessions.groups {
		windows += len(g.sessions)
	}
	return windows, len(w.sessions.byKey)
}

func TestWindowRejectsBadPlans(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*planner.WindowAggregate)
		code   string
	}{
		{"zero size", func(n *planner.WindowAggregate) { n.Size = 0 }, types.CodeInvalidParameterValue},
		{"negative slide", func(n *planner.WindowAggregate) { n.Kind, n.Slide = planner.Hop, -1 }, types.CodeInvalidParameterValue},
		{"zero gap", func(n *planner.WindowAggregate) { n.Kind, n.Gap = planner.Session, 0 }, types.CodeInvalidParameterValue},
		{"negative lateness", func(n *planner.WindowAggregate) { n.AllowedLateness = -1 }, types.CodeInvalidParameterValue},
		{"time column not a timestamp", func(n *planner.WindowAggregate) { n.TimeCol = 1 }, types.CodeDatatypeMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := windowPlan(t, windowSpec{kind: planner.Tumble, size: 10})
			tc.mutate(n)
			_, err := NewWindowAggregate(&stepInput{}, n, &Env{})
			if types.CodeOf(err) != tc.code {
				t.Fatalf("got %v, want SQLSTATE %s", err, tc.code)
			}
		})
	}
}

func TestWindowRowOfExistingStateAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []windowSpec{{kind: planner.Tumble, size: 10}, {kind: planner.Hop, size: 10, slide: 2}} {
		plan := windowPlan(t, spec)
		plan.Aggs = plan.Aggs[:2] // count(*), sum(x): no DISTINCT set growth
		op, err := NewWindowAggregate(&stepInput{}, plan, &Env{})
		if err != nil {
			t.Fatal(err)
		}
		w := op.(*windowAggregate)
		if err := w.Open(ctx); err != nil {
			t.Fatal(err)
		}
		row := []types.Datum{types.NewTimestamp(5 * sec), types.NewText("a"), types.NewInt(1)}
		if _, err := w.fixed.add(row, row[0].I, math.MinInt64); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := w.fixed.add(row, row[0].I, math.MinInt64); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Fatalf("%s: %v allocations per row", spec.kind, allocs)
		}
	}
}
