package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// backpressurePipeline streams sequential ids with a 100-byte payload
// from a datagen source that emits as fast as it can, through a stream, to
// a webhook sink. The sink's max_backoff is short so that it notices
// quickly when the endpoint recovers.
const backpressurePipeline = `
CREATE SOURCE gen (id BIGINT, payload VARCHAR) WITH (connector = 'datagen', rows = '%[1]d', rate = '0', seed = '3',
  fields.id.kind = 'sequence', fields.payload.length = '100');
CREATE STREAM tagged AS SELECT id, payload, id %% 7 AS bucket FROM gen;
CREATE SINK hook FROM tagged WITH (connector = 'webhook', url = '%[2]s', batch_size = '1000', max_backoff = '200ms');
`

// Sizes of the backpressure test.
const (
	// backpressureRows is how many rows the source makes. Unheld, it makes
	// them within 10 s, far less than the stall, and the million rows
	// beyond the warm-up take about 250 MiB when buffered (a row is two
	// 48-byte datums and a 100-byte string in the source's topic, three
	// datums in the stream's): with the topics' reader queues made
	// unbounded, the server grew from 98 to 335 MiB during the stall.
	backpressureRows = 1_200_000
	// backpressureWarmup is how many rows the endpoint takes before it
	// stalls, so the baseline is a server whose pipeline ran at full speed.
	backpressureWarmup = 200_000
	// backpressureStall is how long the endpoint answers 503.
	backpressureStall = 30 * time.Second
	// backpressureHeadroom is how far the server's RSS may rise above its
	// peak during the warm-up, during the stall and until every row
	// arrived. What a stalled pipeline may hold is a few batches: 4
	// batches of 1024 rows per topic reader (source -> stream -> sink),
	// the one batch the webhook sink queued and the one it is sending,
	// about 3 MiB in all, plus Pebble's memtables (4 MiB each) and the
	// Go heap's growth room (GOGC=100 lets the heap double its live size
	// before a collection). 48 MiB covers that with margin and is a fifth
	// of what buffering the unsent rows takes.
	backpressureHeadroom = 48 << 20
)

