package wire

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/types"
)

const codeInvalidPassword = "28P01"

// Option configures a Server.
type Option func(*Server)

// WithTLS makes the server answer SSLRequest with 'S' and run the TLS
// handshake with cfg. Without it SSLRequest is declined with 'N'.
func WithTLS(cfg *tls.Config) Option {
	return func(s *Server) { s.tls = cfg }
}

// WithSCRAM requires every client to authenticate with SCRAM-SHA-256 as
// one of users. Without it authentication is trust: any user name is
// accepted.
func WithSCRAM(users Credentials) Option {
	return func(s *Server) { s.users = users }
}

// Credentials maps user names to their SCRAM-SHA-256 verifiers.
type Credentials map[string]*SCRAMVerifier

// Add adds one entry "user:password" or "user:SCRAM-SHA-256$..." (a
// verifier as Postgres stores it). The password may contain ':'; the user
// name may not. Errors name the user but never quote the password.
func (c Credentials) Add(entry string) error {
	user, secret, ok := strings.Cut(entry, ":")
	switch {
	case !ok:
		return errors.New("want user:password")
	case user == "":
		return errors.New("empty user name")
	case secret == "":
		return fmt.Errorf("user %q: empty password", user)
	case c[user] != nil:
		return fmt.Errorf("user %q is defined twice", user)
	}
	var v *SCRAMVerifier
	var err error
	if strings.HasPrefix(secret, scramMechanism+"$") {
		v, err = ParseSCRAMVerifier(secret)
	} else {
		v, err = NewSCRAMVerifier(secret)
	}
	if err != nil {
		return fmt.Errorf("user %q: %w", user, err)
	}
	c[user] = v
	return nil
}

// Load adds the entries of a users file: one "user:password" or
// "user:SCRAM-SHA-256$..." per line; blank lines and lines starting with
// '#' are skipped. Errors give the line number, never its text.
func (c Credentials) Load(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := c.Add(line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read users: %w", err)
	}
	return nil
}

// authenticate runs the authentication the server is configured for
// before user's session is created. Trust needs nothing (AuthenticationOk
// follows the session). Errors have been sent to the client as FATAL.
func (c *conn) authenticate(user string) error {
	if c.server.users == nil {
		return nil
	}
	return c.scram(user)
}

// scram runs a SCRAM-SHA-256 exchange for user. An unknown user gets a mock
// exchange that fails at the proof, so clients cannot probe for names.
func (c *conn) scram(user string) error {
	verifier, known := c.server.users[user]
	if !known {
		verifier = mockSCRAMVerifier(c.server.mockSecret[:], user)
	}
	x := scramExchange{verifier: verifier}
	if err := c.out.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}}); err != nil {
		return err
	}
	initial, err := c.receiveAuth(pgproto3.AuthTypeSASL)
	if err != nil {
		return err
	}
	first, ok := initial.(*pgproto3.SASLInitialResponse)
	if !ok {
		return c.protocolViolation(fmt.Sprintf("expected SASL response, got %T", initial))
	}
	if first.AuthMechanism != scramMechanism {
		return c.protocolViolation("client selected an invalid SASL authentication mechanism")
	}
	nonce, err := newServerNonce()
	if err != nil {
		return err
	}
	serverFirst, err := x.serverFirst(first.Data, nonce)
	if err != nil {
		return c.authFailed(user, err)
	}
	if err := c.out.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)}); err != nil {
		return err
	}
	response, err := c.receiveAuth(pgproto3.AuthTypeSASLContinue)
	if err != nil {
		return err
	}
	final, ok := response.(*pgproto3.SASLResponse)
	if !ok {
		return c.protocolViolation(fmt.Sprintf("expected SASL response, got %T", response))
	}
	serverFinal, err := x.serverFinal(final.Data)
	if !known {
		err = fmt.Errorf("role %q does not exist", user)
	}
	if err != nil {
		return c.authFailed(user, err)
	}
	return c.out.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
}

// authFailed sends FATAL 28P01 and returns it wrapped with reason for the
// server log. Malformed SCRAM messages and wrong passwords look alike to
// the client, as in Postgres.
func (c *conn) authFailed(user string, reason error) error {
	failed := types.Errorf(codeInvalidPassword, "password authentication failed for user %q", user)
	c.fatal(failed)
	return fmt.Errorf("%w: %w", failed, reason)
}

// receiveAuth flushes the pending authentication request and reads the
// client's answer, of the given authentication type.
func (c *conn) receiveAuth(authType uint32) (pgproto3.FrontendMessage, error) {
	if err := c.out.flush(); err != nil {
		return nil, err
	}
	if err := c.in.SetAuthType(authType); err != nil {
		return nil, fmt.Errorf("set auth type: %w", err)
	}
	msg, err := c.in.Receive()
	if err != nil {
		if !isDisconnect(err) {
			c.fatal(invalidMessage(err))
		}
		return nil, fmt.Errorf("receive authentication response: %w", err)
	}
	return msg, nil
}

// protocolViolation sends FATAL 08P01 with message and returns it.
func (c *conn) protocolViolation(message string) error {
	err := types.Errorf(types.CodeProtocolViolation, "%s", message)
	c.fatal(err)
	return err
}

// newMockSecret returns the per-server secret that salts mock verifiers.
func newMockSecret() [32]byte {
	var secret [32]byte
	_, _ = rand.Read(secret[:]) // crypto/rand.Read never fails
	return secret
}

// warnIfTrustIsExposed logs a warning when trust authentication is used on
// a listener that is not bound to a loopback address: anyone who can
// reach it can log in as any user.
func (s *Server) warnIfTrustIsExposed(addr net.Addr) {
	if s.users != nil {
		return
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return
	}
	if _, ok := addr.(*net.UnixAddr); ok {
		return
	}
	s.logger.Warn("trust authentication on a non-loopback address: any client that can connect may log in as any user; use --auth scram",
		"listen", addr.String())
}
