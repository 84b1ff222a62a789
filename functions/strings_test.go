package functions

import (
	"fmt"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestStringFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{name: "||", args: []arg{txt("ab"), txt("cd")}, want: "abcd", typ: types.Text},
		{name: "||", args: []arg{lit("ab"), lit("cd")}, want: "abcd", typ: types.Text},
		{name: "||", args: []arg{txt("n="), i4(5)}, want: "n=5"},
		{name: "||", args: []arg{boolean(true), txt("!")}, want: "t!"},
		{name: "||", args: []arg{txt("a"), null(types.Text)}, want: "NULL"},
		{name: "lower", args: []arg{txt("ÀBc")}, want: "àbc"},
		{name: "upper", args: []arg{lit("abc")}, want: "ABC"},
		{name: "upper", args: []arg{typed(types.NewString(types.Varchar, "v"))}, want: "V"},
		{name: "lower", args: []arg{null(types.Text)}, want: "NULL"},
		{name: "length", args: []arg{txt("héllo")}, want: "5", typ: types.Int4},
		{name: "char_length", args: []arg{txt("")}, want: "0"},
		{name: "octet_length", args: []arg{txt("é")}, want: "2"},
		{name: "substr", args: []arg{txt("hello"), i4(2)}, want: "ello"},
		{name: "substr", args: []arg{txt("hello"), i4(2), i4(3)}, want: "ell"},
		{name: "substring", args: []arg{txt("hello"), i4(0), i4(3)}, want: "he"},
		{name: "substring", args: []arg{txt("hello"), i4(-5), i4(3)}, want: ""},
		{name: "substring", args: []arg{txt("héllo"), i4(2), i4(2)}, want: "él"},
		{name: "substring", args: []arg{txt("hello"), i4(9)}, want: ""},
		{name: "substring", args: []arg{txt("hello"), i4(1), i4(-1)}, code: codeSubstringError},
		{name: "concat", args: []arg{txt("a"), null(types.Text), i4(1), boolean(false)}, want: "a1f"},
		{name: "concat", args: []arg{null(types.Text)}, want: ""},
		{name: "concat_ws", args: []arg{lit(","), txt("a"), null(types.Text), i4(2)}, want: "a,2"},
		{name: "concat_ws", args: []arg{null(types.Text), txt("a")}, want: "NULL"},
		{name: "split_part", args: []arg{txt("a,b,c"), lit(","), i4(2)}, want: "b"},
		{name: "split_part", args: []arg{txt("a,b,c"), lit(","), i4(-1)}, want: "c"},
		{name: "split_part", args: []arg{txt("a,b,c"), lit(","), i4(4)}, want: ""},
		{name: "split_part", args: []arg{txt("a,b"), lit(","), i4(0)}, code: types.CodeInvalidParameterValue},
		{name: "replace", args: []arg{txt("abcabc"), lit("b"), lit("X")}, want: "aXcaXc"},
		{name: "replace", args: []arg{txt("abc"), lit(""), lit("X")}, want: "abc"},
		{name: "trim", args: []arg{txt("  a b  ")}, want: "a b"},
		{name: "btrim", args: []arg{txt("xxaxx"), lit("x")}, want: "a"},
		{name: "ltrim", args: []arg{txt("  a ")}, want: "a "},
		{name: "rtrim", args: []arg{txt("a.,.,"), lit(".,")}, want: "a"},
		{name: "trim", args: []arg{txt("xxaxx"), lit("x"), lit("leading")}, want: "axx"},
		{name: "lpad", args: []arg{txt("7"), i4(3), lit("0")}, want: "007"},
		{name: "lpad", args: []arg{txt("hello"), i4(2)}, want: "he"},
		{name: "rpad", args: []arg{txt("ab"), i4(5), lit("xy")}, want: "abxyx"},
		{name: "rpad", args: []arg{txt("ab"), i4(-1)}, want: ""},
		{name: "strpos", args: []arg{txt("héllo"), lit("l")}, want: "3"},
		{name: "position", args: []arg{lit("lo"), txt("hello")}, want: "4"},
		{name: "position", args: []arg{lit("z"), txt("hello")}, want: "0"},
		{name: "left", args: []arg{txt("abcde"), i4(2)}, want: "ab"},
		{name: "left", args: []arg{txt("abcde"), i4(-2)}, want: "abc"},
		{name: "right", args: []arg{txt("abcde"), i4(2)}, want: "de"},
		{name: "right", args: []arg{txt("abcde"), i4(-2)}, want: "cde"},
		{name: "reverse", args: []arg{txt("añb")}, want: "bña"},
		{name: "repeat", args: []arg{txt("ab"), i4(3)}, want: "ababab"},
		{name: "repeat", args: []arg{txt("ab"), i4(-1)}, want: ""},
		{name: "repeat", args: []arg{txt("ab"), i4(1 << 30)}, code: codeProgramLimitExceeded},
		{name: "starts_with", args: []arg{txt("alpha"), lit("al")}, want: "t"},
		{name: "md5", args: []arg{txt("abc")}, want: "900150983cd24fb0d6963f7d28e17f72"},
	})
}

