package parser

import (
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// SQLSTATEs this package reports that types/errors.go does not name.
const (
	codeUndefinedParameter       = "42P02"
	codeInvalidTableDefinition   = "42P16"
	codeInvalidSchemaName        = "3F000"
	codeCharacterNotInRepertoire = "22021"
)

// charPos converts a byte offset in text to Postgres' 1-based character position.
func charPos(text string, offset int) int {
	if offset > len(text) {
		offset = len(text)
	}
	return utf8.RuneCountInString(text[:offset]) + 1
}

// syntaxErrorAt is `syntax error at or near "near"` at byte offset offset of text.
func syntaxErrorAt(text string, offset int, near string) *types.Error {
	return types.Errorf(types.CodeSyntaxError, "syntax error at or near \"%s\"", near).WithPosition(charPos(text, offset))
}

// syntaxErrorToken reports a syntax error at tok, as Postgres does: at or
// near the token as written, or at end of input.
func syntaxErrorToken(text string, tok token) *types.Error {
	if tok.kind == tkEOF {
		return types.Errorf(types.CodeSyntaxError, "syntax error at end of input").WithPosition(charPos(text, tok.start))
	}
	return syntaxErrorAt(text, tok.start, text[tok.start:tok.end])
}

// lexError is a scanner error: message at or near the rest of the text.
func lexError(text string, offset int, message string) *types.Error {
	return types.Errorf(types.CodeSyntaxError, "%s at or near \"%s\"", message, text[offset:]).WithPosition(charPos(text, offset))
}

// featureError is a feature-not-supported error at byte offset offset.
func featureError(text string, offset int, message string) *types.Error {
	return types.Errorf(types.CodeFeatureNotSupported, "%s", message).WithPosition(charPos(text, offset))
}
