package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startHTTPServer starts the server with --http on a free port and returns
// it with the endpoint's base URL.
func startHTTPServer(t *testing.T) (*logicServer, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &logicServer{t: t, dir: t.TempDir(), cancel: cancel, done: make(chan error, 1)}
	ready, httpReady := make(chan net.Addr, 1), make(chan net.Addr, 1)
	cfg := serveConfig{listen: "127.0.0.1:0", dataDir: s.dir, http: "127.0.0.1:0", httpReady: httpReady}
	go func() {
		s.done <- runServer(ctx, cfg, slog.New(slog.DiscardHandler), ready)
	}()
	var base string
	for base == "" || s.addr == "" {
		select {
		case addr := <-httpReady:
			base = "http://" + addr.String()
		case addr := <-ready:
			s.addr = addr.String()
		case err := <-s.done:
			t.Fatalf("server did not start: %v", err)
		}
	}
	return s, base
}

// startFlowingPipeline creates a datagen source read by a stream scoring
// novelty, into a file sink: rows keep flowing until the server stops.
func startFlowingPipeline(t *testing.T, srv *logicServer) {
	t.Helper()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer conn.Close(ctx)
	for _, sql := range []string{
		`CREATE SOURCE clicks (ts TIMESTAMP, page TEXT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
			WITH (connector = 'datagen', rate = '2000', fields.page.values = 'home,cart,checkout')`,
		`CREATE STREAM scored AS SELECT page, novelty_score(page) AS score FROM clicks`,
		`CREATE SINK archive FROM scored WITH (connector = 'file', path = 'scored.jsonl')`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// metricValue finds the sample line `series value` in a scrape.
func metricValue(scrape, series string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(scrape))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// waitFor polls cond until it holds or 20s passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHTTPEndpoint runs `serve --http` and scrapes it while rows flow.
func TestHTTPEndpoint(t *testing.T) {
	srv, base := startHTTPServer(t)
	stopped := false
	defer func() {
		if !stopped {
			srv.stop()
		}
	}()
	if code, body := httpGet(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	startFlowingPipeline(t, srv)

	const rowsIn = `novelty_rows_in_total{kind="source",name="clicks"}`
	var first float64
	waitFor(t, "rows in the source", func() bool {
		_, scrape := httpGet(t, base+"/metrics")
		first, _ = metricValue(scrape, rowsIn)
		return first > 0
	})
	var scrape string
	waitFor(t, "the counters to grow and the sink to deliver", func() bool {
		_, scrape = httpGet(t, base+"/metrics")
		now, _ := metricValue(scrape, rowsIn)
		out, _ := metricValue(scrape, `novelty_rows_out_total{kind="sink",name="archive"}`)
		return now > first && out > 0
	})
	for _, series := range []string{
		`novelty_rows_out_total{kind="stream",name="scored"}`,
		`novelty_watermark_lag_seconds{kind="source",name="clicks"}`,
		`novelty_pipeline_running{kind="sink",name="archive"}`,
		`novelty_context_observations_total{context="scored"}`,
		`novelty_context_score_count{context="scored"}`,
	} {
		if _, ok := metricValue(scrape, series); !ok {
			t.Errorf("scrape lacks %s:\n%s", series, scrape)
		}
	}

	code, body := httpGet(t, base+"/api/pipelines")
	var snap struct {
		Objects []struct {
			Name   string   `json:"name"`
			Inputs []string `json:"inputs"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(body), &snap); code != http.StatusOK || err != nil {
		t.Fatalf("/api/pipelines = %d %v: %s", code, err, body)
	}
	inputs := map[string]string{}
	for _, o := range snap.Objects {
		inputs[o.Name] = strings.Join(o.Inputs, ",")
	}
	if inputs["scored"] != "clicks" || inputs["archive"] != "scored" {
		t.Errorf("inputs = %v", inputs)
	}
	if code, _ := httpGet(t, base+"/"); code != http.StatusOK {
		t.Errorf("GET / = %d", code)
	}

	srv.stop()
	stopped = true
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the HTTP endpoint still answers after the server stopped")
	}
}

// TestServeHTTPFlag checks a bad --http fails the start.
func TestServeHTTPFlag(t *testing.T) {
	err := runServer(context.Background(), serveConfig{listen: "127.0.0.1:0", dataDir: t.TempDir(), http: "127.0.0.1:notaport"},
		slog.New(slog.DiscardHandler), nil)
	if err == nil || !strings.Contains(err.Error(), "--http") {
		t.Errorf("runServer = %v, want an --http error", err)
	}
}

// chromiumArgs run Chromium headless and offline, letting the page's
// timers run for 5 virtual seconds.
func chromiumArgs(userDir string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + userDir, "--virtual-time-budget=5000"}
}

func runChromium(t *testing.T, path string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// ratePattern is a rate figure as the page prints it.
var ratePattern = regexp.MustCompile(`>[0-9][0-9,]*(\.[0-9])? rows/s<`)

// TestWebPageInChromium loads the web page in headless Chromium while rows
// flow: the graph shows the pipeline's objects with live rates, and the
// page renders to a PNG.
func TestWebPageInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		requireClient(t, "chromium", err)
	}
	srv, base := startHTTPServer(t)
	defer srv.stop()
	startFlowingPipeline(t, srv)
	waitFor(t, "rows in the sink", func() bool {
		_, scrape := httpGet(t, base+"/metrics")
		out, _ := metricValue(scrape, `novelty_rows_out_total{kind="sink",name="archive"}`)
		return out > 0
	})

	tmp := t.TempDir()
	dom := string(runChromium(t, chromium, append(chromiumArgs(filepath.Join(tmp, "dom")), "--dump-dom", base+"/")...))
	for _, name := range []string{"clicks", "scored", "archive"} {
		if !strings.Contains(dom, fmt.Sprintf(`class="name" x="10" y="18">%s</text>`, name)) {
			t.Errorf("the graph has no node %s:\n%s", name, dom)
		}
	}
	if !strings.Contains(dom, `<path class="edge"`) {
		t.Errorf("the graph has no edges:\n%s", dom)
	}
	if !ratePattern.MatchString(dom) {
		t.Errorf("the page shows no rate figure:\n%s", dom)
	}
	if !strings.Contains(dom, `data-context="scored"`) {
		t.Errorf("the page shows no novelty context:\n%s", dom)
	}

	png := filepath.Join(tmp, "page.png")
	runChromium(t, chromium, append(chromiumArgs(filepath.Join(tmp, "shot")), "--window-size=1200,900",
		"--screenshot="+png, base+"/")...)
	data, err := os.ReadFile(png)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || len(data) < 1000 {
		t.Errorf("screenshot is not a PNG (%d bytes)", len(data))
	}
}
