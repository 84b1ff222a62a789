package exec

import (
	"context"
	"io"
	"math"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// SQLSTATEs of event-time errors that types/errors.go has no name for.
const (
	codeNullValueNotAllowed   = "22004"
	codeDatetimeFieldOverflow = "22008"
)

const (
	// maxWindowSpan bounds sizes, slides, gaps and the allowed lateness
	// (about 36,000 years) so window arithmetic cannot overflow.
	maxWindowSpan = int64(1) << 60
	// shrinkOutputAboveBatchRows: an output buffer grown past this many
	// rows by a large emission is released rather than kept.
	shrinkOutputAboveBatchRows = 4 * types.BatchSize
)

// windowAggregate groups its input by event-time window and group key (see
// planner.WindowAggregate). Rows go into the open windows as they arrive;
// when the input watermark W advances, every window whose end is at or
// before W - AllowedLateness is emitted once and its state freed. A row
// whose windows have all been emitted is late: dropped and counted.
//
// Output order is deterministic: by window end, then window start, then by
// the arrival of the group's first row in that window.
type windowAggregate struct {
	input    Operator
	env      *Env
	timeCol  int
	timeType types.Type
	lateness int64
	// span is how far window arithmetic reaches from an event time; times
	// closer than that to the int64 limits are rejected.
	span int64

	// Exactly one of fixed (TUMBLE, HOP) and sessions (SESSION) is set.
	fixed    *fixedWindows
	sessions *sessionWindows

	in *types.Batch
	// watermark is the highest input watermark seen; closedBelow is
	// watermark - lateness: windows ending at or before it are emitted.
	watermark   int64
	closedBelow int64
	out         windowOutput
	eof         bool
	// The state's size, published once per input batch (statesize.go).
	stateGauge
}

var _ Operator = (*windowAggregate)(nil)

// NewWindowAggregate returns the operator computing n over input.
func NewWindowAggregate(input Operator, n *planner.WindowAggregate, env *Env) (Operator, error) {
	inSchema := n.Input.Schema()
	if n.TimeCol < 0 || n.TimeCol >= len(inSchema) || inSchema[n.TimeCol].Type.Family() != types.FamilyTimestamp {
		return nil, types.Errorf(types.CodeDatatypeMismatch, "window time column must be of type timestamp or timestamptz")
	}
	if n.AllowedLateness < 0 || n.AllowedLateness > maxWindowSpan {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "allowed_lateness must be a non-negative interval of at most 36000 years")
	}
	eval, err := newRowEval(n, env)
	if err != nil {
		return nil, err
	}
	w := &windowAggregate{
		input:    input,
		env:      env,
		timeCol:  n.TimeCol,
		timeType: inSchema[n.TimeCol].Type,
		lateness: n.AllowedLateness,
		in:       types.NewBatch(len(inSchema)),
		out:      windowOutput{width: len(n.Cols)},
	}
	switch n.Kind {
	case planner.Tumble, planner.Hop:
		size, slide := n.Size, n.Slide
		if n.Kind == planner.Tumble {
			slide = size
		}
		if err := checkWindowLength(n.Kind, "size", size); err != nil {
			return nil, err
		}
		if err := checkWindowLength(n.Kind, "slide", slide); err != nil {
			return nil, err
		}
		w.span = size + slide
		w.fixed = newFixedWindows(size, slide, eval, env)
	case planner.Session:
		if err := checkWindowLength(n.Kind, "gap", n.Gap); err != nil {
			return nil, err
		}
		w.span = n.Gap
		w.sessions = newSessionWindows(n.Gap, eval, env)
	default:
		return nil, types.Errorf(types.CodeFeatureNotSupported, "window kind %s is not supported", n.Kind)
	}
	return w, nil
}

func checkWindowLength(kind planner.WindowKind, what string, v int64) error {
	if v <= 0 || v > maxWindowSpan {
		return types.Errorf(types.CodeInvalidParameterValue, "%s window %s must be a positive interval of at most 36000 years", kind, what)
	}
	return nil
}

func (w *windowAggregate) Open(ctx context.Context) error {
	w.watermark, w.closedBelow = types.NoWatermark, math.MinInt64
	w.out.reset()
	w.eof = false
	if w.fixed != nil {
		w.fixed.reset()
	} else {
		w.sessions.reset()
	}
	w.publishSize()
	return w.input.Open(ctx)
}

