package webhook

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

var secret = []byte("s3cret")

// step is what the test endpoint does with one request.
type step uint8

const (
	accept        step = iota // 204: the rows are taken
	fail500                   // 500
	hang                      // no answer until the client gives up
	tooMany                   // 429 with Retry-After: 7
	badRequest                // 400 with an error body
	redirect                  // 307 to /elsewhere
	unavailable30             // 503 with Retry-After: 30
)

// received is one request as the endpoint saw it.
type received struct {
	header http.Header
	body   []byte
}

// endpoint answers requests by its script, then accepts everything.
type endpoint struct {
	mu       sync.Mutex
	script   []step
	requests []received
	accepted [][]int64 // the row ids of each accepted request, in order
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	s := accept
	if len(e.script) > 0 {
		s, e.script = e.script[0], e.script[1:]
	}
	e.requests = append(e.requests, received{header: r.Header.Clone(), body: body})
	e.mu.Unlock()
	switch s {
	case accept:
		ids, err := rowIDs(r.Header.Get("Content-Type"), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.accepted = append(e.accepted, ids)
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case fail500:
		http.Error(w, "database is down", http.StatusInternalServerError)
	case hang:
		<-r.Context().Done()
	case tooMany:
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	case badRequest:
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"field id must be a string"}`)
	case redirect:
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	case unavailable30:
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

// rowIDs reads the id of every row object of a body.
func rowIDs(contentType string, body []byte) ([]int64, error) {
	type row struct {
		ID   *int64 `json:"id"`
		Name string `json:"name"`
	}
	var rows []row
	switch contentType {
	case "application/json":
		if err := json.Unmarshal(body, &rows); err != nil {
			return nil, err
		}
	case "application/x-ndjson":
		if len(body) == 0 || body[len(body)-1] != '\n' {
			return nil, errors.New("JSON lines body does not end in a line break")
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
			var r row
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				return nil, err
			}
			rows = append(rows, r)
		}
	default:
		return nil, fmt.Errorf("unexpected content type %q", contentType)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		if r.ID == nil || r.Name != fmt.Sprintf("user%d", *r.ID) {
			return nil, fmt.Errorf("row %d is not one the test wrote", i)
		}
		ids[i] = *r.ID
	}
	return ids, nil
}

// sleeper records the waits asked for instead of waiting; after limit
// waits it cancels the context it was given (cancel), if any.
type sleeper struct {
	waits  []time.Duration
	limit  int
	cancel context.CancelFunc
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	if s.cancel != nil && len(s.waits) >= s.limit {
		s.cancel()
	}
	return ctx.Err()
}

type fixture struct {
	endpoint *endpoint
	sleeper  *sleeper
	sink     *Sink
}

func newFixture(t *testing.T, cfg Config, script ...step) *fixture {
	t.Helper()
	e := &endpoint{script: script}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	sl := &sleeper{}
	cfg.Name = "alerts"
	cfg.URL = srv.URL + "/hook?token=abc"
	cfg.Encoder = format.NewJSONEncoder(schema)
	cfg.Sleep = sl.sleep
	cfg.Jitter = func(limit time.Duration) time.Duration { return limit }
	cfg.Now = func() time.Time { return time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC) }
	if cfg.Timeout == 0 {
		cfg.Timeout = 50 * time.Millisecond
	}
	s, err := NewSink(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &fixture{endpoint: e, sleeper: sl, sink: s}
}

// batch returns rows with ids from to to-1, named user<id>.
func batch(from, to int64) *types.Batch {
	b := types.NewBatch(len(schema))
	for id := from; id < to; id++ {
		row := b.AppendRow()
		row[0] = types.NewInt(id)
		row[1] = types.NewText(fmt.Sprintf("user%d", id))
	}
	return b
}

func ids(from, to int64) []int64 {
	var out []int64
	for id := from; id < to; id++ {
		out = append(out, id)
	}
	return out
}

func (f *fixture) write(t *testing.T, b *types.Batch) {
	t.Helper()
	if err := f.sink.Write(context.Background(), b); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func (f *fixture) checkAccepted(t *testing.T, want ...[]int64) {
	t.Helper()
	f.endpoint.mu.Lock()
	defer f.endpoint.mu.Unlock()
	if !slices.EqualFunc(f.endpoint.accepted, want, slices.Equal) {
		t.Errorf("accepted requests = %v, want %v", f.endpoint.accepted, want)
	}
}

func TestSinkRetriesUntilDelivered(t *testing.T) {
	headers, err := ParseHeaders("Authorization: Bearer x; X-Team: a")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Config{BatchSize: 100, SigningSecret: secret, Headers: headers},
		fail500, hang, tooMany, accept, fail500)
	b := batch(0, 250)
	f.write(t, b)
	b.Reset(len(schema)) // the sink must not have kept the batch
	if err := f.sink.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	f.checkAccepted(t, ids(0, 100), ids(100, 200), ids(200, 250))
	wantWaits := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 7 * time.Second, 100 * time.Millisecond}
	if !slices.Equal(f.sleeper.waits, wantWaits) {
		t.Errorf("waits = %v, want %v (full jitter at its limit, Retry-After honoured, reset after success)", f.sleeper.waits, wantWaits)
	}
	reqs := f.endpoint.requests
	if len(reqs) != 7 {
		t.Fatalf("endpoint got %d requests, want 7", len(reqs))
	}
	keys := make([]string, len(reqs))
	for i, r := range reqs {
		keys[i] = r.header.Get(IdempotencyKeyHeader)
		if got, want := r.header.Get(SignatureHeader), Sign(secret, r.body); got != want {
			t.Errorf("request %d: signature %q, want %q", i, got, want)
		}
		if got := r.header.Get("Authorization"); got != "Bearer x" {
			t.Errorf("request %d: Authorization %q, want %q", i, got, "Bearer x")
		}
		if got := r.header.Get("X-Team"); got != "a" {
			t.Errorf("request %d: X-Team %q, want %q", i, got, "a")
		}
		if got := r.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, got)
		}
	}
	if keys[0] == "" || keys[0] != keys[3] || keys[4] != keys[5] || keys[3] == keys[4] || keys[5] == keys[6] {
		t.Errorf("idempotency keys %q: want one per batch, the same on its retries", keys)
	}
}

func TestSinkSignatureVerifiable(t *testing.T) {
	f := newFixture(t, Config{SigningSecret: secret})
	f.write(t, batch(7, 8))
	if err := f.sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := f.endpoint.requests[0]
	if want := `[{"id":7,"name":"user7"}]`; string(r.body) != want {
		t.Errorf("body %s, want %s", r.body, want)
	}
	// The HMAC-SHA256 of that body keyed with "s3cret", computed with
	// Python's hmac module.
	const want = "sha256=6f2e17f25d0eae39fc76ae22f326f4965d63306885c90906214e3fc9bf614ca1"
	if got := r.header.Get(SignatureHeader); got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
}

func TestSinkJSONLines(t *testing.T) {
	f := newFixture(t, Config{Format: FormatJSONLines, BatchSize: 2})
	f.write(t, batch(0, 3))
	if err := f.sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.checkAccepted(t, ids(0, 2), ids(2, 3))
	if got, want := string(f.endpoint.requests[0].body), "{\"id\":0,\"name\":\"user0\"}\n{\"id\":1,\"name\":\"user1\"}\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
}

func TestSinkPermanentFailure(t *testing.T) {
	f := newFixture(t, Config{}, badRequest)
	f.write(t, batch(0, 10))
	err := f.sink.Flush(context.Background())
	if err == nil {
		t.Fatal("Flush succeeded against a 400")
	}
	for _, want := range []string{"alerts", "400 Bad Request", `{"error":"field id must be a string"}`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "token=abc") {
		t.Errorf("error %q quotes the URL's query", err)
	}
	if code := types.CodeOf(err); code != codeConnectionFailure {
		t.Errorf("SQLSTATE %s, want %s", code, codeConnectionFailure)
	}
	if len(f.sleeper.waits) != 0 {
		t.Errorf("a permanent failure was retried after %v", f.sleeper.waits)
	}
	// The rows stay queued: the engine's retried Flush delivers them.
	if err := f.sink.Flush(context.Background()); err != nil {
		t.Fatalf("second Flush: %v", err)
	}
	f.checkAccepted(t, ids(0, 10))
}

func TestSinkFailedWriteDidNotTakeBatch(t *testing.T) {
	f := newFixture(t, Config{BatchSize: 2}, badRequest)
	f.write(t, batch(0, 3))
	if len(f.endpoint.requests) != 0 {
		t.Fatalf("Write sent rows of its own batch")
	}
	next := batch(3, 4)
	if err := f.sink.Write(context.Background(), next); err == nil {
		t.Fatal("Write succeeded although the queued request was refused")
	}
	f.write(t, next) // the engine writes the same batch again
	if err := f.sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.checkAccepted(t, ids(0, 2), ids(2, 4))
}

func TestSinkRetryAfterCappedAtMaxBackoff(t *testing.T) {
	f := newFixture(t, Config{MaxBackoff: 5 * time.Second}, unavailable30)
	f.write(t, batch(0, 1))
	if err := f.sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{5 * time.Second}; !slices.Equal(f.sleeper.waits, want) {
		t.Errorf("waits = %v, want %v", f.sleeper.waits, want)
	}
}

func TestSinkBlocksWhileDownUntilContextDone(t *testing.T) {
	script := slices.Repeat([]step{fail500}, 10)
	f := newFixture(t, Config{MaxBackoff: time.Second}, script...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.sleeper.limit, f.sleeper.cancel = 8, cancel
	f.write(t, batch(0, 5))
	err := f.sink.Flush(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("Flush = %v, want context.Canceled naming the last 500", err)
	}
	wantWaits := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000, 1000}
	for i := range wantWaits {
		wantWaits[i] *= time.Millisecond
	}
	if !slices.Equal(f.sleeper.waits, wantWaits) {
		t.Errorf("waits = %v, want %v", f.sleeper.waits, wantWaits)
	}
	f.sleeper.cancel = nil
	if err := f.sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.checkAccepted(t, ids(0, 5))
}

func TestSinkRedirectIsPermanent(t *testing.T) {
	f := newFixture(t, Config{}, redirect)
	f.write(t, batch(0, 1))
	err := f.sink.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "307") || !strings.Contains(err.Error(), "/elsewhere") {
		t.Fatalf("Flush = %v, want a 307 naming the redirect target", err)
	}
}

func TestSinkCloseSendsQueuedRowsOnce(t *testing.T) {
	f := newFixture(t, Config{BatchSize: 4})
	f.write(t, batch(0, 6))
	if err := f.sink.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.sink.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	f.checkAccepted(t, ids(0, 4), ids(4, 6))
	if err := f.sink.Write(context.Background(), batch(6, 7)); err == nil {
		t.Error("Write after Close succeeded")
	}
}

func TestSinkCloseDoesNotRetry(t *testing.T) {
	f := newFixture(t, Config{}, fail500)
	f.write(t, batch(0, 2))
	if err := f.sink.Close(); err == nil {
		t.Error("Close reported success for rows the endpoint refused")
	}
	if len(f.endpoint.requests) != 1 || len(f.sleeper.waits) != 0 {
		t.Errorf("Close made %d requests and %d waits, want 1 and 0", len(f.endpoint.requests), len(f.sleeper.waits))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"Wed, 31 Jan 2024 12:00:30 GMT", 30 * time.Second},
		{"Wed, 31 Jan 2024 11:00:00 GMT", 0},
		{"99999999999999999999", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestNewSinkRejectsURL(t *testing.T) {
	for _, u := range []string{"", "ftp://host/x", "http://", "127.0.0.1:8088/hook", "://x"} {
		_, err := NewSink(Config{URL: u, Encoder: format.NewJSONEncoder(schema)})
		if err == nil || !strings.Contains(err.Error(), `option "url"`) {
			t.Errorf("NewSink(url %q) = %v, want an error naming the url option", u, err)
		}
	}
}

func TestSinkTimeoutNamed(t *testing.T) {
	f := newFixture(t, Config{}, hang)
	f.write(t, batch(0, 1))
	err := f.sink.Close()
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms (option timeout)") {
		t.Fatalf("Close = %v, want the timeout named", err)
	}
}
