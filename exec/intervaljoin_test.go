package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// Test rows of both sides are (ts timestamp, k int8, x int8).
var ijCols = types.Schema{{Name: "ts", Type: types.Timestamp}, {Name: "k", Type: types.Int8}, {Name: "x", Type: types.Int8}}

// nullKey is a key the test inputs send as NULL.
const nullKey = int64(-1)

// ijRow is a test row: event time in seconds (nullTime: NULL), key, value.
type ijRow struct{ t, k, x int64 }

// ijStep is one batch of one side (or that side's end), and optionally
// the buffer sizes (left, right) expected after it.
type ijStep struct {
	side     int
	rows     []ijRow
	wm       int64 // seconds or noMark
	eof      bool
	buffered *[2]int
}

func ijBatch(st ijStep) *types.Batch {
	b := types.NewBatch(len(ijCols))
	for _, r := range st.rows {
		t, k := types.NewTimestamp(r.t*sec), types.NewInt(r.k)
		if r.t == nullTime {
			t = types.Null
		}
		if r.k == nullKey {
			k = types.Null
		}
		b.Append([]types.Datum{t, k, types.NewInt(r.x)})
	}
	if st.wm != noMark {
		b.Watermark = st.wm * sec
	}
	return b
}

// ijInput is a live input yielding its steps' batches, then io.EOF, or
// with block set, then blocking until its context is done.
type ijInput struct {
	steps []ijStep
	block bool
	pos   int
}

func (in *ijInput) Open(context.Context) error { in.pos = 0; return nil }

func (in *ijInput) Next(ctx context.Context, b *types.Batch) error {
	b.Reset(len(ijCols))
	if in.pos == len(in.steps) {
		if in.block {
			<-ctx.Done()
			return ctx.Err()
		}
		return io.EOF
	}
	src := ijBatch(in.steps[in.pos])
	in.pos++
	b.Datums = append(b.Datums, src.Datums...)
	b.Len, b.Watermark = src.Len, src.Watermark
	return nil
}

func (in *ijInput) Close(context.Context) error { return nil }

// ijPlan joins on k with right.ts - left.ts in [lower, upper] seconds;
// with residual, also left.x < right.x.
func ijPlan(t testing.TB, lower, upper int64, residual bool) *planner.IntervalJoin {
	scan := func(name string) planner.Node {
		return &planner.Scan{Rel: &planner.Relation{Name: name, Schema: ijCols}, Mode: planner.ScanLive}
	}
	n := &planner.IntervalJoin{
		Left: scan("l"), Right: scan("r"),
		LeftKeys:  []planner.Expr{&planner.ColRef{Index: 1, Typ: types.Int8, Name: "k"}},
		RightKeys: []planner.Expr{&planner.ColRef{Index: 1, Typ: types.Int8, Name: "k"}},
		LeftTime:  0, RightTime: 0,
		Lower: lower * sec, Upper: upper * sec,
	}
	if residual {
		n.Residual = call(t, "<", &planner.ColRef{Index: 2, Typ: types.Int8, Name: "x"}, &planner.ColRef{Index: 5, Typ: types.Int8, Name: "x"})
	}
	return n
}

func ijEnv() *Env {
	return &Env{Eval: &functions.EvalContext{Now: time.Unix(0, 0), Location: time.UTC}}
}

// ijFormat renders a joined row as "lt/lk/lx-rt/rk/rx" (times in seconds,
// N for NULL), or "lt/lk/lx-NULL" when the right columns are all NULL.
func ijFormat(row []types.Datum) string {
	col := func(i int) string {
		switch {
		case row[i].IsNull():
			return "N"
		case i%3 == 0:
			return fmt.Sprint(row[i].I / sec)
		}
		return fmt.Sprint(row[i].I)
	}
	left := col(0) + "/" + col(1) + "/" + col(2)
	if row[3].IsNull() && row[4].IsNull() && row[5].IsNull() {
		return left + "-NULL"
	}
	return left + "-" + col(3) + "/" + col(4) + "/" + col(5)
}

