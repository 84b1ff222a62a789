package exec

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/novelty-db/novelty/types"
)

// orderJoin is a join with bounds [0, 10] seconds whose puller is a bare
// channel the test fills; side s has marks[s] (seconds, or noMark) and
// buffered[s] rows of 3 datums, and limit is the ahead limit in datums.
func orderJoin(t *testing.T, marks, buffered [2]int64, limit int) *intervalJoin {
	t.Helper()
	op, err := NewIntervalJoin(nil, nil, ijPlan(t, 0, 10, false), ijEnv())
	if err != nil {
		t.Fatal(err)
	}
	j := op.(*intervalJoin)
	j.pull.full = make(chan pulled, 16)
	j.align.reset(2)
	j.order.initialLimit = limit
	j.order.reset()
	row := []types.Datum{types.NewTimestamp(0), types.NewInt(1), types.NewInt(0)}
	for s := range j.state.sides {
		if marks[s] != noMark {
			j.state.sides[s].mark = marks[s] * sec
		}
		for i := range buffered[s] {
			j.state.sides[s].buf.insert([]byte{1}, hashJoinKey([]byte{1}), row, i, false)
		}
	}
	return j
}

// arrive queues one batch of side s, tagged with tag as its only row.
func arrive(j *intervalJoin, s int, tag int64) {
	b := types.NewBatch(3)
	b.Append([]types.Datum{types.NewTimestamp(0), types.NewInt(1), types.NewInt(tag)})
	j.pull.full <- pulled{idx: s, b: b}
}

