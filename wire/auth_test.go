package wire

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Passwords of the SCRAM tests; none may appear in the server's log.
const (
	alicePassword = "s3cret:with colon"
	bobPassword   = "pencil"
	wrongPassword = "not-the-password"
)

// lockedBuffer is a log destination shared by connection goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startSCRAMServer starts a server with users alice (a plaintext password)
// and bob (a stored verifier), logging at debug level into the returned
// buffer. The server is shut down when the test ends.
func startSCRAMServer(t *testing.T, opts ...Option) (string, *lockedBuffer) {
	t.Helper()
	creds := Credentials{}
	if err := creds.Add("alice:" + alicePassword); err != nil {
		t.Fatal(err)
	}
	if err := creds.Add("bob:" + formatVerifier(rfcVerifier(t))); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := NewServer(newTestBackend(), logger, append(opts, WithSCRAM(creds))...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), logs
}

func TestSCRAMWithPgx(t *testing.T) {
	cfg, _ := selfSignedTLS(t)
	plainAddr, plainLogs := startSCRAMServer(t)
	tlsAddr, tlsLogs := startSCRAMServer(t, WithTLS(cfg))
	tests := []struct {
		name, user, password string
		wantCode             string
	}{
		{name: "plaintext password", user: "alice", password: alicePassword},
		{name: "stored verifier", user: "bob", password: bobPassword},
		{name: "wrong password", user: "alice", password: wrongPassword, wantCode: codeInvalidPassword},
		{name: "another user's password", user: "bob", password: alicePassword, wantCode: codeInvalidPassword},
		{name: "unknown user", user: "mallory", password: alicePassword, wantCode: codeInvalidPassword},
		{name: "no password", user: "alice", wantCode: codeInvalidPassword},
	}
	for _, server := range []struct{ name, addr, sslmode string }{
		{"plain", plainAddr, "disable"},
		{"tls", tlsAddr, "require"},
	} {
		for _, tt := range tests {
			t.Run(server.name+"/"+tt.name, func(t *testing.T) {
				cfg, err := pgconn.ParseConfig("postgres://" + server.addr + "/appdb?sslmode=" + server.sslmode)
				if err != nil {
					t.Fatal(err)
				}
				cfg.User, cfg.Password = tt.user, tt.password
				conn, err := pgconn.ConnectConfig(context.Background(), cfg)
				if tt.wantCode != "" {
					if err == nil {
						_ = conn.Close(context.Background())
						t.Fatal("connect succeeded, want an error")
					}
					if code := pgErrorCode(err); code != tt.wantCode {
						t.Fatalf("error %v has code %q, want %q", err, code, tt.wantCode)
					}
					want := `password authentication failed for user "` + tt.user + `"`
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %v, want it to contain %q", err, want)
					}
					return
				}
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				defer conn.Close(context.Background())
				if _, isTLS := conn.Conn().(*tls.Conn); isTLS != (server.sslmode == "require") {
					t.Errorf("connection uses TLS: %v", isTLS)
				}
				if _, err := conn.Exec(context.Background(), "select 1").ReadAll(); err != nil {
					t.Fatalf("select 1: %v", err)
				}
			})
		}
	}
	logs := plainLogs.String() + tlsLogs.String()
	if !strings.Contains(logs, `password authentication failed for user \"alice\"`) {
		t.Errorf("server log does not record the failed login:\n%s", logs)
	}
	for _, secret := range []string{alicePassword, bobPassword, wrongPassword} {
		if strings.Contains(logs, secret) {
			t.Errorf("server log contains the password %q:\n%s", secret, logs)
		}
	}
}

func TestSCRAMWithPsql(t *testing.T) {
	psql := psqlPath(t)
	cfg, certPath := selfSignedTLS(t)
	addr, _ := startSCRAMServer(t, WithTLS(cfg))
	host, port, _ := strings.Cut(addr, ":")
	tests := []struct {
		name, sslmode, password string
		wantOut, wantErr        string
	}{
		{name: "plain text", sslmode: "disable", password: alicePassword, wantOut: "1\n"},
		{name: "verified TLS", sslmode: "verify-full", password: alicePassword, wantOut: "1\n"},
		{name: "wrong password", sslmode: "require", password: wrongPassword,
			wantErr: `FATAL:  password authentication failed for user "alice"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conninfo := "host=" + host + " port=" + port + " user=alice dbname=appdb connect_timeout=10 sslmode=" +
				tt.sslmode + " sslrootcert=" + certPath
			cmd := exec.CommandContext(ctx, psql, "-X", "-A", "-t", "-w", "-d", conninfo, "-c", "select 1")
			cmd.Env = append(os.Environ(), "PGPASSWORD="+tt.password, "PGTZ=", "PGOPTIONS=", "PGCLIENTENCODING=")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if failed := err != nil; failed != (tt.wantErr != "") {
				t.Fatalf("psql error %v; stderr:\n%s", err, stderr.String())
			}
			if stdout.String() != tt.wantOut {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
		})
	}
}

func TestTrustWarningOnExposedAddress(t *testing.T) {
	creds := Credentials{}
	if err := creds.Add("alice:" + alicePassword); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		addr     net.Addr
		opts     []Option
		wantWarn bool
	}{
		{name: "loopback", addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5433}},
		{name: "ipv6 loopback", addr: &net.TCPAddr{IP: net.IPv6loopback, Port: 5433}},
		{name: "all interfaces", addr: &net.TCPAddr{IP: net.IPv4zero, Port: 5433}, wantWarn: true},
		{name: "public address", addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 5433}, wantWarn: true},
		{name: "all interfaces with scram", addr: &net.TCPAddr{IP: net.IPv4zero, Port: 5433},
			opts: []Option{WithSCRAM(creds)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := NewServer(newTestBackend(), slog.New(slog.NewTextHandler(&logs, nil)), tt.opts...)
			s.warnIfTrustIsExposed(tt.addr)
			if warned := strings.Contains(logs.String(), "level=WARN"); warned != tt.wantWarn {
				t.Errorf("warned: %v, want %v; log:\n%s", warned, tt.wantWarn, logs.String())
			}
		})
	}
}
