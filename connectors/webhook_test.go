package connectors

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func newWebhookSinkFor(t *testing.T, kv ...string) (Sink, error) {
	t.Helper()
	f := WebhookSink()
	resolved, err := Validate(f.Name, f.Options, opts(kv...))
	if err != nil {
		return nil, err
	}
	return f.New(SinkConfig{Name: "alerts_hook", Schema: eventSchema, Options: resolved})
}

func TestWebhookSinkOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		kv   []string
		msg  string
	}{
		{"url missing", nil, `option "url" is required for connector webhook`},
		{"url scheme", []string{"url", "ftp://h/x"}, `invalid value "ftp://h/x" for option "url": want an http:// or https:// URL`},
		{"format", []string{"url", "http://h/x", "format", "csv"}, `invalid value "csv" for option "format": allowed values are json, jsonl`},
		{"batch_size", []string{"url", "http://h/x", "batch_size", "0"}, `invalid value "0" for option "batch_size": want a whole number from 1 to 100000`},
		{"timeout", []string{"url", "http://h/x", "timeout", "10"}, `invalid value "10" for option "timeout": want a positive duration`},
		{"max_backoff", []string{"url", "http://h/x", "max_backoff", "-1s"}, `invalid value "-1s" for option "max_backoff"`},
		{"signing_secret", []string{"url", "http://h/x", "signing_secret", ""}, `option "signing_secret" must not be empty`},
		{"headers", []string{"url", "http://h/x", "headers", "Authorization Bearer x"}, `invalid value for option "headers": entry 1 is not 'Name: value'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newWebhookSinkFor(t, tt.kv...)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want it to contain %q", err, tt.msg)
			}
			if code := types.CodeOf(err); code != types.CodeInvalidParameterValue {
				t.Errorf("SQLSTATE %s, want %s", code, types.CodeInvalidParameterValue)
			}
		})
	}
}

func TestWebhookSinkDelivers(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Header.Get("Content-Type")+" "+r.Header.Get("X-Team")+" "+string(body))
	}))
	defer srv.Close()
	sink, err := newWebhookSinkFor(t, "url", srv.URL, "format", "JSONL", "batch_size", "1", "headers", "X-Team: fraud")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	b := types.NewBatch(len(eventSchema))
	b.Append([]types.Datum{types.NewInt(1), types.NewString(types.Varchar, "ann"), types.NewTimestamp(0)})
	b.Append([]types.Datum{types.NewInt(2), types.NewString(types.Varchar, "bob"), types.Null})
	if err := sink.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"application/x-ndjson fraud {\"id\":1,\"user_name\":\"ann\",\"ts\":\"1970-01-01T00:00:00\"}\n",
		"application/x-ndjson fraud {\"id\":2,\"user_name\":\"bob\",\"ts\":null}\n",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("requests:\n%q\nwant:\n%q", got, want)
	}
}
