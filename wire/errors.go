package wire

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/types"
)

// SQLSTATEs only the wire layer reports.
const (
	codeAdminShutdown                = "57P01"
	codeInvalidAuthorization         = "28000"
	codeInvalidBinaryRepresentation  = "22P03"
	codeCharacterNotInRepertoire     = "22021"
	codeDatetimeFieldOverflow        = "22008"
	codeDuplicatePreparedStatement   = "42P05"
	codeDuplicateCursor              = "42P03"
	codeInvalidSQLStatementName      = "26000"
	codeInvalidCursorName            = "34000"
	codeObjectNotInPrerequisiteState = "55000"
	codeProgramLimitExceeded         = "54000"
)

// Error severities as Postgres sends them.
const (
	severityError = "ERROR"
	severityFatal = "FATAL"
)

// errorResponse turns err into the ErrorResponse a client sees: a
// *types.Error keeps its SQLSTATE, message, detail, hint and position; a
// cancelled statement is 57014; anything else is an internal error XX000.
func errorResponse(severity string, err error) *pgproto3.ErrorResponse {
	resp := &pgproto3.ErrorResponse{Severity: severity, SeverityUnlocalized: severity}
	if e, ok := types.AsError(err); ok {
		resp.Code = e.Code
		resp.Message = e.Message
		resp.Detail = e.Detail
		resp.Hint = e.Hint
		resp.Position = int32(e.Position)
		return resp
	}
	if errors.Is(err, context.Canceled) {
		resp.Code = types.CodeQueryCanceled
		resp.Message = "canceling statement due to user request"
		return resp
	}
	resp.Code = types.CodeInternalError
	resp.Message = err.Error()
	return resp
}
