package webhook

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestParseHeaders(t *testing.T) {
	tests := []struct {
		in   string
		want http.Header
	}{
		{"", http.Header{}},
		{"Authorization: Bearer x; X-Team: a", http.Header{"Authorization": {"Bearer x"}, "X-Team": {"a"}}},
		{" x-team :a;;X-Team: b ;", http.Header{"X-Team": {"a", "b"}}},
		{`Cookie: a=1\; b=2`, http.Header{"Cookie": {"a=1; b=2"}}},
		{"X-Url: http://h:1/p", http.Header{"X-Url": {"http://h:1/p"}}},
		{"Content-Type: text/plain", http.Header{"Content-Type": {"text/plain"}}},
	}
	for _, tt := range tests {
		got, err := ParseHeaders(tt.in)
		if err != nil {
			t.Errorf("ParseHeaders(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseHeaders(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseHeadersErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"Authorization Bearer secretvalue", "entry 1 is not 'Name: value'"},
		{"X-A: 1; : v", "entry 2 is not 'Name: value'"},
		{"Bad Name: v", `"Bad Name" is not a valid header name`},
		{"host: example.com", "header Host is set by the sink"},
		{"X-Novelty-Signature: sha256=00", "header X-Novelty-Signature is set by the sink"},
		{"X-A: line\nbreak", "the value of header X-A contains a control character"},
	}
	for _, tt := range tests {
		_, err := ParseHeaders(tt.in)
		if err == nil || err.Error() != tt.msg && !strings.HasPrefix(err.Error(), tt.msg) {
			t.Errorf("ParseHeaders(%q) = %v, want %q", tt.in, err, tt.msg)
			continue
		}
		if strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("ParseHeaders(%q) error quotes the value: %v", tt.in, err)
		}
	}
}
