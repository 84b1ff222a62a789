package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// testPKI is a certificate authority with a server certificate for
// 127.0.0.1 and a client certificate, all in PEM files under one directory.
type testPKI struct {
	caFile, clientCertFile, clientKeyFile string
	pool                                  *x509.CertPool
	server                                tls.Certificate
}

func newTestPKI(tb testing.TB) testPKI {
	tb.Helper()
	dir := tb.TempDir()
	caKey := newKey(tb)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "novelty test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER := sign(tb, caTmpl, caTmpl, caKey, caKey)
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatal(err)
	}
	leaf := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key := newKey(tb)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "novelty test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		return sign(tb, tmpl, caCert, key, caKey), key
	}
	serverDER, serverKey := leaf(2, x509.ExtKeyUsageServerAuth)
	clientDER, clientKey := leaf(3, x509.ExtKeyUsageClientAuth)
	p := testPKI{
		caFile:         writePEM(tb, dir, "ca.pem", "CERTIFICATE", caDER),
		clientCertFile: writePEM(tb, dir, "client.pem", "CERTIFICATE", clientDER),
		clientKeyFile:  writePEM(tb, dir, "client-key.pem", "PRIVATE KEY", marshalKey(tb, clientKey)),
		pool:           x509.NewCertPool(),
		server:         tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey},
	}
	p.pool.AddCert(caCert)
	return p
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

func sign(tb testing.TB, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) []byte {
	tb.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

func marshalKey(tb testing.TB, key *ecdsa.PrivateKey) []byte {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

func writePEM(tb testing.TB, dir, name, kind string, der []byte) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// serverTLS is the brokers' TLS config; requireClientCert asks clients for
// a certificate signed by the CA.
func (p testPKI) serverTLS(requireClientCert bool) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12}
	if requireClientCert {
		cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, p.pool
	}
	return cfg
}

func TestKafkaSecureConnections(t *testing.T) {
	pki := newTestPKI(t)
	const password = "s3cret-pw"
	tests := []struct {
		name     string
		cluster  []kfake.Opt
		security Security
	}{
		{"tls with a CA file", []kfake.Opt{kfake.TLS(pki.serverTLS(false))},
			Security{TLS: &TLSConfig{CAFile: pki.caFile}}},
		{"tls with a client certificate", []kfake.Opt{kfake.TLS(pki.serverTLS(true))},
			Security{TLS: &TLSConfig{CAFile: pki.caFile, CertFile: pki.clientCertFile, KeyFile: pki.clientKeyFile}}},
		{"tls without verification", []kfake.Opt{kfake.TLS(pki.serverTLS(false))},
			Security{TLS: &TLSConfig{InsecureSkipVerify: true}}},
		{"sasl plain", []kfake.Opt{kfake.EnableSASL(), kfake.Superuser("PLAIN", "alice", password)},
			Security{SASL: &SASLConfig{Mechanism: SASLPlain, Username: "alice", Password: password}}},
		{"sasl scram-sha-256", []kfake.Opt{kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "alice", password)},
			Security{SASL: &SASLConfig{Mechanism: SASLScramSHA256, Username: "alice", Password: password}}},
		{"sasl scram-sha-512 over tls", []kfake.Opt{kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "alice", password),
			kfake.TLS(pki.serverTLS(false))},
			Security{TLS: &TLSConfig{CAFile: pki.caFile}, SASL: &SASLConfig{Mechanism: SASLScramSHA512, Username: "alice", Password: password}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			brokers := newClusterWith(t, append(tt.cluster, kfake.SeedTopics(1, "in", "out"))...)
			opts, err := tt.security.clientOptions()
			if err != nil {
				t.Fatal(err)
			}
			produceWith(t, brokers, opts, "in", 0, events(0, 3)...)
			dec, err := format.NewJSONDecoder(testSchema, format.JSONConfig{})
			if err != nil {
				t.Fatal(err)
			}
			src := mustSource(t, SourceConfig{Brokers: brokers, Topic: "in", Width: len(testSchema), Decoder: dec,
				BadRecords: &recordedBadRecords{fail: true}, Security: tt.security})
			openSource(t, src, nil)
			if ids := readIDs(t, src, 3); !slices.Equal(ids, []int64{0, 1, 2}) {
				t.Errorf("source read ids %v, want [0 1 2]", ids)
			}

			sink, err := NewSink(SinkConfig{Brokers: brokers, Topic: "out", Encoder: format.NewJSONEncoder(testSchema),
				KeyColumn: -1, Security: tt.security})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			b := types.NewBatch(len(testSchema))
			b.Append([]types.Datum{types.NewInt(7), types.NewText("bob")})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := sink.Write(ctx, b); err != nil {
				t.Fatalf("sink Write: %v", err)
			}
		})
	}
}

func TestKafkaWrongPasswordFailsOpenWithoutShowingIt(t *testing.T) {
	brokers := newClusterWith(t, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "alice", "right-pw"), kfake.SeedTopics(1, "in"))
	const wrong = "wrong-pw-1234"
	src := mustSource(t, SourceConfig{Brokers: brokers, Topic: "in", Width: len(testSchema),
		Security: Security{SASL: &SASLConfig{Mechanism: SASLScramSHA256, Username: "alice", Password: wrong}}})
	defer src.Close()
	// kfake drops the connection on a failed authentication, which the
	// client retries, where Kafka answers with an error: bound the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := src.Open(ctx, nil)
	if err == nil {
		t.Fatal("Open with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q shows the password", err)
	}
}

func TestKafkaSecurityConfigErrors(t *testing.T) {
	pki := newTestPKI(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name string
		tls  TLSConfig
		want string // the option the error names
	}{
		{"missing CA file", TLSConfig{CAFile: missing}, "tls_ca_file"},
		{"CA file without certificates", TLSConfig{CAFile: pki.clientKeyFile}, "tls_ca_file"},
		{"certificate without key", TLSConfig{CertFile: pki.clientCertFile}, "tls_key_file"},
		{"key that does not match", TLSConfig{CertFile: pki.clientCertFile, KeyFile: pki.caFile}, "tls_cert_file"},
	}
	for _, tt := range tests {
		_, err := NewSource(SourceConfig{Brokers: []string{"127.0.0.1:1"}, Topic: "t", Security: Security{TLS: &tt.tls}})
		if types.CodeOf(err) != types.CodeInvalidParameterValue || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: NewSource = %v, want a 22023 error naming %s", tt.name, err, tt.want)
		}
	}
}

func TestPasswordIsNeverFormatted(t *testing.T) {
	cfg := SASLConfig{Username: "alice", Password: "hunter2"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, cfg); strings.Contains(got, "hunter2") {
			t.Errorf("%s of a SASL config = %q: shows the password", verb, got)
		}
	}
}
