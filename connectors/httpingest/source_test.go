package httpingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

var schema = types.Schema{{Name: "id", Type: types.Int8}, {Name: "name", Type: types.Text}}

// badRecords records what the source hands to the on_error policy; with
// fail set it fails the read like on_error = 'fail'.
type badRecords struct {
	mu      sync.Mutex
	offsets []string
	raws    []string
	fail    bool
}

func (b *badRecords) HandleBadRecord(raw []byte, offset string, err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.offsets = append(b.offsets, offset)
	b.raws = append(b.raws, string(raw))
	if b.fail {
		return fmt.Errorf("bad record at offset %s: %w", offset, err)
	}
	return nil
}

type fixture struct {
	hub  *Hub
	srv  *httptest.Server
	bad  *badRecords
	src  *Source
	base string // the URL of the source's ingest path
}

func newFixture(t *testing.T, cfg SourceConfig, hubCfg HubConfig) *fixture {
	t.Helper()
	hub := NewHub(hubCfg)
	mux := http.NewServeMux()
	mux.Handle(PathPrefix, hub)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := &fixture{hub: hub, srv: srv, bad: &badRecords{}}
	if cfg.Name == "" {
		cfg.Name = "events"
	}
	f.src = f.open(t, cfg)
	f.base = srv.URL + PathPrefix + cfg.Name
	return f
}

// open opens a source of cfg on the fixture's hub.
func (f *fixture) open(t *testing.T, cfg SourceConfig) *Source {
	t.Helper()
	dec, err := format.NewJSONDecoder(schema, format.JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Width, cfg.Decoder, cfg.BadRecords = len(schema), dec, f.bad
	src := NewSource(f.hub, cfg)
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// reply is an HTTP answer as the client saw it.
type reply struct {
	status     int
	retryAfter string
	body       string
}

// post sends body in the background; the answer arrives on the channel.
func post(url, contentType, body string) <-chan reply {
	out := make(chan reply, 1)
	go func() {
		resp, err := http.Post(url, contentType, strings.NewReader(body))
		if err != nil {
			out <- reply{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out <- reply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: strings.TrimSpace(string(b))}
	}()
	return out
}

func (r reply) check(t *testing.T, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Errorf("answer %d %s, want %d %s", r.status, r.body, status, body)
	}
}

// read makes one Read and returns its rows as "id|name".
func read(t *testing.T, src *Source) []string {
	t.Helper()
	b := types.NewBatch(len(schema))
	if err := src.Read(context.Background(), b); err != nil {
		t.Fatalf("Read: %v", err)
	}
	rows := make([]string, b.Len)
	for i := range rows {
		rows[i] = string(types.AppendText(nil, b.Row(i)[0], nil)) + "|" + string(types.AppendText(nil, b.Row(i)[1], nil))
	}
	return rows
}

// readInBackground starts a Read, as the engine does after publishing the
// previous batch; stop cancels it if it still waits and returns its error.
func readInBackground(src *Source) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Read(ctx, types.NewBatch(len(schema))) }()
	return func() error {
		cancel()
		return <-done
	}
}

func notAnswered(t *testing.T, answer <-chan reply, when string) {
	t.Helper()
	select {
	case r := <-answer:
		t.Fatalf("answered %d %s %s", r.status, r.body, when)
	default:
	}
}

func TestIngestAnswersAfterTheNextRead(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{})
	answer := post(f.base, "application/json", `{"id":1,"name":"ann"}`)
	if got := read(t, f.src); !slices.Equal(got, []string{"1|ann"}) {
		t.Fatalf("rows %v", got)
	}
	// The rows were returned but not yet taken: the engine has not come
	// back for more, so the request must still be unanswered.
	if len(f.src.taken) != 1 || len(f.src.taken[0].done) != 0 {
		t.Fatalf("the request was answered by the Read that returned its rows")
	}
	notAnswered(t, answer, "before the engine read again")
	stop := readInBackground(f.src)
	(<-answer).check(t, http.StatusOK, `{"accepted":1,"rejected":0}`)
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting Read = %v, want context.Canceled", err)
	}
	if got := string(f.src.Offset()); got != "1" {
		t.Errorf("Offset = %s, want 1", got)
	}
}

func TestIngestLayouts(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		rows                    []string
	}{
		{"object", "application/json", `{"id":1,"name":"a"}`, []string{"1|a"}},
		{"array", "application/json; charset=utf-8", ` [ {"id":1,"name":"a"} , {"id":2,"name":"b"} ] `, []string{"1|a", "2|b"}},
		{"JSON lines", "application/x-ndjson", "{\"id\":1,\"name\":\"a\"}\r\n\n{\"id\":2,\"name\":\"b\"}", []string{"1|a", "2|b"}},
		{"text lines", "text/plain", `{"id":3,"name":"c"}`, []string{"3|c"}},
		{"curl -d array", "application/x-www-form-urlencoded", `[{"id":1,"name":"a"},{"id":2,"name":"b"}]`, []string{"1|a", "2|b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, SourceConfig{}, HubConfig{})
			answer := post(f.base, tt.contentType, tt.body)
			if got := read(t, f.src); !slices.Equal(got, tt.rows) {
				t.Errorf("rows %v, want %v", got, tt.rows)
			}
			stop := readInBackground(f.src)
			(<-answer).check(t, http.StatusOK, fmt.Sprintf(`{"accepted":%d,"rejected":0}`, len(tt.rows)))
			stop()
		})
	}
}

