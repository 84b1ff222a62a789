package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/novelty-db/novelty/types"
)

// maxStartupRequests bounds the SSL/GSS negotiation requests before the
// startup message, so a client cannot loop forever.
const maxStartupRequests = 4

// startup runs the connection phase: encryption negotiation (TLS when
// configured, never GSSAPI), the startup message, authentication, the
// session and its parameters, BackendKeyData and the first ReadyForQuery.
func (c *conn) startup(ctx context.Context) error {
	encrypted := false
	for range maxStartupRequests {
		msg, err := c.in.ReceiveStartupMessage()
		if err != nil {
			c.fatal(types.Errorf(types.CodeProtocolViolation, "invalid startup packet: %v", err))
			return fmt.Errorf("receive startup message: %w", err)
		}
		switch msg := msg.(type) {
		case *pgproto3.SSLRequest:
			if encrypted {
				return c.protocolViolation("SSLRequest on an encrypted connection")
			}
			if c.server.tls == nil {
				if err := c.declineEncryption(); err != nil {
					return err
				}
				continue
			}
			if err := c.startTLS(); err != nil {
				return err
			}
			encrypted = true
		case *pgproto3.GSSEncRequest:
			if err := c.declineEncryption(); err != nil {
				return err
			}
		case *pgproto3.CancelRequest:
			c.server.cancel(msg.ProcessID, msg.SecretKey)
			return errCancelRequestServed
		case *pgproto3.StartupMessage:
			return c.open(ctx, msg)
		default:
			return fmt.Errorf("unexpected startup message %T", msg)
		}
	}
	err := types.Errorf(types.CodeProtocolViolation, "too many encryption requests before the startup packet")
	c.fatal(err)
	return err
}

// declineEncryption answers an encryption request with 'N': the client
// continues in plain text.
func (c *conn) declineEncryption() error {
	if _, err := c.nc.Write([]byte{'N'}); err != nil {
		return fmt.Errorf("decline encryption: %w", err)
	}
	return nil
}

// startTLS accepts an SSLRequest with 'S' and runs the TLS handshake; the
// connection's messages then go through TLS. c.nc stays the plain
// connection: its deadlines and Close apply to the TLS one too. Bytes the
// client sent after SSLRequest without waiting for 'S' were read into the
// old message reader and are dropped, never taken as encrypted input.
func (c *conn) startTLS() error {
	if _, err := c.nc.Write([]byte{'S'}); err != nil {
		return fmt.Errorf("accept encryption: %w", err)
	}
	tc := tls.Server(c.nc, c.server.tls)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.in = pgproto3.NewBackend(tc, tc)
	c.in.SetMaxBodyLen(maxMessageLen)
	c.out.w = tc
	return nil
}

// errCancelRequestServed ends a connection that only carried a cancel request.
var errCancelRequestServed = errors.New("cancel request served")

// open authenticates the client named in msg and starts its session.
func (c *conn) open(ctx context.Context, msg *pgproto3.StartupMessage) error {
	params := msg.Parameters
	user := params["user"]
	if user == "" {
		err := types.Errorf(codeInvalidAuthorization, "no PostgreSQL user name specified in startup packet")
		c.fatal(err)
		return err
	}
	database := params["database"]
	if database == "" {
		database = user
	}
	if err := checkStartupParameters(params); err != nil {
		c.fatal(err)
		return err
	}
	if unrecognized := protocolOptions(params); msg.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unrecognized) > 0 {
		// Novelty speaks protocol 3.0 and none of its _pq_ extensions.
		if err := c.out.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unrecognized}); err != nil {
			return err
		}
	}
	if err := c.authenticate(user); err != nil {
		return err
	}
	session, err := c.server.backend.NewSession(ctx, user, database)
	if err != nil {
		c.fatal(err)
		return fmt.Errorf("new session for user %q database %q: %w", user, database, err)
	}
	c.session = session
	c.extended, _ = session.(ExtendedSession)
	if err := c.applyStartupParameters(params); err != nil {
		c.fatal(err)
		return err
	}
	if err := c.out.send(&pgproto3.AuthenticationOk{}); err != nil {
		return err
	}
	for _, p := range c.initialParameters(user, params["application_name"]) {
		if err := c.out.send(&pgproto3.ParameterStatus{Name: p.name, Value: p.value}); err != nil {
			return err
		}
	}
	if err := c.out.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]}); err != nil {
		return err
	}
	return c.readyForQuery()
}

