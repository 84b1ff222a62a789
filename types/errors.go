package types

import (
	"errors"
	"fmt"
)

// Postgres SQLSTATE codes Novelty reports. The wire layer sends Error.Code
// as is; any other error is reported as InternalError.
const (
	CodeSyntaxError             = "42601"
	CodeUndefinedTable          = "42P01"
	CodeUndefinedColumn         = "42703"
	CodeUndefinedFunction       = "42883"
	CodeUndefinedObject         = "42704"
	CodeAmbiguousColumn         = "42702"
	CodeDuplicateObject         = "42710"
	CodeDuplicateTable          = "42P07"
	CodeDuplicateColumn         = "42701"
	CodeDatatypeMismatch        = "42804"
	CodeInvalidParameterValue   = "22023"
	CodeInvalidTextRepresent    = "22P02"
	CodeInvalidDatetimeFormat   = "22007"
	CodeDivisionByZero          = "22012"
	CodeNumericValueOutOfRange  = "22003"
	CodeInvalidRegex            = "2201B"
	CodeNotNullViolation        = "23502"
	CodeUniqueViolation         = "23505"
	CodeDependentObjectsExist   = "2BP01"
	CodeFeatureNotSupported     = "0A000"
	CodeWrongObjectType         = "42809"
	CodeInvalidName             = "42602"
	CodeGroupingError           = "42803"
	CodeInvalidTransactionState = "25000"
	CodeQueryCanceled           = "57014"
	CodeInternalError           = "XX000"
	CodeDataCorrupted           = "XX001"
	CodeProtocolViolation       = "08P01"
	CodeDataException           = "22000"
	CodeInvalidJSONText         = "22032"
	CodeInvalidColumnReference  = "42P10"
	CodeInvalidRowCountInLimit  = "2201W"
	CodeWrongObjectTypeForDML   = "42809"
	CodeObjectInUse             = "55006"
	CodeConfigFileError         = "F0000"
	CodeProgramLimitExceeded    = "54000"
	CodeObjectNotInPrerequisite = "55000"
	CodeDiskFull                = "53100"
	CodeIOError                 = "58030"
)

// Error is an error meant for the user: it carries the Postgres SQLSTATE and
// optional detail, hint and 1-based character position in the statement.
type Error struct {
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int // 1-based offset into the query text; 0 when unknown
}

func (e *Error) Error() string { return e.Message }

// Errorf returns a user error with the given SQLSTATE.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithHint returns e with a hint attached.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// WithDetail returns e with a detail attached.
func (e *Error) WithDetail(format string, args ...any) *Error {
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// WithPosition returns e with a 1-based position attached.
func (e *Error) WithPosition(pos int) *Error {
	e.Position = pos
	return e
}

// AsError finds the user error in err's chain, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf returns the SQLSTATE of err: its user error's code, or
// CodeInternalError.
func CodeOf(err error) string {
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return CodeInternalError
}
