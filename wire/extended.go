package wire

import (
	"context"
	"math"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// The extended query protocol. Each handler answers one message; an error
// for the client goes through extendedError, which makes the connection
// discard messages up to the next Sync. Returned errors are connection
// failures.

// extendedError reports err to the client and starts skipping to Sync. The
// error is flushed at once: a client may be waiting for it after a Flush.
func (c *conn) extendedError(err error) error {
	c.skipToSync = true
	if err := c.out.send(errorResponse(severityError, err)); err != nil {
		return err
	}
	return c.out.flush()
}

// parse handles Parse: it splits the query (one statement at most),
// describes it and keeps it under its name.
func (c *conn) parse(msg *pgproto3.Parse) error {
	if c.extended == nil {
		return c.extendedError(types.Errorf(types.CodeFeatureNotSupported, "extended query protocol is not supported"))
	}
	if _, exists := c.statements[msg.Name]; exists && msg.Name != "" {
		return c.extendedError(types.Errorf(codeDuplicatePreparedStatement, "prepared statement \"%s\" already exists", msg.Name))
	}
	stmts, err := c.session.Prepare(msg.Query)
	if err != nil {
		return c.extendedError(err)
	}
	var stmt parser.Statement
	for _, s := range stmts {
		if isEmpty(s) {
			continue
		}
		if stmt != nil {
			return c.extendedError(types.Errorf(types.CodeSyntaxError, "cannot insert multiple commands into a prepared statement"))
		}
		stmt = s
	}
	ps := &preparedStatement{stmt: stmt}
	var described []types.Type
	if stmt != nil {
		if described, ps.cols, err = c.extended.Describe(stmt); err != nil {
			return c.extendedError(err)
		}
	}
	if ps.params, err = parameterTypes(msg.ParameterOIDs, described); err != nil {
		return c.extendedError(err)
	}
	c.statements[msg.Name] = ps
	return c.out.send(&pgproto3.ParseComplete{})
}

// parameterTypes merges the parameter types a client declared in Parse
// (OID 0 or unknown: not declared) with those the statement implies;
// declared types win.
func parameterTypes(declared []uint32, described []types.Type) ([]types.Type, error) {
	n := max(len(declared), len(described))
	if n > math.MaxUint16 {
		return nil, types.Errorf(codeProgramLimitExceeded, "prepared statements can have at most %d parameters", math.MaxUint16)
	}
	params := make([]types.Type, n)
	copy(params, described)
	for i, oid := range declared {
		if oid == 0 || oid == types.Unknown.OID() {
			continue
		}
		t, ok := types.TypeByOID(oid)
		if !ok {
			return nil, types.Errorf(types.CodeFeatureNotSupported,
				"parameter $%d is declared with type OID %d, which Novelty does not support", i+1, oid)
		}
		params[i] = t
	}
	return params, nil
}

// bind handles Bind: it decodes the parameter values and keeps the portal.
func (c *conn) bind(msg *pgproto3.Bind) error {
	ps, ok := c.statements[msg.PreparedStatement]
	if !ok {
		return c.extendedError(errNoStatement(msg.PreparedStatement))
	}
	if _, exists := c.portals[msg.DestinationPortal]; exists && msg.DestinationPortal != "" {
		return c.extendedError(types.Errorf(codeDuplicateCursor, "portal \"%s\" already exists", msg.DestinationPortal))
	}
	params, err := decodeParams(ps, msg, c.session.Location())
	if err != nil {
		return c.extendedError(err)
	}
	binary, err := resultFormats(msg.ResultFormatCodes, len(ps.cols))
	if err != nil {
		return c.extendedError(err)
	}
	c.portals[msg.DestinationPortal] = &portal{stmt: ps, params: params, binary: binary}
	return c.out.send(&pgproto3.BindComplete{})
}

func errNoStatement(name string) error {
	if name == "" {
		return types.Errorf(codeInvalidSQLStatementName, "unnamed prepared statement does not exist")
	}
	return types.Errorf(codeInvalidSQLStatementName, "prepared statement \"%s\" does not exist", name)
}

func errNoPortal(name string) error {
	if name == "" {
		return types.Errorf(codeInvalidCursorName, "unnamed portal does not exist")
	}
	return types.Errorf(codeInvalidCursorName, "portal \"%s\" does not exist", name)
}

// resultFormats expands a Bind's result format codes (none: all text; one:
// for every column; else one per column) to a per-column binary flag; nil
// when every column is text.
func resultFormats(codes []int16, columns int) ([]bool, error) {
	if len(codes) > 1 && len(codes) != columns {
		return nil, types.Errorf(types.CodeProtocolViolation, "bind message has %d result formats but query has %d columns", len(codes), columns)
	}
	var binary []bool
	for i := range columns {
		code := int16(pgproto3.TextFormat)
		if len(codes) == 1 {
			code = codes[0]
		} else if len(codes) > 1 {
			code = codes[i]
		}
		switch code {
		case pgproto3.TextFormat:
		case pgproto3.BinaryFormat:
			if binary == nil {
				binary = make([]bool, columns)
			}
			binary[i] = true
		default:
			return nil, errFormatCode(code)
		}
	}
	return binary, nil
}

func errFormatCode(code int16) error {
	return types.Errorf(types.CodeProtocolViolation, "unsupported format code: %d", code)
}

// describe handles Describe of a statement (ParameterDescription, then
// RowDescription in text format or NoData) or of a portal (RowDescription
// in the Bind's result formats, or NoData).
func (c *conn) describe(msg *pgproto3.Describe) error {
	switch msg.ObjectType {
	case 'S':
		ps, ok := c.statements[msg.Name]
		if !ok {
			return c.extendedError(errNoStatement(msg.Name))
		}
		oids := make([]uint32, len(ps.params))
		for i, t := range ps.params {
			oids[i] = describedType(t).OID()
		}
		if err := c.out.send(&pgproto3.ParameterDescription{ParameterOIDs: oids}); err != nil {
			return err
		}
		return c.sendColumns(ps.cols, nil)
	case 'P':
		p, ok := c.portals[msg.Name]
		if !ok {
			return c.extendedError(errNoPortal(msg.Name))
		}
		return c.sendColumns(p.stmt.cols, p.binary)
	}
	return c.extendedError(types.Errorf(types.CodeProtocolViolation, "invalid DESCRIBE message subtype %d", msg.ObjectType))
}

// sendColumns sends the RowDescription of cols, or NoData when the
// statement returns no rows.
func (c *conn) sendColumns(cols types.Schema, binary []bool) error {
	if cols == nil {
		return c.out.send(&pgproto3.NoData{})
	}
	return c.out.send(rowDescription(cols, binary))
}

// executePortal handles Execute: it runs a ready portal, sending at most
// MaxRows rows (0: all), or continues a suspended one.
func (c *conn) executePortal(ctx context.Context, msg *pgproto3.Execute) error {
	p, ok := c.portals[msg.Portal]
	if !ok {
		return c.extendedError(errNoPortal(msg.Portal))
	}
	w := &portalWriter{conn: c, portal: p, loc: c.session.Location(), maxRows: int(msg.MaxRows)}
	switch {
	case p.stmt.stmt == nil:
		return c.out.send(&pgproto3.EmptyQueryResponse{})
	case p.state == portalDone && p.stmt.cols == nil:
		return c.extendedError(types.Errorf(codeObjectNotInPrerequisiteState, "portal \"%s\" cannot be run", msg.Portal))
	case p.state == portalDone:
		return c.out.send(&pgproto3.CommandComplete{CommandTag: []byte(retag(p.tag, 0))})
	case p.state == portalSuspended:
		w.described = true
		n, err := w.sendHeld()
		if w.writeErr != nil {
			return w.writeErr
		}
		if err != nil {
			delete(c.portals, msg.Portal)
			return c.extendedError(err)
		}
		return c.finishExecute(p, retag(p.tag, n))
	}
	tag, err := c.cancellable(ctx, func(ctx context.Context) (string, error) {
		return c.extended.ExecuteParams(ctx, p.stmt.stmt, p.params, w)
	})
	if w.writeErr != nil {
		return w.writeErr
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil && p.stmt.cols != nil && !w.described {
		err = errResultChanged()
	}
	if err != nil {
		delete(c.portals, msg.Portal)
		return c.extendedError(err)
	}
	p.tag = tag
	return c.finishExecute(p, tag)
}

// finishExecute ends an Execute: PortalSuspended while held rows remain,
// else CommandComplete with tag.
func (c *conn) finishExecute(p *portal, tag string) error {
	if len(p.held) > 0 {
		p.state = portalSuspended
		return c.out.send(&pgproto3.PortalSuspended{})
	}
	p.state = portalDone
	return c.out.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
}

// closeObject handles Close of a statement (and the portals bound from it,
// as Postgres does) or of a portal. Closing what does not exist is not an
// error.
func (c *conn) closeObject(msg *pgproto3.Close) error {
	switch msg.ObjectType {
	case 'S':
		if ps, ok := c.statements[msg.Name]; ok {
			delete(c.statements, msg.Name)
			for name, p := range c.portals {
				if p.stmt == ps {
					delete(c.portals, name)
				}
			}
		}
	case 'P':
		delete(c.portals, msg.Name)
	default:
		return c.extendedError(types.Errorf(types.CodeProtocolViolation, "invalid CLOSE message subtype %d", msg.ObjectType))
	}
	return c.out.send(&pgproto3.CloseComplete{})
}

// sync handles Sync: it ends the skipping after an error and, outside a
// transaction block, drops every portal, as the end of Postgres' implicit
// transaction does; then ReadyForQuery.
func (c *conn) sync() error {
	c.skipToSync = false
	if c.txStatus() == 'I' {
		clear(c.portals)
	}
	return c.readyForQuery()
}
