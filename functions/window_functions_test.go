package functions

import (
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestResolveWindowFunction(t *testing.T) {
	tests := []struct {
		name   string
		args   []types.Type
		result types.Type
		params []types.Type
	}{
		{"row_number", nil, types.Int8, nil},
		{"cume_dist", nil, types.Float8, nil},
		{"ntile", []types.Type{types.Int2}, types.Int4, []types.Type{types.Int4}},
		{"lag", []types.Type{types.Text}, types.Text, []types.Type{types.Text}},
		{"lead", []types.Type{types.Float8, types.Int8}, 0, nil},
		{"lead", []types.Type{types.Float8, types.Int4, types.Float8}, types.Float8, []types.Type{types.Float8, types.Int4, types.Float8}},
		{"nth_value", []types.Type{types.Unknown, types.Int4}, types.Text, []types.Type{types.Text, types.Int4}},
		{"rank", []types.Type{types.Int4}, 0, nil},
	}
	for _, tt := range tests {
		w, err := ResolveWindowFunction(tt.name, tt.args)
		if tt.result == 0 {
			if err == nil {
				t.Errorf("%s%v resolved; want an error", tt.name, tt.args)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s%v: %v", tt.name, tt.args, err)
		}
		if got := w.ResultType(tt.args); got != tt.result {
			t.Errorf("%s%v returns %s, want %s", tt.name, tt.args, got, tt.result)
		}
		if len(w.Args) != len(tt.params) {
			t.Fatalf("%s%v: params %v, want %v", tt.name, tt.args, w.Args, tt.params)
		}
		for i := range tt.params {
			if w.Args[i] != tt.params[i] {
				t.Errorf("%s%v: params %v, want %v", tt.name, tt.args, w.Args, tt.params)
			}
		}
	}
	if !IsWindowFunction("ROW_NUMBER") || IsWindowFunction("sum") {
		t.Error("IsWindowFunction: row_number is one, sum is not")
	}
}

// evalOverPartition evaluates name at every row of one partition.
// peerOf[i] numbers row i's peer group; frames[i] is its frame (nil:
// the whole partition).
func evalOverPartition(t *testing.T, name string, argTypes []types.Type, args [][]types.Datum, peerOf []int, frames [][2]int) ([]types.Datum, error) {
	t.Helper()
	w, err := ResolveWindowFunction(name, argTypes)
	if err != nil {
		t.Fatal(err)
	}
	n := len(peerOf)
	p := &WindowPartition{Args: args, Rows: n}
	out := make([]types.Datum, n)
	for r := 0; r < n; r++ {
		p.Row, p.PeerGroup = r, peerOf[r]
		p.PeerStart, p.PeerEnd = r, r+1
		for p.PeerStart > 0 && peerOf[p.PeerStart-1] == peerOf[r] {
			p.PeerStart--
		}
		for p.PeerEnd < n && peerOf[p.PeerEnd] == peerOf[r] {
			p.PeerEnd++
		}
		p.FrameStart, p.FrameEnd = 0, n
		if frames != nil {
			p.FrameStart, p.FrameEnd = frames[r][0], frames[r][1]
		}
		if out[r], err = w.Eval(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ints(vs ...int64) []types.Datum {
	out := make([]types.Datum, len(vs))
	for i, v := range vs {
		out[i] = types.NewInt(v)
	}
	return out
}

func repeatDatum(d types.Datum, n int) []types.Datum {
	out := make([]types.Datum, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestWindowFunctionValues(t *testing.T) {
	peers := []int{0, 1, 1, 2, 3, 3, 3}
	vals := ints(10, 20, 30, 40, 50, 60, 70)
	int4 := func(v int64) types.Datum { return types.NewIntOf(types.Int4, v) }
	null := types.Null
	tests := []struct {
		name     string
		argTypes []types.Type
		args     [][]types.Datum
		frames   [][2]int
		want     []types.Datum
	}{
		{"row_number", nil, nil, nil, ints(1, 2, 3, 4, 5, 6, 7)},
		{"rank", nil, nil, nil, ints(1, 2, 2, 4, 5, 5, 5)},
		{"dense_rank", nil, nil, nil, ints(1, 2, 2, 3, 4, 4, 4)},
		{"percent_rank", nil, nil, nil, []types.Datum{types.NewFloat(0), types.NewFloat(1.0 / 6), types.NewFloat(1.0 / 6),
			types.NewFloat(0.5), types.NewFloat(4.0 / 6), types.NewFloat(4.0 / 6), types.NewFloat(4.0 / 6)}},
		{"cume_dist", nil, nil, nil, []types.Datum{types.NewFloat(1.0 / 7), types.NewFloat(3.0 / 7), types.NewFloat(3.0 / 7),
			types.NewFloat(4.0 / 7), types.NewFloat(1), types.NewFloat(1), types.NewFloat(1)}},
		// 7 rows in 3 buckets: 3, 2, 2.
		{"ntile", []types.Type{types.Int4}, [][]types.Datum{repeatDatum(int4(3), 7)}, nil,
			[]types.Datum{int4(1), int4(1), int4(1), int4(2), int4(2), int4(3), int4(3)}},
		// More buckets than rows: one row each.
		{"ntile", []types.Type{types.Int4}, [][]types.Datum{repeatDatum(int4(9), 7)}, nil,
			[]types.Datum{int4(1), int4(2), int4(3), int4(4), int4(5), int4(6), int4(7)}},
		{"ntile", []types.Type{types.Int4}, [][]types.Datum{repeatDatum(null, 7)}, nil, repeatDatum(null, 7)},
		{"lag", []types.Type{types.Int8}, [][]types.Datum{vals}, nil, []types.Datum{null, vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]}},
		{"lead", []types.Type{types.Int8, types.Int4, types.Int8}, [][]types.Datum{vals, repeatDatum(int4(3), 7), ints(-1, -2, -3, -4, -5, -6, -7)}, nil,
			[]types.Datum{vals[3], vals[4], vals[5], vals[6], types.NewInt(-5), types.NewInt(-6), types.NewInt(-7)}},
		// A negative offset looks the other way; a NULL offset gives NULL.
		{"lag", []types.Type{types.Int8, types.Int4}, [][]types.Datum{vals, {int4(-1), null, int4(0), int4(9), int4(-2), int4(1), int4(6)}}, nil,
			[]types.Datum{vals[1], null, vals[2], null, vals[6], vals[4], vals[0]}},
		{"first_value", []types.Type{types.Int8}, [][]types.Datum{vals}, [][2]int{{0, 1}, {0, 3}, {1, 3}, {2, 2}, {4, 7}, {5, 7}, {6, 7}},
			[]types.Datum{vals[0], vals[0], vals[1], null, vals[4], vals[5], vals[6]}},
		{"last_value", []types.Type{types.Int8}, [][]types.Datum{vals}, [][2]int{{0, 1}, {0, 3}, {1, 3}, {2, 2}, {4, 7}, {5, 7}, {6, 7}},
			[]types.Datum{vals[0], vals[2], vals[2], null, vals[6], vals[6], vals[6]}},
		{"nth_value", []types.Type{types.Int8, types.Int4}, [][]types.Datum{vals, repeatDatum(int4(2), 7)}, [][2]int{{0, 1}, {0, 3}, {1, 3}, {2, 2}, {4, 7}, {5, 7}, {6, 7}},
			[]types.Datum{null, vals[1], vals[2], null, vals[5], vals[6], null}},
	}
	for _, tt := range tests {
		got, err := evalOverPartition(t, tt.name, tt.argTypes, tt.args, peers, tt.frames)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s row %d: got %v, want %v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func TestWindowFunctionArgumentErrors(t *testing.T) {
	int4 := func(v int64) types.Datum { return types.NewIntOf(types.Int4, v) }
	tests := []struct {
		name     string
		argTypes []types.Type
		args     [][]types.Datum
		code     string
		msg      string
	}{
		{"ntile", []types.Type{types.Int4}, [][]types.Datum{{int4(0)}}, "22014", "argument of ntile must be greater than zero"},
		{"nth_value", []types.Type{types.Int8, types.Int4}, [][]types.Datum{ints(1), {int4(-1)}}, "22016", "argument of nth_value must be greater than zero"},
	}
	for _, tt := range tests {
		_, err := evalOverPartition(t, tt.name, tt.argTypes, tt.args, []int{0}, nil)
		e, ok := types.AsError(err)
		if !ok || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("%s: got %v, want %s %s", tt.name, err, tt.code, tt.msg)
		}
	}
}
