package functions

import (
	"strconv"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// ServerVersionString is what version() returns: clients parse the
// leading "PostgreSQL 15.0" to pick their catalog queries.
const ServerVersionString = "PostgreSQL 15.0 (Novelty streaming SQL engine) on x86_64-pc-linux-gnu, compiled by Go"

// sessionOverloads are the functions clients call to learn about the
// session and the catalog (psql, drivers, migration tools).
func sessionOverloads() []*Overload {
	text, i4, i8, b := types.Text, types.Int4, types.Int8, types.Bool
	session := func(name string, result types.Type, args []types.Type, impl Impl) *Overload {
		o := fn(name, result, args, impl)
		o.Volatile = true
		return o
	}
	user := func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
		s, err := sessionOf(ctx)
		if err != nil {
			return types.Null, err
		}
		return types.NewText(s.User()), nil
	}
	always := func(result types.Datum) Impl {
		return func(*EvalContext, []types.Datum) (types.Datum, error) { return result, nil }
	}
	lock := func(wait bool) Impl {
		return func(ctx *EvalContext, args []types.Datum) (types.Datum, error) {
			s, err := sessionOf(ctx)
			if err != nil {
				return types.Null, err
			}
			taken, err := s.AdvisoryLock(advisoryKey(args), wait)
			if err != nil || wait {
				// pg_advisory_lock returns void.
				return types.Null, err
			}
			return types.NewBool(taken), nil
		}
	}
	unlock := func(ctx *EvalContext, args []types.Datum) (types.Datum, error) {
		s, err := sessionOf(ctx)
		if err != nil {
			return types.Null, err
		}
		return types.NewBool(s.AdvisoryUnlock(advisoryKey(args))), nil
	}
	var out []*Overload
	for _, name := range []string{"current_user", "session_user", "user", "current_role"} {
		out = append(out, session(name, text, nil, user))
	}
	out = append(out,
		session("current_schema", text, nil, always(types.NewText("public"))),
		session("current_schemas", types.TextArray, sig(b), func(_ *EvalContext, args []types.Datum) (types.Datum, error) {
			if args[0].Bool() {
				return types.NewString(types.TextArray, "{pg_catalog,public}"), nil
			}
			return types.NewString(types.TextArray, "{public}"), nil
		}),
		session("current_database", text, nil, func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
			s, err := sessionOf(ctx)
			if err != nil {
				return types.Null, err
			}
			return types.NewText(s.Database()), nil
		}),
		session("current_catalog", text, nil, func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
			s, err := sessionOf(ctx)
			if err != nil {
				return types.Null, err
			}
			return types.NewText(s.Database()), nil
		}),
		session("current_setting", text, sig(text), func(ctx *EvalContext, args []types.Datum) (types.Datum, error) {
			s, err := sessionOf(ctx)
			if err != nil {
				return types.Null, err
			}
			v, ok := s.Setting(strings.ToLower(args[0].S))
			if !ok {
				return types.Null, types.Errorf(types.CodeUndefinedObject, "unrecognized configuration parameter %q", args[0].S)
			}
			return types.NewText(v), nil
		}),
		session("version", text, nil, always(types.NewText(ServerVersionString))),
		session("pg_backend_pid", i4, nil, func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
			s, err := sessionOf(ctx)
			if err != nil {
				return types.Null, err
			}
			return types.NewIntOf(i4, int64(s.BackendPID())), nil
		}),
		session("pg_advisory_lock", text, sig(i8), lock(true)),
		session("pg_advisory_lock", text, sig(i4, i4), lock(true)),
		session("pg_try_advisory_lock", b, sig(i8), lock(false)),
		session("pg_try_advisory_lock", b, sig(i4, i4), lock(false)),
		session("pg_advisory_unlock", b, sig(i8), unlock),
		session("pg_advisory_unlock", b, sig(i4, i4), unlock),
		// User relations are visible on the search path; the catalogs'
		// own relations are not listed with them (psql's completion).
		fn("pg_table_is_visible", b, sig(i8), func(_ *EvalContext, args []types.Datum) (types.Datum, error) {
			return types.NewBool(args[0].I >= types.FirstUserOID), nil
		}),
		// No relation can be published: Novelty has no logical replication.
		fn("pg_relation_is_publishable", b, sig(i8), always(types.NewBool(false))),
		fn("pg_type_is_visible", b, sig(i8), always(types.NewBool(true))),
		fn("pg_function_is_visible", b, sig(i8), always(types.NewBool(true))),
		fn("format_type", text, sig(i8, i4), formatType),
		session("pg_get_userbyid", text, sig(i8), user),
		fn("pg_encoding_to_char", text, sig(i4), always(types.NewText("UTF8"))),
		fn("quote_ident", text, sig(text), func(_ *EvalContext, args []types.Datum) (types.Datum, error) {
			return types.NewText(quoteIdent(args[0].S)), nil
		}),
		fn("quote_literal", text, sig(text), func(_ *EvalContext, args []types.Datum) (types.Datum, error) {
			return types.NewText(quoteLiteral(args[0].S)), nil
		}),
	)
	nullText := func(name string, args []types.Type) *Overload {
		o := fn(name, text, args, always(types.Null))
		o.NullCalls = true
		return o
	}
	out = append(out,
		nullText("col_description", sig(i8, i4)),
		nullText("obj_description", sig(i8, text)),
		nullText("obj_description", sig(i8)),
		nullText("shobj_description", sig(i8, text)),
		nullText("pg_get_indexdef", sig(i8, i4, b)),
		nullText("pg_get_constraintdef", sig(i8, b)),
		nullText("pg_get_constraintdef", sig(i8)),
		nullText("pg_get_triggerdef", sig(i8, b)),
		nullText("pg_get_viewdef", sig(i8, b)),
		nullText("pg_get_viewdef", sig(i8)),
		nullText("pg_get_statisticsobjdef_columns", sig(i8)),
		nullText("pg_get_partkeydef", sig(i8)),
		nullText("pg_get_partition_constraintdef", sig(i8)),
		nullText("pg_get_ruledef", sig(i8, b)),
	)
	// pg_get_expr(text, oid[, pretty]) renders a stored expression; ours
	// are stored as their text already.
	for _, args := range [][]types.Type{sig(text, i8), sig(text, i8, b)} {
		out = append(out, fn("pg_get_expr", text, args, func(_ *EvalContext, args []types.Datum) (types.Datum, error) {
			return types.NewText(args[0].S), nil
		}))
	}
	// pg_proc lists no functions yet, so these have nothing to describe.
	for _, name := range []string{"pg_get_function_result", "pg_get_function_arguments",
		"pg_get_function_identity_arguments", "pg_get_functiondef"} {
		out = append(out, nullText(name, sig(i8)))
	}
	out = append(out, fn("array_to_string", text, sig(types.TextArray, text), arrayToString),
		fn("pg_array_get", text, sig(types.TextArray, i4), arrayGet),
		fn("pg_array_get", types.Int2, sig(types.Int2Vector, i4), int2VectorGet),
		fn("array_upper", i4, sig(types.TextArray, i4), arrayBound(true)),
		fn("array_lower", i4, sig(types.TextArray, i4), arrayBound(false)),
		fn("array_length", i4, sig(types.TextArray, i4), arrayBound(true)),
		fn("pg_any_eq", b, sig(anyType, types.TextArray), anyEq))
	for _, name := range []string{"has_table_privilege", "has_schema_privilege", "has_database_privilege",
		"has_column_privilege", "has_function_privilege", "has_sequence_privilege", "has_any_column_privilege"} {
		o := fn(name, b, sig(text), always(types.NewBool(true)))
		o.Variadic = true
		out = append(out, o)
	}
	return out
}

