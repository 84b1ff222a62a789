package exec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// stepScans opens the plan's one Scan as input.
type stepScans struct{ input Operator }

func (s stepScans) OpenScan(*planner.Scan) (Operator, error) { return s.input, nil }

// windowPipeline builds and opens a pipeline computing spec over steps;
// late rows are added to *late.
func windowPipeline(t *testing.T, plan *planner.WindowAggregate, steps []inStep, late *int64) (*Pipeline, *stepInput) {
	t.Helper()
	input := &stepInput{steps: steps, timeType: plan.Cols[0].Type}
	env := &Env{
		Eval:     &functions.EvalContext{Now: time.Unix(0, 0), Location: time.UTC},
		Scans:    stepScans{input},
		LateRows: func(n int64) { *late += n },
	}
	p, err := BuildPipeline(plan, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.stateful) != 1 {
		t.Fatalf("pipeline has %d stateful operators, want the window aggregate", len(p.stateful))
	}
	if err := p.Root.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p, input
}

// pullWindow calls Next up to calls times (all the way when calls < 0),
// appending runWindow's lines; it reports whether the output ended.
func pullWindow(t *testing.T, op Operator, cols types.Schema, calls int, lines []string) ([]string, bool) {
	t.Helper()
	b := types.NewBatch(len(cols))
	for i := 0; calls < 0 || i < calls; i++ {
		err := op.Next(context.Background(), b)
		if err == io.EOF {
			return lines, true
		}
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < b.Len; r++ {
			lines = append(lines, formatWindowRow(t, b.Row(r), cols))
		}
		if b.Watermark != types.NoWatermark {
			lines = append(lines, fmt.Sprintf("wm %d", b.Watermark/sec))
		}
	}
	return lines, false
}

// runWindowRestored runs spec over steps for cut calls of Next, saves the
// pipeline's state, restores it into a pipeline built afresh from the
// same plan over the steps not read yet, and runs that to the end. It
// reports false when the output ended before the cut.
func runWindowRestored(t *testing.T, spec windowSpec, steps []inStep, cut int) (windowRun, bool) {
	t.Helper()
	plan := windowPlan(t, spec)
	var run windowRun
	first, input := windowPipeline(t, plan, steps, &run.late)
	lines, ended := pullWindow(t, first.Root, plan.Cols, cut, nil)
	if ended {
		return run, false
	}
	saved, err := first.AppendState(nil)
	if err != nil {
		t.Fatalf("cut %d: %v", cut, err)
	}
	if again, err := first.AppendState(nil); err != nil || !bytes.Equal(again, saved) {
		t.Fatalf("cut %d: saving twice differs (%v)", cut, err)
	}
	if err := first.Root.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	second, _ := windowPipeline(t, plan, steps[input.pos:], &run.late)
	if err := second.LoadState(saved); err != nil {
		t.Fatalf("cut %d: %v", cut, err)
	}
	if resaved, err := second.AppendState(nil); err != nil || !bytes.Equal(resaved, saved) {
		t.Fatalf("cut %d: the restored state saves differently (%v)", cut, err)
	}
	run.lines, _ = pullWindow(t, second.Root, plan.Cols, -1, lines)
	return run, true
}

// checkRestoredRuns compares an uninterrupted run with one cut and
// restored after every possible number of Next calls.
func checkRestoredRuns(t *testing.T, spec windowSpec, steps []inStep) {
	t.Helper()
	want := runWindow(t, spec, steps, false)
	for cut := 0; ; cut++ {
		got, ok := runWindowRestored(t, spec, steps, cut)
		if !ok {
			return
		}
		if !slices.Equal(got.lines, want.lines) || got.late != want.late {
			t.Fatalf("%+v, restored after %d calls:\ngot (late %d)\n  %s\nwant (late %d)\n  %s", spec, cut,
				got.late, strings.Join(got.lines, "\n  "), want.late, strings.Join(want.lines, "\n  "))
		}
	}
}