type ijCase struct {
	name         string
	lower, upper int64
	residual     bool
	// outer makes it a LEFT join.
	outer     bool
	steps     []ijStep
	want      []string // joined rows in output order
	wantMarks []int64  // output watermarks in order (seconds)
	// orderSensitive cases (late rows) depend on how the two sides
	// interleave, so they only run with the steps' fixed interleaving.
	orderSensitive bool
}

func sizes(l, r int) *[2]int { return &[2]int{l, r} }

var ijCases = []ijCase{
	{
		name: "bounds are inclusive", lower: 0, upper: 10,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, 1, 1}}, wm: noMark},
			{side: rightSide, rows: []ijRow{{99, 1, 2}, {100, 1, 3}, {105, 1, 4}, {110, 1, 5}, {111, 1, 6}}, wm: noMark},
		},
		want: []string{"100/1/1-100/1/3", "100/1/1-105/1/4", "100/1/1-110/1/5"},
	},
	{
		name: "negative lower bound, right side first", lower: -5, upper: 5,
		steps: []ijStep{
			{side: rightSide, rows: []ijRow{{94, 1, 1}, {95, 1, 2}, {105, 1, 3}, {106, 1, 4}}, wm: noMark},
			{side: leftSide, rows: []ijRow{{100, 1, 9}}, wm: noMark},
		},
		want: []string{"100/1/9-95/1/2", "100/1/9-105/1/3"},
	},
	{
		name: "multiple keys", lower: 0, upper: 10,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, 1, 1}, {100, 2, 2}, {101, 3, 3}}, wm: noMark},
			{side: rightSide, rows: []ijRow{{102, 2, 4}, {103, 1, 5}, {104, 4, 6}, {105, 2, 7}}, wm: noMark},
		},
		want: []string{"100/2/2-102/2/4", "100/1/1-103/1/5", "100/2/2-105/2/7"},
	},
	{
		name: "residual", lower: 0, upper: 10, residual: true,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, 1, 5}}, wm: noMark},
			{side: rightSide, rows: []ijRow{{101, 1, 4}, {102, 1, 5}, {103, 1, 6}}, wm: noMark},
		},
		want: []string{"100/1/5-103/1/6"},
	},
	{
		name: "out of order within the watermark", lower: 0, upper: 5,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{105, 1, 1}, {100, 1, 2}}, wm: 95},
			{side: rightSide, rows: []ijRow{{108, 1, 3}}, wm: 96},
			{side: leftSide, rows: []ijRow{{103, 1, 4}}, wm: 100},
			{side: rightSide, rows: []ijRow{{102, 1, 5}, {101, 1, 6}}, wm: 100},
		},
		want: []string{
			"105/1/1-108/1/3", "103/1/4-108/1/3",
			"100/1/2-102/1/5", "100/1/2-101/1/6",
		},
		wantMarks: []int64{91, 95},
	},
	{
		name: "NULL keys and times never match and are not buffered", lower: 0, upper: 10,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, nullKey, 1}, {nullTime, 1, 2}}, wm: noMark, buffered: sizes(0, 0)},
			{side: rightSide, rows: []ijRow{{100, nullKey, 3}, {nullTime, 1, 4}, {101, 1, 5}}, wm: noMark, buffered: sizes(0, 1)},
		},
	},
	{
		name: "expiry follows the other side's watermark", lower: 0, upper: 10,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, 1, 1}, {105, 1, 2}, {110, 2, 3}}, wm: noMark, buffered: sizes(3, 0)},
			{side: rightSide, rows: []ijRow{{100, 1, 4}, {120, 2, 5}}, wm: noMark, buffered: sizes(3, 2)},
			// Left rows need time + 10 >= 112: the one at 100 goes.
			{side: rightSide, wm: 112, buffered: sizes(2, 2)},
			// Right rows need time >= 110: the one at 100 goes.
			{side: leftSide, wm: 110, buffered: sizes(2, 1)},
			{side: rightSide, wm: 121, buffered: sizes(0, 1)},
			{side: leftSide, wm: 121, buffered: sizes(0, 0)},
		},
		want:      []string{"100/1/1-100/1/4", "110/2/3-120/2/5"},
		wantMarks: []int64{102, 110, 111},
	},
	{
		// The output watermark is min(left, right - Upper): a new right row can
		// still match left rows down to its time - Upper.
		name: "output watermark is the minimum", lower: 0, upper: 1,
		steps: []ijStep{
			{side: leftSide, wm: 10},
			{side: rightSide, wm: 5},
			{side: rightSide, wm: 20},
			{side: leftSide, wm: 15},
			{side: leftSide, wm: 12},
			{side: rightSide, wm: 30},
		},
		wantMarks: []int64{4, 10, 15},
	},
	{
		name: "one side ending", lower: 0, upper: 10,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, 1, 1}}, wm: 100},
			{side: rightSide, rows: []ijRow{{95, 1, 2}, {101, 1, 3}}, wm: 90, buffered: sizes(1, 1)},
			// The buffered right rows can meet no future left row.
			{side: leftSide, eof: true, buffered: sizes(1, 0)},
			{side: rightSide, rows: []ijRow{{104, 1, 4}}, wm: 105, buffered: sizes(1, 0)},
			{side: rightSide, wm: 111, buffered: sizes(0, 0)},
			{side: rightSide, eof: true},
		},
		want:      []string{"100/1/1-101/1/3", "100/1/1-104/1/4"},
		wantMarks: []int64{80, 95, 101},
	},
	{
		name: "late rows meet what is still buffered", lower: 0, upper: 10, orderSensitive: true,
		steps: []ijStep{
			{side: rightSide, rows: []ijRow{{155, 1, 1}, {205, 1, 2}}, wm: 180},
			// Left watermark 200 expires the right row at 155.
			{side: leftSide, rows: []ijRow{{300, 2, 3}}, wm: 200, buffered: sizes(1, 1)},
			// Late left rows: 198 still meets 205 and stays buffered, as
			// a right row up to 208 may still come; 150 would have met
			// 155, which is gone, and no future right row (time >= 180)
			// can meet it, so it is not buffered.
			{side: leftSide, rows: []ijRow{{198, 1, 4}, {150, 1, 5}}, wm: noMark, buffered: sizes(2, 1)},
		},
		want:      []string{"198/1/4-205/1/2"},
		wantMarks: []int64{170},
	},
	{
		name: "left: unmatched rows come out when the right watermark passes time + upper", lower: 0, upper: 10, outer: true,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, 1, 1}, {100, 2, 2}, {105, 1, 3}}, wm: 100},
			{side: rightSide, rows: []ijRow{{104, 1, 4}}, wm: 95},
			// Left rows before 101 are past: 100/2/2 never matched.
			{side: rightSide, wm: 111, buffered: sizes(1, 1)},
			{side: leftSide, rows: []ijRow{{112, 1, 5}}, wm: 112, buffered: sizes(2, 0)},
			// A late row no future right row can meet, and a NULL key,
			// come out at once.
			{side: leftSide, rows: []ijRow{{90, 3, 6}, {113, nullKey, 7}}, wm: noMark, buffered: sizes(2, 0)},
			{side: rightSide, rows: []ijRow{{122, 1, 8}}, wm: 118, buffered: sizes(1, 1)},
			// The right end settles the rest: 112/1/5 matched.
			{side: rightSide, eof: true, buffered: sizes(0, 1)},
			{side: leftSide, eof: true},
		},
		want: []string{
			"100/1/1-104/1/4", "100/2/2-NULL", "90/3/6-NULL", "113/N/7-NULL",
			"112/1/5-122/1/8", "105/1/3-NULL",
		},
		wantMarks: []int64{85, 100, 101, 108, 112},
	},
	{
		name: "left: a pair failing the residual is no match", lower: 0, upper: 10, residual: true, outer: true,
		steps: []ijStep{
			{side: leftSide, rows: []ijRow{{100, 1, 5}, {100, 1, 2}}, wm: 100},
			{side: rightSide, rows: []ijRow{{101, 1, 4}, {102, 1, 3}}, wm: 111},
		},
		want:      []string{"100/1/2-101/1/4", "100/1/2-102/1/3", "100/1/5-NULL"},
		wantMarks: []int64{100},
	},
	{
		name: "left: after the right end, left rows come out at once", lower: 0, upper: 10, outer: true,
		steps: []ijStep{
			{side: rightSide, rows: []ijRow{{105, 1, 1}}, wm: 50},
			{side: leftSide, rows: []ijRow{{100, 1, 2}, {100, 2, 3}}, wm: 60},
			{side: rightSide, eof: true, buffered: sizes(0, 1)},
			// Buffered right rows still match.
			{side: leftSide, rows: []ijRow{{200, 2, 4}, {101, 1, 5}}, wm: 200, buffered: sizes(0, 0)},
			{side: leftSide, eof: true},
		},
		want:      []string{"100/1/2-105/1/1", "100/2/3-NULL", "200/2/4-NULL", "101/1/5-105/1/1"},
		wantMarks: []int64{40, 60, 200},
	},
}

