package main

// The SQL logic test runner: every testdata/logic/*.slt file runs against a
// real server (runServer, on a fresh data directory and a free port)
// through a real Postgres client (pgx, simple protocol, text results).
//
// The language (one record per blank-line-separated block; # comments):
//
//	statement ok                 the SQL must succeed
//	statement error <regex>      the SQL must fail with a message matching regex;
//	                             the regex may start with a SQLSTATE: "42P01 relation .* does not exist"
//	query <types> [rowsort] [retry]
//	<SQL>
//	----
//	<rows>                       one line per row, values separated by one space;
//	                             NULL is NULL, an empty string is (empty)
//	                             types has one letter per column (T text, I integer,
//	                             R real, B bool, any other letter: other);
//	                             rowsort sorts rows before comparing; retry re-runs the
//	                             query until it matches (streams produce rows
//	                             asynchronously) for up to 10 seconds
//	restart                      stops the server and starts it on the same data directory
//	subscribe <name>             runs the SQL on its own connection in the background;
//	                             it returns once the result's columns arrived
//	wait <name>                  waits for that background query and compares its rows
//	----                         (as query does)
//	<rows>
//	write-file <path>            writes the lines after ---- to <path> in the data directory
//	append-file <path>           appends the lines after ---- to <path>
//	file <path> [retry]          compares the lines of <path> in the data directory
//	copy-file <src> <path>       copies <src> (relative to the repository root)
//	                             to <path> in the data directory
//	sleep <duration>             waits that long (a Go duration: 600ms); for what
//	                             only the server's wall clock decides, such as
//	                             idle_timeout; prefer retry for anything else
//
// Kafka: the first record of a file that needs it starts an in-memory Kafka
// cluster (kfake), which lives until the file ends, across restarts.
//
//	${KAFKA}                     in statement, query and subscribe SQL: the
//	                             cluster's broker address, as in
//	                             brokers = '${KAFKA}'
//	kafka-topic <name> <n>       creates topic <name> with n partitions
//	produce <topic> <partition>  writes one record per following line (its
//	<value>                      value; no key) to that partition, in order,
//	...                          and waits until the cluster has them
//
// Run with -rewrite to replace the expected rows with what the server returns
// (review the diff before committing it).

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected results of the logic tests")

// retryFor bounds how long a retry record waits for the expected rows.
const retryFor = 10 * time.Second

func TestLogic(t *testing.T) {
	files, err := filepath.Glob("../../testdata/logic/*.slt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no logic test files found")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".slt"), func(t *testing.T) {
			runLogicFile(t, file)
		})
	}
}

// record is one block of a logic test file.
type record struct {
	line     int
	kind     string   // statement, query, restart, subscribe, wait, write-file, file, produce, ...
	args     []string // the words after the kind
	sql      string
	expected []string
	// span is the record's range of lines in the file, for -rewrite.
	start, end int
}

func parseLogicFile(t *testing.T, path string) ([]record, []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var recs []record
	for i := 0; i < len(lines); {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			i++
			continue
		}
		fields := strings.Fields(line)
		rec := record{line: i + 1, kind: fields[0], args: fields[1:], start: i}
		i++
		var body []string
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" && lines[i] != "----" {
			body = append(body, lines[i])
			i++
		}
		rec.sql = strings.Join(body, "\n")
		if i < len(lines) && lines[i] == "----" {
			i++
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				rec.expected = append(rec.expected, lines[i])
				i++
			}
		}
		rec.end = i
		recs = append(recs, rec)
	}
	return recs, lines
}

// logicServer is a server under test and its data directory.
type logicServer struct {
	t      testing.TB
	dir    string
	addr   string
	cancel context.CancelFunc
	done   chan error
}

func startLogicServer(t testing.TB, dir string) *logicServer {
	ctx, cancel := context.WithCancel(context.Background())
	s := &logicServer{t: t, dir: dir, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan net.Addr, 1)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	go func() {
		s.done <- runServer(ctx, serveConfig{listen: "127.0.0.1:0", dataDir: dir}, logger, ready)
	}()
	select {
	case addr := <-ready:
		s.addr = addr.String()
	case err := <-s.done:
		t.Fatalf("server did not start: %v", err)
	}
	return s
}

func (s *logicServer) stop() {
	s.cancel()
	if err := <-s.done; err != nil && !errors.Is(err, context.Canceled) {
		s.t.Errorf("server stopped with error: %v", err)
	}
}

func (s *logicServer) connect(ctx context.Context) *pgx.Conn {
	host, port, _ := net.SplitHostPort(s.addr)
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s user=tester dbname=novelty sslmode=disable", host, port))
	if err != nil {
		s.t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		s.t.Fatalf("connecting: %v", err)
	}
	return conn
}

// background is a query running on its own connection (subscribe).
type background struct {
	conn *pgx.Conn
	rows pgx.Rows
	done chan struct{}
	out  []string
	err  error
}

