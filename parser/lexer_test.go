package parser

import (
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestLexTokens(t *testing.T) {
	type tok struct {
		kind tokenKind
		val  string
	}
	tests := []struct {
		name string
		in   string
		want []tok
	}{
		{"identifiers fold, quoted keep case", `Foo "Bar" "a""b" _x$1`,
			[]tok{{tkIdent, "foo"}, {tkQIdent, "Bar"}, {tkQIdent, `a"b`}, {tkIdent, "_x$1"}}},
		{"standard string with doubled quote and backslash", `'it''s \n'`,
			[]tok{{tkString, `it's \n`}}},
		{"strings continue across a newline only", "'a'\n  'b' 'c'",
			[]tok{{tkString, "ab"}, {tkString, "c"}}},
		{"escape string", `E'a\nb\t\\\'\x41\u00e9\101' e'x'`,
			[]tok{{tkString, "a\nb\t\\'Aé" + "A"}, {tkString, "x"}}},
		{"escape string: \\x without hex digits is x", `E'\xg'`,
			[]tok{{tkString, "xg"}}},
		{"national string", `N'abc'`, []tok{{tkString, "abc"}}},
		{"dollar quotes", `$$a'b;c$$ $tag$x$$y$tag$`,
			[]tok{{tkString, "a'b;c"}, {tkString, "x$$y"}}},
		{"params", `$1 $23`, []tok{{tkParam, "$1"}, {tkParam, "$23"}}},
		{"numbers", `1 1.5 .5 1e10 2.5E-3 0x1F 0o17 0b101 1_000`,
			[]tok{{tkNumber, "1"}, {tkNumber, "1.5"}, {tkNumber, ".5"}, {tkNumber, "1e10"},
				{tkNumber, "2.5E-3"}, {tkNumber, "31"}, {tkNumber, "15"}, {tkNumber, "5"}, {tkNumber, "1000"}}},
		{"comments are dropped, nested block comments", "a -- x ; y\n/* p /* q */ ; */ b",
			[]tok{{tkIdent, "a"}, {tkIdent, "b"}}},
		{"operators", `a::int -> ->> ~ !~ ~* !~* || <> != <= >= :: ^`,
			[]tok{{tkIdent, "a"}, {tkPunct, "::"}, {tkIdent, "int"}, {tkOp, "->"}, {tkOp, "->>"}, {tkOp, "~"},
				{tkOp, "!~"}, {tkOp, "~*"}, {tkOp, "!~*"}, {tkOp, "||"}, {tkOp, "<>"}, {tkOp, "<>"},
				{tkOp, "<="}, {tkOp, ">="}, {tkPunct, "::"}, {tkOp, "^"}}},
		{"an operator does not end in + or - unless it has a special char", `a<-1 b*-2 c~-d`,
			[]tok{{tkIdent, "a"}, {tkOp, "<"}, {tkOp, "-"}, {tkNumber, "1"}, {tkIdent, "b"}, {tkOp, "*"},
				{tkOp, "-"}, {tkNumber, "2"}, {tkIdent, "c"}, {tkOp, "~-"}, {tkIdent, "d"}}},
		{"an operator stops at a comment", "a+-- c\n1",
			[]tok{{tkIdent, "a"}, {tkOp, "+"}, {tkNumber, "1"}}},
		{"punctuation", `f(a, b[1]);`,
			[]tok{{tkIdent, "f"}, {tkPunct, "("}, {tkIdent, "a"}, {tkPunct, ","}, {tkIdent, "b"}, {tkPunct, "["},
				{tkNumber, "1"}, {tkPunct, "]"}, {tkPunct, ")"}, {tkPunct, ";"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := lex(tt.in)
			if err != nil {
				t.Fatalf("lex(%q): %v", tt.in, err)
			}
			if last := toks[len(toks)-1]; last.kind != tkEOF || last.start != len(tt.in) {
				t.Fatalf("last token = %+v, want EOF at %d", last, len(tt.in))
			}
			got := toks[:len(toks)-1]
			if len(got) != len(tt.want) {
				t.Fatalf("lex(%q) = %+v, want %v", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i].kind != tt.want[i].kind || got[i].val != tt.want[i].val {
					t.Errorf("token %d = (%d %q), want (%d %q)", i, got[i].kind, got[i].val, tt.want[i].kind, tt.want[i].val)
				}
			}
		})
	}
}

func TestLexOffsets(t *testing.T) {
	src := "SELECT  é, $1"
	toks, err := lex(src)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 6}, {8, 10}, {10, 11}, {12, 14}}
	for i, w := range want {
		if toks[i].start != w[0] || toks[i].end != w[1] {
			t.Errorf("token %d spans [%d,%d), want %v", i, toks[i].start, toks[i].end, w)
		}
	}
	if !toks[1].space || toks[2].space {
		t.Errorf("space flags: %v %v", toks[1].space, toks[2].space)
	}
	if toks[3].param != 1 {
		t.Errorf("param = %d, want 1", toks[3].param)
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct {
		in      string
		code    string
		message string
		pos     int
	}{
		{"SELECT 'abc", types.CodeSyntaxError, `unterminated quoted string at or near "'abc"`, 8},
		{"SELECT E'abc", types.CodeSyntaxError, `unterminated quoted string at or near "E'abc"`, 8},
		{`SELECT "abc`, types.CodeSyntaxError, `unterminated quoted identifier at or near ""abc"`, 8},
		{`SELECT ""`, types.CodeSyntaxError, `zero-length delimited identifier at or near """"`, 8},
		{"SELECT 1 /* a /* b */", types.CodeSyntaxError, `unterminated /* comment at or near "/* a /* b */"`, 10},
		{"SELECT $a$ x", types.CodeSyntaxError, `unterminated dollar-quoted string at or near "$a$ x"`, 8},
		{"SELECT $0", codeUndefinedParameter, `there is no parameter $0`, 8},
		{`SELECT E'\u12'`, types.CodeSyntaxError, `invalid Unicode escape at or near "\u12'"`, 10},
		{`SELECT E'\xff'`, codeCharacterNotInRepertoire, `invalid byte sequence for encoding "UTF8"`, 8},
		{"SELECT B'101'", types.CodeFeatureNotSupported, "bit string literals are not supported", 8},
		{"SELECT 12abc", types.CodeSyntaxError, `trailing junk after numeric literal at or near "12abc"`, 8},
		{"SELECT " + strings.Repeat("9", 66), types.CodeNumericValueOutOfRange, "numeric literal has more than 65 digits", 8},
		{"SELECT 1." + strings.Repeat("5", 65), types.CodeNumericValueOutOfRange, "numeric literal has more than 65 digits", 8},
		{"SELECT 0x" + strings.Repeat("F", 80), types.CodeNumericValueOutOfRange, "numeric literal has more than 65 digits", 8},
		{`SELECT \a`, types.CodeSyntaxError, `syntax error at or near "\"`, 8},
		{"SELECT é, {", types.CodeSyntaxError, `syntax error at or near "{"`, 11},
	}
	for _, tt := range tests {
		_, err := lex(tt.in)
		e, ok := types.AsError(err)
		if !ok {
			t.Errorf("lex(%q) error = %v, want a *types.Error", tt.in, err)
			continue
		}
		if e.Code != tt.code || e.Message != tt.message || e.Position != tt.pos {
			t.Errorf("lex(%q) = %s %q at %d, want %s %q at %d", tt.in, e.Code, e.Message, e.Position, tt.code, tt.message, tt.pos)
		}
	}
}

// TestLexNumberDropsLeadingZeros: leading zeros do not count against the
// digits a literal may have (TiDB's decimal panicked on 84 characters of
// them, found by FuzzParse), and go from the literal's text.
func TestLexNumberDropsLeadingZeros(t *testing.T) {
	for in, want := range map[string]string{
		"007":   "7",
		"000":   "0",
		"000.5": "0.5",
		"0e3":   "0e3",
		strings.Repeat("0", 70) + "2" + strings.Repeat("0", 18): "2" + strings.Repeat("0", 18),
		strings.Repeat("9", 65):                                 strings.Repeat("9", 65),
		"1" + strings.Repeat("0", 80) + "e2":                    "1" + strings.Repeat("0", 80) + "e2",
	} {
		toks, err := lex("SELECT " + in)
		if err != nil || len(toks) < 2 || toks[1].kind != tkNumber || toks[1].val != want {
			t.Errorf("lex(%q): %v, %v; want the number %s", in, toks, err, want)
		}
	}
}

// TestParseRenderedContainsTiDBPanics: a panic inside TiDB's parser (here
// its test value driver on a decimal longer than it holds, which the lexer
// no longer lets through) is an error for the statement, not a crash.
func TestParseRenderedContainsTiDBPanics(t *testing.T) {
	_, err := parseRendered("SELECT " + strings.Repeat("9", 90) + ".5")
	if e, ok := types.AsError(err); !ok || e.Code != types.CodeInternalError {
		t.Fatalf("parseRendered of a 90-digit decimal = %v, want an internal error", err)
	}
	if _, err := parseRendered("SELECT 1"); err != nil {
		t.Fatalf("the next parse: %v", err)
	}
}
