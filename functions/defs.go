package functions

import (
	"time"

	"github.com/novelty-db/novelty/types"
)

// Type groups the tables register overloads for. Order matters where
// resolution ties fall back to registration order: text before varchar,
// float8 before the narrower floats.
var (
	intTypes     = []types.Type{types.Int2, types.Int4, types.Int8}
	floatTypes   = []types.Type{types.Float8, types.Numeric, types.Float4}
	numericTypes = append(append([]types.Type{}, intTypes...), floatTypes...)
	// valueTypes are all types a value can have.
	valueTypes = append(append([]types.Type{}, numericTypes...),
		types.Text, types.Varchar, types.Bool, types.TimestampTZ, types.Timestamp, types.Date,
		types.Interval, types.JSONB, types.JSON, types.UUID, types.Bytea, types.TextArray)
)

// sig is a parameter list, for readable tables.
func sig(args ...types.Type) []types.Type { return args }

// fn is a strict, stable overload: NULL in, NULL out, foldable at plan time.
func fn(name string, result types.Type, args []types.Type, impl Impl) *Overload {
	return &Overload{Name: name, Args: args, Result: result, Impl: impl}
}

// location is the session time zone of ctx, UTC when unset.
func location(ctx *EvalContext) *time.Location {
	if ctx == nil || ctx.Location == nil {
		return time.UTC
	}
	return ctx.Location
}
