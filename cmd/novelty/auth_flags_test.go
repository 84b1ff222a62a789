package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// writeCertFiles writes a self-signed certificate for 127.0.0.1 and its
// key as PEM files in dir.
func writeCertFiles(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// TestAuthFlagErrors checks that bad TLS and authentication flags stop
// `novelty serve` with a clear error before anything is opened, and that
// no error quotes a password.
func TestAuthFlagErrors(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := writeCertFiles(t, dir)
	usersFile := filepath.Join(dir, "users")
	if err := os.WriteFile(usersFile, []byte("alice:hunter2\nbob-hunter3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "cert without key", args: []string{"--tls-cert", certPath}, wantErr: "--tls-cert and --tls-key must be given together"},
		{name: "key without cert", args: []string{"--tls-key", keyPath}, wantErr: "--tls-cert and --tls-key must be given together"},
		{name: "missing cert file", args: []string{"--tls-cert", filepath.Join(dir, "none.crt"), "--tls-key", keyPath},
			wantErr: "loading --tls-cert"},
		{name: "cert as key", args: []string{"--tls-cert", certPath, "--tls-key", certPath}, wantErr: "loading --tls-cert"},
		{name: "unknown method", args: []string{"--auth", "md5"}, wantErr: `invalid --auth "md5": use trust or scram`},
		{name: "users with trust", args: []string{"--user", "alice:hunter2"}, wantErr: "--users-file and --user need --auth scram"},
		{name: "scram without users", args: []string{"--auth", "scram"}, wantErr: "--auth scram needs users"},
		{name: "bad users file line", args: []string{"--auth", "scram", "--users-file", usersFile},
			wantErr: "--users-file " + usersFile + ": line 2: want user:password"},
		{name: "missing users file", args: []string{"--auth", "scram", "--users-file", filepath.Join(dir, "nope")},
			wantErr: "--users-file: open"},
		{name: "bad user flag", args: []string{"--auth", "scram", "--user", "hunter2"}, wantErr: "--user: want user:password"},
		{name: "user defined twice", args: []string{"--auth", "scram", "--user", "a:hunter2", "--user", "a:hunter3"},
			wantErr: `--user: user "a" is defined twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, tt.args...)
			err := run(args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
			for _, secret := range []string{"hunter2", "hunter3"} {
				if strings.Contains(err.Error()+out.String()+errOut.String(), secret) {
					t.Errorf("output reveals a password: %v\n%s%s", err, out.String(), errOut.String())
				}
			}
			if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("data directory was created before the flags were checked (stat: %v)", err)
			}
		})
	}
}

// TestServeWithTLSAndSCRAM runs the server with a certificate, a users
// file and a --user, and connects with pgx over TLS.
func TestServeWithTLSAndSCRAM(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := writeCertFiles(t, dir)
	usersFile := filepath.Join(dir, "users")
	if err := os.WriteFile(usersFile, []byte("# users\nalice:from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer // slog's handler serializes writes; read after the server stopped
	cfg := serveConfig{listen: "127.0.0.1:0", dataDir: filepath.Join(dir, "data"), tlsCert: certPath, tlsKey: keyPath,
		auth: "scram", usersFile: usersFile, users: []string{"bob:from-flag"}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan net.Addr, 1)
	go func() {
		done <- runServer(ctx, cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), ready)
	}()
	var addr string
	select {
	case a := <-ready:
		addr = a.String()
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	tests := []struct {
		user, password string
		wantCode       string
	}{
		{user: "alice", password: "from-file"},
		{user: "bob", password: "from-flag"},
		{user: "alice", password: "from-flag", wantCode: "28P01"},
	}
	for _, tt := range tests {
		connCfg, err := pgx.ParseConfig("postgres://" + addr + "/novelty?sslmode=require")
		if err != nil {
			t.Fatal(err)
		}
		connCfg.User, connCfg.Password = tt.user, tt.password
		conn, err := pgx.ConnectConfig(context.Background(), connCfg)
		if tt.wantCode != "" {
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != tt.wantCode {
				t.Errorf("%s with a wrong password: error %v, want SQLSTATE %s", tt.user, err, tt.wantCode)
			}
			if conn != nil {
				_ = conn.Close(context.Background())
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: connect: %v", tt.user, err)
		}
		if _, isTLS := conn.PgConn().Conn().(*tls.Conn); !isTLS {
			t.Errorf("%s: connection is not TLS", tt.user)
		}
		var one int
		if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Errorf("%s: SELECT 1 = %d, %v", tt.user, one, err)
		}
		_ = conn.Close(context.Background())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("server stopped with error: %v", err)
	}
	for _, secret := range []string{"from-file", "from-flag"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("server log reveals a password:\n%s", logs.String())
		}
	}
}
