package planner

import (
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// Node is one operator of a plan. Plans are plain data: exec builds running
// operators from them, EXPLAIN prints them.
type Node interface {
	// Schema is the node's output columns.
	Schema() types.Schema
	// Inputs are the node's children, in order.
	Inputs() []Node
}

// ScanMode says how a Scan reads its relation.
type ScanMode uint8

// The scan modes.
const (
	// ScanTable reads a table's current rows.
	ScanTable ScanMode = iota + 1
	// ScanRetained reads the retained output of a source or stream, up to
	// what had been produced when the scan opened (bounded).
	ScanRetained
	// ScanLive reads a source's or stream's rows as they are produced (unbounded).
	ScanLive
)

func (m ScanMode) String() string {
	switch m {
	case ScanTable:
		return "table"
	case ScanRetained:
		return "retained"
	case ScanLive:
		return "live"
	}
	return "?"
}

// Scan reads a relation.
type Scan struct {
	Rel  *Relation
	Mode ScanMode
	// Alias is the name the query refers to the relation by.
	Alias string
}

// Values produces constant rows (also SELECT without FROM: one empty row).
type Values struct {
	Rows [][]Expr
	Cols types.Schema
}

// Filter keeps the rows for which Pred is true.
type Filter struct {
	Input Node
	Pred  Expr
}

// Project computes Exprs over each input row.
type Project struct {
	Input Node
	Exprs []Expr
	Cols  types.Schema
}

// Limit passes Offset rows over, then at most Count rows (-1: no limit).
type Limit struct {
	Input  Node
	Count  int64
	Offset int64
}

// UnionAll concatenates its inputs, which share one schema.
type UnionAll struct {
	Branches []Node
}

// JoinKind is the kind of a join.
type JoinKind uint8

// The join kinds.
const (
	InnerJoin JoinKind = iota + 1
	LeftJoin
	RightJoin
	CrossJoin
)

func (k JoinKind) String() string {
	switch k {
	case InnerJoin:
		return "inner"
	case LeftJoin:
		return "left"
	case RightJoin:
		return "right"
	case CrossJoin:
		return "cross"
	}
	return "?"
}

// HashJoin joins on equality of LeftKeys and RightKeys (evaluated over each
// side's own row), then applies Residual over the joined row. It builds a
// hash table of the right input.
type HashJoin struct {
	Left, Right Node
	Kind        JoinKind
	LeftKeys    []Expr
	RightKeys   []Expr
	Residual    Expr // nil: none
}

// NestedLoopJoin joins by evaluating On over every pair of rows; the right
// input is materialised.
type NestedLoopJoin struct {
	Left, Right Node
	Kind        JoinKind
	On          Expr // nil: every pair (cross join)
}

// AggCall is one aggregate computed by Aggregate.
type AggCall struct {
	Fn       *functions.Aggregate
	Args     []Expr
	Distinct bool
	Typ      types.Type
	Name     string
}

// Aggregate groups its input by Groups and computes Aggs per group. Its
// output is the group values followed by the aggregate results. With no
// groups it produces exactly one row.
type Aggregate struct {
	Input  Node
	Groups []Expr
	Aggs   []AggCall
	Cols   types.Schema
}

// SortKey is one ORDER BY item over the input's columns.
type SortKey struct {
	Index      int
	Desc       bool
	NullsFirst bool
}

// Sort orders its (bounded) input.
type Sort struct {
	Input Node
	Keys  []SortKey
}

func (n *Scan) Schema() types.Schema     { return n.Rel.Schema }
func (n *Values) Schema() types.Schema   { return n.Cols }
func (n *Filter) Schema() types.Schema   { return n.Input.Schema() }
func (n *Project) Schema() types.Schema  { return n.Cols }
func (n *Limit) Schema() types.Schema    { return n.Input.Schema() }
func (n *UnionAll) Schema() types.Schema { return n.Branches[0].Schema() }
func (n *HashJoin) Schema() types.Schema { return joinSchema(n.Left, n.Right, n.Kind) }
func (n *NestedLoopJoin) Schema() types.Schema {
	return joinSchema(n.Left, n.Right, n.Kind)
}
func (n *Aggregate) Schema() types.Schema { return n.Cols }
func (n *Sort) Schema() types.Schema      { return n.Input.Schema() }

func (n *Scan) Inputs() []Node           { return nil }
func (n *Values) Inputs() []Node         { return nil }
func (n *Filter) Inputs() []Node         { return []Node{n.Input} }
func (n *Project) Inputs() []Node        { return []Node{n.Input} }
func (n *Limit) Inputs() []Node          { return []Node{n.Input} }
func (n *UnionAll) Inputs() []Node       { return n.Branches }
func (n *HashJoin) Inputs() []Node       { return []Node{n.Left, n.Right} }
func (n *NestedLoopJoin) Inputs() []Node { return []Node{n.Left, n.Right} }
func (n *Aggregate) Inputs() []Node      { return []Node{n.Input} }
func (n *Sort) Inputs() []Node           { return []Node{n.Input} }

// joinSchema is the left columns followed by the right ones; the side that
// an outer join may fill with NULLs becomes nullable.
func joinSchema(left, right Node, kind JoinKind) types.Schema {
	l, r := left.Schema(), right.Schema()
	out := make(types.Schema, 0, len(l)+len(r))
	for _, c := range l {
		c.Nullable = c.Nullable || kind == RightJoin
		out = append(out, c)
	}
	for _, c := range r {
		c.Nullable = c.Nullable || kind == LeftJoin
		out = append(out, c)
	}
	return out
}

// Walk calls fn for n and every node below it, parents first.
func Walk(n Node, fn func(Node)) {
	fn(n)
	for _, in := range n.Inputs() {
		Walk(in, fn)
	}
}
