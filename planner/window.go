package planner

import (
	"fmt"

	"github.com/novelty-db/novelty/types"
)

// WindowKind is the kind of an event-time window.
type WindowKind uint8

// The window kinds of GROUP BY TUMBLE/HOP/SESSION.
const (
	Tumble WindowKind = iota + 1
	Hop
	Session
)

func (k WindowKind) String() string {
	switch k {
	case Tumble:
		return "tumble"
	case Hop:
		return "hop"
	case Session:
		return "session"
	}
	return "?"
}

// WindowAggregate groups a live input by event-time window and by Groups,
// computing Aggs per (window, group). A window's rows are emitted once,
// when the input watermark passes the window's end plus AllowedLateness;
// rows arriving for a window already emitted are late: dropped and
// counted. When a bounded input ends, every open window is emitted.
//
// Output columns: window_start, window_end (of the time column's type),
// then the group values, then the aggregate results.
type WindowAggregate struct {
	Input Node
	Kind  WindowKind
	// TimeCol is the index of the event-time column in the input.
	TimeCol int
	// Size is the window length (TUMBLE, HOP), Slide the HOP step, Gap the
	// SESSION inactivity gap; all in microseconds.
	Size, Slide, Gap int64
	// AllowedLateness keeps windows open this long (µs) past the watermark.
	AllowedLateness int64
	Groups          []Expr
	Aggs            []AggCall
	Cols            types.Schema
}

func (n *WindowAggregate) Schema() types.Schema { return n.Cols }
func (n *WindowAggregate) Inputs() []Node       { return []Node{n.Input} }

// describeWindow is the EXPLAIN line of a window aggregation.
func describeWindow(n *WindowAggregate) string {
	var spec string
	switch n.Kind {
	case Tumble:
		spec = fmt.Sprintf("tumble(%s, size %s)", n.Input.Schema()[n.TimeCol].Name, micros(n.Size))
	case Hop:
		spec = fmt.Sprintf("hop(%s, slide %s, size %s)", n.Input.Schema()[n.TimeCol].Name, micros(n.Slide), micros(n.Size))
	case Session:
		spec = fmt.Sprintf("session(%s, gap %s)", n.Input.Schema()[n.TimeCol].Name, micros(n.Gap))
	}
	s := "WindowAggregate " + spec
	if len(n.Groups) > 0 {
		s += " group by " + joinExprs(n.Groups, ", ")
	}
	if len(n.Aggs) > 0 {
		s += " compute " + aggList(n.Aggs)
	}
	return s
}

func micros(us int64) string {
	return string(types.AppendText(nil, types.NewInterval(0, 0, us), nil))
}

// IntervalJoin joins two live inputs on key equality where the right
// row's event time lies within [left time + Lower, left time + Upper]
// (microseconds), e.g. b JOIN a ON b.auction = a.id AND b.date_time
// BETWEEN a.date_time AND a.date_time + INTERVAL '1' HOUR. Each side's rows
// are kept until that side's rows can no longer match a future row of the
// other side, which the other side's watermark tells. Output columns: left's,
// then right's; the left time column is the output's event time, so output
// batches carry min(left watermark, right watermark - Upper): a future match
// of a new right row r has left time >= r's time - Upper.
type IntervalJoin struct {
	// Kind is InnerJoin or LeftJoin: a LEFT join also emits each left row
	// that matched nothing, with NULL right columns, once the right
	// watermark passes its time + Upper.
	Kind        JoinKind
	Left, Right Node
	// LeftKeys and RightKeys are evaluated over each side's own row.
	LeftKeys, RightKeys []Expr
	// LeftTime and RightTime are the event-time columns of each side.
	LeftTime, RightTime int
	// Lower and Upper bound right time - left time, inclusive.
	Lower, Upper int64
	// Residual is evaluated over the joined row (nil: none).
	Residual Expr
}

func (n *IntervalJoin) Schema() types.Schema { return joinSchema(n.Left, n.Right, n.Kind) }
func (n *IntervalJoin) Inputs() []Node       { return []Node{n.Left, n.Right} }
