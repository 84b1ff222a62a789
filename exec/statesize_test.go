package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// sizeProbe is a window's input that records the pipeline's StateBytes
// each time the window pulls a batch, which is what a stream's state limit
// sees; with check set it also calls check there.
type sizeProbe struct {
	*stepInput
	pipe  *Pipeline
	sizes []int64
	check func()
}

func (p *sizeProbe) Next(ctx context.Context, b *types.Batch) error {
	p.sizes = append(p.sizes, p.pipe.StateBytes())
	if p.check != nil {
		p.check()
	}
	return p.stepInput.Next(ctx, b)
}

// probedWindow builds (instrumented, as streams are) and opens a pipeline
// computing plan over a sizeProbe of steps.
func probedWindow(t *testing.T, plan *planner.WindowAggregate, steps []inStep) (*Pipeline, *sizeProbe) {
	t.Helper()
	probe := &sizeProbe{stepInput: &stepInput{steps: steps, timeType: plan.Cols[0].Type}}
	env := &Env{Eval: &functions.EvalContext{Now: time.Unix(0, 0), Location: time.UTC}, Scans: stepScans{probe}}
	p, err := BuildPipelineInstrumented(plan, env)
	if err != nil {
		t.Fatal(err)
	}
	probe.pipe = p
	if err := p.Root.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p, probe
}

// groupRows are n rows at time t (seconds) of groups g<first>.. g<first+n-1>.
func groupRows(t int64, first, n int) []inRow {
	rs := make([]inRow, n)
	for i := range rs {
		rs[i] = inRow{t, fmt.Sprintf("g%04d", first+i), int64(i)}
	}
	return rs
}

// within reports whether got is within 20% of want.
func within(got, want int64) bool { return got*10 >= want*8 && got*10 <= want*12 }

// TestWindowStateBytesFollowsGroups: the size grows with the groups of
// the open window, not with rows of existing groups, and falls when the
// watermark closes the window.
func TestWindowStateBytesFollowsGroups(t *testing.T) {
	steps := []inStep{
		{groupRows(1, 0, 100), noMark},
		{groupRows(2, 100, 100), noMark},
		{groupRows(3, 0, 100), noMark}, // the first 100 groups again
		{nil, 10},
	}
	for _, spec := range []windowSpec{
		{kind: planner.Tumble, size: 10}, {kind: planner.Hop, size: 10, slide: 5}, {kind: planner.Session, gap: 5},
	} {
		t.Run(spec.kind.String(), func(t *testing.T) {
			plan := windowPlan(t, spec)
			plan.Aggs, plan.Cols = plan.Aggs[:2], plan.Cols[:5] // count(*), sum(x)
			p, probe := probedWindow(t, plan, steps)
			lines, _ := pullWindow(t, p.Root, plan.Cols, -1, nil)
			if len(lines) < 200 {
				t.Fatalf("%d output lines, want the 200 groups", len(lines))
			}
			s := probe.sizes // s[i]: after i input batches
			if len(s) < 5 {
				t.Fatalf("sizes %v", s)
			}
			perGroup := s[1] / 100
			switch {
			case s[0] != 0:
				t.Errorf("size before any row = %d, want 0", s[0])
			case perGroup < 100 || perGroup > 1000:
				t.Errorf("%d bytes per group of two aggregates: not a plausible estimate", perGroup)
			case !within(s[2]-s[1], s[1]):
				t.Errorf("100 more groups added %d bytes, the first 100 %d", s[2]-s[1], s[1])
			case s[3] != s[2]:
				t.Errorf("rows of existing groups changed the size from %d to %d", s[2], s[3])
			case spec.kind == planner.Session && s[4] != 0:
				t.Errorf("size after every session closed = %d, want 0", s[4])
			case s[4]*2 > s[2]:
				t.Errorf("size after the window closed = %d, before %d", s[4], s[2])
			}
		})
	}
}