func runLogicFile(t *testing.T, path string) {
	recs, lines := parseLogicFile(t, path)
	dir := t.TempDir()
	// Closed after the server stopped, so that its Kafka sources never see
	// the cluster go away.
	kafka := &logicKafka{t: t}
	defer kafka.close()
	srv := startLogicServer(t, dir)
	defer func() { srv.stop() }()
	ctx := context.Background()
	conn := srv.connect(ctx)
	defer func() { conn.Close(ctx) }()
	bgs := map[string]*background{}
	rewritten := false

	for i := range recs {
		rec := &recs[i]
		where := fmt.Sprintf("%s:%d", filepath.Base(path), rec.line)
		switch rec.kind {
		case "statement":
			_, err := conn.Exec(ctx, kafka.expand(rec.sql))
			checkStatement(t, where, rec, err)
		case "query":
			sql := kafka.expand(rec.sql)
			got, err := queryRows(ctx, conn, rec, sql)
			if hasArg(rec, "retry") {
				deadline := time.Now().Add(retryFor)
				for (err != nil || !equalRows(got, rec.expected)) && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
					got, err = queryRows(ctx, conn, rec, sql)
				}
			}
			if err != nil {
				t.Errorf("%s: query failed: %v\n%s", where, err, rec.sql)
				continue
			}
			rewritten = compareRows(t, where, rec, got) || rewritten
		case "restart":
			conn.Close(ctx)
			srv.stop()
			srv = startLogicServer(t, dir)
			conn = srv.connect(ctx)
		case "subscribe":
			bg := &background{conn: srv.connect(ctx), done: make(chan struct{})}
			rows, err := bg.conn.Query(ctx, kafka.expand(rec.sql))
			if err != nil {
				t.Fatalf("%s: subscribe failed: %v", where, err)
			}
			bg.rows = rows
			go func() {
				defer close(bg.done)
				bg.out, bg.err = collectRows(rows)
			}()
			bgs[rec.args[0]] = bg
		case "wait":
			bg := bgs[rec.args[0]]
			if bg == nil {
				t.Fatalf("%s: no background query %q", where, rec.args[0])
			}
			select {
			case <-bg.done:
			case <-time.After(retryFor):
				t.Fatalf("%s: background query %q did not finish", where, rec.args[0])
			}
			bg.conn.Close(ctx)
			if bg.err != nil {
				t.Errorf("%s: background query failed: %v", where, bg.err)
				continue
			}
			rewritten = compareRows(t, where, rec, bg.out) || rewritten
		case "write-file", "append-file":
			flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
			if rec.kind == "append-file" {
				flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
			}
			f, err := os.OpenFile(filepath.Join(dir, rec.args[0]), flags, 0o644)
			if err == nil {
				_, err = f.WriteString(strings.Join(rec.expected, "\n") + "\n")
				err = errors.Join(err, f.Close())
			}
			if err != nil {
				t.Fatal(err)
			}
		case "copy-file":
			// go test runs in cmd/novelty: the repository root is ../..
			data, err := os.ReadFile(filepath.Join("../..", rec.args[0]))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, rec.args[1]), data, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		case "file":
			got := readLines(filepath.Join(dir, rec.args[0]))
			if hasArg(rec, "retry") {
				deadline := time.Now().Add(retryFor)
				for !equalRows(got, rec.expected) && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
					got = readLines(filepath.Join(dir, rec.args[0]))
				}
			}
			rewritten = compareRows(t, where, rec, got) || rewritten
		case "sleep":
			if len(rec.args) != 1 {
				t.Fatalf("%s: sleep needs a duration", where)
			}
			d, err := time.ParseDuration(rec.args[0])
			if err != nil {
				t.Fatalf("%s: sleep needs a duration: %v", where, err)
			}
			time.Sleep(d)
		case "kafka-topic":
			if len(rec.args) != 2 {
				t.Fatalf("%s: kafka-topic needs a name and a partition count", where)
			}
			partitions, err := strconv.ParseInt(rec.args[1], 10, 32)
			if err != nil {
				t.Fatalf("%s: kafka-topic partition count: %v", where, err)
			}
			if err := kafka.createTopic(ctx, rec.args[0], int32(partitions)); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		case "produce":
			if len(rec.args) != 2 || rec.sql == "" {
				t.Fatalf("%s: produce needs a topic, a partition and records", where)
			}
			partition, err := strconv.ParseInt(rec.args[1], 10, 32)
			if err != nil {
				t.Fatalf("%s: produce partition: %v", where, err)
			}
			if err := kafka.produce(ctx, rec.args[0], int32(partition), strings.Split(rec.sql, "\n")); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		default:
			t.Fatalf("%s: unknown record %q", where, rec.kind)
		}
	}
	if *rewrite && rewritten {
		writeBack(t, path, lines, recs)
	}
}

func hasArg(rec *record, arg string) bool {
	for _, a := range rec.args {
		if a == arg {
			return true
		}
	}
	return false
}