// sessionOf returns the session of ctx, or an error outside a session
// (a stream's expressions).
func sessionOf(ctx *EvalContext) (SessionInfo, error) {
	if ctx == nil || ctx.Session == nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "this function needs a client session; it cannot run in a stream")
	}
	return ctx.Session, nil
}

// advisoryKey folds the one-bigint and two-integer forms into one key
// space, as Postgres keeps them apart by using the high 32 bits.
func advisoryKey(args []types.Datum) int64 {
	if len(args) == 2 {
		return args[0].I<<32 | int64(uint32(args[1].I))
	}
	return args[0].I
}

// formatType renders a type OID as format_type does.
func formatType(_ *EvalContext, args []types.Datum) (types.Datum, error) {
	t, ok := types.TypeByOID(uint32(args[0].I))
	if !ok {
		return types.NewText("???"), nil
	}
	return types.NewText(t.String()), nil
}

// quoteIdent quotes an identifier when Postgres would.
func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLiteral is Postgres' quote_literal: the string in single quotes,
// quotes doubled; with backslashes doubled too and an E prefix when it has
// any.
func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}

// arrayToString joins a text array's non-NULL elements with sep.
func arrayToString(_ *EvalContext, args []types.Datum) (types.Datum, error) {
	elems, err := arrayElements(args[0])
	if err != nil {
		return types.Null, err
	}
	var b strings.Builder
	first := true
	for _, e := range elems {
		if e == nil {
			continue
		}
		if !first {
			b.WriteString(args[1].S)
		}
		first = false
		b.WriteString(*e)
	}
	return types.NewText(b.String()), nil
}

