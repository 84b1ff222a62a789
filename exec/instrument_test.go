package exec

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// tickingClock advances by step at every reading.
type tickingClock struct {
	now  time.Time
	step time.Duration
}

func (c *tickingClock) read() time.Time {
	c.now = c.now.Add(c.step)
	return c.now
}

// drainIDs runs op to the end and returns column 0 of every row.
func drainIDs(t *testing.T, op Operator, width int) []int64 {
	t.Helper()
	var ids []int64
	drain(t, op, width, func(b *types.Batch) {
		for i := 0; i < b.Len; i++ {
			ids = append(ids, b.Row(i)[0].I)
		}
	})
	return ids
}

// drain opens op, calls each with every batch it returns until io.EOF,
// and closes it.
func drain(t *testing.T, op Operator, width int, each func(*types.Batch)) {
	t.Helper()
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer op.Close(ctx)
	b := types.NewBatch(width)
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		each(b)
	}
}

// TestInstrumentedCounts runs filter + project over 300 rows in batches
// of 64: the instrumented tree gives the rows of the plain one, and every
// operator's figures in pre-order.
func TestInstrumentedCounts(t *testing.T) {
	plain, err := Build(filterProjectPlan(t), newEnv(&memScan{rows: sampleRows(300), width: 5, batchRows: 64, rounds: 1}))
	if err != nil {
		t.Fatal(err)
	}
	want := drainIDs(t, plain, 5)

	clock := &tickingClock{now: time.Unix(0, 0), step: time.Microsecond}
	scan := &memScan{rows: sampleRows(300), width: 5, batchRows: 64, rounds: 1}
	op, stats, err := BuildInstrumented(filterProjectPlan(t), newEnv(scan), clock.read)
	if err != nil {
		t.Fatal(err)
	}
	if got := drainIDs(t, op, 5); !slices.Equal(got, want) {
		t.Fatalf("instrumented rows %v, want %v", got, want)
	}
	figures := stats.Read()
	if len(figures) != 3 {
		t.Fatalf("%d operators, want project, filter, scan", len(figures))
	}
	kept := int64(len(want))
	for i, w := range []struct {
		node           string
		inputs         []int
		rowsIn, rows   int64
		batchesAtLeast int64
	}{
		{"*planner.Project", []int{1}, kept, kept, 1},
		{"*planner.Filter", []int{2}, 300, kept, 1},
		{"*planner.Scan", nil, 0, 300, 5},
	} {
		f := figures[i]
		if f.Position != i || planner.OperatorName(f.Node) != planner.OperatorName(nodeAt(filterProjectPlan(t), i)) ||
			!slices.Equal(f.Inputs, w.inputs) || f.RowsIn != w.rowsIn || f.RowsOut != w.rows ||
			f.Batches < w.batchesAtLeast || f.Stateful {
			t.Errorf("operator %d (%s): %+v, want inputs %v, rows %d in, %d out, at least %d batches",
				i, w.node, f, w.inputs, w.rowsIn, w.rows, w.batchesAtLeast)
		}
		if f.Time <= 0 || f.SelfTime <= 0 || f.SelfTime > f.Time {
			t.Errorf("operator %d: time %v, self %v", i, f.Time, f.SelfTime)
		}
	}
	if figures[2].Batches != 5 {
		t.Errorf("scan batches = %d, want 5 (300 rows by 64)", figures[2].Batches)
	}
	// Self times partition the root's time: no call is counted twice.
	var selfSum time.Duration
	for _, f := range figures {
		selfSum += f.SelfTime
	}
	if selfSum != figures[0].Time {
		t.Errorf("self times sum to %v, the root took %v", selfSum, figures[0].Time)
	}
}

// nodeAt is the plan node at pre-order position pos.
func nodeAt(root planner.Node, pos int) planner.Node {
	var nodes []planner.Node
	planner.Walk(root, func(n planner.Node) { nodes = append(nodes, n) })
	return nodes[pos]
}

