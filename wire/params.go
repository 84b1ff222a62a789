package wire

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/types"
)

// decodeParams reads a Bind's parameter values as the types of ps's
// parameters: text format with types.ParseText (timestamptz without a zone
// in loc), binary format with decodeBinary. Format codes are none (all
// text), one (for every parameter) or one per parameter.
func decodeParams(ps *preparedStatement, msg *pgproto3.Bind, loc *time.Location) ([]types.Datum, error) {
	codes := msg.ParameterFormatCodes
	if len(codes) > 1 && len(codes) != len(msg.Parameters) {
		return nil, types.Errorf(types.CodeProtocolViolation, "bind message has %d parameter formats but %d parameters",
			len(codes), len(msg.Parameters))
	}
	if len(msg.Parameters) != len(ps.params) {
		return nil, types.Errorf(types.CodeProtocolViolation, "bind message supplies %d parameters, but prepared statement \"%s\" requires %d",
			len(msg.Parameters), msg.PreparedStatement, len(ps.params))
	}
	if len(ps.params) == 0 {
		return nil, nil
	}
	params := make([]types.Datum, len(ps.params))
	for i, raw := range msg.Parameters {
		if raw == nil {
			continue // NULL
		}
		code := int16(pgproto3.TextFormat)
		if len(codes) == 1 {
			code = codes[0]
		} else if len(codes) > 1 {
			code = codes[i]
		}
		var err error
		switch code {
		case pgproto3.TextFormat:
			var s string
			if s, err = textBytes(raw); err == nil {
				params[i], err = types.ParseText(ps.params[i], s, loc)
			}
		case pgproto3.BinaryFormat:
			params[i], err = decodeBinary(ps.params[i], raw)
			if errors.Is(err, errBadBinary) {
				err = types.Errorf(codeInvalidBinaryRepresentation, "incorrect binary data format in bind parameter %d", i+1)
			}
		default:
			err = errFormatCode(code)
		}
		if err != nil {
			return nil, err
		}
	}
	return params, nil
}
