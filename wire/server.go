package wire

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

const (
	// shutdownWriteTimeout bounds how long a shutting-down server waits for
	// a client that does not read its output.
	shutdownWriteTimeout = 5 * time.Second
	// startupTimeout bounds the connection phase, like Postgres'
	// authentication_timeout.
	startupTimeout = time.Minute
	// maxAcceptBackoff caps the wait after a failed Accept (e.g. out of
	// file descriptors) before trying again.
	maxAcceptBackoff = time.Second
)

// errShuttingDown ends a connection that finished its startup after the
// shutdown began.
var errShuttingDown = errors.New("server is shutting down")

// Server accepts Postgres client connections and serves each with a
// Session from its Backend. Authentication is trust (any user name is
// accepted) unless WithSCRAM gives users; the user and database names are
// handed to Backend.NewSession.
type Server struct {
	backend Backend
	logger  *slog.Logger
	tls     *tls.Config // nil: SSLRequest is declined
	users   Credentials // nil: trust authentication
	// mockSecret salts the mock SCRAM exchange of unknown users.
	mockSecret [32]byte

	mu       sync.Mutex
	conns    map[uint32]*conn // live connections by process ID (BackendKeyData)
	nextPID  uint32           // process ID of the next connection
	stopping bool             // set once shutdown began; new connections are refused
}

// NewServer returns a server that creates sessions with b and logs to
// logger, configured by opts (plain text and trust authentication without
// any).
func NewServer(b Backend, logger *slog.Logger, opts ...Option) *Server {
	s := &Server{backend: b, logger: logger, conns: make(map[uint32]*conn), nextPID: 1, mockSecret: newMockSecret()}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Serve accepts connections on ln until ctx is cancelled, then shuts down
// gracefully: it closes ln, cancels running statements (their sessions see
// ctx cancelled), tells every client the server is terminating
// (FATAL 57P01), waits for all connections to end and returns nil. An
// failed Accept is retried with backoff; if ln is closed by someone else,
// Serve shuts down the same way and returns the accept error.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.warnIfTrustIsExposed(ln.Addr())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	stopWatching := context.AfterFunc(ctx, func() {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.logger.Warn("close listener", "err", err)
		}
		s.interruptAll()
	})
	defer stopWatching()
	backoff := time.Duration(0)
	for {
		nc, err := ln.Accept()
		switch {
		case err == nil:
			backoff = 0
		case ctx.Err() != nil:
			wg.Wait()
			return nil
		case errors.Is(err, net.ErrClosed):
			cancel()
			wg.Wait()
			return fmt.Errorf("accept: %w", err)
		default:
			backoff = min(max(2*backoff, 5*time.Millisecond), maxAcceptBackoff)
			s.logger.Warn("accept failed; retrying", "err", err, "backoff", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(ctx, nc)
		}()
	}
}

// register adds a connection and assigns its process ID; it refuses new
// connections once shutdown began.
func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	c.pid = s.nextPID
	s.nextPID++
	s.conns[c.pid] = c
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c.pid)
}

// interruptAll wakes every connection blocked reading from its client so it
// notices the shutdown; running statements see their context cancelled.
func (s *Server) interruptAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	now := time.Now()
	for _, c := range s.conns {
		if err := c.nc.SetReadDeadline(now); err != nil {
			s.logger.Debug("interrupt connection", "pid", c.pid, "err", err)
		}
		if err := c.nc.SetWriteDeadline(now.Add(shutdownWriteTimeout)); err != nil {
			s.logger.Debug("interrupt connection", "pid", c.pid, "err", err)
		}
	}
}

// endStartup lifts the startup deadline of c unless the shutdown began, in
// which case the connection must end: interruptAll has already set its
// deadlines and would otherwise be undone.
func (s *Server) endStartup(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return errShuttingDown
	}
	return c.nc.SetDeadline(time.Time{})
}

// cancel handles a CancelRequest: it cancels the statement running on the
// connection with the given process ID if the secret key matches. As in
// Postgres, a request that matches nothing is silently ignored.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(secret, c.secret[:]) != 1 {
		s.logger.Debug("cancel request matches no connection", "pid", pid)
		return
	}
	c.cancelStatement()
}
