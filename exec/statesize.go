package exec

import (
	"sync/atomic"
	"unsafe"

	"github.com/novelty-db/novelty/types"
)

// The sizes below estimate the memory operator state holds, in bytes. An
// estimate is proportional to the heap the state takes (slabs, strings,
// map entries), not exact: Go's map buckets and allocation rounding are
// approximated. A stream's max_state limit is compared against it.
const (
	datumBytes = int64(unsafe.Sizeof(types.Datum{}))
	// stringHeaderBytes is a string value held in a slice or struct.
	stringHeaderBytes = int64(unsafe.Sizeof(""))
	// mapEntryBytes is a map entry's share of its buckets, beyond the
	// key's bytes.
	mapEntryBytes = 48
	// interfaceBytes is an interface value held in a slice.
	interfaceBytes = 16
	// aggStateBytes is an aggregate state that does not report its size
	// (count, sum, avg, min, max, ...): the small struct an interface
	// points to, rounded up to an allocation class.
	aggStateBytes = 64
)

// sizedAggState is an aggregate state that reports how many bytes it
// holds, its own struct included, in O(1) (or O(log n), a sketch's
// levels). States that grow with their input (string_agg, sketches)
// should implement it; the others count aggStateBytes each.
type sizedAggState interface {
	StateBytes() int64
}

// textBytes is the bytes of the strings row's datums refer to.
func textBytes(row []types.Datum) int64 {
	var n int64
	for i := range row {
		n += int64(len(row[i].S))
	}
	return n
}

// stateGauge holds an operator's state size for readers on other
// goroutines: a stream's limit is checked where its scans are pulled,
// which may be a puller's goroutine. The operator publishes its size once
// per input batch, so a reading lags by at most one batch.
type stateGauge struct {
	bytes atomic.Int64
}

func (g *stateGauge) publish(n int64) { g.bytes.Store(n) }

// stateBytes is the size the operator published last.
func (g *stateGauge) stateBytes() int64 { return g.bytes.Load() }

// StateBytes estimates the memory the pipeline's operator state holds:
// the sum of what its stateful operators published after their latest
// input batch. It is safe to call from any goroutine while the pipeline
// runs, and costs an atomic load per stateful operator.
func (p *Pipeline) StateBytes() int64 {
	var n int64
	for _, op := range p.stateful {
		n += op.stateBytes()
	}
	return n
}

func (op *instrumentedState) stateBytes() int64 { return op.state.stateBytes() }

// stateBytes is a merge's state: one watermark per input, fixed.
func (m *merge) stateBytes() int64 { return int64(len(m.inputs)) * 8 }
