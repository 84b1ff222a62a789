package connectors

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/novelty-db/novelty/connectors/httpingest"
	"github.com/novelty-db/novelty/types"
)

func newHTTPSourceFor(t *testing.T, hub *httpingest.Hub, errs ErrorReporter, kv ...string) (Source, error) {
	t.Helper()
	f := HTTPSource(hub)
	resolved, err := Validate(f.Name, f.Options, opts(kv...))
	if err != nil {
		return nil, err
	}
	return f.New(SourceConfig{Name: "events", Schema: eventSchema, Options: resolved, Errors: errs,
		Clock: func() time.Time { return fixedTime }})
}

func TestHTTPSourceOptionErrors(t *testing.T) {
	tests := []struct {
		kv  []string
		msg string
	}{
		{[]string{"format", "csv"}, `invalid value "csv" for option "format": allowed values are json`},
		{[]string{"queue_size", "0"}, `invalid value "0" for option "queue_size": want a whole number from 1 to 10000000`},
		{[]string{"queue_size", "many"}, `invalid value "many" for option "queue_size"`},
		{[]string{"max_requests_per_second", "-1"}, `invalid value "-1" for option "max_requests_per_second": want a number of requests per second, 0 (no limit) or more`},
		{[]string{"on_error", "ignore"}, `invalid value "ignore" for option "on_error": allowed values are dead_letter, skip, fail`},
	}
	for _, tt := range tests {
		_, err := newHTTPSourceFor(t, httpingest.NewHub(httpingest.HubConfig{}), nil, tt.kv...)
		if err == nil || !strings.Contains(err.Error(), tt.msg) || types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("options %v: error %v, want 22023 %q", tt.kv, err, tt.msg)
		}
	}
}

func TestHTTPSourceDeadLetters(t *testing.T) {
	hub := httpingest.NewHub(httpingest.HubConfig{})
	srv := httptest.NewServer(hub)
	defer srv.Close()
	dead := &deadLetters{}
	src, err := newHTTPSourceFor(t, hub, dead, "max_requests_per_second", "100")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Post(srv.URL+httpingest.PathPrefix+"events", "application/x-ndjson",
			strings.NewReader("{\"id\":1,\"user_name\":\"ann\",\"ts\":\"2024-01-31 12:00:00\"}\n{\"id\":\"one\"}\n"))
		if err != nil {
			answer <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answer <- resp.Status + " " + strings.TrimSpace(string(body))
	}()
	b := types.NewBatch(len(eventSchema))
	if err := src.Read(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if b.Len != 1 || b.Row(0)[1].S != "ann" {
		t.Fatalf("Read returned %d rows", b.Len)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan error, 1)
	go func() { waiting <- src.Read(ctx, b) }()
	got := <-answer
	cancel()
	<-waiting
	if !strings.HasPrefix(got, `200 OK {"accepted":1,"rejected":1,"errors":[{"record":1,`) {
		t.Errorf("answer %s, want 1 accepted and record 1 rejected", got)
	}
	if len(dead.records) != 1 || dead.records[0].Source != "events" || dead.records[0].Offset != "0:1" ||
		string(dead.records[0].Raw) != `{"id":"one"}` || !dead.records[0].Time.Equal(fixedTime) {
		t.Errorf("dead letters %+v", dead.records)
	}
	if n := src.(BadRecordCounter).BadRecords(); n != 1 {
		t.Errorf("BadRecords = %d, want 1", n)
	}
}