// runIntervalSteps feeds the steps to the join state in their order and
// returns the output rows and watermarks, checking the buffer sizes the
// steps expect.
func runIntervalSteps(t *testing.T, c ijCase) (rows []string, marks []int64) {
	var res ijResult
	feedIntervalSteps(t, &newTestIntervalJoin(t, c).state, c.steps, &res)
	for i, step := range c.steps {
		if step.buffered != nil && res.buffered[i] != *step.buffered {
			t.Errorf("step %d: buffered (left, right) = %v, want %v", i, res.buffered[i], *step.buffered)
		}
	}
	return res.rows, res.marks
}

func TestIntervalJoinSteps(t *testing.T) {
	for _, c := range ijCases {
		t.Run(c.name, func(t *testing.T) {
			rows, marks := runIntervalSteps(t, c)
			if !slices.Equal(rows, c.want) {
				t.Errorf("rows = %v, want %v", rows, c.want)
			}
			if !slices.Equal(marks, c.wantMarks) {
				t.Errorf("watermarks = %v, want %v", marks, c.wantMarks)
			}
		})
	}
}

// TestIntervalJoinLive runs the cases through the operator with live
// inputs pulled concurrently: which rows join must not depend on how the
// sides interleave (the watermarks do).
func TestIntervalJoinLive(t *testing.T) {
	ctx := context.Background()
	for _, c := range ijCases {
		if c.orderSensitive {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var inputs [2]ijInput
			for _, step := range c.steps {
				if !step.eof {
					inputs[step.side].steps = append(inputs[step.side].steps, step)
				}
			}
			op, err := NewIntervalJoin(&inputs[leftSide], &inputs[rightSide], ijPlan(t, c.lower, c.upper, c.residual), ijEnv())
			if err != nil {
				t.Fatal(err)
			}
			op.(*intervalJoin).state.outer = c.outer
			if err := op.Open(ctx); err != nil {
				t.Fatal(err)
			}
			var rows []string
			last := types.NoWatermark
			out := types.NewBatch(6)
			for {
				err := op.Next(ctx, out)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if out.Len == 0 && out.Watermark == types.NoWatermark {
					t.Fatal("empty batch without a watermark")
				}
				if out.Watermark != types.NoWatermark {
					if out.Watermark <= last {
						t.Errorf("watermark %d after %d", out.Watermark, last)
					}
					last = out.Watermark
				}
				for r := 0; r < out.Len; r++ {
					rows = append(rows, ijFormat(out.Row(r)))
				}
			}
			if err := op.Next(ctx, out); err != io.EOF {
				t.Errorf("Next after the end = %v, want io.EOF", err)
			}
			st := &op.(*intervalJoin).state
			if l, r := st.sides[leftSide].buf.len(), st.sides[rightSide].buf.len(); l+r != 0 {
				t.Errorf("buffered after both ends: %d, %d", l, r)
			}
			if err := op.Close(ctx); err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(c.want)
			slices.Sort(want)
			slices.Sort(rows)
			if !slices.Equal(rows, want) {
				t.Errorf("rows = %v, want %v", rows, want)
			}
		})
	}
}

