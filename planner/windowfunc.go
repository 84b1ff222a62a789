package planner

import (
	"fmt"
	"strings"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// WindowFunctions computes window function calls (f(...) OVER (...)) over
// its bounded input. All its calls share one PARTITION BY and ORDER BY; a
// query with several distinct windows stacks one node per window. Its
// output is the input columns followed by one column per call, in input
// partition-and-window order.
type WindowFunctions struct {
	Input Node
	// Partition are the PARTITION BY expressions over the input.
	Partition []Expr
	// Order is the window's ORDER BY over the input; rows equal in it are
	// peers.
	Order []WindowOrderKey
	Calls []WindowCall
	Cols  types.Schema
}

// WindowOrderKey is one ORDER BY item of a window.
type WindowOrderKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// WindowCall is one window function call. Exactly one of Fn (a window
// function proper) and Agg (an aggregate used with OVER) is set.
type WindowCall struct {
	Fn    *functions.WindowFunction
	Agg   *functions.Aggregate
	Args  []Expr
	Frame WindowFrame
	Typ   types.Type
	Name  string
}

// FrameUnit is how a frame's offsets count: rows, or ORDER BY values.
type FrameUnit uint8

// The frame units.
const (
	FrameRows FrameUnit = iota + 1
	FrameRange
)

// FrameBoundKind is where a frame starts or ends.
type FrameBoundKind uint8

// The frame bound kinds.
const (
	UnboundedPreceding FrameBoundKind = iota + 1
	OffsetPreceding
	CurrentRow
	OffsetFollowing
	UnboundedFollowing
)

// FrameBound is one end of a frame.
type FrameBound struct {
	Kind FrameBoundKind
	// Offset is the constant size of an offset bound: int8 for ROWS; for
	// RANGE, what is subtracted from or added to the ORDER BY value.
	Offset Expr
	// Value, for a RANGE offset bound, computes the bound's ORDER BY value
	// over the current input row: the value minus or plus Offset, whichever
	// the bound's direction and the sort direction call for.
	Value Expr
}

// WindowFrame is the set of rows of the partition a call sees for the
// current row. Postgres' default, RANGE BETWEEN UNBOUNDED PRECEDING AND
// CURRENT ROW, is the whole partition without ORDER BY (every row is a
// peer).
type WindowFrame struct {
	Unit       FrameUnit
	Start, End FrameBound
}

// DefaultFrame is the frame of a window without a frame clause.
var DefaultFrame = WindowFrame{Unit: FrameRange, Start: FrameBound{Kind: UnboundedPreceding}, End: FrameBound{Kind: CurrentRow}}

// Growing reports whether the frame always starts at the partition's first
// row, so that an aggregate over it only ever adds rows.
func (f WindowFrame) Growing() bool { return f.Start.Kind == UnboundedPreceding }

func (n *WindowFunctions) Schema() types.Schema { return n.Cols }
func (n *WindowFunctions) Inputs() []Node       { return []Node{n.Input} }

// describeWindowFunctions is the EXPLAIN line of a WindowFunctions node.
func describeWindowFunctions(n *WindowFunctions) string {
	s := "Window"
	if len(n.Partition) > 0 {
		s += " partition by " + joinExprs(n.Partition, ", ")
	}
	if len(n.Order) > 0 {
		parts := make([]string, len(n.Order))
		for i, k := range n.Order {
			parts[i] = k.Expr.String()
			if k.Desc {
				parts[i] += " DESC"
			}
		}
		s += " order by " + strings.Join(parts, ", ")
	}
	calls := make([]string, len(n.Calls))
	for i, c := range n.Calls {
		args := joinExprs(c.Args, ", ")
		if c.Agg != nil && len(c.Args) == 0 {
			args = "*"
		}
		calls[i] = c.Name + "(" + args + ")"
		if (c.Agg != nil || usesFrame(c.Name)) && c.Frame != DefaultFrame {
			calls[i] += " " + c.Frame.String()
		}
	}
	return s + " compute " + strings.Join(calls, ", ")
}

// usesFrame reports whether a window function proper reads its frame (the
// others look at the whole partition).
func usesFrame(name string) bool {
	switch name {
	case "first_value", "last_value", "nth_value":
		return true
	}
	return false
}

func (f WindowFrame) String() string {
	unit := "rows"
	if f.Unit == FrameRange {
		unit = "range"
	}
	return fmt.Sprintf("%s between %s and %s", unit, f.Start, f.End)
}

func (b FrameBound) String() string {
	switch b.Kind {
	case UnboundedPreceding:
		return "unbounded preceding"
	case OffsetPreceding:
		return b.Offset.String() + " preceding"
	case CurrentRow:
		return "current row"
	case OffsetFollowing:
		return b.Offset.String() + " following"
	case UnboundedFollowing:
		return "unbounded following"
	}
	return "?"
}
