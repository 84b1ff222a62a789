package functions

import (
	"github.com/novelty-db/novelty/types"
)

// windowOverloads are the window functions usable as scalars:
// tumble(ts, size) is the start of the tumbling window holding ts (window
// joins compare them: TUMBLE(a.ts, s) = TUMBLE(b.ts, s)).
func windowOverloads() []*Overload {
	var out []*Overload
	for _, t := range []types.Type{types.Timestamp, types.TimestampTZ} {
		out = append(out, fn("tumble", t, sig(t, types.Interval), tumbleStart))
	}
	return out
}

// tumbleStart floors ts to a multiple of size since the Unix epoch.
func tumbleStart(_ *EvalContext, args []types.Datum) (types.Datum, error) {
	size := args[1].IntervalMicros()
	if size <= 0 {
		return types.Null, types.Errorf(types.CodeInvalidParameterValue, "a window size must be positive")
	}
	t := args[0].I
	start := t - t%size
	if t%size < 0 {
		start -= size
	}
	return types.Datum{Typ: args[0].Typ, I: start}, nil
}