// checkStartupParameters rejects what Novelty cannot honour: a client
// encoding other than UTF8 and replication connections.
func checkStartupParameters(params map[string]string) error {
	if enc, ok := params["client_encoding"]; ok {
		switch strings.ToUpper(strings.Trim(enc, `'" `)) {
		case "UTF8", "UTF-8", "UNICODE":
		default:
			return types.Errorf(types.CodeFeatureNotSupported, "client_encoding %q is not supported", enc).
				WithHint("Novelty only speaks UTF8.")
		}
	}
	if r, ok := params["replication"]; ok {
		switch strings.ToLower(r) {
		case "false", "off", "no", "0":
		default:
			return types.Errorf(types.CodeFeatureNotSupported, "replication connections are not supported")
		}
	}
	return nil
}

// protocolOptions returns the _pq_ protocol extension options requested.
func protocolOptions(params map[string]string) []string {
	var names []string
	for name := range params {
		if strings.HasPrefix(name, "_pq_.") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// connectionKeys are startup parameters that describe the connection
// rather than set a run-time parameter.
var connectionKeys = map[string]bool{
	"user": true, "database": true, "options": true, "replication": true, "client_encoding": true,
}

// applyStartupParameters hands run-time parameters from the startup message
// (including -c name=value in options) to a session that accepts them.
func (c *conn) applyStartupParameters(params map[string]string) error {
	setter, ok := c.session.(ParameterSetter)
	if !ok {
		return nil
	}
	for _, name := range sortedKeys(params) {
		if connectionKeys[name] || strings.HasPrefix(name, "_pq_.") {
			continue
		}
		if err := setter.SetParameter(name, params[name]); err != nil {
			return err
		}
	}
	settings, err := parseOptions(params["options"])
	if err != nil {
		return err
	}
	for _, s := range settings {
		if err := setter.SetParameter(s.name, s.value); err != nil {
			return err
		}
	}
	return nil
}

type parameter struct{ name, value string }

// parseOptions reads the command-line style options parameter: settings as
// "-c name=value", "-cname=value" or "--name=value", separated by spaces;
// a backslash escapes the next character.
func parseOptions(options string) ([]parameter, error) {
	var words []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(options); i++ {
		ch := options[i]
		switch {
		case ch == '\\' && i+1 < len(options):
			i++
			word.WriteByte(options[i])
			inWord = true
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	var out []parameter
	for i := 0; i < len(words); i++ {
		w := words[i]
		var setting string
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			setting = words[i]
		case strings.HasPrefix(w, "-c") && len(w) > 2:
			setting = w[2:]
		case strings.HasPrefix(w, "--"):
			setting = w[2:]
		default:
			return nil, types.Errorf(types.CodeFeatureNotSupported, "invalid command-line argument in options: %q", w)
		}
		name, value, ok := strings.Cut(setting, "=")
		if !ok || name == "" {
			return nil, types.Errorf(types.CodeSyntaxError, "-c %s requires a value", setting)
		}
		out = append(out, parameter{strings.ReplaceAll(name, "-", "_"), value})
	}
	return out, nil
}

// initialParameters are the ParameterStatus messages of the connection
// phase: the set Postgres 15 reports, with the session's own values (its
// TimeZone and any parameter it reports as changed) taking precedence.
func (c *conn) initialParameters(user, applicationName string) []parameter {
	params := []parameter{
		{"application_name", applicationName},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"default_transaction_read_only", "off"},
		{"in_hot_standby", "off"},
		{"integer_datetimes", "on"},
		{"IntervalStyle", "postgres"},
		{"is_superuser", "on"},
		{"server_encoding", "UTF8"},
		{"server_version", ServerVersion},
		{"session_authorization", user},
		{"standard_conforming_strings", "on"},
		{"TimeZone", c.session.Location().String()},
	}
	changes := c.session.ParameterChanges()
	for _, name := range sortedKeys(changes) {
		found := false
		for i := range params {
			if strings.EqualFold(params[i].name, name) {
				params[i].value, found = changes[name], true
			}
		}
		if !found {
			params = append(params, parameter{name, changes[name]})
		}
	}
	return params
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
