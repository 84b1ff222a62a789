package parser

import (
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// tokenKind classifies a token of the Postgres lexical grammar.
type tokenKind uint8

const (
	tkEOF    tokenKind = iota // end of the text; start == end == len(text)
	tkIdent                   // unquoted identifier or keyword; val is ASCII-lower-cased
	tkQIdent                  // "quoted identifier"; val as written with "" undoubled
	tkString                  // 'standard', E'escape', $tag$dollar$tag$ or N'national'; val decoded
	tkNumber                  // numeric literal; val is its decimal text
	tkParam                   // $n; param holds n
	tkOp                      // operator (+ - * / < = ~ -> ...); val is its text
	tkPunct                   // ( ) [ ] , ; . ::
)

// token is one lexical token. start and end are byte offsets in the text
// the lexer was given.
type token struct {
	kind       tokenKind
	val        string
	start, end int
	param      int
	space      bool // whitespace or a comment precedes the token
}

// is reports whether t is the punctuation or operator p.
func (t token) is(p string) bool {
	return (t.kind == tkPunct || t.kind == tkOp) && t.val == p
}

// isKw reports whether t is the unquoted keyword kw (lower case).
func (t token) isKw(kw string) bool { return t.kind == tkIdent && t.val == kw }

// opChars are the characters Postgres builds operators from.
const opChars = "+-*/<>=~!@#%^&|`?"

// opSpecial are the operator characters that let an operator end in + or -.
const opSpecial = "~!@#%^&|`?"

// lexer turns a text into tokens following Postgres' scan.l rules.
type lexer struct {
	src    string
	pos    int
	tokens []token
}

// lex splits src into tokens, ending with a tkEOF token. Comments and
// whitespace are dropped; token.space records that they were there.
func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	for {
		space := l.skipSpace()
		if err := l.commentError(); err != nil {
			return nil, err
		}
		if l.pos >= len(src) {
			l.tokens = append(l.tokens, token{kind: tkEOF, start: len(src), end: len(src), space: space})
			return l.tokens, nil
		}
		tok, err := l.next()
		if err != nil {
			return nil, err
		}
		tok.space = space
		l.tokens = append(l.tokens, tok)
	}
}

// skipSpace skips whitespace and comments and reports whether it skipped any.
// An unterminated block comment stops the skip; commentError reports it.
func (l *lexer) skipSpace() bool {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "--"):
			if i := strings.IndexByte(l.src[l.pos:], '\n'); i >= 0 {
				l.pos += i + 1
			} else {
				l.pos = len(l.src)
			}
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end, ok := blockCommentEnd(l.src, l.pos)
			if !ok {
				return l.pos > start
			}
			l.pos = end
		default:
			return l.pos > start
		}
	}
	return l.pos > start
}

// commentError reports an unterminated block comment at the current position.
func (l *lexer) commentError() error {
	if strings.HasPrefix(l.src[l.pos:], "/*") {
		return lexError(l.src, l.pos, "unterminated /* comment")
	}
	return nil
}