// TestBackpressure stalls a webhook sink's endpoint for 30 s while a fast
// source feeds it: the stall must hold the source back, the server's RSS
// must stay within backpressureHeadroom of its warmed-up peak, and once the
// endpoint recovers every row must arrive.
func TestBackpressure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process and stalls for 30 s")
	}
	recv := newStallingReceiver(backpressureRows, backpressureWarmup, backpressureStall)
	endpoint := httptest.NewServer(recv)
	defer endpoint.Close()

	srv := startCrashServer(t, filepath.Join(t.TempDir(), "data"))
	// The server process outlives the test unless killed, pass or fail.
	t.Cleanup(func() {
		srv.cmd.Process.Kill()
		<-srv.exited
	})
	sampler := startRSSSampler(srv.cmd.Process.Pid, 250*time.Millisecond)
	started := time.Now()
	srv.exec(fmt.Sprintf(backpressurePipeline, backpressureRows, endpoint.URL))

	select {
	case <-recv.stalled:
	case <-time.After(30 * time.Second):
		t.Fatalf("the endpoint did not receive %d rows within 30 s: %+v", backpressureWarmup, recv.receipt())
	}
	stallStart, stallEnd := recv.stallWindow()
	baseline := sampler.peakSince(started)

	// Once the buffers between the source and the endpoint filled, the
	// source must not read on: sample its row count a few seconds into the
	// stall and again just before its end.
	time.Sleep(time.Until(stallStart.Add(5 * time.Second)))
	early := pipelineObject(t, srv.httpAddr, "gen")
	time.Sleep(time.Until(stallEnd.Add(-500 * time.Millisecond)))
	late := pipelineObject(t, srv.httpAddr, "gen")
	stallPeak := sampler.peakSince(stallStart)

	waitDelivered(t, recv, srv.httpAddr, "hook", 30*time.Second)
	arrived := time.Now()
	samples, err := sampler.finish()
	if err != nil {
		t.Fatalf("reading the server's RSS: %v", err)
	}
	rc := recv.receipt()
	peak := peakRSS(samples, stallStart, time.Time{})
	t.Logf("RSS: %.1f MiB after the warm-up (%d rows in %v), %.1f MiB peak during the stall, %.1f MiB peak until delivery ended %v after the stall; bound %.1f MiB",
		mib(baseline), backpressureWarmup, stallStart.Sub(started).Round(time.Millisecond), mib(stallPeak), mib(peak),
		arrived.Sub(stallEnd).Round(time.Millisecond), mib(baseline+backpressureHeadroom))
	t.Logf("RSS curve: %s", rssCurve(samples, started, 2*time.Second))
	t.Logf("source rows read: %d five seconds into the stall, %d at its end; endpoint: %d requests refused, %d repeats dropped",
		early.RowsIn, late.RowsIn, rc.refused, rc.repeats)

	if rc.refused == 0 {
		t.Errorf("the endpoint never refused a request: the sink was not stalled")
	}
	if late.RowsIn != early.RowsIn || late.RowsIn >= backpressureRows {
		t.Errorf("the source read %d rows five seconds into the stall and %d at its end (of %d): a stalled sink must hold its source back",
			early.RowsIn, late.RowsIn, backpressureRows)
	}
	if peak > baseline+backpressureHeadroom {
		t.Errorf("server RSS peaked at %.1f MiB, over the bound of %.1f MiB (%.1f MiB after the warm-up + %.1f MiB)",
			mib(peak), mib(baseline+backpressureHeadroom), mib(baseline), mib(backpressureHeadroom))
	}
	if rc.badBody != nil || rc.outOfRange > 0 {
		t.Errorf("the endpoint received rows it cannot read: %d ids out of range, body error %v", rc.outOfRange, rc.badBody)
	}
	if rc.missingCount > 0 || rc.duplicatedCount > 0 {
		t.Errorf("after recovery %d of %d ids are missing (first %v) and %d arrived more than once (first %v); sink %+v",
			rc.missingCount, backpressureRows, rc.missing, rc.duplicatedCount, rc.duplicated, pipelineObject(t, srv.httpAddr, "hook"))
	}
}

// waitDelivered returns once every id reached the receiver, once the sink
// stopped (its input ended and its last flush returned, or it failed:
// nothing more will come) or after limit.
func waitDelivered(t *testing.T, recv *stallingReceiver, httpAddr, sink string, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-recv.complete:
			return
		case <-deadline:
			return
		case <-poll.C:
			if pipelineObject(t, httpAddr, sink).Pipeline != "running" {
				return
			}
		}
	}
}

// pipelineState is one object of GET /api/pipelines.
type pipelineState struct {
	Name      string `json:"name"`
	Pipeline  string `json:"pipeline"`
	RowsIn    int64  `json:"rows_in"`
	RowsOut   int64  `json:"rows_out"`
	Errors    int64  `json:"errors"`
	LastError string `json:"last_error"`
}

// pipelineObject returns the object named name from the server's
// /api/pipelines.
func pipelineObject(t *testing.T, httpAddr, name string) pipelineState {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + "/api/pipelines")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Objects []pipelineState `json:"objects"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("/api/pipelines: %v", err)
	}
	for _, o := range got.Objects {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("/api/pipelines has no object %q", name)
	return pipelineState{}
}

// rssCurve summarises samples as the peak RSS in MiB of each step since
// start, e.g. "0s:41 2s:58 4s:60".
func rssCurve(samples []rssSample, start time.Time, step time.Duration) string {
	var b strings.Builder
	for from := start; len(samples) > 0 && !from.After(samples[len(samples)-1].at); from = from.Add(step) {
		if peak := peakRSS(samples, from, from.Add(step)); peak > 0 {
			fmt.Fprintf(&b, "%v:%.0f ", from.Sub(start).Round(time.Second), mib(peak))
		}
	}
	return strings.TrimSpace(b.String())
}
