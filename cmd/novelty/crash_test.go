package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novelty-db/novelty/storage"
)

// crashServeEnv makes the test binary run the server with these
// arguments (one per line) instead of the tests: TestCrashRecovery starts
// itself as the server process, so it can kill it with SIGKILL.
const crashServeEnv = "NOVELTY_CRASH_SERVE_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(crashServeEnv); args != "" {
		if err := run(strings.Split(args, "\n"), os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashPipeline has a window, an interval join and a novelty context over
// two deterministic Nexmark sources, each stream written to a file sink.
const crashPipeline = `
CREATE SOURCE auction (
  id BIGINT, item_name VARCHAR, description VARCHAR, initial_bid BIGINT, reserve BIGINT,
  date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND
) WITH (connector = 'nexmark', table = 'auction', events = '%[1]d', rate = '%[2]d', seed = '7');
CREATE SOURCE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
  date_time TIMESTAMP, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '1' SECOND
) WITH (connector = 'nexmark', table = 'bid', events = '%[1]d', rate = '%[2]d', seed = '7');
CREATE STREAM bid_windows AS
  SELECT window_start, channel, count(*) AS bids, max(price) AS top, count(DISTINCT bidder) AS bidders
  FROM bid GROUP BY TUMBLE(date_time, INTERVAL '1' SECOND), channel;
CREATE STREAM early_bids AS
  SELECT b.auction, b.bidder, b.price, b.date_time, a.seller
  FROM bid b JOIN auction a ON b.auction = a.id AND b.date_time BETWEEN a.date_time AND a.date_time + INTERVAL '2' SECOND;
CREATE STREAM bidder_scores WITH (novelty_context = 'bidders') AS
  SELECT auction, bidder, date_time, novelty_score(channel, bidder) AS score FROM bid;
CREATE SINK windows_out FROM bid_windows WITH (connector = 'file', path = '%[3]s/windows.jsonl');
CREATE SINK early_out FROM early_bids WITH (connector = 'file', path = '%[3]s/early.jsonl');
CREATE SINK scores_out FROM bidder_scores WITH (connector = 'file', path = '%[3]s/scores.jsonl');
`

// crashServer is one server process over a data directory.
type crashServer struct {
	t        *testing.T
	cmd      *exec.Cmd
	addr     string
	httpAddr string
	exited   chan error
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startCrashServer starts a server process and waits until it accepts
// connections.
func startCrashServer(t *testing.T, dataDir string) *crashServer {
	t.Helper()
	s := &crashServer{t: t, addr: freePort(t), httpAddr: freePort(t), exited: make(chan error, 1)}
	args := []string{"serve", "--data-dir", dataDir, "--listen", s.addr, "--http", s.httpAddr,
		"--checkpoint-interval", "100ms", "--log-level", "warn"}
	s.cmd = exec.Command(os.Args[0])
	s.cmd.Env = append(os.Environ(), crashServeEnv+"="+strings.Join(args, "\n"))
	var logs bytes.Buffer
	s.cmd.Stdout, s.cmd.Stderr = &logs, &logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", s.addr); err == nil {
			c.Close()
			return s
		}
		select {
		case err := <-s.exited:
			t.Fatalf("server exited before listening: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not listen on %s\n%s", s.addr, logs.String())
		}
	}
}

// exec runs SQL on the server.
func (s *crashServer) exec(sql string) {
	s.t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://tester@%s/novelty?sslmode=disable", s.addr))
	if err != nil {
		s.t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		s.t.Fatal(err)
	}
}

// kill ends the server with SIGKILL.
func (s *crashServer) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	<-s.exited
}

// finish waits until every sink's pipeline finished (the sources are
// bounded), then stops the server cleanly.
func (s *crashServer) finish() {
	s.t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !s.sinksFinished(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.t.Fatal("the sinks did not finish")
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	if err := <-s.exited; err != nil {
		s.t.Fatalf("server stopped with %v", err)
	}
}

func (s *crashServer) sinksFinished() bool {
	resp, err := http.Get("http://" + s.httpAddr + "/api/pipelines")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var got struct {
		Objects []struct {
			Kind, Name, Pipeline string
		} `json:"objects"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return false
	}
	sinks := 0
	for _, o := range got.Objects {
		if o.Kind == "sink" {
			if o.Pipeline != "finished" {
				return false
			}
			sinks++
		}
	}
	return sinks == 3
}

// crashOutcome is what a run leaves: each sink's lines, sorted, and the
// novelty context's saved bytes.
type crashOutcome struct {
	sinks   map[string][]string
	context []byte
}

func readCrashOutcome(t *testing.T, dir string) crashOutcome {
	t.Helper()
	out := crashOutcome{sinks: map[string][]string{}}
	for _, name := range []string{"windows.jsonl", "early.jsonl", "scores.jsonl"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		slices.Sort(lines)
		out.sinks[name] = lines
	}
	store, err := storage.Open(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if out.context, _, err = store.GetState("novelty/bidders"); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCrashRecovery kills the server with SIGKILL at seeded random moments
// while it runs a pipeline with a window, an interval join and a novelty
// context, restarting it each time; the sinks' files and the novelty
// context must then equal those of a run that was never interrupted.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	const events, rate, kills = 40_000, 10_000, 10
	steadyDir := t.TempDir()
	steady := startCrashServer(t, filepath.Join(steadyDir, "data"))
	steady.exec(fmt.Sprintf(crashPipeline, events, rate, steadyDir))
	steady.finish()
	want := readCrashOutcome(t, steadyDir)
	if len(want.context) == 0 || len(want.sinks["early.jsonl"]) < 100 || len(want.sinks["windows.jsonl"]) < 3 {
		t.Fatalf("the uninterrupted run produced too little to compare: %d window rows, %d join rows, %d context bytes",
			len(want.sinks["windows.jsonl"]), len(want.sinks["early.jsonl"]), len(want.context))
	}

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("NOVELTY_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("kill moments seeded with NOVELTY_CRASH_SEED=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	srv := startCrashServer(t, filepath.Join(dir, "data"))
	srv.exec(fmt.Sprintf(crashPipeline, events, rate, dir))
	for range kills {
		time.Sleep(time.Duration(50+rng.IntN(600)) * time.Millisecond)
		srv.kill()
		srv = startCrashServer(t, filepath.Join(dir, "data"))
	}
	srv.finish()
	got := readCrashOutcome(t, dir)

	for name, lines := range want.sinks {
		if !slices.Equal(got.sinks[name], lines) {
			t.Errorf("%s after %d kills: %d lines, want %d; first difference: %s", name, kills,
				len(got.sinks[name]), len(lines), firstLineDifference(got.sinks[name], lines))
		}
	}
	if !bytes.Equal(got.context, want.context) {
		t.Errorf("novelty context after %d kills: %d bytes, want the uninterrupted run's %d bytes bit for bit",
			kills, len(got.context), len(want.context))
	}
}

func firstLineDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}