// blockCommentEnd returns the offset just after the (nested) block comment
// starting at start.
func blockCommentEnd(src string, start int) (int, bool) {
	depth := 0
	for i := start; i < len(src)-1; i++ {
		switch {
		case src[i] == '/' && src[i+1] == '*':
			depth++
			i++
		case src[i] == '*' && src[i+1] == '/':
			depth--
			i++
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}

// next scans the token starting at l.pos.
func (l *lexer) next() (token, error) {
	src, start := l.src, l.pos
	c := src[start]
	switch {
	case c == '\'':
		return l.standardString(start, start)
	case (c == 'e' || c == 'E') && l.peekAt(start+1) == '\'':
		return l.escapeString(start)
	case (c == 'n' || c == 'N') && l.peekAt(start+1) == '\'':
		return l.standardString(start, start+1)
	case (c == 'b' || c == 'B' || c == 'x' || c == 'X') && l.peekAt(start+1) == '\'':
		return token{}, featureError(src, start, "bit string literals are not supported")
	case (c == 'u' || c == 'U') && l.peekAt(start+1) == '&' && (l.peekAt(start+2) == '\'' || l.peekAt(start+2) == '"'):
		return token{}, featureError(src, start, "Unicode escapes (U&'...') are not supported")
	case c == '"':
		return l.quotedIdent(start)
	case c == '$':
		return l.dollar(start)
	case isIdentStart(src, start):
		return l.ident(start), nil
	case c >= '0' && c <= '9' || c == '.' && isDigit(l.peekAt(start+1)):
		return l.number(start)
	case c == ':' && l.peekAt(start+1) == ':':
		l.pos = start + 2
		return token{kind: tkPunct, val: "::", start: start, end: l.pos}, nil
	case strings.IndexByte("()[],;.", c) >= 0:
		l.pos = start + 1
		return token{kind: tkPunct, val: string(c), start: start, end: l.pos}, nil
	case strings.IndexByte(opChars, c) >= 0:
		return l.operator(start), nil
	}
	return token{}, syntaxErrorAt(src, start, firstChar(src, start))
}

func (l *lexer) peekAt(i int) byte {
	if i < len(l.src) {
		return l.src[i]
	}
	return 0
}

func firstChar(s string, i int) string {
	_, n := utf8.DecodeRuneInString(s[i:])
	return s[i : i+n]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(s string, i int) bool {
	c := s[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c >= 0x80
}

// ident scans an unquoted identifier; Postgres folds ASCII letters only.
func (l *lexer) ident(start int) token {
	i := start
	for i < len(l.src) && isIdentChar(l.src[i]) {
		i++
	}
	l.pos = i
	return token{kind: tkIdent, val: asciiLower(l.src[start:i]), start: start, end: i}
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func (l *lexer) quotedIdent(start int) (token, error) {
	var b strings.Builder
	i := start + 1
	for {
		j := strings.IndexByte(l.src[i:], '"')
		if j < 0 {
			return token{}, lexError(l.src, start, "unterminated quoted identifier")
		}
		b.WriteString(l.src[i : i+j])
		i += j + 1
		if l.peekAt(i) != '"' {
			break
		}
		b.WriteByte('"')
		i++
	}
	l.pos = i
	if b.Len() == 0 {
		return token{}, lexError(l.src, start, "zero-length delimited identifier")
	}
	return token{kind: tkQIdent, val: b.String(), start: start, end: i}, nil
}

// standardString scans '...' with ” for a quote; quote is the offset of the
// opening quote (after an N prefix). Segments separated by whitespace with a
// newline are one string, as in Postgres.
func (l *lexer) standardString(start, quote int) (token, error) {
	var b strings.Builder
	i := quote + 1
	for {
		j := strings.IndexByte(l.src[i:], '\'')
		if j < 0 {
			return token{}, lexError(l.src, start, "unterminated quoted string")
		}
		b.WriteString(l.src[i : i+j])
		i += j + 1
		if l.peekAt(i) == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		next, ok := continuation(l.src, i)
		if !ok {
			break
		}
		i = next
	}
	l.pos = i
	return token{kind: tkString, val: b.String(), start: start, end: i}, nil
}

// continuation reports whether the string literal ending at i continues: only
// whitespace including a newline, then a quote. It returns the offset after
// that quote.
func continuation(src string, i int) (int, bool) {
	newline := false
	for ; i < len(src); i++ {
		switch src[i] {
		case ' ', '\t', '\r', '\f', '\v':
		case '\n':
			newline = true
		case '\'':
			return i + 1, newline
		default:
			return 0, false
		}
	}
	return 0, false
}

// escapeString scans E'...' and decodes its backslash escapes.
func (l *lexer) escapeString(start int) (token, error) {
	var b strings.Builder
	i := start + 2
	for {
		if i >= len(l.src) {
			return token{}, lexError(l.src, start, "unterminated quoted string")
		}
		c := l.src[i]
		switch {
		case c == '\'' && l.peekAt(i+1) == '\'':
			b.WriteByte('\'')
			i += 2
		case c == '\'':
			next, ok := continuation(l.src, i+1)
			if !ok {
				l.pos = i + 1
				if !utf8.ValidString(b.String()) {
					return token{}, (&types.Error{Code: codeCharacterNotInRepertoire,
						Message: `invalid byte sequence for encoding "UTF8"`}).WithPosition(charPos(l.src, start))
				}
				return token{kind: tkString, val: b.String(), start: start, end: l.pos}, nil
			}
			i = next
		case c == '\\':
			n, err := decodeEscape(l.src, i, &b)
			if err != nil {
				return token{}, err
			}
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
}

// decodeEscape decodes the backslash escape at src[i] into b and returns the
// number of bytes it took.
func decodeEscape(src string, i int, b *strings.Builder) (int, error) {
	if i+1 >= len(src) {
		return 0, lexError(src, i, "unterminated quoted string")
	}
	c := src[i+1]
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'x':
		n := hexRun(src, i+2, 2)
		if n == 0 {
			b.WriteByte('x')
			return 2, nil
		}
		v, _ := strconv.ParseUint(src[i+2:i+2+n], 16, 8)
		b.WriteByte(byte(v))
		return 2 + n, nil
	case 'u', 'U':
		want := 4
		if c == 'U' {
			want = 8
		}
		if hexRun(src, i+2, want) != want {
			return 0, lexError(src, i, "invalid Unicode escape")
		}
		v, _ := strconv.ParseUint(src[i+2:i+2+want], 16, 32)
		r := rune(v)
		if !utf8.ValidRune(r) || r == 0 {
			return 0, lexError(src, i, "invalid Unicode escape value")
		}
		b.WriteRune(r)
		return 2 + want, nil
	default:
		if c >= '0' && c <= '7' {
			n := 1
			for n < 3 && i+1+n < len(src) && src[i+1+n] >= '0' && src[i+1+n] <= '7' {
				n++
			}
			v, _ := strconv.ParseUint(src[i+1:i+1+n], 8, 16)
			b.WriteByte(byte(v))
			return 1 + n, nil
		}
		b.WriteByte(c)
	}
	return 2, nil
}

// hexRun counts up to max hex digits at src[i:].
func hexRun(src string, i, max int) int {
	n := 0
	for n < max && i+n < len(src) && strings.IndexByte("0123456789abcdefABCDEF", src[i+n]) >= 0 {
		n++
	}
	return n
}

// dollar scans a $n parameter or a $tag$...$tag$ string.
func (l *lexer) dollar(start int) (token, error) {
	src := l.src
	i := start + 1
	if isDigit(l.peekAt(i)) {
		for i < len(src) && isDigit(src[i]) {
			i++
		}
		n, err := strconv.Atoi(src[start+1 : i])
		if err != nil || n == 0 || n > 65535 {
			return token{}, (&types.Error{Code: codeUndefinedParameter,
				Message: "there is no parameter " + src[start:i]}).WithPosition(charPos(src, start))
		}
		l.pos = i
		return token{kind: tkParam, param: n, val: src[start:i], start: start, end: i}, nil
	}
	for i < len(src) && src[i] != '$' && isIdentChar(src[i]) && !(i == start+1 && isDigit(src[i])) {
		i++
	}
	if i >= len(src) || src[i] != '$' {
		return token{}, syntaxErrorAt(src, start, "$")
	}
	delim := src[start : i+1]
	body := i + 1
	j := strings.Index(src[body:], delim)
	if j < 0 {
		return token{}, lexError(src, start, "unterminated dollar-quoted string")
	}
	l.pos = body + j + len(delim)
	return token{kind: tkString, val: src[body : body+j], start: start, end: l.pos}, nil
}

// number scans a numeric literal. Postgres 16 integer forms 0x1F, 0o17,
// 0b101 and 1_000 are converted to decimal text: TiDB would read 0x1F as a
// binary string.
func (l *lexer) number(start int) (token, error) {
	src := l.src
	i := start
	if src[i] == '0' && i+1 < len(src) && strings.IndexByte("xXoObB", src[i+1]) >= 0 {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[src[i+1]|0x20]
		i += 2
		for i < len(src) && (isIdentChar(src[i])) {
			i++
		}
		digits := strings.ReplaceAll(src[start+2:i], "_", "")
		v, ok := new(big.Int).SetString(digits, base)
		if !ok || digits == "" {
			return token{}, lexError(src, start, "trailing junk after numeric literal")
		}
		return l.numberToken(start, i, v.String())
	}
	digits := func() {
		for i < len(src) && (isDigit(src[i]) || src[i] == '_' && i+1 < len(src) && isDigit(src[i+1])) {
			i++
		}
	}
	digits()
	if i < len(src) && src[i] == '.' && !(i+1 < len(src) && src[i+1] == '.') {
		i++
		digits()
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			i = j
			digits()
		}
	}
	if i < len(src) && isIdentStart(src, i) {
		return token{}, lexError(src, start, "trailing junk after numeric literal")
	}
	return l.numberToken(start, i, withoutLeadingZeros(strings.ReplaceAll(src[start:i], "_", "")))
}

// numberToken is the numeric literal token for src[start:end], whose
// decimal text is val: refused when it is exact and longer than TiDB can
// read.
func (l *lexer) numberToken(start, end int, val string) (token, error) {
	if strings.IndexAny(val, "eE") < 0 && len(val)-strings.Count(val, ".") > maxNumericDigits {
		return token{}, types.Errorf(types.CodeNumericValueOutOfRange, "numeric literal has more than %d digits", maxNumericDigits).
			WithPosition(charPos(l.src, start))
	}
	l.pos = end
	return token{kind: tkNumber, val: val, start: start, end: end}, nil
}

// maxNumericDigits is the most digits an exact numeric literal may have:
// TiDB's DECIMAL precision, which its parser reads such literals into
// (its decimal panics on much longer ones).
const maxNumericDigits = 65

// withoutLeadingZeros drops the zeros before a literal's first significant
// integer digit ("007" is "7", "000.5" is "0.5"): they change nothing, yet
// count against the digits TiDB's decimal can hold.
func withoutLeadingZeros(lit string) string {
	n := 0
	for n+1 < len(lit) && lit[n] == '0' && isDigit(lit[n+1]) {
		n++
	}
	return lit[n:]
}

// operator scans an operator with Postgres' rules: the longest run of
// operator characters, not running into a comment, and not ending in + or -
// unless it contains one of ~ ! @ # % ^ & | ` ?.
func (l *lexer) operator(start int) token {
	src := l.src
	i := start
	for i < len(src) && strings.IndexByte(opChars, src[i]) >= 0 {
		if i > start && (strings.HasPrefix(src[i:], "--") || strings.HasPrefix(src[i:], "/*")) {
			break
		}
		i++
	}
	op := src[start:i]
	if len(op) > 1 && !strings.ContainsAny(op, opSpecial) {
		for len(op) > 1 && (op[len(op)-1] == '+' || op[len(op)-1] == '-') {
			op = op[:len(op)-1]
		}
	}
	l.pos = start + len(op)
	if op == "!=" {
		op = "<>"
	}
	return token{kind: tkOp, val: op, start: start, end: l.pos}
}
