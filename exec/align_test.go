package exec

import (
	"context"
	"io"
	"slices"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// scriptedInput yields one batch per script entry: a positive value is a
// one-row batch holding it, a negative value -n is checkpoint barrier n.
// Then io.EOF.
type scriptedInput struct {
	script []int64
	pos    int
}

func (in *scriptedInput) Open(context.Context) error { in.pos = 0; return nil }

func (in *scriptedInput) Next(_ context.Context, b *types.Batch) error {
	b.Reset(1)
	if in.pos == len(in.script) {
		return io.EOF
	}
	v := in.script[in.pos]
	in.pos++
	if v < 0 {
		b.Barrier = uint64(-v)
		return nil
	}
	b.Append([]types.Datum{types.NewInt(v)})
	return nil
}

func (in *scriptedInput) Close(context.Context) error { return nil }

// sections drains op and splits its rows at the barriers it passes on.
func sections(t *testing.T, op Operator) (rows [][]int64, barriers []uint64) {
	t.Helper()
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer op.Close(ctx)
	rows = [][]int64{nil}
	b := types.NewBatch(1)
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.IsBarrier() {
			if b.Len != 0 {
				t.Fatalf("barrier batch with %d rows", b.Len)
			}
			barriers = append(barriers, b.Barrier)
			rows = append(rows, nil)
			continue
		}
		for i := 0; i < b.Len; i++ {
			rows[len(rows)-1] = append(rows[len(rows)-1], b.Row(i)[0].I)
		}
	}
	for _, s := range rows {
		slices.Sort(s)
	}
	return rows, barriers
}

func TestMergeAlignsBarriers(t *testing.T) {
	tests := []struct {
		name     string
		inputs   [][]int64
		rows     [][]int64
		barriers []uint64
	}{
		{
			name:     "rows after a barrier wait for the other input's",
			inputs:   [][]int64{{1, -1, 2, 3, 4}, {10, 11, 12, -1, 13}},
			rows:     [][]int64{{1, 10, 11, 12}, {2, 3, 4, 13}},
			barriers: []uint64{1},
		},
		{
			name:     "two checkpoints",
			inputs:   [][]int64{{-1, 1, -2, 2}, {10, -1, -2, 11}},
			rows:     [][]int64{{10}, {1}, {2, 11}},
			barriers: []uint64{1, 2},
		},
		{
			name:     "an input that ends completes the alignment",
			inputs:   [][]int64{{1, -1, 2}, {10}},
			rows:     [][]int64{{1, 10}, {2}},
			barriers: []uint64{1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Repeat: the inputs race, the sections must not.
			for range 50 {
				inputs := make([]Operator, len(tc.inputs))
				for i, s := range tc.inputs {
					inputs[i] = &scriptedInput{script: s}
				}
				rows, barriers := sections(t, newMerge(inputs, 1))
				if !slices.Equal(barriers, tc.barriers) {
					t.Fatalf("barriers %v, want %v", barriers, tc.barriers)
				}
				if !slices.EqualFunc(rows, tc.rows, func(a, b []int64) bool { return slices.Equal(a, b) }) {
					t.Fatalf("rows by checkpoint %v, want %v", rows, tc.rows)
				}
			}
		})
	}
}