// TestIntervalJoinQuietSide: the right input yields one batch and then
// blocks for good; the left one's rows still flow.
func TestIntervalJoinQuietSide(t *testing.T) {
	ctx := context.Background()
	right := &ijInput{steps: []ijStep{{side: rightSide, rows: []ijRow{{105, 1, 2}}, wm: 50}}, block: true}
	left := &ijInput{steps: []ijStep{{side: leftSide, rows: []ijRow{{100, 1, 1}}, wm: 60}}, block: true}
	op, err := NewIntervalJoin(left, right, ijPlan(t, 0, 10, false), ijEnv())
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	out := types.NewBatch(6)
	var rows []string
	for len(rows) == 0 {
		if err := op.Next(ctx, out); err != nil {
			t.Fatal(err)
		}
		for r := 0; r < out.Len; r++ {
			rows = append(rows, ijFormat(out.Row(r)))
		}
	}
	if want := []string{"100/1/1-105/1/2"}; !slices.Equal(rows, want) {
		t.Errorf("rows = %v, want %v", rows, want)
	}
	// Both inputs are now blocked: Next waits until its context is done.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for {
		err := op.Next(canceled, out)
		if errors.Is(err, context.Canceled) {
			break
		}
		if err != nil || out.Len > 0 {
			t.Fatalf("Next = %v with %d rows, want context.Canceled", err, out.Len)
		}
	}
	if err := op.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestIntervalJoinRejectsNonTimestampTime(t *testing.T) {
	n := ijPlan(t, 0, 1, false)
	n.RightTime = 1
	_, err := NewIntervalJoin(nil, nil, n, ijEnv())
	var e *types.Error
	if !errors.As(err, &e) || e.Code != types.CodeDatatypeMismatch {
		t.Fatalf("err = %v, want %s", err, types.CodeDatatypeMismatch)
	}
}

