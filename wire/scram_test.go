package wire

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// The SCRAM-SHA-256 example exchange of RFC 7677 section 3: user "user",
// password "pencil".
const (
	rfcSalt        = "W22ZaJ0SNY7soEsUEjb6gQ=="
	rfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
	rfcServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	rfcServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	rfcFinalNoPrf  = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	rfcProof       = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	rfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
)

func rfcVerifier(t *testing.T) *SCRAMVerifier {
	t.Helper()
	salt, _ := base64.StdEncoding.DecodeString(rfcSalt)
	v, err := deriveSCRAMVerifier("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// formatVerifier writes v the way Postgres stores it in pg_authid.
func formatVerifier(v *SCRAMVerifier) string {
	b64 := base64.StdEncoding.EncodeToString
	return "SCRAM-SHA-256$4096:" + b64(v.salt) + "$" + b64(v.storedKey) + ":" + b64(v.serverKey)
}

func TestSCRAMExchangeRFC7677(t *testing.T) {
	tests := []struct {
		name        string
		clientFinal string
		want        string
		wantErr     string
	}{
		{name: "right proof", clientFinal: rfcFinalNoPrf + ",p=" + rfcProof, want: rfcServerFinal},
		{name: "wrong proof", clientFinal: rfcFinalNoPrf + ",p=" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
			wantErr: "proof does not match"},
		{name: "other nonce", clientFinal: strings.Replace(rfcFinalNoPrf, "k0", "k1", 1) + ",p=" + rfcProof,
			wantErr: "nonce does not match"},
		{name: "channel binding of another header", clientFinal: strings.Replace(rfcFinalNoPrf, "biws", "eSws", 1) + ",p=" + rfcProof,
			wantErr: "channel binding data"},
		{name: "no proof", clientFinal: rfcFinalNoPrf, wantErr: "missing proof"},
		{name: "short proof", clientFinal: rfcFinalNoPrf + ",p=AAAA", wantErr: "invalid proof"},
		{name: "no nonce", clientFinal: "c=biws,p=" + rfcProof, wantErr: "want c=<binding>,r=<nonce>,p=<proof>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := scramExchange{verifier: rfcVerifier(t)}
			first, err := x.serverFirst([]byte(rfcClientFirst), rfcServerNonce)
			if err != nil {
				t.Fatalf("serverFirst: %v", err)
			}
			if first != rfcServerFirst {
				t.Fatalf("server-first-message = %q, want %q", first, rfcServerFirst)
			}
			got, err := x.serverFinal([]byte(tt.clientFinal))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("serverFinal error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("serverFinal: %v", err)
			}
			if got != tt.want {
				t.Errorf("server-final-message = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSCRAMClientFirstErrors(t *testing.T) {
	tests := []struct{ msg, wantErr string }{
		{"p=tls-server-end-point,,n=,r=abc", "channel binding is not supported"},
		{"x,,n=,r=abc", "invalid GS2 header"},
		{"n,a=admin,n=,r=abc", "authorization identities"},
		{"n,,n=,r=abc,m=ext", "mandatory extensions"},
		{"n,,r=abc", "want n=<user>,r=<nonce>"},
		{"n,,n=,r=", "want n=<user>,r=<nonce>"},
		{"n,,n=,r=a\x01b", "invalid nonce"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			x := scramExchange{verifier: rfcVerifier(t)}
			_, err := x.serverFirst([]byte(tt.msg), "srv")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("serverFirst error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseSCRAMVerifier(t *testing.T) {
	want := rfcVerifier(t)
	stored := formatVerifier(want)
	got, err := ParseSCRAMVerifier(stored)
	if err != nil {
		t.Fatalf("ParseSCRAMVerifier: %v", err)
	}
	if got.iterations != 4096 || !bytes.Equal(got.salt, want.salt) ||
		!bytes.Equal(got.storedKey, want.storedKey) || !bytes.Equal(got.serverKey, want.serverKey) {
		t.Errorf("parsed %+v, want %+v", got, want)
	}
	x := scramExchange{verifier: got}
	if _, err := x.serverFirst([]byte(rfcClientFirst), rfcServerNonce); err != nil {
		t.Fatal(err)
	}
	if final, err := x.serverFinal([]byte(rfcFinalNoPrf + ",p=" + rfcProof)); err != nil || final != rfcServerFinal {
		t.Errorf("exchange with the parsed verifier = %q, %v; want %q", final, err, rfcServerFinal)
	}

	for _, bad := range []string{
		"",
		"md5abcdef",
		strings.Replace(stored, "$4096:", "$0:", 1),
		strings.Replace(stored, "$4096:", "$x:", 1),
		strings.Replace(stored, "$4096:", "$4096", 1),
		stored[:len(stored)-4],
		strings.Replace(stored, rfcSalt, "!!!", 1),
	} {
		if _, err := ParseSCRAMVerifier(bad); err == nil {
			t.Errorf("ParseSCRAMVerifier(%q) succeeded, want an error", bad)
		}
	}
}

func TestNewSCRAMVerifierSaltsRandomly(t *testing.T) {
	a, err := NewSCRAMVerifier("pw")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSCRAMVerifier("pw")
	if err != nil {
		t.Fatal(err)
	}
	if a.iterations != 4096 || len(a.salt) != scramSaltLen {
		t.Errorf("verifier has %d iterations and a %d-byte salt, want 4096 and %d", a.iterations, len(a.salt), scramSaltLen)
	}
	if bytes.Equal(a.salt, b.salt) || bytes.Equal(a.storedKey, b.storedKey) {
		t.Error("two verifiers of one password share their salt or keys")
	}
}

func TestCredentials(t *testing.T) {
	verifier := formatVerifier(rfcVerifier(t))
	tests := []struct {
		name    string
		file    string
		users   []string
		wantErr string
	}{
		{name: "passwords and verifiers", file: "# users\nalice:s3cret\n\n  bob:pa:ss  \ncarol:" + verifier + "\n",
			users: []string{"alice", "bob", "carol"}},
		{name: "no colon", file: "alice:x\nbobsecret\n", wantErr: "line 2: want user:password"},
		{name: "empty user", file: ":hunter2\n", wantErr: "line 1: empty user name"},
		{name: "empty password", file: "alice:\n", wantErr: `line 1: user "alice": empty password`},
		{name: "twice", file: "alice:a\nalice:b\n", wantErr: `line 2: user "alice" is defined twice`},
		{name: "bad verifier", file: "alice:SCRAM-SHA-256$hunter2\n", wantErr: `line 1: user "alice": invalid SCRAM-SHA-256 verifier`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := Credentials{}
			err := creds.Load(strings.NewReader(tt.file))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want it to contain %q", err, tt.wantErr)
				}
				for _, secret := range []string{"hunter2", "bobsecret"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q reveals a password", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(creds) != len(tt.users) {
				t.Errorf("loaded %d users, want %v", len(creds), tt.users)
			}
			for _, u := range tt.users {
				if creds[u] == nil {
					t.Errorf("user %q not loaded", u)
				}
			}
		})
	}
}