// TestWindowStateBytesCountsDistinctLists: a DISTINCT aggregate's size
// follows its distinct values, and repeated values add nothing.
func TestWindowStateBytesCountsDistinctLists(t *testing.T) {
	values := func(from, n int) []inRow {
		rs := make([]inRow, n)
		for i := range rs {
			rs[i] = inRow{1, "k", int64(from + i)}
		}
		return rs
	}
	steps := []inStep{{values(0, 500), noMark}, {values(0, 500), noMark}, {values(500, 500), noMark}, {nil, 10}}
	for _, spec := range []windowSpec{{kind: planner.Tumble, size: 10, noGroups: true}, {kind: planner.Session, gap: 5, noGroups: true}} {
		plan := windowPlan(t, spec)
		plan.Aggs, plan.Cols = plan.Aggs[2:3], append(plan.Cols[:2:2], plan.Cols[4]) // count(DISTINCT x)
		p, probe := probedWindow(t, plan, steps)
		pullWindow(t, p.Root, plan.Cols, -1, nil)
		s := probe.sizes
		if s[2] != s[1] || !within(s[3]-s[2], s[1]) || s[1] < 500*datumBytes || s[4]*10 > s[3] {
			t.Errorf("%s: sizes %v: want growth per distinct value only, and release at the watermark", spec.kind, s)
		}
	}
}

// growingState is an aggregate state reporting 100 bytes per row added.
type growingState struct{ rows int64 }

func (s *growingState) Add([]types.Datum) error { s.rows++; return nil }
func (s *growingState) Result() types.Datum     { return types.NewInt(s.rows) }
func (s *growingState) Merge(other functions.AggState) error {
	s.rows += other.(*growingState).rows
	return nil
}
func (s *growingState) Clone() functions.AggState { c := *s; return &c }
func (s *growingState) StateBytes() int64         { return 100 * s.rows }

// growingPlan is spec's window computing growing(x) per k.
func growingPlan(t *testing.T, spec windowSpec) *planner.WindowAggregate {
	plan := windowPlan(t, spec)
	fn := &functions.Aggregate{Name: "growing", Args: []types.Type{types.Int8}, Result: types.Int8,
		New: func() functions.AggState { return &growingState{} }}
	x := &planner.ColRef{Index: 2, Typ: types.Int8, Name: "x"}
	plan.Aggs = []planner.AggCall{{Fn: fn, Args: []planner.Expr{x}, Typ: types.Int8, Name: "growing"}}
	plan.Cols = append(plan.Cols[:3:3], types.Column{Name: "growing", Type: types.Int8})
	return plan
}

// TestWindowStateBytesAsksSizedStates: an aggregate state reporting its
// size is counted as it grows, including when sessions merge.
func TestWindowStateBytesAsksSizedStates(t *testing.T) {
	steps := []inStep{
		{rows(inRow{1, "a", 1}), noMark},
		{rows(inRow{2, "a", 1}, inRow{3, "a", 1}), noMark},
		{rows(inRow{15, "a", 1}), noMark}, // sessions: a second session of a
		{rows(inRow{8, "a", 1}), noMark},  // sessions: bridges the two
		{nil, 100},
	}
	for _, spec := range []windowSpec{{kind: planner.Tumble, size: 100}, {kind: planner.Session, gap: 10}} {
		plan := growingPlan(t, spec)
		p, probe := probedWindow(t, plan, steps)
		w := p.stateful[0].(*instrumentedState).state.(*windowAggregate)
		pullWindow(t, p.Root, plan.Cols, -1, nil)
		s := probe.sizes
		if s[2]-s[1] != 200 {
			t.Errorf("%s: sizes %v: want +200 for two rows of an existing state", spec.kind, s)
		}
		if spec.kind == planner.Tumble && (s[3]-s[2] != 100 || s[4]-s[3] != 100) {
			t.Errorf("tumble: sizes %v: want +100 per row of the one window", s)
		}
		if spec.kind == planner.Session {
			session := w.sessions.sessionBytes()
			if s[3]-s[2] != session+100 || s[4]-s[3] != 100-session || s[5] != 0 {
				t.Errorf("sessions: sizes %v: a new session costs %d+100, a bridge frees %d and adds 100, closing frees all",
					s, session, session)
			}
		}
	}
}

// recountWindow recomputes from scratch what the window keeps
// incrementally (group key bytes, DISTINCT list bytes, pane and session
// totals), publishes the result and returns it.
func recountWindow(w *windowAggregate) int64 {
	recountDistinct := func(ds []distinctArgs) {
		for i := range ds {
			var n int64
			for l := range ds[i].n {
				list := ds[i].list(l)
				n += distinctListBytes(appendArgsKey(nil, list), list)
			}
			ds[i].bytes = n
		}
	}
	if f := w.fixed; f != nil {
		d := &f.groups
		d.bytes = 0
		for id := range int32(len(d.keys)) {
			if d.live(id) {
				d.bytes += int64(len(d.keys[id])) + textBytes(d.values(id))
			}
		}
		for _, p := range f.open {
			recountDistinct(p.distinct)
		}
		f.recount()
	} else {
		for _, g := range w.sessions.groups {
			for _, ss := range g.sessions {
				recountDistinct(ss.distinct)
			}
		}
		w.sessions.recount()
	}
	w.publishSize()
	return w.stateBytes()
}

