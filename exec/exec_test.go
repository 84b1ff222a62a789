package exec

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// memScan is a bounded in-memory input: it yields rows in batches of
// batchRows, repeating the same rows `rounds` times.
type memScan struct {
	rows      [][]types.Datum
	width     int
	batchRows int
	rounds    int
	round     int
	pos       int
}

func (m *memScan) Open(context.Context) error { m.round, m.pos = 0, 0; return nil }

func (m *memScan) Next(_ context.Context, b *types.Batch) error {
	b.Reset(m.width)
	for b.Len < m.batchRows {
		if m.pos == len(m.rows) {
			m.pos = 0
			m.round++
		}
		if m.round >= m.rounds {
			break
		}
		b.Append(m.rows[m.pos])
		m.pos++
	}
	if b.Len == 0 {
		return io.EOF
	}
	return nil
}

func (m *memScan) Close(context.Context) error { return nil }

// memScans opens every Scan node as the same in-memory input.
type memScans struct{ scan *memScan }

func (s memScans) OpenScan(*planner.Scan) (Operator, error) { return s.scan, nil }

var fiveColumns = types.Schema{
	{Name: "id", Type: types.Int8}, {Name: "user_name", Type: types.Text}, {Name: "amount", Type: types.Float8},
	{Name: "action", Type: types.Text}, {Name: "ts", Type: types.Timestamp},
}

func col(i int) *planner.ColRef {
	return &planner.ColRef{Index: i, Typ: fiveColumns[i].Type, Name: fiveColumns[i].Name}
}

func call(t testing.TB, name string, args ...planner.Expr) *planner.Call {
	argTypes := make([]types.Type, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	fn, err := functions.Resolve(name, argTypes)
	if err != nil {
		t.Fatal(err)
	}
	return &planner.Call{Fn: fn, Args: args, Typ: fn.ResultType(argTypes)}
}

// filterProjectPlan is SELECT id, user_name, amount * 2, action, ts
// FROM t WHERE amount > 50 AND action = 'buy'.
func filterProjectPlan(t testing.TB) planner.Node {
	scan := &planner.Scan{Rel: &planner.Relation{Name: "t", Schema: fiveColumns}, Mode: planner.ScanTable}
	pred := &planner.And{Args: []planner.Expr{
		call(t, ">", col(2), &planner.Const{Value: types.NewFloat(50), Typ: types.Float8}),
		call(t, "=", col(3), &planner.Const{Value: types.NewText("buy"), Typ: types.Text}),
	}}
	exprs := []planner.Expr{col(0), col(1), call(t, "*", col(2), &planner.Const{Value: types.NewFloat(2), Typ: types.Float8}), col(3), col(4)}
	cols := make(types.Schema, len(exprs))
	for i, e := range exprs {
		cols[i] = types.Column{Name: fiveColumns[i].Name, Type: e.Type()}
	}
	return &planner.Project{Input: &planner.Filter{Input: scan, Pred: pred}, Exprs: exprs, Cols: cols}
}

func sampleRows(n int) [][]types.Datum {
	actions := []string{"buy", "sell", "view"}
	rows := make([][]types.Datum, n)
	for i := range rows {
		rows[i] = []types.Datum{
			types.NewInt(int64(i)), types.NewText("user"), types.NewFloat(float64(i % 100)),
			types.NewText(actions[i%3]), types.NewTimestamp(int64(i) * 1000),
		}
	}
	return rows
}

func newEnv(scan *memScan) *Env {
	return &Env{Eval: &functions.EvalContext{Now: time.Unix(0, 0), Location: time.UTC}, Scans: memScans{scan}}
}

func TestFilterProject(t *testing.T) {
	scan := &memScan{rows: sampleRows(300), width: 5, batchRows: 64, rounds: 1}
	op, err := Build(filterProjectPlan(t), newEnv(scan))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer op.Close(ctx)
	b := types.NewBatch(5)
	var got []int64
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < b.Len; i++ {
			row := b.Row(i)
			if row[3].S != "buy" || row[2].F <= 100 {
				t.Fatalf("row %v passed the filter", row)
			}
			got = append(got, row[0].I)
		}
	}
	// amount = i % 100 > 50 and i % 3 == 0.
	var want []int64
	for i := int64(0); i < 300; i++ {
		if i%100 > 50 && i%3 == 0 {
			want = append(want, i)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: got id %d, want %d", i, got[i], want[i])
		}
	}
}

