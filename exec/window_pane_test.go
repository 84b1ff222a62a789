package exec

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// TestHopMatchesReference runs random inputs through TUMBLE and HOP
// windows and compares the output with a direct computation: every window
// aggregates the rows in it that arrived while it was open, first_value
// in pane order (event-time panes of gcd(size, slide), arrival order
// within a pane), windows by end, groups by their first arrival.
func TestHopMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for iter := range 300 {
		spec := windowSpec{kind: planner.Hop, size: 1 + r.Int64N(12), slide: 1 + r.Int64N(12), lateSec: r.Int64N(4)}
		if r.IntN(4) == 0 {
			spec.kind, spec.slide = planner.Tumble, 0
		}
		var steps []inStep
		for range 1 + r.IntN(8) {
			var st inStep
			for range r.IntN(12) {
				st.rows = append(st.rows, inRow{r.Int64N(60) - 20, []string{"a", "b", "c"}[r.IntN(3)], r.Int64N(6)})
			}
			st.wm = noMark
			if r.IntN(3) != 0 {
				st.wm = r.Int64N(70) - 20
			}
			steps = append(steps, st)
		}
		got := runWindow(t, spec, steps, false)
		want, wantLate := referenceWindows(spec, steps)
		var gotRows []string
		for _, line := range got.lines {
			if !strings.HasPrefix(line, "wm ") {
				gotRows = append(gotRows, line)
			}
		}
		if !slices.Equal(gotRows, want) || got.late != wantLate {
			t.Fatalf("iteration %d, %+v, input %+v:\ngot (late %d)\n  %s\nwant (late %d)\n  %s", iter, spec, steps,
				got.late, strings.Join(gotRows, "\n  "), wantLate, strings.Join(want, "\n  "))
		}
	}
}

// referenceWindows computes windowPlan's output rows and late count.
func referenceWindows(spec windowSpec, steps []inStep) ([]string, int64) {
	size, slide := spec.size, spec.slide
	if spec.kind == planner.Tumble {
		slide = size
	}
	paneLen := gcd(size, slide)
	type member struct {
		seq  int
		t, x int64
	}
	type key struct {
		start int64
		k     string
	}
	windows := map[key][]member{}
	closedBelow, mark := int64(math.MinInt64), int64(math.MinInt64)
	var late int64
	seq := 0
	for _, st := range steps {
		for _, row := range st.rows {
			in, open := false, false
			for s := floorDiv(row.t, slide) * slide; s > row.t-size; s -= slide {
				in = true
				if s+size > closedBelow {
					open = true
					windows[key{s, row.k}] = append(windows[key{s, row.k}], member{seq, row.t, row.x})
				}
			}
			if in && !open {
				late++
			}
			seq++
		}
		if st.wm != noMark && st.wm > mark {
			mark = st.wm
			closedBelow = mark - spec.lateSec
		}
	}
	type out struct {
		start int64
		first int
		line  string
	}
	var outs []out
	for k, ms := range windows {
		first := slices.MinFunc(ms, func(a, b member) int { return cmp.Compare(a.seq, b.seq) }).seq
		sum, distinct := int64(0), map[int64]bool{}
		for _, m := range ms {
			sum += m.x
			distinct[m.x] = true
		}
		byPane := slices.MinFunc(ms, func(a, b member) int {
			return cmp.Or(cmp.Compare(floorDiv(a.t, paneLen), floorDiv(b.t, paneLen)), cmp.Compare(a.seq, b.seq))
		})
		line := fmt.Sprintf("%d-%d %s %d %d %d %d", k.start, k.start+size, k.k, len(ms), sum, len(distinct), byPane.x)
		outs = append(outs, out{k.start, first, line})
	}
	slices.SortFunc(outs, func(a, b out) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.first, b.first)) })
	lines := make([]string, len(outs))
	for i, o := range outs {
		lines[i] = o.line
	}
	return lines, late
}

// probeState sums x and counts the calls made on all probe states.
type probeState struct {
	calls *probeCalls
	sum   int64
}

type probeCalls struct{ adds, merges, clones int }

// errProbeMerge is what a probe merge of a sum above 100 returns.
func errProbeMerge() error {
	return types.Errorf(types.CodeNumericValueOutOfRange, "probe sum out of range")
}

func (s *probeState) Add(args []types.Datum) error {
	s.calls.adds++
	s.sum += args[0].I
	return nil
}

func (s *probeState) Result() types.Datum { return types.NewInt(s.sum) }

func (s *probeState) Merge(other functions.AggState) error {
	s.calls.merges++
	o := other.(*probeState)
	if o.sum > 100 {
		return errProbeMerge()
	}
	s.sum += o.sum
	return nil
}

