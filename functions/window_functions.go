package functions

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// SQLSTATEs of the window functions' argument checks.
const (
	codeInvalidNtileArgument    = "22014"
	codeInvalidNthValueArgument = "22016"
)

// WindowFunction is one signature of a window function proper: a ranking
// function (row_number, rank ...), an offset function (lag, lead) or a
// frame value function (first_value ...). An aggregate used with OVER is
// an Aggregate instead.
type WindowFunction struct {
	Name     string
	Args     []types.Type
	Result   types.Type
	ResultOf func(args []types.Type) types.Type
	// Eval computes the function's value at the current row of a partition.
	Eval WindowEval
}

// ResultType returns the result type of the function for the given argument types.
func (w *WindowFunction) ResultType(args []types.Type) types.Type {
	if w.ResultOf != nil {
		return w.ResultOf(args)
	}
	return w.Result
}

// WindowEval computes a window function at row p.Row of partition p.
type WindowEval func(p *WindowPartition) (types.Datum, error)

// WindowPartition is one partition as a window function sees it, rows in
// window order, positioned at the row being computed. The executor owns it
// and moves it from row to row; functions must not keep it.
type WindowPartition struct {
	// Args holds each argument's values: Args[k][i] is argument k at row i.
	Args [][]types.Datum
	// Rows is the number of rows in the partition.
	Rows int
	// Row is the current row.
	Row int
	// PeerStart and PeerEnd bound the current row's peers, the rows its
	// ORDER BY values equal: [PeerStart, PeerEnd). Without ORDER BY every
	// row of the partition is a peer.
	PeerStart, PeerEnd int
	// PeerGroup is the number of peer groups before the current row's.
	PeerGroup int
	// FrameStart and FrameEnd bound the current row's frame:
	// [FrameStart, FrameEnd), empty when FrameStart >= FrameEnd.
	FrameStart, FrameEnd int
}

// windowFunctions are the window functions by name, as Postgres 15 has them.
var windowFunctions = indexWindowFunctions([]*WindowFunction{
	{Name: "row_number", Result: types.Int8, Eval: rowNumber},
	{Name: "rank", Result: types.Int8, Eval: rank},
	{Name: "dense_rank", Result: types.Int8, Eval: denseRank},
	{Name: "percent_rank", Result: types.Float8, Eval: percentRank},
	{Name: "cume_dist", Result: types.Float8, Eval: cumeDist},
	{Name: "ntile", Args: sig(types.Int4), Result: types.Int4, Eval: ntile},
	{Name: "lag", Args: sig(anyType), ResultOf: firstArgType, Eval: shifted(-1)},
	{Name: "lag", Args: sig(anyType, types.Int4), ResultOf: firstArgType, Eval: shifted(-1)},
	{Name: "lag", Args: sig(anyType, types.Int4, anyType), ResultOf: firstArgType, Eval: shifted(-1)},
	{Name: "lead", Args: sig(anyType), ResultOf: firstArgType, Eval: shifted(1)},
	{Name: "lead", Args: sig(anyType, types.Int4), ResultOf: firstArgType, Eval: shifted(1)},
	{Name: "lead", Args: sig(anyType, types.Int4, anyType), ResultOf: firstArgType, Eval: shifted(1)},
	{Name: "first_value", Args: sig(anyType), ResultOf: firstArgType, Eval: firstValue},
	{Name: "last_value", Args: sig(anyType), ResultOf: firstArgType, Eval: lastValue},
	{Name: "nth_value", Args: sig(anyType, types.Int4), ResultOf: firstArgType, Eval: nthValue},
})

func indexWindowFunctions(list []*WindowFunction) map[string][]*WindowFunction {
	byName := make(map[string][]*WindowFunction)
	for _, w := range list {
		byName[w.Name] = append(byName[w.Name], w)
	}
	return byName
}

// IsWindowFunction reports whether name is a window function proper (not
// an aggregate).
func IsWindowFunction(name string) bool {
	_, ok := windowFunctions[strings.ToLower(name)]
	return ok
}