func TestWindowStateRestoreMatchesUninterruptedRun(t *testing.T) {
	var manyGroups []inRow
	for g := range types.BatchSize + 300 {
		manyGroups = append(manyGroups, inRow{int64(g % 7), fmt.Sprintf("g%05d", g), int64(g)})
	}
	tests := []struct {
		name  string
		spec  windowSpec
		steps []inStep
	}{{
		name: "tumble, out-of-order rows",
		spec: windowSpec{kind: planner.Tumble, size: 10},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{5, "b", 2}, inRow{3, "a", 3}), 4},
			{rows(inRow{12, "a", 4}, inRow{8, "b", 5}, inRow{0, "a", 6}), 10},
			{rows(inRow{15, "a", 7}, inRow{2, "b", 9}), 20},
			{rows(inRow{27, "c", 7}), noMark},
		},
	}, {
		name: "allowed lateness and late rows",
		spec: windowSpec{kind: planner.Tumble, size: 10, lateSec: 5},
		steps: []inStep{
			{rows(inRow{1, "a", 1}), 10},
			{rows(inRow{7, "a", 2}), 14},
			{rows(inRow{8, "a", 3}), 15},
			{rows(inRow{9, "a", 4}, inRow{16, "a", 5}), 30},
			{rows(inRow{24, "b", 4}, inRow{31, "a", 5}), noMark},
		},
	}, {
		name: "hop sharing panes, DISTINCT",
		spec: windowSpec{kind: planner.Hop, size: 10, slide: 4},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{6, "a", 2}, inRow{12, "a", 4}, inRow{2, "b", 1}), 6},
			{rows(inRow{7, "a", 2}, inRow{2, "a", 16}, inRow{9, "b", 1}), 12},
			{nil, 13},
			{rows(inRow{14, "b", 2}, inRow{15, "a", 1}), 20},
			{rows(inRow{22, "a", 1}, inRow{21, "c", 3}), noMark},
		},
	}, {
		name: "hop with gaps, no groups",
		spec: windowSpec{kind: planner.Hop, size: 5, slide: 10, noGroups: true},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{7, "a", 2}, inRow{12, "b", 4}, inRow{-9, "a", 8}), 3},
			{rows(inRow{13, "a", 1}, inRow{21, "a", 2}), 12},
		},
	}, {
		name: "sessions merging across the cut",
		spec: windowSpec{kind: planner.Session, gap: 5},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{3, "a", 2}, inRow{20, "a", 4}, inRow{2, "b", 8}), 5},
			{rows(inRow{12, "a", 16}), 9},
			{rows(inRow{16, "a", 32}), 10},
			{nil, 24},
			{rows(inRow{24, "a", 64}), 29},
			{rows(inRow{23, "a", 128}, inRow{40, "b", 1}), 40},
		},
	}, {
		name: "session DISTINCT in merge order, allowed lateness",
		spec: windowSpec{kind: planner.Session, gap: 5, lateSec: 3, timeType: types.TimestampTZ},
		steps: []inStep{
			{rows(inRow{8, "a", 7}, inRow{0, "a", 3}), noMark},
			{rows(inRow{4, "a", 3}, inRow{30, "b", 3}), 12},
			{rows(inRow{3, "a", 7}, inRow{33, "b", 3}, inRow{28, "b", 4}), 20},
		},
	}, {
		name:  "an emission larger than a batch, cut while it is handed out",
		spec:  windowSpec{kind: planner.Tumble, size: 10},
		steps: []inStep{{manyGroups, 10}, {rows(inRow{12, "x", 1}), 20}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkRestoredRuns(t, tc.spec, tc.steps) })
	}
}

// TestWindowStateRestoreRandom cuts and restores random out-of-order
// inputs of every window kind at every point.
func TestWindowStateRestoreRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for range 60 {
		var spec windowSpec
		switch r.IntN(3) {
		case 0:
			spec = windowSpec{kind: planner.Tumble, size: 1 + r.Int64N(12)}
		case 1:
			spec = windowSpec{kind: planner.Hop, size: 1 + r.Int64N(12), slide: 1 + r.Int64N(12)}
		default:
			spec = windowSpec{kind: planner.Session, gap: 1 + r.Int64N(8)}
		}
		spec.lateSec, spec.noGroups = r.Int64N(4), r.IntN(4) == 0
		var steps []inStep
		for range 1 + r.IntN(8) {
			var st inStep
			for range r.IntN(10) {
				st.rows = append(st.rows, inRow{r.Int64N(60) - 20, []string{"a", "b", "c"}[r.IntN(3)], r.Int64N(6)})
			}
			st.wm = noMark
			if r.IntN(3) != 0 {
				st.wm = r.Int64N(70) - 20
			}
			steps = append(steps, st)
		}
		checkRestoredRuns(t, spec, steps)
	}
}

// savedWindowState runs spec over steps for calls Next calls and returns
// the operator and its saved state.
func savedWindowState(t *testing.T, plan *planner.WindowAggregate, steps []inStep, calls int) (*windowAggregate, []byte) {
	t.Helper()
	op, err := NewWindowAggregate(&stepInput{steps: steps, timeType: plan.Cols[0].Type}, plan, &Env{Eval: &functions.EvalContext{}})
	if err != nil {
		t.Fatal(err)
	}
	w := op.(*windowAggregate)
	if err := w.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ended := pullWindow(t, w, plan.Cols, calls, nil); ended {
		t.Fatal("output ended early")
	}
	saved, err := w.appendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	return w, saved
}

