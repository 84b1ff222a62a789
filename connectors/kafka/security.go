package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/novelty-db/novelty/types"
)

// Security is how a client reaches the brokers: TLS and SASL, both optional.
type Security struct {
	// TLS, when set, encrypts the connections.
	TLS *TLSConfig
	// SASL, when set, authenticates the client.
	SASL *SASLConfig
}

// TLSConfig configures TLS connections to the brokers.
type TLSConfig struct {
	// CAFile is a PEM file of the certificate authorities that sign the
	// brokers' certificates; empty means the system's roots.
	CAFile string
	// CertFile and KeyFile are the PEM client certificate and its key, for
	// brokers that authenticate clients by certificate; both or neither.
	CertFile, KeyFile string
	// InsecureSkipVerify accepts any broker certificate (tests only: it
	// leaves the connection open to interception).
	InsecureSkipVerify bool
}

// SASLMechanism is a SASL authentication mechanism.
type SASLMechanism uint8

// The SASL mechanisms.
const (
	SASLPlain SASLMechanism = iota
	SASLScramSHA256
	SASLScramSHA512
)

// SASLConfig configures SASL authentication.
type SASLConfig struct {
	Mechanism SASLMechanism
	Username  string
	Password  Password
}

// Password is a secret that fmt never prints.
type Password string

// String implements fmt.Stringer without revealing the password.
func (Password) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer without revealing the password.
func (Password) GoString() string { return "[redacted]" }

// clientOptions returns the franz-go options that apply s. Unreadable or
// invalid certificate files are 22023 errors naming the file; errors never
// contain the password.
func (s Security) clientOptions() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	if s.TLS != nil {
		cfg, err := s.TLS.config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	if s.SASL != nil {
		opts = append(opts, kgo.SASL(s.SASL.mechanism()))
	}
	return opts, nil
}

func (t *TLSConfig) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, tlsFileError("tls_ca_file", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, tlsFileError("tls_ca_file", fmt.Errorf("%s holds no PEM certificate", t.CAFile))
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "options %q and %q go together: give both or neither", "tls_cert_file", "tls_key_file")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, tlsFileError("tls_cert_file", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func tlsFileError(option string, err error) error {
	return types.Errorf(types.CodeInvalidParameterValue, "option %q: %v", option, err)
}

func (c *SASLConfig) mechanism() sasl.Mechanism {
	switch c.Mechanism {
	case SASLScramSHA256:
		return scram.Auth{User: c.Username, Pass: string(c.Password)}.AsSha256Mechanism()
	case SASLScramSHA512:
		return scram.Auth{User: c.Username, Pass: string(c.Password)}.AsSha512Mechanism()
	}
	return plain.Auth{User: c.Username, Pass: string(c.Password)}.AsMechanism()
}