func TestIngestBadRecords(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{})
	body := "{\"id\":1,\"name\":\"a\"}\n{\"id\":\"x\"}\nnot json\n{\"id\":4,\"name\":\"d\"}\n"
	answer := post(f.base, "application/x-ndjson", body)
	if got := read(t, f.src); !slices.Equal(got, []string{"1|a", "4|d"}) {
		t.Fatalf("rows %v", got)
	}
	stop := readInBackground(f.src)
	r := <-answer
	stop()
	var got counts
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != http.StatusOK {
		t.Fatalf("answer %d %s", r.status, r.body)
	}
	if got.Accepted != 2 || got.Rejected != 2 || len(got.Errors) != 2 || got.Errors[0].Record != 1 || got.Errors[1].Record != 2 {
		t.Errorf("answer %s: want 2 accepted, records 1 and 2 rejected", r.body)
	}
	if !slices.Equal(f.bad.offsets, []string{"0:1", "0:2"}) || !slices.Equal(f.bad.raws, []string{`{"id":"x"}`, "not json"}) {
		t.Errorf("bad records %v %q, want offsets 0:1 0:2 with their raw lines", f.bad.offsets, f.bad.raws)
	}
	if got := string(f.src.Offset()); got != "2" {
		t.Errorf("Offset = %s, want 2: bad records are not counted", got)
	}
}

func TestIngestOnlyBadRecordsAnsweredAtOnce(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{})
	stop := readInBackground(f.src)
	r := <-post(f.base, "application/json", `[{"id":"x"}]`)
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, `{"accepted":0,"rejected":1,"errors":[{"record":0,`) {
		t.Errorf("answer %d %s, want 0 accepted and 1 rejected", r.status, r.body)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Read = %v: it must keep waiting for rows", err)
	}
}

func TestIngestQueueFull(t *testing.T) {
	f := newFixture(t, SourceConfig{QueueSize: 2}, HubConfig{})
	body := `[{"id":1,"name":"a"},{"id":2,"name":"b"}]`
	first, second := post(f.base, "application/json", body), post(f.base, "application/json", body)
	// One request fills the queue and waits; the other is turned away.
	var refused reply
	var waiting <-chan reply
	select {
	case refused = <-first:
		waiting = second
	case refused = <-second:
		waiting = first
	}
	if refused.status != http.StatusServiceUnavailable || refused.retryAfter != "1" || !strings.Contains(refused.body, "queue is full") {
		t.Errorf("answer %d (Retry-After %q) %s, want 503 with Retry-After", refused.status, refused.retryAfter, refused.body)
	}
	if got := read(t, f.src); len(got) != 2 {
		t.Fatalf("rows %v", got)
	}
	stop := readInBackground(f.src)
	(<-waiting).check(t, http.StatusOK, `{"accepted":2,"rejected":0}`)
	stop()
	(<-post(f.base, "application/json", `[{},{},{}]`)).check(t, http.StatusRequestEntityTooLarge,
		`{"error":"the request has 3 records, more than source events queues (2): split it"}`)
}

func TestIngestRequestSpanningBatches(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{})
	n := types.BatchSize + 500
	var body strings.Builder
	for i := range n {
		fmt.Fprintf(&body, "{\"id\":%d,\"name\":\"u\"}\n", i)
	}
	answer := post(f.base, "application/x-ndjson", body.String())
	if got := read(t, f.src); len(got) != types.BatchSize || got[0] != "0|u" {
		t.Fatalf("first Read: %d rows", len(got))
	}
	if got := read(t, f.src); len(got) != 500 || got[0] != fmt.Sprintf("%d|u", types.BatchSize) {
		t.Fatalf("second Read: %d rows", len(got))
	}
	notAnswered(t, answer, "before the engine took its last rows")
	stop := readInBackground(f.src)
	(<-answer).check(t, http.StatusOK, fmt.Sprintf(`{"accepted":%d,"rejected":0}`, n))
	stop()
}

