package httpingest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSplitRecords(t *testing.T) {
	tests := []struct {
		contentType, body string
		want              []string
	}{
		{"application/json", ` {"a":1} `, []string{`{"a":1}`}},
		{"application/json", `not json`, []string{`not json`}}, // one bad record, for the decoder to reject
		{"application/json", "[\n {\"a\":[1,2]} ,\t{\"b\":\"x,y\"},5 ]", []string{`{"a":[1,2]}`, `{"b":"x,y"}`, `5`}},
		{"application/json", `[]`, nil},
		{"application/cloudevents+json", `{"a":1}`, []string{`{"a":1}`}},
		{"application/x-ndjson", "{\"a\":1}\r\n  \n{\"a\":2}", []string{`{"a":1}`, `{"a":2}`}},
		{"application/jsonl", "", nil},
		{"text/plain; charset=utf-8", `[1]`, []string{`[1]`}},
		{"", ` [{"a":1}]`, []string{`{"a":1}`}},
		{"", "{\"a\":1}\n{\"a\":2}", []string{`{"a":1}`, `{"a":2}`}},
	}
	for _, tt := range tests {
		got, err := splitRecords(tt.contentType, []byte(tt.body))
		if err != nil {
			t.Errorf("splitRecords(%q, %q): %v", tt.contentType, tt.body, err)
			continue
		}
		var records []string
		for _, r := range got {
			records = append(records, string(r))
		}
		if !slices.Equal(records, tt.want) {
			t.Errorf("splitRecords(%q, %q) = %q, want %q", tt.contentType, tt.body, records, tt.want)
		}
	}
}

func TestSplitRecordsErrors(t *testing.T) {
	tests := []struct {
		contentType, body, msg string
		unsupported            bool
	}{
		{"application/json", `[1 2]`, "invalid JSON array: element 1: expected comma after array element", false},
		{"application/json", `[{"a":1}] {}`, "invalid JSON array: unexpected data after the array", false},
		{"application/json", `[{"a":}]`, "invalid JSON array: element 0: invalid character '}'", false},
		{"application/json", "", "empty body", false},
		{"application/xml", `<a/>`, `unsupported content type "application/xml"`, true},
		{"application/json; charset", `{}`, `unsupported content type "application/json; charset"`, true},
	}
	for _, tt := range tests {
		_, err := splitRecords(tt.contentType, []byte(tt.body))
		if err == nil || !strings.HasPrefix(err.Error(), tt.msg) || errors.Is(err, errUnsupportedMediaType) != tt.unsupported {
			t.Errorf("splitRecords(%q, %q) = %v, want %q", tt.contentType, tt.body, err, tt.msg)
		}
	}
}
