package functions

import (
	"strings"

	"github.com/novelty-db/novelty/types"
)

// TableFunc is a set-returning function: it yields rows rather than one
// value (generate_series, unnest). Queries call it in FROM, or in a SELECT
// list, where each input row is repeated once per row it yields.
type TableFunc struct {
	// Name is the lower-case function name.
	Name string
	// Args are the parameter types the planner casts the arguments to.
	Args []types.Type
	// Cols are the columns of the rows it yields; a function of one column
	// names it after the function (Postgres' rule), renamed by aliases.
	Cols types.Schema
	// Rows starts the function over args (never NULL: a NULL argument
	// yields no rows, the functions are strict); the callee must not keep
	// args.
	Rows func(ctx *EvalContext, args []types.Datum) (RowIter, error)
}

// RowIter yields a table function's rows: each call fills row (one Datum
// per column) and reports true, or reports false once the rows are done
// (and on every later call).
type RowIter func(row []types.Datum) (bool, error)

// seriesLimit bounds the rows one timestamp generate_series yields, so a
// tiny step cannot run for ages (integer series are bounded by their type).
const seriesLimit = 100_000_000

var tableFuncs = map[string][]*TableFunc{
	"generate_series": {
		{Args: []types.Type{types.Int4, types.Int4}, Cols: oneCol("generate_series", types.Int4), Rows: intSeries},
		{Args: []types.Type{types.Int4, types.Int4, types.Int4}, Cols: oneCol("generate_series", types.Int4), Rows: intSeries},
		{Args: []types.Type{types.Int8, types.Int8}, Cols: oneCol("generate_series", types.Int8), Rows: intSeries},
		{Args: []types.Type{types.Int8, types.Int8, types.Int8}, Cols: oneCol("generate_series", types.Int8), Rows: intSeries},
		{Args: []types.Type{types.Timestamp, types.Timestamp, types.Interval}, Cols: oneCol("generate_series", types.Timestamp), Rows: timeSeries},
		{Args: []types.Type{types.TimestampTZ, types.TimestampTZ, types.Interval}, Cols: oneCol("generate_series", types.TimestampTZ), Rows: timeSeries},
	},
	"unnest": {
		{Args: []types.Type{types.TextArray}, Cols: oneCol("unnest", types.Text), Rows: unnest},
	},
	"pg_options_to_table": {
		{Args: []types.Type{types.TextArray}, Cols: types.Schema{
			{Name: "option_name", Type: types.Text, Nullable: true},
			{Name: "option_value", Type: types.Text, Nullable: true},
		}, Rows: optionsToTable},
	},
}

func oneCol(name string, t types.Type) types.Schema {
	return types.Schema{{Name: name, Type: t, Nullable: true}}
}

// IsTableFunc reports whether name is a set-returning function.
func IsTableFunc(name string) bool { return tableFuncs[strings.ToLower(name)] != nil }

// ResolveTableFunc picks the overload of a set-returning function for the
// argument types, by the rules Resolve uses for scalar functions.
func ResolveTableFunc(name string, args []types.Type) (*TableFunc, error) {
	name = strings.ToLower(name)
	list := tableFuncs[name]
	sigs := make([]signature, len(list))
	for i, f := range list {
		sigs[i] = signature{args: f.Args}
	}
	i := selectSignature(sigs, args, false)
	if i < 0 {
		return nil, notFound(name, args)
	}
	out := *list[i]
	out.Name = name
	return &out, nil
}

// intSeries is generate_series(start, stop [, step]) over integers.
func intSeries(_ *EvalContext, args []types.Datum) (RowIter, error) {
	start, stop, step := args[0].I, args[1].I, int64(1)
	if len(args) == 3 {
		step = args[2].I
	}
	if step == 0 {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "step size cannot equal zero")
	}
	typ, v, done := args[0].Typ, start, false
	return func(row []types.Datum) (bool, error) {
		if done || step > 0 && v > stop || step < 0 && v < stop {
			return false, nil
		}
		row[0] = types.Datum{Typ: typ, I: v}
		next := v + step
		// The next value would overflow: the series ends after this one.
		done = (step > 0) != (next > v)
		v = next
		return true, nil
	}, nil
}

// timeSeries is generate_series(start, stop, step) over timestamps.
func timeSeries(ctx *EvalContext, args []types.Datum) (RowIter, error) {
	step, stop := args[2], args[1].I
	if step.Months == 0 && step.Days == 0 && step.I == 0 {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "step size cannot equal zero")
	}
	probe, err := addInterval(ctx, args[0], step, 1)
	if err != nil {
		return nil, err
	}
	forward, v, n := probe.I > args[0].I, args[0], 0
	return func(row []types.Datum) (bool, error) {
		if forward && v.I > stop || !forward && v.I < stop {
			return false, nil
		}
		if n++; n > seriesLimit {
			return false, types.Errorf(types.CodeProgramLimitExceeded,
				"generate_series would yield more than %d rows", seriesLimit)
		}
		row[0] = v
		var err error
		v, err = addInterval(ctx, v, step, 1)
		return true, err
	}, nil
}

// unnest yields the elements of a text array.
func unnest(_ *EvalContext, args []types.Datum) (RowIter, error) {
	elems, err := arrayElements(args[0])
	if err != nil {
		return nil, err
	}
	return func(row []types.Datum) (bool, error) {
		if len(elems) == 0 {
			return false, nil
		}
		row[0] = types.Null
		if elems[0] != nil {
			row[0] = types.NewText(*elems[0])
		}
		elems = elems[1:]
		return true, nil
	}, nil
}

// optionsToTable splits reloptions-style "name=value" elements.
func optionsToTable(_ *EvalContext, args []types.Datum) (RowIter, error) {
	elems, err := arrayElements(args[0])
	if err != nil {
		return nil, err
	}
	return func(row []types.Datum) (bool, error) {
		for len(elems) > 0 && elems[0] == nil {
			elems = elems[1:]
		}
		if len(elems) == 0 {
			return false, nil
		}
		name, value, found := strings.Cut(*elems[0], "=")
		elems = elems[1:]
		row[0], row[1] = types.NewText(name), types.Null
		if found {
			row[1] = types.NewText(value)
		}
		return true, nil
	}, nil
}
