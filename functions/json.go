package functions

import (
	"bytes"
	"strconv"

	"github.com/novelty-db/novelty/types"
)

// jsonOverloads registers the JSON operators and functions for json and
// jsonb alike; results keep the argument's JSON type. -> and ->> (and
// pg_json_get/pg_json_get_text, the names the SQL front end may use) take
// an object key or an array index, negative from the end, and give NULL
// when there is nothing there.
func jsonOverloads() []*Overload {
	text, i4 := types.Text, types.Int4
	var out []*Overload
	for _, t := range []types.Type{types.JSONB, types.JSON} {
		prefix := "json"
		if t == types.JSONB {
			prefix = "jsonb"
		}
		out = append(out,
			fn("->", t, sig(t, text), jsonGetKey(false)),
			fn("->", t, sig(t, i4), jsonGetIndex(false)),
			fn("->>", text, sig(t, text), jsonGetKey(true)),
			fn("->>", text, sig(t, i4), jsonGetIndex(true)),
			fn("pg_json_get", t, sig(t, text), jsonGetKey(false)),
			fn("pg_json_get", t, sig(t, i4), jsonGetIndex(false)),
			fn("pg_json_get_text", text, sig(t, text), jsonGetKey(true)),
			fn("pg_json_get_text", text, sig(t, i4), jsonGetIndex(true)),
			&Overload{Name: prefix + "_extract_path", Args: sig(t, text), Variadic: true, Result: t, Impl: jsonExtractPath(false)},
			&Overload{Name: prefix + "_extract_path_text", Args: sig(t, text), Variadic: true, Result: text, Impl: jsonExtractPath(true)},
			fn("json_extract", t, sig(t, text), jsonExtract),
			fn(prefix+"_typeof", text, sig(t), jsonTypeof),
			fn(prefix+"_array_length", i4, sig(t), jsonArrayLengthImpl),
			fn("to_"+prefix, t, sig(anyType), toJSON(t)),
			&Overload{Name: prefix + "_build_object", Args: sig(anyType), Variadic: true, Result: t, NullCalls: true, Impl: buildObject(t)},
			&Overload{Name: prefix + "_build_array", Args: sig(anyType), Variadic: true, Result: t, NullCalls: true, Impl: buildArray(t)},
		)
	}
	return out
}

// jsonResult wraps a slice of a JSON value as a value of t or, for the
// text variants, as its ->> text.
func jsonResult(t types.Type, value string, asText bool) types.Datum {
	if !asText {
		return types.Datum{Typ: t, S: trimJSON(value)}
	}
	s, ok := jsonText(value)
	if !ok {
		return types.Null
	}
	return types.NewText(s)
}

func jsonGetKey(asText bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonField(a[0].S, a[1].S)
		if !ok {
			return types.Null, nil
		}
		return jsonResult(a[0].Typ, v, asText), nil
	}
}

func jsonGetIndex(asText bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonElement(a[0].S, a[1].I)
		if !ok {
			return types.Null, nil
		}
		return jsonResult(a[0].Typ, v, asText), nil
	}
}

// jsonExtractPath follows keys (and, in arrays, indexes written as text).
func jsonExtractPath(asText bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v := a[0].S
		for _, step := range a[1:] {
			var ok bool
			switch jsonKind(v) {
			case '{':
				v, ok = jsonField(v, step.S)
			case '[':
				var idx int64
				if idx, ok = parseIndex(step.S); ok {
					v, ok = jsonElement(v, idx)
				}
			}
			if !ok {
				return types.Null, nil
			}
		}
		return jsonResult(a[0].Typ, v, asText), nil
	}
}

func parseIndex(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func jsonTypeof(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	name := jsonKindName(jsonKind(a[0].S))
	if name == "numeric" {
		name = "number"
	}
	return types.NewText(name), nil
}

func jsonArrayLengthImpl(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	n, ok := jsonArrayLength(a[0].S)
	if !ok {
		what := "a non-array"
		if k := jsonKind(a[0].S); k != '{' {
			what = "a scalar"
		}
		return types.Null, types.Errorf(types.CodeInvalidParameterValue, "cannot get array length of %s", what)
	}
	return types.NewIntOf(types.Int4, int64(n)), nil
}

// toJSON converts any value to JSON as Postgres' to_json does.
func toJSON(t types.Type) Impl {
	return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		return finishJSON(t, appendJSONValue(ctx, nil, a[0]))
	}
}

