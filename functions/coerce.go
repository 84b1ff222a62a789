package functions

import "github.com/novelty-db/novelty/types"

// implicitTargets lists, per type, the types it converts to implicitly
// (Postgres' pg_cast entries with castcontext 'i'), nearest first: the
// position is the coercion's distance, used as the last tie-breaker.
var implicitTargets = map[types.Type][]types.Type{
	types.Int2:      {types.Int4, types.Int8, types.Numeric, types.Float4, types.Float8},
	types.Int4:      {types.Int8, types.Numeric, types.Float4, types.Float8},
	types.Int8:      {types.Numeric, types.Float4, types.Float8},
	types.Numeric:   {types.Float4, types.Float8},
	types.Float4:    {types.Float8},
	types.Varchar:   {types.Text},
	types.Text:      {types.Varchar},
	types.Date:      {types.Timestamp, types.TimestampTZ},
	types.Timestamp: {types.TimestampTZ},
	types.JSON:      {types.JSONB},
	types.JSONB:     {types.JSON},
}

// CanCoerce reports whether a value of type from is converted to type to
// implicitly (in a function call or comparison). An untyped literal or
// NULL (Unknown) converts to anything.
func CanCoerce(from, to types.Type) bool {
	return coercionDistance(from, to) >= 0
}

// coercionDistance is the number of steps from one type to the other along
// implicitTargets: 0 for the same type, -1 when there is no implicit path.
// Unknown is one step from text and two from anything else.
func coercionDistance(from, to types.Type) int {
	switch {
	case from == to, to == anyType:
		return 0
	case from == types.Unknown && category(to) == 'S':
		return 1
	case from == types.Unknown:
		return 2
	}
	for i, t := range implicitTargets[from] {
		if t == to {
			return i + 1
		}
	}
	return -1
}

// category is Postgres' typcategory: B boolean, N numeric, S string,
// D date/time, T timespan, U user-defined (json, uuid), V bytes (Postgres
// files bytea under U; separating it changes nothing here), A array.
func category(t types.Type) byte {
	switch t {
	case types.Bool:
		return 'B'
	case types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Numeric:
		return 'N'
	case types.Text, types.Varchar, types.Unknown:
		return 'S'
	case types.Date, types.Timestamp, types.TimestampTZ:
		return 'D'
	case types.Interval:
		return 'T'
	case types.Bytea:
		return 'V'
	case types.TextArray:
		return 'A'
	}
	return 'U'
}

// isPreferred reports Postgres' typispreferred: the type a category's
// members convert to when a choice is needed.
func isPreferred(t types.Type) bool {
	switch t {
	case types.Bool, types.Float8, types.Text, types.TimestampTZ, types.Interval:
		return true
	}
	return false
}
