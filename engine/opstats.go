package engine

import (
	"strconv"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/planner"
)

// OperatorMetrics are one operator's counters in a running stream.
type OperatorMetrics struct {
	// ID names the operator within its stream: its position in the plan,
	// counting from 0 at the root in the order EXPLAIN CREATE STREAM lists
	// the operators top-down, a colon, and its kind: "2:WindowAggregate".
	ID string
	// Inputs are the IDs of the operators it reads; none for a scan.
	Inputs []string
	// RowsIn are the rows its inputs produced (0 for a scan).
	RowsIn int64
	// RowsOut are the rows it produced; Batches the non-empty batches
	// they came in.
	RowsOut int64
	Batches int64
	// Stateful tells operators whose state checkpoints save (windows,
	// joins, merges); StateBytes is the size of that state, encoded, at
	// the stream's last checkpoint or restore (0 before the first).
	Stateful   bool
	StateBytes int64
}

// operatorID is an operator's ID as OperatorMetrics.ID states it.
func operatorID(f *exec.OperatorStats) string {
	return strconv.Itoa(f.Position) + ":" + planner.OperatorName(f.Node)
}

// streamFigures reads the counters of a stream's operators and its totals:
// rowsIn are the rows its scans read, stateBytes its operators' state
// bytes. A stream whose pipeline is not instrumented has none.
func streamFigures(o *object) (ops []OperatorMetrics, rowsIn, stateBytes int64) {
	if o.pipeline == nil {
		return nil, 0, 0
	}
	stats := o.pipeline.Stats()
	if stats == nil {
		return nil, 0, 0
	}
	figures := stats.Read()
	ids := make([]string, len(figures))
	for i := range figures {
		ids[i] = operatorID(&figures[i])
	}
	ops = make([]OperatorMetrics, len(figures))
	for i := range figures {
		f := &figures[i]
		m := OperatorMetrics{ID: ids[i], RowsIn: f.RowsIn, RowsOut: f.RowsOut, Batches: f.Batches,
			Stateful: f.Stateful, StateBytes: f.StateBytes}
		for _, in := range f.Inputs {
			m.Inputs = append(m.Inputs, ids[in])
		}
		if _, scan := f.Node.(*planner.Scan); scan {
			rowsIn += f.RowsOut
		}
		stateBytes += f.StateBytes
		ops[i] = m
	}
	return ops, rowsIn, stateBytes
}
