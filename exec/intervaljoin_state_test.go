package exec

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// ijResult is what feeding steps to a join produced: its rows and output
// watermarks, and the buffer sizes after each step.
type ijResult struct {
	rows     []string
	marks    []int64
	buffered [][2]int
}

// feedIntervalSteps feeds steps to st in order as Next would, leaving no
// batch half joined after a step.
func feedIntervalSteps(t *testing.T, st *intervalState, steps []ijStep, res *ijResult) {
	t.Helper()
	out := types.NewBatch(6)
	collect := func() {
		for r := 0; r < out.Len; r++ {
			res.rows = append(res.rows, ijFormat(out.Row(r)))
		}
		if out.Watermark != types.NoWatermark {
			res.marks = append(res.marks, out.Watermark/sec)
		}
	}
	for _, step := range steps {
		if step.eof {
			st.end(step.side)
			for finished := false; !finished; {
				out.Reset(6)
				finished = st.flush(out)
				collect()
			}
		} else {
			st.in, st.inSide, st.pos = ijBatch(step), step.side, 0
			for finished := false; !finished; {
				out.Reset(6)
				var err error
				if finished, err = st.consume(out); err != nil {
					t.Fatal(err)
				}
				collect()
			}
			st.in = nil
		}
		res.buffered = append(res.buffered, [2]int{st.sides[leftSide].buf.len(), st.sides[rightSide].buf.len()})
	}
}

func newTestIntervalJoin(t *testing.T, c ijCase) *intervalJoin {
	t.Helper()
	op, err := NewIntervalJoin(nil, nil, ijPlan(t, c.lower, c.upper, c.residual), ijEnv())
	if err != nil {
		t.Fatal(err)
	}
	j := op.(*intervalJoin)
	j.state.outer = c.outer
	return j
}

// TestIntervalJoinStateRestore cuts every case after every step, restores
// the saved state into a join built afresh from the same plan and feeds it
// the remaining steps: rows, watermarks and buffers must be those of an
// uninterrupted run.
func TestIntervalJoinStateRestore(t *testing.T) {
	cases := append(slices.Clone(ijCases), ijCase{
		name: "many keys and rows buffered on both sides", lower: -3, upper: 4, residual: true,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{10, 1, 1}, {11, 2, 2}, {12, 1, 3}, {10, 3, 4}, {13, 2, 0}}, wm: 5},
			{side: rightSide, rows: []ijRow{{9, 1, 5}, {14, 2, 6}, {12, 3, 1}, {15, 1, 7}}, wm: 8},
			{side: leftSide, rows: []ijRow{{14, 1, 2}, {9, 2, 1}}, wm: 11},
			{side: rightSide, rows: []ijRow{{13, 1, 9}, {16, 2, 9}, {11, 3, 9}}, wm: 14},
			{side: leftSide, rows: []ijRow{{15, 3, 1}, {17, 2, 3}}, wm: 16},
			{side: rightSide, rows: []ijRow{{18, 3, 4}, {20, 2, 5}}, wm: 21},
			{side: leftSide, eof: true},
			{side: rightSide, rows: []ijRow{{22, 2, 8}}, wm: 30},
		},
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want ijResult
			feedIntervalSteps(t, &newTestIntervalJoin(t, c).state, c.steps, &want)
			for cut := range len(c.steps) + 1 {
				var got ijResult
				first := newTestIntervalJoin(t, c)
				feedIntervalSteps(t, &first.state, c.steps[:cut], &got)
				saved, err := first.appendState(nil)
				if err != nil {
					t.Fatalf("cut %d: %v", cut, err)
				}
				second := newTestIntervalJoin(t, c)
				if err := second.loadState(saved); err != nil {
					t.Fatalf("cut %d: %v", cut, err)
				}
				if resaved, err := second.appendState(nil); err != nil || !bytes.Equal(resaved, saved) {
					t.Fatalf("cut %d: the restored state saves differently (%v)", cut, err)
				}
				feedIntervalSteps(t, &second.state, c.steps[cut:], &got)
				if !slices.Equal(got.rows, want.rows) || !slices.Equal(got.marks, want.marks) || !slices.Equal(got.buffered, want.buffered) {
					t.Fatalf("cut %d:\ngot  %v %v %v\nwant %v %v %v", cut, got.rows, got.marks, got.buffered, want.rows, want.marks, want.buffered)
				}
			}
		})
	}
}

