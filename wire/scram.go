package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const (
	// scramMechanism is the only SASL mechanism Novelty offers; without
	// channel binding there is no SCRAM-SHA-256-PLUS.
	scramMechanism = "SCRAM-SHA-256"
	// scramIterations is the PBKDF2 iteration count of verifiers derived
	// from plaintext passwords, Postgres' default scram_iterations.
	scramIterations = 4096
	scramSaltLen    = 16
	// scramNonceLen is the number of random bytes in the server nonce.
	scramNonceLen = 18
)

// SCRAMVerifier is what the server keeps of a password for SCRAM-SHA-256
// (RFC 5802, 7677): the salt, the iteration count and the keys derived
// from the salted password. The password itself is not kept, and a
// verifier alone does not let anyone log in.
type SCRAMVerifier struct {
	salt       []byte
	iterations int
	storedKey  []byte // H(ClientKey)
	serverKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// NewSCRAMVerifier derives a verifier from password with a random salt and
// 4096 iterations, as Postgres does for password_encryption=scram-sha-256.
// The password is used as its UTF-8 bytes, without SASLprep
// normalization, so non-ASCII passwords must be typed in the same
// normalization form by clients.
func NewSCRAMVerifier(password string) (*SCRAMVerifier, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("generate SCRAM salt: %w", err)
	}
	return deriveSCRAMVerifier(password, salt, scramIterations)
}

func deriveSCRAMVerifier(password string, salt []byte, iterations int) (*SCRAMVerifier, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("derive SCRAM salted password: %w", err)
	}
	clientKey := hmacSHA256(salted, []byte("Client Key"))
	storedKey := sha256.Sum256(clientKey)
	return &SCRAMVerifier{
		salt:       salt,
		iterations: iterations,
		storedKey:  storedKey[:],
		serverKey:  hmacSHA256(salted, []byte("Server Key")),
	}, nil
}

// ParseSCRAMVerifier reads a verifier in the form Postgres stores in
// pg_authid.rolpassword:
//
//	SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
//
// with salt and keys in base64. Errors never quote the input.
func ParseSCRAMVerifier(s string) (*SCRAMVerifier, error) {
	invalid := errors.New("invalid SCRAM-SHA-256 verifier: want SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>")
	rest, ok := strings.CutPrefix(s, scramMechanism+"$")
	if !ok {
		return nil, invalid
	}
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, invalid
	}
	iterText, saltText, ok1 := strings.Cut(params, ":")
	storedText, serverText, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return nil, invalid
	}
	iterations, err := strconv.Atoi(iterText)
	if err != nil || iterations <= 0 {
		return nil, invalid
	}
	salt, err1 := base64.StdEncoding.DecodeString(saltText)
	storedKey, err2 := base64.StdEncoding.DecodeString(storedText)
	serverKey, err3 := base64.StdEncoding.DecodeString(serverText)
	if err1 != nil || err2 != nil || err3 != nil || len(salt) == 0 ||
		len(storedKey) != sha256.Size || len(serverKey) != sha256.Size {
		return nil, invalid
	}
	return &SCRAMVerifier{salt: salt, iterations: iterations, storedKey: storedKey, serverKey: serverKey}, nil
}

// mockSCRAMVerifier stands in for an unknown user so that the exchange
// looks the same as for a known one (as Postgres does): the salt is a
// stable function of the user name and a per-server secret, and no proof
// matches the random keys.
func mockSCRAMVerifier(secret []byte, user string) *SCRAMVerifier {
	keys := make([]byte, 2*sha256.Size)
	_, _ = rand.Read(keys) // crypto/rand.Read never fails
	return &SCRAMVerifier{
		salt:       hmacSHA256(secret, []byte(user))[:scramSaltLen],
		iterations: scramIterations,
		storedKey:  keys[:sha256.Size],
		serverKey:  keys[sha256.Size:],
	}
}