func TestIntervalJoinReadsBehindInputFirst(t *testing.T) {
	tests := []struct {
		name     string
		marks    [2]int64
		buffered [2]int64
		limit    int
		arrivals []int // sides, in arrival order; item tags are their positions
		holding  int   // side whose items a barrier alignment holds, or -1
		want     []int64
	}{
		{name: "left behind goes first", marks: [2]int64{100, 200}, limit: 100,
			arrivals: []int{rightSide, rightSide, leftSide}, holding: -1, want: []int64{2, 0, 1}},
		// Right marks count less the middle of the bounds (5s): 104 is
		// ahead of 98, not of 100.
		{name: "right behind goes first", marks: [2]int64{100, 104}, limit: 100,
			arrivals: []int{leftSide, rightSide}, holding: -1, want: []int64{1, 0}},
		{name: "equal marks keep arrival order", marks: [2]int64{100, 105}, limit: 100,
			arrivals: []int{rightSide, leftSide, rightSide}, holding: -1, want: []int64{0, 1, 2}},
		{name: "no marks yet keep arrival order", marks: [2]int64{noMark, noMark}, limit: 100,
			arrivals: []int{rightSide, leftSide}, holding: -1, want: []int64{0, 1}},
		{name: "ahead input under the limit is read", marks: [2]int64{100, 200}, buffered: [2]int64{0, 33}, limit: 100,
			arrivals: []int{rightSide, rightSide}, holding: -1, want: []int64{0, 1}},
		{name: "ahead input at the limit waits", marks: [2]int64{100, 200}, buffered: [2]int64{0, 34}, limit: 100,
			arrivals: []int{rightSide}, holding: -1, want: nil},
		// The limit counts the ahead side's state only.
		{name: "behind input over the limit is read", marks: [2]int64{100, 200}, buffered: [2]int64{50, 0}, limit: 100,
			arrivals: []int{leftSide}, holding: -1, want: []int64{0}},
		{name: "aligning reads the ahead input freely", marks: [2]int64{100, 200}, buffered: [2]int64{0, 50}, limit: 100,
			arrivals: []int{rightSide, leftSide}, holding: leftSide, want: []int64{0}},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := orderJoin(t, tt.marks, tt.buffered, tt.limit)
			if tt.holding >= 0 {
				j.align.barrier(tt.holding, 7, func(int) bool { return true })
			}
			for i, s := range tt.arrivals {
				arrive(j, s, int64(i))
			}
			var got []int64
			for {
				item, ok, err := j.nextItem(ctx, false)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				if item.idx != tt.arrivals[item.b.Row(0)[2].I] {
					t.Fatalf("item of side %d tagged as side %d's", item.idx, tt.arrivals[item.b.Row(0)[2].I])
				}
				got = append(got, item.b.Row(0)[2].I)
			}
			if !equalInts(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIntervalJoinWaitsForBehindInput: with the ahead input at its limit,
// Next waits for the behind one; when that stays silent past the stall
// timer, the ahead input is read on with a doubled limit.
func TestIntervalJoinWaitsForBehindInput(t *testing.T) {
	ctx := context.Background()
	j := orderJoin(t, [2]int64{100, 200}, [2]int64{0, 40}, 100)
	stall := make(chan time.Time)
	j.order.stallTimer = func() (<-chan time.Time, func() bool) { return stall, func() bool { return true } }
	arrive(j, rightSide, 0)
	// The behind input delivers while the join waits.
	done := make(chan pulled)
	go func() {
		item, _, _ := j.nextItem(ctx, true)
		done <- item
	}()
	arrive(j, leftSide, 1)
	if item := <-done; item.idx != leftSide {
		t.Fatalf("got side %d, want the behind (left) one", item.idx)
	}
	// Now it stays silent.
	go func() {
		item, _, _ := j.nextItem(ctx, true)
		done <- item
	}()
	stall <- time.Time{}
	if item := <-done; item.idx != rightSide {
		t.Fatalf("got side %d, want the ahead (right) one after the stall", item.idx)
	}
	if j.order.limit != 240 {
		t.Errorf("limit = %d, want 240 (twice the right side's 120 datums)", j.order.limit)
	}
}

// steppedInput yields n batches of rows (ts, k 1, x ts), batch i holding
// rows at time i*step, with that time as its watermark.
type steppedInput struct {
	n, rows int
	step    int64
	pos     int
}

func (in *steppedInput) Open(context.Context) error { in.pos = 0; return nil }

func (in *steppedInput) Next(_ context.Context, b *types.Batch) error {
	b.Reset(3)
	if in.pos == in.n {
		return io.EOF
	}
	ts := int64(in.pos) * in.step
	for range in.rows {
		b.Append([]types.Datum{types.NewTimestamp(ts), types.NewInt(1), types.NewInt(ts)})
	}
	b.Watermark = ts
	in.pos++
	return nil
}

func (in *steppedInput) Close(context.Context) error { return nil }

// TestIntervalJoinStateStaysBounded: the right input's batches cover ten
// times the event time of the left one's, so in arrival order it would run
// ahead; its state stays within the limit plus one batch.
func TestIntervalJoinStateStaysBounded(t *testing.T) {
	const rows, limit = 10, 90
	left := &steppedInput{n: 1000, rows: 1, step: sec / 10}
	right := &steppedInput{n: 100, rows: rows, step: sec}
	op, err := NewIntervalJoin(left, right, ijPlan(t, 0, 1, false), ijEnv())
	if err != nil {
		t.Fatal(err)
	}
	j := op.(*intervalJoin)
	j.order.initialLimit = limit
	// Never give up waiting: the left input always delivers.
	j.order.stallTimer = func() (<-chan time.Time, func() bool) { return nil, func() bool { return true } }
	joined, peak := 0, 0
	drain(t, op, 6, func(out *types.Batch) {
		joined += out.Len
		peak = max(peak, j.state.bufferedDatums(rightSide))
	})
	if peak > limit+rows*3 {
		t.Errorf("right side buffered up to %d datums, want at most %d", peak, limit+rows*3)
	}
	want := 0
	for l := range left.n {
		for r := range right.n {
			if d := int64(r)*right.step - int64(l)*left.step; d >= 0 && d <= sec {
				want += rows
			}
		}
	}
	if joined != want {
		t.Errorf("joined %d rows, want %d", joined, want)
	}
}

// leadingInput is steppedInput that counts the batches read from it and
// tells lagging inputs waiting on it.
type leadingInput struct {
	steppedInput
	mu    sync.Mutex
	read  int
	moved chan struct{} // closed and replaced on every read
}

func (in *leadingInput) Next(ctx context.Context, b *types.Batch) error {
	err := in.steppedInput.Next(ctx, b)
	in.mu.Lock()
	in.read++
	close(in.moved)
	in.moved = make(chan struct{})
	in.mu.Unlock()
	return err
}

// laggingInput is steppedInput whose batch i waits until batch i+lag of
// leader was read: like two streams fed by one producer, it cannot go on
// before the leader is read further.
type laggingInput struct {
	steppedInput
	leader *leadingInput
	lag    int
}

func (in *laggingInput) Next(ctx context.Context, b *types.Batch) error {
	for {
		in.leader.mu.Lock()
		ready, moved := in.leader.read > min(in.pos+in.lag, in.leader.n), in.leader.moved
		in.leader.mu.Unlock()
		if ready {
			return in.steppedInput.Next(ctx, b)
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// TestIntervalJoinReadsOnWhenBehindInputStalls: the behind (right) input
// can only go on once the ahead one is read further; waiting for it would
// never end, so the stalled wait gives up, raises the limit and reads on.
func TestIntervalJoinReadsOnWhenBehindInputStalls(t *testing.T) {
	left := &leadingInput{steppedInput: steppedInput{n: 100, rows: 1, step: sec}, moved: make(chan struct{})}
	right := &laggingInput{steppedInput: steppedInput{n: 100, rows: 1, step: sec}, leader: left, lag: 20}
	op, err := NewIntervalJoin(left, right, ijPlan(t, 0, 1, false), ijEnv())
	if err != nil {
		t.Fatal(err)
	}
	j := op.(*intervalJoin)
	j.order.initialLimit = 9
	// Every wait gives up at once.
	j.order.stallTimer = func() (<-chan time.Time, func() bool) {
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c, func() bool { return true }
	}
	joined := 0
	drain(t, op, 6, func(out *types.Batch) { joined += out.Len })
	// Left row t meets right rows t and t+1.
	if want := 2*100 - 1; joined != want {
		t.Errorf("joined %d rows, want %d", joined, want)
	}
	if j.order.limit <= 9 {
		t.Errorf("limit %d: the join never gave up waiting", j.order.limit)
	}
}