// TestWindowStateBytesMatchesRecount: over random input with late rows,
// merging sessions and DISTINCT aggregates, the size kept as state changes
// equals one computed from scratch at every batch.
func TestWindowStateBytesMatchesRecount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var steps []inStep
	for step := range 60 {
		var rs []inRow
		for range rng.IntN(40) {
			rs = append(rs, inRow{int64(step) + rng.Int64N(20) - 10, fmt.Sprintf("k%d", rng.IntN(200)), rng.Int64N(30)})
		}
		wm := int64(noMark)
		if step%4 == 3 {
			wm = int64(step) - 8
		}
		steps = append(steps, inStep{rs, wm})
	}
	for _, spec := range []windowSpec{
		{kind: planner.Tumble, size: 5}, {kind: planner.Hop, size: 9, slide: 3, lateSec: 2}, {kind: planner.Session, gap: 3},
	} {
		plan := windowPlan(t, spec)
		p, probe := probedWindow(t, plan, steps)
		w := p.stateful[0].(*instrumentedState).state.(*windowAggregate)
		checks := 0
		probe.check = func() {
			published := w.stateBytes()
			if recounted := recountWindow(w); recounted != published {
				t.Fatalf("%s, batch %d: published %d bytes, recounted %d", spec.kind, checks, published, recounted)
			}
			checks++
		}
		pullWindow(t, p.Root, plan.Cols, -1, nil)
		if checks != len(steps)+1 {
			t.Fatalf("%s: %d checks", spec.kind, checks)
		}
		probe.check()
	}
}

// TestWindowStateBytesAfterRestore: a restored window publishes the size
// of the state it loaded.
func TestWindowStateBytesAfterRestore(t *testing.T) {
	// The watermark closes no window: Next returns it, the rows still open.
	steps := []inStep{{groupRows(1, 0, 300), noMark}, {nil, 0}}
	for _, spec := range []windowSpec{{kind: planner.Tumble, size: 10}, {kind: planner.Session, gap: 5}} {
		plan := windowPlan(t, spec)
		var late int64
		first, _ := windowPipeline(t, plan, steps, &late)
		pullWindow(t, first.Root, plan.Cols, 1, nil)
		saved, err := first.AppendState(nil)
		if err != nil {
			t.Fatal(err)
		}
		second, _ := windowPipeline(t, plan, nil, &late)
		if err := second.LoadState(saved); err != nil {
			t.Fatal(err)
		}
		got, want := second.StateBytes(), first.StateBytes()
		if want < 300*datumBytes || !within(got, want) {
			t.Errorf("%s: restored state of %d bytes, the saved one %d", spec.kind, got, want)
		}
	}
}

// TestWindowStateBytesIsProportionalToHeap: the estimate is within a
// factor of two of the heap the window's state takes.
func TestWindowStateBytesIsProportionalToHeap(t *testing.T) {
	const groups = 20000
	var steps []inStep
	for first := 0; first < groups; first += 1000 {
		steps = append(steps, inStep{groupRows(1, first, 1000), noMark})
	}
	steps = append(steps, inStep{nil, 10})
	for _, spec := range []windowSpec{{kind: planner.Tumble, size: 10}, {kind: planner.Session, gap: 5}} {
		plan := windowPlan(t, spec)
		plan.Aggs, plan.Cols = plan.Aggs[:2], plan.Cols[:5]
		p, probe := probedWindow(t, plan, steps)
		var heap [2]uint64
		var estimate int64
		probe.check = func() {
			switch len(probe.sizes) {
			case 1, len(steps):
				var m runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m)
				heap[min(len(probe.sizes)-1, 1)] = m.HeapAlloc
				estimate = probe.sizes[len(probe.sizes)-1]
			}
		}
		pullWindow(t, p.Root, plan.Cols, -1, nil)
		grown := int64(heap[1]) - int64(heap[0])
		if estimate < grown/2 || estimate > grown*2 {
			t.Errorf("%s: estimated %d bytes for %d groups, the heap grew by %d", spec.kind, estimate, groups, grown)
		}
	}
}

