package webhook

import (
	"fmt"
	"net/http"
	"strings"
)

// reservedHeaders are set by the sink or the HTTP client and may not be
// given in the headers option.
var reservedHeaders = []string{
	"Connection", "Content-Length", "Host", "Transfer-Encoding",
	SignatureHeader, IdempotencyKeyHeader,
}

// HeadersSyntax describes what ParseHeaders accepts, for documentation.
const HeadersSyntax = `'Name: value' entries separated by ';' (write \; for a ';' inside a value), e.g. 'Authorization: Bearer abc; X-Team: fraud'`

// ParseHeaders reads extra request headers: "Name: value" entries
// separated by ';', where "\;" is a literal ';' inside a value. Spaces
// around names and values are dropped, empty entries are skipped and a
// name given twice sends both values. Errors name the offending header but
// never quote a value, which may be a credential.
func ParseHeaders(s string) (http.Header, error) {
	h := http.Header{}
	for i, entry := range splitEntries(s) {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		name, value, ok := strings.Cut(entry, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return nil, fmt.Errorf("entry %d is not 'Name: value'", i+1)
		}
		if !isToken(name) {
			return nil, fmt.Errorf("%q is not a valid header name", name)
		}
		for _, r := range reservedHeaders {
			if strings.EqualFold(name, r) {
				return nil, fmt.Errorf("header %s is set by the sink and cannot be given", r)
			}
		}
		if strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			return nil, fmt.Errorf("the value of header %s contains a control character", name)
		}
		h.Add(name, value)
	}
	return h, nil
}

// splitEntries splits s at every ';' not preceded by a backslash and turns
// each "\;" into ';'.
func splitEntries(s string) []string {
	var entries []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ';':
			cur.WriteByte(';')
			i++
		case s[i] == ';':
			entries = append(entries, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(entries, cur.String())
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), the
// syntax of a header name.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return s != ""
}
