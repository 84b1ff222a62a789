package engine

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// explainAnalyze runs EXPLAIN ANALYZE of a bounded query: it runs the
// query to its end, discarding its rows, and returns EXPLAIN's plan with
// each operator's line followed by its figures, then the totals. Times are
// wall-clock (not the engine clock): an operator's time is spent in its
// Open and Next calls, its inputs' included; self is that minus its
// inputs' time.
func (s *Session) explainAnalyze(st *parser.Explain, w RowWriter) (string, error) {
	q, ok := st.Stmt.(*parser.Query)
	if !ok {
		return "", analyzeUnsupported(st.Stmt)
	}
	planStart := time.Now()
	plan, err := planner.PlanQuery(s.e, q, s.planOptions())
	if err != nil {
		return "", err
	}
	params, err := s.bindParams(plan.Params, nil)
	if err != nil {
		return "", err
	}
	planning := time.Since(planStart)

	runStart := time.Now()
	op, stats, err := exec.BuildInstrumented(plan.Root, s.env(params), time.Now)
	if err != nil {
		return "", err
	}
	rows, err := drain(s.ctx, op, len(plan.Root.Schema()))
	if err != nil {
		return "", err
	}
	execution := time.Since(runStart)

	lines := planner.Explain(plan.Root)
	for i, f := range stats.Read() {
		lines[i] += fmt.Sprintf("  (actual rows=%d batches=%d time=%s self=%s)",
			f.RowsOut, f.Batches, millis(f.Time), millis(f.SelfTime))
	}
	lines = append(lines, fmt.Sprintf("Total Rows: %d", rows),
		"Planning Time: "+millis(planning), "Execution Time: "+millis(execution))
	return writePlan(w, lines)
}

// drain opens op, reads it to its end and closes it, returning the number
// of rows it produced.
func drain(ctx context.Context, op exec.Operator, width int) (rows int64, err error) {
	defer func() {
		if cerr := op.Close(context.WithoutCancel(ctx)); err == nil {
			err = cerr
		}
	}()
	if err := op.Open(ctx); err != nil {
		return 0, err
	}
	b := types.NewBatch(width)
	for {
		err := op.Next(ctx, b)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows += int64(b.Len)
	}
}

// millis formats a duration as EXPLAIN ANALYZE prints times: "0.123 ms".
func millis(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

// analyzeUnsupported is the error for EXPLAIN ANALYZE of a statement it
// cannot run: one that never ends, or one that writes.
func analyzeUnsupported(st parser.Statement) error {
	switch st.(type) {
	case *parser.CreateStream:
		return types.Errorf(types.CodeFeatureNotSupported, "EXPLAIN ANALYZE cannot run CREATE STREAM: a stream never ends").
			WithHint("EXPLAIN CREATE STREAM shows its plan; SHOW STREAMS and /metrics show a running stream's figures per operator.")
	case *parser.Subscribe:
		return types.Errorf(types.CodeFeatureNotSupported, "EXPLAIN ANALYZE cannot run SUBSCRIBE: it never ends").
			WithHint("EXPLAIN SUBSCRIBE shows its plan.")
	case *parser.DML:
		return types.Errorf(types.CodeFeatureNotSupported, "EXPLAIN ANALYZE of INSERT, UPDATE and DELETE is not supported").
			WithHint("EXPLAIN shows the plan; EXPLAIN ANALYZE of the statement's SELECT runs it without writing.")
	}
	return types.Errorf(types.CodeFeatureNotSupported, "EXPLAIN ANALYZE supports bounded queries only")
}
