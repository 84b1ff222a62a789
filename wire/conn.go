package wire

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/types"
)

// maxMessageLen is the largest frontend message body accepted. A larger
// message ends the connection with 08P01 before its body is read.
const maxMessageLen = 64 << 20

// conn is one client connection.
type conn struct {
	server  *Server
	nc      net.Conn
	pid     uint32  // process ID sent in BackendKeyData
	secret  [4]byte // secret key sent in BackendKeyData
	in      *pgproto3.Backend
	out     messageWriter
	session Session
	// extended is session as an ExtendedSession; nil when the session does
	// not support the extended query protocol.
	extended ExtendedSession
	rows     rowWriter // reused by every simple-query statement

	statements map[string]*preparedStatement // by name; "" is the unnamed statement
	portals    map[string]*portal            // by name; "" is the unnamed portal

	// skipToSync is set after an error in the extended query protocol:
	// messages are discarded until the next Sync, as Postgres does.
	skipToSync bool

	mu         sync.Mutex
	cancelStmt context.CancelFunc // cancels the running statement; nil between statements
}

// serveConn runs one connection from its startup packet to its end.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	c := &conn{server: s, nc: nc, in: pgproto3.NewBackend(nc, nc), out: messageWriter{w: nc},
		statements: make(map[string]*preparedStatement), portals: make(map[string]*portal)}
	c.in.SetMaxBodyLen(maxMessageLen)
	c.rows.conn = c
	defer func() {
		if err := nc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.logger.Debug("close connection", "err", err)
		}
	}()
	if !s.register(c) {
		c.fatal(types.Errorf(codeAdminShutdown, "the database system is shutting down"))
		return
	}
	defer s.unregister(c)
	if _, err := rand.Read(c.secret[:]); err != nil {
		s.logger.Error("generate cancel key", "err", err)
		return
	}
	logger := s.logger.With("pid", c.pid, "remote", nc.RemoteAddr().String())
	if err := nc.SetDeadline(time.Now().Add(startupTimeout)); err != nil {
		logger.Debug("set startup deadline", "err", err)
		return
	}
	err := c.startup(ctx)
	if err == nil {
		err = s.endStartup(c)
	}
	if err != nil {
		switch {
		case ctx.Err() != nil || errors.Is(err, errShuttingDown):
			c.fatal(types.Errorf(codeAdminShutdown, "terminating connection due to administrator command"))
		case !isDisconnect(err) && !errors.Is(err, errCancelRequestServed):
			logger.Info("connection startup failed", "err", err)
		}
		if c.session != nil {
			if err := c.session.Close(); err != nil {
				logger.Warn("close session", "err", err)
			}
		}
		return
	}
	defer func() {
		if err := c.session.Close(); err != nil {
			logger.Warn("close session", "err", err)
		}
	}()
	logger.Debug("connection ready")
	err = c.serve(ctx)
	switch {
	case ctx.Err() != nil:
		c.fatal(types.Errorf(codeAdminShutdown, "terminating connection due to administrator command"))
	case err != nil && !isDisconnect(err):
		logger.Warn("connection ended", "err", err)
	}
	logger.Debug("connection closed")
}

// isDisconnect reports whether err only says the client went away.
func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// fatal sends a FATAL error before the connection is closed; the client may
// already be gone, so write errors are ignored.
func (c *conn) fatal(err error) {
	if c.out.send(errorResponse(severityFatal, err)) == nil {
		_ = c.out.flush()
	}
}

// serve reads and answers messages until the client terminates, the
// connection fails or ctx is cancelled.
func (c *conn) serve(ctx context.Context) error {
	for {
		msg, err := c.in.Receive()
		if err != nil {
			if ctx.Err() == nil && !isDisconnect(err) {
				c.fatal(invalidMessage(err))
			}
			return fmt.Errorf("receive: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, ok := msg.(*pgproto3.Terminate); ok {
			return nil
		}
		if c.skipToSync {
			if _, ok := msg.(*pgproto3.Sync); !ok {
				continue
			}
		}
		if err := c.handle(ctx, msg); err != nil {
			return err
		}
	}
}

// handle answers one message. Errors returned are connection failures;
// statement errors go to the client.
func (c *conn) handle(ctx context.Context, msg pgproto3.FrontendMessage) error {
	switch msg := msg.(type) {
	case *pgproto3.Query:
		return c.simpleQuery(ctx, msg.String)
	case *pgproto3.Parse:
		return c.parse(msg)
	case *pgproto3.Bind:
		return c.bind(msg)
	case *pgproto3.Describe:
		return c.describe(msg)
	case *pgproto3.Execute:
		return c.executePortal(ctx, msg)
	case *pgproto3.Close:
		return c.closeObject(msg)
	case *pgproto3.Sync:
		return c.sync()
	case *pgproto3.Flush:
		return c.out.flush()
	case *pgproto3.FunctionCall:
		if err := c.out.send(errorResponse(severityError,
			types.Errorf(types.CodeFeatureNotSupported, "the function call protocol is not supported"))); err != nil {
			return err
		}
		return c.readyForQuery()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Postgres ignores COPY messages that arrive outside COPY.
		return nil
	}
	err := types.Errorf(types.CodeProtocolViolation, "unexpected message %T", msg)
	c.fatal(err)
	return err
}

// readyForQuery reports changed session parameters, then ReadyForQuery with
// the session's transaction status, and flushes the output.
func (c *conn) readyForQuery() error {
	changes := c.session.ParameterChanges()
	for _, name := range sortedKeys(changes) {
		if err := c.out.send(&pgproto3.ParameterStatus{Name: name, Value: changes[name]}); err != nil {
			return err
		}
	}
	if err := c.out.send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus()}); err != nil {
		return err
	}
	return c.out.flush()
}

// txStatus is the session's transaction status for ReadyForQuery: 'I' idle,
// 'T' in a transaction block, 'E' in a failed one.
func (c *conn) txStatus() byte {
	if ts, ok := c.session.(TxStatuser); ok {
		return ts.TxStatus()
	}
	return 'I'
}

// invalidMessage is the FATAL error for a message that cannot be read: too
// long, of unknown type or malformed.
func invalidMessage(err error) error {
	var tooLong *pgproto3.ExceededMaxBodyLenErr
	if errors.As(err, &tooLong) {
		return types.Errorf(types.CodeProtocolViolation, "message of %d bytes exceeds the limit of %d bytes",
			tooLong.ActualBodyLen, tooLong.MaxExpectedBodyLen)
	}
	return types.Errorf(types.CodeProtocolViolation, "invalid frontend message: %v", err)
}

// setCancel records the cancel function of the running statement (nil when
// it ends) for cancel requests.
func (c *conn) setCancel(cancel context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelStmt = cancel
}

// cancelStatement cancels the running statement, if any.
func (c *conn) cancelStatement() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelStmt != nil {
		c.cancelStmt()
	}
}
