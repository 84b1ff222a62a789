package functions

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// maxStringLen bounds strings functions build from a requested length
// (repeat, lpad), like Postgres' 1 GB limit on a value.
const maxStringLen = 1 << 30

// stringOverloads registers the text functions and operators. Lengths and
// positions count characters (runes), as Postgres does in UTF8.
func stringOverloads() []*Overload {
	text, i4 := types.Text, types.Int4
	out := []*Overload{
		fn("||", text, sig(text, text), concatOperator),
		fn("||", text, sig(text, anyType), concatOperator),
		fn("||", text, sig(anyType, text), concatOperator),
		fn("lower", text, sig(text), textFunc(strings.ToLower)),
		fn("upper", text, sig(text), textFunc(strings.ToUpper)),
		fn("reverse", text, sig(text), textFunc(reverse)),
		fn("md5", text, sig(text), textFunc(md5Hex)),
		fn("octet_length", i4, sig(text), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.NewIntOf(types.Int4, int64(len(a[0].S))), nil
		}),
		fn("substr", text, sig(text, i4), substr),
		fn("substr", text, sig(text, i4, i4), substr),
		fn("substring", text, sig(text, i4), substr),
		fn("substring", text, sig(text, i4, i4), substr),
		&Overload{Name: "concat", Args: sig(anyType), Variadic: true, Result: text, NullCalls: true, Impl: concat},
		&Overload{Name: "concat_ws", Args: sig(text, anyType), Variadic: true, Result: text, NullCalls: true, Impl: concatWS},
		fn("split_part", text, sig(text, text, i4), splitPart),
		fn("replace", text, sig(text, text, text), replace),
		fn("btrim", text, sig(text), trimmer(true, true)),
		fn("btrim", text, sig(text, text), trimmer(true, true)),
		fn("ltrim", text, sig(text), trimmer(true, false)),
		fn("ltrim", text, sig(text, text), trimmer(true, false)),
		fn("rtrim", text, sig(text), trimmer(false, true)),
		fn("rtrim", text, sig(text, text), trimmer(false, true)),
		fn("trim", text, sig(text), trimmer(true, true)),
		fn("trim", text, sig(text, text), trimmer(true, true)),
		// trim(s, chars, direction) is TRIM(BOTH|LEADING|TRAILING chars FROM s).
		fn("trim", text, sig(text, text, text), trimDirection),
		fn("lpad", text, sig(text, i4), pad(true)),
		fn("lpad", text, sig(text, i4, text), pad(true)),
		fn("rpad", text, sig(text, i4), pad(false)),
		fn("rpad", text, sig(text, i4, text), pad(false)),
		fn("strpos", i4, sig(text, text), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return strpos(a[0].S, a[1].S), nil
		}),
		// position(sub, s) is POSITION(sub IN s), in the order the SQL front
		// end passes its operands.
		fn("position", i4, sig(text, text), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return strpos(a[1].S, a[0].S), nil
		}),
		fn("left", text, sig(text, i4), left),
		fn("right", text, sig(text, i4), right),
		fn("repeat", text, sig(text, i4), repeat),
		fn("starts_with", types.Bool, sig(text, text), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.NewBool(strings.HasPrefix(a[0].S, a[1].S)), nil
		}),
	}
	for _, name := range []string{"length", "char_length", "character_length"} {
		out = append(out, fn(name, i4, sig(text), func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.NewIntOf(types.Int4, int64(utf8.RuneCountInString(a[0].S))), nil
		}))
	}
	return out
}

// textFunc lifts a string function to an Impl.
func textFunc(f func(string) string) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.NewText(f(a[0].S)), nil
	}
}

// appendValueText appends d as its type's output function prints it, the
// way concat and || turn a non-text argument into text.
func appendValueText(ctx *EvalContext, buf []byte, d types.Datum) []byte {
	return types.AppendText(buf, d, location(ctx))
}

func concatOperator(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
	return concatPair(ctx, &a[0], &a[1]), nil
}

// concatPair is x || y for non-NULL x and y.
func concatPair(ctx *EvalContext, x, y *types.Datum) types.Datum {
	if x.Typ.Family() == types.FamilyString && y.Typ.Family() == types.FamilyString {
		return types.NewText(x.S + y.S)
	}
	// Most results are short: build them on the stack, allocate once.
	var scratch [64]byte
	buf := appendConcatText(ctx, scratch[:0], x)
	buf = appendConcatText(ctx, buf, y)
	return types.NewText(string(buf))
}

// appendConcatText is appendValueText with the types || meets most often,
// text and integers, appended without going through the general printer.
func appendConcatText(ctx *EvalContext, buf []byte, d *types.Datum) []byte {
	switch d.Typ.Family() {
	case types.FamilyString:
		return append(buf, d.S...)
	case types.FamilyInt:
		return strconv.AppendInt(buf, d.I, 10)
	}
	return appendValueText(ctx, buf, *d)
}

// concat joins its arguments' text, skipping NULLs.
func concat(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
	var buf []byte
	for _, d := range a {
		buf = appendValueText(ctx, buf, d)
	}
	return types.NewText(string(buf)), nil
}

// concatWS joins all but the first argument with the first, skipping NULLs;
// a NULL separator makes the result NULL.
func concatWS(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
	if a[0].IsNull() {
		return types.Null, nil
	}
	var buf []byte
	first := true
	for _, d := range a[1:] {
		if d.IsNull() {
			continue
		}
		if !first {
			buf = append(buf, a[0].S...)
		}
		first = false
		buf = appendValueText(ctx, buf, d)
	}
	return types.NewText(string(buf)), nil
}

