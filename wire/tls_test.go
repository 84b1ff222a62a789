package wire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// selfSignedTLS returns a server TLS config with a fresh self-signed
// certificate for 127.0.0.1, and the path of that certificate as PEM.
func selfSignedTLS(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPath := filepath.Join(t.TempDir(), "server.crt")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, certPath
}

func TestTLS(t *testing.T) {
	cfg, _ := selfSignedTLS(t)
	withTLS := startServerWith(t, newTestBackend(), WithTLS(cfg))
	plain := startServer(t)
	tests := []struct {
		name    string
		ts      *testServer
		sslmode string
		wantTLS bool
		wantErr string
	}{
		{name: "require", ts: withTLS, sslmode: "require", wantTLS: true},
		{name: "prefer", ts: withTLS, sslmode: "prefer", wantTLS: true},
		{name: "disable on a TLS server", ts: withTLS, sslmode: "disable"},
		{name: "disable without TLS", ts: plain, sslmode: "disable"},
		{name: "prefer without TLS", ts: plain, sslmode: "prefer"},
		{name: "require without TLS", ts: plain, sslmode: "require", wantErr: "server refused TLS connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "postgres://alice@" + tt.ts.addr + "/appdb?sslmode=" + tt.sslmode
			conn, err := pgconn.Connect(context.Background(), url)
			if tt.wantErr != "" {
				if err == nil {
					_ = conn.Close(context.Background())
					t.Fatal("connect succeeded, want an error")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("connect error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer conn.Close(context.Background())
			if _, isTLS := conn.Conn().(*tls.Conn); isTLS != tt.wantTLS {
				t.Errorf("connection uses TLS: %v, want %v", isTLS, tt.wantTLS)
			}
			results, err := conn.Exec(context.Background(), "select 1").ReadAll()
			if err != nil {
				t.Fatalf("select 1: %v", err)
			}
			if got := string(results[0].Rows[0][0]); got != "1" {
				t.Errorf("select 1 = %q", got)
			}
		})
	}
}

// TestTLSRefusesSecondSSLRequest checks that an SSLRequest inside the TLS
// session is a protocol violation rather than a second handshake.
func TestTLSRefusesSecondSSLRequest(t *testing.T) {
	cfg, _ := selfSignedTLS(t)
	ts := startServerWith(t, newTestBackend(), WithTLS(cfg))
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sslRequest := []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}
	if _, err := nc.Write(sslRequest); err != nil {
		t.Fatal(err)
	}
	answer := make([]byte, 1)
	if _, err := nc.Read(answer); err != nil || answer[0] != 'S' {
		t.Fatalf("answer to SSLRequest = %q, %v; want 'S'", answer, err)
	}
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
	if _, err := tc.Write(sslRequest); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 512)
	n, err := tc.Read(reply)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	if reply[0] != 'E' || !strings.Contains(string(reply[:n]), "08P01") {
		t.Errorf("reply = %q, want ErrorResponse 08P01", reply[:n])
	}
}