func hmacSHA256(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// errSCRAMProof is a client-final-message whose proof does not match: the
// password is wrong (or the user unknown).
var errSCRAMProof = errors.New("SCRAM proof does not match")

// scramExchange is the server side of one SCRAM-SHA-256 exchange. Calls go
// serverFirst, then serverFinal, once each.
type scramExchange struct {
	verifier        *SCRAMVerifier
	gs2Header       string // "n,," or "y,,", echoed base64 in the client's c=
	clientFirstBare string
	serverFirstMsg  string
	nonce           string // client nonce + server nonce
}

// serverFirst reads the client-first-message and returns the
// server-first-message "r=<nonce>,s=<salt>,i=<iterations>". serverNonce
// is appended to the client's nonce (random in production; fixed in tests).
func (x *scramExchange) serverFirst(clientFirst []byte, serverNonce string) (string, error) {
	msg := string(clientFirst)
	var gs2Flag string
	switch {
	case strings.HasPrefix(msg, "n,"), strings.HasPrefix(msg, "y,"):
		gs2Flag = msg[:1]
	case strings.HasPrefix(msg, "p="):
		return "", errors.New("SCRAM channel binding is not supported")
	default:
		return "", errors.New("malformed SCRAM client-first-message: invalid GS2 header")
	}
	authzid, bare, ok := strings.Cut(msg[2:], ",")
	if !ok {
		return "", errors.New("malformed SCRAM client-first-message: invalid GS2 header")
	}
	if authzid != "" {
		return "", errors.New("SCRAM authorization identities are not supported")
	}
	// The user name in n= is ignored: the startup packet names the user,
	// and libpq and pgx send it empty.
	attrs := strings.Split(bare, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") || len(attrs[1]) == 2 {
		return "", errors.New("malformed SCRAM client-first-message: want n=<user>,r=<nonce>")
	}
	for _, a := range attrs[2:] {
		if strings.HasPrefix(a, "m=") {
			return "", errors.New("SCRAM mandatory extensions are not supported")
		}
	}
	if !printableNonce(attrs[1][2:]) {
		return "", errors.New("malformed SCRAM client-first-message: invalid nonce")
	}
	x.gs2Header = gs2Flag + ",,"
	x.clientFirstBare = bare
	x.nonce = attrs[1][2:] + serverNonce
	x.serverFirstMsg = "r=" + x.nonce + ",s=" + base64.StdEncoding.EncodeToString(x.verifier.salt) +
		",i=" + strconv.Itoa(x.verifier.iterations)
	return x.serverFirstMsg, nil
}

// serverFinal checks the client-final-message "c=..,r=..,p=<proof>" and
// returns the server-final-message "v=<signature>". A wrong proof is
// errSCRAMProof; anything else malformed is another error.
func (x *scramExchange) serverFinal(clientFinal []byte) (string, error) {
	i := bytes.LastIndex(clientFinal, []byte(",p="))
	if i < 0 {
		return "", errors.New("malformed SCRAM client-final-message: missing proof")
	}
	withoutProof := string(clientFinal[:i])
	proof, err := base64.StdEncoding.DecodeString(string(clientFinal[i+3:]))
	if err != nil || len(proof) != sha256.Size {
		return "", errors.New("malformed SCRAM client-final-message: invalid proof")
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return "", errors.New("malformed SCRAM client-final-message: want c=<binding>,r=<nonce>,p=<proof>")
	}
	if attrs[0][2:] != base64.StdEncoding.EncodeToString([]byte(x.gs2Header)) {
		return "", errors.New("SCRAM channel binding data does not match the GS2 header")
	}
	if subtle.ConstantTimeCompare([]byte(attrs[1][2:]), []byte(x.nonce)) != 1 {
		return "", errors.New("SCRAM nonce does not match")
	}
	authMessage := []byte(x.clientFirstBare + "," + x.serverFirstMsg + "," + withoutProof)
	clientSignature := hmacSHA256(x.verifier.storedKey, authMessage)
	clientKey := make([]byte, sha256.Size)
	subtle.XORBytes(clientKey, proof, clientSignature)
	storedKey := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(storedKey[:], x.verifier.storedKey) != 1 {
		return "", errSCRAMProof
	}
	return "v=" + base64.StdEncoding.EncodeToString(hmacSHA256(x.verifier.serverKey, authMessage)), nil
}

// printableNonce reports whether nonce holds only printable ASCII other
// than ',', as RFC 5802 requires.
func printableNonce(nonce string) bool {
	for i := 0; i < len(nonce); i++ {
		if nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',' {
			return false
		}
	}
	return true
}

// newServerNonce returns a random printable nonce for the server's part.
func newServerNonce() (string, error) {
	b := make([]byte, scramNonceLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate SCRAM nonce: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