func TestLike(t *testing.T) {
	runCases(t, []evalCase{
		{name: "like", args: []arg{txt("hello"), lit("h%o")}, want: "t"},
		{name: "like", args: []arg{txt("hello"), lit("h_llo")}, want: "t"},
		{name: "like", args: []arg{txt("hello"), lit("H%")}, want: "f"},
		{name: "like", args: []arg{txt("héllo"), lit("h_llo")}, want: "t"},
		{name: "like", args: []arg{txt("50%"), lit(`50\%`)}, want: "t"},
		{name: "like", args: []arg{txt("500"), lit(`50\%`)}, want: "f"},
		{name: "like", args: []arg{txt("a_b"), lit("a!_b"), lit("!")}, want: "t"},
		{name: "like", args: []arg{txt(`a\b`), lit(`a\b`), lit("")}, want: "t"},
		{name: "like", args: []arg{txt("abc"), lit("%%c")}, want: "t"},
		{name: "like", args: []arg{txt("mississippi"), lit("%iss%ppi")}, want: "t"},
		{name: "like", args: []arg{txt("mississippi"), lit("%iss%ppx")}, want: "f"},
		{name: "like", args: []arg{txt(""), lit("%")}, want: "t"},
		{name: "like", args: []arg{txt("a"), lit("")}, want: "f"},
		{name: "like", args: []arg{txt("a"), lit(`a\`)}, code: codeInvalidEscape},
		{name: "like", args: []arg{txt("a"), lit("a"), lit("xy")}, code: codeInvalidEscape},
		{name: "not like", args: []arg{txt("hello"), lit("h%")}, want: "f"},
		{name: "ilike", args: []arg{txt("HÉLLO"), lit("hé%")}, want: "t"},
		{name: "not ilike", args: []arg{txt("HELLO"), lit("x%")}, want: "t"},
		{name: "like", args: []arg{null(types.Text), lit("%")}, want: "NULL"},
	})
}

func TestRegex(t *testing.T) {
	runCases(t, []evalCase{
		{name: "~", args: []arg{txt("abc123"), lit(`^[a-z]+\d+$`)}, want: "t"},
		{name: "pg_regex_match", args: []arg{txt("ABC"), lit("abc")}, want: "f"},
		{name: "pg_regex_imatch", args: []arg{txt("ABC"), lit("abc")}, want: "t"},
		{name: "~*", args: []arg{txt("ABC"), lit("b")}, want: "t"},
		{name: "!~", args: []arg{txt("abc"), lit("z")}, want: "t"},
		{name: "~", args: []arg{txt("a\nb"), lit("a.b")}, want: "t"}, // . matches newline by default
		{name: "~", args: []arg{txt("a"), lit("(")}, code: types.CodeInvalidRegex},
		{name: "regexp_like", args: []arg{txt("a\nb"), lit("^b$"), lit("n")}, want: "t"},
		{name: "regexp_like", args: []arg{txt("x"), lit("x"), lit("z")}, code: types.CodeInvalidParameterValue},
		{name: "regexp_replace", args: []arg{txt("foobarbaz"), lit("b(..)"), lit(`X\1Y`)}, want: "fooXarYbaz"},
		{name: "regexp_replace", args: []arg{txt("foobarbaz"), lit("b(..)"), lit(`X\1Y`), lit("g")}, want: "fooXarYXazY"},
		{name: "regexp_replace", args: []arg{txt("abc"), lit("B"), lit(`[\&]`), lit("gi")}, want: "a[b]c"},
		{name: "regexp_replace", args: []arg{txt("a.b"), lit("."), lit(`\\`), lit("q")}, want: `a\b`},
		{name: "regexp_replace", args: []arg{txt("abc"), lit("z"), lit("y")}, want: "abc"},
		{name: "regexp_match", args: []arg{txt("foobarbequebaz"), lit("(bar)(beque)")}, want: "{bar,beque}", typ: types.TextArray},
		{name: "regexp_match", args: []arg{txt("a b"), lit("a b")}, want: `{"a b"}`},
		{name: "regexp_match", args: []arg{txt("ab"), lit("a(x)?")}, want: "{NULL}"},
		{name: "regexp_match", args: []arg{txt("abc"), lit("z")}, want: "NULL"},
		{name: "regexp_match", args: []arg{txt("abc"), lit("b"), lit("g")}, code: types.CodeInvalidParameterValue},
		{name: "regexp_matches", args: []arg{txt("abc"), lit("(b)(c)")}, want: "{b,c}"},
		{name: "regexp_matches", args: []arg{txt("abc"), lit("b"), lit("g")}, code: types.CodeFeatureNotSupported},
	})
}

func TestRegexCacheIsBounded(t *testing.T) {
	for i := range 3 * regexCacheSize {
		if _, err := compileRegex(fmt.Sprintf("p%d", i), regexOptions{newlineMode: 's'}); err != nil {
			t.Fatal(err)
		}
	}
	regexCache.Lock()
	n := len(regexCache.m)
	regexCache.Unlock()
	if n > regexCacheSize {
		t.Errorf("regex cache holds %d patterns, limit %d", n, regexCacheSize)
	}
}