// TestRowBufferSize: an interval join buffer's size follows its rows and
// their strings, and falls as the watermark expires them.
func TestRowBufferSize(t *testing.T) {
	rb := rowBuffer{width: 3}
	key := []byte("k")
	text := "0123456789abcdefghij" // 20 bytes per row
	const n = 10 * compactAboveSlots
	row := []types.Datum{types.NewTimestamp(0), types.NewText(text), types.NewInt(1)}
	sizes := []int64{rb.size()}
	for i := range n {
		key[0] = byte('a' + i%7)
		rb.insert(key, hashJoinKey(key), row, int64(i), false)
		if i == n/2-1 {
			sizes = append(sizes, rb.size())
		}
	}
	sizes = append(sizes, rb.size())
	if rb.text != 20*n || sizes[0] != 0 {
		t.Fatalf("text %d bytes, empty size %d", rb.text, sizes[0])
	}
	perRow := sizes[2] / n
	if perRow < 3*datumBytes+20 || perRow > 3*(3*datumBytes+20) || !within(sizes[2]-sizes[1], sizes[1]) {
		t.Errorf("sizes %v for %d rows of %d bytes", sizes, n, 3*datumBytes+20)
	}
	rb.expireBefore(n/2, nil)
	if rb.text != 20*n/2 {
		t.Errorf("text after half expired = %d, want %d", rb.text, 20*n/2)
	}
	rb.expireBefore(n-100, nil)
	if got := rb.size(); got*10 > sizes[2] || rb.text != 20*100 {
		t.Errorf("size %d (text %d) with 100 rows left, %d with %d", got, rb.text, sizes[2], n)
	}
	rb.expireBefore(n, nil)
	if rb.text != 0 {
		t.Errorf("text %d with no rows", rb.text)
	}
}

// TestIntervalJoinStateBytes: the join publishes its buffers' size, which
// a pipeline sums, and the expiry by the other side's watermark shrinks.
func TestIntervalJoinStateBytes(t *testing.T) {
	p, err := BuildPipeline(ijPlan(t, 0, 10, false), &Env{
		Eval:  &functions.EvalContext{Now: time.Unix(0, 0), Location: time.UTC},
		Scans: namedScans{"l": &ijInput{}, "r": &ijInput{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	j := p.stateful[0].(*intervalJoin)
	st := &j.state
	feed := func(step ijStep) int64 {
		st.in, st.inSide, st.pos = ijBatch(step), step.side, 0
		out := types.NewBatch(6)
		for finished := false; !finished; {
			out.Reset(6)
			if finished, err = st.consume(out); err != nil {
				t.Fatal(err)
			}
		}
		st.in = nil
		j.publishSize()
		return p.StateBytes()
	}
	var left []ijRow
	for i := range 5 * compactAboveSlots {
		left = append(left, ijRow{int64(i / 100), int64(i % 50), 1})
	}
	half := feed(ijStep{side: leftSide, rows: left[:len(left)/2], wm: noMark})
	full := feed(ijStep{side: leftSide, rows: left[len(left)/2:], wm: noMark})
	if half < int64(len(left)/2)*3*datumBytes || !within(full-half, half) {
		t.Fatalf("sizes %d after %d left rows, %d after %d", half, len(left)/2, full, len(left))
	}
	// Left rows expire once right.ts - left.ts can no longer be <= 10s.
	expired := feed(ijStep{side: rightSide, wm: int64(len(left)/100) + 11})
	if st.sides[leftSide].buf.len() != 0 || expired*10 > full {
		t.Errorf("size %d after the right watermark expired %d left rows (was %d)", expired, st.sides[leftSide].buf.len(), full)
	}
}

// namedScans opens each Scan by its relation's name.
type namedScans map[string]Operator

func (s namedScans) OpenScan(n *planner.Scan) (Operator, error) { return s[n.Rel.Name], nil }

// TestStateBytesAllocatesNothing: publishing and reading sizes, done
// once per batch, allocate nothing.
func TestStateBytesAllocatesNothing(t *testing.T) {
	plan := windowPlan(t, windowSpec{kind: planner.Hop, size: 10, slide: 2})
	p, _ := probedWindow(t, plan, nil)
	w := p.stateful[0].(*instrumentedState).state.(*windowAggregate)
	row := []types.Datum{types.NewTimestamp(5 * sec), types.NewText("a"), types.NewInt(1)}
	if _, err := w.fixed.add(row, row[0].I, types.NoWatermark); err != nil {
		t.Fatal(err)
	}
	j, err := NewIntervalJoin(nil, nil, ijPlan(t, 0, 10, false), ijEnv())
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		w.publishSize()
		j.(*intervalJoin).publishSize()
		if p.StateBytes() == 0 {
			t.Fatal("no state published")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch", allocs)
	}
}