func TestIntervalBoundsArithmetic(t *testing.T) {
	const maxT, minT = int64(1<<63 - 1), int64(-1 << 63)
	cases := []struct {
		l, r, lower, upper int64
		want               bool
	}{
		{0, 5, 0, 5, true},
		{0, 6, 0, 5, false},
		{0, -1, 0, 5, false},
		{minT, maxT, minT, maxT, false}, // r - l overflows
		{maxT, minT, minT, maxT, false},
		{-1, maxT - 1, 0, maxT, true},
		{-1, maxT, 0, maxT, false}, // the difference is 2^63
	}
	for _, c := range cases {
		if got := inBounds(c.l, c.r, c.lower, c.upper); got != c.want {
			t.Errorf("inBounds(%d, %d, %d, %d) = %v", c.l, c.r, c.lower, c.upper, got)
		}
	}
	if satAdd(maxT, 1) != maxT || satAdd(minT, -1) != minT || satSub(minT, 1) != minT || satSub(maxT, -1) != maxT || satSub(5, 3) != 2 {
		t.Error("saturating arithmetic is wrong")
	}
}

// TestRowBufferShrinks: a burst fills the buffer, then the watermark
// expires it; storage is compacted down with the rows.
func TestRowBufferShrinks(t *testing.T) {
	rb := rowBuffer{width: 3}
	row := []types.Datum{types.NewTimestamp(0), types.NewText("k"), types.NewInt(1)}
	key := []byte("k")
	const n = 10 * compactAboveSlots
	for i := range n {
		key[0] = byte('a' + i%7)
		rb.insert(key, hashJoinKey(key), row, int64(i), false)
	}
	rb.expireBefore(n-100, nil)
	if rb.len() != 100 {
		t.Fatalf("len = %d, want 100", rb.len())
	}
	if len(rb.slots) >= n/4 || cap(rb.datums) >= n/4*3 {
		t.Errorf("storage not compacted: %d slots, %d datums", len(rb.slots), cap(rb.datums))
	}
	// Each key still chains its rows in arrival (here: time) order.
	total := 0
	for g := range 7 {
		key[0] = byte('a' + g)
		prev := int64(-1)
		for s := rb.first(key, hashJoinKey(key)); s >= 0; s = rb.slots[s].next {
			if rb.slots[s].t <= prev || rb.slots[s].t < n-100 {
				t.Fatalf("key %c: time %d after %d", key[0], rb.slots[s].t, prev)
			}
			prev = rb.slots[s].t
			total++
		}
	}
	if total != 100 {
		t.Errorf("chains hold %d rows, want 100", total)
	}
	rb.expireBefore(n, nil)
	if rb.len() != 0 || rb.keys != 0 {
		t.Errorf("after full expiry: %d rows, %d keys", rb.len(), rb.keys)
	}
}