// TestIntervalJoinStateSavesRowsInArrivalOrder: two joins holding the same
// rows save the same bytes whatever slots and key groups they use, and a
// key's rows are probed in arrival order after a restore.
func TestIntervalJoinStateSavesRowsInArrivalOrder(t *testing.T) {
	c := ijCase{lower: 0, upper: 100}
	churned := newTestIntervalJoin(t, c)
	var ignored ijResult
	feedIntervalSteps(t, &churned.state, []ijStep{
		{side: leftSide, rows: []ijRow{{1, 9, 0}, {2, 8, 0}, {3, 7, 0}}, wm: noMark},
		// Right watermark 104 expires the left rows before 4.
		{side: rightSide, wm: 104},
		{side: leftSide, rows: []ijRow{{50, 2, 1}, {60, 1, 2}, {40, 2, 3}}, wm: noMark},
	}, &ignored)
	fresh := newTestIntervalJoin(t, c)
	feedIntervalSteps(t, &fresh.state, []ijStep{
		{side: rightSide, wm: 104},
		{side: leftSide, rows: []ijRow{{50, 2, 1}, {60, 1, 2}, {40, 2, 3}}, wm: noMark},
	}, &ignored)
	a, errA := churned.appendState(nil)
	b, errB := fresh.appendState(nil)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("equal states saved differently (%v, %v)", errA, errB)
	}
	restored := newTestIntervalJoin(t, c)
	if err := restored.loadState(a); err != nil {
		t.Fatal(err)
	}
	var got ijResult
	feedIntervalSteps(t, &restored.state, []ijStep{{side: rightSide, rows: []ijRow{{120, 2, 9}}, wm: noMark}}, &got)
	if want := []string{"50/2/1-120/2/9", "40/2/3-120/2/9"}; !slices.Equal(got.rows, want) {
		t.Fatalf("got %v, want %v", got.rows, want)
	}
}

func TestIntervalJoinStateRefusesHalfJoinedBatch(t *testing.T) {
	j := newTestIntervalJoin(t, ijCase{lower: 0, upper: 10})
	saved, err := j.appendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	j.state.in, j.state.inSide = ijBatch(ijStep{rows: []ijRow{{1, 1, 1}}}), leftSide
	if _, err := j.appendState(nil); err == nil {
		t.Fatal("saved a join with a half-joined batch")
	}
	if err := j.loadState(saved); err == nil {
		t.Fatal("restored a join with a half-joined batch")
	}
}

func TestIntervalJoinStateRejectsCorruptInput(t *testing.T) {
	c := ijCase{lower: -5, upper: 5, residual: true}
	j := newTestIntervalJoin(t, c)
	var ignored ijResult
	feedIntervalSteps(t, &j.state, []ijStep{
		{side: leftSide, rows: []ijRow{{10, 1, 1}, {11, 2, 2}, {12, 1, 3}}, wm: 4},
		{side: rightSide, rows: []ijRow{{9, 3, 5}, {14, 2, 6}}, wm: 6},
	}, &ignored)
	saved, err := j.appendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, data []byte) {
		t.Helper()
		if err := j.loadState(data); types.CodeOf(err) != types.CodeDataCorrupted {
			t.Fatalf("%s: got %v, want a %s error", what, err, types.CodeDataCorrupted)
		}
		if kept, _ := j.appendState(nil); !bytes.Equal(kept, saved) {
			t.Fatalf("%s: a failed load changed the state", what)
		}
	}
	for n := range len(saved) {
		check(fmt.Sprintf("truncated to %d bytes", n), saved[:n])
	}
	check("trailing byte", append(slices.Clone(saved), 0))
	bad := slices.Clone(saved)
	bad[0] = intervalStateVersion + 1
	check("unknown version", bad)

	// Left keys 1 and 2 swapped: out of order.
	swapped := newTestIntervalJoin(t, c)
	feedIntervalSteps(t, &swapped.state, []ijStep{{side: leftSide, rows: []ijRow{{10, 1, 1}, {11, 2, 2}}, wm: noMark}}, &ignored)
	one, two := types.AppendKey(nil, types.NewInt(1)), types.AppendKey(nil, types.NewInt(2))
	good, err := swapped.appendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	i, k := bytes.Index(good, one), bytes.Index(good, two)
	if i < 0 || k < 0 || len(one) != len(two) {
		t.Fatalf("keys not found in the saved state")
	}
	bad = slices.Clone(good)
	copy(bad[i:], two)
	copy(bad[k:], one)
	if err := swapped.loadState(bad); types.CodeOf(err) != types.CodeDataCorrupted {
		t.Fatalf("keys out of order: got %v", err)
	}

	// Flipped bytes must fail or load; never panic.
	for i := range saved {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := slices.Clone(saved)
			bad[i] ^= mask
			_ = j.loadState(bad)
		}
	}
}