// Next returns emitted window rows, or a watermark-only batch when the
// watermark advanced without closing a window. It pulls input until one of
// these is ready; at the input's io.EOF it emits every open window.
func (w *windowAggregate) Next(ctx context.Context, b *types.Batch) error {
	for {
		w.publishSize()
		if w.out.ready() {
			w.out.fill(b)
			return nil
		}
		if w.eof {
			b.Reset(w.out.width)
			return io.EOF
		}
		err := w.input.Next(ctx, w.in)
		if err == io.EOF {
			w.eof = true
			w.closedBelow = math.MaxInt64
			if err := w.emit(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if w.in.IsBarrier() {
			// Nothing is pending (ready() was false), so every row before
			// the barrier is in the windows' state: pass it on.
			b.Reset(w.out.width)
			b.Barrier = w.in.Barrier
			return nil
		}
		if err := w.consume(w.in); err != nil {
			return err
		}
		// NoWatermark is below every watermark, so it never advances.
		if mark := w.in.Watermark; mark > w.watermark {
			w.watermark = mark
			w.closedBelow = mark - w.lateness
			if mark < math.MinInt64+w.lateness {
				w.closedBelow = math.MinInt64
			}
			if err := w.emit(); err != nil {
				return err
			}
			w.out.mark = mark
		}
	}
}

// consume adds the rows of one input batch to their windows.
func (w *windowAggregate) consume(in *types.Batch) error {
	var late int64
	for i := 0; i < in.Len; i++ {
		row := in.Row(i)
		t := row[w.timeCol]
		if t.IsNull() {
			if w.env.RowErrors != nil {
				w.env.RowErrors(types.Errorf(codeNullValueNotAllowed, "event time is NULL"))
			}
			continue
		}
		if t.I <= math.MinInt64+w.span || t.I >= math.MaxInt64-w.span {
			if err := w.env.rowError(types.Errorf(codeDatetimeFieldOverflow, "event time is out of range for windowing")); err != nil {
				return err
			}
			continue
		}
		var isLate bool
		var err error
		if w.fixed != nil {
			isLate, err = w.fixed.add(row, t.I, w.closedBelow)
		} else {
			isLate, err = w.sessions.add(row, t.I, w.closedBelow)
		}
		if err != nil {
			if err = w.env.rowError(err); err != nil {
				return err
			}
		}
		if isLate {
			late++
		}
	}
	if late > 0 && w.env.LateRows != nil {
		w.env.LateRows(late)
	}
	return nil
}

// emit moves every window ending at or before closedBelow to the output.
func (w *windowAggregate) emit() error {
	if w.fixed != nil {
		return w.fixed.closeUntil(w.closedBelow, &w.out, w.timeType)
	}
	return w.sessions.closeUntil(w.closedBelow, &w.out, w.timeType)
}

func (w *windowAggregate) Close(ctx context.Context) error {
	if w.fixed != nil {
		w.fixed.reset()
	} else {
		w.sessions.reset()
	}
	w.out.reset()
	w.publishSize()
	return w.input.Close(ctx)
}

// windowOutput holds emitted rows until Next hands them out, and the
// watermark to send with the last of them (or alone, if there are none).
type windowOutput struct {
	width int
	rows  []types.Datum
	next  int // rows already handed out
	mark  int64
}

func (o *windowOutput) reset() {
	o.rows, o.next, o.mark = nil, 0, types.NoWatermark
}

// appendRow returns a new output row for the caller to fill completely.
func (o *windowOutput) appendRow() []types.Datum {
	n := len(o.rows) + o.width
	if n > cap(o.rows) {
		grown := make([]types.Datum, len(o.rows), max(2*n, o.width*types.BatchSize))
		copy(grown, o.rows)
		o.rows = grown
	}
	o.rows = o.rows[:n]
	return o.rows[n-o.width : n : n]
}

func (o *windowOutput) pendingRows() int { return len(o.rows)/o.width - o.next }

// ready reports whether Next has a batch to return.
func (o *windowOutput) ready() bool { return o.pendingRows() > 0 || o.mark != types.NoWatermark }

// fill moves up to BatchSize pending rows into b; the watermark goes with
// the batch that takes the last pending row.
func (o *windowOutput) fill(b *types.Batch) {
	b.Reset(o.width)
	n := min(o.pendingRows(), types.BatchSize)
	b.Datums = append(b.Datums, o.rows[o.next*o.width:(o.next+n)*o.width]...)
	b.Len = n
	o.next += n
	if o.pendingRows() > 0 {
		return
	}
	b.Watermark, o.mark = o.mark, types.NoWatermark
	o.next = 0
	if cap(o.rows) > shrinkOutputAboveBatchRows*o.width {
		o.rows = nil
	} else {
		o.rows = o.rows[:0]
	}
}