func reverse(s string) string {
	out := make([]byte, 0, len(s))
	for len(s) > 0 {
		_, size := utf8.DecodeLastRuneInString(s)
		out = append(out, s[len(s)-size:]...)
		s = s[:len(s)-size]
	}
	return string(out)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// runeOffset returns the byte offset of the n-th rune of s (0-based),
// clamped to [0, len(s)].
func runeOffset(s string, n int64) int {
	if n <= 0 {
		return 0
	}
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// substr is Postgres' substring(s, start[, count]): characters from the
// 1-based start, where positions before the string still count toward
// count.
func substr(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	s, start := a[0].S, a[1].I
	if len(a) == 2 {
		return types.NewText(s[runeOffset(s, start-1):]), nil
	}
	count := a[2].I
	if count < 0 {
		return types.Null, types.Errorf(codeSubstringError, "negative substring length not allowed")
	}
	end := start + count // exclusive, 1-based
	if end <= 1 || end <= start {
		return types.NewText(""), nil
	}
	from := runeOffset(s, start-1)
	to := from + runeOffset(s[from:], end-max(start, 1))
	return types.NewText(s[from:to]), nil
}

// splitPart returns field n of s split on sep; negative n counts from the end.
func splitPart(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	s, sep, n := a[0].S, a[1].S, a[2].I
	if n == 0 {
		return types.Null, types.Errorf(types.CodeInvalidParameterValue, "field position must not be zero")
	}
	if s == "" {
		return types.NewText(""), nil
	}
	var fields []string
	if sep == "" {
		fields = []string{s}
	} else {
		fields = strings.Split(s, sep)
	}
	if n < 0 {
		n += int64(len(fields)) + 1
	}
	if n < 1 || n > int64(len(fields)) {
		return types.NewText(""), nil
	}
	return types.NewText(fields[n-1]), nil
}

func replace(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	if a[1].S == "" {
		return a[0], nil
	}
	return types.NewText(strings.ReplaceAll(a[0].S, a[1].S, a[2].S)), nil
}

// trimmer removes the characters of the optional second argument (spaces
// by default) from the chosen ends of the string.
func trimmer(leading, trailing bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		chars := " "
		if len(a) > 1 {
			chars = a[1].S
		}
		return types.NewText(trimChars(a[0].S, chars, leading, trailing)), nil
	}
}

func trimChars(s, chars string, leading, trailing bool) string {
	if leading {
		s = strings.TrimLeft(s, chars)
	}
	if trailing {
		s = strings.TrimRight(s, chars)
	}
	return s
}

func trimDirection(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	switch strings.ToLower(a[2].S) {
	case "both":
		return types.NewText(trimChars(a[0].S, a[1].S, true, true)), nil
	case "leading":
		return types.NewText(trimChars(a[0].S, a[1].S, true, false)), nil
	case "trailing":
		return types.NewText(trimChars(a[0].S, a[1].S, false, true)), nil
	}
	return types.Null, types.Errorf(types.CodeInvalidParameterValue, "invalid trim direction %q", a[2].S)
}

// pad is lpad or rpad: the string filled to n characters with the fill
// (a space by default), or cut to n characters when longer.
func pad(leftSide bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		s, n := a[0].S, a[1].I
		fill := " "
		if len(a) > 2 {
			fill = a[2].S
		}
		if n <= 0 {
			return types.NewText(""), nil
		}
		have := int64(utf8.RuneCountInString(s))
		if have >= n || fill == "" {
			return types.NewText(s[:runeOffset(s, n)]), nil
		}
		if n*int64(utf8.UTFMax) > maxStringLen {
			return types.Null, types.Errorf(codeProgramLimitExceeded, "requested length too large")
		}
		var padding strings.Builder
		for need := n - have; need > 0; {
			for _, r := range fill {
				if need == 0 {
					break
				}
				padding.WriteRune(r)
				need--
			}
		}
		if leftSide {
			return types.NewText(padding.String() + s), nil
		}
		return types.NewText(s + padding.String()), nil
	}
}

// strpos returns the 1-based character position of sub in s, 0 when absent.
func strpos(s, sub string) types.Datum {
	i := strings.Index(s, sub)
	if i < 0 {
		return types.NewIntOf(types.Int4, 0)
	}
	return types.NewIntOf(types.Int4, int64(utf8.RuneCountInString(s[:i]))+1)
}

// left returns the first n characters, or all but the last -n.
func left(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	s, n := a[0].S, a[1].I
	if n < 0 {
		n += int64(utf8.RuneCountInString(s))
	}
	return types.NewText(s[:runeOffset(s, n)]), nil
}

// right returns the last n characters, or all but the first -n.
func right(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	s, n := a[0].S, a[1].I
	if n >= 0 {
		n = int64(utf8.RuneCountInString(s)) - n
	} else {
		n = -n
	}
	return types.NewText(s[runeOffset(s, n):]), nil
}

func repeat(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	s, n := a[0].S, a[1].I
	if n <= 0 || s == "" {
		return types.NewText(""), nil
	}
	if n > maxStringLen/int64(len(s)) {
		return types.Null, types.Errorf(codeProgramLimitExceeded, "requested length too large")
	}
	return types.NewText(strings.Repeat(s, int(n))), nil
}
