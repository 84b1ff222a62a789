package functions

import (
	"math"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestJSONAccess(t *testing.T) {
	doc := typed(types.NewJSON(` {"a": {"b": [10, "x", {"c": null}]}, "s": "q\"uo\u00e9", "n": 1.5, "a\"k": 2, "d": 1, "d": 3} `))
	jb := parsed(types.JSONB, `{"mostNovelComponent": {"index": 2, "value": "10.0.0.1"}, "score": 0.99}`)
	arr := typed(types.NewJSON(`[1, [2, 3], "four"]`))
	runCases(t, []evalCase{
		{name: "->", args: []arg{doc, lit("a")}, want: `{"b": [10, "x", {"c": null}]}`, typ: types.JSON},
		{name: "->", args: []arg{doc, lit("missing")}, want: "NULL"},
		{name: "->", args: []arg{doc, i4(0)}, want: "NULL"},
		{name: "->>", args: []arg{doc, lit("s")}, want: `q"uoé`, typ: types.Text},
		{name: "->>", args: []arg{doc, lit("n")}, want: "1.5"},
		{name: "->>", args: []arg{doc, lit(`a"k`)}, want: "2"},
		{name: "->>", args: []arg{doc, lit("d")}, want: "3"}, // the last duplicate wins
		{name: "->", args: []arg{arr, i4(1)}, want: "[2, 3]"},
		{name: "->", args: []arg{arr, i4(-1)}, want: `"four"`},
		{name: "->>", args: []arg{arr, i4(-1)}, want: "four"},
		{name: "->", args: []arg{arr, i4(3)}, want: "NULL"},
		{name: "->", args: []arg{arr, i4(-4)}, want: "NULL"},
		{name: "pg_json_get", args: []arg{jb, lit("mostNovelComponent")}, want: `{"index": 2, "value": "10.0.0.1"}`, typ: types.JSONB},
		{name: "pg_json_get_text", args: []arg{jb, lit("score")}, want: "0.99"},
		{name: "->>", args: []arg{typed(types.NewJSON(`{"a": null}`)), lit("a")}, want: "NULL"},
		{name: "->", args: []arg{typed(types.NewJSON(`{"a": null}`)), lit("a")}, want: "null"},
		{name: "->", args: []arg{null(types.JSON), lit("a")}, want: "NULL"},
		{name: "json_extract_path", args: []arg{doc, lit("a"), lit("b"), lit("2")}, want: `{"c": null}`},
		{name: "json_extract_path_text", args: []arg{doc, lit("a"), lit("b"), lit("1")}, want: "x"},
		{name: "json_extract_path_text", args: []arg{doc, lit("a"), lit("zz")}, want: "NULL"},
		{name: "jsonb_extract_path_text", args: []arg{jb, lit("mostNovelComponent"), lit("index")}, want: "2"},
		{name: "json_extract", args: []arg{doc, lit("$.a.b[0]")}, want: "10", typ: types.JSON},
		{name: "json_extract", args: []arg{doc, lit("$.a.b[last]")}, want: `{"c": null}`},
		{name: "json_extract", args: []arg{doc, lit("$.a.b[last-1]")}, want: `"x"`},
		{name: "json_extract", args: []arg{doc, lit(`$."a\"k"`)}, want: "2"},
		{name: "json_extract", args: []arg{doc, lit("$")}, want: `{"a": {"b": [10, "x", {"c": null}]}, "s": "q\"uo\u00e9", "n": 1.5, "a\"k": 2, "d": 1, "d": 3}`},
		{name: "json_extract", args: []arg{doc, lit("$.a.zz[0]")}, want: "NULL"},
		{name: "json_extract", args: []arg{jb, lit("$.mostNovelComponent.value")}, want: `"10.0.0.1"`, typ: types.JSONB},
		{name: "json_extract", args: []arg{doc, lit("$.a.*")}, code: types.CodeInvalidParameterValue},
		{name: "json_extract", args: []arg{doc, lit("a.b")}, code: types.CodeInvalidParameterValue},
		{name: "json_extract", args: []arg{doc, lit("$.a[x]")}, code: types.CodeInvalidParameterValue},
		{name: "json_typeof", args: []arg{doc}, want: "object"},
		{name: "json_typeof", args: []arg{arr}, want: "array"},
		{name: "jsonb_typeof", args: []arg{parsed(types.JSONB, "1")}, want: "number"},
		{name: "json_typeof", args: []arg{typed(types.NewJSON(" null"))}, want: "null"},
		{name: "json_typeof", args: []arg{typed(types.NewJSON(`"s"`))}, want: "string"},
		{name: "json_typeof", args: []arg{typed(types.NewJSON("false"))}, want: "boolean"},
		{name: "json_array_length", args: []arg{arr}, want: "3", typ: types.Int4},
		{name: "json_array_length", args: []arg{typed(types.NewJSON("[]"))}, want: "0"},
		{name: "json_array_length", args: []arg{doc}, code: types.CodeInvalidParameterValue},
	})
}

func TestJSONBuild(t *testing.T) {
	runCases(t, []evalCase{
		{name: "json_build_object", args: []arg{lit("a"), i4(1), lit("b"), lit("x\ny"), lit("c"), null(types.Unknown)},
			want: `{"a" : 1, "b" : "x\ny", "c" : null}`, typ: types.JSON},
		{name: "json_build_object", args: []arg{i4(1), boolean(true), lit("t"), parsed(types.Timestamp, "2024-01-02 03:04:05")},
			want: `{"1" : true, "t" : "2024-01-02T03:04:05"}`},
		{name: "json_build_object", args: []arg{lit("j"), typed(types.NewJSON(`[1,2]`)), lit("f"), f8(0.5)}, want: `{"j" : [1,2], "f" : 0.5}`},
		{name: "json_build_object", args: []arg{}, want: "{}"},
		{name: "json_build_object", args: []arg{lit("a")}, code: types.CodeInvalidParameterValue},
		{name: "json_build_object", args: []arg{null(types.Text), i4(1)}, code: codeNullNotAllowed},
		{name: "jsonb_build_object", args: []arg{lit("b"), i4(1), lit("a"), i4(2)}, want: `{"a": 2, "b": 1}`, typ: types.JSONB},
		{name: "json_build_array", args: []arg{i4(1), lit("a"), null(types.Int4)}, want: `[1, "a", null]`},
		{name: "to_json", args: []arg{txt(`say "hi"`)}, want: `"say \"hi\""`, typ: types.JSON},
		{name: "to_json", args: []arg{f8(0.1)}, want: "0.1"},
		{name: "to_json", args: []arg{typed(types.NewFloat(math.Inf(1)))}, want: `"Infinity"`},
		{name: "to_json", args: []arg{parsed(types.TimestampTZ, "2024-01-02 03:04:05+00")}, want: `"2024-01-02T03:04:05+00:00"`},
		{name: "to_json", args: []arg{parsed(types.Date, "2024-01-02")}, want: `"2024-01-02"`},
		{name: "to_json", args: []arg{parsed(types.TextArray, `{a,"b c",NULL}`)}, want: `["a","b c",null]`},
		{name: "to_json", args: []arg{parsed(types.Interval, "1 day")}, want: `"1 day"`},
		{name: "to_json", args: []arg{null(types.Int4)}, want: "NULL"},
		{name: "to_jsonb", args: []arg{i8(5)}, want: "5", typ: types.JSONB},
	})
}