// corruptPositions are the byte positions of a saved state of n bytes that
// the corruption tests truncate at and flip: all of them when there are
// few, else those near either end and a sample in between.
func corruptPositions(n int) []int {
	const ends, stride = 192, 211
	var pos []int
	for i := 0; i < n; i++ {
		if i < ends || i >= n-ends || i%stride == 0 {
			pos = append(pos, i)
		}
	}
	return pos
}

func TestWindowStateRejectsCorruptInput(t *testing.T) {
	var manyGroups []inRow
	for g := range types.BatchSize + 3 {
		manyGroups = append(manyGroups, inRow{1, fmt.Sprintf("g%d", g), int64(g)})
	}
	for _, tc := range []struct {
		name  string
		spec  windowSpec
		steps []inStep
	}{{
		name: "hop panes with DISTINCT lists",
		spec: windowSpec{kind: planner.Hop, size: 10, slide: 5},
		steps: []inStep{
			{rows(inRow{1, "a", 1}, inRow{2, "b", 2}, inRow{12, "a", 1}, inRow{13, "a", 2}, inRow{14, "b", 2}), 8},
		},
	}, {
		name:  "pending output",
		spec:  windowSpec{kind: planner.Tumble, size: 10},
		steps: []inStep{{append(manyGroups, inRow{12, "a", 1}), 10}},
	}, {
		name:  "sessions",
		spec:  windowSpec{kind: planner.Session, gap: 5},
		steps: []inStep{{rows(inRow{1, "a", 1}, inRow{3, "a", 2}, inRow{20, "b", 4}), 2}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			plan := windowPlan(t, tc.spec)
			w, saved := savedWindowState(t, plan, tc.steps, 1)
			check := func(what string, data []byte) {
				t.Helper()
				err := w.loadState(data)
				if types.CodeOf(err) != types.CodeDataCorrupted {
					t.Fatalf("%s: got %v, want a %s error", what, err, types.CodeDataCorrupted)
				}
				if kept, _ := w.appendState(nil); !bytes.Equal(kept, saved) {
					t.Fatalf("%s: a failed load changed the state", what)
				}
			}
			positions := corruptPositions(len(saved))
			for _, n := range positions {
				check(fmt.Sprintf("truncated to %d bytes", n), saved[:n])
			}
			check("trailing byte", append(slices.Clone(saved), 0))
			bad := slices.Clone(saved)
			bad[0] = windowStateVersion + 1
			check("unknown version", bad)
			// Flipped bytes must fail or load; never panic.
			for _, i := range positions {
				for _, mask := range []byte{0x01, 0x80, 0xff} {
					bad := slices.Clone(saved)
					bad[i] ^= mask
					if err := w.loadState(bad); err == nil {
						if err := w.loadState(saved); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		})
	}
}

func TestWindowStateRejectsAnotherPlan(t *testing.T) {
	steps := []inStep{{rows(inRow{1, "a", 1}), 2}}
	_, tumble := savedWindowState(t, windowPlan(t, windowSpec{kind: planner.Tumble, size: 10}), steps, 1)
	session, _ := savedWindowState(t, windowPlan(t, windowSpec{kind: planner.Session, gap: 10}), steps, 1)
	if err := session.loadState(tumble); types.CodeOf(err) != types.CodeDataCorrupted {
		t.Fatalf("loading a TUMBLE state into a SESSION window: %v", err)
	}
	ungrouped, _ := savedWindowState(t, windowPlan(t, windowSpec{kind: planner.Tumble, size: 10, noGroups: true}), steps, 1)
	if err := ungrouped.loadState(tumble); types.CodeOf(err) != types.CodeDataCorrupted {
		t.Fatalf("loading a grouped state into an ungrouped window: %v", err)
	}
}

// TestWindowStateNeedsAggregateCodec: an aggregate whose state cannot be
// encoded fails the save with an error naming it.
func TestWindowStateNeedsAggregateCodec(t *testing.T) {
	var calls probeCalls
	plan := probePlan(10, 5, &calls)
	op, err := NewWindowAggregate(&stepInput{steps: []inStep{{rows(inRow{5, "a", 1}), 1}}, timeType: types.Timestamp}, plan, &Env{})
	if err != nil {
		t.Fatal(err)
	}
	w := op.(*windowAggregate)
	if err := w.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ended := pullWindow(t, w, plan.Cols, 1, nil); ended {
		t.Fatal("output ended early")
	}
	_, err = w.appendState(nil)
	if types.CodeOf(err) != types.CodeFeatureNotSupported || !strings.Contains(err.Error(), "probe") {
		t.Fatalf("got %v, want a %s error naming probe", err, types.CodeFeatureNotSupported)
	}
}