// ResolveWindowFunction finds the signature of the window function name
// for the given argument types. The planner casts the arguments as for
// Resolve; lag and lead's default must already have the value's type.
func ResolveWindowFunction(name string, args []types.Type) (*WindowFunction, error) {
	name = strings.ToLower(name)
	list := windowFunctions[name]
	sigs := make([]signature, len(list))
	for i, w := range list {
		sigs[i] = signature{args: w.Args}
	}
	i := selectSignature(sigs, args, false)
	if i < 0 {
		return nil, notFound(name, args)
	}
	w := list[i]
	if !hasAnyType(w.Args) {
		return w, nil
	}
	inst := *w
	inst.Args = instantiate(sigs[i], args)
	return &inst, nil
}

func firstArgType(args []types.Type) types.Type {
	if args[0] == types.Unknown {
		return types.Text
	}
	return args[0]
}

func rowNumber(p *WindowPartition) (types.Datum, error) {
	return types.NewInt(int64(p.Row) + 1), nil
}

func rank(p *WindowPartition) (types.Datum, error) {
	return types.NewInt(int64(p.PeerStart) + 1), nil
}

func denseRank(p *WindowPartition) (types.Datum, error) {
	return types.NewInt(int64(p.PeerGroup) + 1), nil
}

// percentRank is (rank - 1) / (rows - 1), 0 for a single-row partition.
func percentRank(p *WindowPartition) (types.Datum, error) {
	if p.Rows <= 1 {
		return types.NewFloat(0), nil
	}
	return types.NewFloat(float64(p.PeerStart) / float64(p.Rows-1)), nil
}

// cumeDist is the fraction of rows preceding or peer with the current one.
func cumeDist(p *WindowPartition) (types.Datum, error) {
	return types.NewFloat(float64(p.PeerEnd) / float64(p.Rows)), nil
}

// ntile numbers buckets from 1 as Postgres does: the first rows%n buckets
// get one row more than the others. Like Postgres it reads the bucket count
// at the partition's first row.
func ntile(p *WindowPartition) (types.Datum, error) {
	arg := p.Args[0][0]
	if arg.IsNull() {
		return types.Null, nil
	}
	buckets := arg.I
	if buckets <= 0 {
		return types.Null, types.Errorf(codeInvalidNtileArgument, "argument of ntile must be greater than zero")
	}
	rows, row := int64(p.Rows), int64(p.Row)
	per, extra := rows/buckets, rows%buckets
	big := extra * (per + 1)
	if row < big {
		return types.NewIntOf(types.Int4, row/(per+1)+1), nil
	}
	return types.NewIntOf(types.Int4, extra+(row-big)/per+1), nil
}

// shifted is lag (direction -1) or lead (+1): the value offset rows away
// (1 by default), else the default (NULL by default). A NULL offset gives
// NULL.
func shifted(direction int64) WindowEval {
	return func(p *WindowPartition) (types.Datum, error) {
		offset := int64(1)
		if len(p.Args) > 1 {
			d := p.Args[1][p.Row]
			if d.IsNull() {
				return types.Null, nil
			}
			offset = d.I
		}
		target := int64(p.Row) + direction*offset
		if target >= 0 && target < int64(p.Rows) {
			return p.Args[0][target], nil
		}
		if len(p.Args) > 2 {
			return p.Args[2][p.Row], nil
		}
		return types.Null, nil
	}
}

func firstValue(p *WindowPartition) (types.Datum, error) {
	if p.FrameStart >= p.FrameEnd {
		return types.Null, nil
	}
	return p.Args[0][p.FrameStart], nil
}

func lastValue(p *WindowPartition) (types.Datum, error) {
	if p.FrameStart >= p.FrameEnd {
		return types.Null, nil
	}
	return p.Args[0][p.FrameEnd-1], nil
}

// nthValue is the value at the n-th row of the frame (from 1), NULL when
// the frame is shorter.
func nthValue(p *WindowPartition) (types.Datum, error) {
	d := p.Args[1][p.Row]
	if d.IsNull() {
		return types.Null, nil
	}
	if d.I <= 0 {
		return types.Null, types.Errorf(codeInvalidNthValueArgument, "argument of nth_value must be greater than zero")
	}
	target := int64(p.FrameStart) + d.I - 1
	if target >= int64(p.FrameEnd) {
		return types.Null, nil
	}
	return p.Args[0][target], nil
}