func TestRowErrorsAreReportedAndSkipped(t *testing.T) {
	scan := &memScan{rows: [][]types.Datum{{types.NewInt(4)}, {types.NewInt(0)}, {types.NewInt(2)}}, width: 1, batchRows: 8, rounds: 1}
	one := &planner.Const{Value: types.NewIntOf(types.Int8, 8), Typ: types.Int8}
	x := &planner.ColRef{Index: 0, Typ: types.Int8, Name: "x"}
	scanNode := &planner.Scan{Rel: &planner.Relation{Name: "t", Schema: types.Schema{{Name: "x", Type: types.Int8}}}}
	plan := &planner.Project{Input: scanNode, Exprs: []planner.Expr{call(t, "/", one, x)}, Cols: types.Schema{{Name: "q", Type: types.Int8}}}
	var reported []error
	env := newEnv(scan)
	env.RowErrors = func(err error) { reported = append(reported, err) }
	op, err := Build(plan, env)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(1)
	if err := op.Next(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.Len != 2 || b.Row(0)[0].I != 2 || b.Row(1)[0].I != 4 {
		t.Fatalf("got %d rows %v, want 2 and 4", b.Len, b.Datums)
	}
	if len(reported) != 1 || types.CodeOf(reported[0]) != types.CodeDivisionByZero {
		t.Fatalf("reported %v, want one division by zero", reported)
	}
}

func TestTopicBackpressureAndFanOut(t *testing.T) {
	topic := NewTopic(1, nil)
	fast := topic.Subscribe(1)
	slow := topic.Subscribe(1)
	ctx := context.Background()
	b := types.NewBatch(1)
	b.Append([]types.Datum{types.NewInt(1)})
	if err := topic.Publish(ctx, b); err != nil {
		t.Fatal(err)
	}
	// Both readers' single slots are full now: a second publish must wait
	// until the slow reader has read.
	done := make(chan error, 1)
	go func() {
		b2 := types.NewBatch(1)
		b2.Append([]types.Datum{types.NewInt(2)})
		done <- topic.Publish(ctx, b2)
	}()
	out := types.NewBatch(1)
	if err := fast.Next(ctx, out); err != nil || out.Row(0)[0].I != 1 {
		t.Fatalf("fast reader: %v %v", err, out.Datums)
	}
	select {
	case err := <-done:
		t.Fatalf("publish returned (%v) while the slow reader's buffer was full", err)
	default:
	}
	if err := slow.Next(ctx, out); err != nil || out.Row(0)[0].I != 1 {
		t.Fatalf("slow reader: %v %v", err, out.Datums)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{fast, slow} {
		if err := s.Next(ctx, out); err != nil || out.Row(0)[0].I != 2 {
			t.Fatalf("second batch: %v %v", err, out.Datums)
		}
	}
	slow.Close(ctx)
	topic.Close()
	if err := fast.Next(ctx, out); err != io.EOF {
		t.Fatalf("after Close: %v, want io.EOF", err)
	}
}

// TestTopicReaderTakesTheDeliveredCopy checks that a batch is copied once
// per reader: Next hands the reader the copy deliver made and gives the
// reader's old storage back for the next delivery; the publisher's batch,
// reused after Publish, never shows through.
func TestTopicReaderTakesTheDeliveredCopy(t *testing.T) {
	topic := NewTopic(1, nil)
	sub := topic.Subscribe(1)
	ctx := context.Background()
	published := types.NewBatch(1)
	out := types.NewBatch(1)
	old := &out.Datums[:1][0]
	var got []int64
	for v := range int64(3) {
		published.Reset(1)
		published.Append([]types.Datum{types.NewInt(v)})
		if err := topic.Publish(ctx, published); err != nil {
			t.Fatal(err)
		}
		published.Row(0)[0] = types.NewInt(-1)
		if err := sub.Next(ctx, out); err != nil {
			t.Fatal(err)
		}
		got = append(got, out.Row(0)[0].I)
		if v == 0 && &out.Datums[0] == old {
			t.Fatal("Next copied the batch into the reader's storage instead of handing over the delivered copy")
		}
		if v == 1 && &out.Datums[0] != old {
			t.Fatal("the reader's old storage did not go back to the publisher for the next delivery")
		}
	}
	if !slices.Equal(got, []int64{0, 1, 2}) {
		t.Fatalf("read %v, want [0 1 2]", got)
	}
}

// TestTopicRepublishSkipsRetention: Publish hands a batch to the
// retention callback and the readers; Republish, for rows the log already
// holds, to the readers only.
func TestTopicRepublishSkipsRetention(t *testing.T) {
	var retained []int64
	topic := NewTopic(1, func(b *types.Batch) error {
		retained = append(retained, b.Row(0)[0].I)
		return nil
	})
	sub := topic.Subscribe(2)
	ctx := context.Background()
	b := types.NewBatch(1)
	b.Append([]types.Datum{types.NewInt(1)})
	if err := topic.Publish(ctx, b); err != nil {
		t.Fatal(err)
	}
	b.Row(0)[0] = types.NewInt(2)
	if err := topic.Republish(ctx, b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(retained, []int64{1}) {
		t.Fatalf("retained %v, want only the published [1]", retained)
	}
	out := types.NewBatch(1)
	for _, want := range []int64{1, 2} {
		if err := sub.Next(ctx, out); err != nil || out.Row(0)[0].I != want {
			t.Fatalf("reader got %v (%v), want %d", out.Datums, err, want)
		}
	}
}

// BenchmarkFilterProject measures a filter + project over 5 columns on
// in-memory 1024-row batches (one op is one batch); rows/s and ns/row are
// per core (one goroutine), allocs/op are per 1024-row batch.
func BenchmarkFilterProject(b *testing.B) {
	rows := sampleRows(types.BatchSize)
	scan := &memScan{rows: rows, width: 5, batchRows: types.BatchSize}
	op, err := Build(filterProjectPlan(b), newEnv(scan))
	if err != nil {
		b.Fatal(err)
	}
	drainBenchmark(b, op, scan, 5)
	b.ReportMetric(float64(b.N)*float64(len(rows))/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/(float64(b.N)*float64(len(rows))), "ns/row")
}

// drainBenchmark times op over b.N rounds of scan's rows, reading its
// output of width columns to the end; the timer is stopped after.
func drainBenchmark(b *testing.B, op Operator, scan *memScan, width int) {
	ctx := context.Background()
	out := types.NewBatch(width)
	b.ReportAllocs()
	b.ResetTimer()
	scan.rounds = b.N
	if err := op.Open(ctx); err != nil {
		b.Fatal(err)
	}
	for {
		if err := op.Next(ctx, out); err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
}
