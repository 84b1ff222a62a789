package functions

import (
	"unicode"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// likeOverloads are LIKE and ILIKE with Postgres' wildcards: % matches any
// run of characters, _ one character, and the escape character (a
// backslash unless an ESCAPE clause names another, or none when it is
// empty) makes the next pattern character literal.
func likeOverloads() []*Overload {
	text := types.Text
	var out []*Overload
	for _, op := range []struct {
		name         string
		fold, negate bool
	}{{"like", false, false}, {"not like", false, true}, {"ilike", true, false}, {"not ilike", true, true}} {
		out = append(out,
			fn(op.name, types.Bool, sig(text, text), likeImpl(op.fold, op.negate)),
			fn(op.name, types.Bool, sig(text, text, text), likeImpl(op.fold, op.negate)),
		)
	}
	return out
}

// noEscape is the escape rune when ESCAPE ” turns escaping off.
const noEscape = -1

func likeImpl(fold, negate bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		escape := rune('\\')
		if len(a) > 2 {
			var err error
			if escape, err = likeEscape(a[2].S); err != nil {
				return types.Null, err
			}
		}
		ok, err := likeMatch(a[0].S, a[1].S, escape, fold)
		if err != nil {
			return types.Null, err
		}
		return types.NewBool(ok != negate), nil
	}
}

func likeEscape(s string) (rune, error) {
	if s == "" {
		return noEscape, nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) {
		return 0, types.Errorf(codeInvalidEscape, "invalid escape string").
			WithHint("Escape string must be empty or one character.")
	}
	return r, nil
}

// likeToken is one element of a LIKE pattern.
type likeToken struct {
	r    rune // the literal character, for literal tokens
	kind byte // 'l' literal, '_' any one character, '%' any run
	size int  // bytes of pattern it spans
}

// nextLikeToken reads the pattern token at the start of p.
func nextLikeToken(p string, escape rune) (likeToken, error) {
	r, size := utf8.DecodeRuneInString(p)
	switch {
	case r == escape:
		if size == len(p) {
			return likeToken{}, types.Errorf(codeInvalidEscape, "LIKE pattern must not end with escape character")
		}
		lit, litSize := utf8.DecodeRuneInString(p[size:])
		return likeToken{r: lit, kind: 'l', size: size + litSize}, nil
	case r == '%':
		return likeToken{kind: '%', size: size}, nil
	case r == '_':
		return likeToken{kind: '_', size: size}, nil
	}
	return likeToken{r: r, kind: 'l', size: size}, nil
}

// likeMatch matches s against pattern p. It walks both once, going back
// only to the character after the most recent %, so it runs in
// O(len(s)*len(p)) at worst and allocates nothing.
func likeMatch(s, p string, escape rune, fold bool) (bool, error) {
	for rest := p; rest != ""; {
		tok, err := nextLikeToken(rest, escape)
		if err != nil {
			return false, err
		}
		rest = rest[tok.size:]
	}
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			tok, _ := nextLikeToken(p[pi:], escape)
			if tok.kind == '%' {
				pi += tok.size
				starP, starS = pi, si
				continue
			}
			r, size := utf8.DecodeRuneInString(s[si:])
			if tok.kind == '_' || tok.r == r || fold && unicode.ToLower(tok.r) == unicode.ToLower(r) {
				si += size
				pi += tok.size
				continue
			}
		}
		if starP < 0 {
			return false, nil
		}
		_, size := utf8.DecodeRuneInString(s[starS:])
		starS += size
		si, pi = starS, starP
	}
	for pi < len(p) {
		tok, _ := nextLikeToken(p[pi:], escape)
		if tok.kind != '%' {
			return false, nil
		}
		pi += tok.size
	}
	return true, nil
}