func TestIngestCloseRefusesUntakenRequests(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{})
	answer := post(f.base, "application/json", `{"id":1,"name":"a"}`)
	read(t, f.src)
	if err := f.src.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-answer
	if r.status != http.StatusServiceUnavailable || r.retryAfter != "1" {
		t.Errorf("answer %d %s, want 503: the engine never confirmed the rows", r.status, r.body)
	}
	(<-post(f.base, "application/json", `{}`)).check(t, http.StatusNotFound, `{"error":"no http source named \"events\" is running"}`)
	if err := f.src.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestIngestFailPolicy(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{})
	f.bad.fail = true
	answer := post(f.base, "application/x-ndjson", "{\"id\":1,\"name\":\"a\"}\n{\"id\":\"x\"}")
	err := f.src.Read(context.Background(), types.NewBatch(len(schema)))
	if err == nil {
		t.Fatal("Read succeeded past a bad record under on_error = 'fail'")
	}
	r := <-answer
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "bad record at offset 0:1") {
		t.Errorf("answer %d %s, want 422 naming the record", r.status, r.body)
	}
	if got := string(f.src.Offset()); got != "0" {
		t.Errorf("Offset = %s after a failed Read, want 0", got)
	}
	r = <-post(f.base, "application/json", `{"id":2,"name":"b"}`)
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("answer %d %s from a failed source, want 503", r.status, r.body)
	}
}

func TestIngestRequestErrors(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{MaxBodyBytes: 64})
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
		answer                                string
	}{
		{"unknown source", "POST", PathPrefix + "nope", "application/json", `{}`, 404, `{"error":"no http source named \"nope\" is running"}`},
		{"no source name", "POST", PathPrefix, "application/json", `{}`, 404, `{"error":"not found: POST records to /ingest/<source name>"}`},
		{"GET", "GET", PathPrefix + "events", "", "", 405, `{"error":"method GET not allowed: POST records to /ingest/events"}`},
		{"media type", "POST", PathPrefix + "events", "application/xml", `<a/>`, 415, `{"error":"unsupported content type \"application/xml\": send application/json or application/x-ndjson"}`},
		{"broken array", "POST", PathPrefix + "events", "application/json", `[{"id":1},`, 400, `{"error":"invalid JSON array: element 1: the body ends inside the array"}`},
		{"empty JSON", "POST", PathPrefix + "events", "application/json", ` `, 400, `{"error":"empty body: send a JSON object or an array of them"}`},
		{"too large", "POST", PathPrefix + "events", "application/json", strings.Repeat(" ", 65), 413, `{"error":"body larger than 64 bytes: split the request"}`},
		{"no records", "POST", PathPrefix + "EVENTS", "application/json", `[]`, 200, `{"accepted":0,"rejected":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, f.srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || strings.TrimSpace(string(b)) != tt.answer {
				t.Errorf("answer %d %s, want %d %s", resp.StatusCode, b, tt.status, tt.answer)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestIngestRateLimit(t *testing.T) {
	now := time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	f := newFixture(t, SourceConfig{MaxRequestsPerSecond: 2}, HubConfig{Now: clock})
	for range 2 {
		(<-post(f.base, "application/json", `[]`)).check(t, http.StatusOK, `{"accepted":0,"rejected":0}`)
	}
	r := <-post(f.base, "application/json", `[]`)
	if r.status != http.StatusTooManyRequests || r.retryAfter != "1" {
		t.Errorf("third request: %d (Retry-After %q) %s, want 429", r.status, r.retryAfter, r.body)
	}
	mu.Lock()
	now = now.Add(500 * time.Millisecond)
	mu.Unlock()
	(<-post(f.base, "application/json", `[]`)).check(t, http.StatusOK, `{"accepted":0,"rejected":0}`)
}

func TestIngestWithdrawnRequestLeavesTheQueue(t *testing.T) {
	f := newFixture(t, SourceConfig{QueueSize: 1}, HubConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res := f.src.ingest(ctx, [][]byte{[]byte(`{"id":1,"name":"a"}`)}); res.status == http.StatusOK {
		t.Fatalf("a request whose client left was answered 200")
	}
	if len(f.src.queue) != 0 || f.src.queued != 0 {
		t.Fatalf("the withdrawn request is still queued")
	}
	answer := post(f.base, "application/json", `{"id":2,"name":"b"}`)
	if got := read(t, f.src); !slices.Equal(got, []string{"2|b"}) {
		t.Errorf("rows %v, want only the request still waiting", got)
	}
	stop := readInBackground(f.src)
	(<-answer).check(t, http.StatusOK, `{"accepted":1,"rejected":0}`)
	stop()
}

func TestSourceOffsetAndNames(t *testing.T) {
	f := newFixture(t, SourceConfig{}, HubConfig{})
	dup := NewSource(f.hub, SourceConfig{Name: "events", Width: 2})
	if err := dup.Open(context.Background(), nil); types.CodeOf(err) != types.CodeObjectInUse {
		t.Errorf("second source on the same name: %v, want %s", err, types.CodeObjectInUse)
	}
	dup.Close()
	if f.hub.lookup("events") != f.src {
		t.Fatal("closing a source that never opened unregistered the running one")
	}
	resumed := NewSource(f.hub, SourceConfig{Name: "other", Width: 2})
	if err := resumed.Open(context.Background(), []byte("41")); err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if got := string(resumed.Offset()); got != "41" {
		t.Errorf("Offset after resuming = %s, want 41", got)
	}
	bad := NewSource(f.hub, SourceConfig{Name: "third", Width: 2})
	if err := bad.Open(context.Background(), []byte("x")); err == nil {
		t.Error("Open accepted offset x")
	}
}
