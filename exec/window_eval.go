package exec

import (
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// rowEval computes, for one input row at a time, the group key and the
// arguments of every aggregate into reused buffers, so adding a row to an
// existing (window, group) allocates nothing. A row's expressions are all
// evaluated before any state changes, so a failing row changes nothing.
type rowEval struct {
	groups []Evaluator
	// groupCols[i] is the input column group i reads, or -1 when it is
	// computed; reading the column directly skips a call per row.
	groupCols []int
	aggs      []aggSpec
	// argCols is groupCols for the aggregate arguments (args' layout).
	argCols []int
	// argOff: aggregate i's arguments are args[argOff[i]:argOff[i+1]].
	argOff []int
	// hasDistinct: some aggregate is DISTINCT; eval then also encodes
	// each DISTINCT aggregate's arguments into distinct[i].
	hasDistinct bool
	// The sizes of a (window, group)'s aggregates (statesize_window.go):
	// entryBytes before any row; sized[i] when aggregate i's states report
	// their size; growing when extraBytes can be non-zero.
	entryBytes int64
	sized      []bool
	growing    bool

	keyVals  []types.Datum
	key      []byte
	args     []types.Datum
	distinct [][]byte
}

func newRowEval(n *planner.WindowAggregate, env *Env) (*rowEval, error) {
	groups, err := CompileAll(n.Groups, env)
	if err != nil {
		return nil, err
	}
	e := &rowEval{groups: groups, groupCols: columnIndexes(n.Groups), argOff: []int{0}, keyVals: make([]types.Datum, len(groups))}
	for _, call := range n.Aggs {
		e.argCols = append(e.argCols, columnIndexes(call.Args)...)
		args, err := CompileAll(call.Args, env)
		if err != nil {
			return nil, err
		}
		e.aggs = append(e.aggs, aggSpec{fn: call.Fn, args: args, distinct: call.Distinct})
		e.hasDistinct = e.hasDistinct || call.Distinct
		e.argOff = append(e.argOff, e.argOff[len(e.argOff)-1]+len(args))
	}
	e.args = make([]types.Datum, e.argOff[len(e.aggs)])
	e.distinct = make([][]byte, len(e.aggs))
	e.sizeStates()
	return e, nil
}

// eval evaluates row's group key (keyVals, key) and aggregate arguments.
func (e *rowEval) eval(row []types.Datum) error {
	e.key = e.key[:0]
	for i, g := range e.groups {
		var d types.Datum
		if c := e.groupCols[i]; c >= 0 {
			d = row[c]
		} else {
			var err error
			if d, err = g(row); err != nil {
				return err
			}
		}
		e.keyVals[i] = d
		e.key = types.AppendKey(e.key, d)
	}
	for i, spec := range e.aggs {
		args := e.argsOf(i)
		cols := e.argCols[e.argOff[i]:e.argOff[i+1]]
		for j, ev := range spec.args {
			if c := cols[j]; c >= 0 {
				args[j] = row[c]
				continue
			}
			d, err := ev(row)
			if err != nil {
				return err
			}
			args[j] = d
		}
		if spec.distinct {
			e.distinct[i] = appendArgsKey(e.distinct[i][:0], args)
		}
	}
	return nil
}

// argsOf is aggregate i's slice of the current row's arguments.
func (e *rowEval) argsOf(i int) []types.Datum {
	return e.args[e.argOff[i]:e.argOff[i+1]:e.argOff[i+1]]
}

// newStates appends a fresh state per aggregate to dst, nil for the
// DISTINCT ones: they keep distinctArgs until their window is emitted.
func (e *rowEval) newStates(dst []functions.AggState) []functions.AggState {
	for _, spec := range e.aggs {
		var st functions.AggState
		if !spec.distinct {
			st = spec.fn.New()
		}
		dst = append(dst, st)
	}
	return dst
}

// addRow folds the evaluated row into states (len(aggs), from newStates)
// and, for the DISTINCT aggregates, into distinct (len(aggs) when
// hasDistinct). An aggregate that rejects the row (an overflowing sum)
// leaves it out; the others still take it, and the first error is
// returned for the caller to report.
func (e *rowEval) addRow(states []functions.AggState, distinct []distinctArgs) error {
	var first error
	for i, spec := range e.aggs {
		if spec.distinct {
			distinct[i].add(e.distinct[i], e.argsOf(i))
			continue
		}
		if err := states[i].Add(e.argsOf(i)); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// columnIndexes maps each expression to the input column it reads when it
// is a plain column reference, else to -1.
func columnIndexes(es []planner.Expr) []int {
	cols := make([]int, len(es))
	for i, e := range es {
		cols[i] = -1
		if c, ok := e.(*planner.ColRef); ok {
			cols[i] = c.Index
		}
	}
	return cols
}

// appendArgsKey encodes a DISTINCT aggregate's arguments as a set key.
func appendArgsKey(buf []byte, args []types.Datum) []byte {
	for _, d := range args {
		buf = types.AppendKey(buf, d)
	}
	return buf
}