func checkStatement(t *testing.T, where string, rec *record, err error) {
	if len(rec.args) == 0 || rec.args[0] == "ok" {
		if err != nil {
			t.Errorf("%s: statement failed: %v\n%s", where, err, rec.sql)
		}
		return
	}
	if rec.args[0] != "error" {
		t.Fatalf("%s: statement must be followed by ok or error", where)
	}
	if err == nil {
		t.Errorf("%s: statement succeeded, expected an error\n%s", where, rec.sql)
		return
	}
	msg := err.Error()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg = pgErr.Code + " " + pgErr.Message
	}
	pattern := strings.Join(rec.args[1:], " ")
	if !regexp.MustCompile(pattern).MatchString(msg) {
		t.Errorf("%s: error %q does not match %q", where, msg, pattern)
	}
}

// queryRows runs sql, rec's SQL with its placeholders expanded.
func queryRows(ctx context.Context, conn *pgx.Conn, rec *record, sql string) ([]string, error) {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	out, err := collectRows(rows)
	if err != nil {
		return nil, err
	}
	if want := len(rec.args[0]); len(rows.FieldDescriptions()) != want {
		return nil, fmt.Errorf("query returned %d columns, the record declares %d", len(rows.FieldDescriptions()), want)
	}
	if hasArg(rec, "rowsort") {
		sort.Strings(out)
	}
	return out, nil
}

// collectRows renders every row as its text values joined by spaces.
func collectRows(rows pgx.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := rows.RawValues()
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch {
			case v == nil:
				parts[i] = "NULL"
			case len(v) == 0:
				parts[i] = "(empty)"
			default:
				parts[i] = string(v)
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out, rows.Err()
}

func equalRows(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// compareRows reports a mismatch, or with -rewrite records the new rows;
// it returns whether the record changed.
func compareRows(t *testing.T, where string, rec *record, got []string) bool {
	if equalRows(got, rec.expected) {
		return false
	}
	if *rewrite {
		rec.expected = got
		return true
	}
	t.Errorf("%s: rows differ\n%s\n--- got:\n%s\n--- want:\n%s", where, rec.sql,
		strings.Join(got, "\n"), strings.Join(rec.expected, "\n"))
	return false
}

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return []string{"<" + err.Error() + ">"}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// writeBack rewrites a logic file with the records' current expectations.
func writeBack(t *testing.T, path string, lines []string, recs []record) {
	var out []string
	prev := 0
	for _, rec := range recs {
		out = append(out, lines[prev:rec.start]...)
		out = append(out, lines[rec.start:rec.start+1]...)
		if rec.sql != "" {
			out = append(out, strings.Split(rec.sql, "\n")...)
		}
		switch rec.kind {
		case "query", "wait", "file", "write-file", "append-file":
			out = append(out, "----")
			out = append(out, rec.expected...)
		}
		prev = rec.end
	}
	out = append(out, lines[prev:]...)
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// kafkaPlaceholder is replaced by the broker address in a record's SQL.
const kafkaPlaceholder = "${KAFKA}"

// logicKafka is the Kafka cluster of one logic file: started by the first
// record that needs it, closed by close when the file ends.
type logicKafka struct {
	t       testing.TB
	cluster *kfake.Cluster
	// client creates topics and produces records; its partitioner is
	// manual, so every record goes to the partition it names.
	client *kgo.Client
}

// start starts the cluster and its client unless they are running.
func (k *logicKafka) start() {
	if k.cluster != nil {
		return
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		k.t.Fatalf("starting the Kafka cluster: %v", err)
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		cluster.Close()
		k.t.Fatalf("connecting to the Kafka cluster: %v", err)
	}
	k.cluster, k.client = cluster, client
}

// expand returns sql with the broker address in place of ${KAFKA},
// starting the cluster when sql needs it.
func (k *logicKafka) expand(sql string) string {
	if !strings.Contains(sql, kafkaPlaceholder) {
		return sql
	}
	k.start()
	return strings.ReplaceAll(sql, kafkaPlaceholder, strings.Join(k.cluster.ListenAddrs(), ","))
}

// createTopic creates topic name with the given number of partitions.
func (k *logicKafka) createTopic(ctx context.Context, name string, partitions int32) error {
	k.start()
	req := kmsg.NewPtrCreateTopicsRequest()
	topic := kmsg.NewCreateTopicsRequestTopic()
	topic.Topic = name
	topic.NumPartitions = partitions
	topic.ReplicationFactor = 1
	req.Topics = append(req.Topics, topic)
	resp, err := req.RequestWith(ctx, k.client)
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", name, err)
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return fmt.Errorf("creating topic %s: %w", name, err)
		}
	}
	return nil
}

// produce writes one record per value, in order, to a partition of topic
// and returns once the cluster acknowledged them all.
func (k *logicKafka) produce(ctx context.Context, topic string, partition int32, values []string) error {
	k.start()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
	}
	if err := k.client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("producing to %s/%d: %w", topic, partition, err)
	}
	return nil
}

func (k *logicKafka) close() {
	if k.cluster == nil {
		return
	}
	k.client.Close()
	k.cluster.Close()
}
