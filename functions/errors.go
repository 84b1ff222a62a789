package functions

import "github.com/novelty-db/novelty/types"

// SQLSTATEs only functions report.
const (
	codeSubstringError       = "22011"
	codeInvalidLogArgument   = "2201E"
	codeInvalidPowerArgument = "2201F"
	codeInvalidEscape        = "22025"
	codeNullNotAllowed       = "22004"
	codeCannotCoerce         = "42846"
	codeDatetimeOverflow     = "22008"
	codeProgramLimitExceeded = "54000"
)

// Errors are built fresh on each failure, never shared, because callers may
// attach a position to the *types.Error they receive.

func errDivisionByZero() error {
	return types.Errorf(types.CodeDivisionByZero, "division by zero")
}

// outOfRange is the error for a result that does not fit type t.
func outOfRange(t types.Type) error {
	msg := "value out of range: overflow"
	switch t {
	case types.Int2:
		msg = "smallint out of range"
	case types.Int4:
		msg = "integer out of range"
	case types.Int8:
		msg = "bigint out of range"
	case types.Interval:
		msg = "interval out of range"
	case types.Date:
		msg = "date out of range"
	case types.Timestamp, types.TimestampTZ:
		msg = "timestamp out of range"
	}
	return types.Errorf(types.CodeNumericValueOutOfRange, "%s", msg)
}

func errFloatUnderflow() error {
	return types.Errorf(types.CodeNumericValueOutOfRange, "value out of range: underflow")
}