func (s *probeState) Clone() functions.AggState {
	s.calls.clones++
	c := *s
	return &c
}

// probePlan is hop(size, slide) computing probe(x), without groups.
func probePlan(size, slide int64, calls *probeCalls) *planner.WindowAggregate {
	fn := &functions.Aggregate{Name: "probe", Args: []types.Type{types.Int8}, Result: types.Int8,
		New: func() functions.AggState { return &probeState{calls: calls} }}
	x := &planner.ColRef{Index: 2, Typ: types.Int8, Name: "x"}
	return &planner.WindowAggregate{
		Input: &planner.Scan{Rel: &planner.Relation{Name: "events", Schema: windowInputCols}, Mode: planner.ScanLive},
		Kind:  planner.Hop, Size: size * sec, Slide: slide * sec,
		Aggs: []planner.AggCall{{Fn: fn, Args: []planner.Expr{x}, Typ: types.Int8, Name: "probe"}},
		Cols: types.Schema{{Name: "window_start", Type: types.Timestamp}, {Name: "window_end", Type: types.Timestamp}, {Name: "probe", Type: types.Int8}},
	}
}

// TestHopAddsEachRowOnce: a row updates one pane state; a window merges
// its panes, cloning only those a later window still needs.
func TestHopAddsEachRowOnce(t *testing.T) {
	var calls probeCalls
	var in []inRow
	for i := range int64(20) {
		in = append(in, inRow{i, "a", 1})
	}
	plan := probePlan(10, 2, &calls)
	got := runPlan(t, plan, []inStep{{in, noMark}}, nil)
	// Windows start every 2s from -8 to 18: 14 windows of up to 5 panes.
	if len(got) != 14 || got[0] != "-8-2 2" || got[4] != "0-10 10" || got[13] != "18-28 2" {
		t.Fatalf("got %v", got)
	}
	// 10 panes, each in 5 windows: 50 (window, pane) pairs, of which
	// each window's first is merged into, the other 36 merged. Each pane
	// is used as it is by its last window, and cloned for the other 40.
	if calls.adds != 20 || calls.merges != 36 || calls.clones != 40 {
		t.Fatalf("%d adds, %d merges, %d clones", calls.adds, calls.merges, calls.clones)
	}
}

// TestHopMergeErrorLeavesThePaneOut: a failing merge is reported as a row
// error and the window aggregates its other panes.
func TestHopMergeErrorLeavesThePaneOut(t *testing.T) {
	var calls probeCalls
	var reported []error
	plan := probePlan(4, 2, &calls)
	in := []inRow{{0, "a", 1}, {2, "a", 500}, {4, "a", 2}}
	got := runPlan(t, plan, []inStep{{in, noMark}}, func(err error) { reported = append(reported, err) })
	// [0,4) fails to merge the pane [2,4) (500 is too much for a probe).
	want := []string{"-2-2 1", "0-4 1", "2-6 502", "4-8 2"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if len(reported) != 1 || types.CodeOf(reported[0]) != types.CodeNumericValueOutOfRange {
		t.Fatalf("reported %v", reported)
	}
	// Without RowErrors the error stops the query.
	_, err := runPlanErr(plan, []inStep{{in, noMark}}, nil)
	if types.CodeOf(err) != types.CodeNumericValueOutOfRange {
		t.Fatalf("without RowErrors: %v", err)
	}
}

// runPlan runs plan over steps and returns its rows as "start-end v...".
func runPlan(t *testing.T, plan *planner.WindowAggregate, steps []inStep, rowErrors func(error)) []string {
	t.Helper()
	lines, err := runPlanErr(plan, steps, rowErrors)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func runPlanErr(plan *planner.WindowAggregate, steps []inStep, rowErrors func(error)) ([]string, error) {
	env := &Env{Eval: &functions.EvalContext{}, RowErrors: rowErrors}
	op, err := NewWindowAggregate(&stepInput{steps: steps, timeType: types.Timestamp}, plan, env)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		return nil, err
	}
	defer op.Close(ctx)
	var lines []string
	b := types.NewBatch(len(plan.Cols))
	for {
		if err := op.Next(ctx, b); err == io.EOF {
			return lines, nil
		} else if err != nil {
			return lines, err
		}
		for i := 0; i < b.Len; i++ {
			row := b.Row(i)
			parts := []string{fmt.Sprintf("%d-%d", row[0].I/sec, row[1].I/sec)}
			for _, d := range row[2:] {
				parts = append(parts, fmt.Sprint(d.I))
			}
			lines = append(lines, strings.Join(parts, " "))
		}
	}
}