const (
	ijBenchRows = 1_000_000
	ijBenchKeys = 1000
	// ijBenchRate is event-time rows per second per side: 1M rows span 100s.
	ijBenchRate = 10_000
)

// ijGen is a live-like input of ijBenchRows rows (ts, k, x): times advance
// at ijBenchRate rows/s with up to 40ms of disorder, k cycles over
// ijBenchKeys keys, and each batch carries the watermark max(ts) - 50ms.
type ijGen struct {
	pos int
	max int64
}

func (g *ijGen) Open(context.Context) error { g.pos, g.max = 0, 0; return nil }

func (g *ijGen) Next(_ context.Context, b *types.Batch) error {
	b.Reset(3)
	for b.Len < types.BatchSize && g.pos < ijBenchRows {
		i := int64(g.pos)
		ts := i*sec/ijBenchRate - (i*7919%5)*sec/100
		g.max = max(g.max, ts)
		row := b.AppendRow()
		row[0] = types.NewTimestamp(ts)
		row[1] = types.NewInt(i % ijBenchKeys)
		row[2] = types.NewInt(i)
		g.pos++
	}
	if b.Len == 0 {
		return io.EOF
	}
	b.Watermark = g.max - sec/20
	return nil
}

func (g *ijGen) Close(context.Context) error { return nil }

