package httpapi

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/storage"
)

// fakeEngine serves snapshots a test sets.
type fakeEngine struct {
	mu      sync.Mutex
	snap    engine.Snapshot
	stopped bool
}

func (f *fakeEngine) Metrics() engine.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeEngine) Running() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.stopped
}

// weirdName is a quoted identifier holding every character the format
// escapes.
const weirdName = "we\"ird\\na\nme"

var snapTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// testSnapshot is a pipeline src -> weirdName -> out with counters scaled
// by n, and one novelty context.
func testSnapshot(n int64) engine.Snapshot {
	var scores engine.ScoreHistogram
	for i := range n {
		scores.Observe(float64(i%10) / 10)
	}
	mark := snapTime.Add(-90 * time.Second)
	return engine.Snapshot{
		Time: snapTime.Add(time.Duration(n) * time.Second),
		Objects: []engine.ObjectMetrics{
			{Kind: "source", Name: "novelty_errors", Pipeline: engine.PipelineNone, RowsIn: n},
			{Kind: "source", Name: "src", Connector: "datagen", Pipeline: engine.PipelineRunning, RowsIn: 100 * n,
				Errors: n, Watermark: mark, WatermarkLag: 90*time.Second + time.Duration(n)*time.Second},
			{Kind: "stream", Name: weirdName, Inputs: []string{"src"}, Pipeline: engine.PipelineRunning,
				RowsIn: 100 * n, RowsOut: 50 * n, LateRows: 2 * n, StateBytes: 512, Operators: []engine.OperatorMetrics{
					{ID: "0:WindowAggregate", Inputs: []string{"1:Filter"}, RowsIn: 60 * n, RowsOut: 50 * n, Batches: n,
						Stateful: true, StateBytes: 512},
					{ID: "1:Filter", Inputs: []string{"2:Scan"}, RowsIn: 100 * n, RowsOut: 60 * n, Batches: 2 * n},
					{ID: "2:Scan", RowsOut: 100 * n, Batches: 3 * n},
				}},
			{Kind: "sink", Name: "out", Connector: "file", Inputs: []string{weirdName}, Pipeline: engine.PipelineFailed,
				RowsOut: 40 * n, Errors: 3 * n, SinkRetries: 2 * n, LastError: "disk full"},
			{Kind: "table", Name: "t", Pipeline: engine.PipelineNone},
		},
		Novelty: []engine.NoveltyMetrics{{Name: weirdName, Observations: n, Nodes: 7, Bytes: 4096, Scores: scores.Counts()}},
		Checkpoints: engine.CheckpointStats{Last: 40 + uint64(n), Completed: 30 + n, Failed: 2,
			LastDuration: 250 * time.Millisecond, LastBytes: 1 << 20},
		Disk: storage.DiskStatus{Held: true, Space: storage.DiskSpace{AvailBytes: 100 << 20, TotalBytes: 1 << 30}, MinFreeBytes: 256 << 20},
	}
}

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func scrape(t *testing.T, h http.Handler) map[string]*family {
	t.Helper()
	resp := get(t, h, "/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	text := body(t, resp)
	families, err := parseExposition(text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return families
}

// find returns the value of the sample named name whose labels include
// want; ok is false if there is none.
func find(families map[string]*family, name string, want map[string]string) (float64, bool) {
	for _, f := range families {
		for _, s := range f.samples {
			match := s.name == name
			for k, v := range want {
				match = match && s.labels[k] == v
			}
			if match {
				return s.value, true
			}
		}
	}
	return 0, false
}

func TestMetricsExposition(t *testing.T) {
	families := scrape(t, New(&fakeEngine{snap: testSnapshot(10)}))
	types := map[string]string{}
	for name, f := range families {
		types[name] = f.typ
		if f.help == "" {
			t.Errorf("%s has no HELP", name)
		}
	}
	wantTypes := map[string]string{
		"novelty_rows_in_total": "counter", "novelty_rows_out_total": "counter", "novelty_errors_total": "counter",
		"novelty_late_rows_total": "counter", "novelty_watermark_seconds": "gauge", "novelty_watermark_lag_seconds": "gauge",
		"novelty_pipeline_running": "gauge", "novelty_context_observations_total": "counter",
		"novelty_context_nodes": "gauge", "novelty_context_bytes": "gauge", "novelty_context_score": "histogram",
		"novelty_checkpoints_total": "counter", "novelty_checkpoint_last": "gauge",
		"novelty_checkpoint_duration_seconds": "gauge", "novelty_checkpoint_bytes": "gauge",
		"novelty_disk_paused": "gauge", "novelty_disk_free_bytes": "gauge", "novelty_disk_min_free_bytes": "gauge",
		"novelty_state_bytes": "gauge", "novelty_operator_rows_in_total": "counter",
		"novelty_operator_rows_out_total": "counter", "novelty_operator_batches_total": "counter",
		"novelty_operator_state_bytes": "gauge", "novelty_sink_retries_total": "counter",
	}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Errorf("families = %v, want %v", types, wantTypes)
	}
	stream := map[string]string{"kind": "stream", "name": weirdName}
	for _, tc := range []struct {
		metric string
		labels map[string]string
		want   float64 // NaN: no such sample
	}{
		{"novelty_rows_in_total", map[string]string{"kind": "source", "name": "src"}, 1000},
		{"novelty_rows_in_total", stream, 1000},
		{"novelty_rows_in_total", map[string]string{"kind": "sink"}, math.NaN()},
		{"novelty_state_bytes", stream, 512},
		{"novelty_state_bytes", map[string]string{"kind": "source"}, math.NaN()},
		{"novelty_operator_rows_in_total", map[string]string{"stream": weirdName, "operator": "0:WindowAggregate"}, 600},
		{"novelty_operator_rows_in_total", map[string]string{"stream": weirdName, "operator": "1:Filter"}, 1000},
		{"novelty_operator_rows_in_total", map[string]string{"operator": "2:Scan"}, math.NaN()},
		{"novelty_operator_rows_out_total", map[string]string{"stream": weirdName, "operator": "1:Filter"}, 600},
		{"novelty_operator_rows_out_total", map[string]string{"stream": weirdName, "operator": "2:Scan"}, 1000},
		{"novelty_operator_batches_total", map[string]string{"stream": weirdName, "operator": "2:Scan"}, 30},
		{"novelty_operator_state_bytes", map[string]string{"stream": weirdName, "operator": "0:WindowAggregate"}, 512},
		{"novelty_operator_state_bytes", map[string]string{"operator": "1:Filter"}, math.NaN()},
		{"novelty_rows_out_total", stream, 500},
		{"novelty_rows_out_total", map[string]string{"kind": "sink", "name": "out"}, 400},
		{"novelty_rows_out_total", map[string]string{"kind": "source"}, math.NaN()},
		{"novelty_errors_total", map[string]string{"kind": "sink", "name": "out"}, 30},
		{"novelty_errors_total", map[string]string{"kind": "table"}, math.NaN()},
		{"novelty_sink_retries_total", map[string]string{"kind": "sink", "name": "out"}, 20},
		{"novelty_sink_retries_total", stream, math.NaN()},
		{"novelty_late_rows_total", stream, 20},
		{"novelty_watermark_seconds", map[string]string{"name": "src"}, float64(snapTime.Unix() - 90)},
		{"novelty_watermark_lag_seconds", map[string]string{"name": "src"}, 100},
		{"novelty_watermark_lag_seconds", stream, math.NaN()},
		{"novelty_pipeline_running", stream, 1},
		{"novelty_pipeline_running", map[string]string{"name": "out"}, 0},
		{"novelty_pipeline_running", map[string]string{"name": "novelty_errors"}, math.NaN()},
		{"novelty_context_observations_total", map[string]string{"context": weirdName}, 10},
		{"novelty_context_bytes", map[string]string{"context": weirdName}, 4096},
		// Scores 0, 0.1, ..., 0.9 once each: two at most 0.1, all at most 1.
		{"novelty_context_score_bucket", map[string]string{"context": weirdName, "le": "0.1"}, 2},
		{"novelty_context_score_bucket", map[string]string{"context": weirdName, "le": "0.15"}, 2},
		{"novelty_context_score_bucket", map[string]string{"context": weirdName, "le": "1"}, 10},
		{"novelty_context_score_bucket", map[string]string{"context": weirdName, "le": "+Inf"}, 10},
		{"novelty_context_score_count", map[string]string{"context": weirdName}, 10},
		{"novelty_checkpoints_total", map[string]string{"result": "completed"}, 40},
		{"novelty_checkpoints_total", map[string]string{"result": "failed"}, 2},
		{"novelty_checkpoint_last", nil, 50},
		{"novelty_checkpoint_duration_seconds", nil, 0.25},
		{"novelty_checkpoint_bytes", nil, 1 << 20},
		{"novelty_disk_paused", nil, 1},
		{"novelty_disk_free_bytes", nil, 100 << 20},
		{"novelty_disk_min_free_bytes", nil, 256 << 20},
	} {
		got, ok := find(families, tc.metric, tc.labels)
		switch {
		case math.IsNaN(tc.want) && ok:
			t.Errorf("%s%v = %v, want no sample", tc.metric, tc.labels, got)
		case !math.IsNaN(tc.want) && (!ok || math.Abs(got-tc.want) > 1e-9):
			t.Errorf("%s%v = %v (found %v), want %v", tc.metric, tc.labels, got, ok, tc.want)
		}
	}
	if sum, _ := find(families, "novelty_context_score_sum", nil); math.Abs(sum-4.5) > 1e-9 {
		t.Errorf("score sum = %v, want 4.5", sum)
	}
	var buckets []float64
	for _, s := range families["novelty_context_score"].samples {
		if s.name == "novelty_context_score_bucket" {
			buckets = append(buckets, s.value)
		}
	}
	if len(buckets) != engine.ScoreBuckets+1 {
		t.Errorf("%d buckets, want %d and +Inf", len(buckets), engine.ScoreBuckets)
	}
	for i := 1; i < len(buckets); i++ {
		if buckets[i] < buckets[i-1] {
			t.Errorf("buckets not cumulative: %v", buckets)
		}
	}
}

// TestMetricsEscaping checks the raw text of an escaped label and HELP.
func TestMetricsEscaping(t *testing.T) {
	text := body(t, get(t, New(&fakeEngine{snap: testSnapshot(1)}), "/metrics"))
	for _, want := range []string{
		`novelty_rows_out_total{kind="stream",name="we\"ird\\na\nme"} 50` + "\n",
		`novelty_context_nodes{context="we\"ird\\na\nme"} 7` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q:\n%s", want, text)
		}
	}
	if got := string(appendHeader(nil, "m", "gauge", "a \\ \"b\"\nc")); got != "# HELP m a \\\\ \"b\"\\nc\n# TYPE m gauge\n" {
		t.Errorf("header = %q", got)
	}
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {12345678901, "12345678901"}, {-3, "-3"}, {0.25, "0.25"}, {1e300, "1e+300"},
		{math.Inf(1), "+Inf"}, {math.Inf(-1), "-Inf"}, {math.NaN(), "NaN"},
	} {
		if got := string(appendValue(nil, tc.v)); got != tc.want {
			t.Errorf("appendValue(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestMetricsCountersMonotonic scrapes while the counters grow: no counter
// sample goes down between scrapes.
func TestMetricsCountersMonotonic(t *testing.T) {
	f := &fakeEngine{}
	h := New(f)
	var before map[string]float64
	for n := int64(1); n <= 5; n++ {
		f.mu.Lock()
		f.snap = testSnapshot(n * n)
		f.mu.Unlock()
		now := map[string]float64{}
		for _, fam := range scrape(t, h) {
			if fam.typ != "counter" && fam.typ != "histogram" {
				continue
			}
			for _, s := range fam.samples {
				now[s.series] = s.value
				if prev, ok := before[s.series]; ok && s.value < prev {
					t.Errorf("scrape %d: %s went from %v to %v", n, s.series, prev, s.value)
				}
			}
		}
		if before != nil && len(now) != len(before) {
			t.Errorf("scrape %d has %d counter series, the one before %d", n, len(now), len(before))
		}
		before = now
	}
}

func TestParseExpositionRejects(t *testing.T) {
	for _, text := range []string{
		"m 1\n",
		"# TYPE m counter\nm{a=\"x\"} 1\nm{a=\"x\"} 2\n",
		"# TYPE m counter\nm{a=\"x\"y\"} 1\n",
		"# TYPE m counter\nm{a=\"\\q\"} 1\n",
		"# TYPE m counter\nm{1a=\"x\"} 1\n",
		"# TYPE m counter\nm one\n",
		"# TYPE m counter\n# TYPE n gauge\nm 1\n",
		"# TYPE m counter\nm 1",
	} {
		if _, err := parseExposition(text); err == nil {
			t.Errorf("parseExposition(%q) accepted it", text)
		}
	}
}

func TestHealthz(t *testing.T) {
	f := &fakeEngine{}
	h := New(f)
	if resp := get(t, h, "/healthz"); resp.StatusCode != http.StatusOK || body(t, resp) != "ok\n" {
		t.Errorf("running: %s", resp.Status)
	}
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	if resp := get(t, h, "/healthz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("stopped: %s, want 503", resp.Status)
	}
}

func TestPipelinesJSON(t *testing.T) {
	resp := get(t, New(&fakeEngine{snap: testSnapshot(10)}), "/api/pipelines")
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got struct {
		Time    time.Time `json:"time"`
		Running bool      `json:"running"`
		Objects []struct {
			Kind                string     `json:"kind"`
			Name                string     `json:"name"`
			Inputs              []string   `json:"inputs"`
			Pipeline            string     `json:"pipeline"`
			RowsIn              int64      `json:"rows_in"`
			RowsOut             int64      `json:"rows_out"`
			Watermark           *time.Time `json:"watermark"`
			WatermarkLagSeconds *float64   `json:"watermark_lag_seconds"`
			LastError           string     `json:"last_error"`
			StateBytes          int64      `json:"state_bytes"`
			Operators           []struct {
				ID         string   `json:"id"`
				Inputs     []string `json:"inputs"`
				RowsIn     int64    `json:"rows_in"`
				RowsOut    int64    `json:"rows_out"`
				Batches    int64    `json:"batches"`
				Stateful   bool     `json:"stateful"`
				StateBytes int64    `json:"state_bytes"`
			} `json:"operators"`
		} `json:"objects"`
		Novelty []struct {
			Name   string `json:"name"`
			Scores struct {
				Bounds []float64 `json:"bounds"`
				Counts []uint64  `json:"counts"`
				Count  uint64    `json:"count"`
			} `json:"scores"`
		} `json:"novelty"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(snapTime.Add(10*time.Second)) || !got.Running || len(got.Objects) != 5 {
		t.Fatalf("got %+v", got)
	}
	src, stream, sink := got.Objects[1], got.Objects[2], got.Objects[3]
	if src.RowsIn != 1000 || src.Watermark == nil || *src.WatermarkLagSeconds != 100 || src.Inputs == nil {
		t.Errorf("src = %+v", src)
	}
	if stream.Name != weirdName || stream.Watermark != nil || stream.WatermarkLagSeconds != nil ||
		!reflect.DeepEqual(stream.Inputs, []string{"src"}) || stream.StateBytes != 512 || len(stream.Operators) != 3 {
		t.Fatalf("stream = %+v", stream)
	}
	if window, scan := stream.Operators[0], stream.Operators[2]; window.ID != "0:WindowAggregate" ||
		!reflect.DeepEqual(window.Inputs, []string{"1:Filter"}) || window.RowsIn != 600 || window.RowsOut != 500 ||
		window.Batches != 10 || !window.Stateful || window.StateBytes != 512 || scan.Inputs == nil || scan.Stateful {
		t.Errorf("operators = %+v", stream.Operators)
	}
	if src.StateBytes != 0 || src.Operators != nil {
		t.Errorf("src has stream figures: %+v", src)
	}
	if sink.Pipeline != engine.PipelineFailed || sink.LastError != "disk full" {
		t.Errorf("sink = %+v", sink)
	}
	if len(got.Novelty) != 1 {
		t.Fatalf("novelty = %+v", got.Novelty)
	}
	sc := got.Novelty[0].Scores
	if len(sc.Bounds) != engine.ScoreBuckets || len(sc.Counts) != engine.ScoreBuckets || sc.Bounds[0] != 0.05 ||
		sc.Bounds[engine.ScoreBuckets-1] != 1 || sc.Count != 10 || sc.Counts[0] != 1 || sc.Counts[1] != 1 {
		t.Errorf("scores = %+v", sc)
	}
}

func TestPageAndRoutes(t *testing.T) {
	h := New(&fakeEngine{})
	resp := get(t, h, "/")
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		!strings.Contains(page, `fetch("api/pipelines"`) {
		t.Errorf("GET /: %s %q", resp.Status, page[:min(len(page), 200)])
	}
	if resp := get(t, h, "/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope: %s, want 404", resp.Status)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", rec.Code)
	}
	// Callers mount their own routes next to these.
	h.HandleFunc("POST /ingest/{source}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "took "+r.PathValue("source"))
	})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/ingest/clicks", nil))
	if rec.Body.String() != "took clicks" {
		t.Errorf("mounted route: %d %q", rec.Code, rec.Body.String())
	}
}