// anyEq is x = ANY(array) for text arrays, comparing x's text form with
// each element: true on a match; NULL when no element matched and one was
// NULL; false otherwise (also for an empty array).
func anyEq(_ *EvalContext, args []types.Datum) (types.Datum, error) {
	elems, err := arrayElements(args[1])
	if err != nil {
		return types.Null, err
	}
	x := args[0].S
	if args[0].Typ.Family() != types.FamilyString {
		x = string(types.AppendText(nil, args[0], nil))
	}
	sawNull := false
	for _, e := range elems {
		switch {
		case e == nil:
			sawNull = true
		case *e == x:
			return types.NewBool(true), nil
		}
	}
	if sawNull {
		return types.Null, nil
	}
	return types.NewBool(false), nil
}

// NewTextArray returns a text[] Datum of elems (nil: a NULL element).
func NewTextArray(elems []*string) types.Datum {
	return types.NewString(types.TextArray, string(appendTextArray(nil, elems)))
}

// arrayGet is array[n] for text arrays: 1-based; NULL outside the array.
// int2VectorGet subscripts an int2vector, which counts from 0.
func int2VectorGet(_ *EvalContext, args []types.Datum) (types.Datum, error) {
	fields := strings.Fields(args[0].S)
	n := args[1].I
	if n < 0 || n >= int64(len(fields)) {
		return types.Null, nil
	}
	v, err := strconv.ParseInt(fields[n], 10, 16)
	if err != nil {
		return types.Null, types.Errorf(types.CodeInvalidTextRepresent, "malformed int2vector: %q", args[0].S)
	}
	return types.NewIntOf(types.Int2, v), nil
}

// arrayBound is array_upper (upper) or array_lower of a one-dimensional
// array: NULL for an empty array or another dimension. Our arrays start at
// 1, so array_length equals array_upper.
func arrayBound(upper bool) Impl {
	return func(_ *EvalContext, args []types.Datum) (types.Datum, error) {
		elems, err := arrayElements(args[0])
		if err != nil || len(elems) == 0 || args[1].I != 1 {
			return types.Null, err
		}
		if upper {
			return types.NewIntOf(types.Int4, int64(len(elems))), nil
		}
		return types.NewIntOf(types.Int4, 1), nil
	}
}

func arrayGet(_ *EvalContext, args []types.Datum) (types.Datum, error) {
	elems, err := arrayElements(args[0])
	if err != nil {
		return types.Null, err
	}
	n := args[1].I
	if n < 1 || n > int64(len(elems)) || elems[n-1] == nil {
		return types.Null, nil
	}
	return types.NewText(*elems[n-1]), nil
}