// BenchmarkIntervalJoin: 1M rows per side, 1000 keys, right time within
// [left time, left time + 1s]: each left row meets about 10 right rows.
// Reports input rows (both sides) per second, output rows per op,
// allocations per input row and the largest number of buffered rows.
func BenchmarkIntervalJoin(b *testing.B) {
	ctx := context.Background()
	plan := ijPlan(b, 0, 1, false)
	out := types.NewBatch(6)
	var before, after runtime.MemStats
	var emitted, peak int
	b.ReportAllocs()
	b.ResetTimer()
	runtime.ReadMemStats(&before)
	for range b.N {
		op, err := NewIntervalJoin(&ijGen{}, &ijGen{}, plan, ijEnv())
		if err != nil {
			b.Fatal(err)
		}
		if err := op.Open(ctx); err != nil {
			b.Fatal(err)
		}
		st := &op.(*intervalJoin).state
		emitted = 0
		for {
			if err := op.Next(ctx, out); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			emitted += out.Len
			peak = max(peak, st.sides[leftSide].buf.len()+st.sides[rightSide].buf.len())
		}
		if err := op.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.StopTimer()
	reportIJBench(b, emitted, &before, &after)
	b.ReportMetric(float64(peak), "peak-buffered")
	if emitted == 0 {
		b.Fatal("no rows joined")
	}
}

// TestLeftIntervalJoinFlushesInBatches: a right watermark that expires
// more unmatched left rows than a batch holds sends them out over several
// full batches, the output watermark with the last; state cannot be saved
// before they are all out.
func TestLeftIntervalJoinFlushesInBatches(t *testing.T) {
	j := newTestIntervalJoin(t, ijCase{lower: 0, upper: 10, outer: true})
	st := &j.state
	const n = 2*types.BatchSize + 100
	left := ijStep{side: leftSide, wm: 100}
	for i := range n {
		left.rows = append(left.rows, ijRow{100, int64(i), int64(i)})
	}
	var res ijResult
	feedIntervalSteps(t, st, []ijStep{left}, &res)
	st.in, st.inSide, st.pos = ijBatch(ijStep{side: rightSide, wm: 111}), rightSide, 0
	out := types.NewBatch(6)
	var lens []int
	var marks []int64
	for finished := false; !finished; {
		out.Reset(6)
		var err error
		if finished, err = st.consume(out); err != nil {
			t.Fatal(err)
		}
		lens = append(lens, out.Len)
		marks = append(marks, out.Watermark)
		if !finished {
			if _, err := j.appendState(nil); err != errHalfJoinedBatch {
				t.Fatalf("appendState while flushing = %v, want errHalfJoinedBatch", err)
			}
		}
	}
	st.in = nil
	want := []int{types.BatchSize, types.BatchSize, 100}
	wantMarks := []int64{types.NoWatermark, types.NoWatermark, 100 * sec}
	if !slices.Equal(lens, want) || !slices.Equal(marks, wantMarks) {
		t.Errorf("batches %v with watermarks %v, want %v with %v", lens, marks, want, wantMarks)
	}
	if _, err := j.appendState(nil); err != nil {
		t.Errorf("appendState after the flush: %v", err)
	}
}

// BenchmarkIntervalJoinState is BenchmarkIntervalJoin's work fed to the
// join state directly, the two sides' batches alternating, so the
// interleaving (and with it the buffered state) is the same in every run:
// it measures the join itself, without the inputs' goroutines.
func BenchmarkIntervalJoinState(b *testing.B) {
	ctx := context.Background()
	plan := ijPlan(b, 0, 1, false)
	out := types.NewBatch(6)
	var inputs [2]types.Batch
	inputs[leftSide], inputs[rightSide] = *types.NewBatch(3), *types.NewBatch(3)
	var before, after runtime.MemStats
	emitted := 0
	b.ReportAllocs()
	b.ResetTimer()
	runtime.ReadMemStats(&before)
	for range b.N {
		op, err := NewIntervalJoin(nil, nil, plan, ijEnv())
		if err != nil {
			b.Fatal(err)
		}
		st := &op.(*intervalJoin).state
		gens := [2]ijGen{}
		emitted = 0
		for s := 0; ; s = 1 - s {
			if err := gens[s].Next(ctx, &inputs[s]); err == io.EOF {
				break
			}
			st.in, st.inSide, st.pos = &inputs[s], s, 0
			for finished := false; !finished; {
				out.Reset(6)
				if finished, err = st.consume(out); err != nil {
					b.Fatal(err)
				}
				emitted += out.Len
			}
			st.in = nil
		}
	}
	runtime.ReadMemStats(&after)
	b.StopTimer()
	reportIJBench(b, emitted, &before, &after)
}

// reportIJBench reports an interval join benchmark's input rate, its rows
// out per iteration and its allocations per input row, from the memory
// statistics read before and after the timed loop.
func reportIJBench(b *testing.B, emitted int, before, after *runtime.MemStats) {
	in := float64(b.N) * 2 * ijBenchRows
	b.ReportMetric(in/b.Elapsed().Seconds(), "in-rows/s")
	b.ReportMetric(float64(emitted), "out-rows/op")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/in, "allocs/in-row")
}