// TestInstrumentedUntimed counts without a clock: times stay 0.
func TestInstrumentedUntimed(t *testing.T) {
	scan := &memScan{rows: sampleRows(10), width: 5, batchRows: 4, rounds: 1}
	op, stats, err := BuildInstrumented(filterProjectPlan(t), newEnv(scan), nil)
	if err != nil {
		t.Fatal(err)
	}
	drainIDs(t, op, 5)
	for _, f := range stats.Read() {
		if f.Time != 0 || f.SelfTime != 0 {
			t.Errorf("operator %d timed without a clock: %+v", f.Position, f)
		}
	}
	if scanned := stats.Read()[2]; scanned.RowsOut != 10 || scanned.Batches != 3 {
		t.Errorf("scan %+v, want 10 rows in 3 batches", scanned)
	}
}

// TestInstrumentedNoAllocations: counting adds no allocation per batch.
func TestInstrumentedNoAllocations(t *testing.T) {
	scan := &memScan{rows: sampleRows(64), width: 5, batchRows: 64, rounds: 1 << 30}
	plan := &planner.Scan{Rel: &planner.Relation{Name: "t", Schema: fiveColumns}, Mode: planner.ScanTable}
	for _, clock := range []func() time.Time{nil, time.Now} {
		op, stats, err := BuildInstrumented(plan, newEnv(scan), clock)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := op.Open(ctx); err != nil {
			t.Fatal(err)
		}
		b := types.NewBatch(5)
		if err := op.Next(ctx, b); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if err := op.Next(ctx, b); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("clock %v: %v allocations per batch", clock != nil, allocs)
		}
		if got := stats.Read()[0]; got.Batches != 102 || got.RowsOut != 102*64 {
			t.Errorf("clock %v: %+v, want 102 batches of 64 rows", clock != nil, got)
		}
	}
}

// TestInstrumentedPipelineState: a stateful operator is saved and restored
// through its wrapper, which records the state's encoded size; the
// pipeline's output and state equal an uninstrumented pipeline's.
func TestInstrumentedPipelineState(t *testing.T) {
	steps := []inStep{
		{rows(inRow{1, "a", 1}, inRow{5, "b", 2}, inRow{3, "a", 3}), 4},
		{rows(inRow{12, "a", 4}, inRow{8, "b", 5}), 10},
	}
	plan := windowPlan(t, windowSpec{kind: planner.Tumble, size: 10})
	build := func(instrument bool) *Pipeline {
		env := &Env{Eval: &functions.EvalContext{Now: time.Unix(0, 0), Location: time.UTC},
			Scans: stepScans{&stepInput{steps: steps, timeType: types.Timestamp}}}
		build := BuildPipeline
		if instrument {
			build = BuildPipelineInstrumented
		}
		p, err := build(plan, env)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Root.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain, counted := build(false), build(true)
	if plain.Stats() != nil {
		t.Error("an uninstrumented pipeline has Stats")
	}
	wantLines, _ := pullWindow(t, plain.Root, plan.Cols, 1, nil)
	gotLines, _ := pullWindow(t, counted.Root, plan.Cols, 1, nil)
	if !slices.Equal(gotLines, wantLines) {
		t.Fatalf("instrumented output %v, want %v", gotLines, wantLines)
	}
	want, err := plain.AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("prefix")
	got, err := counted.AppendState(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("instrumented state %x, want %x", got[len(prefix):], want)
	}
	window := counted.Stats().Read()[0]
	// The pipeline's encoding is a count and one length-prefixed state: 1 + 1 + n bytes for n < 128.
	if !window.Stateful || window.StateBytes != int64(len(want)-2) || window.StateBytes == 0 {
		t.Errorf("window after save: %+v, want %d state bytes", window, len(want)-2)
	}
	if scan := counted.Stats().Read()[1]; scan.Stateful || scan.RowsOut != 3 || window.RowsIn != 3 {
		t.Errorf("scan %+v, window %+v: want 3 rows through, only the window stateful", scan, window)
	}

	restored := build(true)
	if err := restored.LoadState(want); err != nil {
		t.Fatal(err)
	}
	if got := restored.Stats().Read()[0].StateBytes; got != int64(len(want)-2) {
		t.Errorf("after restore: %d state bytes, want %d", got, len(want)-2)
	}
}