// finishJSON makes a value of t from JSON text built here: jsonb gets
// Postgres' jsonb normal form.
func finishJSON(t types.Type, buf []byte) (types.Datum, error) {
	if t == types.JSONB {
		return types.ParseText(types.JSONB, string(buf), nil)
	}
	return types.NewJSON(string(buf)), nil
}

func buildObject(t types.Type) Impl {
	name := t.String() + "_build_object"
	return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		if len(a)%2 != 0 {
			return types.Null, types.Errorf(types.CodeInvalidParameterValue, "argument list must have even number of elements").
				WithHint("The arguments of %s() must consist of alternating keys and values.", name)
		}
		buf := []byte{'{'}
		for i := 0; i < len(a); i += 2 {
			if a[i].IsNull() {
				return types.Null, types.Errorf(codeNullNotAllowed, "null value not allowed for object key")
			}
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = types.AppendJSONString(buf, string(appendValueText(ctx, nil, a[i])))
			buf = append(buf, " : "...)
			buf = appendJSONValue(ctx, buf, a[i+1])
		}
		return finishJSON(t, append(buf, '}'))
	}
}

func buildArray(t types.Type) Impl {
	return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		buf := []byte{'['}
		for i, d := range a {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendJSONValue(ctx, buf, d)
		}
		return finishJSON(t, append(buf, ']'))
	}
}

// appendJSONValue appends d as JSON, the way Postgres' datum_to_json
// does: numbers bare (NaN and infinities quoted), dates and timestamps as
// ISO 8601 strings, JSON as is, arrays as JSON arrays, the rest as strings
// of their text form.
func appendJSONValue(ctx *EvalContext, buf []byte, d types.Datum) []byte {
	switch d.Typ.Family() {
	case types.FamilyUnknown:
		return append(buf, "null"...)
	case types.FamilyBool:
		return strconv.AppendBool(buf, d.Bool())
	case types.FamilyInt:
		return strconv.AppendInt(buf, d.I, 10)
	case types.FamilyFloat:
		start := len(buf)
		buf = appendValueText(ctx, buf, d)
		if n := buf[start:]; bytes.Equal(n, []byte("NaN")) || bytes.HasSuffix(n, []byte("Infinity")) {
			return types.AppendJSONString(buf[:start], string(n))
		}
		return buf
	case types.FamilyJSON:
		return append(buf, d.S...)
	case types.FamilyArray:
		elems, ok := splitTextArray(d.S)
		if !ok {
			return types.AppendJSONString(buf, d.S)
		}
		buf = append(buf, '[')
		for i, e := range elems {
			if i > 0 {
				buf = append(buf, ',')
			}
			if e == nil {
				buf = append(buf, "null"...)
			} else {
				buf = types.AppendJSONString(buf, *e)
			}
		}
		return append(buf, ']')
	case types.FamilyDate, types.FamilyTimestamp:
		return types.AppendJSONString(buf, isoDateTime(appendValueText(ctx, nil, d), d.Typ == types.TimestampTZ))
	}
	return types.AppendJSONString(buf, string(appendValueText(ctx, nil, d)))
}

// isoDateTime turns Postgres' text form of a date or timestamp into the
// ISO 8601 form its JSON output uses: a T between date and time and a
// zone offset with minutes.
func isoDateTime(text []byte, withZone bool) string {
	if i := bytes.IndexByte(text, ' '); i >= 0 && !bytes.HasSuffix(text, []byte(" BC")) {
		text[i] = 'T'
	}
	if withZone {
		if i := bytes.LastIndexAny(text, "+-"); i > bytes.IndexByte(text, 'T') && len(text)-i == 3 {
			text = append(text, ":00"...)
		}
	}
	return string(text)
}
